-- Tests of `openclaw chat`: in-process with a stand-in agent (REPL logic),
-- then end to end over a pipe and on a pseudo-terminal (Ctrl-C).
local json = require("openclaw.json")
local config = require("openclaw.config")
local errors = require("openclaw.errors")
local sched = require("openclaw.sched")

local KEY = "sk-or-test-1234"

-- stdin from a list of lines; an entry sched.INTERRUPTED raises it (Ctrl-C
-- at the prompt). read_count counts reads.
local function input(lines)
  local s = { i = 0, reads = 0 }
  function s:read()
    self.reads = self.reads + 1
    self.i = self.i + 1
    local l = lines[self.i]
    if l == sched.INTERRUPTED then error(l, 0) end
    if l == nil then return nil end
    return l .. "\n"
  end
  return s
end

-- a stand-in agent factory (the agreed API); behave(agent, text, opts)
local function fake_factory(behave)
  local made = {}
  local ids = 0
  local function new_agent(opts)
    local a = { opts = opts, messages = {}, sends = {}, resets = 0 }
    if opts.session == true then
      ids = ids + 1
      a.session_id = "new-" .. ids
    elseif type(opts.session) == "string" then
      a.session_id = opts.session
    end
    function a:send(text, o)
      self.sends[#self.sends + 1] = { text = text, opts = o }
      if behave then
        local r = behave(self, text, o)
        if r then return r end
      end
      local reply = "echo: " .. text
      o.on_delta(reply)
      self.messages[#self.messages + 1] = { role = "user", content = text }
      return { text = reply, model = o.model or self.opts.model,
               usage = { input = 1, output = 2, cost = 0 },
               tool_calls = {}, session_id = self.session_id }
    end
    function a:reset()
      self.resets = self.resets + 1
      self.messages = {}
      if self.session_id then
        ids = ids + 1
        self.session_id = "new-" .. ids
      end
    end
    made[#made + 1] = a
    return a
  end
  return new_agent, made
end

return function(T)
  local sink = T.sink
  local cmd = require("openclaw.commands.chat")
  local shipped = config.shipped_path()

  local function run(lines, opts)
    opts = opts or {}
    local dir = opts.dir or T.tmpdir()
    local out, err = sink(), sink()
    local new_agent, made = fake_factory(opts.behave)
    local env = { HOME = dir, OPENCLAW_STATE_DIR = dir,
                  OPENROUTER_API_KEY = KEY, TERM = "xterm" }
    if opts.key == false then env.OPENROUTER_API_KEY = nil end
    local stdin = input(lines)
    local ctx = { stdout = out, stderr = err, stdin = stdin, env = env,
      shipped = shipped, new_agent = new_agent,
      current_config = opts.current_config,
      isatty = function() return opts.tty == true end }
    local ok, code = pcall(cmd.run, opts.argv or {}, ctx)
    if not ok then
      if errors.is(code) then
        err:write("openclaw: ", code.message, "\n")
        code = code.exit
      else
        error(code, 0)
      end
    end
    return code, out:text(), err:text(), made, stdin
  end

  -- unit: the REPL with a stand-in agent ------------------------------------------

  T.test("chat over a pipe prints just the answers", function()
    local code, out, err, made = run({ "hello", "", "  ", "again" })
    T.eq(code, 0, err)
    T.eq(out, "echo: hello\necho: again\n")
    T.eq(err, "")
    T.eq(#made, 1)
    T.eq(made[1].opts.session, true, "chats are saved")
    T.eq(made[1].opts.model, "openrouter/auto")
    T.eq(#made[1].sends, 2)
  end)

  T.test("chat slash commands: /model, /thinking, /new, /session, /quit",
         function()
    local code, out, err, made, stdin = run({ "/model", "/model mock/echo",
      "one", "/thinking", "/thinking extra-high", "two", "/new", "/session",
      "//slash text", "/quit", "never read" })
    T.eq(code, 0, err)
    T.eq(out, "echo: one\necho: two\necho: /slash text\n")
    local a = made[1]
    T.eq(a.sends[1].opts.model, "mock/echo")
    T.eq(a.sends[1].opts.thinking, nil)
    T.eq(a.sends[2].opts.thinking, "xhigh")
    T.eq(a.sends[3].text, "/slash text")
    T.eq(a.resets, 1)
    T.eq(stdin.reads, 10)
    T.ok(err:find("model: openrouter/auto\n", 1, true), err)
    T.ok(err:find("model: mock/echo\n", 1, true), err)
    T.ok(err:find("thinking: default (from the config)\n", 1, true), err)
    T.ok(err:find("thinking: xhigh\n", 1, true), err)
    T.ok(err:find("new session new-2\n", 1, true), err)
    T.ok(err:find("session: new-2\n", 1, true), err)
  end)

  T.test("chat bad slash commands give a one-line hint and go on",
         function()
    local code, out, err = run({ "/modle x", "/model gpt4", "/thinking lots",
                                 "/help", "still here" })
    T.eq(code, 0)
    T.eq(out, "echo: still here\n")
    T.ok(err:find("openclaw: unknown command '/modle' (did you mean " ..
                  "'/model'?); type /help for the list\n", 1, true), err)
    T.ok(err:find("openclaw: /model: model ref 'gpt4' has no provider", 1,
                  true), err)
    T.ok(err:find("openclaw: /thinking: unknown thinking level 'lots'", 1,
                  true), err)
    T.ok(err:find("/new ", 1, true), err)
  end)

  T.test("chat turn errors print one line and the REPL continues",
         function()
    local n = 0
    local code, out, err = run({ "a", "b", "c" }, { behave =
      function(a, text, o)
        n = n + 1
        if n == 1 then
          return { text = "", tool_calls = {}, error = { message =
            "OpenRouter returned HTTP 500 (server): boom key " .. KEY,
            fix = "retry later" } }
        elseif n == 2 then
          error("attempt to index a nil value (local 'x')")
        end
      end })
    T.eq(code, 0)
    T.eq(out, "echo: c\n")
    T.ok(err:find("openclaw: OpenRouter returned HTTP 500 (server): boom " ..
                  "key …", 1, true), err)
    T.ok(err:find("; retry later\n", 1, true), err)
    T.ok(err:find("openclaw: internal error: [^\n]*attempt to index a " ..
                  "nil value"), err)
    T.ok(not err:find(KEY, 1, true), "key printed: " .. err)
    T.ok(not err:find("traceback", 1, true), err)
  end)

  T.test("chat Ctrl-C cancels the answer; twice quickly exits 130",
         function()
    local n = 0
    local function behave(a, text, o)
      n = n + 1
      if text == "stop" then
        o.on_delta("partial")
        error(sched.INTERRUPTED, 0)
      end
    end
    local code, out, err = run({ "stop", "next" }, { behave = behave })
    T.eq(code, 0)
    T.eq(out, "partial\necho: next\n")
    T.eq(err, "^C (answer cancelled)\n")
    code, out, err = run({ "stop", "stop", "never" }, { behave = behave })
    T.eq(code, 130)
    T.eq(out, "partial\npartial\n")
  end)

  T.test("chat Ctrl-C at the prompt exits 130", function()
    local code = run({ "hi", sched.INTERRUPTED, "never" })
    T.eq(code, 130)
  end)

  T.test("chat on a terminal shows a banner and a prompt", function()
    local code, out, err = run({ "hi" }, { tty = true,
                                          argv = { "--model", "mock/echo" } })
    T.eq(code, 0)
    T.ok(out:find("you> ", 1, true), out)
    T.ok(out:find("echo: hi\n", 1, true), out)
    T.ok(err:find("openclaw chat · mock/echo · session new-1", 1, true), err)
  end)

  T.test("chat applies a changed config between turns", function()
    local dir = T.tmpdir()
    local cfg1 = assert(config.load{ env = { HOME = dir,
      OPENCLAW_STATE_DIR = dir }, shipped = shipped })
    local cfg2 = assert(config.load{ env = { HOME = dir,
      OPENCLAW_STATE_DIR = dir }, shipped = shipped,
      flags = { ["agents.defaults.model.primary"] = "mock/echo" } })
    local current = nil       -- nil: no change since the start
    local code, out, err, made = run({ "one", "two", "three" }, { dir = dir,
      current_config = function() return current end,
      behave = function(a, text) if text == "one" then current = cfg2 end end })
    T.eq(code, 0, err)
    T.eq(out, "echo: one\necho: two\necho: three\n")
    T.eq(#made, 2, "rebuilt once")
    T.eq(made[1].opts.model, "openrouter/auto")
    T.eq(made[2].opts.model, "mock/echo")
    T.eq(made[2].opts.session, made[1].session_id, "same session")
    T.eq(#made[2].sends, 2)
    T.ok(cfg1)
  end)

  T.test("chat usage mistakes and a missing key", function()
    local code, _, err = run({}, { argv = { "--modle", "x" } })
    T.eq(code, 2)
    T.ok(err:find("did you mean '--model'", 1, true), err)
    code, _, err = run({}, { argv = { "--message", "x" } })
    T.eq(code, 2)
    code, _, err = run({ "hi" }, { key = false })
    T.eq(code, 1)
    T.ok(err:find("openclaw onboard --auth-choice openrouter-api-key", 1,
                  true), err)
  end)

  -- end to end ------------------------------------------------------------------

  local function state() return (T.state_dir()) end

  -- chat over a pipe: stdout, code, stderr
  local function pipe(dir, lines, argv, key)
    local inf = T.write(dir .. "/input.txt", table.concat(lines, "\n") .. "\n")
    local args = { "chat" }
    for _, a in ipairs(argv or {}) do args[#args + 1] = a end
    return T.cli(dir, args, { key = key or KEY, stdin_file = inf })
  end

  -- user/assistant texts of a logged request (system prompt left out)
  local function texts(rec)
    local out = {}
    for _, m in ipairs(rec.body.messages) do
      if m.role ~= "system" then
        out[#out + 1] = m.role .. ":" .. tostring(m.content)
      end
    end
    return out
  end

  T.test("e2e: chat over a pipe with /model, /new and /quit", function()
    T.server_reset()
    local dir = state()
    local out, code, err = pipe(dir, { "hello", "/model " ..
      "openrouter/anthropic/claude-sonnet-4.5", "second", "/new", "third",
      "/quit", "never sent" })
    T.eq(code, 0, err)
    T.eq(out, "echo: hello\necho: second\necho: third\n")
    local log = T.server_log()
    T.eq(#log, 3)
    T.eq(log[1].body.model, "openrouter/auto")
    T.eq(log[2].body.model, "anthropic/claude-sonnet-4.5")
    T.eq(texts(log[2]), { "user:hello", "assistant:echo: hello",
                          "user:second" })
    T.eq(texts(log[3]), { "user:third" }, "/new starts afresh")
    T.ok(err:find("model: openrouter/anthropic/claude-sonnet-4.5", 1, true),
         err)
    T.ok(err:find("new session ", 1, true), err)
    -- both conversations were saved
    local list = T.cli(dir, { "sessions", "list", "--json" }, { key = KEY })
    T.eq(#json.decode(list), 2)
  end)

  T.test("e2e: chat --session-id continues; errors keep the REPL going",
         function()
    T.server_reset()
    local dir = state()
    local out, code, err = pipe(dir, { "remember me" },
                                { "--session-id", "s1" })
    T.eq(code, 0, err)
    out, code, err = pipe(dir, { "bad", "/model openrouter/auto",
      "ok now" }, { "--session-id", "s1", "--model",
      "openrouter/does/not-exist" })
    T.eq(code, 0, err)
    T.eq(out, "echo: ok now\n")
    T.ok(err:find("openclaw: [^\n]*does/not%-exist"), err)
    local log = T.server_log()
    local last = texts(log[#log])
    T.eq(last[1], "user:remember me")
    T.eq(last[#last], "user:ok now")
  end)

  T.test("e2e: chat on a terminal; Ctrl-C cancels a stalled answer",
         function()
    T.server_reset()
    T.server_rules({ { model = "*", times = 1, response = {
      text = "partial answer that never ends", stall_after = 3 } } })
    local dir = state()
    local steps = json.encode({
      { expect = "you> " },
      { send = "wait for it\n" },
      { expect = "partial" },
      { sleep = 0.3 },
      { intr = true },
      { expect = "answer cancelled" },
      { expect = "you> " },
      { send = "hello\n" },
      { expect = "echo: hello" },
      { expect = "you> " },
      { intr = true },
    })
    local out = T.cli(dir, { "chat" }, { key = KEY, pty = steps })
    local r = json.decode(out)
    T.ok(r, out)
    T.eq(r.failed, json.null, r.output)
    T.eq(r.code, 130, r.output)
    T.ok(not r.output:find("traceback", 1, true), r.output)
    T.ok(not r.output:find("interrupted", 1, true), r.output)
    T.ok(r.output:find("openclaw chat · openrouter/auto", 1, true), r.output)
    local log = T.server_log()
    T.eq(#log, 2)
    T.eq(log[2].body.messages[#log[2].body.messages].content, "hello")
  end)
end
