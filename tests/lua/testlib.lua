--- The test API handed to every tests/lua/test_*.lua file (as `T`).
--
--   T.test(name, fn)       register a test (runs as its own task)
--   T.eq(a, b [, msg])     deep equality with a readable difference
--   T.ok(v [, msg])        truthy
--   T.raises(sub, fn, ...) fn must raise an error containing `sub`
--   T.schema(def, value)   validate against OpenRouter's JSON Schema
--   T.tmpdir()             fresh temp dir, removed after the test
--   T.server()             base URL of the shared local test server
--   T.server_reset(), T.server_rules(rules), T.server_log([path])
--   T.root                 repository root
--   T.bin                  path of the openclaw binary under test
--   T.sh(cmd)              run a shell command: stdout, exit code
--   T.quote(s)             s quoted for the shell
--   T.read(path)           a file's bytes (nil when it cannot be read)
--   T.write(path, text [, mode])  write a file (mode: 0x180 or "600"): path
--   T.files_in(dir)        sorted names in dir ({} when no directory)
--   T.sink()               a file-like object that records what is written
--   T.state_dir([cfg [, opts]])  a fresh state dir whose openclaw.json
--                          points OpenRouter at the test server
--   T.cli_env(dir [, opts])  the `env ...` prefix of a command line that
--                          runs the binary on that state dir
--   T.cli(dir, args [, opts])  run the binary: stdout, exit code, stderr
--   T.cli_with(defaults)   a T.cli with default opts
--   T.server_requests([path])  the server's requests to one path, each
--                          checked against the API schema
local oc = require("openclaw")
local json = require("openclaw.json")
local lfs = require("lfs")

local T = {}

local function fail(msg, level)
  error(msg, (level or 1) + 1)
end

-- serialise(v) - a stable, readable rendering for error messages
local function serialise(v, depth)
  depth = depth or 0
  if type(v) == "string" then return ("%q"):format(v) end
  if type(v) ~= "table" then
    if math.type(v) == "float" then return ("%.17g(float)"):format(v) end
    return tostring(v)
  end
  if depth > 6 then return "{...}" end
  local keys = {}
  for k in pairs(v) do keys[#keys + 1] = k end
  table.sort(keys, function(a, b)
    if type(a) == type(b) and (type(a) == "number" or type(a) == "string")
      then return a < b end
    return type(a) < type(b)
  end)
  local parts = {}
  for _, k in ipairs(keys) do
    parts[#parts + 1] = (type(k) == "string" and k:match("^[%a_][%w_]*$")
      and k or "[" .. serialise(k) .. "]") .. "=" ..
      serialise(v[k], depth + 1)
  end
  return "{" .. table.concat(parts, ", ") .. "}"
end
T.serialise = serialise

-- diff(a, b, path) - nil when deeply equal, else a description
local function diff(a, b, path)
  if a == b then return nil end
  if type(a) ~= "table" or type(b) ~= "table" then
    if type(a) == "number" and type(b) == "number" and a == b then
      return nil
    end
    return ("at %s: got %s, expected %s"):format(path, serialise(a),
                                                 serialise(b))
  end
  for k, v in pairs(b) do
    local d = diff(a[k], v, path .. "." .. tostring(k))
    if d then return d end
  end
  for k, v in pairs(a) do
    if b[k] == nil then
      return ("at %s.%s: unexpected %s"):format(path, tostring(k),
                                                serialise(v))
    end
  end
  return nil
end

function T.eq(a, b, msg)
  local d = diff(a, b, "$")
  if d then fail((msg and msg .. ": " or "") .. d, 2) end
end

function T.ok(v, msg)
  if not v then fail(msg or "expected a true value", 2) end
  return v
end

function T.raises(sub, fn, ...)
  local ok, err = pcall(fn, ...)
  if ok then fail("expected an error containing '" .. sub .. "'", 2) end
  local text = tostring(err)
  if not text:find(sub, 1, true) then
    fail(("error '%s' does not contain '%s'"):format(text, sub), 2)
  end
  return text
end

-- paths ---------------------------------------------------------------------
local here = debug.getinfo(1, "S").source:gsub("^@", "")
local tests_dir = here:match("^(.*)/[^/]*$") or "."
T.root = lfs.currentdir()
do
  local abs = tests_dir:sub(1, 1) == "/" and tests_dir or
    (lfs.currentdir() .. "/" .. tests_dir)
  T.root = abs:gsub("/tests/lua/?$", ""):gsub("/%./", "/")
end
T.bin = os.getenv("OPENCLAW_BIN") or (T.root .. "/build/openclaw")
T.schema_path = os.getenv("OPENCLAW_SCHEMA") or
  (T.root .. "/../shared/spec/openrouter-api.schema.json")

function T.sh(cmd)
  local p = io.popen(cmd, "r")
  local out = p:read("a")
  local ok, _, code = p:close()
  return out, ok and 0 or code
end

local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end
T.quote = q

-- files -----------------------------------------------------------------------

-- read(path) - the whole file in binary mode; nil when it cannot be
-- opened (a missing file, say)
function T.read(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

-- write(path, text [, mode]) - create or truncate path with text, then
-- chmod it when mode is given (a number, 0x180, or an octal string, "600");
-- returns path
function T.write(path, text, mode)
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  if mode then
    if type(mode) == "string" then mode = assert(tonumber(mode, 8)) end
    assert(require("openclaw.core.fs").chmod(path, mode))
  end
  return path
end

-- files_in(dir) - the sorted names in dir ({} when it is no directory)
function T.files_in(dir)
  local out = {}
  if lfs.attributes(dir, "mode") ~= "directory" then return out end
  for name in lfs.dir(dir) do
    if name ~= "." and name ~= ".." then out[#out + 1] = name end
  end
  table.sort(out)
  return out
end

-- sink() - a file-like object that records what is written: s:text() is
-- all of it, s.flushes counts the flushes, s:read() returns s.input (for
-- a stand-in stdin)
function T.sink()
  local s = { parts = {}, flushes = 0 }
  function s:write(...)
    for i = 1, select("#", ...) do
      self.parts[#self.parts + 1] = tostring((select(i, ...)))
    end
    return self
  end
  function s:flush() self.flushes = self.flushes + 1 return self end
  function s:text() return table.concat(self.parts) end
  function s:read() return self.input end
  return s
end

-- temp dirs -----------------------------------------------------------------
local tmpdirs = {}
function T.tmpdir()
  local out = T.sh("mktemp -d /tmp/openclaw-test.XXXXXX")
  local dir = out:gsub("%s+$", "")
  tmpdirs[#tmpdirs + 1] = dir
  return dir
end

function T._cleanup()
  for _, d in ipairs(tmpdirs) do
    if d:match("^/tmp/openclaw%-test%.") then os.execute("rm -rf " .. q(d)) end
  end
  tmpdirs = {}
end

-- schema ----------------------------------------------------------------------
local schema_n = 0
function T.schema(def, value)
  local dir = T._schema_dir
  if not dir then
    dir = T.sh("mktemp -d /tmp/openclaw-schema.XXXXXX"):gsub("%s+$", "")
    T._schema_dir = dir
  end
  schema_n = schema_n + 1
  local path = ("%s/doc%d.json"):format(dir, schema_n)
  local f = assert(io.open(path, "w"))
  f:write(type(value) == "string" and value or json.encode(value))
  f:close()
  local out, code = T.sh(("/usr/bin/python3 %s %s %s %s 2>&1"):format(
    q(T.root .. "/tests/tools/schema_check.py"), q(T.schema_path), q(def),
    q(path)))
  os.remove(path)
  if code ~= 0 then
    fail("schema " .. def .. ": " .. out:gsub("invalid [^:]*: ", ""):gsub(
      "%s+$", ""), 2)
  end
  return true
end

-- the local OpenRouter-compatible server ---------------------------------------
local server
function T.server()
  if server then return server.url end
  local dir = T.sh("mktemp -d /tmp/openclaw-srv.XXXXXX"):gsub("%s+$", "")
  local port_file = dir .. "/port"
  local cmd = ("/usr/bin/python3 %s --port 0 --port-file %s --schema %s " ..
    ">%s/out.log 2>&1 & echo $!"):format(
    q(T.root .. "/tests/server/orserver.py"), q(port_file),
    q(T.schema_path), q(dir))
  local pid = T.sh(cmd):gsub("%s+$", "")
  local port
  for _ = 1, 200 do
    local f = io.open(port_file)
    if f then
      port = f:read("l")
      f:close()
      if port and port ~= "" then break end
    end
    oc.sleep(25)
  end
  if not port then error("the test server did not start; see " .. dir) end
  server = { pid = pid, dir = dir, url = "http://127.0.0.1:" .. port }
  return server.url
end

function T._stop_server()
  if server then
    os.execute("kill " .. server.pid .. " 2>/dev/null")
    os.execute("rm -rf " .. q(server.dir))
    server = nil
  end
  if T._schema_dir then os.execute("rm -rf " .. q(T._schema_dir)) end
end

local function control(method, path, body)
  local http = require("openclaw.http")
  local res, msg = http.request{ method = method, url = T.server() .. path,
    body = body and json.encode(body) or nil,
    headers = { ["Content-Type"] = "application/json" },
    timeout_ms = 10000 }
  if not res then error("test server: " .. msg) end
  if res.status ~= 200 then
    error("test server: " .. path .. ": " .. res.status .. " " .. res.body)
  end
  return json.decode(res.body)
end

function T.server_reset() return control("POST", "/_control/reset", {}) end
function T.server_rules(rules)
  return control("POST", "/_control/rules", { rules = rules })
end
-- server_log([path]) - the requests the server saw (since the last reset),
-- only those to path when given
function T.server_log(path)
  local log = control("GET", "/_control/log").requests
  if not path then return log end
  local out = {}
  for _, r in ipairs(log) do
    if r.path == path then out[#out + 1] = r end
  end
  return out
end

-- server_requests([path]) - the requests the server saw to path (default
-- /api/v1/chat/completions), each checked to be valid against the schema
function T.server_requests(path)
  local out = T.server_log(path or "/api/v1/chat/completions")
  for _, r in ipairs(out) do
    T.eq(r.schema_errors, {}, "schema errors in request " .. r.seq)
  end
  return out
end

-- the binary against the test server -----------------------------------------

-- state_dir([cfg [, opts]]) -> dir, home
-- A fresh temp dir (the state dir and HOME) holding openclaw.json: a copy
-- of cfg (nil: {}) in which models.providers.openrouter.baseUrl is the
-- test server's /api/v1 unless cfg sets one. cfg == false: no openclaw.json.
-- opts:
--   base    another baseUrl (used where cfg sets none)
--   home    true: HOME is the temp dir and the state dir is <home>/state
--   pretty  indented JSON (default: one line and a newline)
--   mode    chmod openclaw.json (as T.write)
--   lua     text of a config.lua beside openclaw.json
function T.state_dir(cfg, opts)
  opts = opts or {}
  local home = T.tmpdir()
  local dir = home
  if opts.home then
    dir = home .. "/state"
    assert(os.execute("mkdir -p " .. q(dir)))
  end
  if cfg ~= false then
    local doc = require("openclaw.util").copy(cfg or {})
    doc.models = doc.models or {}
    doc.models.providers = doc.models.providers or {}
    doc.models.providers.openrouter = doc.models.providers.openrouter or {}
    local p = doc.models.providers.openrouter
    if p.baseUrl == nil then
      p.baseUrl = opts.base or (T.server() .. "/api/v1")
    end
    T.write(dir .. "/openclaw.json", opts.pretty and
      json.encode(doc, { pretty = true }) or json.encode(doc) .. "\n",
      opts.mode)
  end
  if opts.lua then T.write(dir .. "/config.lua", opts.lua) end
  return dir, home
end

-- cli_env(dir [, opts]) - "env -u ... HOME=... OPENCLAW_STATE_DIR=dir ... "
-- (with a trailing space): a clean environment for the binary, without
-- OPENCLAW_CONFIG_PATH and NO_COLOR. opts:
--   home    HOME (default: dir)
--   key     OPENROUTER_API_KEY (a string, "" too); nil or false: unset
--   unset   more variables to unset (a list of names)
--   env     more variables to set ({ NAME = value })
function T.cli_env(dir, opts)
  opts = opts or {}
  local parts = { "env -u OPENCLAW_CONFIG_PATH -u NO_COLOR" }
  for _, name in ipairs(opts.unset or {}) do
    parts[#parts + 1] = "-u " .. name
  end
  if type(opts.key) ~= "string" then
    parts[#parts + 1] = "-u OPENROUTER_API_KEY"
  end
  parts[#parts + 1] = "HOME=" .. q(opts.home or dir)
  parts[#parts + 1] = "OPENCLAW_STATE_DIR=" .. q(dir)
  if type(opts.key) == "string" then
    parts[#parts + 1] = "OPENROUTER_API_KEY=" .. q(opts.key)
  end
  local names = {}
  for name in pairs(opts.env or {}) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    parts[#parts + 1] = name .. "=" .. q(opts.env[name])
  end
  return table.concat(parts, " ") .. " "
end

-- cli(dir, args [, opts]) -> stdout, exit code, stderr
-- Runs T.bin with T.cli_env(dir, opts). args: a list of words (each
-- quoted) or a string of shell words (as is). Standard input is /dev/null
-- unless opts says otherwise. opts (besides those of cli_env):
--   stdin       text piped to the binary
--   stdin_file  a file to redirect standard input from
--   pty         steps for tests/tools/pty_chat.py (a table or JSON text):
--               run the binary on a pseudo-terminal; stdout is then the
--               helper's JSON report
--   timeout     seconds per pty step (default 15)
--   stderr_to_stdout  true: 2>&1 (stderr is then "")
function T.cli(dir, args, opts)
  opts = opts or {}
  local words = args
  if type(args) == "table" then
    local t = {}
    for i, a in ipairs(args) do t[i] = q(a) end
    words = table.concat(t, " ")
  end
  local cmd = T.cli_env(dir, opts)
  if opts.pty then
    local steps = opts.pty
    if type(steps) == "table" then steps = json.encode(steps) end
    cmd = cmd .. ("/usr/bin/python3 %s --timeout %s %s -- "):format(
      q(T.root .. "/tests/tools/pty_chat.py"), opts.timeout or 15, q(steps))
  end
  cmd = cmd .. q(T.bin) .. (words ~= "" and " " .. words or "")
  if opts.stdin then
    cmd = "printf '%s' " .. q(opts.stdin) .. " | " .. cmd
  elseif opts.stdin_file then
    cmd = cmd .. " <" .. q(opts.stdin_file)
  else
    cmd = cmd .. " </dev/null"
  end
  if opts.stderr_to_stdout then
    local out, code = T.sh(cmd .. " 2>&1")
    return out, code, ""
  end
  local errf = os.tmpname()
  local out, code = T.sh(cmd .. " 2>" .. q(errf))
  local err = T.read(errf) or ""
  os.remove(errf)
  return out, code, err
end

-- cli_with(defaults) - a T.cli whose opts default to those of defaults
-- (opts.key = false: no key even when defaults has one)
function T.cli_with(defaults)
  return function(dir, args, opts)
    local o = {}
    for k, v in pairs(defaults) do o[k] = v end
    for k, v in pairs(opts or {}) do o[k] = v end
    return T.cli(dir, args, o)
  end
end

return T
