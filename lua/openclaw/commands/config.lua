--- `openclaw config`: show, get, set and unset configuration keys.
--
--   openclaw config show [KEY] [--json]   effective config, with origins
--   openclaw config get KEY [--json]      one value (JSON for tables)
--   openclaw config set KEY [VALUE]       write to openclaw.json
--   openclaw config unset KEY             remove from openclaw.json
--   openclaw config path                  where each layer lives
--
-- Secrets (API keys) are always printed masked ("sk-or-…abcd"). ctx may
-- carry: stdout, stderr (file-like objects), env (table of environment
-- variables), shipped (path of the shipped config.lua), flags and
-- config_files (passed to config.load as flags and extra_files).
local args = require("openclaw.args")
local errors = require("openclaw.errors")
local config = require("openclaw.config")
local json = require("openclaw.json")

local USAGE = "openclaw config show|get|set|unset|path ..."

local HELP = [[
subcommands:
  show [KEY] [--json]    print the effective configuration (or the part
                         under KEY): every value with the layer it came
                         from; secrets masked
  get KEY [--json]       print one value (tables as JSON)
  set KEY [VALUE]        write KEY to openclaw.json; VALUE is read as JSON
                         when it parses (8, true, ["a","b"], {"a":1},
                         "text") and as plain text otherwise; without
                         VALUE a secret key (apiKey, key) is asked for
                         with the input hidden
  unset KEY              remove KEY from openclaw.json
  path                   print the files of each layer

KEY is a dotted path; quote model refs with brackets:
  agents.defaults.models["openrouter/anthropic/claude-sonnet-4.5"].params
Lists take a 0-based index: agents.defaults.model.fallbacks[0].
openclaw.json is rewritten as plain JSON (comments are not kept); the
previous file is kept as openclaw.json.bak. See docs/config.md.]]

local SUBCOMMANDS = { "get", "path", "set", "show", "unset" }

local function out(ctx) return ctx.stdout or io.stdout end
local function err(ctx) return ctx.stderr or io.stderr end

local function load(ctx)
  local cfg, origins, warnings, info = config.load{
    env = ctx.env, shipped = ctx.shipped, flags = ctx.flags,
    extra_files = ctx.config_files,
  }
  if not cfg then errors.fail("%s", origins) end
  for _, w in ipairs(warnings) do
    err(ctx):write("openclaw: warning: ", w, "\n")
  end
  return cfg, origins, info
end

local function parse_key(text, cmd)
  local segs, perr = config.parse_key(text)
  if not segs then errors.usage("%s: %s", cmd, perr) end
  return segs
end

-- one-line JSON text of a (masked) value
local function inline(v)
  if type(v) == "table" and next(v) == nil and not json.is_array(v) then
    return "{}"
  end
  return json.encode(v)
end

-- the text `config get` prints for a value
local function plain(v)
  if type(v) == "string" then return v end
  if type(v) == "table" then return json.encode(v, { pretty = true }) end
  return json.encode(v)
end

-- true when leaf key `key` is `prefix` or lies below it
local function under(key, prefix)
  if prefix == nil or key == prefix then return true end
  local c = key:sub(#prefix + 1, #prefix + 1)
  return key:sub(1, #prefix) == prefix and (c == "." or c == "[")
end

local function unknown_or_unset(segs, text)
  local node, why = config.schema.node_at(segs)
  if not node and why == "unknown" then
    local tree, t = {}, nil
    t = tree
    for i = 1, #segs - 1 do
      t[segs[i]] = {}
      t = t[segs[i]]
    end
    t[segs[#segs]] = true
    local _, _, warns = config.schema.check(tree, "")
    local near = warns[1] and warns[1]:match("%(did you mean (.-)%?%)")
    errors.fail("unknown key %s%s", text,
      near and (" (did you mean " .. near .. "?)") or "")
  end
  errors.fail("%s is not set", text)
end

local function cmd_show(argv, ctx)
  local opts, pos = args.parse(argv, {
    flags = { ["--json"] = "boolean" }, max = 1,
    command = "openclaw config show", usage = "openclaw config show " ..
      "[KEY] [--json]",
  })
  local prefix
  if pos[1] then
    prefix = config.format_key(parse_key(pos[1], "openclaw config show"))
  end
  local cfg, origins = load(ctx)
  local rows = {}
  for _, leaf in ipairs(config.flatten(cfg)) do
    local v = leaf.value
    local empty_obj = type(v) == "table" and next(v) == nil
      and not json.is_array(v)
    if under(leaf.key, prefix) and not empty_obj then
      rows[#rows + 1] = { key = leaf.key,
                          value = config.mask(leaf.segs, v),
                          origin = origins[leaf.key] or "default" }
    end
  end
  if prefix and #rows == 0 then
    unknown_or_unset(parse_key(pos[1], "openclaw config show"), prefix)
  end
  local o = out(ctx)
  if opts.json then
    local sub = prefix and config.get(cfg, prefix) or cfg
    local org = {}
    for _, r in ipairs(rows) do org[r.key] = r.origin end
    o:write(json.encode({ config = config.mask(prefix or {}, sub),
                          origins = org }, { pretty = true }), "\n")
    return 0
  end
  local width = 0
  local lines, widths = {}, {}
  for i, r in ipairs(rows) do
    lines[i] = r.key .. " = " .. inline(r.value)
    widths[i] = utf8.len(lines[i]) or #lines[i]
    if widths[i] > width and widths[i] <= 64 then width = widths[i] end
  end
  for i, r in ipairs(rows) do
    o:write(lines[i], (" "):rep(math.max(1, width - widths[i] + 2)),
            "(", r.origin, ")\n")
  end
  return 0
end

local function cmd_get(argv, ctx)
  local opts, pos = args.parse(argv, {
    flags = { ["--json"] = "boolean" }, min = 1, max = 1,
    command = "openclaw config get", usage = "openclaw config get KEY " ..
      "[--json]",
  })
  local segs = parse_key(pos[1], "openclaw config get")
  local cfg = load(ctx)
  local v = config.get(cfg, segs)
  if v == nil then unknown_or_unset(segs, config.format_key(segs)) end
  v = config.mask(segs, v)
  local o = out(ctx)
  if opts.json then
    o:write(json.encode(v, { pretty = true }), "\n")
  else
    o:write(plain(v), "\n")
  end
  return 0
end

-- after an edit: tell when another layer still decides the value
local function note_override(ctx, segs, label)
  local cfg, origins = config.load{
    env = ctx.env, shipped = ctx.shipped, extra_files = ctx.config_files,
  }
  if not cfg then
    err(ctx):write("openclaw: warning: the configuration does not load: ",
                   origins, "\n")
    return
  end
  local key = config.format_key(segs)
  local origin = origins[key]
  if origin == nil then
    for k, o in pairs(origins) do
      local c = k:sub(#key + 1, #key + 1)
      if k:sub(1, #key) == key and (c == "." or c == "[") then
        origin = o
        break
      end
    end
  end
  if origin and origin ~= label and origin ~= "default" then
    local v = config.get(cfg, segs)
    err(ctx):write(("note: %s is also set by %s, which wins (effective " ..
      "value: %s)\n"):format(key, origin,
      v == nil and "unset" or inline(config.mask(segs, v))))
  end
end

local function cmd_set(argv, ctx)
  local opts, pos = args.parse(argv, {
    flags = { ["--force"] = "boolean" }, min = 1, max = 2,
    command = "openclaw config set",
    usage = "openclaw config set KEY VALUE",
  })
  local segs = parse_key(pos[1], "openclaw config set")
  local key = config.format_key(segs)
  local text = pos[2]
  local secret = config.schema.is_secret(segs)
  if text == nil then
    if not secret then
      errors.usage("openclaw config set: missing VALUE; usage: " ..
        "openclaw config set KEY VALUE")
    end
    local fs = require("openclaw.core.fs")
    local line, rerr = fs.read_hidden(("Value for %s (input hidden): ")
                                      :format(key))
    if not line then errors.fail("%s: %s", key, rerr) end
    if line == "" then errors.fail("%s: no value entered; nothing was " ..
                                   "written", key) end
    text = line
  end
  local value, verr = config.parse_value(segs, text)
  if value == nil then errors.usage("openclaw config set: %s", verr) end
  local paths = config.paths(ctx.env)
  local label = config.display(paths.json, paths.home)
  local ok, info = config.set_file_value(paths.json, segs, value,
                                         { label = label,
                                           force = opts.force })
  if not ok then errors.fail("%s", config.scrub(info, { text })) end
  out(ctx):write(("Set %s = %s in %s%s\n"):format(key,
    inline(config.mask(segs, value)), label,
    info.created and " (new file, mode 0600)" or
    " (previous version kept as " .. label .. ".bak)"))
  note_override(ctx, segs, label)
  return 0
end

local function cmd_unset(argv, ctx)
  local _, pos = args.parse(argv, {
    flags = {}, min = 1, max = 1,
    command = "openclaw config unset", usage = "openclaw config unset KEY",
  })
  local segs = parse_key(pos[1], "openclaw config unset")
  local key = config.format_key(segs)
  local paths = config.paths(ctx.env)
  local label = config.display(paths.json, paths.home)
  local ok, info = config.unset_file_value(paths.json, segs,
                                           { label = label })
  if not ok then errors.fail("%s", info) end
  if info.removed then
    out(ctx):write(("Removed %s from %s (previous version kept as " ..
      "%s.bak)\n"):format(key, label, label))
  else
    out(ctx):write(("%s is not set in %s; nothing to do\n"):format(key,
      label))
  end
  note_override(ctx, segs, label)
  return 0
end

local function cmd_path(argv, ctx)
  args.parse(argv, { flags = {}, max = 0, command = "openclaw config path" })
  local p = config.paths(ctx.env)
  local function state(f)
    local h = io.open(f, "rb")
    if h then h:close() return "" end
    return "  (not present)"
  end
  local o = out(ctx)
  local shipped = ctx.shipped or p.shipped or "(not found)"
  local rows = {
    { "defaults", shipped, "" },
    { "openclaw.json", config.display(p.json, p.home), state(p.json) },
    { "config.lua", config.display(p.user_lua, p.home), state(p.user_lua) },
    { "state folder", config.display(p.state_dir, p.home), "" },
  }
  for _, r in ipairs(rows) do
    o:write(("%-14s %s%s\n"):format(r[1], r[2], r[3]))
  end
  return 0
end

local M = {
  name = "config",
  summary = "show, get, set or unset configuration keys",
  usage = USAGE,
  help = HELP,
}

function M.run(argv, ctx)
  ctx = ctx or {}
  local sub = argv[1]
  if sub == nil then
    errors.usage("openclaw config: missing subcommand; usage: %s", USAGE)
  end
  local rest = table.move(argv, 2, #argv, 1, {})
  if sub == "show" then return cmd_show(rest, ctx) end
  if sub == "get" then return cmd_get(rest, ctx) end
  if sub == "set" then return cmd_set(rest, ctx) end
  if sub == "unset" then return cmd_unset(rest, ctx) end
  if sub == "path" then return cmd_path(rest, ctx) end
  args.unknown_subcommand(sub, SUBCOMMANDS, "openclaw config", USAGE)
end

return M
