--- openclaw run SCRIPT.lua [ARGS...]: run a Lua script inside the host.
--
-- Like `lua5.4 script.lua`: the global `arg` holds the arguments (arg[0]
-- is the script), `...` too; `-` reads the script from standard input.
-- The script runs as the main task, so it can use openclaw.http, tasks,
-- sleep... An uncaught error prints `openclaw: <file>:<line>: <message>`
-- and a traceback, exit 1; os.exit(n) closes transfers and exits n.
--
-- --watch: the script runs as a task; when its file changes, the task is
-- cancelled (its transfers close as the error unwinds) and the script
-- starts again; config files and reloadable modules are hot-reloaded
-- without a restart (openclaw.reload). --no-reload: no hot reload (the
-- script is still restarted under --watch).
local errors = require("openclaw.errors")
local loop = require("openclaw.core.loop")

local M = {
  name = "run",
  summary = "run a Lua script inside the host",
  usage = "openclaw run [--watch] [--no-reload] SCRIPT.lua|- [ARGS...]",
  help = [[
The script runs as a task: blocking calls (openclaw.http.request,
openclaw.sleep, task:wait()) only block the calling task. The global `arg`
and `...` hold the arguments; `openclaw run -` reads the script from
standard input. Exit status: the script's os.exit code, 1 on an uncaught
error, 130 on Ctrl-C.

  --watch      restart the script whenever its file is saved (its tasks
               and transfers are cancelled first); config files and Lua
               modules are hot-reloaded without a restart; runs until
               Ctrl-C (130) or os.exit
  --no-reload  no hot reload of config files and modules (openclaw.config()
               stays the config loaded first)]],
}

-- load_script(path) - compile the script; user mistakes raise one line
local function load_script(path)
  if path == "-" then
    local text = io.stdin:read("a")
    local fn, err = load(text, "=stdin", "bt")
    if not fn then errors.fail("%s", err) end
    return fn
  end
  local f, oerr = io.open(path, "rb")
  if not f then
    errors.fail("cannot open %s: %s", path,
      (oerr or ""):gsub("^[^:]*: ", ""))
  end
  local ok, text = pcall(f.read, f, "a")
  f:close()
  if not ok or text == nil then
    local lfs = require("lfs")
    if lfs.attributes(path, "mode") == "directory" then
      errors.fail("cannot run %s: it is a directory", path)
    end
    errors.fail("cannot read %s", path)
  end
  if text:sub(1, 1) == "#" then text = "--" .. text end  -- shebang
  local fn, err = load(text, "@" .. path, "t")
  if not fn then errors.fail("%s", err) end
  return fn
end

function M.run(argv)
  local i, watching, reload_on = 1, false, true
  while argv[i] do
    local opt = argv[i]
    if opt == "--" then
      i = i + 1
      break
    elseif opt == "--watch" then
      watching = true
    elseif opt == "--no-reload" then
      reload_on = false
    elseif opt:sub(1, 1) == "-" and opt ~= "-" then
      local near = errors.closest(opt, { "--watch", "--no-reload" })
      errors.usage("openclaw run: unknown option '%s'%s", opt,
        near and (" (did you mean '" .. near .. "'?)") or "")
    else
      break
    end
    i = i + 1
  end
  local script = argv[i]
  if not script then
    errors.usage("openclaw run: missing script; usage: %s", M.usage)
  end
  if watching and script == "-" then
    errors.usage("openclaw run: --watch needs a script file, not '-'")
  end
  if not reload_on then require("openclaw.reload").disable() end
  local a = { [0] = script, [-1] = "openclaw run" }
  for j = i + 1, #argv do a[#a + 1] = argv[j] end
  if watching then
    return require("openclaw.reload").watch_script(script, a, {
      reload = reload_on, load = load_script, exit = loop.exit })
  end
  local fn = load_script(script)
  _G.arg = a
  os.exit = loop.exit
  fn(table.unpack(a, 1, #a))
  return 0
end

return M
