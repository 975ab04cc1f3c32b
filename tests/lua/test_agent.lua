-- Agent loop unit tests with a fake transport (no sockets): request
-- building, streaming, tool assembly and execution, retries and failover
-- timing, history, misuse.
local oc = require("openclaw")
local json = require("openclaw.json")
local errors = require("openclaw.errors")
local provider = require("openclaw.provider")
local agent_mod = require("openclaw.agent")

local KEY = "sk-or-unit-test-key-0000"
local MODEL = "openrouter/anthropic/claude-sonnet-4.5"
local FALLBACK = "openrouter/moonshotai/kimi-k2.6"

-- A minimal effective config (no files read).
local function cfg(over)
  local c = {
    agents = { defaults = {
      model = { primary = MODEL, fallbacks = {} },
      failover = { maxRetries = 2, retryBudgetMs = 5000,
                   initialBackoffMs = 10, maxBackoffMs = 40,
                   connectTimeoutMs = 4000, idleTimeoutMs = 1000 },
      maxToolRounds = 8, timeoutMs = 60000,
    } },
    models = { providers = { openrouter = {} } },
    env = { OPENROUTER_API_KEY = KEY },
  }
  for k, v in pairs(over or {}) do c.agents.defaults[k] = v end
  return c
end

-- SSE data strings of an OpenAI-style stream.
local function chunk(delta, finish, extra)
  local c = { id = "gen-1", model = extra and extra.model or
    "anthropic/claude-sonnet-4.5", object = "chat.completion.chunk",
    choices = { { index = 0, delta = delta or {},
                  finish_reason = finish or json.null } } }
  if extra and extra.usage then c.usage = extra.usage end
  return json.encode(c)
end

local function text_stream(text, usage, model)
  local ev = { chunk({ role = "assistant", content = "" }) }
  for i = 1, #text, 3 do
    ev[#ev + 1] = chunk({ content = text:sub(i, i + 2) })
  end
  ev[#ev + 1] = chunk({}, "stop", { usage = usage or { prompt_tokens = 10,
    completion_tokens = 5, total_tokens = 15, cost = 0.001 }, model = model })
  ev[#ev + 1] = "[DONE]"
  return ev
end

-- A fake transport that answers each request with the next response of
-- `script` (a list; a function entry gets the decoded body). Records the
-- requests.
local function fake(script)
  local calls = {}
  local t = { calls = calls }
  t.fn = function(opts)
    calls[#calls + 1] = { opts = opts, body = json.decode(opts.body) }
    local r = script[math.min(#calls, #script)]
    if type(r) == "function" then r = r(calls[#calls].body, #calls) end
    if r.open_fail then return nil, r.open_fail[1], r.open_fail[2] end
    return provider.stream_of(r)
  end
  return t
end

local function agent(t, opts)
  local o = { config = cfg(), env = {}, transport = t.fn, system = false }
  for k, v in pairs(opts or {}) do o[k] = v end
  return oc.agent(o)
end

local function tool_call_stream(calls, interleave)
  local ev = { chunk({ role = "assistant", content = "" }) }
  for i, c in ipairs(calls) do
    ev[#ev + 1] = chunk({ tool_calls = { { index = i - 1, id = c.id,
      type = "function", ["function"] = { name = c.name, arguments = "" } } } })
  end
  -- argument fragments, round-robin across calls
  local pos, left = {}, true
  for i = 1, #calls do pos[i] = 1 end
  while left do
    left = false
    for i, c in ipairs(calls) do
      if pos[i] <= #c.args then
        left = true
        ev[#ev + 1] = chunk({ tool_calls = { { index = i - 1,
          ["function"] = { arguments = c.args:sub(pos[i], pos[i] + 3) } } } })
        pos[i] = pos[i] + 4
      end
      if not interleave and pos[i] <= #c.args then break end
    end
  end
  ev[#ev + 1] = chunk({}, "tool_calls", { usage = { prompt_tokens = 20,
    completion_tokens = 7, total_tokens = 27, cost = 0.002 } })
  ev[#ev + 1] = "[DONE]"
  return ev
end

-- Timing bounds are looser under the sanitizers (scripts/test.sh).
local SLOW = os.getenv("OPENCLAW_SANITIZE") and 3 or 1

return function(T)
  T.test("request: URL, key, body; deltas stream in order", function()
    local t = fake({ { events = text_stream("Hello, world!") } })
    local a = agent(t, { system = "Be brief." })
    local got = {}
    local events = {}
    local reply = a:send("hi", {
      on_delta = function(s) got[#got + 1] = s end,
      on_event = function(ev) events[#events + 1] = ev.type end })
    T.eq(reply.error, nil)
    T.eq(reply.text, "Hello, world!")
    T.eq(got, { "Hel", "lo,", " wo", "rld", "!" })
    T.eq(#t.calls, 1)
    local o = t.calls[1].opts
    T.eq(o.method, "POST")
    T.eq(o.url, "https://openrouter.ai/api/v1/chat/completions")
    T.eq(o.headers.Authorization, "Bearer " .. KEY)
    T.eq(o.idle_timeout_ms, 1000)
    T.eq(o.connect_timeout_ms, 4000)
    T.eq(o.timeout_ms, 60000)
    local body = t.calls[1].body
    T.eq(body.model, "anthropic/claude-sonnet-4.5")
    -- (Anthropic on openrouter.ai: the system prompt carries a cache marker)
    T.eq(body.messages, { { role = "system", content = { { type = "text",
      text = "Be brief.", cache_control = { type = "ephemeral" } } } },
                          { role = "user", content = "hi" } })
    T.schema("ChatRequest", body)
    T.eq(reply.usage.input, 10)
    T.eq(reply.usage.output, 5)
    T.eq(reply.usage.cost, 0.001)
    T.eq(reply.rounds, 1)
    T.eq(reply.attempts, { { ref = MODEL, reason = "ok", status = 200 } })
    T.ok(events[1] == "text" and events[#events] == "usage")
  end)

  T.test("interleaved parallel tool calls are assembled and run concurrently",
    function()
      local t = fake({
        { events = tool_call_stream({
          { id = "c1", name = "slow", args = '{"label": "first", "ms": 200}' },
          { id = "c2", name = "slow", args = '{"label": "second", "ms": 200}' },
          { id = "c3", name = "slow", args = '{"label": "third", "ms": 200}' },
        }, true) },
        { events = text_stream("done", { prompt_tokens = 30,
          completion_tokens = 2, total_tokens = 32, cost = 0.003 }) },
      })
      local a = agent(t)
      local order = {}
      a:tool{ name = "slow", description = "sleeps",
        parameters = { type = "object", properties = {
          label = { type = "string" }, ms = { type = "integer" } } },
        run = function(args)
          oc.sleep(args.ms)
          order[#order + 1] = args.label
          return "ok " .. args.label
        end }
      local t0 = oc.now()
      local reply = a:send("go")
      T.ok(oc.now() - t0 < 400 * SLOW, "concurrent tools")
      T.eq(reply.error, nil)
      T.eq(#order, 3)
      T.eq(reply.tool_calls[1].args, { label = "first", ms = 200 })
      T.eq(reply.tool_calls[3].result, "ok third")
      -- results go back in call order, answering the right ids
      local msgs = t.calls[2].body.messages
      T.eq(msgs[#msgs - 2], { role = "tool", tool_call_id = "c1",
                              content = "ok first" })
      T.eq(msgs[#msgs], { role = "tool", tool_call_id = "c3",
                          content = "ok third" })
      T.eq(#msgs[#msgs - 3].tool_calls, 3)
      T.schema("ChatRequest", t.calls[2].body)
      -- usage accumulates across rounds
      T.eq(reply.usage.input, 50)
      T.eq(reply.usage.output, 9)
      T.ok(math.abs(reply.usage.cost - 0.005) < 1e-12)
      T.eq(reply.rounds, 2)
    end)

  T.test("tool results: tables as JSON, nil, unknown tools, errors",
    function()
      local t = fake({
        { events = tool_call_stream({
          { id = "a", name = "tbl", args = "{}" },
          { id = "b", name = "nothing", args = "{}" },
          { id = "c", name = "missing", args = "{}" },
          { id = "d", name = "bad", args = "{}" },
          { id = "e", name = "tbl", args = "[1, 2" },
        }) },
        { events = text_stream("ok") },
      })
      local a = agent(t)
      a:tool{ name = "tbl", run = function() return { x = 1 } end }
      a:tool{ name = "nothing", run = function() end }
      a:tool{ name = "bad", run = function()
        error({ message = "structured" })
      end }
      local results = {}
      local reply = a:send("go", { on_tool = function(call, result)
        results[call.id] = result
      end })
      T.eq(reply.error, nil)
      T.eq(results.a, '{"x":1}')
      T.eq(results.b, "(no output)")
      T.ok(results.c:find("unknown tool 'missing'; available tools: tbl, "
        .. "nothing, bad", 1, true), results.c)
      T.ok(results.d:find("tool 'bad' failed: structured", 1, true), results.d)
      T.ok(results.e:find("invalid arguments for tool 'tbl'", 1, true),
           results.e)
      T.eq(reply.tool_calls[4].error, true)
      T.eq(reply.tool_calls[1].error, nil)
    end)

  T.test("Ctrl-C in a tool or the transport propagates out of send",
    function()
      local t = fake({ { events = tool_call_stream({
        { id = "a", name = "stop", args = "{}" } }) } })
      local a = agent(t)
      a:tool{ name = "stop", run = function() error(oc.INTERRUPTED, 0) end }
      local ok, err = pcall(a.send, a, "go")
      T.eq(ok, false)
      T.ok(err == oc.INTERRUPTED)
      local t2 = { fn = function() error(oc.INTERRUPTED, 0) end }
      local b = agent(t2)
      ok, err = pcall(b.send, b, "go")
      T.ok(not ok and err == oc.INTERRUPTED)
      T.eq(b.messages[1].content, "go")
      -- the transport's "interrupted" code is Ctrl-C too
      local t3 = fake({ { open_fail = { "interrupted", "interrupted" } } })
      ok, err = pcall(agent(t3).send, agent(t3), "go")
      T.ok(not ok and err == oc.INTERRUPTED)
    end)

  T.test("429 with Retry-After: waits that long, then falls back", function()
    local t = fake({
      function(body)
        if body.model == "anthropic/claude-sonnet-4.5" then
          return { status = 429, headers = { ["retry-after"] = "0.05" },
                   body = '{"error":{"code":429,"message":"slow down"}}' }
        end
        return { events = text_stream("from fallback", nil, body.model) }
      end,
    })
    local a = agent(t, { fallbacks = { FALLBACK } })
    local ev = {}
    local reply = a:send("hi", { on_event = function(e)
      if e.type == "retry" or e.type == "fallback" then ev[#ev + 1] = e end
    end })
    T.eq(reply.text, "from fallback")
    T.eq(reply.ref, FALLBACK)
    T.eq(reply.model, "moonshotai/kimi-k2.6")
    T.eq(#t.calls, 4)
    T.eq(ev[1].type, "retry")
    T.eq(ev[1].wait_ms, 50)
    T.eq(ev[1].model, MODEL)
    T.eq(ev[1].reason, "rate_limit")
    T.eq(ev[3].type, "fallback")
    T.eq(ev[3].from, MODEL)
    T.eq(ev[3].to, FALLBACK)
  end)

  T.test("Retry-After beyond the budget skips straight to the fallback",
    function()
      local t = fake({
        function(body)
          if body.model == "anthropic/claude-sonnet-4.5" then
            return { status = 429, headers = { ["retry-after"] = "60" } }
          end
          return { events = text_stream("fb") }
        end,
      })
      local t0 = oc.now()
      local reply = agent(t, { fallbacks = { FALLBACK } }):send("hi")
      T.ok(oc.now() - t0 < 200 * SLOW)
      T.eq(reply.text, "fb")
      T.eq(#reply.attempts, 2)
      T.eq(reply.attempts[1].wait_ms, nil)
    end)

  T.test("backoff doubles up to maxBackoffMs", function()
    local t = fake({ { status = 500 } })
    local c = cfg({ failover = { maxRetries = 4, retryBudgetMs = 5000,
      initialBackoffMs = 10, maxBackoffMs = 25, connectTimeoutMs = 100 } })
    local waits = {}
    local reply = agent(t, { config = c }):send("hi", {
      on_event = function(e)
        if e.type == "retry" then waits[#waits + 1] = e.wait_ms end
      end })
    T.eq(waits, { 10, 20, 25, 25 })
    T.eq(#t.calls, 5)
    T.eq(reply.error.reason, "timeout")
    T.eq(reply.error.status, 500)
  end)

  T.test("connection failures and early stream ends are retried", function()
    local t = fake({
      { open_fail = { "Connection refused", "connect" } },
      -- a stream without finish_reason
      { events = { chunk({ role = "assistant", content = "" }) } },
      { events = { chunk({ role = "assistant" }) },
        fail = { "connection dropped", "closed" } },
      { events = text_stream("finally") },
    })
    local c = cfg({ failover = { maxRetries = 3, retryBudgetMs = 5000,
      initialBackoffMs = 1, maxBackoffMs = 1, connectTimeoutMs = 100 } })
    local reply = agent(t, { config = c }):send("hi")
    T.eq(reply.error, nil)
    T.eq(reply.text, "finally")
    T.eq(reply.attempts[1].reason, "network")
    T.eq(reply.attempts[2].reason, "network")
    T.eq(reply.attempts[3].reason, "network")
  end)

  T.test("malformed stream data: retried before text, reported after",
    function()
      local t = fake({
        { events = { "{not json" } },
        { events = text_stream("good") },
      })
      local reply = agent(t):send("hi")
      T.eq(reply.text, "good")
      T.eq(reply.attempts[1].reason, "network")
      local t2 = fake({ { events = { chunk({ content = "half " }),
                                     "{broken" } } })
      local r2 = agent(t2):send("hi")
      T.eq(r2.text, "half ")
      T.ok(r2.error.message:find("malformed stream data", 1, true))
      T.eq(#t2.calls, 1)
    end)

  T.test("a plain JSON reply to a streamed request is accepted", function()
    local t = fake({ { headers = { ["content-type"] = "application/json" },
      body = json.encode({ id = "x", model = "anthropic/claude-sonnet-4.5",
        choices = { { message = { role = "assistant", content = "plain" },
                      finish_reason = "stop" } },
        usage = { prompt_tokens = 3, completion_tokens = 1 } }) } })
    local got = {}
    local reply = agent(t):send("hi", { on_delta = function(s)
      got[#got + 1] = s end })
    T.eq(reply.error, nil)
    T.eq(reply.text, "plain")
    T.eq(got, { "plain" })
    T.eq(reply.usage.input, 3)
  end)

  T.test("a web page instead of an API: a config error naming the URL",
    function()
      local t = fake({ { headers = { ["content-type"] = "text/html" },
                         events = {} } })
      local reply = agent(t, { fallbacks = { FALLBACK } }):send("hi")
      T.eq(reply.error.reason, "config")
      T.ok(reply.error.message:find("openrouter.ai/api/v1/chat/completions "
        .. "answered with a web page", 1, true), reply.error.message)
      T.ok(reply.error.fix:find("baseUrl", 1, true))
      T.eq(#t.calls, 1)
    end)

  T.test("content_filter ends the turn with reason moderation", function()
    local t = fake({ { events = { chunk({ content = "I can" }),
      chunk({}, "content_filter"), "[DONE]" } } })
    local reply = agent(t, { fallbacks = { FALLBACK } }):send("hi")
    T.eq(reply.text, "I can")
    T.eq(reply.error.reason, "moderation")
    T.eq(#t.calls, 1)
  end)

  T.test("no key: no request, the onboarding message", function()
    local t = fake({ { events = text_stream("x") } })
    local c = cfg()
    c.env = {}
    local reply = agent(t, { config = c }):send("hi")
    T.eq(#t.calls, 0)
    T.eq(reply.error.reason, "auth")
    T.ok(reply.error.message:find("openclaw onboard --auth-choice "
      .. "openrouter-api-key", 1, true))
    T.ok(reply.error.message:find("OPENROUTER_API_KEY", 1, true))
    T.ok(reply.error.fix)
    T.eq(agent_mod.has_key(c, {}), false)
    T.eq(agent_mod.has_key(cfg(), {}), true)
    T.eq(agent_mod.has_key(c, { OPENROUTER_API_KEY = "sk-or-x" }), true)
  end)

  T.test("per-call model and thinking overrides; primary tried last",
    function()
      local t = fake({
        function(body)
          if body.model == "openai/gpt-4o-mini" then
            return { status = 503 }
          end
          return { events = text_stream("ok") }
        end,
      })
      local c = cfg({ failover = { maxRetries = 0, retryBudgetMs = 0,
        initialBackoffMs = 0, maxBackoffMs = 0, connectTimeoutMs = 100 } })
      local a = agent(t, { config = c })
      local reply = a:send("hi", { model = "openrouter/openai/gpt-4o-mini",
                                   thinking = "high" })
      T.eq(reply.error, nil)
      T.eq(reply.ref, MODEL)
      T.eq(t.calls[1].body.model, "openai/gpt-4o-mini")
      T.eq(t.calls[2].body.reasoning, { effort = "high" })
      -- a bad per-call ref is a reply error, not a raise
      local r2 = a:send("hi", { model = "gpt-4" })
      T.eq(r2.error.reason, "config")
      T.ok(r2.error.message:find("has no provider", 1, true))
    end)

  T.test("max_tool_rounds = 0 sends no tools", function()
    local t = fake({ { events = text_stream("ok") } })
    local a = agent(t, { max_tool_rounds = 0 })
    a:tool{ name = "x", run = function() end }
    a:send("hi")
    T.eq(t.calls[1].body.tools, nil)
  end)

  T.test("system prompt: option, config, agents/default.lua, none",
    function()
      local t = fake({ { events = text_stream("ok") } })
      local c = cfg({ system = "From config." })
      c.agents.defaults.model.primary = FALLBACK  -- no cache markers
      oc.agent{ config = c, env = {}, transport = t.fn }:send("a")
      T.eq(t.calls[1].body.messages[1].content, "From config.")
      c.agents.defaults.system = nil
      oc.agent{ config = c, env = {}, transport = t.fn }:send("b")
      T.eq(t.calls[2].body.messages[1].content,
           require("agents.default").system)
      c = cfg()
      c.agents.defaults.model.primary = FALLBACK
      local function agent(_, o) o.config = c; o.env = {}
        o.transport = t.fn; return oc.agent(o) end
      agent(t, { system = "Mine." }):send("c")
      T.eq(t.calls[3].body.messages[1].content, "Mine.")
      agent(t, { system = false }):send("d")
      T.eq(t.calls[4].body.messages[1].role, "user")
    end)

  T.test("params go into the request; timeoutMs sets the idle timeout",
    function()
      local t = fake({ { events = text_stream("ok") } })
      local a = agent(t, { params = { temperature = 0.2,
        provider = { order = { "anthropic" } }, timeoutMs = 777 } })
      local reply = a:send("hi", { params = { max_tokens = 100 } })
      T.eq(reply.error, nil)
      local body = t.calls[1].body
      T.eq(body.temperature, 0.2)
      T.eq(body.max_completion_tokens, 100)
      T.eq(body.provider, { order = { "anthropic" } })
      T.eq(t.calls[1].opts.idle_timeout_ms, 777)
    end)

  T.test("concurrent sends on one agent keep each turn together", function()
    local t = fake({
      function(body, n)
        local last = body.messages[#body.messages].content
        return { start_delay_ms = last == "first" and 100 or 10,
                 events = text_stream("re: " .. last) }
      end,
    })
    local a = agent(t)
    local r1, r2 = oc.all{
      function() return a:send("first") end,
      function() return a:send("second") end,
    }
    T.eq(r1.text, "re: first")
    T.eq(r2.text, "re: second")
    -- the second turn did not see the first, still running
    T.eq(#t.calls[2].body.messages, 1)
    local contents = {}
    for _, m in ipairs(a.messages) do contents[#contents + 1] = m.content end
    T.eq(contents, { "first", "re: first", "second", "re: second" })
    -- a third turn sees both
    a:send("third")
    T.eq(#t.calls[3].body.messages, 5)
  end)

  T.test("history repair: calls without results, results without calls",
    function()
      local fixed = agent_mod._repair({
        { role = "user", content = "q" },
        { role = "assistant", content = "", tool_calls = {
          { id = "a", name = "x", arguments = "{}" },
          { id = "b", name = "x", arguments = "{}" } } },
        { role = "tool", tool_call_id = "b", content = "B" },
        { role = "tool", tool_call_id = "zzz", content = "orphan" },
        { role = "user", content = "next" },
      })
      T.eq(#fixed, 5)
      T.eq(fixed[3].tool_call_id, "b")
      T.eq(fixed[4].tool_call_id, "a")
      T.ok(fixed[4].content:find("interrupted", 1, true))
      T.eq(fixed[5].content, "next")
    end)

  T.test("an interrupted tool round leaves a history the next turn can send",
    function()
      local n = 0
      local t = fake({
        { events = tool_call_stream({ { id = "k", name = "stop",
                                        args = "{}" } }) },
        { events = text_stream("fine") },
      })
      local a = agent(t)
      a:tool{ name = "stop", run = function()
        n = n + 1
        if n == 1 then error(oc.INTERRUPTED, 0) end
        return "x"
      end }
      T.ok(not pcall(a.send, a, "go"))
      local reply = a:send("again")
      T.eq(reply.error, nil)
      local body = t.calls[2].body
      T.schema("ChatRequest", body)
      T.eq(body.messages[3].role, "tool")
      T.eq(body.messages[3].tool_call_id, "k")
    end)

  T.test("reset forgets the history", function()
    local t = fake({ { events = text_stream("ok") } })
    local a = agent(t)
    a:send("one")
    T.eq(#a.messages, 2)
    T.eq(a:reset(), a)
    T.eq(#a.messages, 0)
    a:send("two")
    T.eq(#t.calls[2].body.messages, 1)
  end)

  T.test("provider.set_transport replaces HTTP for every agent", function()
    local t = fake({ { events = text_stream("global") } })
    provider.set_transport(t.fn)
    local ok, reply = pcall(function()
      return oc.agent{ config = cfg(), env = {} }:send("hi")
    end)
    provider.set_transport(nil)
    T.ok(ok, reply)
    T.eq(reply.text, "global")
  end)

  T.test("misuse raises; user mistakes raise one-line errors", function()
    local t = fake({ { events = text_stream("x") } })
    local a = agent(t)
    T.raises("agent:send: expected text", a.send, a, 42)
    T.raises("option 'on_delta' must be a function", a.send, a, "x",
             { on_delta = "no" })
    T.raises("unknown option 'on_deltas' (did you mean 'on_delta'?)", a.send,
             a, "x", { on_deltas = print })
    T.raises("unknown option 'modle' (did you mean 'model'?)", oc.agent,
             { modle = "x", config = cfg() })
    T.raises("'run' must be a function", a.tool, a, { name = "x" })
    T.raises("'name' must be", a.tool, a, { name = "bad name", run = print })
    local function user_error(opts)
      opts.config = opts.config or cfg()
      local ok, err = pcall(oc.agent, opts)
      T.ok(not ok)
      T.ok(errors.is(err), "a structured error: " .. tostring(err))
      T.ok(not err.message:find("\n"), "one line")
      return err.message
    end
    T.ok(user_error({ model = "gpt-4" }):find("model: model ref 'gpt-4' has "
      .. "no provider", 1, true))
    T.ok(user_error({ fallbacks = { "nope/x" } }):find("unknown provider",
      1, true))
    T.ok(user_error({ thinking = "extreme" }):find("unknown thinking level",
      1, true))
    T.ok(user_error({ session = "../etc/passwd", state_dir = T.tmpdir() })
      :find("invalid session id", 1, true))
  end)

  T.test("a broken config is a one-line error naming the file", function()
    local dir = T.tmpdir()
    local f = assert(io.open(dir .. "/openclaw.json", "w"))
    f:write('{ agents: { defaults: { maxToolRounds: "lots" } } }')
    f:close()
    local ok, err = pcall(oc.agent, { env = { HOME = dir,
      OPENCLAW_STATE_DIR = dir } })
    T.ok(not ok)
    T.ok(errors.is(err))
    T.ok(err.message:find("openclaw.json", 1, true), err.message)
    T.ok(err.message:find("maxToolRounds", 1, true), err.message)
  end)
end
