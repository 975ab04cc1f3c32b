--- openclaw.catalog: the OpenRouter model catalog, fetched and cached.
--
--   catalog.get(cfg [, opts]) -> catalog, source, note, meta
--       source: "live" (just fetched), "cache" (the cache file: fresh, or
--       stale because the fetch failed) or "bundled" (no usable cache and
--       the fetch failed). note: nil, or one line saying why the live
--       catalog was not used. meta: { fetched_at, age_s, url, path,
--       count }. Never raises for a network or file problem.
--   catalog.cached(cfg [, opts]) -> catalog, meta | nil
--       the cached catalog without any network access (any age): one file
--       read and one json.decode. nil when there is no cache, it is
--       unreadable, or it was fetched from another base URL.
--   catalog.path(opts) -> <state_dir>/cache/models.json
--   catalog.ref_of(api_id) -> the model ref of an API id
--   catalog.lookup(catalog, ref) -> facts | nil, parsed ref
--
-- A catalog is the map API id -> model facts built by
-- models.project_catalog (the bundled rows under the live ones), so
-- `models.info(api_id, catalog)` takes it as it is. Treat it as read-only.
--
-- opts (all optional): env (table of environment variables, default the
-- process environment), state_dir (overrides the one from config.paths),
-- refresh (get: fetch even when the cache is fresh), ttl_s (get: cache
-- lifetime, default TTL_S), timeout_ms (get: default TIMEOUT_MS),
-- api_key (get: default the configured key, sent as a Bearer token when
-- there is one), now (seconds since the epoch, for tests).
--
-- The cache file holds only what GET /models returned (projected), the
-- base URL it came from and when: no API key. It is written atomically,
-- mode 0600.
local json = require("openclaw.json")
local models = require("openclaw.models")
local util = require("openclaw.util")

local M = {}

--- How long a fetched catalog is used before `get` fetches again.
M.TTL_S = 3600
--- Timeout of GET /models (the whole transfer).
M.TIMEOUT_MS = 10000
--- Largest /models response accepted.
M.MAX_BYTES = 32 * 1024 * 1024
--- Format version of the cache file.
M.VERSION = 1

local function config() return require("openclaw.config") end
local function openrouter() return require("providers.openrouter") end

local first_line = util.first_line

--- Where the cache lives: <state_dir>/cache/models.json.
function M.path(opts)
  opts = opts or {}
  local dir = opts.state_dir or config().paths(opts.env).state_dir
  return dir .. "/cache/models.json"
end

--- The model ref users type for an API id: "openrouter/" .. id, except
-- "openrouter/auto", which is its own ref.
function M.ref_of(api_id)
  if api_id == "openrouter/auto" then return api_id end
  return "openrouter/" .. api_id
end

-- the base URL the catalog comes from (normalised)
local function base_of(cfg)
  return openrouter().resolve_base_url(cfg)
end

-- "5 s", "12 min", "3 h", "2 days"
function M.age_text(s)
  s = math.max(0, math.floor(s or 0))
  if s < 60 then return s .. " s" end
  if s < 3600 then return (s // 60) .. " min" end
  if s < 2 * 86400 then return (s // 3600) .. " h" end
  return (s // 86400) .. " days"
end

-- read and decode the cache file: doc | nil
local function read_cache(path)
  local f = io.open(path, "rb")
  if not f then return nil end
  local text = f:read("a")
  f:close()
  if not text then return nil end
  local doc = json.decode(text)
  if type(doc) ~= "table" or doc.version ~= M.VERSION
     or type(doc.models) ~= "table" or type(doc.fetched_at) ~= "number"
     or type(doc.base_url) ~= "string" then
    return nil
  end
  return doc
end

-- bundled rows under the cached/live ones
local function merged(live)
  local cat = models.bundled()
  for id, f in pairs(live) do
    if type(f) == "table" then cat[id] = f end
  end
  return cat
end

local function count(t)
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n
end

local function meta_of(doc, path, now)
  return { fetched_at = doc.fetched_at,
           age_s = math.max(0, now - doc.fetched_at),
           url = doc.base_url .. "/models", path = path,
           count = count(doc.models) }
end

--- The cached catalog, without any network access: catalog, meta, or nil
-- when there is no usable cache for the configured base URL.
function M.cached(cfg, opts)
  opts = opts or {}
  local path = M.path(opts)
  local doc = read_cache(path)
  if not doc or doc.base_url ~= base_of(cfg) then return nil end
  return merged(doc.models), meta_of(doc, path, opts.now or os.time())
end

-- write the cache; true | nil, message
local function write_cache(path, doc)
  local fs = require("openclaw.core.fs")
  local dir = path:match("^(.*)/[^/]*$") or "."
  local ok, err = fs.mkdir_p(dir, 0x1c0)
  if not ok then return nil, err end
  ok, err = fs.write_atomic(path, json.encode(doc) .. "\n",
                            { mode = 0x180, backup = false })
  if not ok then return nil, err end
  return true
end

-- the error text of an HTTP error response: "HTTP 401 (User not found.)"
local function status_text(res)
  local msg
  local doc = json.decode(res.body or "")
  if type(doc) == "table" and type(doc.error) == "table"
     and type(doc.error.message) == "string" then
    msg = doc.error.message
  end
  local text = "HTTP " .. tostring(res.status)
  if msg and msg ~= "" then
    text = text .. " (" .. first_line(msg):sub(1, 200) .. ")"
  end
  if res.status == 401 or res.status == 403 then
    text = text .. "; check the API key ('openclaw models status')"
  end
  return text
end

-- GET <base>/models: the projected live rows (map) | nil, reason
local function fetch(cfg, opts, base)
  local key = opts.api_key
  if key == nil then key = config().api_key(cfg, opts.env) end
  local req = openrouter().build_models_request{ config = cfg,
                                                 api_key = key }
  local http = require("openclaw.http")
  local res, msg, code = http.request{
    method = req.method, url = req.url, headers = req.headers,
    timeout_ms = opts.timeout_ms or M.TIMEOUT_MS,
    max_body_bytes = M.MAX_BYTES,
  }
  local secrets = { key }
  if not res then
    return nil, config().scrub(("GET %s failed: %s%s"):format(req.url,
      first_line(msg), code and (" [" .. code .. "]") or ""), secrets)
  end
  if res.status ~= 200 then
    return nil, config().scrub(("GET %s failed: %s"):format(req.url,
      status_text(res)), secrets)
  end
  local doc, derr = json.decode(res.body)
  if type(doc) ~= "table" or type(doc.data) ~= "table" then
    return nil, ("GET %s returned no model list (%s)"):format(req.url,
      derr and first_line(derr) or "no \"data\" array")
  end
  return models.project_catalog(doc.data, {
    bundled = false, verified = openrouter().is_verified_route(base) })
end

--- The catalog for cfg: the cache when it is younger than the TTL (and
-- opts.refresh is not set), else GET /models (then cached), else the
-- cache of any age, else the bundled rows. Returns catalog, source, note,
-- meta.
function M.get(cfg, opts)
  opts = opts or {}
  local path = M.path(opts)
  local now = opts.now or os.time()
  local base = base_of(cfg)
  local doc = read_cache(path)
  if doc and doc.base_url ~= base then doc = nil end
  local ttl = opts.ttl_s or M.TTL_S
  if doc and not opts.refresh then
    local age = now - doc.fetched_at
    if age >= 0 and age < ttl then
      return merged(doc.models), "cache", nil, meta_of(doc, path, now)
    end
  end
  local live, why = fetch(cfg, opts, base)
  if live then
    local fresh = { version = M.VERSION, fetched_at = now, base_url = base,
                    models = json.object(live) }
    local note
    local ok, werr = write_cache(path, fresh)
    if not ok then
      note = "could not write the catalog cache: " .. first_line(werr)
    end
    return merged(live), "live", note, meta_of(fresh, path, now)
  end
  if doc then
    local meta = meta_of(doc, path, now)
    return merged(doc.models), "cache", ("%s; using the catalog cached " ..
      "%s ago (%d models)"):format(why, M.age_text(meta.age_s),
      meta.count), meta
  end
  local cat = models.bundled()
  return cat, "bundled", ("%s; showing the bundled list (%d models)")
    :format(why, count(cat)), { url = base .. "/models", path = path,
                                count = count(cat) }
end

--- Facts for a model ref in a catalog: facts (the catalog's row, found
-- by API id, then without a ":variant" suffix) or nil; the parsed ref
-- second (nil, message when the ref is malformed).
function M.lookup(cat, ref)
  local r, err = models.parse_ref(ref)
  if not r then return nil, nil, err end
  if r.provider ~= "openrouter" then return nil, r end
  local f = cat[r.api_id]
  if not f and r.api_id:find(":", 1, true) then
    f = cat[(r.api_id:gsub(":.*$", ""))]
  end
  return f, r
end

return M
