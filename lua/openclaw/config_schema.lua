--- openclaw.config_schema: the known configuration keys, their types, and
-- the checker that validates one configuration layer against them.
--
--   local schema = require("openclaw.config_schema")
--   schema.root                         -- the key tree (nodes below)
--   schema.node_at(segments) -> node | nil, "unknown" | "inside"
--   schema.check(tree, label) -> normalized, errors, warnings
--   schema.is_secret(segments [, value]) -> boolean
--   schema.describe(node) -> "a whole number >= 1", ...
--   schema.format_key(segments) -> 'agents.defaults.models["a/b"].alias'
--   schema.known_paths() -> sorted list of every known key path
--
-- A node is a table with `type` one of:
--   "object"   known fields (`fields`); `ignore` lists OpenClaw keys that
--              are accepted and not used; `shorthand` = field name that a
--              plain string stands for (model = "x" -> model.primary = "x")
--   "map"      free keys (model refs, provider ids...), values of node
--              `values`; `known` gives nodes for particular keys
--   "free"     any table (model params, routing objects): not checked
--   "list"     an array of `items`
--   "string", "number", "integer", "boolean", "enum" (`choices`,
--   optional `aliases`), "modelref" (a string "provider/model")
--   "ignored"  an OpenClaw key we accept and do not use (any value)
-- Common fields: `secret` (never print the value), `min` (numbers),
-- `doc` (one line for docs and `config show`).
local json = require("openclaw.json")
local errors = require("openclaw.errors")

local M = {}

-- node constructors ---------------------------------------------------------

local function str(doc) return { type = "string", doc = doc } end
local function secret(doc) return { type = "string", secret = true,
                                    doc = doc } end
local function bool(doc) return { type = "boolean", doc = doc } end
local function num(min, doc) return { type = "number", min = min,
                                      doc = doc } end
local function int(min, doc) return { type = "integer", min = min,
                                      doc = doc } end
local function ref(doc) return { type = "modelref", doc = doc } end
local function free(doc) return { type = "free", doc = doc } end
local function list(items, doc) return { type = "list", items = items,
                                         doc = doc } end
local function enum(choices, doc, aliases)
  return { type = "enum", choices = choices, aliases = aliases, doc = doc }
end
local function object(fields, extra)
  local n = { type = "object", fields = fields }
  for k, v in pairs(extra or {}) do n[k] = v end
  return n
end
local function map(values, extra)
  local n = { type = "map", values = values }
  for k, v in pairs(extra or {}) do n[k] = v end
  return n
end

--- Thinking levels (docs tools/thinking) and their accepted spellings.
M.THINKING_LEVELS = { "off", "minimal", "low", "medium", "high", "xhigh",
                      "adaptive", "max" }
M.THINKING_ALIASES = { ["x-high"] = "xhigh", x_high = "xhigh",
                       ["extra-high"] = "xhigh", ["extra high"] = "xhigh",
                       extra_high = "xhigh", highest = "high" }

local function model_choice(doc)
  return object({
    primary = ref("model ref tried first"),
    fallbacks = list(ref(), "model refs tried in order when the primary " ..
                     "fails"),
    timeoutMs = int(1, "request timeout in milliseconds"),
  }, { shorthand = "primary", doc = doc })
end

local provider = object({
  apiKey = secret("API key (secret)"),
  baseUrl = str("API base URL"),
  params = free("provider-wide request params; params.provider = " ..
                "default OpenRouter routing object"),
  headers = map(str(), { doc = "extra HTTP headers sent on every request",
                         header_map = true }),
  api = str("wire protocol (OpenClaw: \"openai-completions\")"),
  auth = str("OpenClaw auth mode"),
  authHeader = bool("OpenClaw: send the key in the Authorization header"),
  models = free("OpenClaw: extra model rows for this provider"),
}, { doc = "a model provider" })

local tts_openrouter = object({
  apiKey = secret("TTS API key; falls back to " ..
                  "models.providers.openrouter.apiKey, then " ..
                  "OPENROUTER_API_KEY"),
  baseUrl = str("TTS base URL; falls back to " ..
                "models.providers.openrouter.baseUrl"),
  model = str("speech model id"),
  modelId = str("same as model (OpenClaw spelling)"),
  voice = str("voice name"),
  voiceId = str("same as voice (OpenClaw spelling)"),
  speed = num(0, "speaking speed (omitted from the request when unset)"),
  responseFormat = enum({ "mp3", "pcm" }, "audio format"),
  provider = free("OpenRouter routing object for speech requests"),
}, { doc = "OpenRouter text-to-speech" })

local agent_defaults = object({
  model = model_choice("the chat model: primary and fallbacks"),
  models = map(object({
    alias = str("short name shown in model lists"),
    params = free("per-model request params (temperature, maxTokens, " ..
                  "provider routing, ...)"),
    streaming = bool("OpenClaw: stream replies from this model"),
  }), { doc = "per-model entries keyed by model ref", key_doc = "model ref" }),
  params = free("request params for every model (lowest precedence)"),
  thinkingDefault = enum(M.THINKING_LEVELS, "default thinking level",
                         M.THINKING_ALIASES),
  imageGenerationModel = model_choice("the image_generate tool's model"),
  mediaModels = object({
    image = model_choice("image generation model (current OpenClaw name)"),
    video = model_choice("video generation model"),
    music = model_choice("music generation model"),
  }, { doc = "media generation models" }),
  maxToolRounds = int(0, "most tool-call rounds in one turn"),
  failover = object({
    maxRetries = int(0, "retries of one model on a retryable error " ..
                     "before moving to the next"),
    retryBudgetMs = int(0, "time one model may spend retrying before " ..
                        "the next is tried"),
    initialBackoffMs = int(0, "wait before the first retry (doubles " ..
                           "each time)"),
    maxBackoffMs = int(0, "longest wait between retries"),
    connectTimeoutMs = int(1, "a connection not made in this time " ..
                           "counts as a failed attempt"),
    idleTimeoutMs = int(1, "a model stream that sends no byte for this " ..
                        "long (keep-alive comments count) is a failed " ..
                        "attempt"),
  }, { doc = "retries and fallback timing" }),
  system = str("system prompt"),
  timeoutMs = int(1, "timeout of one model request in milliseconds"),
}, {
  doc = "settings shared by every agent",
  ignore = { "workspace", "compaction", "maxConcurrent", "subagents",
    "heartbeat", "sandbox", "contextTokens", "blockStreamingDefault",
    "blockStreamingBreak", "blockStreamingChunk", "typingMode",
    "typingIntervalSeconds", "humanDelay", "memorySearch", "userTimezone",
    "timeFormat", "elevatedDefault", "verboseDefault", "reasoningDefault",
    "imageModel", "pdfModel", "pdfMaxBytesMb", "pdfMaxPages",
    "contextPruning", "cliBackends", "skipBootstrap", "bootstrapMaxChars",
    "bootstrapTotalMaxChars", "repoRoot", "envelopeTimezone",
    "envelopeTimestamp", "envelopeElapsed", "mediaMaxMb", "timeoutSeconds",
    "videoGenerationModel", "musicGenerationModel", "embeddedPi",
    "thinking" },
})

M.root = object({
  env = map({ type = "string", doc = "an environment variable" }, {
    doc = "environment variables applied where the process has none",
    env_map = true,
    known = {
      vars = map({ type = "string" }, { doc = "same as env (OpenClaw's " ..
                                         "newer spelling)", env_map = true }),
      shellEnv = { type = "ignored" },
    },
  }),
  agents = object({
    defaults = agent_defaults,
  }, { doc = "agents", ignore = { "list" } }),
  models = object({
    providers = map(provider, { doc = "model providers by id",
                                key_doc = "provider id",
                                known = { openrouter = provider } }),
    mode = enum({ "merge", "replace" }, "OpenClaw: how providers combine " ..
                "with the built-in catalog"),
  }, { doc = "model providers", ignore = { "bedrockDiscovery" } }),
  auth = object({
    profiles = map(object({
      provider = str("provider id, e.g. \"openrouter\""),
      mode = enum({ "api_key", "oauth", "token" }, "credential kind"),
      key = secret("the API key (written by 'openclaw onboard')"),
      email = str("account e-mail (OpenClaw)"),
    }), { doc = "credentials by profile id (\"openrouter:default\")",
          key_doc = "profile id" }),
    order = map(list(str()), { doc = "profile ids to try, by provider" }),
  }, { doc = "authentication", ignore = { "cooldowns" } }),
  messages = object({
    tts = object({
      auto = enum({ "off", "always", "inbound", "tagged" },
                  "when replies are spoken"),
      mode = enum({ "final", "all" }, "which replies are spoken"),
      provider = str("speech provider id"),
      enabled = bool("OpenClaw (older): speech on or off"),
      summaryModel = str("model that shortens long replies before " ..
                         "speaking"),
      modelOverrides = free("OpenClaw: what replies may override"),
      maxTextLength = int(1, "longest text spoken"),
      timeoutMs = int(1, "speech request timeout in milliseconds"),
      providers = map(free(), {
        doc = "settings by speech provider",
        key_doc = "provider id",
        known = { openrouter = tts_openrouter },
      }),
    }, { doc = "text-to-speech",
         ignore = { "openai", "elevenlabs", "edge", "prefsPath" } }),
  }, { doc = "messages", ignore = { "ackReaction", "ackReactionScope",
       "responsePrefix", "queue", "inbound", "groupChat",
       "removeAckAfterReply", "suppressToolErrors", "statusReactions" } }),
  reload = bool("re-read config files while running"),
  ui = object({
    color = enum({ "auto", "always", "never" }, "colored output",
                 { [true] = "always", [false] = "never" }),
  }, { doc = "terminal output", ignore = { "seamColor", "assistant" } }),
}, {
  doc = "the configuration",
  ignore = { "$schema", "meta", "wizard", "gateway", "channels", "plugins",
    "tools", "session", "logging", "hooks", "skills", "browser", "commands",
    "cron", "web", "discovery", "canvasHost", "talk", "diagnostics",
    "update", "broadcast", "audio", "bindings", "approvals", "secrets",
    "memory", "mcp", "nodeHost", "acp", "cli" },
})

-- key paths -----------------------------------------------------------------

local function is_ident(s)
  return type(s) == "string" and s:match("^[%a_][%w_]*$") ~= nil
end

--- Format a key path (list of segments) as text: identifiers joined with
-- '.', other keys as ["..."], list indexes (integers, 0-based) as [n].
function M.format_key(segs)
  local out = {}
  for i, s in ipairs(segs) do
    if math.type(s) == "integer" then
      out[#out + 1] = "[" .. s .. "]"
    elseif is_ident(s) then
      out[#out + 1] = (i > 1 and "." or "") .. s
    else
      out[#out + 1] = '["' .. tostring(s):gsub('[\\"]', "\\%0")
                      :gsub("%c", function(c)
                        return ("\\u%04x"):format(c:byte())
                      end) .. '"]'
    end
  end
  return table.concat(out)
end

-- the child node of node for key k, or nil and why ("unknown", "free")
local function child(node, k)
  if not node then return nil, "unknown" end
  local t = node.type
  if t == "object" then
    local f = node.fields[k]
    if f then return f end
    if node.ignore then
      for _, name in ipairs(node.ignore) do
        if name == k then return { type = "ignored" } end
      end
    end
    return nil, "unknown"
  elseif t == "map" then
    if node.known and node.known[k] then return node.known[k] end
    return node.values
  elseif t == "list" then
    return node.items
  elseif t == "free" or t == "ignored" then
    return { type = "free", inside = true }
  end
  return nil, "scalar"
end
M.child = child

--- The node at a key path, or nil and "unknown" (no such key) or "scalar"
-- (the path goes below a value that is not a table).
function M.node_at(segs)
  local node = M.root
  for _, s in ipairs(segs) do
    local why
    node, why = child(node, s)
    if not node then return nil, why end
  end
  return node
end

local function name_looks_secret(name)
  local n = tostring(name):lower()
  return n:find("key", 1, true) or n:find("token", 1, true)
    or n:find("secret", 1, true) or n:find("pass", 1, true)
    or n:find("auth", 1, true) or n:find("cookie", 1, true)
end

--- A string value that looks like a credential wherever it appears.
function M.looks_like_key(v)
  if type(v) ~= "string" then return false end
  return (v:match("^sk%-[%w_%-]+$") and #v >= 12)
    or v:match("^[Bb]earer%s+%S+") ~= nil
end

--- True when the value at a key path must never be printed: keys marked
-- secret, secret-looking names inside env and header maps, and any string
-- that looks like an API key.
function M.is_secret(segs, value)
  if M.looks_like_key(value) then return true end
  local node, parent = M.root, nil
  for _, s in ipairs(segs) do
    parent = node
    node = child(node, s)
    if not node then break end
  end
  if node and node.secret then return true end
  if parent and (parent.env_map or parent.header_map)
     and name_looks_secret(segs[#segs]) then
    return true
  end
  return false
end

--- Every known key path (for suggestions and docs), sorted.
function M.known_paths()
  if M._paths then return M._paths end
  local out = {}
  local function walk(node, prefix)
    if node.type == "object" then
      for k, sub in pairs(node.fields) do
        local p = prefix == "" and k or (prefix .. "." .. k)
        out[#out + 1] = p
        walk(sub, p)
      end
    elseif node.type == "map" and node.known then
      for k, sub in pairs(node.known) do
        if sub.type ~= "ignored" then
          local p = prefix .. "." .. k
          out[#out + 1] = p
          walk(sub, p)
        end
      end
    end
  end
  walk(M.root, "")
  table.sort(out)
  M._paths = out
  return out
end

-- describing types and values -----------------------------------------------

local function quote(s)
  if #s > 40 then s = s:sub(1, 37) .. "..." end
  return '"' .. s:gsub('[\\"]', "\\%0"):gsub("%c", function(c)
    return ("\\x%02X"):format(c:byte())
  end) .. '"'
end

--- "a whole number >= 1", 'one of "off", "always"', ... for messages.
function M.describe(node)
  local t = node.type
  local bound = node.min and (" >= " .. node.min) or ""
  if t == "string" then return "a string" end
  if t == "number" then return "a number" .. bound end
  if t == "integer" then return "a whole number" .. bound end
  if t == "boolean" then return "true or false" end
  if t == "modelref" then
    return 'a model ref like "openrouter/<provider>/<model>"'
  end
  if t == "enum" then
    local q = {}
    for _, c in ipairs(node.choices) do q[#q + 1] = '"' .. c .. '"' end
    return "one of " .. table.concat(q, ", ")
  end
  if t == "list" then
    local inner = M.describe(node.items)
    inner = inner:gsub("^an? ", "")
    if inner:find("^model ref") then
      return "a list of model refs"
    end
    return "a list of " .. inner .. "s"
  end
  if t == "object" then
    if node.shorthand then
      return "an object (or a string for ." .. node.shorthand .. ")"
    end
    return "an object"
  end
  if t == "map" then
    return "an object of " .. (node.key_doc or "name") .. " -> " ..
      (M.describe(node.values):gsub("^(an?) ", ""))
  end
  return "a table"
end

--- Describe a value for an error message; secrets show only their type.
function M.show_value(v, is_secret)
  local t = type(v)
  if v == json.null then return "null" end
  if t == "string" then
    if is_secret or M.looks_like_key(v) then
      return "a string (hidden)"
    end
    return quote(v)
  end
  if t == "number" then
    if v ~= v then return "NaN" end
    if v == math.huge then return "Infinity" end
    if v == -math.huge then return "-Infinity" end
    if is_secret then return "a number" end
    return tostring(v)
  end
  if t == "boolean" then return tostring(v) end
  if t == "table" then
    if json.is_array(v) then
      return next(v) == nil and "an empty list" or "a list"
    end
    if next(v) == nil then return "an empty table" end
    return "an object"
  end
  return "a " .. t
end

-- checking ------------------------------------------------------------------

local function is_list(v)
  if type(v) ~= "table" then return false end
  if next(v) == nil then return true end
  return json.is_array(v)
end

local function copy_free(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = copy_free(x) end
  if json.is_array(v) then json.array(t) end
  return t
end

-- suggestion for an unknown key k at path segs under object node
local function suggest(node, segs, k)
  local names = {}
  for name in pairs(node.fields) do names[#names + 1] = name end
  table.sort(names)
  local near = type(k) == "string" and errors.closest(k, names)
  if not near and type(k) == "string" then
    for _, name in ipairs(names) do
      if name:lower() == k:lower() then near = name end
    end
  end
  if near then
    local p = {}
    for i = 1, #segs - 1 do p[i] = segs[i] end
    p[#p + 1] = near
    return M.format_key(p)
  end
  -- the same name somewhere else in the tree ("agents.model")
  if type(k) == "string" then
    local best, bestd
    for _, path in ipairs(M.known_paths()) do
      local leaf = path:match("([^.]+)$")
      local d = errors.distance(leaf:lower(), k:lower())
      if d <= math.max(1, #k // 4) and (not bestd or d < bestd
         or (d == bestd and #path < #best)) then
        best, bestd = path, d
      end
    end
    return best
  end
  return nil
end

--- Validate one layer. tree: a table from a config file (or built from
-- flags); label: file name for messages. Returns a normalized deep copy
-- (lists marked as JSON arrays, whole numbers as integers, enum aliases
-- resolved, string shorthands expanded, env.vars folded into env, unknown
-- and ignored keys dropped; json.null kept: it deletes the key when the
-- layers are merged), a list of error lines and a list of warning lines:
--   "<label>: <key.path>: expected <type>, got <value>"
--   "<label>: unknown key <key.path> (did you mean <known>?); ignored"
function M.check(tree, label)
  local errs, warns = {}, {}
  local segs = {}

  local function err(node, v)
    local where = #segs > 0 and (M.format_key(segs) .. ": ") or ""
    errs[#errs + 1] = ("%s: %sexpected %s%s, got %s"):format(label, where,
      M.describe(node), #segs == 0 and " at the top" or "",
      M.show_value(v, node.secret or M.is_secret(segs, v)))
  end

  local check

  local function check_fields(node, v)
    local out = {}
    local keys = {}
    for k in pairs(v) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    for _, k in ipairs(keys) do
      segs[#segs + 1] = k
      local sub = type(k) == "string" and child(node, k)
      if not sub then
        local near = suggest(node, segs, k)
        warns[#warns + 1] = ("%s: unknown key %s%s; ignored"):format(label,
          M.format_key(segs), near and (" (did you mean " .. near .. "?)")
          or "")
      elseif sub.type ~= "ignored" then
        local ok, nv = check(sub, v[k])
        if ok then out[k] = nv end
      end
      segs[#segs] = nil
    end
    return out
  end

  function check(node, v)
    if v == json.null then return true, v end
    local t = node.type
    if t == "string" then
      if type(v) ~= "string" then err(node, v) return false end
      return true, v
    elseif t == "modelref" then
      if type(v) ~= "string" or not v:find("^[^%s/]+/%S+$") then
        err(node, v)
        return false
      end
      return true, v
    elseif t == "number" or t == "integer" then
      local n = v
      if type(n) ~= "number" or n ~= n or n == math.huge
         or n == -math.huge then
        err(node, v)
        return false
      end
      if t == "integer" then
        n = math.tointeger(n)
        if not n then err(node, v) return false end
      end
      if node.min and n < node.min then err(node, v) return false end
      return true, n
    elseif t == "boolean" then
      if type(v) ~= "boolean" then err(node, v) return false end
      return true, v
    elseif t == "enum" then
      local a = node.aliases and node.aliases[v]
      if a then return true, a end
      if type(v) == "string" then
        for _, c in ipairs(node.choices) do
          if c == v or (node.aliases and c == v:lower()) then
            return true, c
          end
        end
      end
      err(node, v)
      return false
    elseif t == "list" then
      if not is_list(v) then err(node, v) return false end
      local out, ok = {}, true
      for i, x in ipairs(v) do
        segs[#segs + 1] = i - 1
        local good, nx = check(node.items, x)
        segs[#segs] = nil
        if not good then ok = false end
        out[i] = nx
      end
      if not ok then return false end
      return true, json.array(out)
    elseif t == "free" then
      if type(v) ~= "table" then err(node, v) return false end
      return true, copy_free(v)
    elseif t == "ignored" then
      return true, nil
    elseif t == "object" then
      if type(v) == "string" and node.shorthand then
        v = { [node.shorthand] = v }
      end
      if type(v) ~= "table" or json.is_array(v) then
        err(node, v)
        return false
      end
      return true, check_fields(node, v)
    elseif t == "map" then
      if type(v) ~= "table" or json.is_array(v) then
        err(node, v)
        return false
      end
      local out = {}
      local keys = {}
      for k in pairs(v) do keys[#keys + 1] = k end
      table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
      for _, k in ipairs(keys) do
        segs[#segs + 1] = k
        if type(k) ~= "string" then
          errs[#errs + 1] = ("%s: %s: keys must be strings"):format(label,
            M.format_key(segs))
        else
          local sub = child(node, k)
          local ok, nv = check(sub, v[k])
          if ok and nv ~= nil then
            if node.env_map and k == "vars" and type(nv) == "table" then
              -- env.vars.X -> env.X (env.X written directly wins)
              for vk, vv in pairs(nv) do
                if v[vk] == nil then out[vk] = vv end
              end
            else
              out[k] = nv
            end
          end
        end
        segs[#segs] = nil
      end
      return true, out
    end
    error("config_schema: unknown node type " .. tostring(t))
  end

  local ok, out = check(M.root, tree)
  if not ok then out = nil end
  return out, errs, warns
end

return M
