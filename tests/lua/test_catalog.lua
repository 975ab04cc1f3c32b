-- Tests of openclaw.catalog: GET /models, the cache under the state dir,
-- offline fallbacks, and the facts the request shaping reads from it.
local catalog = require("openclaw.catalog")
local models = require("openclaw.models")
local json = require("openclaw.json")
local lfs = require("lfs")

local KEY = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef9f3e"
local CLOSED = "http://127.0.0.1:1/api/v1"    -- nothing listens on port 1

return function(T)
  local read, write = T.read, T.write

  local function cfg_for(base, key)
    local cfg = { models = { providers = { openrouter = { baseUrl = base } } } }
    if key then
      cfg.auth = { profiles = { ["openrouter:default"] = {
        provider = "openrouter", mode = "api_key", key = key } } }
    end
    return cfg
  end

  -- a fresh state dir and options for it (no key from the environment)
  local function setup(base, key)
    local dir = T.tmpdir()
    return cfg_for(base or (T.server() .. "/api/v1"), key),
      { state_dir = dir, env = {} }, dir
  end

  local function model_requests() return #T.server_log("/api/v1/models") end

  local function with(opts, extra)
    local o = {}
    for k, v in pairs(opts) do o[k] = v end
    for k, v in pairs(extra) do o[k] = v end
    return o
  end

  T.test("catalog: path and ref_of", function()
    T.eq(catalog.path({ state_dir = "/s" }), "/s/cache/models.json")
    T.eq(catalog.path({ env = { HOME = "/h" } }), "/h/.openclaw/cache/models.json")
    T.eq(catalog.path({ env = { HOME = "/h", OPENCLAW_STATE_DIR = "/x" } }),
         "/x/cache/models.json")
    T.eq(catalog.ref_of("openrouter/auto"), "openrouter/auto")
    T.eq(catalog.ref_of("anthropic/claude-sonnet-4.5"),
         "openrouter/anthropic/claude-sonnet-4.5")
    T.eq(catalog.ref_of("openrouter/healer-alpha"),
         "openrouter/openrouter/healer-alpha")
    -- every ref_of parses back to its API id
    for _, id in ipairs(models.catalog_ids(models.bundled())) do
      T.eq(models.parse_ref(catalog.ref_of(id)).api_id, id)
    end
    T.eq(catalog.age_text(5), "5 s")
    T.eq(catalog.age_text(125), "2 min")
    T.eq(catalog.age_text(7300), "2 h")
    T.eq(catalog.age_text(3 * 86400), "3 days")
  end)

  T.test("catalog: live fetch projects rows and writes the cache", function()
    T.server_reset()
    local cfg, opts, dir = setup(nil, KEY)
    local cat, source, note, meta = catalog.get(cfg, opts)
    T.eq(source, "live")
    T.eq(note, nil)
    local s = cat["anthropic/claude-sonnet-4.5"]
    T.ok(s, "claude row")
    T.eq(s.max_tokens, 64000)
    T.eq(s.context_window, 1000000)
    T.eq(s.reasoning, true)
    T.eq(s.supports_tools, true)
    T.eq(s.source, "live")
    T.eq(cat["gryphe/mythomax-l2-13b"].supports_tools, false)
    T.eq(cat["hexgrad/kokoro-82m"], nil)          -- speech only: not served
    -- bundled rows are merged under the live ones
    T.eq(cat["openrouter/healer-alpha"].source, "bundled")
    T.eq(cat["moonshotai/kimi-k2.6"].source, "live")
    -- the request: GET /models with the key, 10 s timeout is internal
    local log = T.server_log()
    T.eq(#log, 1)
    T.eq(log[1].method, "GET")
    T.eq(log[1].headers.authorization, "Bearer " .. KEY)
    -- the cache file: atomic, 0600, no key
    local path = dir .. "/cache/models.json"
    T.eq(meta.path, path)
    T.eq(lfs.attributes(path, "permissions"), "rw-------")
    local text = read(path)
    T.ok(not text:find(KEY, 1, true), "the key is in the cache")
    T.ok(not text:find("sk-or", 1, true), "a key is in the cache")
    local doc = json.decode(text)
    T.eq(doc.version, 1)
    T.eq(doc.base_url, T.server() .. "/api/v1")
    T.eq(math.type(doc.fetched_at), "integer")
    T.ok(math.abs(doc.fetched_at - os.time()) < 60)
    T.eq(doc.models["openrouter/healer-alpha"], nil)  -- live rows only
    T.ok(doc.models["x-ai/grok-4"])
    T.eq(meta.count, 7)
    local files = {}
    for name in lfs.dir(dir .. "/cache") do
      if name ~= "." and name ~= ".." then files[#files + 1] = name end
    end
    T.eq(files, { "models.json" })
  end)

  T.test("catalog: no key -> no Authorization header", function()
    T.server_reset()
    local cfg, opts = setup()
    local _, source = catalog.get(cfg, opts)
    T.eq(source, "live")
    T.eq(T.server_log()[1].headers.authorization, nil)
  end)

  T.test("catalog: the cache is used within the TTL, then refetched", function()
    T.server_reset()
    local cfg, opts = setup()
    local now = os.time()
    local _, s1 = catalog.get(cfg, with(opts, { now = now }))
    T.eq(s1, "live")
    local cat, s2, note, meta = catalog.get(cfg, with(opts, { now = now + 60 }))
    T.eq(s2, "cache")
    T.eq(note, nil)
    T.eq(meta.age_s, 60)
    T.ok(cat["x-ai/grok-4"])
    T.eq(model_requests(), 1)
    local _, s3 = catalog.get(cfg, with(opts, { now = now + catalog.TTL_S - 1 }))
    T.eq(s3, "cache")
    T.eq(model_requests(), 1)
    local _, s4 = catalog.get(cfg, with(opts, { now = now + catalog.TTL_S }))
    T.eq(s4, "live")
    T.eq(model_requests(), 2)
    -- refresh fetches even when fresh
    local _, s5 = catalog.get(cfg, with(opts, { refresh = true }))
    T.eq(s5, "live")
    T.eq(model_requests(), 3)
    -- a custom TTL
    local _, s6 = catalog.get(cfg, with(opts, { ttl_s = 0 }))
    T.eq(s6, "live")
    T.eq(model_requests(), 4)
  end)

  T.test("catalog: offline with a cache -> the cache, with a note", function()
    T.server_reset()
    local cfg, opts, dir = setup()
    assert(catalog.get(cfg, opts))
    -- same base URL but now unreachable: rewrite the cache's base URL
    local path = dir .. "/cache/models.json"
    local doc = json.decode(read(path))
    doc.base_url = CLOSED
    doc.fetched_at = os.time() - 7200
    write(path, json.encode(doc))
    local cat, source, note, meta = catalog.get(cfg_for(CLOSED), opts)
    T.eq(source, "cache")
    T.ok(note:find("GET " .. CLOSED .. "/models failed", 1, true), note)
    T.ok(note:find("[connect]", 1, true), note)
    T.ok(note:find("using the catalog cached 2 h ago (7 models)", 1, true),
         note)
    T.ok(not note:find("\n"), "one line")
    T.eq(meta.age_s >= 7200, true)
    T.eq(cat["anthropic/claude-sonnet-4.5"].max_tokens, 64000)
  end)

  T.test("catalog: offline without a cache -> bundled, with a note", function()
    local cfg, opts = setup(CLOSED, KEY)
    local cat, source, note = catalog.get(cfg, opts)
    T.eq(source, "bundled")
    T.ok(note:find("showing the bundled list (5 models)", 1, true), note)
    T.ok(not note:find(KEY, 1, true))
    T.eq(models.catalog_ids(cat), models.catalog_ids(models.bundled()))
    T.eq(catalog.cached(cfg, opts), nil)
  end)

  T.test("catalog: a cache from another base URL is not used", function()
    T.server_reset()
    local cfg, opts = setup()
    assert(catalog.get(cfg, opts))
    T.ok(catalog.cached(cfg, opts))
    T.eq(catalog.cached(cfg_for(CLOSED), opts), nil)
    local _, source = catalog.get(cfg_for(CLOSED), opts)
    T.eq(source, "bundled")
    -- the default base URL is not the test server either
    T.eq(catalog.cached({}, opts), nil)
  end)

  T.test("catalog: HTTP 401 -> fallback with a note naming the fix", function()
    local cfg, opts = setup(nil, "sk-or-bad")
    local _, source, note = catalog.get(cfg, opts)
    T.eq(source, "bundled")
    T.ok(note:find("HTTP 401 (User not found.)", 1, true), note)
    T.ok(note:find("check the API key", 1, true), note)
  end)

  T.test("catalog: the configured key comes from cfg and env", function()
    T.server_reset()
    local cfg, opts = setup()
    opts.env = { OPENROUTER_API_KEY = "sk-or-from-env-0123456789" }
    assert(catalog.get(cfg, opts))
    T.eq(T.server_log()[1].headers.authorization,
         "Bearer sk-or-from-env-0123456789")
  end)

  T.test("catalog: malformed and empty responses", function()
    T.server_reset()
    T.server_rules({ { path = "/api/v1/models", times = 1,
                       response = { body = "not json",
                                    content_type = "text/plain" } } })
    local cfg, opts = setup()
    local _, source, note = catalog.get(cfg, opts)
    T.eq(source, "bundled")
    T.ok(note:find("returned no model list", 1, true), note)
    T.server_reset()
    T.server_rules({ { path = "/api/v1/models", times = 1,
                       response = { status = 503 } } })
    _, source, note = catalog.get(cfg, opts)
    T.eq(source, "bundled")
    T.ok(note:find("HTTP 503", 1, true), note)
    -- a successful empty list is live (bundled rows only) and cached
    T.server_reset()
    T.server_rules({ { path = "/api/v1/models", times = 1,
                       response = { json = { data = {} } } } })
    local cat
    cat, source, note = catalog.get(cfg, opts)
    T.eq(source, "live")
    T.eq(note, nil)
    T.eq(models.catalog_ids(cat), models.catalog_ids(models.bundled()))
    local cached, meta = catalog.cached(cfg, opts)
    T.ok(cached)
    T.eq(meta.count, 0)
    T.server_reset()
  end)

  T.test("catalog: a broken cache file is ignored and replaced", function()
    T.server_reset()
    local cfg, opts, dir = setup()
    assert(os.execute("mkdir -p " .. T.quote(dir .. "/cache")))
    local path = dir .. "/cache/models.json"
    for _, text in ipairs({ "", "{", "[]", '{"version":99}',
                            '{"version":1,"models":[],"base_url":1}' }) do
      write(path, text)
      T.eq(catalog.cached(cfg, opts), nil, text)
    end
    local _, source = catalog.get(cfg, opts)
    T.eq(source, "live")
    T.ok(catalog.cached(cfg, opts))
  end)

  T.test("catalog: cannot write the cache -> live, with a note", function()
    T.server_reset()
    local cfg, opts, dir = setup()
    write(dir .. "/cache", "a file where the folder should be")
    local cat, source, note = catalog.get(cfg, opts)
    T.eq(source, "live")
    T.ok(cat["x-ai/grok-4"])
    T.ok(note and note:find("could not write the catalog cache", 1, true),
         tostring(note))
  end)

  T.test("catalog: cached() reads facts without the network", function()
    T.server_reset()
    local cfg, opts = setup()
    T.eq(catalog.cached(cfg, opts), nil)
    assert(catalog.get(cfg, opts))
    T.server_reset()
    local cat, meta = catalog.cached(cfg, opts)
    T.eq(#T.server_log(), 0)
    T.eq(meta.count, 7)
    -- any age: cached() never refetches
    local _, old = catalog.cached(cfg, with(opts, { now = os.time() + 86400 }))
    T.ok(old.age_s >= 86400)
    -- facts for the shaping: catalog values, else documented defaults
    local grok = models.info("x-ai/grok-4", cat)
    T.eq(grok.known, true)
    T.eq(grok.reasoning, true)
    T.eq(grok.max_tokens, models.DEFAULT_MAX_TOKENS)  -- null in the catalog
    T.eq(grok.mandatory_reasoning, true)
    T.eq(grok.thinking_level_map.off, json.null)     -- survives the cache
    local ds = models.info("deepseek/deepseek-v4-pro", cat)
    T.eq(ds.max_tokens, 393216)
    T.eq(ds.supported_reasoning_efforts, { "xhigh", "high", "none" })
    T.eq(ds.catalog_reasoning_efforts, nil)        -- not a verified route
    local myth = models.info("gryphe/mythomax-l2-13b", cat)
    T.eq(myth.reasoning, false)
    T.eq(myth.supports_tools, false)
    T.eq(myth.context_window, 4096)
    local unknown = models.info("nobody/nothing", cat)
    T.eq(unknown.known, false)
    T.eq(unknown.max_tokens, 8192)
    T.eq(unknown.reasoning, false)
    -- the same thinking levels from the cache as from a fresh projection
    T.eq(models.thinking_levels(ds), { "off", "high", "xhigh" })
    T.eq(models.thinking_levels(grok), { "off" })    -- x-ai: no reasoning sent
  end)

  T.test("catalog: a custom base URL is not a verified route", function()
    -- efforts from a proxy are not authoritative (vector B16)
    T.server_reset()
    local cfg, opts = setup()
    local cat = catalog.get(cfg, opts)
    T.eq(cat["deepseek/deepseek-v4-pro"].catalog_reasoning_efforts, nil)
  end)

  T.test("catalog: lookup by ref", function()
    local cat = models.bundled()
    local f, r = catalog.lookup(cat, "openrouter/moonshotai/kimi-k2.6")
    T.eq(f.id, "moonshotai/kimi-k2.6")
    T.eq(r.api_id, "moonshotai/kimi-k2.6")
    T.eq(catalog.lookup(cat, "OpenRouter/MoonshotAI/Kimi-K2.6:nitro").id,
         "moonshotai/kimi-k2.6")
    T.eq(catalog.lookup(cat, "openrouter/auto").id, "openrouter/auto")
    T.eq(catalog.lookup(cat, "openrouter/openrouter/hunter-alpha").id,
         "openrouter/hunter-alpha")
    T.eq(catalog.lookup(cat, "openrouter/no/such"), nil)
    local none, mock = catalog.lookup(cat, "mock/echo")
    T.eq(none, nil)
    T.eq(mock.provider, "mock")
    local a, b, msg = catalog.lookup(cat, "claude")
    T.eq(a, nil)
    T.eq(b, nil)
    T.ok(msg:find("has no provider", 1, true))
  end)
end
