--- openclaw.models: model refs, OpenRouter model ids and model facts.
--
-- A model ref is what users type and configs store:
--   openrouter/<provider>/<model>   -> API id "<provider>/<model>"
--   openrouter/auto                 -> API id "openrouter/auto"
--   openrouter/openrouter/<x>       -> API id "openrouter/<x>"
--   mock/echo, mock/script          -> the offline mock provider
-- Refs are split on the first "/" and lowercased.
--
-- Model facts ("info") are plain tables with lower_snake fields:
--   { id, name, reasoning, input = {"text", "image"?}, context_window,
--     max_tokens, cost = {input, output, cache_read, cache_write}
--     (USD per 1M tokens), supports_tools, supported_reasoning_efforts?,
--     mandatory_reasoning?, thinking_level_map?, catalog_reasoning_efforts?,
--     known, source = "live" | "bundled" | "default" }
--
-- Pure: no I/O. The catalog fetch lives in the transport; this module only
-- projects the rows it got back.
local json = require("openclaw.json")
local bundled_rows = require("openclaw.bundled_models")
local util = require("openclaw.util")

local M = {}

--- Documented defaults for models the catalog does not know.
M.DEFAULT_MAX_TOKENS = 8192
M.DEFAULT_CONTEXT_WINDOW = 200000

--- Providers a model ref may name.
M.PROVIDERS = { "mock", "openrouter" }

local MOCK_MODELS = { echo = true, script = true }

-- Short OpenRouter aliases (see normalize_api_id). A plain table with no
-- metatable, so "constructor", "__proto__" or "tostring" never match.
local SHORT_ALIASES = {
  ["deepseek-v4-flash"] = "deepseek/deepseek-v4-flash",
  ["deepseek-v4-pro"] = "deepseek/deepseek-v4-pro",
}

local MISTRAL_PREFIXES = {
  "mistralai/", "mistral/", "mistral-", "codestral-", "devstral-",
  "ministral-", "mixtral-", "pixtral-", "voxtral-",
}

local CACHE_TTL_PREFIXES = {
  "anthropic/", "deepseek/", "moonshot/", "moonshotai/", "zai/",
}

local function starts(s, prefix)
  return s:sub(1, #prefix) == prefix
end

local copy = util.copy

-- Strip one leading "openrouter/" after lowercasing.
local function strip_openrouter(id)
  id = id:lower()
  if starts(id, "openrouter/") then id = id:sub(12) end
  return id
end

--- Normalise an id for the OpenRouter API: lowercase; an "openrouter/"
-- prefix is dropped when what follows is itself "<provider>/<model>";
-- "openrouter/<x>" with no further "/" is kept ("openrouter/auto",
-- "openrouter/fusion") unless <x> is a short alias
-- ("openrouter/deepseek-v4-pro" -> "deepseek/deepseek-v4-pro").
-- Returns nil for a non-string.
function M.normalize_api_id(id)
  if type(id) ~= "string" then return nil end
  id = id:lower()
  if not starts(id, "openrouter/") then return id end
  local rest = id:sub(12)
  if rest == "" or starts(rest, "/") or not rest:find("/", 1, true) then
    return SHORT_ALIASES[rest] or id
  end
  return rest
end

--- Lowercase an id and always drop an "openrouter/" prefix
-- ("openrouter/deepseek-v4-flash" -> "deepseek-v4-flash"). nil for a
-- non-string.
function M.normalize_model_id(id)
  if type(id) ~= "string" then return nil end
  return strip_openrouter(id)
end

--- The family id used for feature detection: lowercase, "openrouter/"
-- prefix, leading "~" (OpenRouter's always-latest alias) and ":variant"
-- suffix (":nitro", ":floor", ":online", ":free") removed.
-- "openrouter/~anthropic/claude-opus-latest:nitro" ->
-- "anthropic/claude-opus-latest"; "openrouter/auto" -> "auto".
function M.family_id(id)
  if type(id) ~= "string" then return "" end
  id = strip_openrouter(id)
  id = id:gsub("^~", "")
  return (id:gsub(":.*$", ""))
end

--- True for DeepSeek V4 models (deepseek/deepseek-v4-flash|pro, with an
-- optional "openrouter/" prefix or ":variant").
function M.is_deepseek_v4(id)
  if type(id) ~= "string" then return false end
  id = strip_openrouter(id)
  if not starts(id, "deepseek/") then return false end
  local model = id:sub(10):gsub(":.*$", "")
  return model == "deepseek-v4-flash" or model == "deepseek-v4-pro"
end

--- True for Mistral-family models (mistralai/, mistral/, codestral-, ...).
function M.is_mistral(id)
  if type(id) ~= "string" then return false end
  id = strip_openrouter(id)
  for _, p in ipairs(MISTRAL_PREFIXES) do
    if starts(id, p) then return true end
  end
  return false
end

--- True for Anthropic models (anthropic/..., ~anthropic/...,
-- openrouter/anthropic/...).
function M.is_anthropic(id)
  return starts(M.family_id(id), "anthropic/")
end

--- True when the id names a Gemini model (contains "gemini").
function M.is_gemini(id)
  return type(id) == "string" and id:lower():find("gemini", 1, true) ~= nil
end

--- True when OpenRouter reasoning must not be injected for this model:
-- openrouter/auto, x-ai/* and openrouter/hunter-alpha[:*].
function M.reasoning_unsupported(id)
  if type(id) ~= "string" then return false end
  local lower = id:lower()
  if lower == "openrouter/hunter-alpha"
     or starts(lower, "openrouter/hunter-alpha:") then
    return true
  end
  local family = M.family_id(id)
  return family == "auto" or starts(family, "x-ai/")
end

--- True for models whose prompt caches have a TTL worth managing
-- (anthropic/, deepseek/, moonshot/, moonshotai/, zai/).
function M.cache_ttl_eligible(id)
  local family = M.family_id(id)
  for _, p in ipairs(CACHE_TTL_PREFIXES) do
    if starts(family, p) then return true end
  end
  return false
end

local EXAMPLE = "openrouter/anthropic/claude-sonnet-4.5"

--- Parse a model ref. Returns { provider, id, api_id, ref } or nil, message.
-- id is the model part after the provider ("anthropic/claude-sonnet-4.5",
-- "auto"); api_id is what the provider's API expects; ref is the
-- normalised (lowercase) ref.
function M.parse_ref(ref)
  if type(ref) ~= "string" then
    return nil, ("model ref must be a string, got %s: use "
      .. "openrouter/<provider>/<model>, e.g. %s"):format(type(ref), EXAMPLE)
  end
  if ref == "" or not ref:find("%S") then
    return nil, ("model ref is empty: use openrouter/<provider>/<model>, "
      .. "e.g. %s"):format(EXAMPLE)
  end
  if ref:find("%s") then
    return nil, ("model ref '%s' contains whitespace: remove it "
      .. "(refs look like %s)"):format(ref, EXAMPLE)
  end
  local slash = ref:find("/", 1, true)
  if not slash then
    return nil, ("model ref '%s' has no provider: use "
      .. "openrouter/<provider>/<model>, e.g. %s"):format(ref, EXAMPLE)
  end
  local provider = ref:sub(1, slash - 1):lower()
  local rest = ref:sub(slash + 1):lower()
  if provider == "" then
    return nil, ("model ref '%s' has no provider: use "
      .. "openrouter/<provider>/<model>, e.g. %s"):format(ref, EXAMPLE)
  end
  if provider ~= "openrouter" and provider ~= "mock" then
    return nil, ("model ref '%s' has unknown provider '%s': use "
      .. "openrouter/%s (providers: %s)"):format(ref, provider,
      ref:lower(), table.concat(M.PROVIDERS, ", "))
  end
  if rest == "" or starts(rest, "/") or rest:sub(-1) == "/"
     or rest:find("//", 1, true) then
    return nil, ("model ref '%s' is malformed: use "
      .. "openrouter/<provider>/<model>, e.g. %s"):format(ref, EXAMPLE)
  end
  if provider == "mock" then
    if not MOCK_MODELS[rest] then
      return nil, ("model ref '%s' names an unknown mock model: use "
        .. "mock/echo or mock/script"):format(ref)
    end
    return { provider = "mock", id = rest, api_id = rest,
             ref = "mock/" .. rest }
  end
  return { provider = "openrouter", id = rest,
           api_id = M.normalize_api_id("openrouter/" .. rest),
           ref = "openrouter/" .. rest }
end

-- Integer from a JSON number or numeric string (cjson gives floats).
local function to_int(v)
  if type(v) == "string" then v = tonumber(v) end
  if type(v) ~= "number" or v ~= v or v < 0 or v == math.huge then
    return nil
  end
  return math.tointeger(v) or math.tointeger(math.floor(v))
end

-- USD per token (string or number) -> USD per 1M tokens, rounded to 10
-- significant digits so "0.0000015" gives exactly 1.5. Bad or negative
-- (OpenRouter uses "-1" for variable pricing) -> 0.
local function per_million(v)
  local n = tonumber(v)
  if not n or n ~= n or n < 0 or n == math.huge then return 0 end
  n = tonumber(("%.10g"):format(n * 1e6))
  return math.tointeger(n) or n
end

local function list_has(list, value)
  if type(list) ~= "table" then return false end
  for _, v in ipairs(list) do
    if v == value then return true end
  end
  return false
end

-- Output side of a /models row: {text=true,...}; nil when unknown.
local function modalities(arch, which)
  if type(arch) ~= "table" then return nil end
  local key = which == "in" and "input_modalities" or "output_modalities"
  if type(arch[key]) == "table" then
    local set = {}
    for _, m in ipairs(arch[key]) do
      if type(m) == "string" then set[m:lower()] = true end
    end
    return set
  end
  if type(arch.modality) == "string" then
    local lhs, rhs = arch.modality:match("^(.-)%->(.*)$")
    local side = which == "in" and lhs or rhs
    if not side then return nil end
    local set = {}
    for m in side:gmatch("[^+,%s]+") do set[m:lower()] = true end
    return set
  end
  return nil
end

local function string_list(v)
  if type(v) ~= "table" then return nil end
  local out = {}
  for _, s in ipairs(v) do
    if type(s) == "string" then out[#out + 1] = s:lower() end
  end
  return out
end

--- Project one row of OpenRouter's GET /models "data" array into model
-- facts, or nil when the row is not a text-output model (image-only
-- generators are dropped) or has no id. opts.verified (default true):
-- the catalog came from a verified OpenRouter route, so its reasoning
-- efforts are authoritative (catalog_reasoning_efforts).
function M.project_row(row, opts)
  opts = opts or {}
  if type(row) ~= "table" or type(row.id) ~= "string" or row.id == "" then
    return nil
  end
  local out_mods = modalities(row.architecture, "out")
  if out_mods and not out_mods.text then return nil end
  local in_mods = modalities(row.architecture, "in") or {}
  local params = row.supported_parameters
  local top = type(row.top_provider) == "table" and row.top_provider or {}
  local pricing = type(row.pricing) == "table" and row.pricing or {}
  local facts = {
    id = row.id:lower(),
    name = type(row.name) == "string" and row.name ~= "" and row.name
      or row.id,
    reasoning = list_has(params, "reasoning")
      or list_has(params, "include_reasoning")
      or list_has(params, "reasoning_effort"),
    input = in_mods.image and { "text", "image" } or { "text" },
    context_window = to_int(row.context_length)
      or to_int(top.context_length),
    max_tokens = to_int(top.max_completion_tokens)
      or to_int(row.max_completion_tokens),
    cost = {
      input = per_million(pricing.prompt),
      output = per_million(pricing.completion),
      cache_read = per_million(pricing.input_cache_read),
      cache_write = per_million(pricing.input_cache_write),
    },
    known = true,
    source = "live",
  }
  if type(params) == "table" then
    facts.supports_tools = list_has(params, "tools")
  end
  local r = type(row.reasoning) == "table" and row.reasoning or nil
  if r then
    local efforts = string_list(r.supported_efforts)
    if efforts then
      facts.supported_reasoning_efforts = efforts
      if opts.verified ~= false then facts.catalog_reasoning_efforts = true end
    end
    if r.mandatory == true then
      facts.mandatory_reasoning = true
      facts.thinking_level_map = { off = json.null }
    end
  end
  return facts
end

local function bundled_fact(row)
  local f = copy(row)
  f.known = true
  f.source = "bundled"
  f.supports_tools = true
  return f
end

--- The bundled catalog: a map API id -> facts (fresh copies).
function M.bundled()
  local cat = {}
  for _, row in ipairs(bundled_rows) do cat[row.id] = bundled_fact(row) end
  return cat
end

--- Turn a live /models response's data rows into a catalog: a map
-- API id -> facts. Non-text-output rows are dropped. Bundled rows are
-- merged in under the live ones unless opts.bundled == false (so a nil or
-- failed fetch yields the bundled catalog). opts.verified as project_row.
function M.project_catalog(rows, opts)
  opts = opts or {}
  local cat = opts.bundled == false and {} or M.bundled()
  if type(rows) == "table" then
    for _, row in ipairs(rows) do
      local f = M.project_row(row, opts)
      if f then cat[f.id] = f end
    end
  end
  return cat
end

--- Sorted list of the ids in a catalog map.
function M.catalog_ids(catalog)
  local ids = {}
  for id in pairs(catalog or {}) do ids[#ids + 1] = id end
  table.sort(ids)
  return ids
end

local function with_defaults(f, api_id)
  f.id = f.id or api_id
  f.name = f.name or f.id
  if f.reasoning == nil then f.reasoning = false end
  f.input = f.input or { "text" }
  f.context_window = f.context_window or M.DEFAULT_CONTEXT_WINDOW
  f.max_tokens = f.max_tokens or M.DEFAULT_MAX_TOKENS
  local c = f.cost or {}
  f.cost = { input = c.input or 0, output = c.output or 0,
             cache_read = c.cache_read or 0,
             cache_write = c.cache_write or 0 }
  if f.supports_tools == nil then f.supports_tools = true end
  return f
end

--- Facts for an API id, from catalog (a map as built by project_catalog;
-- nil = bundled only), then the bundled rows, then the same id without
-- its ":variant" suffix. Unknown models get the documented defaults
-- (reasoning=false, max_tokens=8192, context_window=200000, zero cost,
-- supports_tools=true) with known=false. Always returns a fresh table.
function M.info(api_id, catalog)
  local id = M.normalize_api_id(api_id)
  if not id then
    return with_defaults({ known = false, source = "default" }, "")
  end
  local bundled = M.bundled()
  local function find(key)
    return (catalog and catalog[key]) or bundled[key]
  end
  local f = find(id)
  if not f and id:find(":", 1, true) then f = find((id:gsub(":.*$", ""))) end
  if f then
    f = copy(f)
    f.id = id
    if f.known == nil then f.known = true end
    return with_defaults(f, id)
  end
  return with_defaults({ id = id, known = false, source = "default" }, id)
end

--- Canonical thinking level names, lowest to highest.
M.THINKING_LEVELS = { "off", "minimal", "low", "medium", "high", "xhigh",
                      "adaptive", "max" }

local LEVEL_SET = {}
for _, l in ipairs(M.THINKING_LEVELS) do LEVEL_SET[l] = true end

local LEVEL_ALIASES = {
  ["x-high"] = "xhigh", ["x_high"] = "xhigh", ["extra-high"] = "xhigh",
  ["extra high"] = "xhigh", ["extra_high"] = "xhigh", highest = "high",
  on = "low", none = "off",
}

--- Normalise a thinking level: canonical name, or nil, message for an
-- unknown one. Accepts aliases (x-high, extra high, highest, on, none)
-- and booleans (true = low, false = off). nil stays nil.
function M.normalize_thinking(level)
  if level == nil then return nil end
  if level == true then return "low" end
  if level == false then return "off" end
  if type(level) ~= "string" then
    return nil, ("thinking level must be a string, got %s"):format(
      type(level))
  end
  local l = level:lower():gsub("^%s+", ""):gsub("%s+$", "")
  l = LEVEL_ALIASES[l] or l
  if LEVEL_SET[l] then return l end
  return nil, ("unknown thinking level '%s': use off, minimal, low, "
    .. "medium, high, xhigh, adaptive or max"):format(level)
end

--- Map a canonical thinking level to an OpenRouter reasoning effort:
-- off -> none, adaptive -> medium, max -> xhigh, others unchanged.
function M.effort_for_level(level)
  if level == "off" then return "none" end
  if level == "adaptive" then return "medium" end
  if level == "max" or level == "ultra" then return "xhigh" end
  return level
end

--- The thinking level used when neither the call nor the config sets one:
-- "high" for DeepSeek V4, "low" for reasoning-capable models, else "off".
function M.default_thinking(info)
  info = info or {}
  if M.reasoning_unsupported(info.id) then return "off" end
  if M.is_deepseek_v4(info.id) then return "high" end
  return info.reasoning and "low" or "off"
end

local EFFORT_ORDER = { "minimal", "low", "medium", "high", "xhigh", "max" }
local DEFAULT_EFFORTS = { "low", "medium", "high", "xhigh" }

--- The thinking levels a model offers (its "thinking profile"), lowest
-- first; "off" is left out when reasoning is mandatory
-- (thinking_level_map.off == json.null).
--   * routes that skip reasoning and known non-reasoning models: {"off"};
--   * supports_reasoning_effort == false or an empty efforts list: binary
--     {"off", "low"} ({"low"} when mandatory);
--   * efforts: refreshed_efforts (a newer capability-cache list) when the
--     facts carry catalog_reasoning_efforts, else
--     info.supported_reasoning_efforts, ordered low -> xhigh;
--   * DeepSeek V4 without an efforts list: off..xhigh incl. minimal;
--   * otherwise low, medium, high, xhigh.
function M.thinking_levels(info, refreshed_efforts)
  info = info or {}
  if M.reasoning_unsupported(info.id) then return { "off" } end
  local map = info.thinking_level_map
  local mandatory = info.mandatory_reasoning == true
    or (type(map) == "table" and map.off == json.null)
  local efforts = info.supported_reasoning_efforts
  if info.catalog_reasoning_efforts and type(refreshed_efforts) == "table" then
    efforts = refreshed_efforts
  end
  if info.supports_reasoning_effort == false
     or (type(efforts) == "table" and #efforts == 0) then
    return mandatory and { "low" } or { "off", "low" }
  end
  local levels = {}
  if not mandatory then levels[1] = "off" end
  if type(efforts) ~= "table" then
    if M.is_deepseek_v4(info.id) then
      return { "off", "minimal", "low", "medium", "high", "xhigh" }
    end
    if info.known and not info.reasoning and not map then return { "off" } end
    efforts = DEFAULT_EFFORTS
  end
  for _, e in ipairs(EFFORT_ORDER) do
    if list_has(efforts, e) then levels[#levels + 1] = e end
  end
  return levels
end

local PICKER_INPUTS = { "text", "image", "audio", "video", "document" }

--- Entries for the model picker from GET /models rows: text-in and
-- text-out models only, first row wins per id, in response order:
-- { provider = "openrouter", id, name, context_window?, reasoning = true?,
--   input = {"text", "image"?, "audio"?, "video"?, "document"?} }
-- ("document" from a "file" or "document" input). nil rows -> {}.
function M.picker_entries(rows)
  local out, seen = {}, {}
  if type(rows) ~= "table" then return out end
  for _, row in ipairs(rows) do
    if type(row) == "table" and type(row.id) == "string" and row.id ~= ""
       and not seen[row.id] then
      local ins = modalities(row.architecture, "in") or { text = true }
      local outs = modalities(row.architecture, "out") or { text = true }
      if ins.text and outs.text then
        seen[row.id] = true
        if ins.file then ins.document = true end
        local input = {}
        for _, m in ipairs(PICKER_INPUTS) do
          if ins[m] then input[#input + 1] = m end
        end
        local params = row.supported_parameters
        local top = type(row.top_provider) == "table" and row.top_provider
          or {}
        out[#out + 1] = {
          provider = "openrouter", id = row.id,
          name = type(row.name) == "string" and row.name ~= "" and row.name
            or row.id,
          context_window = to_int(row.context_length)
            or to_int(top.context_length),
          reasoning = (list_has(params, "reasoning")
            or list_has(params, "include_reasoning")
            or list_has(params, "reasoning_effort")) or nil,
          input = input,
        }
      end
    end
  end
  return out
end

return M
