-- The offline mock provider (mock/echo, mock/script) through the real
-- agent loop, and the examples running without a key.
local oc = require("openclaw")
local json = require("openclaw.json")

local function mock_agent(model, params, extra)
  local o = { model = model, config = {}, env = {}, fallbacks = {},
              params = params or { delay_ms = 0 } }
  for k, v in pairs(extra or {}) do o[k] = v end
  return oc.agent(o)
end

return function(T)
  T.test("mock/echo streams the user's text back in 3-8 character deltas",
    function()
      local a = mock_agent("mock/echo")
      local text = "The quick brown fox jumps over the lazy dog, twice."
      local deltas = {}
      local reply = a:send(text, {
        on_delta = function(t) deltas[#deltas + 1] = t end })
      T.eq(reply.error, nil)
      T.eq(reply.text, text)
      T.eq(table.concat(deltas), text)
      T.ok(#deltas >= 6)
      for i, d in ipairs(deltas) do
        if i < #deltas then T.ok(#d >= 3 and #d <= 8, d) end
      end
      T.eq(reply.model, "mock/echo")
      T.eq(reply.ref, "mock/echo")
      T.eq(reply.finish_reason, "stop")
      T.ok(reply.usage.input > 0)
      T.eq(reply.usage.output, (#text + 3) // 4)
      T.eq(reply.usage.cost, 0)
      T.eq(#a.messages, 2)
    end)

  T.test("mock/echo splits on UTF-8 boundaries and echoes text parts",
    function()
      local a = mock_agent("mock/echo")
      local text = "héllo 漢字 😀 wörld ünïcode"
      local reply = a:send(text, { on_delta = function(t)
        T.ok(utf8.len(t), "valid UTF-8 delta: " .. t)
      end })
      T.eq(reply.text, text)
      local r2 = a:send({ { type = "text", text = "part one" },
                          { type = "text", text = "part two" } })
      T.eq(r2.text, "part one\npart two")
    end)

  T.test("mock/echo needs no key and no config files", function()
    local dir = T.tmpdir()
    local a = oc.agent{ model = "mock/echo", env = { HOME = dir,
      OPENCLAW_STATE_DIR = dir }, params = { delay_ms = 0 } }
    local reply = a:send("offline")
    T.eq(reply.error, nil)
    T.eq(reply.text, "offline")
  end)

  T.test("mock/script: replies in order, then a clear error", function()
    local a = mock_agent("mock/script", { delay_ms = 0, script = {
      { text = "first" },
      "second",
      { reasoning = "let me think", text = "third" },
    } })
    T.eq(a:send("1").text, "first")
    T.eq(a:send("2").text, "second")
    local reasoning = {}
    local r3 = a:send("3", { on_reasoning = function(t)
      reasoning[#reasoning + 1] = t end })
    T.eq(r3.text, "third")
    T.eq(r3.reasoning, "let me think")
    T.eq(table.concat(reasoning), "let me think")
    local r4 = a:send("4")
    T.eq(r4.error.message, "mock/script: no more scripted replies (3 used)")
    T.eq(r4.error.reason, "mock")
    T.ok(r4.error.fix:find("params.script", 1, true))
  end)

  T.test("mock/script: scripted tool calls run through the tool loop",
    function()
      local a = mock_agent("mock/script", { delay_ms = 0, script = {
        { text = "Checking.", tool_calls = {
          { name = "weather", arguments = { city = "Oslo" } },
          { name = "weather", arguments = '{"city": "Lima"}' } } },
        function(req)
          local out = {}
          for _, m in ipairs(req.messages) do
            if m.role == "tool" then out[#out + 1] = m.content end
          end
          return { text = table.concat(out, "; ") }
        end,
      } })
      a:tool{ name = "weather", description = "weather of a city",
        parameters = { type = "object", properties = {
          city = { type = "string" } } },
        run = function(args) return args.city .. ": sunny" end }
      local tools = {}
      local reply = a:send("weather?", { on_tool = function(call, res)
        tools[#tools + 1] = res end })
      T.eq(reply.error, nil)
      T.eq(tools, { "Oslo: sunny", "Lima: sunny" })
      T.eq(reply.text, "Checking.Oslo: sunny; Lima: sunny")
      T.eq(reply.rounds, 2)
      T.eq(#reply.tool_calls, 2)
    end)

  T.test("mock/script: a scripted 429 retries, then fails over", function()
    local c = { agents = { defaults = { failover = { maxRetries = 1,
      retryBudgetMs = 5000, initialBackoffMs = 10, maxBackoffMs = 10,
      connectTimeoutMs = 100 } } } }
    local a = oc.agent{ model = "mock/script", fallbacks = { "mock/echo" },
      config = c, env = {}, params = { delay_ms = 0, script = {
        { error = { status = 429, message = "slow down", retry_after = 0 } },
        { error = { status = 429, message = "slow down", retry_after = 0 } },
      } } }
    local events = {}
    local reply = a:send("hello", { on_event = function(ev)
      if ev.type == "retry" or ev.type == "fallback" then
        events[#events + 1] = ev.type
      end
    end })
    T.eq(reply.error, nil)
    T.eq(reply.text, "hello")
    T.eq(reply.ref, "mock/echo")
    T.eq(events, { "retry", "fallback" })
    T.eq(reply.attempts[1].reason, "rate_limit")
    T.eq(reply.attempts[1].status, 429)
    T.eq(reply.attempts[1].wait_ms, 0)
  end)

  T.test("mock/script: 401 stops with the onboarding fix", function()
    local a = mock_agent("mock/script", { delay_ms = 0, script = {
      { error = { status = 401, message = "User not found." } } } },
      { fallbacks = { "mock/echo" } })
    local reply = a:send("x")
    T.eq(reply.error.reason, "auth")
    T.ok(reply.error.message:find("mock provider returned HTTP 401", 1, true),
         reply.error.message)
    T.ok(reply.error.fix:find("openclaw onboard", 1, true))
    T.eq(#reply.attempts, 1)
  end)

  T.test("mock/script: a mid-stream error keeps the text", function()
    local a = mock_agent("mock/script", { delay_ms = 0, script = {
      { text = "Partial answer", error = { message = "upstream died",
                                           code = 502 } } } })
    local reply = a:send("x")
    T.eq(reply.text, "Partial answer")
    T.ok(reply.error.message:find("upstream died", 1, true))
    T.eq(#reply.attempts, 1)
  end)

  T.test("mock/script: a drop before text is retried with the next step",
    function()
      local a = mock_agent("mock/script", { delay_ms = 0, script = {
        { drop = true }, { text = "second try" } } },
        { failover = { initialBackoffMs = 1 } })
      local reply = a:send("x")
      T.eq(reply.error, nil)
      T.eq(reply.text, "second try")
      T.eq(reply.attempts[1].reason, "network")
    end)

  T.test("mock/script from a JSONL file (params.script_file)", function()
    local dir = T.tmpdir()
    local path = dir .. "/script.jsonl"
    local f = assert(io.open(path, "w"))
    f:write('{"tool_calls": [{"name": "now", "arguments": {}}]}\n')
    f:write('\n')
    f:write('{"text": "It is noon.", "reasoning": "the tool said noon"}\n')
    f:write('{"error": {"status": 500, "message": "scripted outage"}}\n')
    f:close()
    -- (maxRetries = 0: a retry would consume the next step)
    local a = mock_agent("mock/script", { delay_ms = 0, script_file = path },
                         { failover = { maxRetries = 0 } })
    a:tool{ name = "now", run = function() return "12:00" end }
    local r1 = a:send("time?")
    T.eq(r1.error, nil)
    T.eq(r1.text, "It is noon.")
    T.eq(r1.tool_calls[1].result, "12:00")
    local r2 = a:send("again")
    T.eq(r2.error.reason, "timeout")
    T.ok(r2.error.message:find("scripted outage", 1, true))

    local bad = dir .. "/bad.jsonl"
    f = assert(io.open(bad, "w"))
    f:write('{"text": "ok"}\n{broken\n')
    f:close()
    local r3 = mock_agent("mock/script", { script_file = bad }):send("x")
    T.ok(r3.error.message:find("bad.jsonl:2: not a JSON object", 1, true),
         r3.error.message)
    local r4 = mock_agent("mock/script", { script_file = dir .. "/none" })
      :send("x")
    T.ok(r4.error.message:find("cannot read params.script_file", 1, true))
    local r5 = mock_agent("mock/script", {}):send("x")
    T.ok(r5.error.message:find("mock/script has no script", 1, true))
  end)

  T.test("mock/script params from config agents.defaults.models", function()
    local c = { agents = { defaults = { models = { ["mock/script"] = {
      params = { delay_ms = 0, script = { { text = "from config" } } } } } } } }
    local a = oc.agent{ model = "mock/script", config = c, env = {} }
    T.eq(a:send("x").text, "from config")
  end)

  T.test("mock sessions persist like any other model", function()
    local dir = T.tmpdir()
    local a = mock_agent("mock/echo", nil, { state_dir = dir, session = "m" })
    a:send("one")
    local b = mock_agent("mock/script", { delay_ms = 0, script = {
      function(req)
        return { text = ("%d messages so far"):format(#req.messages) }
      end } }, { state_dir = dir, session = "m", system = false })
    T.eq(b:send("two").text, "3 messages so far")
    local n = 0
    for l in io.lines(dir .. "/sessions/m.jsonl") do
      T.ok(json.decode(l))
      n = n + 1
    end
    T.eq(n, 4)
  end)

  T.test("the examples run offline without a key", function()
    local dir = T.tmpdir()
    local expect = {
      hello = "Say hello to openclaw in one short sentence.",
      streaming = "the tide keeps its time",
      tools = "and 1234 * 5678 = 7006652.",
      routing = '"data_collection": "deny"',
      concurrent_agents = "all 3 agents done",
    }
    for name, want in pairs(expect) do
      local out, code = T.cli(dir, { "run",
        T.root .. "/examples/" .. name .. ".lua" }, { stderr_to_stdout = true })
      T.eq(code, 0, name .. ": " .. out)
      T.ok(out:find("No OpenRouter key configured: using the offline mock/",
        1, true), name .. ": " .. out)
      T.ok(out:find(want, 1, true), name .. ": " .. out)
    end
  end)
end
