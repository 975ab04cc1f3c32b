-- Agent turns end to end: real HTTP and SSE against the local
-- OpenRouter-compatible test server (tests/server/orserver.py).
local oc = require("openclaw")
local json = require("openclaw.json")
local config = require("openclaw.config")

local KEY = "sk-or-test-1234"
local MODEL = "openrouter/anthropic/claude-sonnet-4.5"
local FALLBACK = "openrouter/moonshotai/kimi-k2.6"

-- Timing bounds are looser under the sanitizers (scripts/test.sh).
local SLOW = os.getenv("OPENCLAW_SANITIZE") and 3 or 1

return function(T)
  -- A fresh state dir and an effective config pointing at the server.
  -- over: { key =, failover = {...}, timeoutMs =, fallbacks = }
  local function setup(over)
    over = over or {}
    -- every request of the previous test was a valid ChatRequest
    for _, r in ipairs(T.server_log()) do
      T.eq(r.schema_errors, {}, ("schema errors in request %d (%s)"):format(
        r.seq, r.path))
    end
    T.server_reset()
    local dir = T.tmpdir()
    local env = { HOME = dir, OPENCLAW_STATE_DIR = dir }
    if over.key ~= false then env.OPENROUTER_API_KEY = over.key or KEY end
    local cfg = assert(config.load{ env = env })
    cfg.models.providers.openrouter.baseUrl = T.server() .. "/api/v1"
    local fo = cfg.agents.defaults.failover
    for k, v in pairs(over.failover or {}) do fo[k] = v end
    if over.timeoutMs then cfg.agents.defaults.timeoutMs = over.timeoutMs end
    cfg.agents.defaults.model.primary = over.model or MODEL
    cfg.agents.defaults.model.fallbacks = over.fallbacks or {}
    return cfg, env, dir
  end

  local function new_agent(cfg, env, opts)
    local o = { config = cfg, env = env, system = "Be brief." }
    for k, v in pairs(opts or {}) do o[k] = v end
    return oc.agent(o)
  end

  -- every chat request the server saw, each checked against the API schema
  local function chat_log() return T.server_requests() end

  local function last_message(body)
    return body.messages[#body.messages]
  end

  T.test("streaming text arrives in deltas; usage, model and ref are set",
    function()
      local cfg, env = setup()
      local agent = new_agent(cfg, env)
      local deltas = {}
      local reply = agent:send("Name three moons of Jupiter.", {
        on_delta = function(t) deltas[#deltas + 1] = t end })
      T.eq(reply.error, nil)
      T.eq(reply.text, "echo: Name three moons of Jupiter.")
      T.ok(#deltas > 3, "several deltas")
      T.eq(table.concat(deltas), reply.text)
      T.eq(reply.model, "anthropic/claude-sonnet-4.5")
      T.eq(reply.ref, MODEL)
      T.eq(reply.finish_reason, "stop")
      T.ok(reply.usage.input > 0 and reply.usage.output > 0)
      T.eq(reply.usage.total_tokens, reply.usage.input + reply.usage.output
        + reply.usage.cache_read + reply.usage.cache_write)
      T.ok(reply.usage.cost > 0, "provider-billed cost")
      local log = chat_log()
      T.eq(#log, 1)
      local body = log[1].body
      T.eq(body.stream, true)
      T.eq(body.messages[1], { role = "system", content = "Be brief." })
      T.eq(last_message(body).content, "Name three moons of Jupiter.")
      T.eq(log[1].headers.authorization, "Bearer " .. KEY)
      T.eq(#agent.messages, 2)
    end)

  T.test("reasoning is delivered separately from text", function()
    local cfg, env = setup()
    local agent = new_agent(cfg, env, { thinking = "low" })
    local text, reasoning = {}, {}
    local reply = agent:send("hi", {
      on_delta = function(t) text[#text + 1] = t end,
      on_reasoning = function(t) reasoning[#reasoning + 1] = t end })
    T.eq(reply.error, nil)
    T.eq(table.concat(text), "echo: hi")
    T.ok(#reasoning > 1)
    T.eq(table.concat(reasoning), reply.reasoning)
    T.ok(reply.reasoning:find("Reasoning (effort low)", 1, true),
         reply.reasoning)
    T.eq(chat_log()[1].body.reasoning, { effort = "low" })
    -- replayed with the assistant message
    local a = agent.messages[2]
    T.eq(a.reasoning, reply.reasoning)
  end)

  T.test("images in the reply are collected", function()
    local cfg, env = setup({ model =
      "openrouter/google/gemini-3.1-flash-image-preview" })
    local reply = new_agent(cfg, env, { params = {
      extraBody = { modalities = { "image", "text" } } } }):send("a cat")
    T.eq(reply.error, nil)
    T.eq(#reply.images, 1)
    T.ok(reply.images[1]:find("^data:image/png;base64,"), reply.images[1])
  end)

  T.test("one tool call: the tool runs and its result goes back", function()
    local cfg, env = setup()
    local agent = new_agent(cfg, env)
    local seen
    agent:tool{ name = "now", description = "the current time",
      parameters = { type = "object", properties = {} },
      run = function(args, ctx)
        seen = { args = args, name = ctx.name }
        return "12:00"
      end }
    local tools_seen = {}
    local reply = agent:send("call:now {}", {
      on_tool = function(call, result)
        tools_seen[#tools_seen + 1] = { call.name, result }
      end })
    T.eq(reply.error, nil)
    T.eq(reply.text, "tool said: 12:00")
    T.eq(seen.name, "now")
    T.eq(tools_seen, { { "now", "12:00" } })
    T.eq(#reply.tool_calls, 1)
    T.eq(reply.tool_calls[1].result, "12:00")
    T.eq(reply.rounds, 2)
    local log = chat_log()
    T.eq(#log, 2)
    T.eq(log[1].body.tools[1]["function"].name, "now")
    local msgs = log[2].body.messages
    T.eq(msgs[#msgs].role, "tool")
    T.eq(msgs[#msgs].content, "12:00")
    T.eq(msgs[#msgs - 1].tool_calls[1]["function"].name, "now")
  end)

  T.test("parallel interleaved tool calls are assembled and run concurrently",
    function()
      local cfg, env = setup()
      local agent = new_agent(cfg, env)
      agent:tool{ name = "add", description = "a + b",
        parameters = { type = "object", properties = {
          a = { type = "number" }, b = { type = "number" } } },
        run = function(args)
          oc.sleep(300)
          return { sum = args.a + args.b }
        end }
      local t0 = oc.now()
      local reply = agent:send(
        'call:add {"a": 2, "b": 3, "note": "first call"}\n'
        .. 'call:add {"a": 10, "b": 20, "note": "second call"}')
      local elapsed = oc.now() - t0
      T.eq(reply.error, nil)
      T.eq(#reply.tool_calls, 2)
      T.eq(reply.tool_calls[1].args.a, 2)
      T.eq(reply.tool_calls[2].args.note, "second call")
      T.eq(reply.tool_calls[1].result, '{"sum":5}')
      T.eq(reply.tool_calls[2].result, '{"sum":30}')
      T.eq(reply.text, 'tool said: {"sum":5}\ntool said: {"sum":30}')
      T.ok(elapsed < 550 * SLOW, ("tools ran concurrently (%.0f ms)")
        :format(elapsed))
      local msgs = chat_log()[2].body.messages
      T.eq(msgs[#msgs - 1].role, "tool")
      T.eq(msgs[#msgs].role, "tool")
    end)

  T.test("a tool that raises gives the model an error result", function()
    local cfg, env = setup()
    local agent = new_agent(cfg, env)
    agent:tool{ name = "boom", description = "fails",
      run = function() error("disk on fire") end }
    local reply = agent:send("call:boom {}")
    T.eq(reply.error, nil)
    T.ok(reply.tool_calls[1].error)
    local content = last_message(chat_log()[2].body).content
    local v = json.decode(content)
    T.ok(v.error:find("disk on fire", 1, true), content)
    T.ok(reply.text:find("tool said:", 1, true))
  end)

  T.test("malformed tool arguments give an error result, not a crash",
    function()
      local cfg, env = setup()
      T.server_rules({ { model = "anthropic/claude-sonnet-4.5", times = 1,
        response = { tool_calls = { { id = "call_x", name = "add",
          arguments = '{"a": 1, "b":' } } } } })
      local agent = new_agent(cfg, env)
      local ran = false
      agent:tool{ name = "add", run = function() ran = true end }
      local reply = agent:send("add")
      T.eq(reply.error, nil)
      T.eq(ran, false)
      local content = last_message(chat_log()[2].body).content
      T.ok(content:find("invalid arguments for tool 'add'", 1, true), content)
    end)

  T.test("the tool round cap stops the turn with reason tool_rounds",
    function()
      local cfg, env = setup()
      T.server_rules({ { model = "anthropic/claude-sonnet-4.5",
        response = { tool_calls = { { name = "again",
                                      arguments = "{}" } } } } })
      local agent = new_agent(cfg, env, { max_tool_rounds = 2 })
      local runs = 0
      agent:tool{ name = "again", run = function()
        runs = runs + 1
        return "ok"
      end }
      local reply = agent:send("loop forever")
      T.eq(reply.error.reason, "tool_rounds")
      T.ok(reply.error.fix:find("max_tool_rounds", 1, true))
      T.eq(runs, 2)
      T.eq(#chat_log(), 3)
      -- the history stays valid: the last calls got "not run" results
      local last = agent.messages[#agent.messages]
      T.eq(last.role, "tool")
      T.ok(last.content:find("not run", 1, true))
      -- and the next turn sends that history without schema errors
      T.server_reset()
      local r2 = agent:send("plain question")
      T.eq(r2.error, nil)
      T.eq(r2.text, "echo: plain question")
      chat_log()
    end)

  T.test("429 with Retry-After on the primary reaches the fallback in < 10 s",
    function()
      local cfg, env = setup({ fallbacks = { FALLBACK } })
      T.server_rules({ { model = "anthropic/claude-sonnet-4.5",
        response = { status = 429, headers = { ["Retry-After"] = "1" },
          json = { error = { code = 429,
                             message = "Rate limit exceeded" } } } } })
      local agent = new_agent(cfg, env)
      local events = {}
      local t0 = oc.now()
      local reply = agent:send("hello", { on_event = function(ev)
        if ev.type == "retry" or ev.type == "fallback" then
          events[#events + 1] = ev
        end
      end })
      local elapsed = oc.now() - t0
      T.eq(reply.error, nil)
      T.eq(reply.text, "echo: hello")
      T.eq(reply.ref, FALLBACK)
      T.eq(reply.model, "moonshotai/kimi-k2.6")
      T.ok(elapsed < 10000, ("reached the fallback in %.0f ms"):format(elapsed))
      -- default failover: 2 retries honouring Retry-After (1 s each)
      T.eq(#reply.attempts, 4)
      T.eq(reply.attempts[1].reason, "rate_limit")
      T.eq(reply.attempts[1].status, 429)
      T.eq(reply.attempts[1].wait_ms, 1000)
      T.eq(reply.attempts[4].ref, FALLBACK)
      T.eq(#events, 3)
      T.eq(events[1].type, "retry")
      T.eq(events[1].wait_ms, 1000)
      T.eq(events[3], { type = "fallback", from = MODEL, to = FALLBACK,
        reason = "rate_limit", message = events[3].message })
      T.ok(elapsed >= 1900, "Retry-After was honoured")
      T.eq(#chat_log(), 4)
    end)

  T.test("a small retry budget reaches the fallback faster", function()
    local cfg, env = setup({ fallbacks = { FALLBACK },
                             failover = { retryBudgetMs = 500 } })
    T.server_rules({ { model = "anthropic/claude-sonnet-4.5",
      response = { status = 429, headers = { ["Retry-After"] = "1" } } } })
    local agent = new_agent(cfg, env)
    local t0 = oc.now()
    local reply = agent:send("hello")
    local elapsed = oc.now() - t0
    T.eq(reply.error, nil)
    T.eq(reply.ref, FALLBACK)
    T.ok(elapsed < 800 * SLOW, ("fallback after %.0f ms"):format(elapsed))
    T.eq(#reply.attempts, 2)
  end)

  T.test("HTTP 500 is retried with backoff, then the fallback answers",
    function()
      local cfg, env = setup({ fallbacks = { FALLBACK },
        failover = { initialBackoffMs = 50, maxBackoffMs = 100 } })
      T.server_rules({ { model = "anthropic/claude-sonnet-4.5",
        response = { status = 500 } } })
      local agent = new_agent(cfg, env)
      local waits = {}
      local reply = agent:send("hello", { on_event = function(ev)
        if ev.type == "retry" then waits[#waits + 1] = ev.wait_ms end
      end })
      T.eq(reply.error, nil)
      T.eq(reply.ref, FALLBACK)
      T.eq(waits, { 50, 100 })
      T.eq(reply.attempts[1].reason, "timeout")
      T.eq(reply.attempts[1].status, 500)
    end)

  T.test("a transient 503 is retried on the same model", function()
    local cfg, env = setup({ fallbacks = { FALLBACK },
      failover = { initialBackoffMs = 20 } })
    T.server_rules({ { model = "anthropic/claude-sonnet-4.5", times = 1,
      response = { status = 503 } } })
    local reply = new_agent(cfg, env):send("hello")
    T.eq(reply.error, nil)
    T.eq(reply.ref, MODEL)
    T.eq(#reply.attempts, 2)
  end)

  T.test("a connection dropped before any text fails over", function()
    local cfg, env = setup({ fallbacks = { FALLBACK },
      failover = { initialBackoffMs = 20 } })
    T.server_rules({ { model = "anthropic/claude-sonnet-4.5",
      response = { text = "never seen", drop_after = 1 } } })
    local agent = new_agent(cfg, env)
    local deltas = {}
    local reply = agent:send("hello", {
      on_delta = function(t) deltas[#deltas + 1] = t end })
    T.eq(reply.error, nil)
    T.eq(reply.ref, FALLBACK)
    T.eq(table.concat(deltas), "echo: hello")
    T.eq(reply.attempts[1].reason, "network")
  end)

  T.test("a connection dropped after text keeps the text and reports it",
    function()
      local cfg, env = setup({ fallbacks = { FALLBACK } })
      T.server_rules({ { model = "anthropic/claude-sonnet-4.5",
        response = { text = "partial words here", piece = 4,
                     drop_after = 3 } } })
      local agent = new_agent(cfg, env)
      local reply = agent:send("hello")
      T.ok(reply.error, "error set")
      T.eq(reply.error.reason, "network")
      T.ok(reply.text ~= "" and ("partial words here"):find(reply.text, 1,
        true) == 1, reply.text)
      T.eq(#chat_log(), 1)  -- no retry once text was shown
    end)

  T.test("a stalled stream hits the idle timeout and fails over", function()
    local cfg, env = setup({ fallbacks = { FALLBACK },
      failover = { maxRetries = 0, idleTimeoutMs = 300 } })
    T.server_rules({ { model = "anthropic/claude-sonnet-4.5",
      response = { text = "slow", stall_after = 1 } } })
    local agent = new_agent(cfg, env)
    local t0 = oc.now()
    local reply = agent:send("hello")
    T.eq(reply.error, nil)
    T.eq(reply.ref, FALLBACK)
    T.eq(reply.attempts[1].reason, "timeout")
    T.ok(oc.now() - t0 < 3000 * SLOW)
  end)

  T.test("401 stops at once with the onboarding fix", function()
    local cfg, env = setup({ key = "sk-or-bad", fallbacks = { FALLBACK } })
    local reply = new_agent(cfg, env):send("hello")
    T.eq(reply.error.reason, "auth")
    T.eq(reply.error.status, 401)
    T.ok(reply.error.fix:find("openclaw onboard", 1, true), reply.error.fix)
    T.ok(reply.error.message:find("401", 1, true))
    T.eq(#chat_log(), 1)
  end)

  T.test("402 stops at once and says to add credits", function()
    local cfg, env = setup({ key = "sk-or-nocredits",
                             fallbacks = { FALLBACK } })
    local reply = new_agent(cfg, env):send("hello")
    T.eq(reply.error.reason, "billing")
    T.eq(reply.error.status, 402)
    T.ok(reply.error.fix:find("credits", 1, true), reply.error.fix)
    T.eq(#chat_log(), 1)
  end)

  T.test("400 stops at once and names the bad parameter", function()
    local cfg, env = setup({ fallbacks = { FALLBACK } })
    T.server_rules({ { model = "anthropic/claude-sonnet-4.5",
      response = { status = 400, json = { error = { code = 400,
        message = "temperature: must be at most 2" } } } } })
    local reply = new_agent(cfg, env, { params = { temperature = 5 } })
      :send("hello")
    T.eq(reply.error.reason, "format")
    T.ok(reply.error.message:find("temperature", 1, true), reply.error.message)
    T.ok(reply.error.fix:find("parameter", 1, true), reply.error.fix)
    T.eq(#chat_log(), 1)
  end)

  T.test("a mid-stream error chunk ends the turn; the text so far is kept",
    function()
      local cfg, env = setup({ fallbacks = { FALLBACK } })
      T.server_rules({ { model = "anthropic/claude-sonnet-4.5",
        response = { text = "The answer is", error_chunk = {
          message = "Upstream provider disconnected", code = 502 } } } })
      local agent = new_agent(cfg, env)
      local shown = {}
      local reply = agent:send("q", {
        on_delta = function(t) shown[#shown + 1] = t end })
      T.eq(reply.text, "The answer is")
      T.eq(table.concat(shown), "The answer is")
      T.ok(reply.error.message:find("Upstream provider disconnected", 1, true),
           reply.error.message)
      T.eq(#chat_log(), 1)
      -- the partial answer is in the history
      T.eq(agent.messages[2].content, "The answer is")
    end)

  T.test("an unknown model fails over to the next ref", function()
    local cfg, env = setup({ model = "openrouter/does/not-exist",
                             fallbacks = { FALLBACK } })
    local reply = new_agent(cfg, env):send("hello")
    T.eq(reply.error, nil)
    T.eq(reply.ref, FALLBACK)
    T.eq(reply.attempts[1].reason, "model_not_found")
    T.eq(#reply.attempts, 2)
  end)

  T.test("every model failing gives the last error and the attempts",
    function()
      local cfg, env = setup({ fallbacks = { FALLBACK },
        failover = { maxRetries = 1, initialBackoffMs = 10 } })
      T.server_rules({ { response = { status = 502 } } })
      local reply = new_agent(cfg, env):send("hello")
      T.eq(reply.error.reason, "timeout")
      T.eq(#reply.attempts, 4)
      T.ok(reply.error.message:find("attempts:", 1, true), reply.error.message)
    end)

  T.test("sessions: a second agent with the same id replays the history",
    function()
      local cfg, env, dir = setup()
      local a = new_agent(cfg, env, { session = "chat-1" })
      T.eq(a.session_id, "chat-1")
      local r1 = a:send("my name is Ada")
      T.eq(r1.session_id, "chat-1")
      local b = new_agent(cfg, env, { session = "chat-1" })
      T.eq(#b.messages, 2)
      local r2 = b:send("what is my name?")
      T.eq(r2.error, nil)
      local log = chat_log()
      local msgs = log[#log].body.messages
      T.eq(#msgs, 4)
      T.eq(msgs[2], { role = "user", content = "my name is Ada" })
      T.eq(msgs[3], { role = "assistant", content = "echo: my name is Ada" })
      T.eq(msgs[4], { role = "user", content = "what is my name?" })
      -- the file: one line per message
      local lines = {}
      for l in io.lines(dir .. "/sessions/chat-1.jsonl") do
        lines[#lines + 1] = json.decode(l)
      end
      T.eq(#lines, 4)
      T.eq(lines[4].content, "echo: what is my name?")
    end)

  T.test("sessions: a tool turn is saved and replayed", function()
    local cfg, env, dir = setup()
    local a = new_agent(cfg, env, { session = "tools-1" })
    a:tool{ name = "now", run = function() return "noon" end }
    T.eq(a:send("call:now {}").error, nil)
    local b = new_agent(cfg, env, { session = "tools-1" })
    b:tool{ name = "now", run = function() return "noon" end }
    T.eq(b:send("thanks").error, nil)
    local log = chat_log()
    local msgs = log[#log].body.messages
    local roles = {}
    for _, m in ipairs(msgs) do roles[#roles + 1] = m.role end
    T.eq(roles, { "system", "user", "assistant", "tool", "assistant", "user" })
    T.ok(io.open(dir .. "/sessions/tools-1.jsonl")):close()
  end)

  T.test("no key: a clear message and no request", function()
    local cfg, env = setup({ key = false })
    local agent = new_agent(cfg, env)
    local reply = agent:send("hello")
    T.eq(reply.error.reason, "auth")
    T.eq(reply.error.message, 'No API key found for provider "openrouter": '
      .. "run 'openclaw onboard --auth-choice openrouter-api-key' or set "
      .. "OPENROUTER_API_KEY.")
    T.eq(#T.server_log(), 0)
  end)

  T.test("the key never appears in a reply", function()
    local secret = "sk-or-v1-0123456789abcdef0123456789abcdef"
    local cfg, env = setup({ key = secret })
    T.server_rules({ { response = { status = 400, json = { error = {
      code = 400, message = "bad key " .. secret } } } } })
    local reply = new_agent(cfg, env):send("hello")
    T.ok(reply.error)
    T.ok(not reply.error.message:find(secret, 1, true), reply.error.message)
    T.ok(reply.error.message:find("sk-or-…cdef", 1, true),
         reply.error.message)
  end)

  T.test("concurrent agents stream at once", function()
    local cfg, env = setup()
    T.server_rules({ { response = { text = "slow reply", delay_ms = 300 } } })
    local t0 = oc.now()
    local r = { oc.all{
      function() return new_agent(cfg, env):send("a") end,
      function() return new_agent(cfg, env):send("b") end,
      function() return new_agent(cfg, env):send("c") end,
    } }
    T.ok(oc.now() - t0 < 800 * SLOW, "concurrent")
    for i = 1, 3 do T.eq(r[i].text, "slow reply") end
  end)

  T.test("a cancelled turn closes its transfer", function()
    local cfg, env = setup()
    T.server_rules({ { response = { text = "x", stall_after = 1 } } })
    local agent = new_agent(cfg, env)
    local task = oc.spawn(function() return agent:send("hello") end)
    oc.sleep(200)
    task:cancel()
    T.raises("cancelled", task.wait, task)
    T.eq(task:status(), "cancelled")
  end)

  T.test("Ctrl-C during a streamed turn: exit 130, one line, stream closed",
    function()
      local _, _, dir = setup()
      T.server_rules({ { response = { text = "never ends",
                                      stall_after = 2 } } })
      local script = dir .. "/turn.lua"
      local f = assert(io.open(script, "w"))
      f:write(([[
        local oc = require("openclaw")
        local cfg = assert(require("openclaw.config").load())
        cfg.models.providers.openrouter.baseUrl = %q
        local a = oc.agent{ config = cfg, model = %q }
        a:send("hello", { on_delta = function(t)
          io.write(t) io.stdout:flush() end })
        print("not reached")
      ]]):format(T.server() .. "/api/v1", MODEL))
      f:close()
      local o, e = T.quote(dir .. "/out.txt"), T.quote(dir .. "/err.txt")
      local out, code = T.sh(("HOME=%s OPENCLAW_STATE_DIR=%s "
        .. "OPENROUTER_API_KEY=%s %s run %s >%s 2>%s & pid=$!; "
        .. "sleep %s; kill -INT $pid; wait $pid; echo rc=$?; cat %s; "
        .. "echo; cat %s"):format(T.quote(dir), T.quote(dir), KEY,
        T.quote(T.bin), T.quote(script), o, e, SLOW > 1 and "2" or "0.7", o,
        e))
      T.eq(code, 0)
      T.ok(out:find("rc=130", 1, true), out)
      T.ok(out:find("openclaw: interrupted", 1, true), out)
      T.ok(not out:find("traceback", 1, true), out)
      T.ok(not out:find("not reached", 1, true), out)
      T.ok(out:find("neve", 1, true), "text arrived before Ctrl-C: " .. out)
      -- the server saw the client go away
      local http = require("openclaw.http")
      local active
      for _ = 1, 40 do
        local res = assert(http.request{ url = T.server()
          .. "/_control/health" })
        active = json.decode(res.body).active["/api/v1/chat/completions"]
          or 0
        if active == 0 then break end
        oc.sleep(50)
      end
      T.eq(active, 0)
    end)

  T.test("every request the server logged was a valid ChatRequest", function()
    local n = 0
    for _, r in ipairs(T.server_log()) do
      T.eq(r.schema_errors, {}, "request " .. r.seq)
      n = n + 1
    end
    T.ok(n > 0, "the previous test made requests")
  end)
end
