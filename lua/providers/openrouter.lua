--- providers.openrouter: OpenRouter request shaping (pure, no I/O).
--
-- Everything OpenRouter-specific lives here, on top of the generic
-- providers.openai_compat mechanics: base URL and verified-route rule, API
-- key resolution, attribution and response-cache headers, parameter and
-- routing merge, thinking -> reasoning mapping (incl. DeepSeek V4),
-- Anthropic prompt-cache markers and prefill stripping, Gemini
-- thought-signature and Mistral tool-call-id sanitation, the Fusion
-- system-prompt note, and HTTP error classification.
--
-- Provider contract used by the agent loop:
--   local req, err = openrouter.build_chat(chat_req, ctx)
--     -> { method, url, headers, body (Lua table), warnings, api_id, info,
--          stream }
--   local dec = openrouter.stream_decoder(req)   -- feed/done/finish
--   openrouter.classify_error(status, body_text, headers)
-- See docs/providers/openrouter.md for what is sent and why.
local json = require("openclaw.json")
local models = require("openclaw.models")
local compat = require("providers.openai_compat")
local util = require("openclaw.util")

local M = {}

--- Provider id.
M.id = "openrouter"
--- Canonical API base URL.
M.BASE_URL = "https://openrouter.ai/api/v1"
--- Legacy base URL, rewritten to BASE_URL.
M.LEGACY_BASE_URL = "https://openrouter.ai/v1"
--- Environment variable holding the API key.
M.ENV_KEY = "OPENROUTER_API_KEY"
--- Auth profile id written by `openclaw onboard`.
M.PROFILE_ID = "openrouter:default"
--- Error message when no key resolves.
M.NO_KEY_MESSAGE = 'No API key found for provider "openrouter": run '
  .. "'openclaw onboard --auth-choice openrouter-api-key' or set "
  .. "OPENROUTER_API_KEY."
--- App-attribution headers sent on verified routes, in order.
M.ATTRIBUTION_HEADERS = {
  { "HTTP-Referer", "https://openclaw.ai" },
  { "X-OpenRouter-Title", "OpenClaw" },
  { "X-OpenRouter-Categories", "cli-agent" },
}
--- Marker splitting a system prompt into a cached prefix and a volatile
-- suffix (Anthropic cache markers); collapsed to "\n" everywhere else.
M.CACHE_BOUNDARY = "\n<!-- OPENCLAW_CACHE_BOUNDARY -->\n"
--- Body fields never forwarded to OpenRouter (OpenAI-only shaping).
M.NEVER_FORWARD = { "service_tier", "store", "prompt_cache_key",
                    "prompt_cache_retention", "reasoning_effort" }
--- Default max_completion_tokens cap for known models.
M.MAX_TOKENS_CAP = 32000

--- openai_compat flags for OpenRouter endpoints.
M.COMPAT = {
  supports_developer_role = false,
  max_tokens_field = "max_completion_tokens",
  supports_strict = false,
  supports_store = false,
  -- OpenRouter always reports usage in the final chunk; it accepts (and
  -- ignores) stream_options.include_usage, which keeps generic
  -- OpenAI-compatible servers reporting usage too.
  supports_usage_in_streaming = true,
  supports_images = true,
}

local EPHEMERAL = { type = "ephemeral" }

---------------------------------------------------------------------------
-- small helpers

local has_text = util.has_text
local trim = util.trim
local get = util.get   -- get(t, "a", "b") == t.a.b or nil
local copy = util.copy

local function shallow(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return setmetatable(c, getmetatable(t))
end

local function is_list(t)
  if type(t) ~= "table" then return false end
  if json.is_array(t) then return true end
  local n = 0
  for _ in pairs(t) do n = n + 1 end
  return n > 0 and n == #t
end

local function sorted_keys(t)
  local keys = {}
  for k in pairs(t) do
    if type(k) == "string" then keys[#keys + 1] = k end
  end
  table.sort(keys)
  return keys
end

local function first_non_nil(t, ...)
  for i = 1, select("#", ...) do
    local v = t[(select(i, ...))]
    if v ~= nil then return v end
  end
  return nil
end

---------------------------------------------------------------------------
-- base URL and verified route

--- Normalise a base URL: trim, strip trailing "/"s, and rewrite the
-- canonical URL or its legacy alias "https://openrouter.ai/v1" to
-- BASE_URL. Other URLs are returned otherwise unchanged; nil for a
-- non-string.
function M.normalize_base_url(url)
  if type(url) ~= "string" then return nil end
  url = trim(url):gsub("/+$", "")
  if url == M.BASE_URL or url == M.LEGACY_BASE_URL then return M.BASE_URL end
  return url
end

--- The base URL requests go to: models.providers.openrouter.baseUrl
-- (normalised) or BASE_URL.
function M.resolve_base_url(config)
  local url = M.normalize_base_url(get(config, "models", "providers",
                                       "openrouter", "baseUrl"))
  if not url or url == "" then return M.BASE_URL end
  return url
end

local function url_host(url)
  local rest = url:match("^[%a][%w+.-]*://(.*)$")
  if not rest then return nil end
  local authority = rest:match("^([^/?#]*)") or ""
  authority = authority:gsub("^.*@", "")
  if authority:sub(1, 1) == "[" then return authority:lower() end
  return (authority:gsub(":%d*$", "")):lower()
end

--- True when base_url is a real OpenRouter endpoint: unset/empty, the
-- canonical URL or its alias, or any URL whose host is openrouter.ai or a
-- subdomain of it. Only verified routes get attribution headers, routing
-- injection, cache markers, response-cache headers, prefill stripping and
-- the DeepSeek V4 patch.
function M.is_verified_route(base_url)
  if base_url == nil then return true end
  local url = M.normalize_base_url(base_url)
  if not url or url == "" then return true end
  if url == M.BASE_URL then return true end
  local host = url_host(url)
  if not host then return false end
  return host == "openrouter.ai" or host:sub(-14) == ".openrouter.ai"
end

---------------------------------------------------------------------------
-- API key

local function key_value(v, env)
  if not has_text(v) then return nil end
  v = trim(v)
  -- An env-var name stored in place of a key (e.g. "OPENROUTER_API_KEY")
  -- refers to that variable.
  if v:match("^[A-Z][A-Z0-9_]*$") and v:find("KEY", 1, true) then
    local e = type(env) == "table" and env[v] or nil
    return has_text(e) and trim(e) or nil
  end
  return v
end

--- Resolve the OpenRouter API key. Order:
--   1. config.auth.profiles["openrouter:default"].key (written by onboard)
--   2. env.OPENROUTER_API_KEY (process environment; env is a table)
--   3. config.env.OPENROUTER_API_KEY or config.env.vars.OPENROUTER_API_KEY
--   4. config.models.providers.openrouter.apiKey
-- Returns key, source label; or nil, NO_KEY_MESSAGE.
function M.resolve_api_key(config, env)
  local k = key_value(get(config, "auth", "profiles", M.PROFILE_ID, "key"), env)
  if k then return k, "auth profile " .. M.PROFILE_ID end
  k = key_value(get(env, M.ENV_KEY), nil)
  if k then return k, "env: " .. M.ENV_KEY end
  k = key_value(get(config, "env", M.ENV_KEY), env)
    or key_value(get(config, "env", "vars", M.ENV_KEY), env)
  if k then return k, "config env: " .. M.ENV_KEY end
  k = key_value(get(config, "models", "providers", "openrouter", "apiKey"), env)
  if k then return k, "config: models.providers.openrouter.apiKey" end
  return nil, M.NO_KEY_MESSAGE
end

--- Mask a key for display: a short known prefix ("sk-or-") or the first 3
-- characters, an ellipsis and the last 4 characters. Short keys show only
-- the ellipsis and the last 2.
function M.mask_key(k)
  if type(k) ~= "string" or k == "" then return "(none)" end
  if #k < 12 then return "…" .. k:sub(-2) end
  local prefix = k:match("^sk%-or%-") or k:sub(1, 3)
  return prefix .. "…" .. k:sub(-4)
end

---------------------------------------------------------------------------
-- parameters and routing

local BAD_KEYS = { __proto__ = true, prototype = true, constructor = true }

--- Sanitise a routing ("provider") object: only plain tables; keys
-- __proto__, prototype and constructor dropped recursively; empty objects
-- count as absent (nil).
function M.sanitize_routing(v)
  if type(v) ~= "table" or v == json.null then return nil end
  if is_list(v) then return nil end
  local out, n = {}, 0
  for k, x in pairs(v) do
    if type(k) == "string" and not BAD_KEYS[k] then
      if type(x) == "table" and x ~= json.null and not is_list(x) then
        x = M.sanitize_routing(x)
      end
      if x ~= nil then out[k] = x; n = n + 1 end
    end
  end
  if n == 0 then return nil end
  return out
end

-- The agents.defaults.models (or agents.list[].models) entry for a ref:
-- exact key, then any openrouter key with the same API id (sorted keys).
local function model_entry(map, ref)
  if type(map) ~= "table" then return nil end
  if type(map[ref.raw]) == "table" then return map[ref.raw] end
  if type(map[ref.ref]) == "table" then return map[ref.ref] end
  for _, key in ipairs(sorted_keys(map)) do
    local r = models.parse_ref(key)
    if r and r.provider == "openrouter" and r.api_id == ref.api_id
       and type(map[key]) == "table" then
      return map[key]
    end
  end
  return nil
end

local function agent_entry(config, agent_id)
  if agent_id == nil then return nil end
  for _, a in ipairs(get(config, "agents", "list") or {}) do
    if type(a) == "table" and a.id == agent_id then return a end
  end
  return nil
end

local MERGED_OBJECTS = { extraBody = true, extra_body = true }

--- Merge params for one request, lowest precedence first:
-- models.providers.openrouter.params < agents.defaults.params <
-- agents.defaults.models[<ref>].params < agents.list[<agent>].models[<ref>]
-- .params < agents.list[<agent>].params < call params. Keys are merged one
-- by one; "provider" (routing), "extraBody" and "extra_body" are merged
-- key by key across layers. ref is a parse_ref result (raw = the ref as
-- written).
function M.merge_params(config, ref, call_params, agent_id)
  local agent = agent_entry(config, agent_id)
  local layers = {
    get(config, "models", "providers", "openrouter", "params"),
    get(config, "agents", "defaults", "params"),
    get(model_entry(get(config, "agents", "defaults", "models"), ref),
        "params"),
    get(model_entry(get(agent, "models"), ref), "params"),
    get(agent, "params"),
    call_params,
  }
  local out, routing = {}, nil
  for i = 1, 6 do
    local layer = layers[i]
    if type(layer) == "table" then
      for k, v in pairs(layer) do
        if k == "provider" then
          local r = M.sanitize_routing(v)
          if r then
            routing = routing or {}
            for rk, rv in pairs(r) do routing[rk] = rv end
          end
        elseif MERGED_OBJECTS[k] and type(v) == "table" and not is_list(v) then
          out[k] = out[k] or {}
          for ek, ev in pairs(v) do out[k][ek] = ev end
        else
          out[k] = v
        end
      end
    end
  end
  out.provider = routing
  return out
end

---------------------------------------------------------------------------
-- thinking / reasoning

--- Resolve the thinking level for a request: the call's level, else
-- agents.list[<agent>].thinkingDefault, else agents.defaults.thinkingDefault,
-- else models.default_thinking(info) ("low" for reasoning models, "off"
-- otherwise). Returns a canonical level or nil, message.
function M.resolve_thinking(level, config, info, agent_id)
  local sources = {
    { level, "thinking" },
    { get(agent_entry(config, agent_id), "thinkingDefault"),
      "agents.list[].thinkingDefault" },
    { get(config, "agents", "defaults", "thinkingDefault"),
      "agents.defaults.thinkingDefault" },
  }
  for _, s in ipairs(sources) do
    if s[1] ~= nil then
      local l, err = models.normalize_thinking(s[1])
      if not l then return nil, s[2] .. ": " .. err end
      return l
    end
  end
  return models.default_thinking(info)
end

local EFFORT_RANK = { minimal = 1, low = 2, medium = 3, high = 4, xhigh = 5,
                      max = 6 }

-- Clamp an effort to the model's supported efforts when the catalog lists
-- them: the highest supported effort not above it, else the lowest.
local function clamp_effort(effort, info)
  local list = info and info.supported_reasoning_efforts
  if type(list) ~= "table" or #list == 0 or effort == "none"
     or not EFFORT_RANK[effort] then
    return effort
  end
  local best, lowest
  for _, e in ipairs(list) do
    local r = EFFORT_RANK[e]
    if e == effort then return effort end
    if r and r <= EFFORT_RANK[effort]
       and (not best or r > EFFORT_RANK[best]) then
      best = e
    end
    if r and (not lowest or r < EFFORT_RANK[lowest]) then lowest = e end
  end
  return best or lowest or effort
end

--- True when a body's reasoning value asks for reasoning: present and not
-- false/null/""/"off"/"none", not {enabled=false}, effort not off/none.
function M.reasoning_enabled(r)
  if r == nil or r == false or r == json.null then return false end
  if type(r) == "string" then
    local l = r:lower()
    return l ~= "" and l ~= "off" and l ~= "none"
  end
  if type(r) == "table" then
    if r.enabled == false then return false end
    local e = r.effort
    if type(e) == "string" and (e:lower() == "off" or e:lower() == "none") then
      return false
    end
    return true
  end
  return r ~= 0
end

-- §10: the OpenRouter reasoning object for an ordinary model.
local function apply_reasoning(body, level, info, api_id)
  if models.reasoning_unsupported(api_id) then return end
  local map = info.thinking_level_map
  local effort = models.effort_for_level(level)
  if type(map) == "table" and map[level] ~= nil then
    effort = map[level]                    -- json.null: send nothing
  end
  local mandatory = info.mandatory_reasoning == true
    or (type(map) == "table" and map.off == json.null)
  local existing = body.reasoning
  if level ~= "off" and effort ~= json.null then
    effort = clamp_effort(effort, info)
    if existing == nil then
      body.reasoning = { effort = effort }
    elseif type(existing) == "table" and existing.effort == nil
           and existing.max_tokens == nil then
      existing.effort = effort
    end
  elseif existing == nil and info.reasoning and not mandatory
         and effort ~= json.null then
    body.reasoning = { effort = "none" }
  end
end

-- §10.4: DeepSeek V4 on verified routes.
local function apply_deepseek_v4(body, level, info)
  body.thinking = nil
  body.reasoning_effort = nil
  if info.supports_reasoning_effort ~= false
     and info.supported_reasoning_efforts == nil then
    local effort = "high"
    if level == "off" then effort = "none"
    elseif level == "xhigh" or level == "max" then effort = "xhigh" end
    local r = type(body.reasoning) == "table" and body.reasoning or {}
    r.effort = effort
    body.reasoning = r
  end
  local enabled = M.reasoning_enabled(body.reasoning)
  for _, m in ipairs(body.messages) do
    if enabled then
      if m.role == "assistant" and not (type(m.tool_calls) == "table"
         and #m.tool_calls > 0) and m.reasoning_content == nil then
        m.reasoning_content = ""
      end
    else
      m.reasoning_content = nil
    end
  end
end

---------------------------------------------------------------------------
-- message-level rules

local function is_prefill(m)
  if m.role ~= "assistant" then return false end
  if type(m.tool_calls) == "table" and #m.tool_calls > 0 then return false end
  if type(m.content) == "table" then
    for _, b in ipairs(m.content) do
      if type(b) == "table"
         and (b.type == "tool_use" or b.type == "toolCall") then
        return false
      end
    end
  end
  return true
end

--- Remove trailing assistant "prefill" messages (no tool calls) from a
-- wire message array in place. Returns the number removed.
function M.strip_trailing_prefill(messages)
  local n = 0
  while #messages > 0 and is_prefill(messages[#messages]) do
    table.remove(messages)
    n = n + 1
  end
  return n
end

--- The prefill-stripping warning for n removed messages.
function M.prefill_warning(n)
  return ("removed %d trailing assistant prefill message(s) because "
    .. "OpenRouter-routed Anthropic reasoning requires conversations to end "
    .. "with a user turn"):format(n)
end

local function is_thinking_block(b)
  return type(b) == "table" and (b.type == "thinking"
                                 or b.type == "redacted_thinking")
end

local function collapse_boundary(s)
  return (s:gsub(M.CACHE_BOUNDARY:gsub("%p", "%%%0"), "\n"))
end

-- System string -> text blocks with the cache marker on the stable part.
local function marked_system(s)
  local at = s:find(M.CACHE_BOUNDARY, 1, true)
  if not at then
    return json.array({ { type = "text", text = s,
                          cache_control = copy(EPHEMERAL) } })
  end
  local prefix = s:sub(1, at - 1)
  local suffix = collapse_boundary(s:sub(at + #M.CACHE_BOUNDARY))
  local blocks = {}
  if prefix ~= "" then
    blocks[#blocks + 1] = { type = "text", text = prefix,
                            cache_control = copy(EPHEMERAL) }
  end
  if suffix ~= "" then
    blocks[#blocks + 1] = { type = "text", text = suffix }
  end
  return json.array(blocks)
end

--- Apply Anthropic cache_control markers to wire messages in place:
-- system/developer strings become one text block with
-- cache_control {type="ephemeral"} (a CACHE_BOUNDARY splits it: only the
-- prefix is marked); block arrays get the marker on their last block
-- unless it is a thinking block; assistant thinking blocks lose any
-- cache_control. User and tool messages are untouched.
function M.apply_cache_markers(messages)
  for _, m in ipairs(messages) do
    if m.role == "system" or m.role == "developer" then
      if type(m.content) == "string" then
        if m.content ~= "" then m.content = marked_system(m.content) end
      elseif type(m.content) == "table" and #m.content > 0 then
        for _, b in ipairs(m.content) do
          if type(b) == "table" and type(b.text) == "string" then
            b.text = collapse_boundary(b.text)
          end
        end
        local last = m.content[#m.content]
        if type(last) == "table" and not is_thinking_block(last) then
          last.cache_control = copy(EPHEMERAL)
        end
      end
    elseif m.role == "assistant" and type(m.content) == "table" then
      for _, b in ipairs(m.content) do
        if is_thinking_block(b) then b.cache_control = nil end
      end
    end
  end
  return messages
end

-- Without cache markers the boundary is only a line break.
local function collapse_system_boundaries(messages)
  for _, m in ipairs(messages) do
    if m.role == "system" or m.role == "developer" then
      if type(m.content) == "string" then
        m.content = collapse_boundary(m.content)
      elseif type(m.content) == "table" then
        for _, b in ipairs(m.content) do
          if type(b) == "table" and type(b.text) == "string" then
            b.text = collapse_boundary(b.text)
          end
        end
      end
    end
  end
end

--- True when s is valid base64 or base64url text (whitespace ignored)
-- that decodes to at least one byte and re-encodes to the same text,
-- ignoring "=" padding.
function M.is_base64(s)
  if type(s) ~= "string" then return false end
  s = s:gsub("%s", "")
  if s == "" or s:find("[^%w%+/=_%-]") then return false end
  s = s:gsub("=+$", "")
  if s:find("=", 1, true) then return false end
  local n = #s
  if n == 0 or n % 4 == 1 then return false end
  local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    .. "0123456789"
  local last = s:sub(-1)
  local v = alphabet:find(last, 1, true)
  v = v and v - 1 or (last == "+" or last == "-") and 62 or 63
  if n % 4 == 2 then return v & 0x0F == 0 end
  if n % 4 == 3 then return v & 0x03 == 0 end
  return true
end

local SIGNATURE_KEYS = { "thought_signature", "thoughtSignature" }

local function strip_signatures(t)
  local changed
  for _, k in ipairs(SIGNATURE_KEYS) do
    if t[k] ~= nil and not M.is_base64(t[k]) then
      changed = changed or shallow(t)
      changed[k] = nil
    end
  end
  return changed or t
end

--- Gemini thought-signature sanitation for replayed neutral messages:
-- thought_signature / thoughtSignature fields on messages, content parts
-- and tool calls are removed unless they are valid base64. Returns a new
-- list; inputs are not modified. reasoning_details are kept as they are.
-- strip_field(nm, m, field) - nm (a copy of m made when needed) with the
-- signatures stripped from the blocks of m[field]
local function strip_field(nm, m, field)
  if type(m[field]) ~= "table" then return nm end
  local list, changed = {}, false
  for j, b in ipairs(m[field]) do
    list[j] = type(b) == "table" and strip_signatures(b) or b
    changed = changed or list[j] ~= b
  end
  if changed then
    if nm == m then nm = shallow(m) end
    nm[field] = list
  end
  return nm
end

function M.sanitize_thought_signatures(messages)
  local out = {}
  for i, m in ipairs(messages or {}) do
    local nm = strip_signatures(m)
    nm = strip_field(nm, m, "content")
    nm = strip_field(nm, m, "tool_calls")
    out[i] = nm
  end
  return out
end

local ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

local function hash9(s, salt)
  local h = 0xcbf29ce484222325 ~ salt
  for i = 1, #s do h = (h ~ s:byte(i)) * 0x100000001b3 end
  h = h & 0x7fffffffffffffff
  local out = {}
  for i = 1, 9 do
    local d = h % 62
    out[i] = ALNUM:sub(d + 1, d + 1)
    h = h // 62
  end
  return table.concat(out)
end

--- Mistral tool-call ids ("strict9"): every tool-call id in the neutral
-- messages becomes exactly 9 ASCII letters/digits, the same way in the
-- assistant tool_calls and the tool results that answer them. Ids that
-- already comply are kept. Returns a new list; inputs are not modified.
function M.sanitize_tool_call_ids(messages)
  local map, used = {}, {}
  local function fix(id)
    if id == nil then return nil end
    id = tostring(id)
    if map[id] then return map[id] end
    local new = id
    if not (#id == 9 and not id:find("[^%w]")) or used[id] then
      local salt = 0
      repeat
        new = hash9(id, salt)
        salt = salt + 1
      until not used[new]
    end
    map[id], used[new] = new, true
    return new
  end
  -- First pass: reserve ids that already comply so hashes avoid them.
  for _, m in ipairs(messages or {}) do
    for _, c in ipairs(type(m.tool_calls) == "table" and m.tool_calls or {}) do
      local id = c.id and tostring(c.id)
      if id and #id == 9 and not id:find("[^%w]") then
        map[id], used[id] = id, true
      end
    end
  end
  local out = {}
  for i, m in ipairs(messages or {}) do
    local nm = m
    if type(m.tool_calls) == "table" and #m.tool_calls > 0 then
      nm = shallow(m)
      nm.tool_calls = {}
      for j, c in ipairs(m.tool_calls) do
        local nc = shallow(c)
        nc.id = fix(c.id)
        nm.tool_calls[j] = nc
      end
    end
    if m.role == "tool" and m.tool_call_id ~= nil then
      if nm == m then nm = shallow(m) end
      nm.tool_call_id = fix(m.tool_call_id)
    end
    out[i] = nm
  end
  return out
end

--- Replay policy for an API id (what the session replay must do):
-- { apply_assistant_first_ordering_fix = false, validate_gemini_turns =
--   false, validate_anthropic_turns = false,
--   sanitize_thought_signatures = {allow_base64_only, include_camel_case}
--     (ids containing "gemini"),
--   sanitize_tool_call_ids = true, tool_call_id_mode = "strict9" (Mistral),
--   append_only_runtime_context = true (OpenAI GPT-5.6+ and GPT-6+) }.
function M.replay_policy(api_id)
  local p = { apply_assistant_first_ordering_fix = false,
              validate_gemini_turns = false,
              validate_anthropic_turns = false }
  if models.is_gemini(api_id) then
    p.sanitize_thought_signatures = { allow_base64_only = true,
                                      include_camel_case = true }
  end
  if models.is_mistral(api_id) then
    p.sanitize_tool_call_ids = true
    p.tool_call_id_mode = "strict9"
  end
  local family = models.family_id(api_id)
  local major, minor = family:match("^openai/gpt%-(%d+)%.?(%d*)")
  local after = family:match("^openai/gpt%-%d+%.?%d*(.?)")
  if major and (after == "" or after == "-") then
    major, minor = tonumber(major), tonumber(minor) or 0
    if major > 5 or (major == 5 and minor >= 6) then
      p.append_only_runtime_context = true
    end
  end
  return p
end

---------------------------------------------------------------------------
-- Fusion

local function sanitize_model_name(s)
  if type(s) ~= "string" then return nil end
  local out = {}
  local ok = pcall(function()
    for _, c in utf8.codes(s) do
      if not (c <= 0x1F or (c >= 0x7F and c <= 0x9F) or c == 0x2028
              or c == 0x2029) then
        out[#out + 1] = utf8.char(c)
      end
    end
  end)
  if not ok then
    out = {}
    for ch in s:gmatch("[%z\32-\126]") do
      if ch ~= "\0" and ch ~= "\127" then out[#out + 1] = ch end
    end
  end
  local t = trim(table.concat(out))
  if utf8.len(t) and utf8.len(t) > 256 then
    t = t:sub(1, utf8.offset(t, 257) - 1)
  end
  return t ~= "" and t or nil
end

local function fusion_plugin(extra)
  local plugins = get(extra, "plugins")
  if type(plugins) ~= "table" then return nil end
  for _, p in ipairs(plugins) do
    if type(p) == "table" and p.id == "fusion" and p.enabled ~= false then
      return p
    end
  end
  return nil
end

--- The Fusion system-prompt suffix for api_id "openrouter/fusion" when
-- merged params carry an enabled {id="fusion"} plugin under extra_body
-- (preferred) or extraBody; nil otherwise.
function M.fusion_system_suffix(api_id, params)
  if models.normalize_api_id(api_id) ~= "openrouter/fusion" then return nil end
  params = params or {}
  local p = fusion_plugin(params.extra_body) or fusion_plugin(params.extraBody)
  if not p then return nil end
  local lines = {}
  if type(p.analysis_models) == "table" then
    local names = {}
    for _, m in ipairs(p.analysis_models) do
      local s = sanitize_model_name(m)
      if s then names[#names + 1] = s end
    end
    if #names > 0 then
      lines[#lines + 1] = "Analysis models: "
        .. table.concat(names, ", ") .. "."
    end
  end
  local final = sanitize_model_name(p.model)
  if final then lines[#lines + 1] = "Final Fusion model: " .. final .. "." end
  if #lines == 0 then return nil end
  return "## OpenRouter Fusion Configuration\n"
    .. "The active OpenRouter Fusion request is configured with these "
    .. "non-secret Fusion plugin fields.\n" .. table.concat(lines, "\n")
end

local function append_system(messages, suffix)
  local out = {}
  for i, m in ipairs(messages) do out[i] = m end
  for i, m in ipairs(out) do
    if m.role == "system" then
      local nm = shallow(m)
      if type(m.content) == "table" then
        local parts = {}
        for j, p in ipairs(m.content) do parts[j] = p end
        parts[#parts + 1] = { type = "text", text = suffix }
        nm.content = parts
      else
        local base = m.content or ""
        nm.content = base ~= "" and (base .. "\n\n" .. suffix) or suffix
      end
      out[i] = nm
      return out
    end
  end
  table.insert(out, 1, { role = "system", content = suffix })
  return out
end

---------------------------------------------------------------------------
-- headers

local function set_header(headers, name, value)
  local lname = name:lower()
  for k in pairs(headers) do
    if type(k) == "string" and k:lower() == lname then headers[k] = nil end
  end
  headers[name] = value
end

local TRUE_WORDS = { ["1"] = true, ["true"] = true, yes = true, on = true,
                     enable = true, enabled = true }
local FALSE_WORDS = { ["0"] = true, ["false"] = true, no = true, off = true,
                      disable = true, disabled = true }

local function parse_bool(v)
  if type(v) == "boolean" then return v end
  if type(v) == "number" then
    if v == 1 then return true elseif v == 0 then return false end
    return nil
  end
  if type(v) == "string" then
    local l = trim(v):lower()
    if TRUE_WORDS[l] then return true end
    if FALSE_WORDS[l] then return false end
  end
  return nil
end

--- OpenRouter response-cache headers from merged params (§14):
-- responseCache|response_cache (bool or yes/no/on/off/1/0/enable...),
-- responseCacheClear|response_cache_clear (implies enable when unset),
-- responseCacheTtlSeconds|response_cache_ttl_seconds|responseCacheTtl|
-- response_cache_ttl (seconds, truncated, clamped to 1..86400).
-- Returns a list of {name, value}.
function M.response_cache_headers(params)
  params = params or {}
  local enable = parse_bool(first_non_nil(params, "responseCache",
                                          "response_cache"))
  local clear = parse_bool(first_non_nil(params, "responseCacheClear",
                                         "response_cache_clear"))
  if enable == nil and clear == true then enable = true end
  if enable == nil then return {} end
  if enable == false then return { { "X-OpenRouter-Cache", "false" } } end
  local out = { { "X-OpenRouter-Cache", "true" } }
  local ttl = tonumber(first_non_nil(params, "responseCacheTtlSeconds",
    "response_cache_ttl_seconds", "responseCacheTtl", "response_cache_ttl"))
  if ttl and ttl == ttl then
    local t = ttl >= 0 and math.floor(ttl) or math.ceil(ttl)
    t = math.max(1, math.min(86400, t))
    out[#out + 1] = { "X-OpenRouter-Cache-TTL", tostring(math.tointeger(t)) }
  end
  if clear == true then
    out[#out + 1] = { "X-OpenRouter-Cache-Clear", "true" }
  end
  return out
end

local function header_value(v)
  if type(v) == "string" then return v end
  if type(v) == "number" or type(v) == "boolean" then return tostring(v) end
  return nil
end

---------------------------------------------------------------------------
-- params -> body

local PARAM_ALIASES = {
  temperature = "temperature",
  maxTokens = "max_tokens", max_tokens = "max_tokens",
  max_completion_tokens = "max_tokens", maxCompletionTokens = "max_tokens",
  topP = "top_p", top_p = "top_p",
  toolChoice = "tool_choice", tool_choice = "tool_choice",
}

local NOT_FORWARDED_PARAMS = {
  serviceTier = "service_tier", service_tier = "service_tier",
  store = "store",
  promptCacheKey = "prompt_cache_key", prompt_cache_key = "prompt_cache_key",
  promptCacheRetention = "prompt_cache_retention",
  prompt_cache_retention = "prompt_cache_retention",
  reasoningEffort = "reasoning_effort", reasoning_effort = "reasoning_effort",
}

-- Params consumed elsewhere (transport, config, this module's headers).
local CONSUMED_PARAMS = {
  provider = true, extraBody = true, extra_body = true,
  responseCache = true, response_cache = true, responseCacheClear = true,
  response_cache_clear = true, responseCacheTtlSeconds = true,
  response_cache_ttl_seconds = true, responseCacheTtl = true,
  response_cache_ttl = true, timeoutMs = true, timeout_ms = true,
  maxRetries = true, max_retries = true, cacheRetention = true,
}

-- Body fields extraBody may not replace (they belong to the pipeline).
local PROTECTED_FIELDS = { model = true, messages = true, stream = true }

local function positive_int(v)
  v = tonumber(v)
  if not v or v ~= v or v < 1 or v == math.huge then return nil end
  return math.tointeger(math.floor(v))
end

-- Known params -> neutral values; warnings for the rest.
local function read_params(params, warn)
  local out = {}
  for _, k in ipairs(sorted_keys(params)) do
    local v = params[k]
    local name = PARAM_ALIASES[k]
    if name == "temperature" or name == "top_p" then
      if type(v) == "number" then out[name] = v
      else warn(("param '%s' must be a number; ignored"):format(k)) end
    elseif name == "max_tokens" then
      local n = positive_int(v)
      if n then out.max_tokens = n
      else
        warn(("param '%s' must be a positive integer; ignored"):format(k))
      end
    elseif name == "tool_choice" then
      out.tool_choice = v
    elseif NOT_FORWARDED_PARAMS[k] then
      warn(("param '%s' is not forwarded to OpenRouter (OpenAI-only "
        .. "request shaping)%s"):format(k, NOT_FORWARDED_PARAMS[k]
        == "reasoning_effort" and "; use the thinking level instead" or ""))
    elseif not CONSUMED_PARAMS[k] then
      warn(("param '%s' is not used for OpenRouter requests; put raw "
        .. "request fields under params.extraBody"):format(k))
    end
  end
  return out
end

local function merge_extra_body(body, extra, label, warn)
  if type(extra) ~= "table" then return end
  for _, k in ipairs(sorted_keys(extra)) do
    if PROTECTED_FIELDS[k] then
      warn(("%s.%s is ignored: openclaw sets it"):format(label, k))
    else
      body[k] = copy(extra[k])
    end
  end
end

---------------------------------------------------------------------------
-- the chat request

--- Build an OpenRouter chat request (pure: nothing is sent).
-- req = { model = <ref>, messages = <neutral>, tools = <neutral>,
--         thinking = <level or nil>, params = <call params>,
--         stream = true (default), headers = <call headers>,
--         tool_choice = }
-- ctx = { config = <effective config>, api_key =, info = <models.info
--         facts>, catalog = <map, used when info is nil>, agent_id =,
--         env = }
-- Returns { method = "POST", url, headers, body, warnings, api_id, info,
-- stream } or nil, message. Pipeline (order matters): base body; params;
-- routing; thinking; DeepSeek V4; headers; Anthropic prefill stripping;
-- Anthropic cache markers; tools support; never-forwarded fields.
function M.build_chat(req, ctx)
  if type(req) ~= "table" then
    error("openrouter.build_chat: request table expected", 2)
  end
  ctx = ctx or {}
  local config = type(ctx.config) == "table" and ctx.config or {}
  local warnings = {}
  local function warn(msg) warnings[#warnings + 1] = msg end

  local ref, err = models.parse_ref(req.model)
  if not ref then return nil, err end
  if ref.provider ~= "openrouter" then
    return nil, ("model ref '%s' is not an OpenRouter model: use "
      .. "openrouter/<provider>/<model>"):format(req.model)
  end
  ref.raw = req.model
  local api_id = ref.api_id
  local info = ctx.info or models.info(api_id, ctx.catalog)
  local base = M.resolve_base_url(config)
  local verified = M.is_verified_route(base)

  local key = ctx.api_key
  if not has_text(key) then
    if verified then return nil, M.NO_KEY_MESSAGE end
    key = nil
  end

  local params = M.merge_params(config, ref, req.params, ctx.agent_id)
  local level, terr = M.resolve_thinking(req.thinking, config, info,
                                         ctx.agent_id)
  if not level then return nil, terr end

  -- Replayed history rules that work on neutral messages.
  local messages = req.messages or {}
  if models.is_gemini(api_id) then
    messages = M.sanitize_thought_signatures(messages)
  end
  if models.is_mistral(api_id) then
    messages = M.sanitize_tool_call_ids(messages)
  end
  local suffix = M.fusion_system_suffix(api_id, params)
  if suffix then messages = append_system(messages, suffix) end

  -- 1. Base body.
  local p = read_params(params, warn)
  local max_tokens = p.max_tokens
  if not max_tokens and info.known then
    max_tokens = math.min(info.max_tokens or models.DEFAULT_MAX_TOKENS,
                          M.MAX_TOKENS_CAP)
  end
  local c = copy(M.COMPAT)
  if info.known and type(info.input) == "table" then
    local img = false
    for _, m in ipairs(info.input) do img = img or m == "image" end
    c.supports_images = img
  end
  local body, bw = compat.build_body({
    model = api_id, messages = messages, tools = req.tools,
    tool_choice = req.tool_choice ~= nil and req.tool_choice or p.tool_choice,
    temperature = p.temperature, max_tokens = max_tokens,
    stream = req.stream,
  }, c)
  for _, w in ipairs(bw) do warn(w) end
  if p.top_p ~= nil then body.top_p = p.top_p end

  -- 2. Raw body fields from params (extraBody < extra_body).
  merge_extra_body(body, params.extraBody, "extraBody", warn)
  merge_extra_body(body, params.extra_body, "extra_body", warn)

  -- 3. Routing metadata (verified routes, only when the body has none).
  if verified and params.provider and body.provider == nil then
    body.provider = copy(params.provider)
  end

  -- 4. Thinking -> reasoning.
  apply_reasoning(body, level, info, api_id)

  -- 5. DeepSeek V4.
  if verified and models.is_deepseek_v4(api_id) then
    apply_deepseek_v4(body, level, info)
  end

  -- 6. Headers.
  local headers = {}
  if key then set_header(headers, "Authorization", "Bearer " .. key) end
  set_header(headers, "Content-Type", "application/json")
  set_header(headers, "Accept", body.stream and "text/event-stream"
                                or "application/json")
  if verified then
    for _, h in ipairs(M.ATTRIBUTION_HEADERS) do
      set_header(headers, h[1], h[2])
    end
    for _, h in ipairs(M.response_cache_headers(params)) do
      set_header(headers, h[1], h[2])
    end
  end
  local header_layers = { get(config, "models", "providers", "openrouter",
                              "headers"), req.headers }
  for i = 1, 2 do
    local extra = header_layers[i]
    if type(extra) == "table" then
      for _, name in ipairs(sorted_keys(extra)) do
        local v = header_value(extra[name])
        if v then set_header(headers, name, v)
        else warn(("header '%s' must be a string; ignored"):format(name)) end
      end
    end
  end

  -- 7. Anthropic prefill stripping.
  local anthropic = models.is_anthropic(api_id)
  if verified and anthropic and (M.reasoning_enabled(body.reasoning)
     or M.reasoning_enabled(body.reasoning_effort)) then
    local n = M.strip_trailing_prefill(body.messages)
    if n > 0 then warn(M.prefill_warning(n)) end
  end

  -- 8. Anthropic cache markers (else the cache boundary is a line break).
  if verified and anthropic then
    M.apply_cache_markers(body.messages)
  else
    collapse_system_boundaries(body.messages)
  end

  -- 9. Models without tool support get no tools.
  if info.supports_tools == false and (body.tools or body.tool_choice) then
    if type(req.tools) == "table" and #req.tools > 0 then
      warn(("model '%s' does not support tools on OpenRouter; tools were "
        .. "not sent"):format(api_id))
    end
    body.tools, body.tool_choice = nil, nil
  end

  -- 10. Never forwarded.
  for _, f in ipairs(M.NEVER_FORWARD) do
    if body[f] ~= nil then
      body[f] = nil
      warn(("'%s' was removed from the request: OpenRouter requests never "
        .. "carry it"):format(f))
    end
  end
  for _, m in ipairs(body.messages) do
    if m.role == "developer" then m.role = "system" end
  end
  for _, t in ipairs(type(body.tools) == "table" and body.tools or {}) do
    if type(t) == "table" and type(t["function"]) == "table" then
      t["function"].strict = nil
    end
  end

  return {
    method = "POST", url = base .. "/chat/completions", headers = headers,
    body = body, warnings = warnings, api_id = api_id, info = info,
    stream = body.stream == true, verified = verified,
  }
end

--- A stream decoder for a request built by build_chat (or any table with
-- api_id and info): { feed(data) -> deltas, done() -> bool, finish() ->
-- result } from providers.openai_compat.
function M.stream_decoder(request)
  request = request or {}
  local info = request.info or {}
  return compat.new_decoder({ model = request.api_id, cost = info.cost })
end

--- Decode a non-streaming response table with the request's model facts.
function M.decode_result(result, request)
  request = request or {}
  local info = request.info or {}
  return compat.decode_result(result, { model = request.api_id,
                                        cost = info.cost })
end

--- The catalog request: GET <base>/models (with the key when there is
-- one). ctx = { config =, api_key = }.
function M.build_models_request(ctx)
  ctx = ctx or {}
  local base = M.resolve_base_url(ctx.config)
  local headers = { Accept = "application/json" }
  if has_text(ctx.api_key) then
    headers.Authorization = "Bearer " .. ctx.api_key
  end
  if M.is_verified_route(base) then
    for _, h in ipairs(M.ATTRIBUTION_HEADERS) do headers[h[1]] = h[2] end
  end
  return { method = "GET", url = base .. "/models", headers = headers }
end

---------------------------------------------------------------------------
-- billed-cost reconciliation (§17.3)

local function finite(v)
  return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge
end

local function skipped(reason)
  return { status = "skipped", reason = reason }
end

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c)
    return ("%%%02X"):format(c:byte())
  end))
end

--- The request that reads a finished turn's billed cost:
-- GET <base>/generation?id=<response_id> (Accept: application/json,
-- Authorization, timeout_ms 8000, no retry). result is a decoder result;
-- ctx = { config =, api_key = }. Returns the request, or nil and a
-- {status="skipped", reason} outcome when reconciliation does not apply:
-- unverified route, no response id, no API key, an error/aborted turn, or
-- no numeric streamed cost.
function M.generation_request(result, ctx)
  ctx = ctx or {}
  local base = M.resolve_base_url(ctx.config)
  if not M.is_verified_route(base) then
    return nil, skipped("unverified route")
  end
  if type(result) ~= "table" then return nil, skipped("missing result") end
  if not has_text(result.response_id) then
    return nil, skipped("missing responseId")
  end
  if not has_text(ctx.api_key) then return nil, skipped("missing API key") end
  if result.stop_reason == "error" or result.stop_reason == "aborted" then
    return nil, skipped("stopReason " .. result.stop_reason)
  end
  if not finite(get(result, "usage", "cost", "total")) then
    return nil, skipped("missing streamed cost")
  end
  return {
    method = "GET",
    url = base .. "/generation?id=" .. urlencode(result.response_id),
    headers = { Accept = "application/json",
                Authorization = "Bearer " .. ctx.api_key },
    timeout_ms = 8000,
  }
end

--- Apply a /generation response to result (in place). status: the HTTP
-- status, or nil when the request failed; body: response text or decoded
-- table. The billed data.total_cost (or a flat total_cost) replaces
-- usage.cost.total (total_origin "provider-billed") only when it is a
-- finite number >= 0 and higher than the streamed total. Returns
-- { status = "updated", previous_cost, updated_cost } or
-- { status = "skipped", reason }; never raises.
function M.reconcile_cost(result, status, body)
  local cost = get(result, "usage", "cost")
  local previous = type(cost) == "table" and cost.total or nil
  if not finite(previous) then return skipped("missing streamed cost") end
  if status == nil then return skipped("request failed") end
  if type(status) ~= "number" or status < 200 or status > 299 then
    return skipped("HTTP " .. tostring(status))
  end
  local obj = body
  if type(body) == "string" then
    local ok, v = pcall(json.decode, body)
    obj = ok and v or nil
  end
  local total = get(obj, "data", "total_cost")
  if total == nil then total = get(obj, "total_cost") end
  if not finite(total) or total < 0 then
    return skipped("invalid total_cost")
  end
  if total <= previous then return skipped("billed cost not higher") end
  cost.total = total
  cost.total_origin = "provider-billed"
  return { status = "updated", previous_cost = previous, updated_cost = total }
end

---------------------------------------------------------------------------
-- errors

--- Parse an OpenRouter error body ({"error":{"code","message","metadata":
-- {"raw","provider_name"}}}), a decoded table or JSON text. Never raises;
-- returns { message, code, raw, provider_name } or nil.
function M.parse_error_body(body)
  local obj = body
  if type(body) == "string" then
    local ok, v = pcall(json.decode, body)
    obj = ok and v or nil
  end
  if type(obj) ~= "table" then return nil end
  local e = obj.error
  if type(e) == "string" then return { message = e } end
  if type(e) ~= "table" then
    if type(obj.message) == "string" then return { message = obj.message } end
    return nil
  end
  local out = {
    message = type(e.message) == "string" and e.message or nil,
    code = (type(e.code) == "number" or type(e.code) == "string")
      and e.code or nil,
  }
  local meta = type(e.metadata) == "table" and e.metadata or {}
  local raw = meta.raw
  if type(raw) == "table" then
    local ok, s = pcall(json.encode, raw)
    raw = ok and s or nil
  end
  if type(raw) == "string" and raw ~= "" then out.raw = raw end
  if type(meta.provider_name) == "string" then
    out.provider_name = meta.provider_name
  end
  return out
end

local MONTHS = { jan = 1, feb = 2, mar = 3, apr = 4, may = 5, jun = 6,
                 jul = 7, aug = 8, sep = 9, oct = 10, nov = 11, dec = 12 }

-- Days since 1970-01-01 for a civil date (proleptic Gregorian).
local function days_from_civil(y, m, d)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

--- Milliseconds to wait from a Retry-After value (delta seconds or an
-- HTTP date, relative to now in epoch seconds); nil when unparsable.
function M.parse_retry_after(v, now)
  if type(v) == "number" then v = tostring(v) end
  if type(v) ~= "string" then return nil end
  v = trim(v)
  local secs = tonumber(v)
  if secs then
    if secs ~= secs or secs < 0 then return nil end
    return math.tointeger(math.floor(secs * 1000 + 0.5))
  end
  local d, mon, y, hh, mm, ss =
    v:match("^%a+,%s*(%d+)[%s%-]+(%a+)[%s%-]+(%d+)%s+(%d+):(%d+):(%d+)")
  mon = mon and MONTHS[mon:lower():sub(1, 3)]
  if not mon then return nil end
  y = tonumber(y)
  if y < 100 then y = y + 1900 + (y < 70 and 100 or 0) end
  local epoch = days_from_civil(y, mon, tonumber(d)) * 86400
    + tonumber(hh) * 3600 + tonumber(mm) * 60 + tonumber(ss)
  local ms = (epoch - (now or os.time())) * 1000
  return math.tointeger(math.max(0, ms))
end

local function header_get(headers, name)
  if type(headers) ~= "table" then return nil end
  local lname = name:lower()
  for k, v in pairs(headers) do
    if type(k) == "string" and k:lower() == lname then
      if type(v) == "table" then v = v[1] end
      return v
    end
  end
  return nil
end

local FIX = {
  rate_limit = "wait and retry, or add fallbacks under "
    .. "agents.defaults.model.fallbacks",
  billing = "add credits at https://openrouter.ai/settings/credits",
  auth = "run 'openclaw onboard --auth-choice openrouter-api-key' with a "
    .. "valid key from https://openrouter.ai/keys",
  timeout = "retry; if it keeps happening, add fallbacks under "
    .. "agents.defaults.model.fallbacks",
  overloaded = "retry later, or add fallbacks under "
    .. "agents.defaults.model.fallbacks",
  format = "fix the request parameter named in the message (check params "
    .. "and extraBody under agents.defaults.models / "
    .. "models.providers.openrouter.params)",
  model_not_found = "check the model ref; run 'openclaw models list --all' "
    .. "to see the available models",
  moderation = "rephrase the input or pick a model without moderation",
  network = "check your network connection and proxy settings",
  tls = "check the system CA certificates and any HTTPS proxy",
  config = "check models.providers.openrouter.baseUrl",
  cancelled = nil,
  unknown = "see the message above; if it persists, report it with the "
    .. "request id",
}

local RETRYABLE = { rate_limit = true, timeout = true, overloaded = true,
                    network = true }
local FAILOVER = { rate_limit = true, billing = true, auth = true,
                   timeout = true, overloaded = true, network = true,
                   model_not_found = true }

local NODE_TIMEOUT_CODES = {
  ETIMEDOUT = true, ESOCKETTIMEDOUT = true, ECONNRESET = true,
  ECONNABORTED = true, ECONNREFUSED = true, ENETUNREACH = true,
  EHOSTUNREACH = true, EHOSTDOWN = true, ENETRESET = true, EPIPE = true,
  EAI_AGAIN = true,
}

local NETWORK_CODES = {
  timeout = { "timeout", true }, connect = { "network", true },
  dns = { "network", true }, closed = { "network", true },
  network = { "network", true }, tls = { "network", false, "tls" },
  protocol = { "network", false }, too_large = { "network", false },
  nomem = { "network", false }, url = { "config", false, "config" },
  cancelled = { "cancelled", false },
}

local function matches(text, patterns)
  local l = text:lower()
  for _, p in ipairs(patterns) do
    if l:find(p) then return true end
  end
  return false
end

local function classify_status(status, msg)
  if status == 429 then return "rate_limit" end
  if status == 402 then
    if matches(msg, { "rate.?limit", "too many requests", "try again in",
                      "quota.*refresh", "resets? at" }) then
      return "rate_limit"
    end
    return "billing"
  end
  if status == 401 then return "auth" end
  if status == 403 then
    if matches(msg, { "flagged", "moderation" }) then return "moderation" end
    return "auth"
  end
  if status == 404 then return "model_not_found" end
  if status == 408 then return "timeout" end
  if status == 400 or status == 422 then
    if matches(msg, { "insufficient credits", "insufficient balance",
                      "out of credits", "billing", "payment required" }) then
      return "billing"
    end
    return "format"
  end
  if status == 499 or status == 503 then
    return matches(msg, { "overload" }) and "overloaded" or "timeout"
  end
  if status == 529 then return "overloaded" end
  if status == 502 or status == 504 or (status >= 500 and status < 600) then
    return "timeout"
  end
  return "unknown"
end

--- Cooldown before retrying an auth profile / model after n consecutive
-- failures (n >= 1): 1 min, 5 min, 25 min, then 1 h; for reason
-- "billing": 5 h doubling up to 24 h. Milliseconds.
function M.cooldown_ms(reason, n)
  n = math.max(1, math.tointeger(tonumber(n) or 1) or 1)
  if reason == "billing" then
    return math.tointeger(math.min(24, 5 * 2 ^ (n - 1)) * 3600000)
  end
  return math.tointeger(math.min(60, 5 ^ (n - 1)) * 60000)
end

--- Classify a failed request for retry and failover.
-- status: HTTP status (number) or a network error code from our HTTP
-- layer ("timeout", "connect", "dns", "closed", "tls", ...; Node-style
-- ECONNRESET etc. are accepted too). body_text: the response body (or the
-- network error message). headers: response headers (Retry-After,
-- X-RateLimit-Reset). now: epoch seconds (defaults to os.time()).
-- Returns { reason, retryable, failover, retry_after_ms, message, fix,
-- status, code, provider_name }. reason is one of rate_limit, billing,
-- auth, timeout, overloaded, format, model_not_found, moderation,
-- network, config, cancelled, unknown.
function M.classify_error(status, body_text, headers, now)
  local out = { status = status }
  if type(status) == "string" then
    local entry = NETWORK_CODES[status]
    if not entry and NODE_TIMEOUT_CODES[status:upper()] then
      entry = { "timeout", true }
    end
    entry = entry or { "network", false }
    out.reason, out.retryable = entry[1], entry[2]
    out.failover = entry[1] == "timeout" or entry[1] == "network"
    if status == "tls" then out.failover = false end
    local detail = has_text(body_text) and (": " .. trim(body_text)) or ""
    out.message = ("OpenRouter request failed (%s)%s"):format(status, detail)
    out.fix = FIX[entry[3] or entry[1]]
    return out
  end
  status = math.tointeger(tonumber(status)) or 0
  local e = M.parse_error_body(body_text) or {}
  local msg = e.message
  if not has_text(msg) then
    msg = type(body_text) == "string" and trim(body_text) or ""
    if #msg > 300 then msg = msg:sub(1, 300) .. "…" end
  end
  local reason = classify_status(status, msg)
  local detail = msg ~= "" and msg or "no error message"
  if e.provider_name then
    detail = detail .. " (provider: " .. e.provider_name .. ")"
  end
  if e.raw and not detail:find(e.raw, 1, true) then
    local raw = #e.raw > 500 and (e.raw:sub(1, 500) .. "…") or e.raw
    detail = detail .. ": " .. raw
  end
  out.reason = reason
  out.retryable = RETRYABLE[reason] or false
  out.failover = FAILOVER[reason] or false
  out.code = e.code
  out.provider_name = e.provider_name
  out.message = ("OpenRouter returned HTTP %d (%s): %s"):format(status,
                                                               reason, detail)
  out.fix = FIX[reason]
  local ra = M.parse_retry_after(header_get(headers, "retry-after"), now)
  if not ra then
    local reset = tonumber(header_get(headers, "x-ratelimit-reset"))
    if reset and reset == reset then
      local ms = reset > 1e12 and reset or reset * 1000
      local wait = ms - (now or os.time()) * 1000
      ra = math.tointeger(math.max(0, math.floor(wait)))
    end
  end
  out.retry_after_ms = ra
  return out
end

---------------------------------------------------------------------------
-- image generation (§19): POST <base>/chat/completions with
-- modalities ["image","text"] (§19.1, the default route), or POST
-- <base>/images (§19.2, route "images", an option). Pure: no I/O.
--
--   openrouter.image_capabilities(model [, route])
--     -> { api_id, known, max_count, max_references, hints,
--          aspect_ratios (list; nil = not checked), resolutions (same) }
--   openrouter.check_image_request(opts [, route])
--     -> { api_id, prompt, count, aspect_ratio, resolution, references }
--        | nil, message                      (the §19.2 per-model rules)
--   openrouter.image_timeout_ms(call_ms, config) -> ms
--       the call's timeoutMs, else agents.defaults.mediaModels.image /
--       imageGenerationModel .timeoutMs, else IMAGE_TIMEOUT_MS
--   openrouter.build_image_request(opts, ctx)
--     -> { method, url, headers, body (Lua table), timeout_ms, api_id,
--          route, count } | nil, message, code ("invalid" | "auth")
--       opts: model (API id or openrouter/ ref; default
--       IMAGE_DEFAULT_MODEL), prompt, count, aspect_ratio | aspectRatio,
--       resolution, resolution_inferred (an unsupported inferred
--       resolution is dropped, not refused), references = { url, ... }
--       (data: or https: URLs), timeout_ms | timeoutMs, route ("chat" |
--       "images"). ctx: { config =, env =, api_key = }.
--   openrouter.extract_images(response, strict) -> images, meta
--       | nil, IMAGE_MALFORMED
--       images = { {data = <bytes>, mime =} | {url =, mime =}, ... } in
--       the order of §19.1; meta = { text, refusal, finish_reason,
--       native_finish_reason, model, id, usage }. strict: a wrong shape
--       or bad base64 fails instead of being skipped.
--   openrouter.extract_images_api(response, strict) -> images, meta | nil,
--       IMAGE_MALFORMED              (the /images answer: data[].b64_json)
--   openrouter.image_error(status, body_text, headers)
--     -> { message, reason, fix, status, code, failover }; reason adds
--        "not_image_model" to classify_error's reasons

local base64 = require("openclaw.base64")

--- Image defaults (§19).
M.IMAGE_DEFAULT_MODEL = "google/gemini-3.1-flash-image-preview"
M.IMAGE_TIMEOUT_MS = 180000
M.IMAGE_MAX_COUNT = 4
--- Most reference images on the chat route (§19.1).
M.IMAGE_CHAT_MAX_REFERENCES = 5
M.IMAGE_MALFORMED = "OpenRouter image generation response malformed"
M.IMAGE_MISSING = "OpenRouter image generation response missing image data"
M.IMAGE_NO_KEY_MESSAGE = "OpenRouter API key missing"

local RATIOS = { "1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16",
                 "16:9", "21:9" }
local WIDE_RATIOS = { "1:1", "1:4", "1:8", "2:3", "3:2", "3:4", "4:1", "4:3",
                      "4:5", "5:4", "8:1", "9:16", "16:9", "21:9" }
local RESOLUTIONS = { "1K", "2K", "4K" }
local NONE = {}

--- Known image models (§19.2): outputs per request, reference images,
-- and the geometry each takes (on the /images route; on the chat route
-- only Gemini models get hints, through image_config).
M.IMAGE_MODELS = {
  ["google/gemini-3.1-flash-image-preview"] = { max_count = 4,
    max_references = 5, aspect_ratios = WIDE_RATIOS,
    resolutions = RESOLUTIONS },
  ["google/gemini-3.1-flash-image"] = { max_count = 4, max_references = 10,
    aspect_ratios = WIDE_RATIOS, resolutions = RESOLUTIONS },
  ["google/gemini-3-pro-image"] = { max_count = 4, max_references = 10,
    aspect_ratios = RATIOS, resolutions = RESOLUTIONS },
  ["google/gemini-3-pro-image-preview"] = { max_count = 4,
    max_references = 10, aspect_ratios = RATIOS, resolutions = RESOLUTIONS },
  ["google/gemini-2.5-flash-image"] = { max_count = 4, max_references = 3,
    aspect_ratios = RATIOS, resolutions = { "1K" } },
  ["google/gemini-2.5-flash-image-preview"] = { max_count = 4,
    max_references = 3, aspect_ratios = RATIOS, resolutions = { "1K" } },
  ["openai/gpt-5-image"] = { max_count = 4, max_references = 10,
    aspect_ratios = NONE, resolutions = NONE },
  ["openai/gpt-5-image-mini"] = { max_count = 4, max_references = 10,
    aspect_ratios = NONE, resolutions = NONE },
  ["openai/gpt-5.4-image-2"] = { max_count = 4, max_references = 10,
    aspect_ratios = NONE, resolutions = NONE },
  ["microsoft/mai-image-2.5"] = { max_count = 1, max_references = 1,
    aspect_ratios = RATIOS, resolutions = { "1K" } },
}

local function image_api_id(model)
  if not has_text(model) then return M.IMAGE_DEFAULT_MODEL end
  return models.normalize_api_id(trim(model))
end

local function is_gemini_image(api_id)
  return api_id:sub(1, 14) == "google/gemini-"
end

--- What a model accepts (see the top of this section).
function M.image_capabilities(model, route)
  local api_id = image_api_id(model)
  local base = M.IMAGE_MODELS[api_id]
    or M.IMAGE_MODELS[(api_id:gsub(":.*$", ""))]
  local caps = { api_id = api_id, known = base ~= nil }
  if base then
    caps.max_count = base.max_count
    caps.max_references = base.max_references
  else
    caps.max_count = M.IMAGE_MAX_COUNT
    caps.max_references = 10
  end
  if route == "images" then
    caps.hints = true
    if base then
      caps.aspect_ratios, caps.resolutions = base.aspect_ratios,
        base.resolutions
    end
  else
    caps.max_references = math.min(caps.max_references,
                                    M.IMAGE_CHAT_MAX_REFERENCES)
    caps.hints = is_gemini_image(api_id)
    if caps.hints then
      caps.aspect_ratios = base and base.aspect_ratios or RATIOS
      caps.resolutions = base and base.resolutions or RESOLUTIONS
    else
      caps.aspect_ratios, caps.resolutions = NONE, NONE
    end
  end
  return caps
end

local function list_contains(list, v)
  for _, x in ipairs(list) do
    if x == v then return true end
  end
  return false
end

local function plural(n, word)
  return ("%d %s%s"):format(n, word, n == 1 and "" or "s")
end

local function supported_text(list, what, api_id)
  if #list == 0 then
    if is_gemini_image(api_id) then return "supported: none" end
    return ("supported: none; %s hints go to Gemini image models only "
      .. "(google/gemini-*)"):format(what)
  end
  return "supported: " .. table.concat(list, ", ")
end

--- Validate an image request against the model's limits (§19.2).
function M.check_image_request(opts, route)
  opts = opts or {}
  route = route or opts.route
  local caps = M.image_capabilities(opts.model, route)
  local id = caps.api_id
  local prompt = opts.prompt
  if type(prompt) ~= "string" or not prompt:find("%S") then
    return nil, "image generation needs a prompt (the text of what to draw)"
  end
  local count = opts.count
  if count == nil or count == json.null then count = 1 end
  count = tonumber(count)
  if not count or count ~= count or count == math.huge
     or count == -math.huge then
    return nil, ("count must be a whole number from 1 to %d, got %s")
      :format(caps.max_count, tostring(opts.count))
  end
  count = math.tointeger(count >= 0 and math.floor(count)
                         or math.ceil(count))
  if count < 1 then
    return nil, ("count must be at least 1, got %s"):format(
      tostring(opts.count))
  end
  if count > caps.max_count then
    return nil, ("image model %s supports at most %s"):format(id,
      plural(caps.max_count, "output image")) .. (", got " .. count)
  end
  local refs = opts.references or {}
  if #refs > caps.max_references then
    return nil, ("image model %s supports at most %s"):format(id,
      plural(caps.max_references, "reference image"))
      .. (", got " .. #refs)
  end
  local ar = first_non_nil(opts, "aspect_ratio", "aspectRatio")
  if ar == json.null then ar = nil end
  if ar ~= nil then
    if type(ar) ~= "string" then
      return nil, "aspectRatio must be a string such as \"16:9\""
    end
    ar = trim(ar):gsub("%s*:%s*", ":")
    if ar == "" then ar = nil end
  end
  if ar and caps.aspect_ratios and not list_contains(caps.aspect_ratios, ar)
  then
    return nil, ("image model %s does not support aspectRatio=%s (%s)")
      :format(id, ar, supported_text(caps.aspect_ratios, "aspect ratio", id))
  end
  local res = opts.resolution
  if res == json.null then res = nil end
  if res ~= nil then
    if type(res) ~= "string" then
      return nil, "resolution must be a string such as \"2K\""
    end
    res = trim(res):upper()
    if res == "" then res = nil end
  end
  if res and caps.resolutions and not list_contains(caps.resolutions, res)
  then
    if opts.resolution_inferred then
      res = nil
    else
      return nil, ("image model %s does not support resolution=%s (%s)")
        :format(id, res, supported_text(caps.resolutions, "resolution", id))
    end
  end
  return { api_id = id, prompt = prompt, count = count, aspect_ratio = ar,
           resolution = res, references = refs, caps = caps }
end

--- The timeout of one image request (see the top of this section).
function M.image_timeout_ms(call_ms, config)
  local v = tonumber(call_ms)
  if v and v > 0 then return math.tointeger(math.ceil(v)) end
  for _, path in ipairs({ { "agents", "defaults", "mediaModels", "image",
                            "timeoutMs" },
                          { "agents", "defaults", "imageGenerationModel",
                            "timeoutMs" } }) do
    v = tonumber(get(config, table.unpack(path)))
    if v and v > 0 then return math.tointeger(math.ceil(v)) end
  end
  return M.IMAGE_TIMEOUT_MS
end

local function image_headers(key, config)
  local headers = {}
  set_header(headers, "Authorization", "Bearer " .. key)
  set_header(headers, "Content-Type", "application/json")
  set_header(headers, "Accept", "application/json")
  set_header(headers, M.ATTRIBUTION_HEADERS[1][1], M.ATTRIBUTION_HEADERS[1][2])
  set_header(headers, M.ATTRIBUTION_HEADERS[2][1], M.ATTRIBUTION_HEADERS[2][2])
  local extra = get(config, "models", "providers", "openrouter", "headers")
  if type(extra) == "table" then
    for _, name in ipairs(sorted_keys(extra)) do
      local v = header_value(extra[name])
      if v and not name:find("[\r\n:]") then set_header(headers, name, v) end
    end
  end
  return headers
end

--- Build an image request (see the top of this section).
function M.build_image_request(opts, ctx)
  opts = opts or {}
  ctx = ctx or {}
  local route = opts.route or "chat"
  if route ~= "chat" and route ~= "images" then
    return nil, ("unknown image route '%s': use \"chat\" or \"images\"")
      :format(tostring(route)), "invalid"
  end
  local call_timeout = first_non_nil(opts, "timeout_ms", "timeoutMs")
  if call_timeout ~= nil and call_timeout ~= json.null then
    local t = tonumber(call_timeout)
    if not t or t ~= t or t <= 0 or t == math.huge then
      return nil, ("timeoutMs must be a number of milliseconds > 0, got %s")
        :format(tostring(call_timeout)), "invalid"
    end
  else
    call_timeout = nil
  end
  local v, err = M.check_image_request(opts, route)
  if not v then return nil, err, "invalid" end
  local key = ctx.api_key
  if not has_text(key) then key = M.resolve_api_key(ctx.config, ctx.env) end
  if not has_text(key) then
    return nil, M.IMAGE_NO_KEY_MESSAGE .. ": run 'openclaw onboard "
      .. "--auth-choice openrouter-api-key' or set OPENROUTER_API_KEY",
      "auth"
  end
  local base = M.resolve_base_url(ctx.config)
  local body, url
  if route == "images" then
    url = base .. "/images"
    body = { model = v.api_id, prompt = v.prompt, n = v.count,
             aspect_ratio = v.aspect_ratio, resolution = v.resolution }
    if #v.references > 0 then
      local refs = {}
      for i, r in ipairs(v.references) do
        refs[i] = { type = "image_url", image_url = { url = r } }
      end
      body.input_references = refs
    end
  else
    url = base .. "/chat/completions"
    local content = v.prompt
    if #v.references > 0 then
      content = { { type = "text", text = v.prompt } }
      for _, r in ipairs(v.references) do
        content[#content + 1] = { type = "image_url", image_url = { url = r } }
      end
    end
    body = { model = v.api_id,
             messages = { { role = "user", content = content } },
             modalities = { "image", "text" }, n = v.count }
    if v.caps.hints and (v.aspect_ratio or v.resolution) then
      body.image_config = { aspect_ratio = v.aspect_ratio,
                            image_size = v.resolution }
    end
  end
  return {
    method = "POST", url = url, headers = image_headers(trim(key),
                                                        ctx.config),
    body = body, timeout_ms = M.image_timeout_ms(call_timeout, ctx.config),
    api_id = v.api_id, route = route, count = v.count,
  }
end

local function image_from_url(url, strict)
  if type(url) ~= "string" then
    if strict then return nil, false end
    return nil, true
  end
  if url:match("^[dD][aA][tT][aA]:") then
    local mime, params, payload = url:match("^....:([^;,]*)([^,]*),(.*)$")
    if not mime or not params:lower():find(";base64", 1, true) then
      return nil, not strict
    end
    local data = base64.decode(payload)
    if not data or data == "" then return nil, not strict end
    mime = mime:lower()
    return { data = data, mime = mime ~= "" and mime or "image/png" }
  end
  if url:match("^[hH][tT][tT][pP][sS]?://") then
    return { url = url }
  end
  return nil, not strict
end

local function image_from_b64(b64, mime, strict)
  if type(b64) ~= "string" then return nil, not strict end
  local data = base64.decode(b64)
  if not data or data == "" then return nil, not strict end
  return { data = data, mime = type(mime) == "string" and mime ~= ""
           and mime:lower() or "image/png" }
end

-- the URL of an image entry: {image_url = {url}} or {imageUrl = {url}}
-- (also a bare string url)
local function entry_url(e)
  local iu = e.image_url
  if iu == nil then iu = e.imageUrl end
  if type(iu) == "string" then return iu end
  if type(iu) == "table" then return iu.url end
  return nil
end

--- Images of a chat-completions answer (§19.1; see the top).
function M.extract_images(response, strict)
  if type(response) == "string" then
    response = json.decode(response)
  end
  if type(response) ~= "table" then return nil, M.IMAGE_MALFORMED end
  local meta = { model = type(response.model) == "string" and response.model
                   or nil,
                 id = type(response.id) == "string" and response.id or nil,
                 usage = type(response.usage) == "table" and response.usage
                   or nil }
  local images, texts = {}, {}
  local choices = response.choices
  if choices == nil then
    if strict then return nil, M.IMAGE_MALFORMED end
    choices = {}
  end
  if type(choices) ~= "table" or not (is_list(choices) or next(choices)
                                       == nil) then
    return nil, M.IMAGE_MALFORMED
  end
  local function add(img, ok_to_skip)
    if img then images[#images + 1] = img return true end
    return ok_to_skip
  end
  for _, choice in ipairs(choices) do
    local msg = type(choice) == "table" and choice.message or nil
    if type(msg) ~= "table" then
      if strict then return nil, M.IMAGE_MALFORMED end
    else
      if meta.finish_reason == nil and type(choice.finish_reason) == "string"
      then
        meta.finish_reason = choice.finish_reason
      end
      if meta.native_finish_reason == nil
         and type(choice.native_finish_reason) == "string" then
        meta.native_finish_reason = choice.native_finish_reason
      end
      if type(msg.refusal) == "string" and msg.refusal:find("%S") then
        meta.refusal = msg.refusal
      end
      -- 1. message.images[]
      local list = msg.images
      if list ~= nil and list ~= json.null then
        if type(list) ~= "table" or not (is_list(list) or next(list) == nil)
        then
          if strict then return nil, M.IMAGE_MALFORMED end
        else
          for _, e in ipairs(list) do
            local img, skip
            if type(e) == "table" then
              img, skip = image_from_url(entry_url(e), strict)
            else
              skip = not strict
            end
            if not add(img, skip) then return nil, M.IMAGE_MALFORMED end
          end
        end
      end
      -- 2. content: data URLs in text, or parts
      local content = msg.content
      if type(content) == "string" then
        local bad = false
        local rest = content:gsub("data:image/([%w%.%+%-]+);base64,"
          .. "([%w%+/=_%-]+)", function(kind, b64)
            local img = image_from_b64(b64, "image/" .. kind:lower(), strict)
            if img then images[#images + 1] = img else bad = true end
            return ""
          end)
        if bad and strict then return nil, M.IMAGE_MALFORMED end
        if rest:find("%S") then texts[#texts + 1] = trim(rest) end
      elseif type(content) == "table" then
        for _, part in ipairs(content) do
          if type(part) == "table" then
            local img, skip = nil, true
            if part.type == "text" or (part.type == nil
                 and type(part.text) == "string" and part.b64_json == nil) then
              if type(part.text) == "string" and part.text:find("%S") then
                texts[#texts + 1] = trim(part.text)
              end
            elseif part.image_url ~= nil or part.imageUrl ~= nil then
              img, skip = image_from_url(entry_url(part), strict)
            elseif part.b64_json ~= nil then
              img, skip = image_from_b64(part.b64_json, "image/png", strict)
            else
              local inline = part.inlineData
              if inline == nil then inline = part.inline_data end
              if type(inline) == "table" then
                img, skip = image_from_b64(inline.data, inline.mimeType
                  or inline.mime_type, strict)
              elseif inline ~= nil then
                skip = not strict
              end
            end
            if not add(img, skip) then return nil, M.IMAGE_MALFORMED end
          elseif strict then
            return nil, M.IMAGE_MALFORMED
          end
        end
      elseif content ~= nil and content ~= json.null and strict then
        return nil, M.IMAGE_MALFORMED
      end
    end
  end
  if #texts > 0 then meta.text = table.concat(texts, "\n") end
  return images, meta
end

--- Images of an /images answer (§19.2): data[].b64_json (+ media_type)
-- or data[].url.
function M.extract_images_api(response, strict)
  if type(response) == "string" then response = json.decode(response) end
  if type(response) ~= "table" then return nil, M.IMAGE_MALFORMED end
  local data = response.data
  if type(data) ~= "table" or not (is_list(data) or next(data) == nil) then
    return nil, M.IMAGE_MALFORMED
  end
  local images = {}
  for _, e in ipairs(data) do
    local img, skip = nil, not strict
    if type(e) == "table" then
      if e.b64_json ~= nil then
        img, skip = image_from_b64(e.b64_json, e.media_type, strict)
        if img and type(e.media_type) ~= "string" then img.mime = nil end
      elseif e.url ~= nil then
        img, skip = image_from_url(e.url, strict)
      end
    end
    if img then images[#images + 1] = img
    elseif not skip then return nil, M.IMAGE_MALFORMED end
  end
  local meta = { model = type(response.model) == "string" and response.model
                   or nil, usage = type(response.usage) == "table"
                   and response.usage or nil }
  return images, meta
end

--- A failed image request (status: HTTP status, or a network error code
-- with body_text its message) as { message, reason, fix, status, code,
-- failover }.
function M.image_error(status, body_text, headers)
  local c = M.classify_error(status, body_text, headers)
  local msg
  if type(status) == "string" then
    msg = c.message:gsub("^OpenRouter request failed",
                         "OpenRouter image request failed")
  else
    msg = c.message:gsub("^OpenRouter returned HTTP",
                         "OpenRouter image generation failed: HTTP")
  end
  local out = { message = msg, reason = c.reason, fix = c.fix,
                status = status, code = c.code,
                failover = c.failover or false }
  if type(status) == "number" and (status == 400 or status == 404) then
    local e = M.parse_error_body(body_text) or {}
    local text = (e.message or "") .. " " .. (e.raw or "")
    local l = text:lower()
    if l:find("output modalit", 1, true) or l:find("modalities", 1, true)
       or l:find("does not support image", 1, true)
       or l:find("image generation is not supported", 1, true)
       or l:find("not an image model", 1, true) then
      out.reason = "not_image_model"
      out.fix = "pick an image model for agents.defaults."
        .. "imageGenerationModel.primary (or --model), e.g. openrouter/"
        .. M.IMAGE_DEFAULT_MODEL
      out.failover = true
    end
  end
  return out
end

---------------------------------------------------------------------------
-- text-to-speech (§20): POST <base>/audio/speech
--
--   local req, err, code = openrouter.build_speech_request(text, opts, cfg,
--                                                          env)
--   -> { method, url, headers, body (Lua table), model, voice, format,
--        extension, voice_compatible, key_source }
--   openrouter.speech_error(status_or_code, body_text, headers)
--   -> { message, reason, fix, status, code }
-- The response of a 200 is the raw audio (mp3 or s16le 24 kHz pcm).
-- Self-contained: it only shares the small helpers at the top of this
-- file. Used by lua/tools/tts.lua.

--- Speech defaults and choices (§20).
M.SPEECH_DEFAULT_MODEL = "hexgrad/kokoro-82m"
M.SPEECH_MODELS = { "hexgrad/kokoro-82m",
                    "google/gemini-3.1-flash-tts-preview",
                    "mistralai/voxtral-mini-tts-2603",
                    "elevenlabs/eleven-turbo-v2" }
M.SPEECH_DEFAULT_VOICE = "af_alloy"
--- Valid response formats: the enum of OpenRouter's SpeechRequest schema.
M.SPEECH_FORMATS = { "mp3", "pcm" }
M.SPEECH_DEFAULT_FORMAT = "mp3"
--- Formats that make a voice note.
M.SPEECH_VOICE_FORMATS = { mp3 = true }
--- Error when no key resolves for speech.
M.SPEECH_NO_KEY_MESSAGE = "OpenRouter API key missing"
M.SPEECH_NO_KEY_FIX = "set messages.tts.providers.openrouter.apiKey, "
  .. "models.providers.openrouter.apiKey or OPENROUTER_API_KEY (or run "
  .. "'openclaw onboard --auth-choice openrouter-api-key')"

--- messages.tts.providers.openrouter of a config (a table, maybe empty).
function M.speech_config(config)
  local t = get(config, "messages", "tts", "providers", "openrouter")
  return type(t) == "table" and t or {}
end

--- The speech API key. Order (§20, vector 88):
--   1. messages.tts.providers.openrouter.apiKey
--   2. models.providers.openrouter.apiKey
--   3. env.OPENROUTER_API_KEY (the process environment as a table)
--   4. config env block (env.OPENROUTER_API_KEY / env.vars...), then the
--      key `openclaw onboard` saved (auth.profiles["openrouter:default"])
-- Returns key, source label; or nil, SPEECH_NO_KEY_MESSAGE.
function M.resolve_speech_api_key(config, env)
  local k = key_value(M.speech_config(config).apiKey, env)
  if k then return k, "messages.tts.providers.openrouter.apiKey" end
  k = key_value(get(config, "models", "providers", "openrouter", "apiKey"),
                env)
  if k then return k, "models.providers.openrouter.apiKey" end
  k = key_value(get(env, M.ENV_KEY), nil)
  if k then return k, "env: " .. M.ENV_KEY end
  k = key_value(get(config, "env", M.ENV_KEY), env)
    or key_value(get(config, "env", "vars", M.ENV_KEY), env)
  if k then return k, "config env: " .. M.ENV_KEY end
  k = key_value(get(config, "auth", "profiles", M.PROFILE_ID, "key"), env)
  if k then return k, "auth profile " .. M.PROFILE_ID end
  return nil, M.SPEECH_NO_KEY_MESSAGE
end

--- The speech base URL: messages.tts.providers.openrouter.baseUrl, else
-- models.providers.openrouter.baseUrl, else BASE_URL; normalised (the
-- alias https://openrouter.ai/v1 becomes BASE_URL, trailing "/" go).
function M.resolve_speech_base_url(config)
  local url = M.normalize_base_url(M.speech_config(config).baseUrl)
  if url and url ~= "" then return url end
  return M.resolve_base_url(config)
end

local function speech_format_ok(f)
  for _, v in ipairs(M.SPEECH_FORMATS) do
    if v == f then return true end
  end
  return false
end

--- Build the speech request. text: what to say. opts (all optional,
-- they win over the config): model | modelId, voice | voiceId,
-- format | responseFormat, speed, provider (routing object), api_key,
-- base_url. Config: messages.tts.providers.openrouter.{model|modelId,
-- voice|voiceId, responseFormat, speed, provider, apiKey, baseUrl}
-- (modelId/voiceId win over model/voice: the shipped config.lua fills
-- model/voice with the defaults). Returns the request, or nil, message,
-- code ("invalid" for a bad text/format/speed, "auth" without a key).
function M.build_speech_request(text, opts, config, env)
  opts = opts or {}
  local tc = M.speech_config(config)
  if type(text) ~= "string" or not text:find("%S") then
    return nil, "OpenRouter speech: the text to speak is empty", "invalid"
  end
  local model = first_non_nil(opts, "model", "modelId")
  if not has_text(model) then model = first_non_nil(tc, "modelId", "model") end
  model = has_text(model) and trim(model) or M.SPEECH_DEFAULT_MODEL
  local voice = first_non_nil(opts, "voice", "voiceId")
  if not has_text(voice) then voice = first_non_nil(tc, "voiceId", "voice") end
  voice = has_text(voice) and trim(voice) or M.SPEECH_DEFAULT_VOICE
  local format = first_non_nil(opts, "format", "responseFormat")
  if format == nil then format = tc.responseFormat end
  if format == nil then format = M.SPEECH_DEFAULT_FORMAT end
  local fmt = type(format) == "string" and trim(format):lower() or nil
  if not fmt or not speech_format_ok(fmt) then
    return nil, ("Invalid OpenRouter speech responseFormat: %s"):format(
      tostring(format)), "invalid"
  end
  local speed = opts.speed
  if speed == nil then speed = tc.speed end
  if speed ~= nil and speed ~= json.null then
    local n = tonumber(speed)
    if not n or n ~= n or n <= 0 or n == math.huge then
      return nil, ("Invalid OpenRouter speech speed: %s (a number > 0)")
        :format(tostring(speed)), "invalid"
    end
    speed = n
  else
    speed = nil
  end
  local routing = opts.provider
  if routing == nil then routing = tc.provider end
  routing = M.sanitize_routing(routing)

  local key, source = opts.api_key, "option api_key"
  if not has_text(key) then key, source = M.resolve_speech_api_key(config,
                                                                   env) end
  if not key then
    return nil, M.SPEECH_NO_KEY_MESSAGE .. "; " .. M.SPEECH_NO_KEY_FIX, "auth"
  end
  local base = M.normalize_base_url(opts.base_url)
  if not base or base == "" then base = M.resolve_speech_base_url(config) end

  local body = { model = model, input = text, voice = voice,
                 response_format = fmt }
  if speed then body.speed = speed end
  if routing then body.provider = routing end
  return {
    method = "POST",
    url = base .. "/audio/speech",
    headers = {
      ["Authorization"] = "Bearer " .. trim(key),
      ["Content-Type"] = "application/json",
      [M.ATTRIBUTION_HEADERS[1][1]] = M.ATTRIBUTION_HEADERS[1][2],
      [M.ATTRIBUTION_HEADERS[2][1]] = M.ATTRIBUTION_HEADERS[2][2],
    },
    body = body,
    model = model, voice = voice, format = fmt, extension = "." .. fmt,
    voice_compatible = M.SPEECH_VOICE_FORMATS[fmt] == true,
    key_source = source,
  }
end

-- fixes for speech failures (the chat ones talk about fallback models)
local SPEECH_FIX = {
  rate_limit = "wait a moment and try again",
  auth = "check the key: messages.tts.providers.openrouter.apiKey, "
    .. "models.providers.openrouter.apiKey or OPENROUTER_API_KEY (keys: "
    .. "https://openrouter.ai/keys)",
  timeout = "try again; if it keeps failing, pick another speech model "
    .. "(messages.tts.providers.openrouter.model)",
  overloaded = "try again later, or pick another speech model "
    .. "(messages.tts.providers.openrouter.model)",
  format = "check messages.tts.providers.openrouter (model, voice, "
    .. "responseFormat, speed)",
  model_not_found = "check messages.tts.providers.openrouter.model (e.g. "
    .. "hexgrad/kokoro-82m)",
  config = "check messages.tts.providers.openrouter.baseUrl and "
    .. "models.providers.openrouter.baseUrl",
}

--- A failed speech request as { message, reason, fix, status, code }:
-- status is an HTTP status (number) or a network error code of our HTTP
-- layer ("timeout", "connect", ...) with body_text its message. Messages
-- read "OpenRouter TTS API error (HTTP 500): <detail>" or "OpenRouter
-- TTS request failed (connect): <detail>".
function M.speech_error(status, body_text, headers)
  local c = M.classify_error(status, body_text, headers)
  local msg
  if type(status) == "string" then
    msg = c.message:gsub("^OpenRouter request failed",
                         "OpenRouter TTS request failed")
  else
    msg = c.message:gsub("^OpenRouter returned HTTP (%d+) %([^)]*%)",
                         "OpenRouter TTS API error (HTTP %1)")
  end
  local fix = c.fix
  if type(status) ~= "string" or c.reason == "timeout" then
    fix = SPEECH_FIX[c.reason] or fix
  end
  return { message = msg, reason = c.reason, fix = fix, status = status,
           code = c.code }
end

return M
