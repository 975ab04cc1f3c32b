-- Tests of `openclaw agent` and `openclaw sessions`: in-process with a
-- stand-in agent (output shaping), then end to end through the real
-- binary against the local OpenRouter-compatible server.
local json = require("openclaw.json")
local config = require("openclaw.config")
local errors = require("openclaw.errors")
local sched = require("openclaw.sched")
local oc = require("openclaw")

local KEY = "sk-or-test-1234"

-- A stand-in for require("openclaw").agent with the agreed API. behave
-- (optional): function(agent, text, opts) -> reply.
local function fake_factory(behave)
  local made = {}
  local function new_agent(opts)
    local a = { opts = opts, messages = {}, sends = {},
                session_id = opts.session or ("sess-" .. (#made + 1)) }
    function a:send(text, o)
      self.sends[#self.sends + 1] = { text = text, opts = o }
      if behave then return behave(self, text, o) end
      local reply = "echo: " .. text
      for i = 1, #reply, 4 do o.on_delta(reply:sub(i, i + 3)) end
      self.messages[#self.messages + 1] = { role = "user", content = text }
      self.messages[#self.messages + 1] = { role = "assistant",
                                            content = reply }
      return { text = reply, model = o.model or self.opts.model,
               ref = o.model or self.opts.model,
               usage = { input = 1234, output = 56, cache_read = 0,
                         cache_write = 0, total_tokens = 1290,
                         cost = 0.0042 },
               tool_calls = {}, session_id = self.session_id,
               finish_reason = "stop", attempts = 1, rounds = 1 }
    end
    function a:reset()
      self.messages = {}
      self.session_id = "sess-new-" .. #made
    end
    made[#made + 1] = a
    return a
  end
  return new_agent, made
end

return function(T)
  local sink = T.sink      -- a file-like object that records what is written
  local cmd = require("openclaw.commands.agent")
  local sessions_cmd = require("openclaw.commands.sessions")
  local shipped = config.shipped_path()

  -- in-process run: returns code, stdout text, stderr text, made agents
  local function run(argv, opts)
    opts = opts or {}
    local dir = opts.dir or T.tmpdir()
    local out, err = sink(), sink()
    local new_agent, made = fake_factory(opts.behave)
    local env = { HOME = dir, OPENCLAW_STATE_DIR = dir,
                  OPENROUTER_API_KEY = opts.key == nil and KEY or opts.key
                    or nil }
    if opts.key == false then env.OPENROUTER_API_KEY = nil end
    for k, v in pairs(opts.env or {}) do env[k] = v end
    local stdin = sink()
    stdin.input = opts.stdin
    local ctx = { stdout = out, stderr = err, stdin = stdin, env = env,
      shipped = shipped, new_agent = new_agent,
      isatty = function(fd) return opts.tty == true or opts.tty == fd end }
    local ok, code = pcall(cmd.run, argv, ctx)
    if not ok then
      if errors.is(code) then
        err:write("openclaw: ", code.message, "\n")
        return code.exit, out:text(), err:text(), made, out
      end
      error(code, 0)
    end
    return code, out:text(), err:text(), made, out
  end

  -- unit: output shaping with a stand-in agent ---------------------------------

  T.test("agent streams deltas as they arrive and ends the line", function()
    local code, out, err, made, sout = run({ "-m", "hello" })
    T.eq(code, 0, err)
    T.eq(out, "echo: hello\n")
    T.eq(err, "")
    T.ok(sout.flushes >= 3, "flushed per delta: " .. sout.flushes)
    T.eq(made[1].sends[1].text, "hello")
    T.eq(made[1].opts.model, "openrouter/auto")
    T.eq(made[1].opts.session, nil)
  end)

  T.test("agent passes model, thinking, session, system and --local",
         function()
    local code, out, err, made = run({ "--message", "hi", "--model",
      "mock/echo", "--thinking", "x-high", "--session-id", "work-1",
      "--system", "Be brief.", "--local" })
    T.eq(code, 0, err)
    T.eq(out, "echo: hi\n")
    local o = made[1].opts
    T.eq(o.model, "mock/echo")
    T.eq(o.thinking, "xhigh")
    T.eq(o.session, "work-1")
    T.eq(o.system, "Be brief.")
    T.eq(o.fallbacks, {})
  end)

  T.test("agent model aliases and configured fallbacks", function()
    local dir = T.tmpdir()
    T.write(dir .. "/openclaw.json", [[{ agents: { defaults: {
      model: { primary: "openrouter/moonshotai/kimi-k2.6",
               fallbacks: ["openrouter/auto"] },
      models: { "openrouter/anthropic/claude-sonnet-4.5": { alias: "sonnet" } }
    } } }]])
    local code, _, err, made = run({ "-m", "x" }, { dir = dir })
    T.eq(code, 0, err)
    T.eq(made[1].opts.model, "openrouter/moonshotai/kimi-k2.6")
    T.eq(made[1].opts.fallbacks, { "openrouter/auto" })
    code, _, err, made = run({ "-m", "x", "--model", "Sonnet" },
                             { dir = dir })
    T.eq(code, 0, err)
    T.eq(made[1].opts.model, "openrouter/anthropic/claude-sonnet-4.5")
  end)

  T.test("agent reads the message from stdin with -m -", function()
    local code, out, err, made = run({ "-m", "-" },
                                     { stdin = "from stdin\n" })
    T.eq(code, 0, err)
    T.eq(made[1].sends[1].text, "from stdin")
    T.eq(out, "echo: from stdin\n")
    code, _, err = run({ "-m", "-" }, { stdin = "  \n" })
    T.eq(code, 2)
    T.ok(err:find("the message is empty", 1, true), err)
  end)

  T.test("agent usage line and verbose notices go to stderr", function()
    local code, out, err = run({ "-m", "hi", "--usage" })
    T.eq(code, 0)
    T.eq(out, "echo: hi\n")
    T.eq(err, "model openrouter/auto · 1,234 in · 56 out · $0.0042\n")
    code, out, err = run({ "-m", "hi", "--verbose" }, { behave =
      function(a, text, o)
        o.on_event({ type = "retry", model = "openrouter/auto",
                     reason = "rate_limit", wait_ms = 500 })
        o.on_event({ type = "fallback", from = "openrouter/auto",
                     to = "mock/echo", reason = "rate_limit" })
        o.on_tool({ id = "c1", name = "clock", arguments = "{}" },
                  "12:00")
        o.on_delta("done")
        return { text = "done", model = "mock/echo", ref = "mock/echo",
                 usage = { input = 1, output = 2, cost = 0 },
                 session_id = "s-9", tool_calls = {} }
      end })
    T.eq(code, 0)
    T.eq(out, "done\n")
    T.ok(err:find("retrying openrouter/auto in 0.5 s (rate_limit)\n", 1,
                  true), err)
    T.ok(err:find("falling back from openrouter/auto to mock/echo " ..
                  "(rate_limit)\n", 1, true), err)
    T.ok(err:find("tool clock({}) -> 12:00\n", 1, true), err)
    T.ok(err:find("model mock/echo · 1 in · 2 out · $0 · session s-9\n", 1,
                  true), err)
  end)

  T.test("agent shows reasoning only with --show-reasoning, on stderr",
         function()
    local function behave(a, text, o)
      o.on_reasoning("Let me ")
      o.on_reasoning("think.")
      o.on_delta("Answer.")
      return { text = "Answer.", reasoning = "Let me think.", model = "m",
               usage = {}, tool_calls = {} }
    end
    local code, out, err = run({ "-m", "q" }, { behave = behave })
    T.eq(code, 0)
    T.eq(out, "Answer.\n")
    T.eq(err, "")
    code, out, err = run({ "-m", "q", "--show-reasoning" },
                         { behave = behave })
    T.eq(code, 0)
    T.eq(out, "Answer.\n")
    T.eq(err, "Let me think.\n\n")
    -- dimmed on a terminal
    code, out, err = run({ "-m", "q", "--show-reasoning" },
                         { behave = behave, tty = 2, env = { TERM = "xterm" } })
    T.eq(err, "\27[2mLet me \27[22m\27[2mthink.\27[22m\n\n")
  end)

  T.test("agent prints a reply that was not streamed", function()
    local code, out = run({ "-m", "q", "--no-stream" })
    T.eq(code, 0)
    T.eq(out, "echo: q\n")
    code, out = run({ "-m", "q" }, { behave = function()
      return { text = "whole", model = "m", tool_calls = {} }
    end })
    T.eq(out, "whole\n")
  end)

  T.test("agent --json prints exactly one object", function()
    local code, out, err = run({ "-m", "hello", "--json" }, { behave =
      function(a, text, o)
        o.on_delta("ignored")   -- nothing is streamed with --json
        return { text = "hi there", reasoning = "r", model = "m/x",
          ref = "openrouter/m/x", usage = { input = 3, output = 4,
          cost = 0.5 }, session_id = "s1", finish_reason = "stop",
          tool_calls = { { id = "c1", name = "clock", arguments = "{}",
                           args = {}, result = { time = "12:00" } } } }
      end })
    T.eq(code, 0, err)
    T.eq(select(2, out:gsub("\n", "")), 1)
    local obj = json.decode(out)
    T.eq(obj.text, "hi there")
    T.eq(obj.reasoning, "r")
    T.eq(obj.model, "m/x")
    T.eq(obj.ref, "openrouter/m/x")
    T.eq(obj.usage, { input = 3, output = 4, cache_read = 0,
      cache_write = 0, total_tokens = 7, cost = 0.5 })
    T.eq(obj.tool_calls, { { id = "c1", name = "clock", arguments = "{}",
                             result = { time = "12:00" } } })
    T.eq(obj.error, json.null)
    T.eq(obj.session_id, "s1")
  end)

  T.test("agent reply error: exit 1, one line with the fix, text kept",
         function()
    local function behave(a, text, o)
      o.on_delta("partial")
      return { text = "partial", model = "m", tool_calls = {},
        error = { message = "OpenRouter returned HTTP 401 (auth): User " ..
          "not found. key " .. KEY, reason = "auth", status = 401,
          fix = "run 'openclaw onboard --auth-choice openrouter-api-key' " ..
          "or set OPENROUTER_API_KEY" } }
    end
    local code, out, err = run({ "-m", "q" }, { behave = behave })
    T.eq(code, 1)
    T.eq(out, "partial\n")
    T.eq(select(2, err:gsub("\n", "")), 1, err)
    T.ok(err:find("^openclaw: OpenRouter returned HTTP 401"), err)
    T.ok(err:find("; run 'openclaw onboard --auth-choice " ..
                  "openrouter-api-key' or set OPENROUTER_API_KEY", 1, true),
         err)
    T.ok(not err:find(KEY, 1, true), "key printed: " .. err)
    code, out, err = run({ "-m", "q", "--json" }, { behave = behave })
    T.eq(code, 1)
    local obj = json.decode(out)
    T.eq(obj.error.status, 401)
    T.eq(obj.error.reason, "auth")
    T.ok(not out:find(KEY, 1, true), "key printed: " .. out)
  end)

  T.test("agent without a key says how to onboard", function()
    local code, out, err, made = run({ "-m", "q" }, { key = false })
    T.eq(code, 1)
    T.eq(out, "")
    T.eq(#made, 0)
    T.ok(err:find("openclaw onboard --auth-choice openrouter-api-key", 1,
                  true), err)
    T.ok(err:find("OPENROUTER_API_KEY", 1, true), err)
    code, out = run({ "-m", "q", "--json" }, { key = false })
    T.eq(code, 1)
    T.eq(json.decode(out).error.reason, "auth")
    -- the mock provider needs no key
    code = run({ "-m", "q", "--model", "mock/echo" }, { key = false })
    T.eq(code, 0)
  end)

  T.test("agent Ctrl-C ends the line and exits through INTERRUPTED",
         function()
    local ok, e = pcall(run, { "-m", "q" }, { behave = function(a, t, o)
      o.on_delta("part")
      error(sched.INTERRUPTED, 0)
    end })
    T.eq(ok, false)
    T.eq(e, sched.INTERRUPTED)
  end)

  T.test("agent usage mistakes exit 2 with one line", function()
    local cases = {
      { { "--mesage", "x" }, "did you mean '--message'?" },
      { { "-m", "x", "--thinkng", "low" }, "did you mean '--thinking'?" },
      { {}, "--message is required" },
      { { "-m", "x", "--thinking", "loud" },
        "unknown thinking level 'loud': use off, minimal, low, medium, " ..
        "high, xhigh, adaptive or max" },
      { { "-m", "x", "--model", "anthropic/claude-sonnet-4.5" },
        "use openrouter/anthropic/claude-sonnet-4.5" },
      { { "-m", "x", "--model", "sonnet" }, "has no provider" },
      { { "-m", "x", "--model", "mock/nope" }, "unknown mock model" },
      { { "-m", "x", "--session-id", "../etc" }, "invalid session id" },
      { { "-m", "x", "extra" }, "unexpected argument 'extra'" },
      { { "-m" }, "needs a value" },
    }
    for _, c in ipairs(cases) do
      local code, out, err = run(c[1])
      T.eq(code, 2, table.concat(c[1], " ") .. ": " .. err)
      T.eq(out, "")
      T.ok(err:find(c[2], 1, true), err)
      T.eq(select(2, err:gsub("\n", "")), 1, err)
    end
  end)

  T.test("sessions list (in-process)", function()
    local dir = T.tmpdir()
    local session = require("openclaw.session")
    local s = assert(session.open(dir, "alpha"))
    assert(s:append({ role = "user", content = "first question here" }))
    assert(s:append({ role = "assistant", content = "answer" }))
    local out, err = sink(), sink()
    local ctx = { stdout = out, stderr = err, env = { HOME = dir,
      OPENCLAW_STATE_DIR = dir }, isatty = function() return false end }
    T.eq(sessions_cmd.run({ "list" }, ctx), 0)
    local text = out:text()
    T.ok(text:find("^ID%s+MESSAGES%s+UPDATED%s+LAST MESSAGE\n"), text)
    T.ok(text:find("alpha%s+2%s+just now%s+first question here\n"), text)
    out.parts = {}
    T.eq(sessions_cmd.run({ "--json" }, ctx), 0)
    local arr = json.decode(out:text())
    T.eq(#arr, 1)
    T.eq(arr[1].id, "alpha")
    T.eq(arr[1].messages, 2)
    T.eq(arr[1].last_user_text, "first question here")
    local empty = { stdout = sink(), stderr = sink(), env = {
      HOME = dir, OPENCLAW_STATE_DIR = dir .. "/none" } }
    T.eq(sessions_cmd.run({}, empty), 0)
    T.ok(empty.stderr:text():find("no sessions yet", 1, true))
    T.raises("did you mean 'list'", sessions_cmd.run, { "lst" }, ctx)
  end)

  -- end to end through the binary --------------------------------------------

  -- a state dir whose config points OpenRouter at the test server; extra:
  -- the text of a config.lua beside it
  local function state(extra)
    return (T.state_dir(nil, { lua = extra }))
  end

  -- run the binary: stdout, exit code, stderr (opts of T.cli; key: KEY
  -- unless given, false = none)
  local sh = T.cli_with({ key = KEY })

  T.test("e2e: agent streams the answer from OpenRouter", function()
    T.server_reset()
    local dir = state()
    local out, code, err = sh(dir, { "agent", "-m", "hello there" })
    T.eq(code, 0, err)
    T.eq(out, "echo: hello there\n")
    T.eq(err, "")
    local log = T.server_log()
    T.eq(#log, 1)
    T.eq(log[1].body.stream, true)
    T.eq(log[1].headers.authorization, "Bearer " .. KEY)
  end)

  T.test("e2e: agent --json shape, --usage line, --local", function()
    T.server_reset()
    local dir = state()
    local out, code, err = sh(dir, { "agent", "--local", "--json", "-m",
      "hi", "--model", "openrouter/anthropic/claude-sonnet-4.5" })
    T.eq(code, 0, err)
    T.eq(select(2, out:gsub("\n", "")), 1, out)
    local obj = assert(json.decode(out))
    T.eq(obj.text, "echo: hi")
    T.eq(obj.model, "anthropic/claude-sonnet-4.5")
    T.eq(obj.ref, "openrouter/anthropic/claude-sonnet-4.5")
    T.eq(obj.error, json.null)
    T.eq(type(obj.usage.input), "number")
    T.ok(obj.usage.output > 0)
    T.eq(obj.tool_calls, {})
    T.eq(obj.session_id, json.null)   -- one-off turns are not saved
    out, code, err = sh(dir, { "agent", "-m", "hi", "--usage", "--model",
      "openrouter/anthropic/claude-sonnet-4.5" })
    T.eq(code, 0, err)
    T.eq(out, "echo: hi\n")
    T.ok(err:match("^model anthropic/claude%-sonnet%-4%.5 · [%d,]+ in · " ..
                   "[%d,]+ out · [<$][%$%d%.]+\n$"), err)
  end)

  T.test("e2e: agent --show-reasoning prints the reasoning", function()
    T.server_reset()
    local dir = state()
    local argv = { "agent", "-m", "why", "--thinking", "high", "--model",
                   "openrouter/anthropic/claude-sonnet-4.5" }
    local out, code, err = sh(dir, argv)
    T.eq(code, 0, err)
    T.eq(out, "echo: why\n")
    T.ok(not err:find("Reasoning", 1, true), err)
    argv[#argv + 1] = "--show-reasoning"
    out, code, err = sh(dir, argv)
    T.eq(code, 0, err)
    T.eq(out, "echo: why\n")
    T.ok(err:find("Reasoning (effort high): the user wrote 3 characters",
                  1, true), err)
  end)

  T.test("e2e: --session-id continues a conversation; sessions list",
         function()
    T.server_reset()
    local dir = state()
    local out, code, err = sh(dir, { "agent", "--session-id", "trip",
                                     "-m", "first message" })
    T.eq(code, 0, err)
    T.eq(out, "echo: first message\n")
    out, code, err = sh(dir, { "agent", "--session-id", "trip",
                               "-m", "second message", "--json" })
    T.eq(code, 0, err)
    local obj = json.decode(out)
    T.eq(obj.text, "echo: second message")
    T.eq(obj.session_id, "trip")
    local log = T.server_log()
    T.eq(#log, 2)
    local msgs = log[2].body.messages
    local texts = {}
    for _, m in ipairs(msgs) do
      if m.role ~= "system" then
        texts[#texts + 1] = m.role .. ":" .. (type(m.content) == "string"
          and m.content or json.encode(m.content))
      end
    end
    T.eq(texts, { "user:first message", "assistant:echo: first message",
                  "user:second message" })
    out, code, err = sh(dir, { "sessions", "list" })
    T.eq(code, 0, err)
    T.ok(out:find("\ntrip%s+4%s+just now%s+second message\n"), out)
    out, code = sh(dir, { "sessions", "list", "--json" })
    T.eq(code, 0)
    local arr = json.decode(out)
    local found
    for _, r in ipairs(arr) do if r.id == "trip" then found = r end end
    T.ok(found, out)
    T.eq(found.messages, 4)
  end)

  T.test("e2e: HTTP 401 -> exit 1 with the onboarding fix, key hidden",
         function()
    T.server_reset()
    local dir = state()
    local out, code, err = sh(dir, { "agent", "-m", "x" },
                              { key = "sk-or-bad" })
    T.eq(code, 1, err)
    T.eq(out, "")
    T.eq(select(2, err:gsub("\n", "")), 1, err)
    T.ok(err:find("^openclaw: "), err)
    T.ok(err:find("401", 1, true), err)
    T.ok(err:find("openclaw onboard --auth-choice openrouter-api-key", 1,
                  true), err)
    T.ok(not err:find("traceback", 1, true), err)
  end)

  T.test("e2e: unknown model and malformed refs", function()
    T.server_reset()
    local dir = state()
    local out, code, err = sh(dir, { "agent", "-m", "x", "--model",
                                     "openrouter/does/not-exist" })
    T.eq(code, 1, err)
    T.eq(out, "")
    T.ok(err:find("does/not-exist", 1, true), err)
    T.eq(select(2, err:gsub("\n", "")), 1, err)
    out, code, err = sh(dir, { "agent", "-m", "x", "--model",
                               "anthropic/claude-sonnet-4.5" })
    T.eq(code, 2, err)
    T.ok(err:find("use openrouter/anthropic/claude-sonnet-4.5", 1, true),
         err)
    out, code, err = sh(dir, { "agent", "-m", "x", "--model", "gpt4" })
    T.eq(code, 2, err)
    T.ok(err:find("has no provider", 1, true), err)
    T.eq(#T.server_log(), 1)
  end)

  T.test("e2e: no key -> onboarding message, nothing sent", function()
    T.server_reset()
    local dir = state()
    local out, code, err = sh(dir, { "agent", "-m", "x" }, { key = false })
    T.eq(code, 1)
    T.eq(out, "")
    T.ok(err:find("openclaw onboard --auth-choice openrouter-api-key", 1,
                  true), err)
    T.ok(err:find("OPENROUTER_API_KEY", 1, true), err)
    T.eq(#T.server_log(), 0)
  end)

  T.test("e2e: a stalled stream times out with a clear error", function()
    T.server_reset()
    T.server_rules({ { model = "*", response = { text = "slow answer",
      stall_after = 2 } } })
    local dir = state("return function(c) c.agents.defaults.failover" ..
      ".idleTimeoutMs = 1500; c.agents.defaults.failover.maxRetries = 0 " ..
      "end\n")
    local t0 = oc.now()
    local out, code, err = sh(dir, { "agent", "-m", "x" })
    T.eq(code, 1, err)
    T.ok(oc.now() - t0 < 10000, "took " .. (oc.now() - t0))
    T.ok(err:find("^openclaw: .*no data received for 1500 ms"), err)
    T.eq(select(2, err:gsub("\n", "")), 1, err)
    T.ok(not err:find("traceback", 1, true), err)
    T.server_reset()
  end)

  T.test("e2e: Ctrl-C on a terminal keeps the partial answer, exit 130",
         function()
    T.server_reset()
    T.server_rules({ { model = "*", times = 1, response = {
      text = "partial answer that never ends", stall_after = 3 } } })
    local dir = state()
    local steps = json.encode({ { expect = "partial" }, { sleep = 0.3 },
                                { intr = true } })
    local out = sh(dir, { "agent", "-m", "hi" }, { pty = steps })
    local r = assert(json.decode(out), out)
    T.eq(r.failed, json.null, r.output)
    T.eq(r.code, 130, r.output)
    T.ok(r.output:find("partial ", 1, true), r.output)
    T.ok(r.output:find("\r\nopenclaw: interrupted\r\n$"), r.output)
    T.server_reset()
  end)

  T.test("e2e: bad flags -> did-you-mean, exit 2", function()
    local dir = state()
    local out, code, err = sh(dir, { "agent", "--mesage", "x" })
    T.eq(code, 2)
    T.eq(out, "")
    T.eq(err, "openclaw: openclaw agent: unknown option '--mesage' " ..
              "(did you mean '--message'?)\n")
    out, code, err = sh(dir, { "sessions", "lst" })
    T.eq(code, 2)
    T.ok(err:find("did you mean 'list'", 1, true), err)
    out, code, err = sh(dir, { "agent", "-m", "x", "--thinking", "huge" })
    T.eq(code, 2)
    T.ok(err:find("off, minimal, low, medium, high, xhigh, adaptive or max",
                  1, true), err)
  end)

  T.test("e2e: agent -m - reads stdin; mock/echo works offline", function()
    local dir = state()
    local out, code, err = sh(dir, { "agent", "-m", "-", "--model",
      "mock/echo" }, { stdin = "piped text\n", key = false })
    T.eq(code, 0, err)
    T.ok(out:find("piped text", 1, true), out)
  end)
end
