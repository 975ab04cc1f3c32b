--- openclaw.args: command-line flag parsing shared by every command.
--
--   local opts, pos = args.parse(argv, {
--     flags = { ["--json"] = "boolean", ["--model"] = "string",
--               ["--count"] = "integer", ["-n"] = "--count" },  -- alias
--     min = 0, max = 1,            -- positional argument counts
--     command = "openclaw models set",
--   })
--   local text = args.text(opts.message, ctx, "openclaw agent", "message",
--                          usage)   -- "-": standard input
--   args.unknown_subcommand(sub, { "get", "set" }, "openclaw config", usage)
--
-- Accepts `--flag value` and `--flag=value`; `--` ends flags. An unknown
-- flag raises a usage error naming the closest valid one; a missing or
-- malformed value raises a usage error. Keys of `opts` are the flag names
-- without leading dashes, with '-' turned into '_' (`--session-id` ->
-- opts.session_id).
local errors = require("openclaw.errors")

local M = {}

local function key_of(flag)
  return (flag:gsub("^%-+", ""):gsub("%-", "_"))
end

function M.parse(argv, spec)
  local flags = spec.flags or {}
  local cmd = spec.command or "openclaw"
  local opts, pos = {}, {}
  local names = {}
  for name in pairs(flags) do names[#names + 1] = name end
  table.sort(names)
  local i, n = 1, #argv
  while i <= n do
    local a = argv[i]
    if a == "--" then
      for j = i + 1, n do pos[#pos + 1] = argv[j] end
      break
    elseif a:sub(1, 1) == "-" and a ~= "-" and not a:match("^%-%d") then
      local name, inline = a:match("^(%-%-?[^=]+)=(.*)$")
      name = name or a
      local kind = flags[name]
      if type(kind) == "string" and kind:sub(1, 1) == "-" then
        name, kind = kind, flags[kind]
      end
      if not kind then
        local near = errors.closest(name, names)
        errors.usage("%s: unknown option '%s'%s", cmd, name,
          near and (" (did you mean '" .. near .. "'?)") or
          "; see 'openclaw help'")
      end
      local value
      if kind == "boolean" then
        if inline then
          errors.usage("%s: option '%s' takes no value", cmd, name)
        end
        value = true
      else
        value = inline
        if value == nil then
          i = i + 1
          value = argv[i]
          if value == nil then
            errors.usage("%s: option '%s' needs a value", cmd, name)
          end
        end
        if kind == "integer" or kind == "number" then
          local num = tonumber(value)
          if not num or (kind == "integer" and math.type(num) ~= "integer"
                         and num ~= math.floor(num)) then
            errors.usage("%s: option '%s' expects a%s number, got '%s'",
              cmd, name, kind == "integer" and " whole" or "", value)
          end
          value = kind == "integer" and math.tointeger(num) or num
        elseif kind == "list" then
          local prev = opts[key_of(name)] or {}
          prev[#prev + 1] = value
          value = prev
        end
      end
      opts[key_of(name)] = value
    else
      pos[#pos + 1] = a
    end
    i = i + 1
  end
  if spec.min and #pos < spec.min then
    errors.usage("%s: missing argument%s; usage: %s", cmd,
      spec.min - #pos > 1 and "s" or "", spec.usage or cmd)
  end
  if spec.max and #pos > spec.max then
    errors.usage("%s: unexpected argument '%s'; usage: %s", cmd,
      pos[spec.max + 1], spec.usage or cmd)
  end
  return opts, pos
end

--- The text of a TEXT argument: "-" reads standard input (ctx.stdin, else
-- io.stdin) without its final newline. A text with no visible character
-- is a usage error "<command>: the <what> is empty; usage: <usage>".
function M.text(text, ctx, command, what, usage)
  if text == "-" then
    local input = ctx.stdin or io.stdin
    local ok, data = pcall(input.read, input, "a")
    if not ok then error(data, 0) end
    text = (data or ""):gsub("\r?\n$", "")
  end
  if not text:find("%S") then
    errors.usage("%s: the %s is empty; usage: %s", command, what, usage)
  end
  return text
end

--- Raise the usage error for an unknown subcommand: "<command>: unknown
-- subcommand 'x' (did you mean 'y'?)", else "...; usage: <usage>".
function M.unknown_subcommand(sub, names, command, usage)
  local near = errors.closest(sub, names)
  errors.usage("%s: unknown subcommand '%s'%s", command, sub,
    near and (" (did you mean '" .. near .. "'?)") or
    ("; usage: " .. usage))
end

return M
