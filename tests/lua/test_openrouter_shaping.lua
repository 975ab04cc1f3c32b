-- Tests for providers.openrouter: request shaping, keys, headers, errors.
-- Vector ids (A8, D22, ...) refer to /work/shared/spec/openrouter-vectors.md.
local openrouter = require("providers.openrouter")
local models = require("openclaw.models")
local json = require("openclaw.json")

local KEY = "sk-or-test"
local BASE = "https://openrouter.ai/api/v1"
local PROXY = "https://proxy.example/v1"

local function user(text) return { role = "user", content = text } end
local function system(text) return { role = "system", content = text } end

local function proxy_config()
  return { models = { providers = { openrouter = { baseUrl = PROXY } } } }
end

-- Facts for a reasoning-capable model (as the live catalog would give).
local function reasoning_info(id)
  local cat = models.project_catalog({ { id = id, name = id,
    supported_parameters = { "reasoning", "tools" },
    top_provider = { max_completion_tokens = 64000 } } })
  return models.info(id, cat)
end

return function(T)
  -- Build a request; every body must be a valid OpenRouter ChatRequest.
  local function build(req, ctx)
    ctx = ctx or {}
    if ctx.api_key == nil then ctx.api_key = KEY end
    req.messages = req.messages or { user("Hello") }
    local r, err = openrouter.build_chat(req, ctx)
    T.ok(r, err)
    T.schema("ChatRequest", r.body)
    return r
  end

  local function has_warning(r, text)
    for _, w in ipairs(r.warnings) do
      if w:find(text, 1, true) then return true end
    end
    return false
  end

  -- A. refs, dynamic models, base URL -----------------------------------------

  T.test("A8 dynamic model openai/gpt-5.4-nano goes to BASE/chat/completions",
    function()
      local r = build({ model = "openrouter/openai/gpt-5.4-nano",
                        messages = { user("Reply with exactly OK.") } })
      T.eq(r.method, "POST")
      T.eq(r.url, BASE .. "/chat/completions")
      T.eq(r.api_id, "openai/gpt-5.4-nano")
      T.eq(r.info.known, false)
      T.eq(r.body.model, "openai/gpt-5.4-nano")
      T.eq(r.body.messages, { { role = "user", content = "Reply with exactly OK." } })
      -- unknown model: no default max_completion_tokens, no reasoning
      T.eq(r.body.max_completion_tokens, nil)
      T.eq(r.body.reasoning, nil)
    end)

  T.test("A9 refs become API model ids on the wire", function()
    T.eq(build({ model = "openrouter/openrouter/fusion" }).body.model,
         "openrouter/fusion")
    T.eq(build({ model = "openrouter/anthropic/claude-sonnet-4-6" }).body.model,
         "anthropic/claude-sonnet-4-6")
    T.eq(build({ model = "openrouter/auto" }).body.model, "openrouter/auto")
    T.eq(build({ model = "openrouter/deepseek-v4-flash" }).body.model,
         "deepseek/deepseek-v4-flash")
  end)

  T.test("A10 base URL normalisation", function()
    T.eq(openrouter.normalize_base_url("https://openrouter.ai/v1/"), BASE)
    T.eq(openrouter.normalize_base_url("https://openrouter.ai/api/v1///"), BASE)
    T.eq(openrouter.normalize_base_url("  https://openrouter.ai/api/v1 "), BASE)
    T.eq(openrouter.normalize_base_url(PROXY), PROXY)
    T.eq(openrouter.normalize_base_url(nil), nil)
    T.eq(openrouter.resolve_base_url({}), BASE)
    T.eq(openrouter.resolve_base_url({ models = { providers = { openrouter = {
      baseUrl = "https://openrouter.ai/v1/" } } } }), BASE)
    local r = build({ model = "openrouter/auto" }, { config = proxy_config() })
    T.eq(r.url, PROXY .. "/chat/completions")
  end)

  -- D. API keys ---------------------------------------------------------------

  T.test("D22 env before config apiKey; none -> error", function()
    local cfg = { models = { providers = { openrouter = { apiKey = "k2" } } } }
    T.eq({ openrouter.resolve_api_key(cfg, { OPENROUTER_API_KEY = "k1" }) },
         { "k1", "env: OPENROUTER_API_KEY" })
    T.eq({ openrouter.resolve_api_key(cfg, {}) },
         { "k2", "config: models.providers.openrouter.apiKey" })
    local k, err = openrouter.resolve_api_key({}, {})
    T.eq(k, nil)
    T.eq(err, 'No API key found for provider "openrouter": run '
      .. "'openclaw onboard --auth-choice openrouter-api-key' or set "
      .. "OPENROUTER_API_KEY.")
    T.ok(err:find('^No API key found for provider "openrouter"'), err)
  end)

  T.test("D23 auth profile (onboard) before env", function()
    local cfg = { auth = { profiles = { ["openrouter:default"] = {
      provider = "openrouter", mode = "api_key", key = "k0" } } } }
    T.eq({ openrouter.resolve_api_key(cfg, { OPENROUTER_API_KEY = "k1" }) },
         { "k0", "auth profile openrouter:default" })
  end)

  T.test("API key: config env block, env-var markers, blanks", function()
    T.eq({ openrouter.resolve_api_key({ env = { OPENROUTER_API_KEY = "kE" } }, {}) },
         { "kE", "config env: OPENROUTER_API_KEY" })
    T.eq(openrouter.resolve_api_key({ env = { vars = {
      OPENROUTER_API_KEY = "kV" } } }, {}), "kV")
    -- env wins over the config env block (it never overwrites the process env)
    T.eq(openrouter.resolve_api_key({ env = { OPENROUTER_API_KEY = "kE" } },
                                    { OPENROUTER_API_KEY = "k1" }), "k1")
    -- blank values are skipped, values are trimmed
    T.eq(openrouter.resolve_api_key({ models = { providers = { openrouter = {
      apiKey = " k2 " } } } }, { OPENROUTER_API_KEY = "  " }), "k2")
    -- an env-var name stored as apiKey refers to that variable
    local cfg = { models = { providers = { openrouter = {
      apiKey = "MY_OR_KEY" } } } }
    T.eq(openrouter.resolve_api_key(cfg, { MY_OR_KEY = "kM" }), "kM")
    T.eq(openrouter.resolve_api_key(cfg, {}), nil)
  end)

  T.test("mask_key shows a short prefix and the last 4", function()
    T.eq(openrouter.mask_key("sk-or-v1-0123456789abcdef"), "sk-or-…cdef")
    T.eq(openrouter.mask_key("abcdefghijklmnop"), "abc…mnop")
    T.eq(openrouter.mask_key("short"), "…rt")
    T.eq(openrouter.mask_key(nil), "(none)")
  end)

  T.test("missing key: error on verified routes, no auth on custom routes",
    function()
      local r, err = openrouter.build_chat({ model = "openrouter/auto",
        messages = { user("hi") } }, {})
      T.eq(r, nil)
      T.ok(err:find("No API key found", 1, true), err)
      local p = build({ model = "openrouter/auto" },
                      { config = proxy_config(), api_key = false })
      T.eq(p.headers.Authorization, nil)
    end)

  -- E. headers / verified route ---------------------------------------------

  T.test("E24 canonical route: auth, attribution, SSE accept", function()
    local r = build({ model = "openrouter/auto" }, { config = { models = {
      providers = { openrouter = { baseUrl = BASE } } } } })
    T.eq(r.headers, {
      Authorization = "Bearer sk-or-test",
      ["Content-Type"] = "application/json",
      Accept = "text/event-stream",
      ["HTTP-Referer"] = "https://openclaw.ai",
      ["X-OpenRouter-Title"] = "OpenClaw",
      ["X-OpenRouter-Categories"] = "cli-agent",
    })
    T.eq(r.verified, true)
  end)

  T.test("E25 unset base URL is verified; custom proxy gets no attribution",
    function()
      local r = build({ model = "openrouter/auto" })
      T.eq(r.headers["HTTP-Referer"], "https://openclaw.ai")
      T.eq(r.headers["X-OpenRouter-Categories"], "cli-agent")
      local p = build({ model = "openrouter/auto" }, { config = proxy_config() })
      T.eq(p.verified, false)
      T.eq(p.headers, { Authorization = "Bearer sk-or-test",
                        ["Content-Type"] = "application/json",
                        Accept = "text/event-stream" })
      T.eq(openrouter.is_verified_route(nil), true)
      T.eq(openrouter.is_verified_route(""), true)
      T.eq(openrouter.is_verified_route("https://openrouter.ai/v1"), true)
      T.eq(openrouter.is_verified_route("https://eu.openrouter.ai/api/v1"), true)
      T.eq(openrouter.is_verified_route("https://OpenRouter.ai:443/api/v1"), true)
      T.eq(openrouter.is_verified_route("https://openrouter.ai.evil.com/v1"), false)
      T.eq(openrouter.is_verified_route("https://openrouter.ai@evil.com/v1"), false)
      T.eq(openrouter.is_verified_route("https://evil.com/openrouter.ai"), false)
      T.eq(openrouter.is_verified_route("https://notopenrouter.ai/v1"), false)
      T.eq(openrouter.is_verified_route(PROXY), false)
    end)

  T.test("E26 caller headers win case-insensitively", function()
    local cfg = { models = { providers = { openrouter = { headers = {
      ["x-openrouter-title"] = "Custom", ["X-Extra"] = 7 } } } } }
    local r = build({ model = "openrouter/auto" }, { config = cfg })
    T.eq(r.headers["x-openrouter-title"], "Custom")
    T.eq(r.headers["X-OpenRouter-Title"], nil)
    T.eq(r.headers["HTTP-Referer"], "https://openclaw.ai")
    T.eq(r.headers["X-Extra"], "7")
    local r2 = build({ model = "openrouter/auto",
                       headers = { authorization = "Bearer other" } })
    T.eq(r2.headers.authorization, "Bearer other")
    T.eq(r2.headers.Authorization, nil)
    local p = build({ model = "openrouter/auto" }, { config = proxy_config() })
    T.eq(p.headers["HTTP-Referer"], nil)
    T.eq(p.headers["X-OpenRouter-Title"], nil)
  end)

  -- G. Anthropic cache_control ---------------------------------------------

  local EPH = { type = "ephemeral" }

  T.test("G33 Anthropic system string gets a cache marker", function()
    local r = build({ model = "openrouter/anthropic/claude-opus-4-6",
      messages = { system("You are a helpful assistant."), user("Hello") } })
    T.eq(r.body.messages[1].content, { { type = "text",
      text = "You are a helpful assistant.", cache_control = EPH } })
    T.eq(r.body.messages[2].content, "Hello")
  end)

  T.test("G34 ~anthropic/claude-opus-latest gets the same marker", function()
    local r = build({ model = "openrouter/~anthropic/claude-opus-latest",
      messages = { system("You are a helpful assistant."), user("Hello") } })
    T.eq(r.body.model, "~anthropic/claude-opus-latest")
    T.eq(r.body.messages[1].content[1].cache_control, EPH)
  end)

  T.test("G35 only the last system block is marked", function()
    local r = build({ model = "openrouter/anthropic/claude-opus-4-6",
      messages = { { role = "system", content = {
        { type = "text", text = "Part 1" }, { type = "text", text = "Part 2" } } },
        user("Hello") } })
    T.eq(r.body.messages[1].content, {
      { type = "text", text = "Part 1" },
      { type = "text", text = "Part 2", cache_control = EPH } })
  end)

  T.test("G36 non-Anthropic model: system unchanged", function()
    local r = build({ model = "openrouter/google/gemini-3-pro",
      messages = { system("You are a helpful assistant."), user("Hello") } })
    T.eq(r.body.messages[1].content, "You are a helpful assistant.")
  end)

  T.test("G37 only a user message: unchanged", function()
    local r = build({ model = "openrouter/anthropic/claude-opus-4-6",
                      messages = { user("Hello") } })
    T.eq(r.body.messages, { { role = "user", content = "Hello" } })
  end)

  T.test("G38 no marker on a trailing thinking block", function()
    local msgs = { { role = "system", content = {
      { type = "text", text = "Part 1" },
      { type = "thinking", thinking = "internal", thinkingSignature = "sig_1" } } } }
    openrouter.apply_cache_markers(msgs)
    T.eq(msgs[1].content, {
      { type = "text", text = "Part 1" },
      { type = "thinking", thinking = "internal", thinkingSignature = "sig_1" } })
  end)

  T.test("G39 cache_control removed from assistant thinking blocks", function()
    local msgs = { { role = "assistant", content = {
      { type = "thinking", thinking = "t", cache_control = EPH },
      { type = "redacted_thinking", data = "x", cache_control = EPH },
      { type = "text", text = "visible" } } } }
    openrouter.apply_cache_markers(msgs)
    T.eq(msgs[1].content, { { type = "thinking", thinking = "t" },
                            { type = "redacted_thinking", data = "x" },
                            { type = "text", text = "visible" } })
  end)

  T.test("G40 cache boundary splits the system prompt", function()
    local sys = "Stable identity and tools prefix\n<!-- OPENCLAW_CACHE_BOUNDARY -->"
      .. "\nVolatile MEMORY suffix"
    local r = build({ model = "openrouter/anthropic/claude-opus-4-6",
                      messages = { system(sys), user("Hello") } })
    T.eq(r.body.messages[1].content, {
      { type = "text", text = "Stable identity and tools prefix",
        cache_control = EPH },
      { type = "text", text = "Volatile MEMORY suffix" } })
    -- elsewhere the boundary is just a line break
    local g = build({ model = "openrouter/google/gemini-3-pro",
                      messages = { system(sys), user("Hello") } })
    T.eq(g.body.messages[1].content,
         "Stable identity and tools prefix\nVolatile MEMORY suffix")
  end)

  T.test("G cache markers only on verified routes", function()
    local r = build({ model = "openrouter/anthropic/claude-opus-4-6",
      messages = { system("sys"), user("Hello") } }, { config = proxy_config() })
    T.eq(r.body.messages[1].content, "sys")
  end)

  -- H. reasoning ----------------------------------------------------------------

  T.test("H41 thinking high -> reasoning.effort high, no reasoning_effort",
    function()
      local r = build({ model = "openrouter/anthropic/claude-sonnet-4-6",
                        thinking = "high" },
                      { info = reasoning_info("anthropic/claude-sonnet-4-6") })
      T.eq(r.body.reasoning, { effort = "high" })
      T.eq(r.body.reasoning_effort, nil)
    end)

  T.test("H42 openrouter/auto skips reasoning; reasoning_effort deleted", function()
    local r = build({ model = "openrouter/auto", thinking = "high",
                      params = { extraBody = { reasoning_effort = "high" } } })
    T.eq(r.body.reasoning, nil)
    T.eq(r.body.reasoning_effort, nil)
    T.ok(has_warning(r, "'reasoning_effort' was removed"), r.warnings)
  end)

  T.test("H43 x-ai and hunter-alpha get no reasoning", function()
    local x = build({ model = "openrouter/x-ai/grok-4", thinking = "medium" },
                    { info = reasoning_info("x-ai/grok-4") })
    T.eq(x.body.reasoning, nil)
    for _, level in ipairs({ "off", "low", "high", "max" }) do
      local h = build({ model = "openrouter/openrouter/hunter-alpha",
                        thinking = level })
      T.eq(h.body.reasoning, nil, level)
    end
  end)

  T.test("H44 level mapping: adaptive, max, minimal, off", function()
    local info = reasoning_info("openai/gpt-5.4")
    local function effort(level, i)
      return build({ model = "openrouter/openai/gpt-5.4", thinking = level },
                   { info = i or info }).body.reasoning
    end
    T.eq(effort("adaptive"), { effort = "medium" })
    T.eq(effort("max"), { effort = "xhigh" })
    T.eq(effort("minimal"), { effort = "minimal" })
    T.eq(effort("x-high"), { effort = "xhigh" })
    -- off: reasoning models get effort none, others nothing
    T.eq(effort("off"), { effort = "none" })
    T.eq(effort("off", models.info("openai/gpt-5.4")), nil)
    -- mandatory-reasoning models (thinking map off = null) get nothing
    local m = models.info("ex/m", models.project_catalog({ { id = "ex/m",
      supported_parameters = { "reasoning" },
      reasoning = { supported_efforts = { "low", "high" }, mandatory = true } } }))
    T.eq(effort("off", m), nil)
    -- efforts outside the catalog's list are clamped to a supported one
    T.eq(effort("medium", m), { effort = "low" })
    T.eq(effort("xhigh", m), { effort = "high" })
    -- default: low for reasoning models, config thinkingDefault wins
    T.eq(build({ model = "openrouter/openai/gpt-5.4" }, { info = info })
         .body.reasoning, { effort = "low" })
    T.eq(build({ model = "openrouter/openai/gpt-5.4" }, { info = info,
      config = { agents = { defaults = { thinkingDefault = "high" } } } })
      .body.reasoning, { effort = "high" })
    T.eq(build({ model = "openrouter/openai/gpt-5.4" }, { info = info,
      agent_id = "coder", config = { agents = { list = {
        { id = "coder", thinkingDefault = "minimal" } } } } })
      .body.reasoning, { effort = "minimal" })
    -- unknown levels are errors that name the source
    local r, err = openrouter.build_chat({ model = "openrouter/openai/gpt-5.4",
      messages = { user("hi") }, thinking = "turbo" }, { api_key = KEY })
    T.eq(r, nil)
    T.ok(err:find("unknown thinking level 'turbo'", 1, true), err)
    local _, err2 = openrouter.build_chat({ model = "openrouter/openai/gpt-5.4",
      messages = { user("hi") } }, { api_key = KEY, config = { agents = {
        defaults = { thinkingDefault = "nope" } } } })
    T.ok(err2:find("agents.defaults.thinkingDefault", 1, true), err2)
  end)

  T.test("H45 existing reasoning object is respected", function()
    local info = reasoning_info("openai/gpt-5.4")
    local r = build({ model = "openrouter/openai/gpt-5.4", thinking = "high",
      params = { extraBody = { reasoning = { max_tokens = 2048 } } } },
      { info = info })
    T.eq(r.body.reasoning, { max_tokens = 2048 })
    local r2 = build({ model = "openrouter/openai/gpt-5.4", thinking = "high",
      params = { extraBody = { reasoning = json.object({}) } } }, { info = info })
    T.eq(r2.body.reasoning, { effort = "high" })
    local r3 = build({ model = "openrouter/openai/gpt-5.4", thinking = "high",
      params = { extraBody = { reasoning = { effort = "low" } } } }, { info = info })
    T.eq(r3.body.reasoning, { effort = "low" })
  end)

  T.test("H46 DeepSeek V4 effort mapping and deleted fields", function()
    local function ds(level)
      return build({ model = "openrouter/deepseek/deepseek-v4-pro", thinking = level,
        params = { extraBody = { thinking = { type = "enabled" },
                                 reasoning_effort = "low" } } }).body
    end
    T.eq(ds("xhigh").reasoning, { effort = "xhigh" })
    T.eq(ds("max").reasoning, { effort = "xhigh" })
    T.eq(ds("medium").reasoning, { effort = "high" })
    T.eq(ds("low").reasoning, { effort = "high" })
    T.eq(ds(nil).reasoning, { effort = "high" })
    T.eq(ds("off").reasoning, { effort = "none" })
    local b = ds("high")
    T.eq(b.thinking, nil)
    T.eq(b.reasoning_effort, nil)
    -- catalog efforts known: ordinary mapping applies
    local info = models.info("deepseek/deepseek-v4-pro", models.project_catalog({
      { id = "deepseek/deepseek-v4-pro", supported_parameters = { "reasoning" },
        reasoning = { supported_efforts = { "low", "medium", "high" } } } }))
    T.eq(build({ model = "openrouter/deepseek/deepseek-v4-pro",
                 thinking = "medium" }, { info = info }).body.reasoning,
         { effort = "medium" })
    -- custom route: no DeepSeek patch
    local p = build({ model = "openrouter/deepseek/deepseek-v4-pro",
                      thinking = "medium" }, { config = proxy_config() })
    T.eq(p.body.reasoning, { effort = "medium" })
  end)

  T.test("H47 DeepSeek V4 reasoning_content replay patch", function()
    local history = {
      user("hi"),
      { role = "assistant", content = "hi" },
      { role = "assistant", content = nil, tool_calls = {
        { id = "c1", name = "f", arguments = "{}" } } },
    }
    local on = build({ model = "openrouter/deepseek/deepseek-v4-flash",
                       thinking = "high", messages = history })
    T.eq(on.body.messages[2], { role = "assistant", content = "hi",
                                reasoning_content = "" })
    T.eq(on.body.messages[3].reasoning_content, nil)
    T.eq(on.body.messages[3].content, json.null)
    local off = build({ model = "openrouter/deepseek/deepseek-v4-flash",
      thinking = "off", messages = { user("hi"), { role = "assistant",
        content = "x", reasoning = "r", reasoning_field = "reasoning_content" },
        user("again") } })
    T.eq(off.body.messages[2], { role = "assistant", content = "x" })
  end)

  -- I. Anthropic prefill stripping -------------------------------------------

  T.test("I48 trailing assistant prefill removed with reasoning on", function()
    local r = build({ model = "openrouter/anthropic/claude-sonnet-4-6",
      thinking = "high", messages = { user("Hi"),
        { role = "assistant", content = "Sure, " } } },
      { info = reasoning_info("anthropic/claude-sonnet-4-6") })
    T.eq(r.body.reasoning, { effort = "high" })
    T.eq(r.body.messages, { { role = "user", content = "Hi" } })
    T.eq(r.warnings, { "removed 1 trailing assistant prefill message(s) "
      .. "because OpenRouter-routed Anthropic reasoning requires "
      .. "conversations to end with a user turn" })
  end)

  T.test("I49 no stripping without reasoning; tool-call turns kept", function()
    local info = reasoning_info("anthropic/claude-sonnet-4-6")
    local prefill = { user("Hi"), { role = "assistant", content = "Sure, " } }
    local off = build({ model = "openrouter/anthropic/claude-sonnet-4-6",
                        thinking = "off", messages = prefill }, { info = info })
    T.eq(off.body.reasoning, { effort = "none" })
    T.eq(#off.body.messages, 2)
    local disabled = build({ model = "openrouter/anthropic/claude-sonnet-4-6",
      thinking = "high", messages = prefill,
      params = { extraBody = { reasoning = { enabled = false } } } },
      { info = info })
    T.eq(#disabled.body.messages, 2)
    local tools = build({ model = "openrouter/anthropic/claude-sonnet-4-6",
      thinking = "high", messages = { user("Hi"), { role = "assistant",
        tool_calls = { { id = "t1", name = "f", arguments = "{}" } } } } },
      { info = info })
    T.eq(#tools.body.messages, 2)
    T.eq(tools.warnings, {})
    -- custom route: not stripped
    local p = build({ model = "openrouter/anthropic/claude-sonnet-4-6",
                      thinking = "high", messages = prefill },
                    { info = info, config = proxy_config() })
    T.eq(#p.body.messages, 2)
  end)

  -- J. routing ------------------------------------------------------------------

  T.test("J50 routing merged provider < model < call", function()
    local cfg = {
      models = { providers = { openrouter = { params = { provider = {
        sort = "latency", data_collection = "deny" } } } } },
      agents = { defaults = { models = {
        ["openrouter/anthropic/claude-sonnet-4-6"] = { params = { provider = {
          order = { "anthropic" }, allow_fallbacks = false } } } } } },
    }
    local r = build({ model = "openrouter/anthropic/claude-sonnet-4-6",
                      params = { provider = { sort = "price" } } },
                    { config = cfg })
    T.eq(r.body.provider, { sort = "price", data_collection = "deny",
                            order = { "anthropic" }, allow_fallbacks = false })
    -- model params are found under a differently spelled key too
    local cfg2 = { agents = { defaults = { models = {
      ["OpenRouter/Anthropic/Claude-Sonnet-4-6"] = { params = { provider = {
        only = { "anthropic" } } } } } } } }
    T.eq(build({ model = "openrouter/anthropic/claude-sonnet-4-6" },
               { config = cfg2 }).body.provider, { only = { "anthropic" } })
    -- agents.defaults.params sits between provider params and model params
    local cfg3 = { agents = { defaults = { params = { provider = {
      zdr = true } } } } }
    T.eq(build({ model = "openrouter/auto" }, { config = cfg3 }).body.provider,
         { zdr = true })
  end)

  T.test("J51 routing sanitisation", function()
    T.eq(openrouter.sanitize_routing({ ["__proto__"] = { polluted = true },
      only = { "x" }, zdr = nil }), { only = { "x" } })
    T.eq(openrouter.sanitize_routing({ max_price = { prompt = "1",
      constructor = "x" }, prototype = 1 }), { max_price = { prompt = "1" } })
    T.eq(openrouter.sanitize_routing({}), nil)
    T.eq(openrouter.sanitize_routing({ ["__proto__"] = {} }), nil)
    T.eq(openrouter.sanitize_routing("price"), nil)
    T.eq(openrouter.sanitize_routing({ "a", "b" }), nil)
    local r = build({ model = "openrouter/auto", params = { provider = {
      ["__proto__"] = { x = 1 }, only = { "x" } } } })
    T.eq(r.body.provider, { only = { "x" } })
    local r2 = build({ model = "openrouter/auto", params = { provider = {
      constructor = 1 } } })
    T.eq(r2.body.provider, nil)
  end)

  T.test("J52 caller provider kept; no routing on custom routes", function()
    local r = build({ model = "openrouter/auto", params = {
      provider = { sort = "price" },
      extraBody = { provider = { order = { "openai" } } } } })
    T.eq(r.body.provider, { order = { "openai" } })
    local p = build({ model = "openrouter/auto",
                      params = { provider = { sort = "price" } } },
                    { config = proxy_config() })
    T.eq(p.body.provider, nil)
  end)

  -- K. response-cache headers --------------------------------------------------

  local function cache_headers(params, cfg)
    local r = build({ model = "openrouter/auto", params = params },
                    { config = cfg })
    local out = {}
    for k, v in pairs(r.headers) do
      if k:lower():find("^x%-openrouter%-cache") then out[k] = v end
    end
    return out
  end

  T.test("K53 responseCache with TTL", function()
    local cfg = { agents = { defaults = { models = { ["openrouter/auto"] = {
      params = { responseCache = true, responseCacheTtlSeconds = 300 } } } } } }
    T.eq(cache_headers(nil, cfg), { ["X-OpenRouter-Cache"] = "true",
                                    ["X-OpenRouter-Cache-TTL"] = "300" })
  end)

  T.test("K54 string booleans and TTL clamping", function()
    T.eq(cache_headers({ response_cache = "yes", response_cache_ttl = "999999" }),
         { ["X-OpenRouter-Cache"] = "true", ["X-OpenRouter-Cache-TTL"] = "86400" })
    T.eq(cache_headers({ responseCache = true, responseCacheTtl = 0.5 }),
         { ["X-OpenRouter-Cache"] = "true", ["X-OpenRouter-Cache-TTL"] = "1" })
    T.eq(cache_headers({ responseCache = "Enabled", responseCacheTtlSeconds = 90.9 }),
         { ["X-OpenRouter-Cache"] = "true", ["X-OpenRouter-Cache-TTL"] = "90" })
  end)

  T.test("K55 clear implies enable; false; none; custom route", function()
    T.eq(cache_headers({ responseCacheClear = true }),
         { ["X-OpenRouter-Cache"] = "true", ["X-OpenRouter-Cache-Clear"] = "true" })
    T.eq(cache_headers({ responseCache = false }),
         { ["X-OpenRouter-Cache"] = "false" })
    T.eq(cache_headers({ responseCache = "off", responseCacheClear = true }),
         { ["X-OpenRouter-Cache"] = "false" })
    T.eq(cache_headers(nil), {})
    T.eq(cache_headers({ responseCache = true }, proxy_config()), {})
  end)

  -- L. replay policy -------------------------------------------------------------

  T.test("L56 GPT-5.6+/GPT-6 families: append-only runtime context", function()
    for _, id in ipairs({ "openai/gpt-6-sol", "openai/gpt-6-sol-pro",
        "openai/gpt-5.6-luna", "openrouter/openai/gpt-6-astra", "~openai/gpt-6",
        "openrouter/~openai/gpt-6", "openai/gpt-6:nitro",
        "openai/gpt-5.6-luna:floor", "openai/gpt-6-sol:online" }) do
      local p = openrouter.replay_policy(id)
      T.eq(p.append_only_runtime_context, true, id)
      T.eq(p.tool_call_id_mode, nil, id)
    end
  end)

  T.test("L57 older or other families: no append-only flag", function()
    for _, id in ipairs({ "openai/gpt-5.5", "openai/gpt-5.4", "openai/gpt-5",
        "~openai/gpt-5.5", "openai/gpt-5.5:nitro", "someone/gpt-6",
        "anthropic/claude-sonnet-4-6", "deepseek/deepseek-v4-flash",
        "mistralai/mistral-large-latest" }) do
      T.eq(openrouter.replay_policy(id).append_only_runtime_context, nil, id)
    end
  end)

  T.test("L58 Mistral: strict9 tool-call ids, consistent on the wire", function()
    local p = openrouter.replay_policy("mistralai/mistral-large-latest")
    T.eq(p.sanitize_tool_call_ids, true)
    T.eq(p.tool_call_id_mode, "strict9")
    local history = {
      user("weather?"),
      { role = "assistant", tool_calls = {
        { id = "call_abc-123_XYZ_long", name = "w", arguments = "{}" },
        { id = "abcDEF123", name = "w", arguments = "{}" } } },
      { role = "tool", tool_call_id = "call_abc-123_XYZ_long", content = "sun" },
      { role = "tool", tool_call_id = "abcDEF123", content = "rain" },
    }
    local r = build({ model = "openrouter/mistralai/mistral-large-latest",
                      messages = history })
    local m = r.body.messages
    local id1, id2 = m[2].tool_calls[1].id, m[2].tool_calls[2].id
    T.ok(#id1 == 9 and not id1:find("[^%w]"), id1)
    T.eq(id2, "abcDEF123")
    T.eq(m[3].tool_call_id, id1)
    T.eq(m[4].tool_call_id, id2)
    T.ok(id1 ~= id2, "distinct ids")
    -- inputs are not modified
    T.eq(history[2].tool_calls[1].id, "call_abc-123_XYZ_long")
    -- non-Mistral models keep their ids
    local o = build({ model = "openrouter/openai/gpt-5.4", messages = history })
    T.eq(o.body.messages[2].tool_calls[1].id, "call_abc-123_XYZ_long")
  end)

  T.test("L59 passthrough-Gemini policy only for gemini ids", function()
    T.eq(openrouter.replay_policy("gemini-2.5-pro"), {
      apply_assistant_first_ordering_fix = false, validate_gemini_turns = false,
      validate_anthropic_turns = false,
      sanitize_thought_signatures = { allow_base64_only = true,
                                      include_camel_case = true } })
    T.eq(openrouter.replay_policy("anthropic/claude-sonnet-4-6")
         .sanitize_thought_signatures, nil)
  end)

  T.test("L60 thought signatures kept only when base64", function()
    local msgs = { { role = "assistant", content = {
        { type = "toolCall", thoughtSignature = "msg_abc!" },
        { type = "text", text = "x", thought_signature = "AAEC" } },
      tool_calls = { { id = "c", name = "f", arguments = "{}",
                       thought_signature = "not base64!" },
                     { id = "d", name = "g", arguments = "{}",
                       thoughtSignature = "QUJD-_w" } } } }
    local out = openrouter.sanitize_thought_signatures(msgs)
    T.eq(out[1].content, { { type = "toolCall" },
      { type = "text", text = "x", thought_signature = "AAEC" } })
    T.eq(out[1].tool_calls[1].thought_signature, nil)
    T.eq(out[1].tool_calls[2].thoughtSignature, "QUJD-_w")
    T.eq(msgs[1].content[1].thoughtSignature, "msg_abc!", "input untouched")
    T.eq(openrouter.is_base64("AAEC"), true)
    T.eq(openrouter.is_base64("AAE="), true)
    T.eq(openrouter.is_base64(" AA EC "), true)
    T.eq(openrouter.is_base64("AAF="), false)   -- non-canonical trailing bits
    T.eq(openrouter.is_base64("A"), false)
    T.eq(openrouter.is_base64(""), false)
    T.eq(openrouter.is_base64("msg_abc!"), false)
    T.eq(openrouter.is_base64(42), false)
    -- a Gemini request still builds (reasoning_details pass through)
    local r = build({ model = "openrouter/google/gemini-3-pro", messages = {
      user("hi"), { role = "assistant", content = "ok",
        reasoning_details = { { type = "reasoning.encrypted", data = "QUJD",
                                id = "tool_1", format = "google-gemini-v1" } } },
      user("more") } })
    T.eq(r.body.messages[2].reasoning_details[1].data, "QUJD")
  end)

  -- M. billed-cost reconciliation ------------------------------------------

  local function turn(cost)
    return { response_id = "gen-1234567890abcdef", stop_reason = "stop",
             usage = { cost = { total = cost, total_origin = "estimate" } } }
  end

  T.test("M64 reconciliation request and update", function()
    local res = turn(0.13342)
    local req = openrouter.generation_request(res, { api_key = KEY })
    T.eq(req, { method = "GET",
      url = "https://openrouter.ai/api/v1/generation?id=gen-1234567890abcdef",
      headers = { Accept = "application/json", Authorization = "Bearer sk-or-test" },
      timeout_ms = 8000 })
    local out = openrouter.reconcile_cost(res, 200,
      '{"data":{"total_cost":0.53366,"tokens_prompt":485590}}')
    T.eq(out, { status = "updated", previous_cost = 0.13342,
                updated_cost = 0.53366 })
    T.eq(res.usage.cost.total, 0.53366)
    T.eq(res.usage.cost.total_origin, "provider-billed")
    -- the id is URL-encoded
    local odd = turn(1)
    odd.response_id = "gen a/b"
    T.eq(openrouter.generation_request(odd, { api_key = KEY }).url,
         BASE .. "/generation?id=gen%20a%2Fb")
  end)

  T.test("M65 flat total_cost payload", function()
    local res = turn(0.13342)
    T.eq(openrouter.reconcile_cost(res, 200, '{"total_cost":0.42}').status,
         "updated")
    T.eq(res.usage.cost.total, 0.42)
  end)

  T.test("M66 equal billed cost is skipped", function()
    local res = turn(0.00628)
    T.eq(openrouter.reconcile_cost(res, 200, { data = { total_cost = 0.00628 } })
         .status, "skipped")
    T.eq(res.usage.cost.total, 0.00628)
    T.eq(res.usage.cost.total_origin, "estimate")
  end)

  T.test("M67 no response id or no key: skipped without a request", function()
    local res = turn(0.1)
    res.response_id = nil
    T.eq({ openrouter.generation_request(res, { api_key = KEY }) },
         { nil, { status = "skipped", reason = "missing responseId" } })
    local req, out = openrouter.generation_request(turn(0.1), {})
    T.eq(req, nil)
    T.eq(out, { status = "skipped", reason = "missing API key" })
    local e = turn(0.1)
    e.stop_reason = "error"
    T.eq(openrouter.generation_request(e, { api_key = KEY }), nil)
    T.eq(openrouter.generation_request(turn(0.1), { api_key = KEY,
      config = proxy_config() }), nil)
    local nocost = turn(nil)
    T.eq(openrouter.generation_request(nocost, { api_key = KEY }), nil)
  end)

  T.test("M68 HTTP 404, network failure, bad total: cost unchanged", function()
    for _, case in ipairs({ { 404, '{"error":{"message":"not found"}}' },
                            { nil, nil },
                            { 200, '{"data":{"total_cost":"not-a-number"}}' },
                            { 200, "garbage" } }) do
      local res = turn(0.13342)
      T.eq(openrouter.reconcile_cost(res, case[1], case[2]).status, "skipped")
      T.eq(res.usage.cost.total, 0.13342)
    end
  end)

  T.test("M69 reconciliation mutates the same result table", function()
    local res = turn(0.5)
    local same = res
    openrouter.reconcile_cost(res, 200, { data = { total_cost = 0.99 } })
    T.ok(same == res, "same table")
    T.eq(same.usage.cost.total, 0.99)
    T.eq(openrouter.reconcile_cost(nil, 200, "{}").status, "skipped")
  end)

  T.test("M stream decoder from a built request", function()
    local r = build({ model = "openrouter/moonshotai/kimi-k2.6" })
    local dec = openrouter.stream_decoder(r)
    dec.feed({ id = "gen-7", model = "moonshotai/kimi-k2.6",
               choices = { { index = 0, delta = { content = "hi" },
                             finish_reason = "stop" } },
               usage = { prompt_tokens = 1000000, completion_tokens = 0,
                         total_tokens = 1000000 } })
    local res = dec.finish()
    T.eq(res.text, "hi")
    T.eq(res.response_id, "gen-7")
    T.ok(math.abs(res.usage.cost.total - 0.8) < 1e-9, res.usage.cost.total)
  end)

  -- Q. failover classification -----------------------------------------------

  T.test("Q92 HTTP status and network code classification", function()
    local function reason(status, body)
      return openrouter.classify_error(status, body, {}, 0).reason
    end
    T.eq(reason(429, '{"error":{"message":"Rate limit exceeded","code":429}}'),
         "rate_limit")
    T.eq(reason(402, '{"error":{"message":"Insufficient credits","code":402}}'),
         "billing")
    T.eq(reason(401, '{"error":{"message":"No auth credentials found"}}'), "auth")
    T.eq(reason(403, "Forbidden"), "auth")
    T.eq(reason(408, ""), "timeout")
    T.eq(reason(502, ""), "timeout")
    T.eq(reason(504, ""), "timeout")
    T.eq(reason(503, '{"error":{"message":"Model is overloaded"}}'), "overloaded")
    T.eq(reason(503, '{"error":{"message":"Service unavailable"}}'), "timeout")
    T.eq(reason(529, ""), "overloaded")
    T.eq(reason(500, "oops"), "timeout")
    T.eq(reason(400, '{"error":{"message":"bad"}}'), "format")
    T.eq(reason(422, "x"), "format")
    T.eq(reason(404, "x"), "model_not_found")
    T.eq(reason(418, "teapot"), "unknown")
    T.eq(reason("ECONNRESET"), "timeout")
    T.eq(reason("timeout"), "timeout")
    T.eq(reason("connect"), "network")
    T.eq(reason("dns"), "network")
    T.eq(reason("closed"), "network")
    T.eq(reason("tls"), "network")
  end)

  T.test("Q92 retryable, failover, fixes and messages", function()
    local c = openrouter.classify_error(429, '{"error":{"message":"Rate limit '
      .. 'exceeded","code":429,"metadata":{"raw":"upstream busy",'
      .. '"provider_name":"Anthropic"}}}', { ["Retry-After"] = "7" }, 0)
    T.eq(c.retryable, true)
    T.eq(c.failover, true)
    T.eq(c.retry_after_ms, 7000)
    T.eq(c.provider_name, "Anthropic")
    T.eq(c.code, 429)
    T.eq(c.message, "OpenRouter returned HTTP 429 (rate_limit): Rate limit "
      .. "exceeded (provider: Anthropic): upstream busy")
    local b = openrouter.classify_error(402, '{"error":{"message":"Insufficient '
      .. 'credits"}}')
    T.eq(b.retryable, false)
    T.ok(b.fix:find("openrouter.ai/settings/credits", 1, true), b.fix)
    local a = openrouter.classify_error(401, "")
    T.eq(a.retryable, false)
    T.ok(a.fix:find("openclaw onboard --auth-choice openrouter-api-key", 1, true))
    local f = openrouter.classify_error(400, '{"error":{"code":400,"message":'
      .. '"temperature: must be <= 2"}}')
    T.eq(f.retryable, false)
    T.eq(f.failover, false)
    T.ok(f.message:find("temperature: must be <= 2", 1, true), f.message)
    local n = openrouter.classify_error(404, '{"error":{"message":"No endpoints '
      .. 'found for foo/bar"}}')
    T.ok(n.fix:find("openclaw models list --all", 1, true), n.fix)
    local tls = openrouter.classify_error("tls", "certificate verify failed")
    T.eq(tls.retryable, false)
    T.ok(tls.message:find("certificate verify failed", 1, true), tls.message)
    local to = openrouter.classify_error("timeout", "no data received for 60000 ms")
    T.eq(to.retryable, true)
    T.eq(openrouter.classify_error("cancelled").retryable, false)
    T.eq(openrouter.classify_error(403, '{"error":{"message":"Your input was '
      .. 'flagged"}}').reason, "moderation")
    T.eq(openrouter.classify_error(402, '{"error":{"message":"Rate limit '
      .. 'exceeded: free-models-per-day"}}').reason, "rate_limit")
  end)

  T.test("Q92 Retry-After dates, rate-limit reset, garbage bodies", function()
    -- Wed, 21 Oct 2015 07:28:00 GMT = 1445412480
    local c = openrouter.classify_error(429, "", {
      ["retry-after"] = "Wed, 21 Oct 2015 07:28:00 GMT" }, 1445412470)
    T.eq(c.retry_after_ms, 10000)
    T.eq(openrouter.parse_retry_after("1.5", 0), 1500)
    T.eq(openrouter.parse_retry_after("soon", 0), nil)
    T.eq(openrouter.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT",
                                      1445412490), 0)
    local r = openrouter.classify_error(429, "", {
      ["X-RateLimit-Reset"] = "1445412480000" }, 1445412479)
    T.eq(r.retry_after_ms, 1000)
    for _, body in ipairs({ "<html>502</html>", "{", '{"error":5}', "null",
                            '{"error":{"message":{"nested":true}}}', nil }) do
      local g = openrouter.classify_error(502, body)
      T.eq(g.reason, "timeout")
      T.ok(type(g.message) == "string", "message")
    end
    local long = openrouter.classify_error(500, string.rep("x", 1000))
    T.ok(#long.message < 400, #long.message)
  end)

  T.test("Q93 cooldowns", function()
    T.eq(openrouter.cooldown_ms("rate_limit", 1), 60000)
    T.eq(openrouter.cooldown_ms("rate_limit", 2), 300000)
    T.eq(openrouter.cooldown_ms("timeout", 3), 1500000)
    T.eq(openrouter.cooldown_ms("auth", 4), 3600000)
    T.eq(openrouter.cooldown_ms("auth", 9), 3600000)
    T.eq(openrouter.cooldown_ms("billing", 1), 5 * 3600000)
    T.eq(openrouter.cooldown_ms("billing", 2), 10 * 3600000)
    T.eq(openrouter.cooldown_ms("billing", 3), 20 * 3600000)
    T.eq(openrouter.cooldown_ms("billing", 4), 24 * 3600000)
    T.eq(openrouter.cooldown_ms("billing", 50), 24 * 3600000)
  end)

  -- R. Fusion ------------------------------------------------------------------

  local FUSION_SUFFIX = "## OpenRouter Fusion Configuration\nThe active "
    .. "OpenRouter Fusion request is configured with these non-secret Fusion "
    .. "plugin fields.\nAnalysis models: google/gemini-3.5-flash, "
    .. "moonshotai/kimi-k2.6.\nFinal Fusion model: google/gemini-3.5-flash."

  local function fusion_config(plugin)
    return { agents = { defaults = { models = {
      ["openrouter/openrouter/fusion"] = { params = { extraBody = {
        plugins = { plugin } } } } } } } }
  end

  T.test("R94 Fusion system-prompt suffix", function()
    local plugin = { id = "fusion", analysis_models = {
      "google/gemini-3.5-flash", "moonshotai/kimi-k2.6" },
      model = "google/gemini-3.5-flash" }
    local r = build({ model = "openrouter/openrouter/fusion",
                      messages = { system("Be brief."), user("hi") } },
                    { config = fusion_config(plugin) })
    T.eq(r.body.messages[1].content, "Be brief.\n\n" .. FUSION_SUFFIX)
    T.eq(r.body.plugins, { plugin })
    local r2 = build({ model = "openrouter/openrouter/fusion" },
                     { config = fusion_config(plugin) })
    T.eq(r2.body.messages[1], { role = "system", content = FUSION_SUFFIX })
    -- disabled or absent plugin: no suffix
    local off = { id = "fusion", enabled = false, model = "x/y" }
    T.eq(openrouter.fusion_system_suffix("openrouter/fusion",
      { extraBody = { plugins = { off } } }), nil)
    T.eq(openrouter.fusion_system_suffix("openrouter/fusion",
      { extraBody = { plugins = { { id = "web" } } } }), nil)
    T.eq(openrouter.fusion_system_suffix("anthropic/claude-sonnet-4-6",
      { extraBody = { plugins = { plugin } } }), nil)
    -- extra_body preferred; model names sanitised
    T.eq(openrouter.fusion_system_suffix("openrouter/fusion", {
      extra_body = { plugins = { { id = "fusion",
        model = "  a/b\n\u{2028}\u{85}c " } } },
      extraBody = { plugins = { plugin } } }),
      "## OpenRouter Fusion Configuration\nThe active OpenRouter Fusion "
      .. "request is configured with these non-secret Fusion plugin fields.\n"
      .. "Final Fusion model: a/bc.")
    local long = openrouter.fusion_system_suffix("openrouter/fusion", {
      extraBody = { plugins = { { id = "fusion", model = string.rep("m", 300) } } } })
    T.ok(long:find("Final Fusion model: " .. string.rep("m", 256) .. "%.$"), long)
  end)

  -- Other shaping rules --------------------------------------------------------

  T.test("never forwarded: OpenAI-only fields removed with warnings", function()
    local r = build({ model = "openrouter/openai/gpt-5.4",
      params = { serviceTier = "flex", store = true, promptCacheKey = "k",
        extraBody = { service_tier = "flex", store = true,
          prompt_cache_key = "k", prompt_cache_retention = "24h",
          reasoning_effort = "high" } },
      messages = { { role = "developer", content = "dev rules" }, user("hi") },
      tools = { { name = "f", description = "d", strict = true,
                  parameters = { type = "object", properties = {} } } } })
    for _, f in ipairs({ "service_tier", "store", "prompt_cache_key",
                         "prompt_cache_retention", "reasoning_effort" }) do
      T.eq(r.body[f], nil, f)
      T.ok(has_warning(r, "'" .. f .. "' was removed"), f)
    end
    T.ok(has_warning(r, "param 'serviceTier' is not forwarded"), r.warnings)
    T.eq(r.body.messages[1].role, "system")
    T.eq(r.body.tools[1]["function"].strict, nil)
  end)

  T.test("params: temperature, maxTokens, defaults, unknown keys", function()
    local kimi = build({ model = "openrouter/moonshotai/kimi-k2.6" })
    T.eq(kimi.body.max_completion_tokens, 32000)
    T.eq(build({ model = "openrouter/auto" }).body.max_completion_tokens, 8192)
    local r = build({ model = "openrouter/auto", params = { temperature = 0.3,
      maxTokens = 512, topP = 0.9, bogus = 1, timeoutMs = 5 } })
    T.eq(r.body.temperature, 0.3)
    T.eq(r.body.max_completion_tokens, 512)
    T.eq(r.body.max_tokens, nil)
    T.eq(r.body.top_p, 0.9)
    T.eq(r.warnings, { "param 'bogus' is not used for OpenRouter requests; put "
      .. "raw request fields under params.extraBody" })
    local bad = build({ model = "openrouter/auto", params = { maxTokens = -3,
                                                              temperature = "hot" } })
    T.eq(bad.body.max_completion_tokens, 8192)
    T.eq(bad.body.temperature, nil)
    T.eq(#bad.warnings, 2)
    -- call params beat model params beat agents.defaults.params
    local cfg = { agents = { defaults = { params = { temperature = 0.1 },
      models = { ["openrouter/auto"] = { params = { temperature = 0.2 } } } } } }
    T.eq(build({ model = "openrouter/auto" }, { config = cfg }).body.temperature, 0.2)
    T.eq(build({ model = "openrouter/auto", params = { temperature = 0.7 } },
               { config = cfg }).body.temperature, 0.7)
    -- extraBody cannot replace pipeline fields
    local e = build({ model = "openrouter/auto", params = { extraBody = {
      model = "other/model", messages = {}, stream = false, seed = 7 } } })
    T.eq(e.body.model, "openrouter/auto")
    T.eq(e.body.stream, true)
    T.eq(e.body.seed, 7)
    T.ok(has_warning(e, "extraBody.model is ignored"), e.warnings)
  end)

  T.test("tools dropped for models without tool support", function()
    local info = models.info("ex/no-tools", models.project_catalog({
      { id = "ex/no-tools", supported_parameters = { "temperature" } } }))
    local r = build({ model = "openrouter/ex/no-tools", tools = {
      { name = "f", description = "d",
        parameters = { type = "object", properties = {} } } } }, { info = info })
    T.eq(r.body.tools, nil)
    T.ok(has_warning(r, "does not support tools"), r.warnings)
    local ok = build({ model = "openrouter/moonshotai/kimi-k2.6", tools = {
      { name = "f", description = "d",
        parameters = { type = "object", properties = {} } } } })
    T.eq(#ok.body.tools, 1)
  end)

  T.test("images dropped for known text-only models", function()
    local msgs = { { role = "user", content = {
      { type = "text", text = "look" },
      { type = "image", mime = "image/png", data = "AAAA" } } } }
    local h = build({ model = "openrouter/openrouter/hunter-alpha", messages = msgs })
    T.eq(h.body.messages[1].content, { { type = "text", text = "look" } })
    T.ok(has_warning(h, "image(s) were not sent"), h.warnings)
    local k = build({ model = "openrouter/moonshotai/kimi-k2.6", messages = msgs })
    T.eq(#k.body.messages[1].content, 2)
    local u = build({ model = "openrouter/some/new-vision-model", messages = msgs })
    T.eq(#u.body.messages[1].content, 2)
  end)

  T.test("stream=false, non-OpenRouter refs, models request", function()
    local r = build({ model = "openrouter/auto", stream = false })
    T.eq(r.body.stream, false)
    T.eq(r.headers.Accept, "application/json")
    T.eq(r.stream, false)
    local x, err = openrouter.build_chat({ model = "mock/echo",
                                           messages = { user("hi") } }, {})
    T.eq(x, nil)
    T.ok(err:find("not an OpenRouter model", 1, true), err)
    local _, err2 = openrouter.build_chat({ model = "claude-sonnet",
                                            messages = { user("hi") } }, {})
    T.ok(err2:find("has no provider", 1, true), err2)
    T.raises("request table expected", function() openrouter.build_chat(nil) end)
    T.eq(openrouter.build_models_request({ api_key = KEY }), {
      method = "GET", url = BASE .. "/models",
      headers = { Accept = "application/json", Authorization = "Bearer sk-or-test",
                  ["HTTP-Referer"] = "https://openclaw.ai",
                  ["X-OpenRouter-Title"] = "OpenClaw",
                  ["X-OpenRouter-Categories"] = "cli-agent" } })
  end)
end
