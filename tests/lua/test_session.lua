-- Sessions: JSONL history files under <state_dir>/sessions.
local oc = require("openclaw")
local json = require("openclaw.json")
local lfs = require("lfs")
local session = require("openclaw.session")

return function(T)
  local function read(path) return assert(T.read(path), path) end
  local write = T.write

  T.test("open creates sessions/ (0700); append writes one line each",
    function()
      local dir = T.tmpdir()
      local s = assert(session.open(dir, "s1"))
      T.eq(s.id, "s1")
      T.eq(s.messages, {})
      T.eq(lfs.attributes(dir .. "/sessions", "permissions"), "rwx------")
      T.ok(s:append({ role = "user", content = "hi", turn = 1 }))
      T.eq(lfs.attributes(s.path, "permissions"), "rw-------")
      T.ok(s:append({ role = "assistant", content = "hello\nthere", turn = 1 }))
      local text = read(s.path)
      T.eq(select(2, text:gsub("\n", "")), 2)
      local msgs, warnings = session.load(dir, "s1")
      T.eq(warnings, {})
      T.eq(msgs, { { role = "user", content = "hi", turn = 1 },
                   { role = "assistant", content = "hello\nthere", turn = 1 } })
      T.eq(assert(session.open(dir, "s1")).next_turn, 2)
    end)

  T.test("a truncated last line is skipped with a warning; appends go on",
    function()
      local dir = T.tmpdir()
      local s = assert(session.open(dir, "crash"))
      s:append({ role = "user", content = "one" })
      s:append({ role = "assistant", content = "two" })
      -- a crash in the middle of the third line
      local f = assert(io.open(s.path, "ab"))
      f:write('{"role":"user","content":"thr')
      f:close()
      local s2 = assert(session.open(dir, "crash"))
      T.eq(#s2.messages, 2)
      T.eq(#s2.warnings, 1)
      T.ok(s2.warnings[1]:find("crash.jsonl:3: skipped a truncated last line",
        1, true), s2.warnings[1])
      -- the next message starts on a fresh line and is not lost
      T.ok(s2:append({ role = "user", content = "four" }))
      local msgs, warnings = session.load(dir, "crash")
      T.eq(#msgs, 3)
      T.eq(msgs[3].content, "four")
      T.eq(#warnings, 1)
      T.ok(warnings[1]:find("crash.jsonl:3: skipped a line that is not a "
        .. "JSON message", 1, true), warnings[1])
    end)

  T.test("an agent continues a session whose last line was truncated",
    function()
      local dir = T.tmpdir()
      local s = assert(session.open(dir, "agent-crash"))
      s:append({ role = "user", content = "remember 42", turn = 1 })
      s:append({ role = "assistant", content = "ok", turn = 1 })
      local f = assert(io.open(s.path, "ab"))
      f:write('{"role":"user","con')
      f:close()
      local a = oc.agent{ model = "mock/echo", config = {}, state_dir = dir,
        session = "agent-crash", params = { delay_ms = 0 } }
      T.eq(#a.messages, 2)
      T.eq(#a.warnings, 1)
      local reply = a:send("what number?")
      T.eq(reply.error, nil)
      T.eq(reply.text, "what number?")
      local msgs = assert(session.load(dir, "agent-crash"))
      T.eq(#msgs, 4)
      T.eq(msgs[3].turn, 2)
    end)

  T.test("session ids are validated (no path traversal)", function()
    local dir = T.tmpdir()
    for _, bad in ipairs({ "", "..", "../x", "a/b", ".hidden", "a b",
                           "x\n", ("x"):rep(129), "é" }) do
      local s, err = session.open(dir, bad)
      T.eq(s, nil, bad)
      T.ok(err:find("session id", 1, true), err)
    end
    for _, good in ipairs({ "a", "chat-1", "2025_01.02", ("x"):rep(128) }) do
      T.ok(session.validate_id(good), good)
    end
    T.eq(lfs.attributes(dir .. "/x.jsonl"), nil)
  end)

  T.test("list: ids, counts, last user text, newest first", function()
    local dir = T.tmpdir()
    T.eq(session.list(dir), {})
    local a = assert(session.open(dir, "alpha"))
    a:append({ role = "user", content = "first question" })
    a:append({ role = "assistant", content = "answer" })
    a:append({ role = "user", content = { { type = "text", text = "parts" },
                                          { type = "image", url = "x" } } })
    local b = assert(session.open(dir, "beta"))
    b:append({ role = "user", content = "beta question" })
    lfs.touch(a.path, os.time() - 100, os.time() - 100)
    write(dir .. "/sessions/notes.txt", "ignored")
    local list = session.list(dir)
    T.eq(#list, 2)
    T.eq(list[1].id, "beta")
    T.eq(list[1].messages, 1)
    T.eq(list[1].last_user_text, "beta question")
    T.eq(list[2].id, "alpha")
    T.eq(list[2].messages, 3)
    T.eq(list[2].last_user_text, "parts")
    T.ok(list[1].updated > list[2].updated)
    T.ok(session.exists(dir, "alpha"))
    T.ok(session.delete(dir, "alpha"))
    T.eq(session.exists(dir, "alpha"), false)
    T.eq(#session.list(dir), 1)
    local ok, err = session.delete(dir, "alpha")
    T.eq(ok, nil)
    T.ok(err:find("no session 'alpha'", 1, true))
  end)

  T.test("turns interleaved in the file are grouped on load", function()
    local dir = T.tmpdir()
    local s = assert(session.open(dir, "mix"))
    for _, m in ipairs({
      { role = "user", content = "a?", turn = 1 },
      { role = "user", content = "b?", turn = 2 },
      { role = "assistant", content = "b!", turn = 2 },
      { role = "assistant", content = "a!", turn = 1 },
    }) do s:append(m) end
    local msgs = session.load(dir, "mix")
    local c = {}
    for _, m in ipairs(msgs) do c[#c + 1] = m.content end
    T.eq(c, { "a?", "a!", "b?", "b!" })
  end)

  T.test("agent sessions: each message is on disk as soon as it completes",
    function()
      local dir = T.tmpdir()
      local a = oc.agent{ model = "mock/script", config = {}, state_dir = dir,
        session = "live", params = { delay_ms = 0, script = {
          { tool_calls = { { name = "peek", arguments = {} } } },
          { text = "done" } } } }
      local path = dir .. "/sessions/live.jsonl"
      local seen
      a:tool{ name = "peek", run = function()
        -- the user message and the assistant tool call are already written
        local lines = {}
        for l in io.lines(path) do lines[#lines + 1] = json.decode(l) end
        seen = #lines
        return "ok"
      end }
      local reply = a:send("go")
      T.eq(reply.error, nil)
      T.eq(seen, 2)
      local roles = {}
      for l in io.lines(path) do roles[#roles + 1] = json.decode(l).role end
      T.eq(roles, { "user", "assistant", "tool", "assistant" })
      -- reset starts a new session file
      local old = a.session_id
      a:reset()
      T.ok(a.session_id ~= old)
      T.ok(session.validate_id(a.session_id))
      a:send("x")
      T.ok(session.exists(dir, a.session_id))
    end)

  T.test("session = true picks a new id", function()
    local dir = T.tmpdir()
    local a = oc.agent{ model = "mock/echo", config = {}, state_dir = dir,
                        session = true }
    T.ok(a.session_id:match("^%d+%-%d+%-%x+$"), a.session_id)
    local b = oc.agent{ model = "mock/echo", config = {}, state_dir = dir }
    T.eq(b.session_id, nil)
  end)
end
