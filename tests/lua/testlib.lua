--- The test API handed to every tests/lua/test_*.lua file (as `T`).
--
--   T.test(name, fn)       register a test (runs as its own task)
--   T.eq(a, b [, msg])     deep equality with a readable difference
--   T.ok(v [, msg])        truthy
--   T.raises(sub, fn, ...) fn must raise an error containing `sub`
--   T.schema(def, value)   validate against OpenRouter's JSON Schema
--   T.tmpdir()             fresh temp dir, removed after the test
--   T.server()             base URL of the shared local test server
--   T.server_reset(), T.server_rules(rules), T.server_log()
--   T.root                 repository root
--   T.bin                  path of the openclaw binary under test
--   T.sh(cmd)              run a shell command: stdout, exit code
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
function T.server_log() return control("GET", "/_control/log").requests end

return T
