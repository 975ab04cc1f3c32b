-- Tests for openclaw.models: refs, API ids, family predicates, catalog.
-- Vector ids (A1, B11, ...) refer to /work/shared/spec/openrouter-vectors.md.
local models = require("openclaw.models")
local json = require("openclaw.json")

return function(T)
  -- A. model refs and ids ---------------------------------------------------

  T.test("A1 normalize_api_id of non-strings is nil", function()
    T.eq(models.normalize_api_id(nil), nil)
    T.eq(models.normalize_api_id(json.null), nil)
    T.eq(models.normalize_api_id(42), nil)
    T.eq(models.normalize_api_id({}), nil)
  end)

  T.test("A2 ids without openrouter/ pass through", function()
    T.eq(models.normalize_api_id("deepseek/deepseek-v4-flash"),
         "deepseek/deepseek-v4-flash")
    T.eq(models.normalize_api_id("unknown-model"), "unknown-model")
  end)

  T.test("A3 openrouter/anthropic/claude-opus-4-8 -> anthropic/claude-opus-4-8",
    function()
      T.eq(models.normalize_api_id("openrouter/anthropic/claude-opus-4-8"),
           "anthropic/claude-opus-4-8")
    end)

  T.test("A4 short aliases, case, unknown and prototype names", function()
    T.eq(models.normalize_api_id("openrouter/deepseek-v4-pro"),
         "deepseek/deepseek-v4-pro")
    T.eq(models.normalize_api_id("OPENROUTER/DEEPSEEK-V4-FLASH"),
         "deepseek/deepseek-v4-flash")
    T.eq(models.normalize_api_id("openrouter/unknown-model"),
         "openrouter/unknown-model")
    T.eq(models.normalize_api_id("openrouter/constructor"),
         "openrouter/constructor")
    T.eq(models.normalize_api_id("openrouter/__proto__"),
         "openrouter/__proto__")
    T.eq(models.normalize_api_id("openrouter/tostring"), "openrouter/tostring")
    T.eq(models.normalize_api_id("openrouter/auto"), "openrouter/auto")
    T.eq(models.normalize_api_id("openrouter/"), "openrouter/")
  end)

  T.test("A5 normalize_model_id always strips openrouter/", function()
    T.eq(models.normalize_model_id("openrouter/deepseek-v4-flash"),
         "deepseek-v4-flash")
    T.eq(models.normalize_model_id("openrouter/auto"), "auto")
    T.eq(models.normalize_model_id(7), nil)
  end)

  T.test("A6 is_deepseek_v4", function()
    T.eq(models.is_deepseek_v4("openrouter/deepseek/deepseek-v4-pro"), true)
    T.eq(models.is_deepseek_v4("deepseek/deepseek-v4-flash"), true)
    T.eq(models.is_deepseek_v4("deepseek/deepseek-v4-flash:nitro"), true)
    T.eq(models.is_deepseek_v4("openrouter/deepseek/deepseek-v3"), false)
    T.eq(models.is_deepseek_v4("openrouter/deepseek-v4-flash"), false)
    T.eq(models.is_deepseek_v4(nil), false)
  end)

  T.test("A7 is_mistral", function()
    T.eq(models.is_mistral("openrouter/mistralai/mixtral-8x7b"), true)
    T.eq(models.is_mistral("mistral/mistral-7b"), true)
    T.eq(models.is_mistral("codestral-2508"), true)
    T.eq(models.is_mistral("deepseek/deepseek-v4-flash"), false)
  end)

  T.test("A8 unknown model ids get documented defaults", function()
    local info = models.info("openai/gpt-5.4-nano")
    T.eq(info, {
      id = "openai/gpt-5.4-nano", name = "openai/gpt-5.4-nano",
      reasoning = false, input = { "text" }, context_window = 200000,
      max_tokens = 8192,
      cost = { input = 0, output = 0, cache_read = 0, cache_write = 0 },
      supports_tools = true, known = false, source = "default",
    })
  end)

  T.test("A9 parse_ref maps refs to API ids", function()
    T.eq(models.parse_ref("openrouter/openrouter/fusion"),
         { provider = "openrouter", id = "openrouter/fusion",
           api_id = "openrouter/fusion", ref = "openrouter/openrouter/fusion" })
    T.eq(models.parse_ref("openrouter/anthropic/claude-sonnet-4-6"),
         { provider = "openrouter", id = "anthropic/claude-sonnet-4-6",
           api_id = "anthropic/claude-sonnet-4-6",
           ref = "openrouter/anthropic/claude-sonnet-4-6" })
    T.eq(models.parse_ref("openrouter/auto").api_id, "openrouter/auto")
    T.eq(models.parse_ref("openrouter/auto").id, "auto")
    T.eq(models.parse_ref("OpenRouter/Anthropic/Claude-Sonnet-4.5").api_id,
         "anthropic/claude-sonnet-4.5")
    T.eq(models.parse_ref("openrouter/deepseek-v4-flash").api_id,
         "deepseek/deepseek-v4-flash")
    T.eq(models.parse_ref("openrouter/~anthropic/claude-opus-latest:nitro")
         .api_id, "~anthropic/claude-opus-latest:nitro")
    T.eq(models.parse_ref("mock/echo"),
         { provider = "mock", id = "echo", api_id = "echo", ref = "mock/echo" })
    T.eq(models.parse_ref("mock/script").provider, "mock")
  end)

  T.test("parse_ref errors say what is wrong and how to fix it", function()
    local r, err = models.parse_ref("claude-sonnet")
    T.eq(r, nil)
    T.eq(err, "model ref 'claude-sonnet' has no provider: use "
      .. "openrouter/<provider>/<model>, e.g. "
      .. "openrouter/anthropic/claude-sonnet-4.5")
    local function msg(v) return select(2, models.parse_ref(v)) end
    T.ok(msg("")
      :find("^model ref is empty: use openrouter/<provider>/<model>"), msg(""))
    T.ok(msg("   "):find("empty", 1, true), msg("   "))
    T.ok(msg(nil):find("must be a string, got nil", 1, true), msg(nil))
    T.ok(msg(42):find("must be a string, got number", 1, true), msg(42))
    T.ok(msg("anthropic/claude-sonnet-4.5"):find(
      "unknown provider 'anthropic': use "
      .. "openrouter/anthropic/claude-sonnet-4.5", 1, true),
      msg("anthropic/claude-sonnet-4.5"))
    T.ok(msg("openrouter/"):find("is malformed", 1, true), msg("openrouter/"))
    T.ok(msg("openrouter//x"):find("is malformed", 1, true))
    T.ok(msg("openrouter/anthropic/"):find("is malformed", 1, true))
    T.ok(msg("openrouter/anthropic//x"):find("is malformed", 1, true))
    T.ok(msg("/x"):find("has no provider", 1, true))
    T.ok(msg("openrouter/anthropic/claude sonnet")
      :find("contains whitespace", 1, true))
    T.ok(msg(" openrouter/auto"):find("contains whitespace", 1, true))
    T.ok(msg("mock/other"):find("mock/echo or mock/script", 1, true))
    for _, v in ipairs({ "", "claude-sonnet", "openrouter/", "x/y" }) do
      T.ok(not msg(v):find("\n", 1, true), "one line")
    end
  end)

  T.test("family_id strips openrouter/, ~ and :variant", function()
    T.eq(models.family_id("openrouter/~anthropic/claude-opus-latest:nitro"),
         "anthropic/claude-opus-latest")
    T.eq(models.family_id("openrouter/auto"), "auto")
    T.eq(models.family_id("openai/gpt-6:online"), "openai/gpt-6")
    T.eq(models.family_id(nil), "")
  end)

  T.test("family predicates: anthropic, gemini, reasoning_unsupported", function()
    T.eq(models.is_anthropic("anthropic/claude-opus-4-6"), true)
    T.eq(models.is_anthropic("~anthropic/claude-opus-latest"), true)
    T.eq(models.is_anthropic("openrouter/anthropic/claude-opus-4-6"), true)
    T.eq(models.is_anthropic("google/gemini-3-pro"), false)
    T.eq(models.is_gemini("google/gemini-3-pro"), true)
    T.eq(models.is_gemini("Gemini-2.5-Pro"), true)
    T.eq(models.is_gemini("anthropic/claude-sonnet-4-6"), false)
    T.eq(models.reasoning_unsupported("openrouter/auto"), true)
    T.eq(models.reasoning_unsupported("x-ai/grok-4"), true)
    T.eq(models.reasoning_unsupported("openrouter/hunter-alpha"), true)
    T.eq(models.reasoning_unsupported("openrouter/hunter-alpha:free"), true)
    T.eq(models.reasoning_unsupported("openrouter/hunter-alphabet"), false)
    T.eq(models.reasoning_unsupported("anthropic/claude-sonnet-4-6"), false)
  end)

  T.test("cache_ttl_eligible prefixes", function()
    for _, id in ipairs({ "anthropic/claude-sonnet-4-6", "deepseek/deepseek-v4-pro",
                          "moonshot/kimi", "moonshotai/kimi-k2.6", "zai/glm-5" }) do
      T.eq(models.cache_ttl_eligible(id), true, id)
    end
    T.eq(models.cache_ttl_eligible("openai/gpt-5.4"), false)
    T.eq(models.cache_ttl_eligible("google/gemini-3-pro"), false)
  end)

  -- B. catalog ----------------------------------------------------------------

  local B11_ROWS = {
    { id = "google/gemini-3.6-flash", name = "Google: Gemini 3.6 Flash",
      architecture = { input_modalities = { "text", "image", "audio", "video" },
                       output_modalities = { "text" } },
      supported_parameters = { "reasoning", "tools" },
      context_length = 1048576.0,
      top_provider = { context_length = 1048576.0,
                       max_completion_tokens = 65536.0 },
      pricing = { prompt = "0.0000015", completion = "0.0000075",
                  input_cache_read = "0.00000015" } },
    { id = "google/gemini-3.5-flash-lite",
      architecture = { modality = "text+image->text" },
      supported_parameters = { "include_reasoning" },
      context_length = 1048576 },
    { id = "google/gemini-3.1-flash-image",
      architecture = { modality = "text+image->image" } },
  }

  T.test("B11 live rows: text output only, projected facts", function()
    local cat = models.project_catalog(B11_ROWS)
    T.ok(cat["openrouter/auto"], "bundled auto merged in")
    T.ok(cat["google/gemini-3.5-flash-lite"], "legacy modality row kept")
    T.ok(cat["google/gemini-3.6-flash"], "row kept")
    T.eq(cat["google/gemini-3.1-flash-image"], nil)
    T.eq(cat["google/gemini-3.6-flash"], {
      id = "google/gemini-3.6-flash", name = "Google: Gemini 3.6 Flash",
      reasoning = true, input = { "text", "image" },
      context_window = 1048576, max_tokens = 65536,
      cost = { input = 1.5, output = 7.5, cache_read = 0.15, cache_write = 0 },
      supports_tools = true, known = true, source = "live",
    })
    local lite = cat["google/gemini-3.5-flash-lite"]
    T.eq(lite.reasoning, true)
    T.eq(lite.input, { "text", "image" })
    T.eq(lite.name, "google/gemini-3.5-flash-lite")
    T.eq(lite.supports_tools, false)
    T.eq(math.type(cat["google/gemini-3.6-flash"].context_window), "integer")
  end)

  T.test("B12 no live rows (failed fetch) -> bundled rows", function()
    T.eq(models.project_catalog(nil), models.bundled())
    T.eq(models.catalog_ids(models.project_catalog(nil)),
         { "moonshotai/kimi-k2.5", "moonshotai/kimi-k2.6", "openrouter/auto",
           "openrouter/healer-alpha", "openrouter/hunter-alpha" })
    T.eq(models.project_catalog({}, { bundled = false }), {})
  end)

  T.test("B13 picker entries: text in/out, deduped, document input", function()
    local rows = {
      { id = "openai/gpt-5.4", name = "OpenAI: GPT-5.4", context_length = 1050000,
        supported_parameters = { "reasoning_effort", "tools" },
        architecture = { input_modalities = { "text", "image", "file" },
                         output_modalities = { "text" } } },
      { id = "black-forest-labs/flux.2-pro", name = "Flux",
        architecture = { input_modalities = { "text" },
                         output_modalities = { "image" } } },
      { id = "openai/gpt-5.4", name = "duplicate",
        architecture = { input_modalities = { "text" },
                         output_modalities = { "text" } } },
    }
    T.eq(models.picker_entries(rows), {
      { provider = "openrouter", id = "openai/gpt-5.4", name = "OpenAI: GPT-5.4",
        context_window = 1050000, reasoning = true,
        input = { "text", "image", "document" } },
    })
  end)

  T.test("B14 picker entries of a failed fetch are empty", function()
    T.eq(models.picker_entries(nil), {})
  end)

  local MANDATORY_ROW = {
    id = "example/mandatory-reasoner", name = "Example",
    architecture = { input_modalities = { "text" }, output_modalities = { "text" } },
    supported_parameters = { "reasoning", "tools" },
    reasoning = { supported_efforts = { "xhigh", "high", "medium", "low" },
                  mandatory = true },
  }

  T.test("B15 mandatory reasoning row on the canonical route", function()
    local f = models.project_row(MANDATORY_ROW)
    T.eq(f.supported_reasoning_efforts, { "xhigh", "high", "medium", "low" })
    T.eq(f.thinking_level_map, { off = json.null })
    T.ok(f.thinking_level_map.off == json.null, "off maps to null")
    T.eq(f.catalog_reasoning_efforts, true)
    T.eq(f.mandatory_reasoning, true)
    T.eq(models.thinking_levels(f), { "low", "medium", "high", "xhigh" })
    T.eq(models.thinking_levels(f, { "high", "medium", "low" }),
         { "low", "medium", "high" })
  end)

  T.test("B16 custom route: efforts not authoritative", function()
    local row = {}
    for k, v in pairs(MANDATORY_ROW) do row[k] = v end
    row.reasoning = { supported_efforts = { "xhigh", "high" }, mandatory = true }
    local f = models.project_row(row, { verified = false })
    T.eq(f.catalog_reasoning_efforts, nil)
    T.eq(models.thinking_levels(f), { "high", "xhigh" })
    T.eq(models.thinking_levels(f, { "high" }), { "high", "xhigh" })
  end)

  T.test("B17 operator-authored thinking map", function()
    local info = { id = "example/custom", reasoning = true, known = true,
                   thinking_level_map = { off = json.null, low = "high",
                                          high = "high" } }
    T.eq(models.thinking_levels(info, { "medium", "low" }),
         { "low", "medium", "high", "xhigh" })
    info.catalog_reasoning_efforts = true
    T.eq(models.thinking_levels(info, { "medium", "low" }), { "low", "medium" })
  end)

  T.test("thinking profiles: binary, deepseek, non-reasoning, skipped", function()
    T.eq(models.thinking_levels({ id = "x/y", reasoning = true,
                                  supported_reasoning_efforts = {} }),
         { "off", "low" })
    T.eq(models.thinking_levels({ id = "x/y", reasoning = true,
                                  supports_reasoning_effort = false,
                                  mandatory_reasoning = true }), { "low" })
    T.eq(models.thinking_levels(models.info("deepseek/deepseek-v4-pro")),
         { "off", "minimal", "low", "medium", "high", "xhigh" })
    T.eq(models.thinking_levels(models.info("openrouter/auto")), { "off" })
    T.eq(models.thinking_levels(models.info("x-ai/grok-4")), { "off" })
    T.eq(models.thinking_levels(models.info("moonshotai/kimi-k2.6")),
         { "off", "low", "medium", "high", "xhigh" })
  end)

  T.test("bundled rows: current catalog and user-doc fallback refs", function()
    local auto = models.info("openrouter/auto")
    T.eq(auto.known, true)
    T.eq(auto.name, "OpenRouter Auto")
    T.eq(auto.reasoning, false)
    T.eq(auto.input, { "text", "image" })
    T.eq(auto.context_window, 200000)
    T.eq(auto.max_tokens, 8192)
    local kimi = models.info("moonshotai/kimi-k2.6")
    T.eq(kimi.cost, { input = 0.8, output = 3.5, cache_read = 0.2,
                      cache_write = 0 })
    T.eq(kimi.context_window, 262144)
    T.eq(kimi.max_tokens, 262144)
    T.eq(kimi.reasoning, true)
    for _, ref in ipairs({ "openrouter/auto", "openrouter/moonshotai/kimi-k2.6",
                           "openrouter/openrouter/healer-alpha",
                           "openrouter/openrouter/hunter-alpha" }) do
      T.eq(models.info(models.parse_ref(ref).api_id).known, true, ref)
    end
  end)

  T.test("info: live rows win, :variant falls back to the base row", function()
    local cat = models.project_catalog({
      { id = "moonshotai/kimi-k2.6", name = "Live Kimi", context_length = 1000,
        supported_parameters = { "tools" } },
    })
    T.eq(models.info("moonshotai/kimi-k2.6", cat).name, "Live Kimi")
    T.eq(models.info("moonshotai/kimi-k2.6", cat).max_tokens, 8192)
    local v = models.info("moonshotai/kimi-k2.6:nitro", cat)
    T.eq(v.known, true)
    T.eq(v.id, "moonshotai/kimi-k2.6:nitro")
    T.eq(v.name, "Live Kimi")
    -- info returns fresh tables: mutating one does not leak.
    v.cost.input = 99
    T.eq(models.info("moonshotai/kimi-k2.6").cost.input, 0.8)
  end)

  T.test("project_row: prices, negative pricing, missing fields", function()
    local f = models.project_row({ id = "Openrouter/Free", pricing = {
      prompt = "-1", completion = "abc", input_cache_write = "0.00000375" } })
    T.eq(f.id, "openrouter/free")
    T.eq(f.cost, { input = 0, output = 0, cache_read = 0, cache_write = 3.75 })
    T.eq(f.supports_tools, nil)
    T.eq(f.input, { "text" })
    T.eq(models.project_row({ name = "no id" }), nil)
    T.eq(models.project_row("garbage"), nil)
  end)

  T.test("thinking levels: aliases, mapping, defaults", function()
    T.eq(models.normalize_thinking("x-high"), "xhigh")
    T.eq(models.normalize_thinking("Extra High"), "xhigh")
    T.eq(models.normalize_thinking("extra_high"), "xhigh")
    T.eq(models.normalize_thinking("highest"), "high")
    T.eq(models.normalize_thinking(" MEDIUM "), "medium")
    T.eq(models.normalize_thinking(false), "off")
    T.eq(models.normalize_thinking(nil), nil)
    local l, err = models.normalize_thinking("turbo")
    T.eq(l, nil)
    T.ok(err:find("unknown thinking level 'turbo'", 1, true), err)
    T.eq(models.effort_for_level("off"), "none")
    T.eq(models.effort_for_level("adaptive"), "medium")
    T.eq(models.effort_for_level("max"), "xhigh")
    T.eq(models.effort_for_level("minimal"), "minimal")
    T.eq(models.default_thinking(models.info("moonshotai/kimi-k2.6")), "low")
    T.eq(models.default_thinking(models.info("openrouter/auto")), "off")
    T.eq(models.default_thinking(models.info("some/unknown")), "off")
    T.eq(models.default_thinking(models.info("deepseek/deepseek-v4-pro")),
         "high")
  end)
end
