--- openclaw run SCRIPT.lua [ARGS...]: run a Lua script inside the host.
--
-- Like `lua5.4 script.lua`: the global `arg` holds the arguments (arg[0]
-- is the script), `...` too; `-` reads the script from standard input.
-- The script runs as the main task, so it can use openclaw.http, tasks,
-- sleep... An uncaught error prints `openclaw: <file>:<line>: <message>`
-- and a traceback, exit 1; os.exit(n) closes transfers and exits n.
local errors = require("openclaw.errors")
local loop = require("openclaw.core.loop")

local M = {
  name = "run",
  summary = "run a Lua script inside the host",
  usage = "openclaw run [--watch] SCRIPT.lua|- [ARGS...]",
  help = [[
The script runs as a task: blocking calls (openclaw.http.request,
openclaw.sleep, task:wait()) only block the calling task. The global `arg`
and `...` hold the arguments; `openclaw run -` reads the script from
standard input. Exit status: the script's os.exit code, 1 on an uncaught
error, 130 on Ctrl-C.]],
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
  local i = 1
  if argv[1] == "--" then i = 2 end
  local script = argv[i]
  if not script then
    errors.usage("openclaw run: missing script; usage: %s", M.usage)
  end
  if script:sub(1, 1) == "-" and script ~= "-" then
    local near = errors.closest(script, { "--watch" })
    errors.usage("openclaw run: unknown option '%s'%s", script,
      near and (" (did you mean '" .. near .. "'?)") or "")
  end
  local fn = load_script(script)
  local a = { [0] = script, [-1] = "openclaw run" }
  for j = i + 1, #argv do a[#a + 1] = argv[j] end
  _G.arg = a
  os.exit = loop.exit
  fn(table.unpack(a, 1, #a))
  return 0
end

return M
