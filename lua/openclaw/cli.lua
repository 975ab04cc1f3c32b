--- openclaw.cli: the command line. main(argv) -> exit code.
--
-- `openclaw <command> [args]`; each command is a module
-- `openclaw.commands.<name>` returning
-- { name, summary, usage, help (optional long text), run(argv, ctx) }.
-- Everything runs as the main task of the scheduler, so commands can use
-- HTTP and tasks freely. User mistakes raise openclaw.errors objects and
-- print as one line; exit codes: 0 ok, 1 failure, 2 usage, 130 Ctrl-C.
local errors = require("openclaw.errors")
local sched = require("openclaw.sched")
local host = require("openclaw.host")

local M = {}

-- Commands in the order `openclaw help` lists them.
M.commands = { "agent", "chat", "sessions", "models", "onboard", "config",
               "run", "tts", "image" }

--- Add a command (name of a module under openclaw.commands).
function M.register(name)
  M.commands[#M.commands + 1] = name
end

local function load_command(name)
  local ok, mod = pcall(require, "openclaw.commands." .. name)
  if ok then return mod end
  error(mod, 0)
end

-- installed(name) - the command's module exists on package.path
local function installed(name)
  return package.searchpath("openclaw.commands." .. name,
                            package.path) ~= nil
end

local function known(name)
  for _, c in ipairs(M.commands) do
    if c == name then return installed(c) end
  end
  return false
end

local function version_text()
  local http = require("openclaw.core.http")
  return ("openclaw %s (%s, libcurl %s)"):format(host.version,
    host.lua_version, http.curl_version())
end

local function usage_text()
  local lines = {
    "usage: openclaw <command> [options]",
    "",
    "commands:",
  }
  for _, name in ipairs(M.commands) do
    if installed(name) then
      local cmd = load_command(name)
      lines[#lines + 1] = ("  %-10s %s"):format(name, cmd.summary or "")
    end
  end
  lines[#lines + 1] = ""
  lines[#lines + 1] = "options:"
  lines[#lines + 1] = "  --version  print versions of openclaw, Lua and libcurl"
  lines[#lines + 1] = "  --help     this text; 'openclaw help <command>' for one command"
  lines[#lines + 1] = "  --config FILE  an extra config layer (JSON5, or Lua if *.lua) over"
  lines[#lines + 1] = "             openclaw.json and config.lua; watched for hot reload"
  return table.concat(lines, "\n") .. "\n"
end

local function command_help(name)
  local cmd = load_command(name)
  local text = "usage: " .. (cmd.usage or ("openclaw " .. name)) .. "\n"
  if cmd.summary then text = text .. "\n" .. cmd.summary .. "\n" end
  if cmd.help then text = text .. "\n" .. cmd.help .. "\n" end
  return text
end

local function unknown_command(name)
  local near = errors.closest(name, M.commands)
  errors.usage("unknown command '%s'%s", name, near and
    (" (did you mean '" .. near .. "'?)") or "; see 'openclaw --help'")
end

-- take_config(list, stop) - remove `--config FILE` / `--config=FILE` from
-- list (up to the first positional argument when stop is set) and record
-- the files as an extra config layer; returns the remaining list
local function take_config(list, stop)
  local out, files, i = {}, {}, 1
  while i <= #list do
    local a = list[i]
    local inline = a:match("^%-%-config=(.*)$")
    if a == "--config" or inline then
      local v = inline or list[i + 1]
      if not v or v == "" then
        errors.usage("--config needs a file: openclaw --config FILE " ..
                     "<command> ...")
      end
      files[#files + 1] = v
      i = i + (inline and 1 or 2)
    elseif a == "--" or (stop and a:sub(1, 1) ~= "-") then
      table.move(list, i, #list, #out + 1, out)
      break
    else
      out[#out + 1] = a
      i = i + 1
    end
  end
  if #files > 0 then
    local extra = require("openclaw.config").extra_files
    for _, f in ipairs(files) do extra[#extra + 1] = f end
  end
  return out
end

-- dispatch(argv) - runs inside the main task; returns the exit code
local function dispatch(argv)
  argv = take_config(argv, true)
  local first = argv[1]
  if first == nil or first == "--help" or first == "-h" then
    io.stdout:write(usage_text())
    return first == nil and 2 or 0
  end
  if first == "--version" or first == "-V" or first == "version" then
    io.stdout:write(version_text(), "\n")
    return 0
  end
  if first == "help" then
    local name = argv[2]
    if not name then io.stdout:write(usage_text()) return 0 end
    if not known(name) then unknown_command(name) end
    io.stdout:write(command_help(name))
    return 0
  end
  if first:sub(1, 1) == "-" then
    local near = errors.closest(first, { "--help", "--version" })
    errors.usage("unknown option '%s'%s", first, near and
      (" (did you mean '" .. near .. "'?)") or "; see 'openclaw --help'")
  end
  if not known(first) then unknown_command(first) end
  local rest = table.move(argv, 2, #argv, 1, {})
  for _, a in ipairs(rest) do
    if a == "--help" or a == "-h" then
      if first ~= "run" or a == rest[1] then
        io.stdout:write(command_help(first))
        return 0
      end
      break
    end
  end
  if first ~= "run" then rest = take_config(rest, false) end
  local cmd = load_command(first)
  return cmd.run(rest, { argv = argv }) or 0
end

--- Report a failure of the main task; returns the exit code.
function M.report(err, traceback)
  if err == sched.INTERRUPTED then
    io.stderr:write("openclaw: interrupted\n")
    return 130
  end
  if errors.is(err) then
    io.stderr:write("openclaw: ", err.message, "\n")
    return err.exit
  end
  if err == sched.CANCELLED then
    io.stderr:write("openclaw: cancelled\n")
    return 1
  end
  io.stderr:write("openclaw: ", tostring(traceback or err), "\n")
  return 1
end

--- Entry point called by the C host with argv (argv[0] = program).
function M.main(argv)
  io.stdout:setvbuf("full")
  local ok, code, tb = sched.run(dispatch, argv)
  io.stdout:flush()
  if ok then return math.tointeger(code) or 0 end
  return M.report(code, tb)
end

return M
