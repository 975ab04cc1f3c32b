-- Tests of openclaw.config, openclaw.config_schema, the shipped config.lua
-- and the `openclaw config` command.
local config = require("openclaw.config")
local schema = require("openclaw.config_schema")
local json = require("openclaw.json")
local cmd = require("openclaw.commands.config")
local errors = require("openclaw.errors")
local lfs = require("lfs")

local KEY = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef9f3e"
local KEY2 = "sk-or-v1-fedcba9876543210fedcba9876543210fedcba98765432107a1b"
local KEY3 = "sk-or-v1-00112233445566778899aabbccddeeff00112233445566774c2d"

return function(T)
  local shipped = config.shipped_path()

  -- a fresh home folder with ~/.openclaw; returns a context table
  local function setup()
    local dir = T.tmpdir()
    local home = dir .. "/home"
    local state = home .. "/.openclaw"
    assert(os.execute("mkdir -p '" .. state .. "'"))
    local c = { dir = dir, home = home, state = state,
                json = state .. "/openclaw.json",
                lua = state .. "/config.lua",
                env = { HOME = home } }
    function c.write(path, text) return T.write(path, text, 0x180) end
    c.read = T.read
    function c.load(opts)
      opts = opts or {}
      opts.env = opts.env or c.env
      opts.shipped = opts.shipped or shipped
      return config.load(opts)
    end
    function c.must(opts)
      local cfg, origins, warnings = c.load(opts)
      T.ok(cfg, "load failed: " .. tostring(origins))
      return cfg, origins, warnings
    end
    function c.fails(opts)
      local ok, cfg, msg = pcall(c.load, opts)
      T.ok(ok, "config.load raised: " .. tostring(cfg))
      T.eq(cfg, nil)
      T.eq(type(msg), "string")
      T.ok(not msg:find("\n"), "message has several lines: " .. msg)
      T.ok(not msg:find("traceback", 1, true), "traceback: " .. msg)
      return msg
    end
    -- run `openclaw config ...`; returns exit code, stdout, stderr
    function c.run(argv, extra)
      local o, e = {}, {}
      local ctx = { env = c.env, shipped = shipped,
                    stdout = { write = function(self, ...)
                      for _, s in ipairs({ ... }) do o[#o + 1] = s end
                      return self
                    end },
                    stderr = { write = function(self, ...)
                      for _, s in ipairs({ ... }) do e[#e + 1] = s end
                      return self
                    end } }
      for k, v in pairs(extra or {}) do ctx[k] = v end
      local ok, code = pcall(cmd.run, argv, ctx)
      if not ok then
        T.ok(errors.is(code), "command raised a non-user error: " ..
             tostring(code))
        e[#e + 1] = "openclaw: " .. code.message .. "\n"
        code = code.exit
      end
      return code, table.concat(o), table.concat(e)
    end
    return c
  end

  local function has(s, sub)
    return s:find(sub, 1, true) ~= nil
  end

  local function contains(list, sub)
    for _, s in ipairs(list) do
      if has(s, sub) then return s end
    end
    return nil
  end

  -- defaults ----------------------------------------------------------------

  T.test("config: the shipped defaults", function()
    T.ok(shipped, "shipped config.lua not found")
    local c = setup()
    local cfg, origins, warnings = c.must()
    T.eq(warnings, {})
    local d = cfg.agents.defaults
    T.eq(d.model.primary, "openrouter/auto")
    T.eq(d.model.fallbacks, {})
    T.ok(json.is_array(d.model.fallbacks), "fallbacks is a list")
    T.eq(d.thinkingDefault, nil)
    T.eq(d.maxToolRounds, 8)
    T.eq(d.imageGenerationModel.timeoutMs, 180000)
    T.eq(d.failover.maxRetries, 2)
    T.eq(cfg.models.providers.openrouter.baseUrl,
         "https://openrouter.ai/api/v1")
    T.eq(cfg.models.providers.openrouter.apiKey, nil)
    local tts = cfg.messages.tts
    T.eq(tts.auto, "off")
    T.eq(tts.provider, "openrouter")
    T.eq(tts.providers.openrouter, { model = "hexgrad/kokoro-82m",
      voice = "af_alloy", responseFormat = "mp3" })
    T.eq(cfg.reload, true)
    T.eq(origins["agents.defaults.model.primary"], "default")
    T.eq(origins["messages.tts.providers.openrouter.voice"], "default")
  end)

  T.test("config: failover defaults reach the first fallback in 10 s",
         function()
    local c = setup()
    local f = c.must().agents.defaults.failover
    -- worst case: every attempt fails only after connectTimeoutMs; a retry
    -- starts only while (time since the first attempt + wait) is within
    -- retryBudgetMs
    local t, backoff = 0, f.initialBackoffMs
    local fail_at = t + f.connectTimeoutMs
    for _ = 1, f.maxRetries do
      local start = fail_at + backoff
      if start > f.retryBudgetMs then break end
      fail_at = start + f.connectTimeoutMs
      backoff = math.min(backoff * 2, f.maxBackoffMs)
    end
    T.ok(fail_at <= 10000, "first fallback after " .. fail_at .. " ms")
    T.ok(f.retryBudgetMs + f.connectTimeoutMs <= 10000, "bound")
    T.ok(f.retryBudgetMs < 10000, "budget")
  end)

  T.test("config: every documented key of the shipped file is known",
         function()
    for _, p in ipairs({ "agents.defaults.model.primary",
        "agents.defaults.model.fallbacks", "agents.defaults.thinkingDefault",
        "agents.defaults.imageGenerationModel.timeoutMs",
        "agents.defaults.mediaModels.image", "agents.defaults.maxToolRounds",
        "agents.defaults.failover.retryBudgetMs", "agents.defaults.system",
        "agents.defaults.timeoutMs", "agents.defaults.params",
        "models.providers.openrouter.apiKey",
        "models.providers.openrouter.headers",
        "messages.tts.providers.openrouter.voiceId", "reload", "ui.color",
        'auth.profiles["openrouter:default"].key',
        'agents.defaults.models["openrouter/x/y-4.5"].params' }) do
      local segs = assert(config.parse_key(p))
      T.ok(schema.node_at(segs), "unknown: " .. p)
    end
    T.ok(schema.is_secret(config.parse_key(
      'auth.profiles["openrouter:default"].key')), "profile key secret")
    T.ok(schema.is_secret(config.parse_key(
      "models.providers.openrouter.apiKey")), "apiKey secret")
    T.ok(schema.is_secret(config.parse_key("env.OPENROUTER_API_KEY")),
         "env key secret")
    T.ok(not schema.is_secret(config.parse_key("agents.defaults.system")),
         "system not secret")
  end)

  -- paths -------------------------------------------------------------------

  T.test("config: paths", function()
    local p = config.paths({ HOME = "/h" })
    T.eq(p.state_dir, "/h/.openclaw")
    T.eq(p.json, "/h/.openclaw/openclaw.json")
    T.eq(p.user_lua, "/h/.openclaw/config.lua")
    p = config.paths({ HOME = "/h", OPENCLAW_STATE_DIR = "~/st" })
    T.eq(p.state_dir, "/h/st")
    T.eq(p.json, "/h/st/openclaw.json")
    T.eq(p.user_lua, "/h/st/config.lua")
    p = config.paths({ HOME = "/h", OPENCLAW_CONFIG_PATH = "/etc/oc/x.json" })
    T.eq(p.state_dir, "/h/.openclaw")
    T.eq(p.json, "/etc/oc/x.json")
    T.eq(p.user_lua, "/etc/oc/config.lua")
    T.eq(config.display("/h/.openclaw/a", "/h"), "~/.openclaw/a")
    T.eq(config.display("/hx/a", "/h"), "/hx/a")
  end)

  -- layers ------------------------------------------------------------------

  T.test("config: openclaw.json overrides the defaults", function()
    local c = setup()
    c.write(c.json, [[
// JSON5 as OpenClaw writes it
{
  agents: { defaults: {
    model: { primary: 'openrouter/anthropic/claude-sonnet-4.5',
             fallbacks: ['openrouter/moonshotai/kimi-k2.6',], },
    maxToolRounds: 12,
  } },
}]])
    local cfg, origins, warnings = c.must()
    T.eq(warnings, {})
    T.eq(cfg.agents.defaults.model.primary,
         "openrouter/anthropic/claude-sonnet-4.5")
    T.eq(cfg.agents.defaults.model.fallbacks,
         { "openrouter/moonshotai/kimi-k2.6" })
    T.eq(cfg.agents.defaults.maxToolRounds, 12)
    T.eq(cfg.agents.defaults.timeoutMs, 600000)
    T.eq(origins["agents.defaults.model.primary"],
         "~/.openclaw/openclaw.json")
    T.eq(origins["agents.defaults.model.fallbacks"],
         "~/.openclaw/openclaw.json")
    T.eq(origins["agents.defaults.timeoutMs"], "default")
  end)

  T.test("config: the user doc's JSON5 examples work unchanged", function()
    local c = setup()
    c.write(c.json, [[
{
env: { OPENROUTER_API_KEY: "sk-or-..." },
agents: {
defaults: {
model: { primary: "openrouter/auto" },
},
},
}]])
    local cfg, origins, warnings = c.must()
    T.eq(warnings, {})
    T.eq(cfg.env.OPENROUTER_API_KEY, "sk-or-...")
    T.eq(config.getenv(cfg, "OPENROUTER_API_KEY", c.env), "sk-or-...")
    T.eq(origins["env.OPENROUTER_API_KEY"], "~/.openclaw/openclaw.json")
    c.write(c.json, [[
{
env: { OPENROUTER_API_KEY: "sk-or-..." },
agents: {
defaults: {
imageGenerationModel: {
primary: "openrouter/google/gemini-3.1-flash-image-preview",
timeoutMs: 180_000,
},
},
},
}]])
    cfg, origins, warnings = c.must()
    T.eq(warnings, {})
    local igm = cfg.agents.defaults.imageGenerationModel
    T.eq(igm.primary, "openrouter/google/gemini-3.1-flash-image-preview")
    T.eq(igm.timeoutMs, 180000)
    T.eq(math.type(igm.timeoutMs), "integer")
    c.write(c.json, [[
{
messages: {
tts: {
auto: "always",
provider: "openrouter",
providers: {
openrouter: {
model: "hexgrad/kokoro-82m",
voice: "af_alloy",
responseFormat: "mp3",
},
},
},
},
}]])
    cfg, origins, warnings = c.must()
    T.eq(warnings, {})
    T.eq(cfg.messages.tts.auto, "always")
    T.eq(origins["messages.tts.auto"], "~/.openclaw/openclaw.json")
    T.eq(cfg.messages.tts.mode, "final")
  end)

  T.test("config: a real OpenClaw config loads without noise", function()
    local c = setup()
    c.write(c.json, [[
{
  "meta": { "lastTouchedVersion": "2026.3.1", "lastTouchedAt": "x" },
  "wizard": { "lastRunAt": "x", "lastRunMode": "local" },
  "auth": { "profiles": { "openrouter:default": {
    "provider": "openrouter", "mode": "api_key" } } },
  "agents": { "defaults": {
    "model": { "primary": "openrouter/auto" },
    "models": { "openrouter/auto": { "alias": "OpenRouter" } },
    "workspace": "/home/u/.openclaw/workspace",
    "compaction": { "mode": "safeguard" },
    "maxConcurrent": 4,
    "subagents": { "maxConcurrent": 8 } },
    "list": [ { "id": "main" } ] },
  "messages": { "ackReactionScope": "group-mentions" },
  "commands": { "native": "auto" },
  "gateway": { "port": 18789, "mode": "local", "bind": "loopback",
               "auth": { "mode": "token", "token": "abc" } },
  "plugins": { "entries": { "openrouter": { "enabled": true } } }
}]])
    local cfg, _, warnings = c.must()
    T.eq(warnings, {})
    T.eq(cfg.agents.defaults.models["openrouter/auto"].alias, "OpenRouter")
    T.eq(cfg.gateway, nil)
    T.eq(cfg.agents.defaults.workspace, nil)
    T.eq(cfg.auth.profiles["openrouter:default"].mode, "api_key")
  end)

  T.test("config: config.lua returning a table overrides the JSON",
         function()
    local c = setup()
    c.write(c.json, [[{ agents: { defaults: { maxToolRounds: 3,
                                              system: "json" } } }]])
    c.write(c.lua, [[
-- my settings
local rounds = 2 * 2
return {
  agents = { defaults = { maxToolRounds = rounds,
                          thinkingDefault = "high" } },
}]])
    local cfg, origins = c.must()
    T.eq(cfg.agents.defaults.maxToolRounds, 4)
    T.eq(cfg.agents.defaults.system, "json")
    T.eq(cfg.agents.defaults.thinkingDefault, "high")
    T.eq(origins["agents.defaults.maxToolRounds"], "~/.openclaw/config.lua")
    T.eq(origins["agents.defaults.system"], "~/.openclaw/openclaw.json")
  end)

  T.test("config: config.lua returning a function edits the merged config",
         function()
    local c = setup()
    c.write(c.json, [[{ agents: { defaults: { model: {
      fallbacks: ["openrouter/a/b"] } } } }]])
    c.write(c.lua, [[
return function(cfg)
  local m = cfg.agents.defaults.model
  table.insert(m.fallbacks, "openrouter/c/d")
  m.primary = "openrouter/" .. (os.getenv("PICK") or "x") .. "/y"
  cfg.agents.defaults.models["openrouter/c/d"] = { alias = "cd" }
  cfg.messages.tts.providers.openrouter.voice = nil
end]])
    c.env.PICK = "picked"
    local cfg, origins = c.must()
    local m = cfg.agents.defaults.model
    T.eq(m.primary, "openrouter/picked/y")
    T.eq(m.fallbacks, { "openrouter/a/b", "openrouter/c/d" })
    T.ok(json.is_array(m.fallbacks), "still a list")
    T.eq(cfg.agents.defaults.models["openrouter/c/d"].alias, "cd")
    T.eq(cfg.messages.tts.providers.openrouter.voice, nil)
    T.eq(origins["agents.defaults.model.primary"], "~/.openclaw/config.lua")
    T.eq(origins["agents.defaults.model.fallbacks"],
         "~/.openclaw/config.lua")
    T.eq(origins['agents.defaults.models["openrouter/c/d"].alias'],
         "~/.openclaw/config.lua")
    T.eq(origins["messages.tts.providers.openrouter.voice"], nil)
    T.eq(origins["agents.defaults.maxToolRounds"], "default")
    -- a function may also return a new table
    c.write(c.lua, [[
return function(cfg)
  local out = {}
  for k, v in pairs(cfg) do out[k] = v end
  out.reload = false
  return out
end]])
    cfg, origins = c.must()
    T.eq(cfg.reload, false)
    T.eq(origins.reload, "~/.openclaw/config.lua")
  end)

  T.test("config: precedence of every layer", function()
    local c = setup()
    local key = "agents.defaults.system"
    c.write(c.json, [[{ agents: { defaults: { system: "json",
      timeoutMs: 1000, maxToolRounds: 1, params: { a: 1 } } } }]])
    c.write(c.lua, [[return { agents = { defaults = { system = "lua",
      timeoutMs = 2000 } } }]])
    local extra = c.write(c.dir .. "/extra.json",
                          [[{ agents: { defaults: { system: "extra" } } }]])
    local cfg, origins = c.must({ extra_files = { extra },
      flags = { [key] = "flag" } })
    T.eq(cfg.agents.defaults.system, "flag")
    T.eq(origins[key], "flag")
    T.eq(cfg.agents.defaults.timeoutMs, 2000)
    T.eq(origins["agents.defaults.timeoutMs"], "~/.openclaw/config.lua")
    T.eq(cfg.agents.defaults.maxToolRounds, 1)
    T.eq(origins["agents.defaults.maxToolRounds"],
         "~/.openclaw/openclaw.json")
    T.eq(cfg.agents.defaults.failover.maxRetries, 2)
    T.eq(origins["agents.defaults.failover.maxRetries"], "default")
    cfg, origins = c.must({ extra_files = { extra } })
    T.eq(cfg.agents.defaults.system, "extra")
    T.eq(origins[key], c.dir .. "/extra.json")
    -- a Lua extra file
    local extra_lua = c.write(c.dir .. "/more.lua", [[
return function(cfg) cfg.agents.defaults.system = "more" end]])
    cfg = c.must({ extra_files = { extra, extra_lua } })
    T.eq(cfg.agents.defaults.system, "more")
    -- a missing extra file is an error (it was asked for)
    local msg = c.fails({ extra_files = { c.dir .. "/nope.json" } })
    T.eq(msg, c.dir .. "/nope.json: no such file")
  end)

  T.test("config: environment layer and the env block", function()
    local c = setup()
    c.write(c.json, [[{ env: { OPENROUTER_API_KEY: "]] .. KEY2 .. [[",
      FOO: "from-config", vars: { BAR: "bar", FOO: "vars-loses" } } }]])
    local cfg, origins = c.must()
    T.eq(cfg.env.FOO, "from-config")
    T.eq(cfg.env.BAR, "bar")
    T.eq(cfg.env.vars, nil)
    T.eq(config.getenv(cfg, "FOO", c.env), "from-config")
    T.eq(config.getenv(cfg, "OPENROUTER_API_KEY", c.env), KEY2)
    T.eq(origins["env.OPENROUTER_API_KEY"], "~/.openclaw/openclaw.json")
    -- the process environment wins over the env block
    c.env.FOO = "from-process"
    c.env.OPENROUTER_API_KEY = KEY
    cfg, origins = c.must()
    T.eq(config.getenv(cfg, "FOO", c.env), "from-process")
    T.eq(cfg.env.FOO, "from-process")
    T.eq(origins["env.FOO"], "env")
    T.eq(cfg.env.OPENROUTER_API_KEY, KEY)
    T.eq(origins["env.OPENROUTER_API_KEY"], "env")
    -- an empty variable counts as unset
    c.env.FOO = ""
    cfg = c.must()
    T.eq(config.getenv(cfg, "FOO", c.env), "from-config")
  end)

  T.test("config: API key resolution order", function()
    local c = setup()
    local cfg = c.must()
    local k, where = config.api_key(cfg, c.env)
    T.eq(k, nil)
    T.ok(has(where, "openclaw onboard"), where)
    c.write(c.json, [[{ models: { providers: { openrouter: {
      apiKey: "]] .. KEY3 .. [[" } } } }]])
    cfg = c.must()
    T.eq({ config.api_key(cfg, c.env) },
         { KEY3, "models.providers.openrouter.apiKey" })
    c.env.OPENROUTER_API_KEY = KEY2
    cfg = c.must()
    T.eq({ config.api_key(cfg, c.env) }, { KEY2, "env.OPENROUTER_API_KEY" })
    c.write(c.json, [[{ models: { providers: { openrouter: {
      apiKey: "]] .. KEY3 .. [[" } } }, auth: { profiles: {
      "openrouter:default": { provider: "openrouter", mode: "api_key",
                              key: "]] .. KEY .. [[" } } } }]])
    cfg = c.must()
    T.eq({ config.api_key(cfg, c.env) },
         { KEY, 'auth.profiles["openrouter:default"].key' })
  end)

  T.test("config: merge rules: objects merge, lists replace, null deletes",
         function()
    local c = setup()
    c.write(c.json, [[{
      agents: { defaults: {
        model: { fallbacks: ["openrouter/a/b", "openrouter/c/d"] },
        params: { temperature: 0.5, provider: { order: ["x", "y"],
                                                 sort: "price" } },
      } },
      messages: { tts: { providers: { openrouter: { voice: null } } } },
    }]])
    c.write(c.lua, [[return { agents = { defaults = {
      model = { fallbacks = { "openrouter/e/f" } },
      params = { provider = { order = { "z" } }, top_p = 0.9 },
    } } }]])
    local cfg, origins = c.must()
    local d = cfg.agents.defaults
    T.eq(d.model.fallbacks, { "openrouter/e/f" })
    T.eq(d.model.primary, "openrouter/auto")
    T.eq(d.params, { temperature = 0.5, top_p = 0.9,
                     provider = { order = { "z" }, sort = "price" } })
    T.eq(cfg.messages.tts.providers.openrouter.voice, nil)
    T.eq(cfg.messages.tts.providers.openrouter.model, "hexgrad/kokoro-82m")
    T.eq(origins["messages.tts.providers.openrouter.voice"], nil)
    T.eq(origins["agents.defaults.params.temperature"],
         "~/.openclaw/openclaw.json")
    T.eq(origins["agents.defaults.params.provider.order"],
         "~/.openclaw/config.lua")
    -- null in Lua configs: the global `null`
    c.write(c.lua, [[return { agents = { defaults = {
      imageGenerationModel = { primary = null } } } }]])
    cfg = c.must()
    T.eq(cfg.agents.defaults.imageGenerationModel.primary, nil)
    T.eq(cfg.agents.defaults.imageGenerationModel.timeoutMs, 180000)
  end)

  T.test("config: normalisation: shorthands, aliases, whole numbers",
         function()
    local c = setup()
    c.write(c.json, [[{ agents: { defaults: {
      model: "openrouter/x/y", thinkingDefault: "x-high",
      timeoutMs: 5000.0, mediaModels: { image: "openrouter/g/h" } } },
      ui: { color: false } }]])
    local cfg = c.must()
    T.eq(cfg.agents.defaults.model.primary, "openrouter/x/y")
    T.eq(cfg.agents.defaults.model.fallbacks, {})
    T.eq(cfg.agents.defaults.thinkingDefault, "xhigh")
    T.eq(math.type(cfg.agents.defaults.timeoutMs), "integer")
    T.eq(cfg.agents.defaults.mediaModels.image.primary, "openrouter/g/h")
    T.eq(cfg.ui.color, "never")
  end)

  T.test("config: image_model: mediaModels.image over " ..
         "imageGenerationModel", function()
    local c = setup()
    local im = config.image_model(c.must())
    T.eq(im, { fallbacks = {}, timeoutMs = 180000 })
    c.write(c.json, [[{ agents: { defaults: {
      imageGenerationModel: { fallbacks: ["openrouter/a/b"] },
      mediaModels: { image: "openrouter/openai/gpt-5-image" } } } }]])
    im = config.image_model(c.must())
    T.eq(im, { primary = "openrouter/openai/gpt-5-image", fallbacks = {},
               timeoutMs = 180000 })
    c.write(c.json, [[{ agents: { defaults: {
      mediaModels: { image: { timeoutMs: 5000 } } } } }]])
    im = config.image_model(c.must())
    T.eq(im.primary, nil)
    T.eq(im.timeoutMs, 5000)
  end)

  T.test("config: flags layer", function()
    local c = setup()
    local cfg, origins = c.must({ flags = {
      ["agents.defaults.model.primary"] = "openrouter/f/g",
      ['agents.defaults.models["openrouter/f/g"].params.temperature'] = 0.1,
    } })
    T.eq(cfg.agents.defaults.model.primary, "openrouter/f/g")
    T.eq(origins["agents.defaults.model.primary"], "flag")
    T.eq(cfg.agents.defaults.models["openrouter/f/g"].params.temperature,
         0.1)
    local msg = c.fails({ flags = { ["agents.defaults.maxToolRounds"] =
                                    "many" } })
    T.eq(msg, 'command line: agents.defaults.maxToolRounds: expected a ' ..
         'whole number >= 0, got "many"')
    msg = c.fails({ flags = { ["agents.nope"] = 1 } })
    T.eq(msg, "command line: unknown key agents.nope")
  end)

  -- validation --------------------------------------------------------------

  T.test("config: unknown keys warn with the closest known key", function()
    local c = setup()
    c.write(c.json, [[{ agents: { defaults: {
      modle: { primary: "openrouter/a/b" } } },
      agnets: {}, models: { providers: { openrouter: { apikey: "x",
      baseURL: "y" } } }, messages: { tts: { providers: { openrouter: {
      voise: "v" } } } }, totallyUnrelated: 1 }]])
    local cfg, _, warnings = c.must()
    T.eq(cfg.agents.defaults.model.primary, "openrouter/auto")
    local label = "~/.openclaw/openclaw.json"
    T.ok(contains(warnings, label .. ": unknown key agents.defaults.modle " ..
         "(did you mean agents.defaults.model?); ignored"),
         table.concat(warnings, "\n"))
    T.ok(contains(warnings, "unknown key agnets (did you mean agents?)"),
         "agnets")
    T.ok(contains(warnings, "unknown key models.providers.openrouter." ..
         "apikey (did you mean models.providers.openrouter.apiKey?)"),
         "apikey")
    T.ok(contains(warnings, "(did you mean " ..
         "models.providers.openrouter.baseUrl?)"), "baseURL")
    T.ok(contains(warnings, "(did you mean " ..
         "messages.tts.providers.openrouter.voice?)"), "voise")
    T.ok(contains(warnings, "unknown key totallyUnrelated; ignored"),
         "no suggestion")
    -- same name at another level
    c.write(c.json, [[{ agents: { maxToolRounds: 3 } }]])
    _, _, warnings = c.must()
    T.ok(contains(warnings, "unknown key agents.maxToolRounds (did you " ..
         "mean agents.defaults.maxToolRounds?)"), warnings[1])
    -- free-form tables take any key
    c.write(c.json, [[{ agents: { defaults: { params: { anything: 1,
      provider: { sort: "price", whatever: [1] } },
      models: { "openrouter/x/y": { params: { zz: 1 } } } } },
      models: { providers: { openrouter: { headers: { "X-A": "b" } } } },
      env: { ANY_NAME: "v" } }]])
    _, _, warnings = c.must()
    T.eq(warnings, {})
  end)

  T.test("config: wrong types fail with <file>: <key.path>: expected ...",
         function()
    local c = setup()
    local label = "~/.openclaw/openclaw.json"
    local cases = {
      { [[{ agents: { defaults: { maxToolRounds: "eight" } } }]],
        'agents.defaults.maxToolRounds: expected a whole number >= 0, ' ..
        'got "eight"' },
      { [[{ agents: { defaults: { maxToolRounds: 2.5 } } }]],
        "agents.defaults.maxToolRounds: expected a whole number >= 0, " ..
        "got 2.5" },
      { [[{ agents: { defaults: { timeoutMs: -1 } } }]],
        "agents.defaults.timeoutMs: expected a whole number >= 1, got -1" },
      { [[{ messages: { tts: { auto: "sometimes" } } }]],
        'messages.tts.auto: expected one of "off", "always", "inbound", ' ..
        '"tagged", got "sometimes"' },
      { [[{ agents: { defaults: { model: { primary: "gpt 4" } } } }]],
        'agents.defaults.model.primary: expected a model ref like ' ..
        '"openrouter/<provider>/<model>", got "gpt 4"' },
      { [[{ agents: { defaults: { model: {
            fallbacks: "openrouter/a/b" } } } }]],
        'agents.defaults.model.fallbacks: expected a list of model refs, ' ..
        'got "openrouter/a/b"' },
      { [[{ agents: { defaults: { model: {
            fallbacks: ["openrouter/a/b", 7] } } } }]],
        "agents.defaults.model.fallbacks[1]: expected a model ref like " ..
        '"openrouter/<provider>/<model>", got 7' },
      { [[{ agents: { defaults: { models: { "openrouter/a/b-4.5": {
            alias: true } } } } }]],
        'agents.defaults.models["openrouter/a/b-4.5"].alias: expected a ' ..
        "string, got true" },
      { [[{ reload: "yes" }]], 'reload: expected true or false, got "yes"' },
      { [[{ env: { PORT: 8080 } }]],
        "env.PORT: expected a string, got 8080" },
      { [[{ agents: { defaults: { params: 5 } } }]],
        "agents.defaults.params: expected a table, got 5" },
      { [[{ agents: [] }]], "agents: expected an object, got an empty list" },
      { [[{ agents: { defaults: { model: [1] } } }]],
        "agents.defaults.model: expected an object (or a string for " ..
        ".primary), got a list" },
      { [[{ messages: { tts: { providers: { openrouter: {
            responseFormat: "wav" } } } } }]],
        'messages.tts.providers.openrouter.responseFormat: expected one ' ..
        'of "mp3", "pcm", got "wav"' },
      { [[{ agents: { defaults: { timeoutMs: Infinity } } }]],
        "agents.defaults.timeoutMs: expected a whole number >= 1, " ..
        "got Infinity" },
    }
    for _, case in ipairs(cases) do
      c.write(c.json, case[1])
      local msg = c.fails()
      T.eq(msg, label .. ": " .. case[2])
    end
    -- several problems: the first, and a count
    c.write(c.json, [[{ reload: 1, agents: { defaults: { system: 2,
      timeoutMs: "x" } } }]])
    local msg = c.fails()
    T.ok(has(msg, "(and 2 more problems in this file)"), msg)
    -- the same in config.lua
    c.write(c.json, "{}")
    c.write(c.lua, "return { agents = { defaults = { maxToolRounds = {} } } }")
    msg = c.fails()
    T.eq(msg, "~/.openclaw/config.lua: agents.defaults.maxToolRounds: " ..
         "expected a whole number >= 0, got an empty table")
  end)

  T.test("config: type errors never show a secret", function()
    local c = setup()
    c.write(c.json, [[{ models: { providers: { openrouter: {
      apiKey: 12345678901234567890 } } } }]])
    local msg = c.fails()
    T.eq(msg, "~/.openclaw/openclaw.json: models.providers.openrouter." ..
         "apiKey: expected a string, got a number")
    c.write(c.json, [[{ agents: { defaults: { model: {
      primary: "]] .. KEY .. [[" } } } }]])
    msg = c.fails()
    T.ok(not has(msg, KEY:sub(10, 30)), msg)
    T.ok(has(msg, "got a string (hidden)"), msg)
    c.write(c.json, [[{ auth: { profiles: { "openrouter:default": {
      key: ["]] .. KEY .. [["] } } } }]])
    msg = c.fails()
    T.eq(msg, '~/.openclaw/openclaw.json: auth.profiles["openrouter:' ..
         'default"].key: expected a string, got a list')
  end)

  T.test("config: JSON5 syntax errors are file:line:col one-liners",
         function()
    local c = setup()
    c.write(c.json, "{\n  agents: {\n    defaults: { maxToolRounds: 8 }\n" ..
            "  }\n  reload: true\n}")
    local msg = c.fails()
    T.eq(msg, "~/.openclaw/openclaw.json:5:3: expected ',' or '}' after " ..
         "a value, got 'r'")
    c.write(c.json, "[1, 2]")
    msg = c.fails()
    T.eq(msg, "~/.openclaw/openclaw.json: expected an object ({ ... }) " ..
         "at the top, got a list")
    c.write(c.json, "   \n")
    c.must()                                   -- an empty file is {}
  end)

  -- Lua config files --------------------------------------------------------

  T.test("config: config.lua syntax error", function()
    local c = setup()
    c.write(c.lua, "return {\n  reload = true\n  ui = {}\n}\n")
    local msg = c.fails()
    T.eq(msg, "~/.openclaw/config.lua:3: '}' expected (to close '{' at " ..
         "line 1) near 'ui'")
  end)

  T.test("config: config.lua runtime errors", function()
    local c = setup()
    c.write(c.lua, "local t = nil\n\nreturn { reload = t.x }\n")
    T.eq(c.fails(), "~/.openclaw/config.lua:3: attempt to index a nil " ..
         "value (local 't')")
    c.write(c.lua, "error('my own\\nmulti-line message')")
    T.eq(c.fails(), "~/.openclaw/config.lua:1: my own")
    c.write(c.lua, "error({})")
    T.eq(c.fails(), "~/.openclaw/config.lua: error object is a table value")
    c.write(c.lua, "error('no position', 0)")
    T.eq(c.fails(), "~/.openclaw/config.lua: no position")
    c.write(c.lua, "return function(cfg)\n  cfg.x.y = 1\nend")
    T.eq(c.fails(), "~/.openclaw/config.lua:2: attempt to index a nil " ..
         "value (field 'x')")
    c.write(c.lua, "return 42")
    T.eq(c.fails(), "~/.openclaw/config.lua: returns a number; expected " ..
         "a table or a function")
    c.write(c.lua, "local x = 1")
    T.ok(has(c.fails(), "returns nothing"), "returns nothing")
    c.write(c.lua, "return function() return 5 end")
    T.ok(has(c.fails(), "the function returned a number"), "fn returns")
  end)

  T.test("config: config.lua cannot hang the host (instruction budget)",
         function()
    local c = setup()
    local want = "took too long (instruction budget exceeded)"
    c.write(c.lua, "local n = 0\nwhile true do\n  n = n + 1\nend\n")
    local t0 = os.clock()
    local msg = c.fails({ budget = 200000 })
    T.ok(os.clock() - t0 < 5, "took too long to stop")
    T.ok(msg:find("^~/%.openclaw/config%.lua:%d: config%.lua " ..
                  "took too long %(instruction budget exceeded%)$"), msg)
    -- pcall inside the file cannot swallow the budget error
    c.write(c.lua, [[
while true do
  pcall(function() while true do end end)
end]])
    msg = c.fails({ budget = 200000 })
    T.ok(has(msg, want), msg)
    c.write(c.lua, "return function(cfg) repeat until false end")
    msg = c.fails({ budget = 200000 })
    T.ok(has(msg, want), msg)
    -- the default budget also ends an endless loop
    c.write(c.lua, "while true do end")
    msg = c.fails()
    T.ok(has(msg, want), msg)
    -- nor exhaust memory
    c.write(c.lua, [[
local t = {}
while true do t[#t + 1] = ("x"):rep(10000) .. #t end]])
    msg = c.fails({ memory_kb = 4096 })
    T.ok(msg:find("^~/%.openclaw/config%.lua:2: config%.lua used too " ..
                  "much memory %(over %d+ MB%)$"), msg)
    collectgarbage()
    -- a normal file well within the budget
    c.write(c.lua, [[
local t = {}
for i = 1, 10000 do t[#t + 1] = tostring(i) end
return { agents = { defaults = { system = t[10000] } } }]])
    T.eq(c.must().agents.defaults.system, "10000")
  end)

  T.test("config: config.lua runs in a sandbox", function()
    local c = setup()
    for _, name in ipairs({ "io", "require", "load", "loadfile", "dofile",
                            "debug", "setmetatable", "getmetatable",
                            "collectgarbage", "coroutine", "package" }) do
      c.write(c.lua, ("return { agents = { defaults = { system = " ..
        "type(%s) } } }"):format(name))
      T.eq(c.must().agents.defaults.system, "nil", name)
    end
    c.write(c.lua, [[return { agents = { defaults = { system =
      type(os.execute) .. type(os.remove) .. type(string.dump) ..
      type(os.time) .. type(string.format) .. tostring(_G == _ENV) } } }]])
    T.eq(c.must().agents.defaults.system,
         "nilnilnilfunctionfunctiontrue")
    -- a binary chunk is refused
    c.write(c.lua, string.dump(function() return {} end))
    T.ok(has(c.fails(), "binary"), "binary chunk")
    -- no state leaks from one load to the next
    c.write(c.lua, [[
x_count = (x_count or 0) + 1
return { agents = { defaults = { maxToolRounds = x_count } } }]])
    T.eq(c.must().agents.defaults.maxToolRounds, 1)
    T.eq(c.must().agents.defaults.maxToolRounds, 1)
    T.eq(rawget(_G, "x_count"), nil)
  end)

  T.test("config: a reloader keeps the last good config", function()
    local c = setup()
    c.write(c.lua, "return { agents = { defaults = { maxToolRounds = 5 } } }")
    local good = c.must()
    c.write(c.lua, "return { agents = { defaults = { maxToolRounds = ")
    local bad = c.fails()
    T.ok(has(bad, "~/.openclaw/config.lua:1:"), bad)
    T.eq(good.agents.defaults.maxToolRounds, 5)
    c.write(c.lua, "return { agents = { defaults = { maxToolRounds = 6 } } }")
    T.eq(c.must().agents.defaults.maxToolRounds, 6)
  end)

  T.test("config: load never raises on bad input", function()
    local c = setup()
    local inputs = { "{", "}", "[", "null", "true", "'x'", "{a:}", "\0",
                     "{ agents: null }", "{ agents: { defaults: null } }",
                     "{ env: [] }", "{ env: { vars: 5 } }",
                     "{ auth: { profiles: { x: 5 } } }",
                     "{ models: { providers: { openrouter: [] } } }" }
    for _, text in ipairs(inputs) do
      c.write(c.json, text)
      local ok, cfg, msg = pcall(c.load)
      T.ok(ok, "raised on " .. text .. ": " .. tostring(cfg))
      T.ok(cfg ~= nil or (type(msg) == "string" and not msg:find("\n")),
           text)
    end
    os.remove(c.json)
    for _, text in ipairs({ "return", "return nil", "return {1,2,3}",
                            "return { [1] = 2 }", "return { agents = 5 }",
                            "return function(c) return {} end",
                            "return function(c) c.agents = nil end",
                            "return { env = { X = {} } }" }) do
      c.write(c.lua, text)
      local ok, cfg, msg = pcall(c.load)
      T.ok(ok, "raised on " .. text .. ": " .. tostring(cfg))
      T.ok(cfg ~= nil or (type(msg) == "string" and not msg:find("\n")),
           text)
    end
  end)

  T.test("config: a key file others can read gets a warning", function()
    local c = setup()
    c.write(c.json, [[{ models: { providers: { openrouter: {
      apiKey: "]] .. KEY .. [[" } } } }]])
    assert(require("openclaw.core.fs").chmod(c.json, 0x1a4))
    local _, _, warnings = c.must()
    T.ok(contains(warnings, "chmod 600 ~/.openclaw/openclaw.json"),
         table.concat(warnings, "\n"))
    assert(require("openclaw.core.fs").chmod(c.json, 0x180))
    _, _, warnings = c.must()
    T.eq(warnings, {})
  end)

  -- key paths and masking ---------------------------------------------------

  T.test("config: parse_key and get", function()
    T.eq(config.parse_key("a.b.c"), { "a", "b", "c" })
    T.eq(config.parse_key('agents.defaults.models["openrouter/anthropic/' ..
         'claude-sonnet-4.5"].params'), { "agents", "defaults", "models",
         "openrouter/anthropic/claude-sonnet-4.5", "params" })
    T.eq(config.parse_key("a['x.y'].b"), { "a", "x.y", "b" })
    T.eq(config.parse_key("a.b[0]"), { "a", "b", 0 })
    T.eq(config.parse_key("auth.profiles.openrouter:default.key"),
         { "auth", "profiles", "openrouter:default", "key" })
    T.eq(config.parse_key("agents.defaults.models.openrouter/a/b-4.5." ..
         "params.temperature"), { "agents", "defaults", "models",
         "openrouter/a/b-4.5", "params", "temperature" })
    T.eq(config.parse_key("agents.defaults.models.openrouter/a/b-4.5"),
         { "agents", "defaults", "models", "openrouter/a/b-4.5" })
    for _, bad in ipairs({ "", "a..b", "a.", ".a", 'a["x', "a[]",
                           "a]b", 'a["x"]b' }) do
      local segs, err = config.parse_key(bad)
      T.eq(segs, nil)
      T.ok(type(err) == "string", bad)
    end
    local cfg = { a = { b = json.array({ "x", "y" }) },
                  m = { ["p/q.r"] = { v = 1 } } }
    T.eq(config.get(cfg, "a.b[1]"), "y")
    T.eq(config.get(cfg, 'm["p/q.r"].v'), 1)
    T.eq(config.get(cfg, "a.c.d"), nil)
    T.eq(config.get(cfg, "a.b[0].x"), nil)
    T.eq(config.format_key({ "a", "x/y", 3, "b c" }), 'a["x/y"][3]["b c"]')
  end)

  T.test("config: mask", function()
    T.eq(config.mask_string(KEY), "sk-or-…9f3e")
    T.eq(config.mask_string("short-key"), "…")
    T.eq(config.mask_string("abcdefghijklmnopqrstu"), "…rstu")
    T.eq(config.mask("models.providers.openrouter.apiKey", KEY),
         "sk-or-…9f3e")
    T.eq(config.mask("agents.defaults.system", "hello"), "hello")
    T.eq(config.mask("agents.defaults.system", KEY), "sk-or-…9f3e")
    T.eq(config.mask("env.OPENROUTER_API_KEY", "sk-or-..."), "…")
    T.eq(config.mask("env.EDITOR", "vim"), "vim")
    local t = config.mask("auth", { profiles = { ["openrouter:default"] = {
      provider = "openrouter", key = KEY } } })
    T.eq(t, { profiles = { ["openrouter:default"] = {
      provider = "openrouter", key = "sk-or-…9f3e" } } })
    T.eq(config.mask("models.providers.openrouter.headers", {
      Authorization = "Bearer " .. KEY, ["X-Title"] = "t" }),
      { Authorization = "Bearer …9f3e", ["X-Title"] = "t" })
    T.eq(config.scrub("near '\"" .. KEY .. "'"), "near '\"sk-or-…9f3e'")
  end)

  -- editing openclaw.json ---------------------------------------------------

  T.test("config: parse_value", function()
    T.eq(config.parse_value("agents.defaults.maxToolRounds", "8"), 8)
    T.eq(config.parse_value("reload", "false"), false)
    T.eq(config.parse_value("agents.defaults.model.fallbacks",
         '["openrouter/a/b"]'), { "openrouter/a/b" })
    T.eq(config.parse_value("agents.defaults.params", '{"temperature":0.2}'),
         { temperature = 0.2 })
    T.eq(config.parse_value("agents.defaults.params", "{temperature: 0.2}"),
         { temperature = 0.2 })
    T.eq(config.parse_value("agents.defaults.system", "123"), "123")
    T.eq(config.parse_value("agents.defaults.system", '"quoted"'), "quoted")
    T.eq(config.parse_value("agents.defaults.model.primary",
         "openrouter/a/b"), "openrouter/a/b")
    T.eq(config.parse_value("agents.defaults.params.stop", "hello"), "hello")
    T.eq(config.parse_value("ui.color", "true"), true)
    local v, err = config.parse_value("agents.defaults.system", "null")
    T.eq(v, "null")
    v, err = config.parse_value("agents.defaults.params", "null")
    T.eq(v, nil)
    T.ok(has(err, "openclaw config unset agents.defaults.params"), err)
  end)

  T.test("config: set_file_value / unset_file_value round trip", function()
    local c = setup()
    local label = "~/.openclaw/openclaw.json"
    os.remove(c.json)
    local ok, info = config.set_file_value(c.json,
      "agents.defaults.model.primary", "openrouter/a/b", { label = label })
    T.ok(ok, tostring(info))
    T.eq(info.created, true)
    T.eq(lfs.attributes(c.json, "permissions"), "rw-------")
    T.eq(json.decode(c.read(c.json)),
         { agents = { defaults = { model = {
           primary = "openrouter/a/b" } } } })
    T.eq(c.must().agents.defaults.model.primary, "openrouter/a/b")
    local before = c.read(c.json)
    ok, info = config.set_file_value(c.json,
      'agents.defaults.models["openrouter/a/b-4.5"].params.temperature', 0.3)
    T.ok(ok, tostring(info))
    T.eq(info.created, false)
    T.eq(c.read(c.json .. ".bak"), before)
    T.eq(lfs.attributes(c.json .. ".bak", "permissions"), "rw-------")
    local cfg = c.must()
    T.eq(config.get(cfg, 'agents.defaults.models["openrouter/a/b-4.5"]' ..
         ".params.temperature"), 0.3)
    ok = config.set_file_value(c.json, "agents.defaults.model.fallbacks",
                               json.array({ "openrouter/c/d" }))
    T.ok(ok)
    ok = config.set_file_value(c.json, "agents.defaults.model.fallbacks[1]",
                               "openrouter/e/f")
    T.ok(ok)
    ok = config.set_file_value(c.json, "agents.defaults.model.fallbacks[0]",
                               "openrouter/x/y")
    T.ok(ok)
    T.eq(c.must().agents.defaults.model.fallbacks,
         { "openrouter/x/y", "openrouter/e/f" })
    local err
    ok, err = config.set_file_value(c.json,
      "agents.defaults.model.fallbacks[5]", "openrouter/e/f")
    T.eq(ok, nil)
    T.ok(has(err, "past the end"), err)
    -- unset removes the key and the objects it leaves empty
    ok, info = config.unset_file_value(c.json,
      'agents.defaults.models["openrouter/a/b-4.5"].params.temperature')
    T.ok(ok, tostring(info))
    T.eq(info.removed, true)
    local doc = json.decode(c.read(c.json))
    T.eq(doc.agents.defaults.models, nil)
    T.eq(doc.agents.defaults.model.primary, "openrouter/a/b")
    ok, info = config.unset_file_value(c.json, "agents.defaults.system")
    T.ok(ok)
    T.eq(info.removed, false)
    ok, info = config.unset_file_value(c.json,
                                       "agents.defaults.model.fallbacks[0]")
    T.ok(ok)
    T.eq(json.decode(c.read(c.json)).agents.defaults.model.fallbacks,
         { "openrouter/e/f" })
    -- unset on a missing file
    ok, info = config.unset_file_value(c.dir .. "/none.json", "reload")
    T.ok(ok)
    T.eq(info.removed, false)
  end)

  T.test("config: set keeps other keys, validates, never writes bad files",
         function()
    local c = setup()
    c.write(c.json, [[
// my OpenClaw config
{
  gateway: { port: 18789 },   // not used by openclaw, kept
  agents: { defaults: { maxToolRounds: 3 } },
}]])
    local ok, err = config.set_file_value(c.json, "reload", false)
    T.ok(ok, tostring(err))
    local doc = json.decode(c.read(c.json))
    T.eq(doc.gateway, { port = 18789 })
    T.eq(doc.reload, false)
    T.eq(doc.agents.defaults.maxToolRounds, 3)
    T.ok(has(c.read(c.json .. ".bak"), "// my OpenClaw config"), "bak")
    local before = c.read(c.json)
    -- wrong type
    ok, err = config.set_file_value(c.json, "agents.defaults.maxToolRounds",
                                    "many", { label = "F" })
    T.eq(ok, nil)
    T.eq(err, 'F: agents.defaults.maxToolRounds: expected a whole number ' ..
         '>= 0, got "many"; nothing was written')
    -- unknown key, with a suggestion
    ok, err = config.set_file_value(c.json, "agents.defaults.modle.primary",
                                    "openrouter/a/b")
    T.eq(ok, nil)
    T.ok(has(err, "unknown key agents.defaults.modle.primary (did you " ..
         "mean agents.defaults.model"), err)
    -- below a scalar
    ok, err = config.set_file_value(c.json, "reload.x", 1)
    T.eq(ok, nil)
    T.ok(has(err, "reload is not an object"), err)
    T.eq(c.read(c.json), before)
    -- force writes an unknown key
    ok = config.set_file_value(c.json, "myPlugin.level", 2, { force = true })
    T.ok(ok)
    T.eq(json.decode(c.read(c.json)).myPlugin, { level = 2 })
    -- a file that is already broken is not overwritten
    c.write(c.json, "{ agents: ")
    ok, err = config.set_file_value(c.json, "reload", true, { label = "F" })
    T.eq(ok, nil)
    T.eq(err, "F:1:11: unexpected end of input; expected a value")
    T.eq(c.read(c.json), "{ agents: ")
    c.write(c.json, '{ "reload": "yes", "ui": {} }')
    ok, err = config.set_file_value(c.json, "ui.color", "never",
                                    { label = "F" })
    T.eq(ok, nil)
    T.eq(err, 'F: reload: expected true or false, got "yes"; nothing ' ..
         "was written")
    ok = config.unset_file_value(c.json, "reload")
    T.ok(ok)
    T.eq(json.decode(c.read(c.json)), { ui = {} })
  end)

  -- the command -------------------------------------------------------------

  T.test("config command: show prints values, origins, masked secrets",
         function()
    local c = setup()
    c.write(c.json, [[{ auth: { profiles: { "openrouter:default": {
      provider: "openrouter", mode: "api_key", key: "]] .. KEY .. [[" } } },
      agents: { defaults: { maxToolRounds: 4 } } }]])
    c.env.OPENROUTER_API_KEY = KEY2
    local code, out, err = c.run({ "show" })
    T.eq(code, 0)
    T.eq(err, "")
    T.ok(out:find('agents%.defaults%.model%.primary = "openrouter/auto"' ..
                  "%s+%(default%)\n"), out)
    T.ok(out:find("agents%.defaults%.maxToolRounds = 4%s+%(~/%.openclaw/" ..
                  "openclaw%.json%)\n"), out)
    T.ok(has(out, 'auth.profiles["openrouter:default"].key = ' ..
             '"sk-or-…9f3e"'), out)
    T.ok(out:find('env%.OPENROUTER_API_KEY = "sk%-or%-…7a1b"%s+%(env%)'),
         out)
    T.ok(has(out, "agents.defaults.model.fallbacks = []"), out)
    T.ok(not has(out, KEY) and not has(out, KEY2), "leaked a key")
    code, out = c.run({ "show", "--json" })
    T.eq(code, 0)
    local doc = json.decode(out)
    T.eq(doc.config.auth.profiles["openrouter:default"].key, "sk-or-…9f3e")
    T.eq(doc.origins["agents.defaults.maxToolRounds"],
         "~/.openclaw/openclaw.json")
    T.ok(not has(out, KEY) and not has(out, KEY2), "leaked a key")
    code, out = c.run({ "show", "messages.tts" })
    T.eq(code, 0)
    T.ok(has(out, 'messages.tts.auto = "off"'), out)
    T.ok(not has(out, "agents."), out)
    code, _, err = c.run({ "show", "messages.ttx" })
    T.eq(code, 1)
    T.ok(has(err, "unknown key messages.ttx (did you mean messages.tts?)"),
         err)
  end)

  T.test("config command: get", function()
    local c = setup()
    c.write(c.json, [[{ models: { providers: { openrouter: {
      apiKey: "]] .. KEY .. [[" } } } }]])
    local code, out = c.run({ "get", "agents.defaults.model.primary" })
    T.eq(code, 0)
    T.eq(out, "openrouter/auto\n")
    code, out = c.run({ "get", "agents.defaults.maxToolRounds" })
    T.eq(out, "8\n")
    code, out = c.run({ "get", "models.providers.openrouter.apiKey" })
    T.eq(code, 0)
    T.eq(out, "sk-or-…9f3e\n")
    code, out = c.run({ "get", "models.providers.openrouter" })
    T.eq(code, 0)
    local doc = json.decode(out)
    T.eq(doc.apiKey, "sk-or-…9f3e")
    T.eq(doc.baseUrl, "https://openrouter.ai/api/v1")
    code, out = c.run({ "get", "agents.defaults.model.fallbacks", "--json" })
    T.eq(out, "[]\n")
    local err
    code, out, err = c.run({ "get", "agents.defaults.thinkingDefault" })
    T.eq(code, 1)
    T.eq(out, "")
    T.eq(err, "openclaw: agents.defaults.thinkingDefault is not set\n")
    code, _, err = c.run({ "get", "agents.defaults.modle" })
    T.eq(code, 1)
    T.eq(err, "openclaw: unknown key agents.defaults.modle (did you mean " ..
         "agents.defaults.model?)\n")
    code, _, err = c.run({ "get" })
    T.eq(code, 2)
    T.ok(has(err, "missing argument"), err)
    code, _, err = c.run({ "get", "a..b" })
    T.eq(code, 2)
    T.ok(has(err, "bad key 'a..b'"), err)
  end)

  T.test("config command: set and unset", function()
    local c = setup()
    local code, out, err = c.run({ "set", "agents.defaults.maxToolRounds",
                                   "12" })
    T.eq(code, 0)
    T.eq(out, "Set agents.defaults.maxToolRounds = 12 in " ..
         "~/.openclaw/openclaw.json (new file, mode 0600)\n")
    T.eq(err, "")
    T.eq(lfs.attributes(c.json, "permissions"), "rw-------")
    code, out = c.run({ "get", "agents.defaults.maxToolRounds" })
    T.eq(out, "12\n")
    code, out = c.run({ "set", "agents.defaults.model.fallbacks",
                        '["openrouter/a/b","openrouter/c/d"]' })
    T.eq(code, 0)
    T.ok(has(out, "(previous version kept as ~/.openclaw/openclaw.json" ..
         ".bak)"), out)
    code, out = c.run({ "get", "agents.defaults.model.fallbacks[1]" })
    T.eq(out, "openrouter/c/d\n")
    code, out = c.run({ "set", 'auth.profiles["openrouter:default"].key',
                        KEY })
    T.eq(code, 0)
    T.eq(out, 'Set auth.profiles["openrouter:default"].key = ' ..
         '"sk-or-…9f3e" in ~/.openclaw/openclaw.json (previous version ' ..
         "kept as ~/.openclaw/openclaw.json.bak)\n")
    -- a wrong value is refused and nothing is written
    local before = c.read(c.json)
    code, _, err = c.run({ "set", "messages.tts.auto", "loud" })
    T.eq(code, 1)
    T.eq(err, "openclaw: ~/.openclaw/openclaw.json: messages.tts.auto: " ..
         'expected one of "off", "always", "inbound", "tagged", got ' ..
         '"loud"; nothing was written\n')
    T.eq(c.read(c.json), before)
    -- a higher layer overrides: say so
    c.write(c.lua, "return { agents = { defaults = { system = 'lua' } } }")
    code, out, err = c.run({ "set", "agents.defaults.system", "json" })
    T.eq(code, 0)
    T.eq(err, "note: agents.defaults.system is also set by " ..
         '~/.openclaw/config.lua, which wins (effective value: "lua")\n')
    -- unset
    code, out = c.run({ "unset", "agents.defaults.maxToolRounds" })
    T.eq(code, 0)
    T.eq(out, "Removed agents.defaults.maxToolRounds from " ..
         "~/.openclaw/openclaw.json (previous version kept as " ..
         "~/.openclaw/openclaw.json.bak)\n")
    code, out = c.run({ "get", "agents.defaults.maxToolRounds" })
    T.eq(out, "8\n")
    code, out = c.run({ "unset", "agents.defaults.maxToolRounds" })
    T.eq(code, 0)
    T.eq(out, "agents.defaults.maxToolRounds is not set in " ..
         "~/.openclaw/openclaw.json; nothing to do\n")
    -- usage errors
    code, _, err = c.run({ "set", "reload" })
    T.eq(code, 2)
    T.ok(has(err, "missing VALUE"), err)
    code, _, err = c.run({ "sett" })
    T.eq(code, 2)
    T.ok(has(err, "unknown subcommand 'sett' (did you mean 'set'?)"), err)
    code, _, err = c.run({})
    T.eq(code, 2)
    code, _, err = c.run({ "show", "--jsn" })
    T.eq(code, 2)
    T.ok(has(err, "did you mean '--json'"), err)
  end)

  T.test("config command: path", function()
    local c = setup()
    local code, out = c.run({ "path" })
    T.eq(code, 0)
    T.ok(has(out, "~/.openclaw/openclaw.json  (not present)"), out)
    T.ok(has(out, "~/.openclaw/config.lua  (not present)"), out)
  end)

  T.test("config command: a broken config is one clear line", function()
    local c = setup()
    c.write(c.lua, "return { reload = 'yes' }")
    local code, out, err = c.run({ "show" })
    T.eq(code, 1)
    T.eq(out, "")
    T.eq(err, "openclaw: ~/.openclaw/config.lua: reload: expected true " ..
         'or false, got "yes"\n')
  end)

  T.test("config: an API key never appears in any output or error",
         function()
    local c = setup()
    c.env.OPENROUTER_API_KEY = KEY2
    c.write(c.json, [[{ auth: { profiles: { "openrouter:default": {
      provider: "openrouter", mode: "api_key", key: "]] .. KEY .. [[" } } },
      models: { providers: { openrouter: { apiKey: "]] .. KEY3 .. [[",
        headers: { Authorization: "Bearer ]] .. KEY3 .. [[" } } } },
      env: { OPENROUTER_API_KEY: "]] .. KEY3 .. [[" } }]])
    local all = {}
    local function collect(...)
      for _, s in ipairs({ ... }) do all[#all + 1] = tostring(s) end
    end
    for _, argv in ipairs({
      { "show" }, { "show", "--json" }, { "get", "auth" },
      { "get", "models.providers.openrouter.apiKey" },
      { "get", "models.providers.openrouter.headers", "--json" },
      { "get", "env" }, { "get", "env.OPENROUTER_API_KEY" },
      { "set", "models.providers.openrouter.apiKey", KEY3 },
      { "set", "agents.defaults.model.primary", KEY },
      { "set", "agents.defaults.maxToolRounds", KEY },
      { "set", "env.OPENROUTER_API_KEY", KEY },
      { "unset", "models.providers.openrouter.apiKey" },
    }) do
      collect(select(2, c.run(argv)))
    end
    -- broken files holding keys
    c.write(c.lua, "return { models = { providers = { openrouter = {\n" ..
            "  apiKey = \"" .. KEY .. "\n} } } }")
    collect(c.fails())
    c.write(c.lua, "return { x = " .. KEY .. " }")
    collect(c.fails())
    c.write(c.lua, "error('" .. KEY .. "')")
    collect(c.fails())
    c.write(c.lua, "local k = '" .. KEY2 .. "'\nreturn { agents = " ..
            "{ defaults = { model = k } } }")
    collect(c.fails())
    os.remove(c.lua)
    c.write(c.json, "{ models: { providers: { openrouter: { apiKey: " ..
            KEY .. " } } } }")
    collect(c.fails())
    collect(select(2, c.run({ "show" })))
    local text = table.concat(all, "\n")
    for _, k in ipairs({ KEY, KEY2, KEY3 }) do
      T.ok(not has(text, k:sub(8, 40)), "a key leaked into: " .. text)
    end
    T.ok(has(text, "sk-or-…"), "masked keys shown")
  end)
end
