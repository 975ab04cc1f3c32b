--- openclaw.reload: hot reload of the configuration and of Lua modules.
--
-- A background task watches (inotify, through openclaw.core.fs.watch)
-- every config layer file (the shipped config.lua, openclaw.json, the
-- user's config.lua, extra --config files) and the files of the reloadable
-- Lua modules that have been loaded. Bursts of events are coalesced
-- (QUIET_MS of quiet). Then:
--
--   * config: config.load (text only, fresh sandbox, instruction budget,
--     validation) with the options of the first load; on success the new
--     table replaces the current one (tables are never edited in place,
--     so a turn that captured the old one finishes with it) and one line
--     `config reloaded: <changed keys = values, secrets masked>` is
--     printed; on failure `config not reloaded: <file>:<line>: <error>`
--     and the last good config stays.
--   * modules: each changed module is loaded again from its file (text
--     only, instruction budget) and replaces package.loaded[name]; a
--     module that fails to load keeps the old one (`module not reloaded:
--     <file>:<line>: <error>`). State hook: old.__reload_state() -> state,
--     then new.__on_reload(state, old). While a turn holds the reloader
--     (M.hold()), module swaps wait for the end of the turn.
--
-- Reloadable modules: those found in an OPENCLAW_LUA_PATH folder, and
-- providers.*, agents.* and tools.* from openclaw's own lua/ folder. The
-- runtime itself (openclaw, openclaw.*) is never reloaded.
--
--   reload.start{ load = <config.load options>, config = cfg, out = fn,
--                 watch = true }       begin (chat, run --watch)
--   reload.stop()                      stop and forget everything
--   reload.disable()                   --no-reload: never watch
--   reload.config() -> cfg             the current config (starts lazily)
--   reload.on_reload(fn) -> unsubscribe   fn(cfg, changed)
--   reload.reload() -> changed | nil, message    reload now
--   reload.hold() -> token <close>     defer module swaps (one turn)
--   reload.active() -> boolean         files are being watched
--   reload.changes(old, new) -> { key, ... }, { key = value text }
--   reload.watch_script(script, arg, opts)   openclaw run --watch
local config = require("openclaw.config")
local errors = require("openclaw.errors")
local json = require("openclaw.json")
local sched = require("openclaw.sched")
local util = require("openclaw.util")

local M = {}

--- Milliseconds without a new event before a burst is applied.
M.QUIET_MS = 20
--- Lua instructions the top level of a reloaded module may run.
M.MODULE_BUDGET = 10000000
--- Changed keys shown in one `config reloaded:` line.
M.MAX_SHOWN = 6
--- Folders of openclaw's lua/ whose modules are reloadable.
M.OWN_PREFIXES = { "providers", "agents", "tools" }

local S          -- the state; see reset()
local enabled = true

local function reset()
  S = {
    cfg = nil,            -- the current config (never edited in place)
    load_opts = {},       -- options of config.load
    warnings = {},        -- warning lines of the last load (set)
    out = nil,            -- function(line)
    watch = nil,          -- openclaw.fs.watch while watching
    task = nil,           -- the watching task
    config_files = {},    -- absolute path -> true
    modules = {},         -- module name -> absolute path
    by_file = {},         -- absolute path -> module name
    callbacks = {},       -- list of functions
    holds = 0,            -- turns in flight
    pending = {},         -- module name -> true, applied at release
    searcher = nil,       -- our wrapper in package.searchers
    orig_searcher = nil,
  }
end
reset()

local first_line = util.first_line
local deep_equal = util.deep_equal

local function emit(line)
  if S.out then
    local ok = pcall(S.out, line)
    if ok then return end
  end
  io.stderr:write(line, "\n")
  io.stderr:flush()
end

-- a path for messages: the home folder as "~" (like config messages)
local function display(path)
  local home = (S.load_opts.env or {}).HOME or os.getenv("HOME")
  return config.display(path, home)
end

-- diffs ---------------------------------------------------------------------

local function show(key, v)
  local ok, text = pcall(json.encode, config.mask(key, v))
  if not ok then text = tostring(v) end
  if #text > 60 then text = text:sub(1, 57) .. "..." end
  return text
end

--- The key paths whose values differ between two configs (sorted), and
-- for each a short text "key = value" / "key (removed)" with secrets
-- masked.
function M.changes(old, new)
  local a, b = {}, {}
  for _, leaf in ipairs(config.flatten(old or {})) do a[leaf.key] = leaf end
  for _, leaf in ipairs(config.flatten(new or {})) do b[leaf.key] = leaf end
  local keys, text = {}, {}
  for k, leaf in pairs(b) do
    if not a[k] or not deep_equal(a[k].value, leaf.value) then
      keys[#keys + 1] = k
      text[k] = k .. " = " .. show(leaf.segs, leaf.value)
    end
  end
  for k in pairs(a) do
    if not b[k] then
      keys[#keys + 1] = k
      text[k] = k .. " (removed)"
    end
  end
  table.sort(keys)
  return keys, text
end

local function summary(keys, text)
  if #keys == 0 then return "no changes" end
  local parts = {}
  for i = 1, math.min(#keys, M.MAX_SHOWN) do parts[i] = text[keys[i]] end
  local s = table.concat(parts, ", ")
  if #keys > M.MAX_SHOWN then
    s = s .. (" (+%d more)"):format(#keys - M.MAX_SHOWN)
  end
  return s
end

-- callbacks -----------------------------------------------------------------

local function notify(changed)
  for _, fn in ipairs({ table.unpack(S.callbacks) }) do
    local ok, err = pcall(fn, S.cfg, changed)
    if not ok then
      if err == sched.INTERRUPTED or err == sched.CANCELLED then
        error(err, 0)
      end
      emit("on_reload callback failed: " .. first_line(err))
    end
  end
end

-- a new reference for the current config (same contents), so code that
-- compares references (the chat) rebuilds what depends on modules
local function renew_config()
  local c = {}
  for k, v in pairs(S.cfg) do c[k] = v end
  S.cfg = setmetatable(c, getmetatable(S.cfg))
end

-- config --------------------------------------------------------------------

local stop_watching

-- returns true, keys | nil, message
local function reload_config()
  local cfg, err, warnings = config.load(S.load_opts)
  if not cfg then
    emit("config not reloaded: " .. first_line(err))
    return nil, err
  end
  local seen = {}
  for _, w in ipairs(warnings or {}) do
    seen[w] = true
    if not S.warnings[w] then emit("openclaw: warning: " .. w) end
  end
  S.warnings = seen
  local keys, text = M.changes(S.cfg, cfg)
  S.cfg = cfg
  local line = "config reloaded: " .. summary(keys, text)
  if cfg.reload == false and S.watch then
    line = line .. " (no longer watching files)"
  end
  emit(line)
  return true, keys
end

-- modules -------------------------------------------------------------------

-- run chunk(...) in a coroutine of its own under an instruction budget;
-- past it every instruction raises, so a pcall inside the module cannot
-- swallow the error. Returns true, result | false, error. (Blocking calls
-- at the top level of a module still work; they block the host, as
-- outside a task.)
local function run_budgeted(chunk, label, ...)
  local co = coroutine.create(chunk)
  local ticks, limit = 0, math.max(1, M.MODULE_BUDGET // 1000)
  local msg
  local function hook()
    ticks = ticks + 1
    if not msg then
      if ticks <= limit then return end
      msg = label .. ": took too long (instruction budget exceeded)"
      debug.sethook(co, hook, "", 1)
    end
    error(msg, 2)
  end
  debug.sethook(co, hook, "", 1000)
  local ok, res = coroutine.resume(co, ...)
  if ok and coroutine.status(co) ~= "dead" then
    return false, label .. ": the module yielded while loading"
  end
  if msg then return false, msg end
  return ok, res
end

local function error_text(err, label)
  if type(err) == "string" then return first_line(err) end
  if type(err) == "table" and getmetatable(err)
     and getmetatable(err).__tostring then
    return first_line(tostring(err))
  end
  return ("%s: error object is a %s value"):format(label, type(err))
end

-- load module `name` again from `path`; keeps the old one on failure.
-- Returns true when it was replaced.
local function reload_module(name, path)
  local old = package.loaded[name]
  if old == nil then return false end          -- never loaded: nothing to do
  local f = io.open(path, "r")
  if not f then return false end               -- removed: keep what we have
  f:close()
  local label = display(path)
  local chunk, lerr = loadfile(path, "t")
  if not chunk then
    lerr = first_line(lerr)
    if lerr:sub(1, #path) == path then lerr = label .. lerr:sub(#path + 1) end
    emit("module not reloaded: " .. lerr)
    return false
  end
  local state
  if type(old) == "table" and type(old.__reload_state) == "function" then
    local ok, st = pcall(old.__reload_state)
    if ok then
      state = st
    else
      emit(("module %s: __reload_state failed: %s"):format(name,
        error_text(st, label)))
    end
  end
  package.loaded[name] = nil
  local ok, res = run_budgeted(chunk, label, name, path)
  if not ok then
    package.loaded[name] = old
    if res == sched.INTERRUPTED or res == sched.CANCELLED then
      error(res, 0)
    end
    local e = error_text(res, label)
    if e:sub(1, #path) == path then e = label .. e:sub(#path + 1) end
    if e:sub(1, #label + 1) ~= label .. ":" then e = label .. ": " .. e end
    emit("module not reloaded: " .. e)
    return false
  end
  if res ~= nil then
    package.loaded[name] = res
  elseif package.loaded[name] == nil then
    package.loaded[name] = true
  end
  local new = package.loaded[name]
  if type(new) == "table" and type(new.__on_reload) == "function" then
    local hok, herr = pcall(new.__on_reload, state, old)
    if not hok then
      emit(("module %s: __on_reload failed: %s"):format(name,
        error_text(herr, label)))
    end
  end
  emit("module reloaded: " .. name)
  return true
end

local function reload_modules(names)
  table.sort(names)
  local done = {}
  for _, name in ipairs(names) do
    local path = S.modules[name]
    if path and reload_module(name, path) then done[#done + 1] = name end
  end
  return done
end

-- tracking modules ----------------------------------------------------------

-- openclaw's lua/ folder and the user's folders (OPENCLAW_LUA_PATH, or
-- start{ lua_path = {...} })
local function lua_dirs()
  if S.own_dirs then return S.own_dirs, S.user_dirs end
  local own = {}
  local ok, host = pcall(require, "openclaw.host")
  if ok and type(host) == "table" and host.lua_dir then
    own[#own + 1] = host.lua_dir
  end
  local user = S.lua_path
  if not user then
    user = {}
    for dir in (os.getenv("OPENCLAW_LUA_PATH") or ""):gmatch("[^:]+") do
      user[#user + 1] = dir
    end
  end
  S.own_dirs, S.user_dirs = own, user
  return own, user
end

local function under(file, dir)
  return file:sub(1, #dir + 1) == dir .. "/"
end

--- True when module `name`, loaded from `file`, may be reloaded.
function M.reloadable(name, file)
  if name == "openclaw" or name:find("^openclaw%.") then return false end
  local own, user = lua_dirs()
  for _, d in ipairs(user) do
    if under(file, d) then return true end
  end
  local top = name:match("^([^.]+)%.")
  for _, d in ipairs(own) do
    if under(file, d) then
      for _, p in ipairs(M.OWN_PREFIXES) do
        if top == p then return true end
      end
    end
  end
  return false
end

local function watch_add(path)
  if not S.watch then return nil end
  local abs = S.watch:add(path)
  return abs
end

local function track(name, file)
  if S.modules[name] or not M.reloadable(name, file) then return end
  local abs = watch_add(file)
  if abs then
    S.modules[name] = abs
    S.by_file[abs] = name
  end
end

local function install_searcher()
  local orig = package.searchers[2]
  if type(orig) ~= "function" or S.searcher then return end
  local function searcher(name, ...)
    local loader, file = orig(name, ...)
    if type(loader) == "function" and type(file) == "string" and S.watch
       then
      pcall(track, name, file)
    end
    return loader, file
  end
  S.orig_searcher, S.searcher = orig, searcher
  package.searchers[2] = searcher
end

local function remove_searcher()
  if S.searcher and package.searchers[2] == S.searcher then
    package.searchers[2] = S.orig_searcher
  end
  S.searcher, S.orig_searcher = nil, nil
end

local function scan_loaded()
  local names = {}
  for name in pairs(package.loaded) do
    if type(name) == "string" then names[#names + 1] = name end
  end
  table.sort(names)
  for _, name in ipairs(names) do
    if name ~= "openclaw" and not name:find("^openclaw%.") then
      local file = package.searchpath(name, package.path)
      if file then track(name, file) end
    end
  end
end

-- applying ------------------------------------------------------------------

local function apply_modules_now(names, files)
  local done = reload_modules(names)
  if #done > 0 then
    renew_config()
    local changed = { files = files or {}, modules = done }
    notify(changed)
  end
end

-- apply a set of changed files (absolute path -> true)
local function apply(set)
  local files, names, cfg_changed = {}, {}, false
  for path in pairs(set) do
    files[#files + 1] = path
    if S.config_files[path] then cfg_changed = true end
    local name = S.by_file[path]
    if name then names[#names + 1] = name end
  end
  table.sort(files)
  local done = {}
  if #names > 0 then
    if S.holds > 0 then
      for _, n in ipairs(names) do S.pending[n] = true end
    else
      done = reload_modules(names)
    end
  end
  local keys
  if cfg_changed then
    local ok, k = reload_config()
    if ok then keys = k end
  end
  if keys or #done > 0 then
    if not keys then renew_config() end
    local changed = keys or {}
    changed.files, changed.modules = files, done
    notify(changed)
  end
  if S.cfg and S.cfg.reload == false and S.watch then stop_watching() end
end

local function watcher(w)
  while S.watch == w do
    local list = w:read()
    if not list then
      sched.wait_watch(w)
    else
      local set = {}
      for _, p in ipairs(list) do set[p] = true end
      while true do                     -- coalesce a burst
        sched.sleep(M.QUIET_MS)
        if S.watch ~= w then return end
        local more = w:read()
        if not more then break end
        for _, p in ipairs(more) do set[p] = true end
      end
      local ok, err = pcall(apply, set)
      if not ok then
        if err == sched.INTERRUPTED or err == sched.CANCELLED then
          error(err, 0)
        end
        emit("openclaw: reload failed: " .. first_line(err))
      end
    end
  end
end

function stop_watching()
  local w, task = S.watch, S.task
  S.watch, S.task = nil, nil
  remove_searcher()
  if w then w:close() end
  if task and task ~= sched.current() then task:cancel() end
end

local function start_watching()
  if S.watch or not enabled then return end
  local fs = require("openclaw.core.fs")
  local w = fs.watch()
  if not w then return end      -- no inotify: reload() still works
  S.watch = w
  local paths = config.paths(S.load_opts.env)
  local list = { paths.json, paths.user_lua,
                 S.load_opts.shipped or paths.shipped }
  for _, p in ipairs(S.load_opts.extra_files or config.extra_files) do
    list[#list + 1] = p
  end
  for _, p in ipairs(list) do
    local abs = p and w:add(p)
    if abs then S.config_files[abs] = true end
  end
  scan_loaded()
  install_searcher()
  S.task = sched.spawn(watcher, w)
end

-- the public API ------------------------------------------------------------

--- Start reloading. opts: load (the options config.load was given: env,
-- shipped, flags, extra_files), config (the config already loaded with
-- them; loaded here when absent), out (function(line) printing one
-- notice; default stderr), watch (false: no file watching, reload() only),
-- lua_path (the user's module folders; default OPENCLAW_LUA_PATH).
-- Returns the current config, or nil, message when it cannot be loaded.
-- Watching is off after disable() and when the config says reload = false.
function M.start(opts)
  opts = opts or {}
  M.stop()
  S.load_opts = opts.load or {}
  S.out = opts.out
  S.lua_path = opts.lua_path
  local cfg = opts.config
  if cfg == nil then
    local c, err, warnings = config.load(S.load_opts)
    if not c then return nil, err end
    cfg = c
    for _, w in ipairs(warnings or {}) do S.warnings[w] = true end
  end
  if opts.config ~= nil then
    -- the warnings already shown with it, so a reload repeats none
    local c, _, warnings = config.load(S.load_opts)
    for _, w in ipairs(c and warnings or {}) do S.warnings[w] = true end
  end
  S.cfg = cfg
  if opts.watch ~= false and cfg.reload ~= false then start_watching() end
  return cfg
end

--- Stop watching and forget the state (config, callbacks, tracking).
function M.stop()
  stop_watching()
  reset()
end

--- Turn reloading off for this process (--no-reload): later starts load
-- the config but watch nothing.
function M.disable()
  enabled = false
  stop_watching()
end

--- Undo disable() (tests).
function M.enable()
  enabled = true
end

--- True while files are being watched.
function M.active()
  return S.watch ~= nil
end

--- The files being watched (absolute paths, sorted).
function M.files()
  if not S.watch then return {} end
  local t = S.watch:files()
  table.sort(t)
  return t
end

local function ensure()
  if S.cfg == nil then
    local cfg, err = M.start{}
    if not cfg then errors.fail("%s", err) end
  end
end

--- The current configuration (started on first use with the process
-- environment; a config that cannot be loaded raises one line).
function M.config()
  ensure()
  return S.cfg
end

--- Call fn(cfg, changed) after every successful reload; changed is the
-- list of changed config key paths, with changed.files (the files that
-- changed) and changed.modules (the modules reloaded). Returns a function
-- that unsubscribes fn.
function M.on_reload(fn)
  if type(fn) ~= "function" then
    error("openclaw.on_reload: expected a function, got " .. type(fn), 2)
  end
  ensure()
  local list = S.callbacks
  list[#list + 1] = fn
  return function()
    for i = #list, 1, -1 do
      if list[i] == fn then table.remove(list, i) end
    end
  end
end

--- Forget the on_reload callbacks (run --watch, before a restart).
function M.clear_callbacks()
  S.callbacks = {}
end

--- Reload now: the config, and every tracked module. Returns changed
-- (as on_reload gets it) or nil, message when the config is broken (the
-- last good one stays).
function M.reload()
  ensure()
  local names = {}
  for name in pairs(S.modules) do names[#names + 1] = name end
  local done = {}
  if S.holds > 0 then
    for _, n in ipairs(names) do S.pending[n] = true end
  else
    done = reload_modules(names)
  end
  local ok, keys = reload_config()
  if not ok then
    if #done > 0 then
      renew_config()
      notify({ files = {}, modules = done })
    end
    return nil, keys
  end
  keys.files, keys.modules = {}, done
  notify(keys)
  if S.cfg.reload == false and S.watch then stop_watching() end
  return keys
end

local Hold = {}
Hold.__index = Hold
function Hold:release()
  if self.done or self.state ~= S then return end
  self.done = true
  S.holds = S.holds - 1
  if S.holds == 0 and next(S.pending) then
    local names = {}
    for n in pairs(S.pending) do names[#names + 1] = n end
    S.pending = {}
    apply_modules_now(names)
  end
end
Hold.__close = Hold.release

--- Defer module swaps while a turn runs: returns a token whose release()
-- (or <close>) applies the modules that changed meanwhile.
function M.hold()
  S.holds = S.holds + 1
  return setmetatable({ state = S }, Hold)
end

-- run --watch ---------------------------------------------------------------

-- wait until a watched file changes, then for a pause in the burst of
-- events (editors write in several steps)
local function wait_change(w)
  while true do
    if w:read() then
      repeat sched.sleep(M.QUIET_MS) until not w:read()
      return
    end
    sched.wait_watch(w)
  end
end

-- the body of one run of the script: errors are reported when they
-- happen; cancel and Ctrl-C go on unwinding
local function run_once(fn, a)
  local function handler(e)
    if type(e) == "string" then
      return { e = e, tb = debug.traceback(e, 2) }
    end
    return { e = e }
  end
  local ok, r = xpcall(fn, handler, table.unpack(a, 1, #a))
  io.stdout:flush()
  if ok then
    io.stderr:write("script finished: waiting for changes (Ctrl-C to ",
                    "quit)\n")
    return
  end
  if r.e == sched.CANCELLED or r.e == sched.INTERRUPTED then
    error(r.e, 0)
  end
  require("openclaw.cli").report(r.e, r.tb)
  io.stderr:write("script failed: waiting for changes (Ctrl-C to quit)\n")
end

--- `openclaw run --watch`: run the script as a task and start it again
-- whenever its file is saved (the old task is cancelled first, so its
-- transfers close; its on_reload callbacks are dropped). Config files
-- and modules are hot-reloaded meanwhile unless opts.reload is false.
-- opts.load(path) -> function compiles the script (raising one-line
-- errors); opts.exit replaces os.exit. Returns only by raising (Ctrl-C).
function M.watch_script(script, a, opts)
  local fs = require("openclaw.core.fs")
  local w, werr = fs.watch()
  if not w then errors.fail("cannot watch %s: %s", script, werr) end
  local _w <close> = w
  local f = io.open(script, "rb")
  if not f then opts.load(script) end       -- raises the usual message
  f:close()
  local ok, aerr = w:add(script)
  if not ok then errors.fail("cannot watch %s: %s", script, aerr) end
  if opts.reload ~= false then
    local cfg, cerr = M.start{}
    if not cfg then
      io.stderr:write("openclaw: warning: no hot reload: ", cerr, "\n")
    end
  end
  if opts.exit then os.exit = opts.exit end
  while true do
    local lok, fn = pcall(opts.load, script)
    local task
    if lok then
      _G.arg = a
      task = sched.spawn(run_once, fn, a)
    else
      io.stderr:write("openclaw: ", errors.is(fn) and fn.message or
        tostring(fn), "\n", "script failed: waiting for changes ",
        "(Ctrl-C to quit)\n")
    end
    wait_change(w)
    if task then
      task:cancel()
      pcall(task.wait, task)
    end
    M.clear_callbacks()
    io.stdout:flush()
    io.stderr:write("script changed: restarting\n")
  end
end

return M
