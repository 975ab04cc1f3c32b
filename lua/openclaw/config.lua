--- openclaw.config: load, merge, validate, query and edit configuration.
--
-- Layers, lowest first (docs/config.md):
--   1. "default"      the shipped config.lua (every default, commented)
--   2. openclaw.json  $OPENCLAW_STATE_DIR/openclaw.json (default
--                     ~/.openclaw), or $OPENCLAW_CONFIG_PATH; JSON5
--   3. config.lua     the user's Lua file beside openclaw.json: returns a
--                     table, or a function that edits the merged config
--   4. extra files    opts.extra_files (JSON5, or Lua when named *.lua)
--   5. "env"          OPENROUTER_API_KEY; the env block applies only to
--                     variables the process does not have
--   6. "flag"         command-line flags
--
--   config.paths([env]) -> { home, state_dir, json, user_lua, shipped }
--   config.load{ env =, flags =, extra_files =, shipped =, budget =,
--                memory_kb = }
--       -> cfg, origins, warnings, info  |  nil, message
--   config.get(cfg, "a.b[\"x/y\"].c") -> value | nil [, message]
--   config.parse_key(text) -> segments | nil, message
--   config.format_key(segments) -> text
--   config.mask(key, value) -> value with secrets masked
--   config.mask_string(s) -> "sk-or-…abcd"
--   config.parse_value(key, text) -> value | nil, message
--   config.set_file_value(path, key, value [, opts]) -> true, info | nil, msg
--   config.unset_file_value(path, key) -> true, info | nil, msg
--   config.getenv(cfg, name [, env]) -> string | nil
--   config.api_key(cfg) -> key, key_path | nil, message
--   config.flatten(cfg) -> { {segs, key, value}, ... } (sorted)
--   config.image_model(cfg) -> { primary, fallbacks, timeoutMs }
--
-- config.load never raises for a user mistake: every problem comes back
-- as one line "<file>:<line>: <message>" or "<file>: <key.path>: ...",
-- so a reloader can keep the last good config. No message, warning or
-- output of this module contains an API key.
local json = require("openclaw.json")
local json5 = require("openclaw.json5")
local schema = require("openclaw.config_schema")
local errors = require("openclaw.errors")
local util = require("openclaw.util")

local M = {}

M.schema = schema
M.format_key = schema.format_key

--- Config files given with `openclaw --config FILE` (the CLI sets this;
-- load() reads them when its opts carry no extra_files of their own).
M.extra_files = {}

--- Lua instructions a config file may run (checked every 1000).
M.BUDGET = 10000000

--- Memory (in KB) a config file may add to the Lua heap while it runs.
M.MEMORY_LIMIT_KB = 256 * 1024

--- Environment variables that form the "env" layer.
M.ENV_KEYS = { "OPENROUTER_API_KEY" }

local FILE_MODE = 0x180   -- 0600
local MAX_FILE = 16 * 1024 * 1024
local DIR_MODE = 0x1c0    -- 0700

local function fs()
  return require("openclaw.core.fs")
end

-- helpers -------------------------------------------------------------------

local first_line = util.first_line
local dirname = util.dirname
local exists = util.exists
local deep_equal = util.deep_equal
local nonempty = util.nonempty

local function basename(p)
  return p:match("([^/]*)$")
end

-- a table that merges key by key (not a list: lists replace)
local function is_object(v)
  return type(v) == "table" and not json.is_array(v)
end

local function deep_copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = deep_copy(x) end
  if json.is_array(v) then json.array(t) end
  return t
end

-- read a whole config file: text | nil, message ("ENOENT" as a third
-- value when it does not exist). Files over MAX_FILE bytes are refused.
local function read_text(path, label)
  local f, oerr = io.open(path, "rb")
  if not f then
    local missing = (oerr or ""):find("No such file", 1, true)
    return nil, label .. ": " .. (first_line(oerr):match(": (.*)$")
                                   or first_line(oerr)),
      missing and "ENOENT" or nil
  end
  local okl, lfs = pcall(require, "lfs")
  if okl and lfs.attributes(path, "mode") == "directory" then
    f:close()
    return nil, label .. ": is a folder, not a file"
  end
  local size = f:seek("end")
  if size and size > MAX_FILE then
    f:close()
    return nil, ("%s: the file is too large (%d bytes; at most %d)")
      :format(label, size, MAX_FILE)
  end
  f:seek("set")
  local text, rerr = f:read("a")
  f:close()
  if not text then
    return nil, ("%s: cannot read the file (%s)"):format(label,
      tostring(rerr))
  end
  return text
end

-- An env view: the table given, or the process environment.
local process_env = setmetatable({}, {
  __index = function(_, k) return os.getenv(k) end,
})

local function env_of(env)
  return env or process_env
end

-- masking -------------------------------------------------------------------

local PREFIXES = { "sk-or-", "sk-ant-", "sk-proj-", "sk-", "Bearer ",
                   "bearer " }

--- Mask a secret string: the known prefix at most, an ellipsis and the
-- last 4 characters ("sk-or-…abcd"); values shorter than 16 characters
-- become "…".
function M.mask_string(s)
  s = tostring(s)
  if #s < 16 then return "…" end
  local prefix = ""
  for _, p in ipairs(PREFIXES) do
    if s:sub(1, #p) == p then prefix = p break end
  end
  return prefix .. "…" .. s:sub(-4)
end

--- Replace credentials inside free text (error messages from Lua): the
-- given secret values, "sk-..." tokens, "Bearer ..." and long random
-- tokens.
function M.scrub(msg, secrets)
  msg = tostring(msg)
  for _, s in ipairs(secrets or {}) do
    if type(s) == "string" and #s >= 8 then
      local at = 1
      while true do
        local i, j = msg:find(s, at, true)
        if not i then break end
        local m = M.mask_string(s)
        msg = msg:sub(1, i - 1) .. m .. msg:sub(j + 1)
        at = i + #m
      end
    end
  end
  msg = msg:gsub("sk%-[%w_%-]+", function(tok)
    if #tok < 12 then return tok end
    return M.mask_string(tok)
  end)
  msg = msg:gsub("([Bb]earer%s+)([%w_%-%.=/+]+)", function(b, tok)
    return b .. M.mask_string(tok)
  end)
  msg = msg:gsub("%w+", function(tok)
    if #tok >= 24 and tok:find("%d") and tok:find("%a") then
      return M.mask_string(tok)
    end
  end)
  return msg
end

-- key paths -----------------------------------------------------------------

local MODEL_ENTRY_FIELDS = { alias = true, params = true, streaming = true }

--- Parse a key path: dot-separated names, ["quoted"] or ['quoted'] keys
-- (for model refs with dots and slashes), [n] list indexes (0-based). An
-- unquoted model ref under agents.defaults.models is also understood
-- (agents.defaults.models.openrouter/auto.alias). Returns a list of
-- segments (strings; integers for indexes) or nil, message.
function M.parse_key(text)
  if type(text) ~= "string" or text == "" then
    return nil, "empty key; expected a key like agents.defaults.model.primary"
  end
  local segs, plain = {}, {}
  local i, n = 1, #text
  local function bad(why)
    return nil, ("bad key '%s': %s"):format(text, why)
  end
  while i <= n do
    local c = text:sub(i, i)
    if c == "[" then
      local q = text:sub(i + 1, i + 1)
      if q == '"' or q == "'" then
        local j = i + 2
        local buf = {}
        while true do
          local ch = text:sub(j, j)
          if ch == "" then return bad("unterminated quote") end
          if ch == "\\" then
            buf[#buf + 1] = text:sub(j + 1, j + 1)
            j = j + 2
          elseif ch == q then
            break
          else
            buf[#buf + 1] = ch
            j = j + 1
          end
        end
        if text:sub(j + 1, j + 1) ~= "]" then
          return bad("expected ] after the quoted name")
        end
        segs[#segs + 1] = table.concat(buf)
        plain[#segs] = false
        i = j + 2
      else
        local num, rest = text:match("^%[(%d+)%]()", i)
        if num then
          segs[#segs + 1] = math.tointeger(tonumber(num))
          plain[#segs] = false
          i = rest
        else
          local name, after = text:match("^%[([^%]]+)%]()", i)
          if not name then return bad("expected a name or index in [ ]") end
          segs[#segs + 1] = name
          plain[#segs] = false
          i = after
        end
      end
      local nx = text:sub(i, i)
      if nx == "." then
        i = i + 1
        if i > n then return bad("ends with '.'") end
      elseif nx ~= "" and nx ~= "[" then
        return bad("expected '.' or '[' after ']'")
      end
    else
      local name = text:match("^[^%.%[%]]+", i)
      if not name then
        return bad(c == "." and "empty name between dots"
                   or "unexpected '" .. c .. "'")
      end
      segs[#segs + 1] = name
      plain[#segs] = true
      i = i + #name
      local nx = text:sub(i, i)
      if nx == "." then
        i = i + 1
        if i > n then return bad("ends with '.'") end
      elseif nx == "]" then
        return bad("unexpected ']'")
      end
    end
  end
  -- join an unquoted model ref split at its dots: models.a/b-4.5.params
  local out = {}
  local node = schema.root
  local k = 1
  while k <= #segs do
    local s = segs[k]
    if node and node.type == "map" and node.key_doc == "model ref"
       and plain[k] and type(s) == "string" and s:find("/", 1, true) then
      while k < #segs and plain[k + 1]
            and not MODEL_ENTRY_FIELDS[segs[k + 1]] do
        k = k + 1
        s = s .. "." .. segs[k]
      end
    end
    out[#out + 1] = s
    node = node and schema.child(node, s)
    k = k + 1
  end
  return out
end

local function key_text(key)
  if type(key) == "table" then return schema.format_key(key) end
  return key
end

local function key_segs(key)
  if type(key) == "table" then return key end
  return M.parse_key(key)
end

--- The value at key in cfg (nil when not set). A malformed key gives nil
-- and a message.
function M.get(cfg, key)
  local segs, err = key_segs(key)
  if not segs then return nil, err end
  local v = cfg
  for _, s in ipairs(segs) do
    if type(v) ~= "table" then return nil end
    if math.type(s) == "integer" then
      v = v[s + 1]
    else
      v = v[s]
    end
    if v == json.null then return nil end
  end
  return v
end

--- A copy of value with every secret under key masked.
function M.mask(key, value)
  local segs = key_segs(key) or {}
  local function walk(path, v)
    if type(v) == "table" then
      local t = {}
      for k, x in pairs(v) do
        path[#path + 1] = json.is_array(v) and math.type(k) == "integer"
                          and k - 1 or k
        t[k] = walk(path, x)
        path[#path] = nil
      end
      if json.is_array(v) then json.array(t) end
      return t
    end
    if schema.is_secret(path, v) then
      if type(v) == "string" then return M.mask_string(v) end
      if type(v) == "number" then return "…" end
    end
    return v
  end
  local path = {}
  for i, s in ipairs(segs) do path[i] = s end
  return walk(path, value)
end

--- Every leaf of cfg as { segs, key, value }, sorted by key. Lists and
-- empty objects are leaves.
function M.flatten(cfg)
  local out = {}
  local path = {}
  local function walk(v)
    if type(v) == "table" and v ~= json.null and not json.is_array(v)
       and next(v) ~= nil then
      for k, x in pairs(v) do
        path[#path + 1] = k
        walk(x)
        path[#path] = nil
      end
    elseif #path > 0 then
      local segs = {}
      for i, s in ipairs(path) do segs[i] = s end
      out[#out + 1] = { segs = segs, key = schema.format_key(segs),
                        value = v }
    end
  end
  walk(cfg)
  table.sort(out, function(a, b) return a.key < b.key end)
  return out
end

-- paths ---------------------------------------------------------------------

local function module_root()
  local src = debug.getinfo(1, "S").source
  if src:sub(1, 1) ~= "@" then return nil end
  local file = src:sub(2)
  -- <root>/lua/openclaw/config.lua -> <root>
  local root = file:match("^(.*)/lua/openclaw/config%.lua$")
  if root then return root end
  if file == "lua/openclaw/config.lua" then return "." end
  return nil
end

--- The shipped config.lua: share_dir of the host, else the source tree.
function M.shipped_path()
  local ok, host = pcall(require, "openclaw.host")
  if ok and type(host) == "table" and host.share_dir then
    local p = host.share_dir .. "/config.lua"
    if exists(p) then return p end
  end
  local root = module_root()
  if root and exists(root .. "/config.lua") then
    return root .. "/config.lua"
  end
  if ok and type(host) == "table" and host.share_dir then
    return host.share_dir .. "/config.lua"
  end
  return nil
end

local function expand_home(p, home)
  if p == "~" then return home end
  if p:sub(1, 2) == "~/" then return home .. p:sub(2) end
  return p
end

--- Where the configuration lives, from an env table (default: the
-- process environment).
function M.paths(env)
  env = env_of(env)
  local home = nonempty(env.HOME)
  if not home then
    local okfs, f = pcall(fs)
    home = okfs and f.home() or nil
  end
  home = home or "/"
  local state = nonempty(env.OPENCLAW_STATE_DIR)
  state = state and expand_home(state, home) or (home .. "/.openclaw")
  local jpath = nonempty(env.OPENCLAW_CONFIG_PATH)
  jpath = jpath and expand_home(jpath, home) or (state .. "/openclaw.json")
  return {
    home = home,
    state_dir = state,
    json = jpath,
    user_lua = dirname(jpath) .. "/config.lua",
    shipped = M.shipped_path(),
  }
end

--- A path for messages: the home folder shown as "~".
function M.display(path, home)
  if home and home ~= "/" and home ~= "" then
    if path == home then return "~" end
    if path:sub(1, #home + 1) == home .. "/" then
      return "~" .. path:sub(#home + 1)
    end
  end
  return path
end

-- loading Lua config files --------------------------------------------------

local function shallow(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- a fresh sandbox environment; state.exceeded makes pcall re-raise
local function sandbox(env, state, label)
  local function rethrow(ok, ...)
    if state.exceeded then error(state.message, 0) end
    return ok, ...
  end
  local str = shallow(string)
  str.dump = nil
  local sb = {
    string = str, table = shallow(table), math = shallow(math),
    utf8 = shallow(utf8),
    os = {
      getenv = function(name)
        if type(name) ~= "string" then
          error("bad argument #1 to 'getenv' (string expected)", 2)
        end
        return env[name]
      end,
      time = os.time, date = os.date, clock = os.clock,
      difftime = os.difftime,
    },
    pairs = pairs, ipairs = ipairs, tostring = tostring,
    tonumber = tonumber, type = type, select = select, next = next,
    error = error, assert = assert, rawequal = rawequal, rawget = rawget,
    rawlen = rawlen, rawset = rawset, unpack = table.unpack,
    pcall = function(f, ...) return rethrow(pcall(f, ...)) end,
    xpcall = function(f, h, ...) return rethrow(xpcall(f, h, ...)) end,
    print = function(...)
      local parts = table.pack(...)
      for i = 1, parts.n do parts[i] = tostring(parts[i]) end
      io.stderr:write(label, ": ", table.concat(parts, "\t", 1, parts.n),
                      "\n")
    end,
    null = json.null,
    _VERSION = _VERSION,
  }
  sb._G = sb
  return sb
end

-- run fn(...) in a coroutine under an instruction budget. Returns true,
-- results... or false, one-line message.
local function run_budgeted(fn, label, budget, state, ...)
  local memory_kb = state.memory_kb or M.MEMORY_LIMIT_KB
  local co = coroutine.create(fn)
  local ticks = 0
  local limit = math.max(1, (budget or M.BUDGET) // 1000)
  local mem0 = collectgarbage("count")
  local function hook()
    ticks = ticks + 1
    if not state.exceeded then
      if ticks > limit then
        state.message = basename(label) ..
          " took too long (instruction budget exceeded)"
      elseif collectgarbage("count") - mem0 > memory_kb then
        state.message = ("%s used too much memory (over %d MB)"):format(
          basename(label), memory_kb // 1024)
      else
        return
      end
      state.exceeded = true
      debug.sethook(co, hook, "", 1)
    end
    error(state.message, 2)
  end
  debug.sethook(co, hook, "", 1000)
  local res = table.pack(coroutine.resume(co, ...))
  debug.sethook(co)
  if res[1] and coroutine.status(co) ~= "dead" then
    return false, label .. ": the file yielded (not allowed)"
  end
  if not res[1] then
    local e = res[2]
    local msg
    if type(e) == "string" then
      msg = first_line(e)
    elseif type(e) == "table" and getmetatable(e)
           and getmetatable(e).__tostring then
      msg = first_line(tostring(e))
    else
      msg = ("error object is a %s value"):format(type(e))
    end
    if msg:sub(1, #label + 1) ~= label .. ":" then
      msg = label .. ": " .. msg
    end
    return false, msg
  end
  return table.unpack(res, 1, res.n)
end

-- load a Lua config file: returns "table", t | "function", f | nil, msg
local function load_lua(path, label, env, budget, memory_kb)
  local text, rerr = read_text(path, label)
  if not text then return nil, rerr end
  local state = { memory_kb = memory_kb }
  local sb = sandbox(env, state, label)
  local chunk, err = load(text, "@" .. label, "t", sb)
  if not chunk then
    err = first_line(err)
    if err:find("binary chunk", 1, true) then
      return nil, label .. ": is a compiled (binary) chunk; config " ..
        "files must be Lua source text"
    end
    if err:sub(1, #label + 1) ~= label .. ":" then
      err = label .. ": " .. err
    end
    return nil, err
  end
  local ok, v = run_budgeted(chunk, label, budget, state)
  if not ok then return nil, v end
  if type(v) == "table" then return "table", v end
  if type(v) == "function" then
    return "function", function(cfg)
      local st = { memory_kb = memory_kb }
      return run_budgeted(v, label, budget, st, cfg)
    end
  end
  if v == nil then
    return nil, label .. ": returns nothing; end the file with " ..
      "'return { ... }' (a table) or 'return function(cfg) ... end'"
  end
  return nil, ("%s: returns a %s; expected a table or a function"):format(
    label, type(v))
end

-- reading JSON5 files -------------------------------------------------------

-- returns table | nil, message | false (file missing)
local function load_json(path, label)
  local text, rerr, code = read_text(path, label)
  if not text then
    if code == "ENOENT" then return false end
    return nil, rerr
  end
  if not text:find("%S") then return {} end
  local v, err = json5.decode(text, label)
  if v == nil then return nil, err end
  if type(v) ~= "table" or json.is_array(v) and next(v) ~= nil then
    return nil, ("%s: expected an object ({ ... }) at the top, got %s")
      :format(label, schema.show_value(v))
  end
  return v
end

-- merging -------------------------------------------------------------------

-- remove json.null values from objects (they mean "unset")
local function strip_nulls(t)
  if json.is_array(t) then return end
  for k, v in pairs(t) do
    if v == json.null then
      t[k] = nil
    elseif type(v) == "table" then
      strip_nulls(v)
    end
  end
end

local function clear_origins(origins, key)
  for k in pairs(origins) do
    if k == key or k:sub(1, #key + 1) == key .. "."
       or k:sub(1, #key + 1) == key .. "[" then
      origins[k] = nil
    end
  end
end

local function mark_origins(origins, segs, v, layer)
  if type(v) == "table" and not json.is_array(v) and next(v) ~= nil then
    for k, x in pairs(v) do
      segs[#segs + 1] = k
      mark_origins(origins, segs, x, layer)
      segs[#segs] = nil
    end
  else
    origins[schema.format_key(segs)] = layer
  end
end

-- merge src (a checked layer) into dst: objects merge key by key, lists
-- and scalars replace, json.null deletes
local function merge(dst, src, origins, layer, segs)
  segs = segs or {}
  for k, v in pairs(src) do
    segs[#segs + 1] = k
    local key = schema.format_key(segs)
    if v == json.null then
      dst[k] = nil
      clear_origins(origins, key)
    elseif is_object(v) and is_object(dst[k]) then
      if next(v) == nil and origins[key] == nil and next(dst[k]) == nil then
        origins[key] = layer
      end
      merge(dst[k], v, origins, layer, segs)
    else
      clear_origins(origins, key)
      dst[k] = deep_copy(v)
      mark_origins(origins, segs, v, layer)
    end
    segs[#segs] = nil
  end
end

-- secret values in a checked tree (for scrubbing and permission checks)
local function collect_secrets(tree, out)
  for _, leaf in ipairs(M.flatten(tree)) do
    if type(leaf.value) == "string"
       and schema.is_secret(leaf.segs, leaf.value) then
      out[#out + 1] = leaf.value
    end
  end
  return out
end

local function check_permissions(path, label, warnings)
  local ok, lfs = pcall(require, "lfs")
  if not ok then return end
  local perm = lfs.attributes(path, "permissions")
  if perm and (perm:sub(4, 4) == "r" or perm:sub(7, 7) == "r") then
    warnings[#warnings + 1] = ("%s: holds an API key but other users " ..
      "can read it (%s); fix: chmod 600 %s"):format(label, perm, label)
  end
end

-- origins of the final leaves only; a leaf without its own origin takes
-- the one of its closest ancestor
local function finish_origins(cfg, origins)
  local out = {}
  for _, leaf in ipairs(M.flatten(cfg)) do
    local o = origins[leaf.key]
    local n = #leaf.segs
    while not o and n > 1 do
      n = n - 1
      o = origins[schema.format_key({ table.unpack(leaf.segs, 1, n) })]
    end
    out[leaf.key] = o or "default"
  end
  return out
end

-- loading -------------------------------------------------------------------

-- build a nested tree from { ["a.b"] = v } flags
local function flags_tree(flags)
  local tree = {}
  local keys = {}
  for k in pairs(flags) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, key in ipairs(keys) do
    local segs, err = M.parse_key(key)
    if not segs then return nil, "command line: " .. err end
    local node = schema.node_at(segs)
    if not node then
      return nil, ("command line: unknown key %s"):format(key)
    end
    for _, s in ipairs(segs) do
      if math.type(s) == "integer" then
        return nil, ("command line: %s: a flag cannot set one list " ..
          "item; give the whole list"):format(key)
      end
    end
    local t = tree
    for i = 1, #segs - 1 do
      local s = segs[i]
      if type(t[s]) ~= "table" then t[s] = {} end
      t = t[s]
    end
    t[segs[#segs]] = flags[key]
  end
  return tree
end

local function do_load(opts)
  local env = env_of(opts.env)
  local paths = M.paths(opts.env)
  if opts.shipped then paths.shipped = opts.shipped end
  local home = paths.home
  local function label_of(p) return M.display(p, home) end
  local budget = opts.budget
  local memory_kb = opts.memory_kb
  local cfg, origins, warnings = {}, {}, {}
  local secrets = {}
  local layers = {}
  for _, name in ipairs(M.ENV_KEYS) do
    secrets[#secrets + 1] = nonempty(env[name])
  end

  local function fail(msg)
    return nil, M.scrub(msg, secrets)
  end

  -- apply one raw layer table (already loaded)
  local function apply(tree, label, layer)
    local checked, errs, warns = schema.check(tree, label)
    for _, w in ipairs(warns) do warnings[#warnings + 1] = w end
    if #errs > 0 then
      local msg = errs[1]
      if #errs > 1 then
        msg = ("%s (and %d more problem%s in this file)"):format(msg,
          #errs - 1, #errs > 2 and "s" or "")
      end
      return nil, msg
    end
    collect_secrets(checked, secrets)
    merge(cfg, checked, origins, layer)
    return true, checked
  end

  -- a function-style config: run it on a copy, diff for origins
  local function apply_function(fn, label)
    local before = {}
    for _, leaf in ipairs(M.flatten(cfg)) do before[leaf.key] = leaf.value end
    local copy = deep_copy(cfg)
    local ok, ret = fn(copy)
    if not ok then return nil, ret end
    local result = copy
    if type(ret) == "table" then
      result = ret
    elseif ret ~= nil then
      return nil, ("%s: the function returned a %s; return nothing " ..
        "(edit cfg in place) or a table"):format(label, type(ret))
    end
    local checked, errs, warns = schema.check(result, label)
    for _, w in ipairs(warns) do warnings[#warnings + 1] = w end
    if #errs > 0 then return nil, errs[1] end
    strip_nulls(checked)
    collect_secrets(checked, secrets)
    for _, leaf in ipairs(M.flatten(checked)) do
      if before[leaf.key] == nil
         or not deep_equal(before[leaf.key], leaf.value) then
        clear_origins(origins, leaf.key)
        origins[leaf.key] = label
      end
    end
    cfg = checked
    return true
  end

  local function load_file(path, label, kind, optional)
    if kind == "lua" then
      if optional and not exists(path) then return true end
      local what, v = load_lua(path, label, env, budget, memory_kb)
      if not what then return nil, v end
      layers[#layers + 1] = { path = path, label = label }
      local ok, res
      if what == "table" then
        ok, res = apply(v, label, label)
        if ok and #collect_secrets(res, {}) > 0 then
          check_permissions(path, label, warnings)
        end
      else
        ok, res = apply_function(v, label)
      end
      if not ok then return nil, res end
      return true
    end
    local tree, err = load_json(path, label)
    if tree == false then
      if optional then return true end
      return nil, label .. ": no such file"
    end
    if not tree then return nil, err end
    layers[#layers + 1] = { path = path, label = label }
    local ok, checked = apply(tree, label, label)
    if not ok then return nil, checked end
    if #collect_secrets(checked, {}) > 0 then
      check_permissions(path, label, warnings)
    end
    return true
  end

  -- 1. shipped defaults
  if not paths.shipped or not exists(paths.shipped) then
    return fail("cannot find the shipped config.lua (looked in " ..
      tostring(paths.shipped) .. "); reinstall openclaw")
  end
  do
    local what, v = load_lua(paths.shipped, label_of(paths.shipped), env,
                             budget, memory_kb)
    if not what then return fail(v) end
    if what ~= "table" then
      return fail(label_of(paths.shipped) .. ": must return a table")
    end
    layers[#layers + 1] = { path = paths.shipped, label = "default" }
    local ok, err = apply(v, label_of(paths.shipped), "default")
    if not ok then return fail(err) end
  end

  -- 2. openclaw.json, 3. config.lua beside it, 4. extra files
  local ok, err = load_file(paths.json, label_of(paths.json), "json", true)
  if not ok then return fail(err) end
  ok, err = load_file(paths.user_lua, label_of(paths.user_lua), "lua", true)
  if not ok then return fail(err) end
  for _, p in ipairs(opts.extra_files or M.extra_files) do
    local kind = p:match("%.lua$") and "lua" or "json"
    ok, err = load_file(p, label_of(p), kind, false)
    if not ok then return fail(err) end
  end

  -- 5. environment: variables the process has win over the env block
  cfg.env = cfg.env or {}
  for name, value in pairs(cfg.env) do
    local pv = nonempty(env[name])
    if pv and pv ~= value then
      cfg.env[name] = pv
      origins[schema.format_key({ "env", name })] = "env"
    end
  end
  for _, name in ipairs(M.ENV_KEYS) do
    local pv = nonempty(env[name])
    if pv then
      cfg.env[name] = pv
      origins[schema.format_key({ "env", name })] = "env"
    end
  end

  -- 6. flags
  if opts.flags and next(opts.flags) ~= nil then
    local tree, ferr = flags_tree(opts.flags)
    if not tree then return fail(ferr) end
    ok, err = apply(tree, "command line", "flag")
    if not ok then return fail(err) end
  end

  return cfg, finish_origins(cfg, origins), warnings,
    { paths = paths, layers = layers }
end

--- Load the effective configuration. opts: env (table of environment
-- variables; default the process environment), flags ({ ["key.path"] =
-- value }), extra_files (list of paths), shipped (path of the shipped
-- config.lua), budget (Lua instructions per file), memory_kb (heap growth
-- allowed per file). Returns cfg, origins
-- (key path -> layer: "default", a file label, "env", "flag"), warnings
-- (list of lines), info; or nil and a one-line message. Never raises.
function M.load(opts)
  opts = opts or {}
  local ok, cfg, origins, warnings, info = pcall(do_load, opts)
  if not ok then
    local msg = cfg
    if errors.is(msg) then msg = msg.message end
    return nil, M.scrub("cannot load the configuration: " ..
                        first_line(msg))
  end
  if cfg == nil then return nil, origins end
  return cfg, origins, warnings, info
end

--- The value of an environment variable as the program sees it: the
-- process environment, else the config's env block.
function M.getenv(cfg, name, env)
  local v = nonempty(env_of(env)[name])
  if v then return v end
  local block = cfg and cfg.env
  return block and nonempty(block[name]) or nil
end

--- The OpenRouter API key, in OpenClaw's order: auth profiles for
-- provider "openrouter" (auth.order.openrouter, else "openrouter:default"
-- first), OPENROUTER_API_KEY (process, then env block),
-- models.providers.openrouter.apiKey. Returns key, key path or nil,
-- message.
function M.api_key(cfg, env)
  local profiles = M.get(cfg, "auth.profiles") or {}
  local order = M.get(cfg, "auth.order.openrouter")
  local ids = {}
  if type(order) == "table" then
    for _, id in ipairs(order) do ids[#ids + 1] = id end
  else
    local rest = {}
    for id, p in pairs(profiles) do
      if type(p) == "table" and p.provider == "openrouter"
         and id ~= "openrouter:default" then
        rest[#rest + 1] = id
      end
    end
    table.sort(rest)
    ids[1] = "openrouter:default"
    for _, id in ipairs(rest) do ids[#ids + 1] = id end
  end
  for _, id in ipairs(ids) do
    local p = profiles[id]
    if type(p) == "table" and (p.provider == nil or p.provider ==
       "openrouter") and nonempty(p.key) then
      return p.key, schema.format_key({ "auth", "profiles", id, "key" })
    end
  end
  local v = M.getenv(cfg, "OPENROUTER_API_KEY", env)
  if v then return v, "env.OPENROUTER_API_KEY" end
  v = nonempty(M.get(cfg, "models.providers.openrouter.apiKey"))
  if v then return v, "models.providers.openrouter.apiKey" end
  return nil, 'No API key found for provider "openrouter"; run ' ..
    "'openclaw onboard --auth-choice openrouter-api-key' or set " ..
    "OPENROUTER_API_KEY"
end

--- The image generation model: agents.defaults.imageGenerationModel with
-- the fields of agents.defaults.mediaModels.image (OpenClaw's newer name)
-- over it. Setting mediaModels.image.primary without fallbacks clears the
-- fallbacks (they belonged to the other primary). Returns a table
-- { primary, fallbacks, timeoutMs } (fields may be nil).
function M.image_model(cfg)
  local out = deep_copy(M.get(cfg, "agents.defaults.imageGenerationModel")
                        or {})
  local media = M.get(cfg, "agents.defaults.mediaModels.image")
  if type(media) == "table" then
    if media.primary and not media.fallbacks then
      out.fallbacks = json.array({})
    end
    for k, v in pairs(media) do out[k] = deep_copy(v) end
  end
  out.fallbacks = out.fallbacks or json.array({})
  return out
end

-- editing openclaw.json -----------------------------------------------------

local STRINGISH = { string = true, modelref = true }

--- Turn a command-line VALUE into a Lua value for key: JSON when it
-- parses (numbers, true/false, [lists], {objects}, "quoted strings"),
-- else the text itself. Keys whose type is a string always take the text
-- as it is (unless it is a "quoted" JSON string). Returns value or nil,
-- message.
function M.parse_value(key, text)
  local segs = key_segs(key)
  local node = segs and schema.node_at(segs)
  local quoted = text:match('^%s*"')
  if node and (STRINGISH[node.type] or node.type == "enum"
               and not node.aliases) and not quoted then
    return text
  end
  local v = json.decode(text)
  if v == nil then v = json5.decode(text) end
  if v == json.null then
    return nil, "to remove a key use 'openclaw config unset " ..
      key_text(key) .. "'"
  end
  if v == nil then return text end
  return v
end

local function read_doc(path, label)
  local doc, err = load_json(path, label)
  if doc == false then return {}, false end
  if not doc then return nil, err end
  return doc, true
end

local function write_doc(path, label, doc)
  local ok, text = pcall(json.encode, doc, { pretty = true })
  if not ok then
    return nil, ("%s: cannot write the file: %s"):format(label,
      first_line(text))
  end
  local f = fs()
  local dok, derr = f.mkdir_p(dirname(path), DIR_MODE)
  if not dok then return nil, derr end
  local wok, werr = f.write_atomic(path, text .. "\n",
                                   { mode = FILE_MODE, backup = true })
  if not wok then return nil, werr end
  return true
end

local function unknown_key_message(segs, label)
  local text = schema.format_key(segs)
  -- suggestion: run the checker on a tree holding just this key
  local tree = {}
  local t = tree
  for i = 1, #segs - 1 do
    t[segs[i]] = {}
    t = t[segs[i]]
  end
  t[segs[#segs]] = true
  local _, _, warns = schema.check(tree, label)
  local near = warns[1] and warns[1]:match("%(did you mean (.-)%?%)")
  return ("unknown key %s%s; nothing was written (see docs/config.md " ..
    "for the keys)"):format(text, near and (" (did you mean " .. near ..
    "?)") or "")
end

local function validate_doc(doc, label)
  local _, errs = schema.check(doc, label)
  if #errs > 0 then
    return nil, errs[1] .. "; nothing was written"
  end
  return true
end

--- Set key to value in the JSON5 file at path (usually openclaw.json),
-- rewriting it as JSON (atomic, mode 0600, previous file kept as .bak).
-- The edited file is validated first; an invalid result is not written.
-- opts: label (name for messages), force (allow unknown keys). Returns
-- true, { label, created } or nil, message.
function M.set_file_value(path, key, value, opts)
  opts = opts or {}
  local label = opts.label or path
  local segs, perr = key_segs(key)
  if not segs then return nil, perr end
  if #segs == 0 then return nil, "empty key" end
  local node, why = schema.node_at(segs)
  if not node and why == "unknown" and not opts.force then
    return nil, unknown_key_message(segs, label)
  end
  if not node and why == "scalar" then
    local parent = {}
    for i = 1, #segs - 1 do parent[i] = segs[i] end
    return nil, ("%s is not an object, so %s cannot be set; nothing " ..
      "was written"):format(schema.format_key(parent),
      schema.format_key(segs))
  end
  if value == nil or value == json.null then
    return nil, "to remove a key use unset_file_value"
  end
  local doc, had = read_doc(path, label)
  if not doc then return nil, had end
  local t = doc
  for i = 1, #segs - 1 do
    local s = segs[i]
    local k = math.type(s) == "integer" and s + 1 or s
    local nx = t[k]
    if nx == nil or nx == json.null then
      if math.type(segs[i + 1]) == "integer" then
        return nil, ("%s: %s is not a list; nothing was written"):format(
          label, schema.format_key({ table.unpack(segs, 1, i) }))
      end
      nx = {}
      t[k] = nx
    elseif type(nx) ~= "table" then
      return nil, ("%s: %s holds %s, not an object; unset it first"):format(
        label, schema.format_key({ table.unpack(segs, 1, i) }),
        schema.show_value(nx, schema.is_secret({ table.unpack(segs, 1, i) },
                                               nx)))
    end
    t = nx
  end
  local last = segs[#segs]
  if math.type(last) == "integer" then
    if not json.is_array(t) and next(t) ~= nil then
      return nil, ("%s: %s is not a list"):format(label,
        schema.format_key({ table.unpack(segs, 1, #segs - 1) }))
    end
    if last > #t then
      return nil, ("%s: index %d is past the end of the list (%d items)")
        :format(label, last, #t)
    end
    t[last + 1] = value
    json.array(t)
  else
    t[last] = value
  end
  local ok, verr = validate_doc(doc, label)
  if not ok then return nil, verr end
  local wok, werr = write_doc(path, label, doc)
  if not wok then return nil, werr end
  return true, { label = label, created = not had }
end

--- Remove key from the JSON5 file at path; objects left empty by the
-- removal are removed too. Returns true, { label, removed = boolean } (false
-- when the key was not in the file) or nil, message.
function M.unset_file_value(path, key, opts)
  opts = opts or {}
  local label = opts.label or path
  local segs, perr = key_segs(key)
  if not segs then return nil, perr end
  if #segs == 0 then return nil, "empty key" end
  local doc, had = read_doc(path, label)
  if not doc then return nil, had end
  if not had then return true, { label = label, removed = false } end
  local chain = { doc }
  local t = doc
  for i = 1, #segs - 1 do
    local s = segs[i]
    local k = math.type(s) == "integer" and s + 1 or s
    t = type(t) == "table" and t[k] or nil
    if type(t) ~= "table" then
      return true, { label = label, removed = false }
    end
    chain[#chain + 1] = t
  end
  local last = segs[#segs]
  if math.type(last) == "integer" then
    if not json.is_array(t) or t[last + 1] == nil then
      return true, { label = label, removed = false }
    end
    table.remove(t, last + 1)
  else
    if t[last] == nil then return true, { label = label, removed = false } end
    t[last] = nil
  end
  -- prune objects the removal emptied
  for i = #chain, 2, -1 do
    local parent, pk = chain[i - 1], segs[i - 1]
    local obj = chain[i]
    if next(obj) == nil and not json.is_array(obj)
       and math.type(pk) ~= "integer" then
      parent[pk] = nil
    else
      break
    end
  end
  local ok, verr = validate_doc(doc, label)
  if not ok then return nil, verr end
  local wok, werr = write_doc(path, label, doc)
  if not wok then return nil, werr end
  return true, { label = label, removed = true }
end

return M
