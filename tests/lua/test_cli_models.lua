-- End-to-end tests of `openclaw models` (list, set, status, fallbacks):
-- the real binary against the local OpenRouter-compatible server.
local json = require("openclaw.json")
local lfs = require("lfs")

local KEY = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef9f3e"
local ENVKEY = "sk-or-v1-fedcba9876543210fedcba9876543210fedcba98765432107a1b"
local CLOSED = "http://127.0.0.1:1/api/v1"    -- nothing listens on port 1

return function(T)
  local q = T.quote

  local read = T.read
  local function write(p, text) return T.write(p, text, 0x180) end   -- 0600

  -- a state dir (HOME/state) whose openclaw.json points at the test server
  -- (or base); extra: more config (a table merged at the top level)
  local function setup(extra, base)
    local state, dir = T.state_dir(extra, { home = true, base = base,
                                            pretty = true, mode = 0x180 })
    local c = { dir = dir, state = state }
    c.json = c.state .. "/openclaw.json"
    c.cache = c.state .. "/cache/models.json"
    -- run the binary: stdout, exit code, stderr. Never shows a key.
    function c.run(argv, env)
      local out, code, err = T.cli(state, argv, { home = dir,
        key = env and env.OPENROUTER_API_KEY or "" })
      for _, k in ipairs({ KEY, ENVKEY }) do
        T.ok(not out:find(k, 1, true), "a key in stdout: " .. out)
        T.ok(not err:find(k, 1, true), "a key in stderr: " .. err)
      end
      return out, code, err
    end
    function c.doc() return json.decode(read(c.json)) end
    return c
  end

  local function model_requests() return #T.server_log("/api/v1/models") end

  local function one_line(s)
    return s:find("\n") == #s and not s:find("traceback", 1, true)
  end

  local function has(s, sub, what)
    T.ok(s:find(sub, 1, true), (what or "output") .. " lacks '" .. sub ..
         "':\n" .. s)
  end

  local CONFIGURED = {
    agents = { defaults = {
      model = { primary = "openrouter/anthropic/claude-sonnet-4.5",
                fallbacks = { "openrouter/moonshotai/kimi-k2.6",
                              "openrouter/some/unknown-model" } },
      models = { ["openrouter/moonshotai/kimi-k2.6"] = { alias = "Kimi" } },
      imageGenerationModel = {
        primary = "openrouter/google/gemini-3.1-flash-image-preview" },
    } },
  }

  T.test("models list: the configured models, no network", function()
    T.server_reset()
    local c = setup(CONFIGURED)
    local out, code, err = c.run("models list")
    T.eq(code, 0, err)
    local lines = {}
    for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
    T.ok(lines[1]:find("^Model%s+Input%s+Ctx%s+Max out%s+Reasoning%s+Tags"),
         lines[1])
    T.ok(lines[2]:find("^openrouter/anthropic/claude%-sonnet%-4%.5 .* default$"),
         lines[2])
    T.ok(lines[3]:find("^openrouter/moonshotai/kimi%-k2%.6%s+text%+image%s+" ..
         "262k%s+262k%s+yes%s+fallback#1,alias:Kimi$"), lines[3])
    T.ok(lines[4]:find("^openrouter/some/unknown%-model%s+%-%s+%-%s+%-%s+%-" ..
         "%s+fallback#2$"), lines[4])
    T.ok(lines[5]:find("^openrouter/google/gemini%-3%.1%-flash%-image%-preview"
         .. ".* image$"), lines[5])
    T.eq(#lines, 5)
    -- no cache yet: facts from the bundled list, a note for the others
    has(err, "note: 3 models are not in the bundled model list")
    T.eq(model_requests(), 0)
    -- `openclaw models` alone is the list
    local out2, code2 = c.run("models --local")
    T.eq(code2, 0)
    T.eq(out2, out)
  end)

  T.test("models list --all: live, then cache, then offline", function()
    T.server_reset()
    local c = setup(CONFIGURED)
    local out, code, err = c.run("models list --all")
    T.eq(code, 0, err)
    T.eq(model_requests(), 1)
    has(out, "openrouter/anthropic/claude-sonnet-4.5")
    T.ok(out:find("\nopenrouter/anthropic/claude%-sonnet%-4%.5%s+text%+image" ..
         "%s+1M%s+64k%s+yes%s+default\n"), out)
    T.ok(out:find("\nopenrouter/x%-ai/grok%-4%s+text%+image%s+256k%s+%-%s+yes" ..
         "%s*\n") or out:find("\nopenrouter/x%-ai/grok%-4 "), out)
    has(out, "openrouter/openrouter/healer-alpha")   -- bundled rows too
    T.ok(not out:find("kokoro", 1, true), "speech model listed")
    has(err, "10 models from the live catalog")
    T.ok(lfs.attributes(c.cache, "mode") == "file", "no cache file")
    -- again: from the cache, no request
    out, code, err = c.run("models list --all")
    T.eq(code, 0)
    T.eq(model_requests(), 1)
    has(err, "10 models from the catalog cached")
    -- --refresh with the server failing: the cache, with a note
    T.server_rules({ { path = "/api/v1/models", times = 1,
                       response = { status = 503 } } })
    out, code, err = c.run("models list --all --refresh")
    T.eq(code, 0)
    T.eq(model_requests(), 2)
    has(err, "note: GET " .. T.server() .. "/api/v1/models failed: HTTP 503")
    has(err, "using the catalog cached")
    has(out, "openrouter/x-ai/grok-4")
    -- offline (closed port), no cache for that URL: the bundled list
    local off = setup(CONFIGURED, CLOSED)
    out, code, err = off.run("models list --all")
    T.eq(code, 0, err)
    has(err, "note: GET " .. CLOSED .. "/models failed")
    has(err, "showing the bundled list (5 models)")
    has(err, "5 models from the bundled model list")
    has(out, "openrouter/moonshotai/kimi-k2.6")
    T.ok(not out:find("grok", 1, true), out)
    -- offline with a stale cache for that URL: the cache
    assert(os.execute("mkdir -p " .. q(off.state .. "/cache")))
    local doc = json.decode(read(c.cache))
    doc.base_url = CLOSED
    doc.fetched_at = os.time() - 3 * 86400
    write(off.cache, json.encode(doc))
    out, code, err = off.run("models list --all")
    T.eq(code, 0)
    has(err, "using the catalog cached 3 days ago (7 models)")
    has(out, "openrouter/x-ai/grok-4")
    T.server_reset()
  end)

  T.test("models list: FILTER and --json", function()
    T.server_reset()
    local c = setup(CONFIGURED)
    local out, code = c.run("models list --all --json")
    T.eq(code, 0)
    local doc = json.decode(out)
    T.ok(doc, "not JSON: " .. out)
    T.eq(doc.source, "live")
    T.eq(doc.count, 10)
    T.eq(#doc.models, 10)
    local claude
    for _, m in ipairs(doc.models) do
      if m.ref == "openrouter/anthropic/claude-sonnet-4.5" then claude = m end
    end
    T.eq(claude.id, "anthropic/claude-sonnet-4.5")
    T.eq(claude.max_tokens, 64000)
    T.eq(claude.reasoning, true)
    T.eq(claude.tags, { "default" })
    T.eq(claude.known, true)
    out, code = c.run("models list --all --json grok")
    doc = json.decode(out)
    T.eq(doc.source, "cache")
    T.eq(#doc.models, 1)
    T.eq(doc.models[1].ref, "openrouter/x-ai/grok-4")
    T.eq(doc.models[1].tags, {})
    T.eq(json.encode(doc.models[1].tags), "[]")
    -- configured list as JSON, facts from the cache now
    out, code = c.run("models list --json")
    T.eq(code, 0)
    doc = json.decode(out)
    T.eq(doc.source, "cache")
    T.eq(#doc.models, 4)
    T.eq(doc.models[3].ref, "openrouter/some/unknown-model")
    T.eq(doc.models[3].known, false)
    T.eq(doc.models[2].tags, { "fallback#1", "alias:Kimi" })
    -- a filter that matches nothing
    out, code = c.run("models list nothing-like-this")
    T.eq(code, 0)
    T.eq(out, "no model matches 'nothing-like-this'\n")
    T.server_reset()
  end)

  T.test("models set: a ref in the catalog", function()
    T.server_reset()
    local c = setup(CONFIGURED)
    local out, code, err = c.run("models set openrouter/X-AI/grok-4 --local")
    T.eq(code, 0, err)
    has(out, "Default model: openrouter/x-ai/grok-4\n")
    has(out, "Set agents.defaults.model.primary in ")
    has(out, "(previous version kept as ")
    has(out, "Found in the live catalog: xAI: Grok 4, context 256k")
    local doc = c.doc()
    T.eq(doc.agents.defaults.model.primary, "openrouter/x-ai/grok-4")
    T.eq(doc.agents.defaults.model.fallbacks,
         CONFIGURED.agents.defaults.model.fallbacks)
    T.eq(doc.agents.defaults.models["openrouter/moonshotai/kimi-k2.6"].alias,
         "Kimi")
    T.eq(lfs.attributes(c.json, "permissions"), "rw-------")
    local bak = json.decode(read(c.json .. ".bak"))
    T.eq(bak.agents.defaults.model.primary,
         "openrouter/anthropic/claude-sonnet-4.5")
    -- an alias is a ref too
    out, code, err = c.run("models set kimi")
    T.eq(code, 0, err)
    has(out, "Default model: openrouter/moonshotai/kimi-k2.6 (alias 'kimi')")
    has(out, "Found in the catalog cached")
    T.eq(c.doc().agents.defaults.model.primary,
         "openrouter/moonshotai/kimi-k2.6")
    -- the alias onboarding writes; --local anywhere
    local o = setup({ agents = { defaults = { models = {
      ["openrouter/auto"] = { alias = "OpenRouter" } } } } })
    out, code, err = o.run("models --local set openrouter")
    T.eq(code, 0, err)
    has(out, "Default model: openrouter/auto (alias 'openrouter')")
    T.eq(o.doc().agents.defaults.model.primary, "openrouter/auto")
    -- the mock provider
    out, code = c.run("models set mock/echo")
    T.eq(code, 0)
    has(out, "offline mock provider")
    T.server_reset()
  end)

  T.test("models set: a ref not in the catalog is set, with a warning",
         function()
    T.server_reset()
    local c = setup()
    local out, code, err = c.run("models set openrouter/x-ai/grok-5")
    T.eq(code, 0, err)
    has(out, "Not found in the live catalog; it was set anyway")
    has(out, "did you mean openrouter/x-ai/grok-4?")
    T.eq(c.doc().agents.defaults.model.primary, "openrouter/x-ai/grok-5")
    -- offline: says which list it checked
    local off = setup(nil, CLOSED)
    out, code, err = off.run("models set openrouter/vendor/new-model")
    T.eq(code, 0)
    has(out, "Not found in the bundled model list (the live catalog could " ..
        "not be fetched)")
    has(err, "note: GET " .. CLOSED .. "/models failed")
    T.eq(off.doc().agents.defaults.model.primary,
         "openrouter/vendor/new-model")
    -- no openclaw.json yet: created with mode 0600
    os.remove(off.json)
    out, code = off.run("models set openrouter/auto")
    T.eq(code, 0)
    has(out, "(new file, mode 0600)")
    has(out, "Found in the bundled model list: OpenRouter Auto")
    T.eq(lfs.attributes(off.json, "permissions"), "rw-------")
    T.server_reset()
  end)

  T.test("models set: bare, empty and malformed refs", function()
    T.server_reset()
    local c = setup()
    assert(select(2, c.run("models list --all")) == 0)   -- fill the cache
    local before = read(c.json)
    local cases = {
      { "claude-sonnet-4.5", "has no provider: use openrouter/<provider>/" ..
        "<model>, e.g. openrouter/anthropic/claude-sonnet-4.5 (did you " ..
        "mean 'openrouter/anthropic/claude-sonnet-4.5'?)" },
      { "''", "model ref is empty" },
      { "'  '", "model ref is empty" },
      { "openrouter/", "is malformed" },
      { "openrouter//x", "is malformed" },
      { "/auto", "has no provider" },
      { "anthropic/claude-sonnet-4.5", "has unknown provider 'anthropic': " ..
        "use openrouter/anthropic/claude-sonnet-4.5" },
      { "'openrouter/a b'", "contains whitespace" },
      { "mock/nope", "unknown mock model" },
    }
    for _, case in ipairs(cases) do
      local out, code, err = c.run("models set " .. case[1])
      T.eq(code, 2, case[1] .. ": " .. err)
      T.eq(out, "")
      T.ok(one_line(err), "not one line: " .. err)
      has(err, "openclaw: openclaw models set: ", case[1])
      has(err, case[2], case[1])
    end
    T.eq(read(c.json), before)
    local _, code, err = c.run("models set")
    T.eq(code, 2)
    has(err, "missing argument; usage: openclaw models set REF")
    _, code, err = c.run("models set a/b c/d")
    T.eq(code, 2)
    has(err, "unexpected argument 'c/d'")
    T.server_reset()
  end)

  T.test("models set: shorthand model, overrides, broken config", function()
    T.server_reset()
    local c = setup({ agents = { defaults = { model = "openrouter/auto" } } })
    local out, code, err = c.run("models set openrouter/x-ai/grok-4")
    T.eq(code, 0, err)
    T.eq(c.doc().agents.defaults.model, { primary = "openrouter/x-ai/grok-4" })
    -- config.lua decides the primary: a note says so
    write(c.state .. "/config.lua", 'return { agents = { defaults = { ' ..
      'model = { primary = "openrouter/moonshotai/kimi-k2.6" } } } }')
    out, code, err = c.run("models set openrouter/auto")
    T.eq(code, 0, err)
    has(err, "note: agents.defaults.model.primary is also set by " ..
        "~/state/config.lua, which wins (effective value: " ..
        '"openrouter/moonshotai/kimi-k2.6")')
    os.remove(c.state .. "/config.lua")
    -- a broken openclaw.json: one line, exit 1, not rewritten
    write(c.json, "{ agents: ")
    out, code, err = c.run("models set openrouter/auto")
    T.eq(code, 1)
    T.ok(one_line(err), err)
    has(err, "openclaw.json:1:")
    T.eq(read(c.json), "{ agents: ")
    _, code, err = c.run("models status")
    T.eq(code, 1)
    T.ok(one_line(err), err)
    T.server_reset()
  end)

  T.test("models status: masked key, sources, no key", function()
    T.server_reset()
    local c = setup({
      agents = { defaults = { model = { primary = "openrouter/auto",
        fallbacks = { "openrouter/moonshotai/kimi-k2.6" } },
        imageGenerationModel = {
          primary = "openrouter/google/gemini-3.1-flash-image-preview" } } },
      auth = { profiles = { ["openrouter:default"] = {
        provider = "openrouter", mode = "api_key", key = KEY } } },
    })
    local out, code, err = c.run("models status")
    T.eq(code, 0, err)
    has(out, "Config:        ~/state/openclaw.json\n")
    has(out, "Primary:       openrouter/auto (OpenRouter Auto; context 200k" ..
        ", max output 8k)\n")
    has(out, "Fallbacks:     openrouter/moonshotai/kimi-k2.6\n")
    has(out, "Image model:   openrouter/google/gemini-3.1-flash-image-preview\n")
    has(out, "TTS:           auto off, provider openrouter, model " ..
        "hexgrad/kokoro-82m, voice af_alloy, mp3\n")
    has(out, 'API key:       sk-or-…9f3e (from auth.profiles["openrouter:' ..
        'default"].key)\n')
    has(out, "Base URL:      " .. T.server() .. "/api/v1\n")
    has(out, "Catalog:       not cached")
    T.eq(model_requests(), 0)
    -- JSON
    out, code = c.run("models status --json")
    T.eq(code, 0)
    local doc = json.decode(out)
    T.eq(doc.primary, "openrouter/auto")
    T.eq(doc.primary_known, true)
    T.eq(doc.fallbacks, { "openrouter/moonshotai/kimi-k2.6" })
    T.eq(doc.api_key, { configured = true, masked = "sk-or-…9f3e",
      source = 'auth.profiles["openrouter:default"].key' })
    T.eq(doc.tts.model, "hexgrad/kokoro-82m")
    T.eq(doc.catalog.cached, false)
    T.eq(doc.image_model.fallbacks, {})
    -- the key from the environment
    local e = setup()
    out, code = e.run("models status", { OPENROUTER_API_KEY = ENVKEY })
    T.eq(code, 0)
    has(out, "API key:       sk-or-…7a1b (from env.OPENROUTER_API_KEY)")
    -- no key anywhere
    out, code, err = e.run("models status")
    T.eq(code, 0, err)
    has(out, "API key:       not configured; run 'openclaw onboard " ..
        "--auth-choice openrouter-api-key' or set OPENROUTER_API_KEY")
    _, code, err = e.run("models status --check")
    T.eq(code, 1)
    has(err, "no API key configured")
    _, code = c.run("models status --check")
    T.eq(code, 0)
    out = e.run("models status --json")
    T.eq(json.decode(out).api_key, { configured = false })
    -- with a cache
    assert(select(2, c.run("models list --all")) == 0)
    out = c.run("models status")
    T.ok(out:find("Catalog:       7 models cached %d+ s ago %(~/state/cache/" ..
         "models%.json%)"), out)
    T.server_reset()
  end)

  T.test("models fallbacks: list, add, remove, clear", function()
    T.server_reset()
    local c = setup({ agents = { defaults = { model = {
      primary = "openrouter/auto",
      fallbacks = { "openrouter/moonshotai/kimi-k2.6" } } } } })
    local out, code = c.run("models fallbacks")
    T.eq(code, 0)
    T.eq(out, "1. openrouter/moonshotai/kimi-k2.6\n")
    out, code = c.run("models fallbacks add openrouter/X-AI/grok-4")
    T.eq(code, 0)
    has(out, "Added openrouter/x-ai/grok-4 as fallback #2")
    T.eq(c.doc().agents.defaults.model, { primary = "openrouter/auto",
      fallbacks = { "openrouter/moonshotai/kimi-k2.6",
                    "openrouter/x-ai/grok-4" } })
    out = c.run("models fallbacks add openrouter/x-ai/grok-4")
    has(out, "already fallback #2; nothing to do")
    out = c.run("models fallbacks list --json")
    T.eq(json.decode(out), { "openrouter/moonshotai/kimi-k2.6",
                             "openrouter/x-ai/grok-4" })
    out, code = c.run("models fallbacks remove openrouter/moonshotai/kimi-k2.6")
    T.eq(code, 0)
    has(out, "Removed fallback openrouter/moonshotai/kimi-k2.6")
    local _, err
    _, code, err = c.run("models fallbacks remove openrouter/a/b")
    T.eq(code, 1)
    has(err, "openrouter/a/b is not a fallback model (fallbacks: " ..
        "openrouter/x-ai/grok-4)")
    _, code, err = c.run("models fallbacks add grok-4")
    T.eq(code, 2)
    has(err, "has no provider")
    out, code = c.run("models fallbacks clear")
    T.eq(code, 0)
    has(out, "Removed every fallback model")
    T.eq(read(c.json):find('"fallbacks": []', 1, true) ~= nil, true)
    out = c.run("models fallbacks")
    T.eq(out, "no fallback models\n")
    _, code, err = c.run("models fallbacks ad x/y")
    T.eq(code, 2)
    has(err, "unknown action 'ad' (did you mean 'add'?)")
    T.eq(model_requests(), 0)
  end)

  T.test("models: unknown flags and subcommands, help", function()
    local c = setup()
    local out, code, err = c.run("models list --al")
    T.eq(code, 2)
    T.eq(out, "")
    T.ok(one_line(err), err)
    has(err, "openclaw: openclaw models list: unknown option '--al' (did " ..
        "you mean '--all'?)")
    _, code, err = c.run("models status --jsn")
    T.eq(code, 2)
    has(err, "unknown option '--jsn' (did you mean '--json'?)")
    _, code, err = c.run("models set --lcoal openrouter/auto")
    T.eq(code, 2)
    has(err, "unknown option '--lcoal' (did you mean '--local'?)")
    _, code, err = c.run("models stauts")
    T.eq(code, 2)
    has(err, "unknown subcommand 'stauts' (did you mean 'status'?)")
    _, code, err = c.run("models list --json=yes")
    T.eq(code, 2)
    has(err, "option '--json' takes no value")
    out, code = c.run("help models")
    T.eq(code, 0)
    has(out, "usage: openclaw models list|set|status|fallbacks")
    has(out, "set REF")
    out, code = c.run("models --help")
    T.eq(code, 0)
    has(out, "usage: openclaw models")
  end)
end
