-- Tests of hot reload: openclaw.reload in this process (config and module
-- reloads, coalescing, broken edits, the state hook, holds), then end to
-- end over the real binary: `openclaw chat` driven over a pipe and on a
-- pseudo-terminal, `openclaw run --watch`, and a plain `openclaw run`
-- script using openclaw.config()/on_reload.
local json = require("openclaw.json")
local oc = require("openclaw")
local reload = require("openclaw.reload")

local KEY = "sk-or-test-1234"

local function write(path, text)
  local f = assert(io.open(path, "w"))       -- truncate and write
  f:write(text)
  f:close()
end

local function read(path)
  local f = io.open(path)
  if not f then return "" end
  local s = f:read("a")
  f:close()
  return s
end

local function rename_save(path, text)       -- as most editors save
  write(path .. ".swp", text)
  assert(os.rename(path .. ".swp", path))
end

local function model_json(model, base)
  local t = { models = { providers = { openrouter = { baseUrl = base } } } }
  if model then
    t.agents = { defaults = { model = { primary = model } } }
  end
  return json.encode(t) .. "\n"
end

-- wait until pred() is true (ms at most); fails with what(), when given
local function wait_for(T, pred, what, ms)
  local deadline = oc.now() + (ms or 5000)
  while not pred() do
    if oc.now() > deadline then
      error("timed out waiting: " .. (what and what() or "condition"), 2)
    end
    oc.sleep(5)
  end
  T.ok(true)
end

local function count(s, sub)
  local n, i = 0, 1
  while true do
    local a, b = s:find(sub, i, true)
    if not a then return n end
    n, i = n + 1, b + 1
  end
end

return function(T)
  -- in this process ---------------------------------------------------------

  -- start the reloader on a temporary state folder; returns dir, lines
  local function start(opts)
    opts = opts or {}
    local dir = opts.dir or T.tmpdir()
    if opts.json ~= false then
      write(dir .. "/openclaw.json", opts.json or "{}\n")
    end
    local lines = {}
    assert(reload.start{ load = { env = { HOME = dir,
      OPENCLAW_STATE_DIR = dir } }, out = function(l)
        lines[#lines + 1] = l end, lua_path = opts.lua_path or {} })
    return dir, lines
  end

  local function stopper()
    return setmetatable({}, { __close = function() reload.stop() end })
  end

  local function last(lines) return lines[#lines] or "" end

  T.test("reload: a saved config is swapped in; the old table is kept",
         function()
    local _s <close> = stopper()
    local dir, lines = start()
    T.ok(reload.active())
    local cfg0 = reload.config()
    T.eq(oc.config(), cfg0, "openclaw.config() is the reloader's")
    local calls = {}
    reload.on_reload(function(cfg, changed) calls[#calls + 1] = {
      cfg = cfg, changed = changed } end)
    rename_save(dir .. "/openclaw.json",
                model_json("openrouter/anthropic/claude-sonnet-4.5"))
    wait_for(T, function() return #calls == 1 end)
    T.eq(last(lines), 'config reloaded: agents.defaults.model.primary = ' ..
         '"openrouter/anthropic/claude-sonnet-4.5"')
    local c = calls[1]
    T.eq({ table.unpack(c.changed) }, { "agents.defaults.model.primary" })
    T.eq(c.changed.files, { dir .. "/openclaw.json" })
    T.eq(c.changed.modules, {})
    T.eq(c.cfg, reload.config())
    T.ok(c.cfg ~= cfg0, "a new table")
    T.eq(cfg0.agents.defaults.model.primary, "openrouter/auto",
         "the old table is not edited in place")
  end)

  T.test("reload: a truncate-write applies once; a burst is coalesced; " ..
         "an unchanged save says so", function()
    local _s <close> = stopper()
    local dir, lines = start()
    local n = 0
    reload.on_reload(function() n = n + 1 end)
    write(dir .. "/openclaw.json", model_json("mock/echo"))
    wait_for(T, function() return n == 1 end)
    oc.sleep(60)
    T.eq(n, 1, "one save, one reload")
    for i = 1, 10 do
      write(dir .. "/openclaw.json", model_json("openrouter/a/m" .. i))
    end
    wait_for(T, function()
      return reload.config().agents.defaults.model.primary ==
        "openrouter/a/m10" end)
    oc.sleep(60)
    T.ok(n <= 3, "10 quick saves gave " .. n .. " reloads")
    write(dir .. "/openclaw.json", model_json("openrouter/a/m10"))
    wait_for(T, function() return last(lines) ==
      "config reloaded: no changes" end, function() return last(lines) end)
  end)

  T.test("reload: broken edits keep the last good config and name the " ..
         "file and line; the next good save applies", function()
    local _s <close> = stopper()
    local dir, lines = start()
    local good = reload.config()
    local function expect(text, pattern)
      local n = #lines
      write(dir .. "/config.lua", text)
      wait_for(T, function() return #lines > n end)
      T.ok(last(lines):find(pattern), last(lines))
      T.eq(reload.config(), good, "kept")
    end
    expect("return {\n  ui = { color = 'never' }\n",
           "^config not reloaded: ~/config%.lua:3: '}' expected")
    expect("local t = nil\nreturn t.x\n",
           "^config not reloaded: ~/config%.lua:2: attempt to index")
    expect("return { ui = { color = 5 } }\n",
           "^config not reloaded: ~/config%.lua: ui%.color")
    write(dir .. "/config.lua", "return { ui = { colour = 'never' } }\n")
    wait_for(T, function() return last(lines) ==
      "config reloaded: no changes" end)
    T.eq(lines[#lines - 1], "openclaw: warning: ~/config.lua: unknown key " ..
      "ui.colour (did you mean ui.color?); ignored")
    good = reload.config()
    local t0 = oc.now()
    expect("local n = 0\nwhile true do n = n + 1 end\n",
           "^config not reloaded: ~/config%.lua:2: config%.lua took too " ..
           "long %(instruction budget exceeded%)")
    T.ok(oc.now() - t0 < 3000, "the budget stops it quickly")
    expect("return function(cfg) while true do pcall(error) end end\n",
           "instruction budget exceeded")
    write(dir .. "/config.lua", "return { ui = { color = 'never' } }\n")
    wait_for(T, function() return reload.config().ui.color == "never" end)
    T.eq(last(lines), 'config reloaded: ui.color = "never"')
  end)

  T.test("reload: secrets are masked; removed keys are listed", function()
    local _s <close> = stopper()
    local dir, lines = start()
    local secret = "sk-or-v1-0123456789abcdef0123"
    write(dir .. "/config.lua", ("return { models = { providers = { " ..
      "openrouter = { apiKey = %q } } } }\n"):format(secret))
    local function reloads()
      return count(table.concat(lines, "\n"), "config reloaded")
    end
    wait_for(T, function() return reloads() == 1 end)
    T.eq(last(lines), 'config reloaded: ' ..
         'models.providers.openrouter.apiKey = "sk-or-…0123"')
    T.ok(lines[1]:find("holds an API key but other users can read it", 1,
                       true), lines[1])
    os.remove(dir .. "/config.lua")
    wait_for(T, function() return reloads() == 2 end)
    T.eq(last(lines), "config reloaded: " ..
         "models.providers.openrouter.apiKey (removed)")
    for _, l in ipairs(lines) do
      T.ok(not l:find(secret, 1, true), "secret shown: " .. l)
    end
  end)

  T.test("reload: reload = false stops watching; disable() never watches",
         function()
    local _s <close> = stopper()
    local dir, lines = start()
    write(dir .. "/config.lua", "return { reload = false }\n")
    wait_for(T, function() return not reload.active() end)
    T.eq(last(lines), "config reloaded: reload = false (no longer " ..
         "watching files)")
    reload.stop()
    start{ dir = dir }
    T.ok(not reload.active(), "off from the start")
    os.remove(dir .. "/config.lua")
    reload.disable()
    local _e <close> = setmetatable({}, { __close = reload.enable })
    start{ dir = dir }
    T.ok(not reload.active(), "disabled")
    T.eq(reload.files(), {})
    T.ok(reload.config(), "the config is still there")
  end)

  T.test("reload: openclaw.reload() forces one; callback errors are " ..
         "reported; unsubscribe", function()
    local _s <close> = stopper()
    local dir, lines = start{ json = false }
    local seen = 0
    local off = oc.on_reload(function() seen = seen + 1 end)
    oc.on_reload(function() error("callback bug") end)
    local changed = oc.reload()
    T.eq({ table.unpack(changed) }, {})
    T.eq(seen, 1)
    T.ok(lines[#lines - 1] == "config reloaded: no changes", lines[1])
    T.ok(last(lines):find("^on_reload callback failed: .*callback bug"),
         last(lines))
    off()
    write(dir .. "/config.lua", "return {\n")
    local v, msg = oc.reload()
    T.eq(v, nil)
    T.ok(msg:find("~/config.lua:2:", 1, true), msg)
    T.eq(seen, 1, "unsubscribed, and no call for a failed reload")
    T.raises("expected a function, got nil", oc.on_reload)
  end)

  T.test("reload: changes() lists changed, added and removed key paths",
         function()
    local keys, text = reload.changes(
      { a = { b = 1, c = { 1, 2 } }, d = "x" },
      { a = { b = 2, c = { 1, 2 } }, e = true })
    T.eq(keys, { "a.b", "d", "e" })
    T.eq(text["a.b"], "a.b = 2")
    T.eq(text.d, "d (removed)")
    T.eq(text.e, "e = true")
  end)

  T.test("reload: which modules are reloadable", function()
    local host = require("openclaw.host")
    local _s <close> = stopper()
    start{ lua_path = { "/my/lua" } }
    T.ok(reload.reloadable("providers.openrouter",
                           host.lua_dir .. "/providers/openrouter.lua"))
    T.ok(reload.reloadable("agents.default",
                           host.lua_dir .. "/agents/default.lua"))
    T.ok(reload.reloadable("tools.tts", host.lua_dir .. "/tools/tts.lua"))
    T.ok(not reload.reloadable("openclaw.sched",
                               host.lua_dir .. "/openclaw/sched.lua"))
    T.ok(not reload.reloadable("openclaw.x", "/my/lua/openclaw/x.lua"),
         "never the runtime, even from a user folder")
    T.ok(reload.reloadable("mine.util", "/my/lua/mine/util.lua"))
    T.ok(not reload.reloadable("elsewhere", "/usr/share/lua/5.4/x.lua"))
  end)

  -- a user module in a temporary folder on package.path
  local function module_env()
    local dir = T.tmpdir()
    local lua_dir = dir .. "/lua"
    os.execute("mkdir " .. T.quote(lua_dir))
    local saved = package.path
    package.path = lua_dir .. "/?.lua;" .. package.path
    local undo = setmetatable({}, { __close = function()
      package.path = saved
      package.loaded.hr_mod = nil
      package.loaded.hr_early = nil
      reload.stop()
    end })
    return dir, lua_dir, undo
  end

  local MOD = [[
local M = { version = %d, hits = 0 }
function M.__reload_state() return { hits = M.hits } end
function M.__on_reload(state, old)
  M.hits = state and state.hits or -1
  M.old_version = old and old.version
end
return M
]]

  T.test("reload: a saved module is re-required; state carries over; a " ..
         "broken one keeps the old", function()
    local dir, lua_dir, _undo <close> = module_env()
    local path = lua_dir .. "/hr_mod.lua"
    write(path, MOD:format(1))
    write(lua_dir .. "/hr_early.lua", "return { v = 1 }\n")
    local early = require("hr_early")          -- loaded before start
    local _, lines = start{ dir = dir, lua_path = { lua_dir } }
    local m1 = require("hr_mod")               -- loaded after start
    m1.hits = 7
    local cfg0 = reload.config()
    local got
    reload.on_reload(function(cfg, changed) got = changed end)
    rename_save(path, MOD:format(2))
    wait_for(T, function() return package.loaded.hr_mod ~= m1 end)
    local m2 = require("hr_mod")
    T.eq(m2.version, 2)
    T.eq(m2.hits, 7, "__reload_state -> __on_reload")
    T.eq(m2.old_version, 1)
    T.eq(last(lines), "module reloaded: hr_mod")
    T.eq(got.modules, { "hr_mod" })
    T.ok(reload.config() ~= cfg0, "a new config reference after a " ..
         "module reload (so the chat rebuilds its agent)")
    -- broken: syntax, runtime error, endless top level
    local function broken(text, pattern)
      local n = #lines
      write(path, text)
      wait_for(T, function() return #lines > n end)
      T.ok(last(lines):find(pattern), last(lines))
      T.eq(package.loaded.hr_mod, m2, "the old module stays")
    end
    local shown = "~/lua/hr_mod.lua"     -- HOME is dir
    broken("return {\n", "^module not reloaded: " ..
      shown:gsub("%p", "%%%0") .. ":2: ")
    broken("local x = nil\nreturn x.y\n", "^module not reloaded: " ..
      shown:gsub("%p", "%%%0") .. ":2: attempt to index")
    broken("while true do end\n", "^module not reloaded: " ..
      shown:gsub("%p", "%%%0") .. ": took too long %(instruction budget")
    write(path, MOD:format(3))
    wait_for(T, function() return require("hr_mod").version == 3 end)
    T.eq(require("hr_mod").hits, 7)
    -- the module loaded before the reloader started is tracked too
    write(lua_dir .. "/hr_early.lua", "return { v = 2 }\n")
    wait_for(T, function() return require("hr_early") ~= early end)
    T.eq(require("hr_early").v, 2)
  end)

  T.test("reload: module swaps wait while a turn holds the reloader; " ..
         "config swaps do not", function()
    local dir, lua_dir, _undo <close> = module_env()
    local path = lua_dir .. "/hr_mod.lua"
    write(path, MOD:format(1))
    local _, lines = start{ dir = dir, lua_path = { lua_dir } }
    local m1 = require("hr_mod")
    do
      local _hold <close> = reload.hold()
      write(path, MOD:format(2))
      write(dir .. "/openclaw.json", model_json("mock/echo"))
      wait_for(T, function()
        return reload.config().agents.defaults.model.primary == "mock/echo"
      end)
      oc.sleep(50)
      T.eq(package.loaded.hr_mod, m1, "not during the turn")
    end
    T.eq(require("hr_mod").version, 2, "applied at the end of the turn")
    T.eq(last(lines), "module reloaded: hr_mod")
  end)

  -- end to end --------------------------------------------------------------

  -- the binary's environment (no OPENCLAW_LUA_PATH); extra: more
  -- NAME=value words, each followed by a space
  local ENV = { key = KEY, unset = { "OPENCLAW_LUA_PATH" } }
  local function env_prefix(dir, extra)
    return T.cli_env(dir, ENV) .. (extra or "")
  end

  local function state() return (T.state_dir()) end

  -- `openclaw chat` with its stdin a pipe we write to; stdout and stderr
  -- go to files we poll
  local chats = 0
  local function chat(dir, args, extra)
    chats = chats + 1
    local c = { out = ("%s/out%d.txt"):format(dir, chats),
                err = ("%s/err%d.txt"):format(dir, chats) }
    local p = assert(io.popen(env_prefix(dir, extra) .. T.quote(T.bin) ..
      " chat " .. (args or "") .. " >" .. T.quote(c.out) .. " 2>" ..
      T.quote(c.err), "w"))
    function c.send(line)
      p:write(line, "\n")
      p:flush()
    end
    function c.wait(which, text, n)
      local file = c[which]
      wait_for(T, function() return count(read(file), text) >= (n or 1) end,
        function() return ("%q in %s:\n%s\nstderr:\n%s"):format(text, which,
          read(file), read(c.err)) end, 10000)
    end
    function c.close()
      if not p then return c.code end
      local ok, _, code = p:close()
      p = nil
      c.code = ok and 0 or code
      return c.code
    end
    return setmetatable(c, { __close = c.close })
  end

  local function models()
    local out = {}
    for i, r in ipairs(T.server_log()) do out[i] = r.body.model end
    return out
  end

  T.test("e2e: chat: the primary model changes between turns; a syntax " ..
         "error keeps the old config; rename-save and truncate-write",
         function()
    T.server_reset()
    local dir = state()
    local base = T.server() .. "/api/v1"
    local c <close> = chat(dir)
    c.send("one")
    c.wait("out", "echo: one")
    -- rename-save
    rename_save(dir .. "/openclaw.json",
      model_json("openrouter/anthropic/claude-sonnet-4.5", base))
    c.wait("err", "config reloaded: agents.defaults.model.primary = " ..
      '"openrouter/anthropic/claude-sonnet-4.5"')
    c.send("two")
    c.wait("out", "echo: two")
    -- a syntax error: the old config stays, the line names file and line
    write(dir .. "/config.lua", "return {\n  ui = { color = 'never' },\n" ..
      "  agents = { defaults = { model = { primary = 'mock/echo' } } \n")
    c.wait("err", "config not reloaded: ~/config.lua:4: '}' expected")
    c.send("three")
    c.wait("out", "echo: three")
    -- truncate-write: the fixed file applies
    write(dir .. "/config.lua", "return {\n  agents = { defaults = { " ..
      "model = { primary = 'openrouter/x-ai/grok-4' } } } }\n")
    c.wait("err", 'config reloaded: agents.defaults.model.primary = ' ..
      '"openrouter/x-ai/grok-4"')
    c.send("four")
    c.wait("out", "echo: four")
    T.eq(c.close(), 0, read(c.err))
    T.eq(read(c.out), "echo: one\necho: two\necho: three\necho: four\n")
    T.eq(models(), { "openrouter/auto", "anthropic/claude-sonnet-4.5",
                     "anthropic/claude-sonnet-4.5", "x-ai/grok-4" })
    T.eq(count(read(c.err), "config "), 3, read(c.err))
  end)

  T.test("e2e: chat: editing agents/default.lua (a copy on " ..
         "OPENCLAW_LUA_PATH) changes the system prompt of the next turn",
         function()
    T.server_reset()
    local dir = state()
    local lua_dir = dir .. "/lua"
    os.execute("mkdir -p " .. T.quote(lua_dir .. "/agents"))
    local path = lua_dir .. "/agents/default.lua"
    local orig = read(T.root .. "/lua/agents/default.lua")
    write(path, orig)
    local c <close> = chat(dir, "", "OPENCLAW_LUA_PATH=" .. T.quote(lua_dir)
      .. " ")
    c.send("one")
    c.wait("out", "echo: one")
    -- a broken edit first: the old module stays
    write(path, orig:gsub("tools = {}", "tools = {", 1))
    c.wait("err", "module not reloaded: ~/lua/agents/default.lua:")
    c.send("two")
    c.wait("out", "echo: two")
    local pirate = orig:gsub("You are a helpful assistant",
                             "You are a pirate", 1)
    rename_save(path, pirate)
    c.wait("err", "module reloaded: agents.default")
    c.send("three")
    c.wait("out", "echo: three")
    T.eq(c.close(), 0, read(c.err))
    local log = T.server_log()
    T.eq(#log, 3)
    local function system(i) return log[i].body.messages[1] end
    T.eq(system(1).role, "system")
    T.ok(system(1).content:find("^You are a helpful assistant"))
    T.ok(system(2).content:find("^You are a helpful assistant"))
    T.ok(system(3).content:find("^You are a pirate"), system(3).content)
    T.eq(#log[3].body.messages, 6, "same conversation: history kept")
  end)

  T.test("e2e: chat: a reload while an answer streams does not disturb " ..
         "that turn", function()
    T.server_reset()
    T.server_rules({ { model = "*", times = 1, response = {
      text = "one two three four five six seven", chunk_delay_ms = 80 } } })
    local dir = state()
    local base = T.server() .. "/api/v1"
    local c <close> = chat(dir)
    c.send("slow please")
    wait_for(T, function() return #T.server_log() == 1 end)
    oc.sleep(100)
    rename_save(dir .. "/openclaw.json", model_json("mock/echo", base))
    c.wait("err", "config reloaded: agents.defaults.model.primary")
    T.ok(not read(c.out):find("seven", 1, true),
         "the reload came while the answer streamed: " .. read(c.out))
    c.wait("out", "one two three four five six seven\n")
    c.send("next")
    c.wait("out", "seven\nnext\n")           -- mock/echo says it back
    T.eq(c.close(), 0, read(c.err))
    T.eq(read(c.out), "one two three four five six seven\nnext\n")
    T.eq(models(), { "openrouter/auto" }, "the next turn used mock/echo")
  end)

  T.test("e2e: chat: an endless loop in config.lua is stopped by the " ..
         "budget; --no-reload turns reloading off", function()
    T.server_reset()
    local dir = state()
    local c <close> = chat(dir)
    c.send("one")
    c.wait("out", "echo: one")
    local t0 = oc.now()
    write(dir .. "/config.lua", "while true do end\n")
    c.wait("err", "config not reloaded: ~/config.lua:1: config.lua took " ..
      "too long (instruction budget exceeded)")
    T.ok(oc.now() - t0 < 5000)
    c.send("two")
    c.wait("out", "echo: two")
    T.eq(c.close(), 0, read(c.err))
    os.remove(dir .. "/config.lua")
    -- --no-reload
    T.server_reset()
    local d <close> = chat(dir, "--no-reload")
    d.send("one")
    d.wait("out", "echo: one")
    write(dir .. "/config.lua", "return { agents = { defaults = { model " ..
      "= { primary = 'openrouter/x-ai/grok-4' } } } }\n")
    oc.sleep(200)
    d.send("two")
    d.wait("out", "echo: two")
    T.eq(d.close(), 0)
    T.eq(read(d.err), "")
    T.eq(models(), { "openrouter/auto", "openrouter/auto" })
  end)

  T.test("e2e: chat on a terminal: the notice appears while the prompt " ..
         "waits, and the prompt comes back", function()
    T.server_reset()
    local dir = state()
    write(dir .. "/new.json", model_json("openrouter/moonshotai/kimi-k2.6",
      T.server() .. "/api/v1"))
    local steps = json.encode({
      { expect = "you> " },
      { expect = "config reloaded: agents.defaults.model.primary" },
      { expect = "you> " },
      { send = "hello\n" },
      { expect = "echo: hello" },
      { expect = "you> " },
      { eof = true },
    })
    local out = T.sh(("(sleep 1; mv %s %s) & "):format(
      T.quote(dir .. "/new.json"), T.quote(dir .. "/openclaw.json")) ..
      env_prefix(dir) .. "/usr/bin/python3 " ..
      T.quote(T.root .. "/tests/tools/pty_chat.py") .. " --timeout 15 " ..
      T.quote(steps) .. " -- " .. T.quote(T.bin) .. " chat")
    local r = json.decode(out)
    T.ok(r, out)
    T.eq(r.failed, json.null, r.output)
    T.eq(r.code, 0, r.output)
    T.eq(models(), { "moonshotai/kimi-k2.6" })
  end)

  -- a script run in the background: out/err/code files, its pid
  local function background(dir, args, extra)
    local b = { out = dir .. "/run.out", err = dir .. "/run.err",
                code = dir .. "/run.code", pid = dir .. "/run.pid" }
    T.sh("(" .. env_prefix(dir, extra) .. T.quote(T.bin) .. " run " ..
      args .. " >" .. T.quote(b.out) .. " 2>" .. T.quote(b.err) ..
      "; echo $? >" .. T.quote(b.code) .. ") </dev/null >/dev/null 2>&1 &")
    function b.wait(which, text, n)
      wait_for(T, function() return count(read(b[which]), text) >= (n or 1)
        end, function() return ("%q in %s:\n%s\nstderr:\n%s"):format(text,
          which, read(b[which]), read(b.err)) end, 10000)
    end
    function b.finish(sig)
      local pid = read(b.pid):match("%d+")
      if sig and pid then os.execute("kill -" .. sig .. " " .. pid) end
      b.wait("code", "\n")
      return tonumber(read(b.code))
    end
    return setmetatable(b, { __close = function()
      if read(b.code) == "" then b.finish("KILL") end
    end })
  end

  local SCRIPT = [[
local oc = require("openclaw")
local http = require("openclaw.http")
local V = %d
local f = io.open(%q, "w")
f:write(require("openclaw.core.fs").getpid())
f:close()
local function say(...)
  io.stdout:write(...)
  io.stdout:write("\n")
  io.stdout:flush()
end
say("start ", V, " ", oc.config().agents.defaults.model.primary)
oc.on_reload(function(cfg)
  say("reloaded ", V, " ", cfg.agents.defaults.model.primary)
end)
if V == 1 then
  http.request{ url = %q, timeout_ms = 60000 }
  say("the request ended")
end
oc.sleep(60000)
]]

  local function active(path)
    local http = require("openclaw.http")
    local res = assert(http.request{ url = T.server() .. "/_control/health" })
    return json.decode(res.body).active[path] or 0
  end

  T.test("e2e: run --watch restarts on a save (cancelling its transfer), " ..
         "waits out a broken save, hot-reloads config; Ctrl-C is 130",
         function()
    T.server_reset()
    local dir = state()
    local script = dir .. "/s.lua"
    local slow = T.server() .. "/test/slow?ms=60000"
    local function version(v)
      return SCRIPT:format(v, dir .. "/run.pid", slow)
    end
    write(script, version(1))
    local b <close> = background(dir, "--watch " .. T.quote(script))
    b.wait("out", "start 1 openrouter/auto")
    wait_for(T, function() return active("/test/slow") == 1 end)
    rename_save(script, "return {\n")              -- broken
    b.wait("err", "script changed: restarting")
    b.wait("err", "script failed: waiting for changes")
    T.ok(read(b.err):find("s.lua:2: ", 1, true), read(b.err))
    wait_for(T, function() return active("/test/slow") == 0 end,
             function() return "the old run's transfer is still open" end)
    write(script, version(2))                      -- truncate-write
    b.wait("out", "start 2 openrouter/auto")
    rename_save(dir .. "/openclaw.json", model_json("mock/echo",
      T.server() .. "/api/v1"))
    b.wait("out", "reloaded 2 mock/echo")
    b.wait("err", "config reloaded: agents.defaults.model.primary")
    oc.sleep(100)
    T.eq(b.finish("INT"), 130, read(b.err))
    local out = read(b.out)
    T.eq(count(out, "start "), 2, out)
    T.ok(not out:find("reloaded 1", 1, true), "callbacks of the old run " ..
         "were dropped: " .. out)
    T.ok(not out:find("the request ended", 1, true), out)
    T.eq(count(read(b.err), "script changed: restarting"), 2, read(b.err))
    T.ok(read(b.err):find("openclaw: interrupted", 1, true), read(b.err))
  end)

  T.test("e2e: a plain run script that uses openclaw.config() is " ..
         "hot-reloaded; --no-reload; no reloader unless used", function()
    local dir = state()
    local script = dir .. "/p.lua"
    write(script, [[
local oc = require("openclaw")
local reload_loaded = package.loaded["openclaw.reload"] ~= nil
local done = false
print("before", reload_loaded)
print("model", oc.config().agents.defaults.model.primary,
      require("openclaw.reload").active())
io.stdout:flush()
oc.on_reload(function(cfg, changed)
  print("reloaded", cfg.agents.defaults.model.primary, changed[1])
  done = true
end)
local t0 = oc.now()
while not done and oc.now() - t0 < (tonumber(arg[1]) or 10000) do
  oc.sleep(10)
end
print("end", oc.config().agents.defaults.model.primary)
]])
    local b <close> = background(dir, T.quote(script))
    b.wait("out", "model\topenrouter/auto\ttrue")
    rename_save(dir .. "/openclaw.json", model_json("mock/echo",
      T.server() .. "/api/v1"))
    T.eq(b.finish(), 0, read(b.err))
    T.eq(read(b.out), "before\tfalse\nmodel\topenrouter/auto\ttrue\n" ..
      "reloaded\tmock/echo\tagents.defaults.model.primary\n" ..
      "end\tmock/echo\n")
    local out, code = T.cli(dir, { "run", "--no-reload", script, "300" },
      { key = ENV.key, unset = ENV.unset, stderr_to_stdout = true })
    T.eq(code, 0, out)
    T.eq(out, "before\ttrue\nmodel\tmock/echo\tfalse\nend\tmock/echo\n",
         "--no-reload loads openclaw.reload to turn it off")
  end)

  T.test("e2e: run usage: unknown options and --watch with stdin",
         function()
    local out, code = T.sh(T.quote(T.bin) .. " run --wach x.lua 2>&1")
    T.eq(code, 2)
    T.ok(out:find("did you mean '--watch'", 1, true), out)
    out, code = T.sh(T.quote(T.bin) .. " run --watch - </dev/null 2>&1")
    T.eq(code, 2)
    T.ok(out:find("--watch needs a script file", 1, true), out)
    out, code = T.sh(T.quote(T.bin) .. " run --watch /nonexistent/x.lua " ..
                     "2>&1")
    T.eq(code, 1)
    T.ok(out:find("cannot open /nonexistent/x.lua", 1, true), out)
  end)
end
