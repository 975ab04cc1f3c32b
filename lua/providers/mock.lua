--- providers.mock: an offline provider for trying openclaw without a key
-- and for testing agent scripts deterministically.
--
--   mock/echo     streams the text of the last user message back, in
--                 deltas of 3 to 8 characters, with token usage
--   mock/script   replies scripted from a Lua table or a JSONL file; one
--                 step is consumed per model call
--
-- It implements the provider contract of openclaw.provider (build_chat,
-- stream_decoder, classify_error, open): open() produces the same
-- OpenAI-style chunks OpenRouter streams, so the agent loop, the stream
-- decoder, tool calls, failover and sessions all run exactly as they do
-- against OpenRouter.
--
-- Params (agent{params = ...}, or config
-- agents.defaults.models["mock/script"].params / ["mock/echo"].params):
--   script = { step, ... }     -- a Lua list of steps (mock/script)
--   script_file = "path.jsonl" -- one JSON step per line (mock/script)
--   delay_ms = 8               -- pause between streamed chunks
--
-- A step:
--   { text = "...", reasoning = "...",
--     tool_calls = { { name = "now", arguments = { ... } | "{...}",
--                      id = "call_1" (optional) }, ... },
--     error = { status = 429, message = "...", retry_after = 1,
--               code = ... },
--     drop = true,          -- the connection drops after the content
--     delay_ms = 100,       -- wait before answering
--     usage = { prompt_tokens =, completion_tokens =, cost = },  -- verbatim
--     finish_reason = "stop", model = "mock/script" }
-- error with a status and no text/reasoning/tool_calls is an HTTP error
-- (429, 500, 401 ... classified like OpenRouter's, so retries and failover
-- can be tested offline); error after text (or error.mid_stream = true) is
-- a mid-stream error chunk. In a Lua script a step may also be a function
-- (request) -> step, where request.messages are the neutral messages sent.
-- When the steps run out the reply is the error
-- "mock/script: no more scripted replies (N used)".
local json = require("openclaw.json")
local compat = require("providers.openai_compat")
local util = require("openclaw.util")

local M = {}

M.id = "mock"
M.MODELS = { "mock/echo", "mock/script" }
--- Default pause between streamed chunks, in milliseconds.
M.DEFAULT_DELAY_MS = 8

local PIECES = { 3, 5, 8, 4, 6, 7 }

local get = util.get

-- split(text) - pieces of 3..8 characters, on UTF-8 boundaries
local function split(text)
  local out, i, k = {}, 1, 0
  local n = #text
  local valid = utf8.len(text) ~= nil
  while i <= n do
    k = k + 1
    local size = PIECES[(k - 1) % #PIECES + 1]
    local j
    if valid then
      local start_char = utf8.len(text, 1, i)
      local stop = utf8.offset(text, start_char + size)
      j = (stop or n + 1) - 1
    else
      j = math.min(n, i + size - 1)
    end
    out[#out + 1] = text:sub(i, j)
    i = j + 1
  end
  return out
end

local function merged_params(config, ref, call)
  local out = {}
  local entry = get(config, "agents", "defaults", "models", ref)
  local layers = { get(entry, "params"), call }
  for i = 1, 2 do
    local layer = layers[i]
    if type(layer) == "table" then
      for k, v in pairs(layer) do out[k] = v end
    end
  end
  return out
end

--- Build the (never sent) request: the neutral request plus model facts.
function M.build_chat(req, ctx)
  ctx = ctx or {}
  local models = require("openclaw.models")
  local ref, err = models.parse_ref(req.model)
  if not ref then return nil, err end
  if ref.provider ~= "mock" then
    return nil, ("model ref '%s' is not a mock model"):format(req.model)
  end
  return {
    method = "MOCK", url = "mock:" .. ref.id, api_id = ref.ref,
    model_id = ref.id, headers = {},
    body = { model = ref.ref, messages = req.messages, tools = req.tools },
    messages = req.messages or {}, tools = req.tools or {},
    params = merged_params(ctx.config, ref.ref, req.params),
    info = { id = ref.ref, name = ref.ref, reasoning = true,
             supports_tools = true, known = true,
             cost = { input = 0, output = 0, cache_read = 0,
                      cache_write = 0 } },
    warnings = {}, state = ctx.state,
  }
end

function M.stream_decoder(request)
  return compat.new_decoder({ model = request and request.api_id })
end

function M.decode_result(result, request)
  return compat.decode_result(result, { model = request and request.api_id })
end

--- Classified like OpenRouter's errors (same reasons, retry and failover
-- flags), with "mock" in the message.
function M.classify_error(status, body, headers, now)
  local f = require("providers.openrouter").classify_error(status, body,
                                                           headers, now)
  f.message = (f.message or ""):gsub("^OpenRouter", "mock provider")
  return f
end

local function failure(message, fix)
  return { reason = "mock", retryable = false, failover = false,
           message = message, fix = fix }
end

local function chars(messages, tools)
  local n = 0
  for _, m in ipairs(messages or {}) do
    n = n + #compat.content_text(m.content, "\n")
    for _, tc in ipairs(m.tool_calls or {}) do
      n = n + #(tc.name or "") + #tostring(tc.arguments or "")
    end
  end
  if type(tools) == "table" and #tools > 0 then
    local ok, s = pcall(json.encode, tools)
    if ok then n = n + #s end
  end
  return n
end

local function tokens(n) return (n + 3) // 4 end

local seq = 0
local function chunk(model, delta, finish, usage)
  local c = { id = "gen-mock-" .. seq, object = "chat.completion.chunk",
    model = model, choices = { { index = 0, delta = delta,
      finish_reason = finish or json.null } } }
  if usage then c.usage = usage end
  return json.encode(c)
end

local function last_user_text(messages)
  for i = #messages, 1, -1 do
    if messages[i].role == "user" then
      return compat.content_text(messages[i].content, "\n")
    end
  end
  return ""
end

-- events for a reply step -> list of SSE data strings, fail
local function reply_events(request, step)
  seq = seq + 1
  local model = step.model or request.api_id
  local ev = {}
  local reasoning = type(step.reasoning) == "string" and step.reasoning or ""
  local text = type(step.text) == "string" and step.text or ""
  ev[#ev + 1] = chunk(model, { role = "assistant", content = "" })
  for _, p in ipairs(split(reasoning)) do
    ev[#ev + 1] = chunk(model, { content = "", reasoning = p })
  end
  for _, p in ipairs(split(text)) do
    ev[#ev + 1] = chunk(model, { content = p })
  end
  local calls = type(step.tool_calls) == "table" and step.tool_calls or {}
  local out_chars = #text + #reasoning
  for i, tc in ipairs(calls) do
    local args = tc.arguments
    if type(args) == "table" then args = json.encode(args)
    elseif args == nil then args = "{}" end
    args = tostring(args)
    out_chars = out_chars + #args
    local id = tc.id or ("call_mock_%d_%d"):format(seq, i)
    ev[#ev + 1] = chunk(model, { content = json.null, tool_calls = { {
      index = i - 1, id = id, type = "function",
      ["function"] = { name = tostring(tc.name or ""), arguments = "" } } } })
    for _, p in ipairs(split(args)) do
      ev[#ev + 1] = chunk(model, { tool_calls = { { index = i - 1,
        ["function"] = { arguments = p } } } })
    end
  end
  local e = step.error
  if type(e) == "table" then
    local code = e.status or e.code or 500
    ev[#ev + 1] = json.encode({ id = "gen-mock-" .. seq, model = model,
      object = "chat.completion.chunk",
      error = { code = code, message = tostring(e.message or
        "scripted error") },
      choices = { { index = 0, delta = { content = "" },
                    finish_reason = "error" } } })
    return ev
  end
  if step.drop then
    return ev, { "connection dropped (scripted by mock/script)", "closed" }
  end
  local usage = step.usage
  if type(usage) ~= "table" then
    local p = tokens(chars(request.messages, request.tools))
    local c = tokens(out_chars)
    usage = { prompt_tokens = p, completion_tokens = c,
              total_tokens = p + c, cost = 0,
              completion_tokens_details = { reasoning_tokens =
                tokens(#reasoning) } }
  end
  local finish = step.finish_reason
  if finish == nil then finish = #calls > 0 and "tool_calls" or "stop" end
  ev[#ev + 1] = chunk(model, { content = "" }, finish, usage)
  ev[#ev + 1] = "[DONE]"
  return ev
end

-- load_script(params, state) - the script record { steps, next, label } or
-- nil, failure
local function load_script(params, state)
  state.scripts = state.scripts or {}
  if type(params.script) == "table" then
    local s = state.scripts[params.script]
    if not s then
      s = { steps = params.script, next = 1, label = "params.script" }
      state.scripts[params.script] = s
    end
    return s
  end
  local path = params.script_file
  if type(path) ~= "string" or path == "" then
    return nil, failure("mock/script has no script: set params.script (a "
      .. "list of steps) or params.script_file (a JSONL file)",
      "pass agent{ model = \"mock/script\", params = { script = { { text = "
      .. "\"hi\" } } } } or set agents.defaults.models[\"mock/script\"]"
      .. ".params")
  end
  if path:sub(1, 2) == "~/" and os.getenv("HOME") then
    path = os.getenv("HOME") .. path:sub(2)
  end
  local key = "file:" .. path
  local s = state.scripts[key]
  if s then return s end
  local f, err = io.open(path, "r")
  if not f then
    return nil, failure(("mock/script: cannot read params.script_file: %s")
      :format(err), "check the path (relative paths start at the current "
      .. "folder)")
  end
  local steps, n = {}, 0
  for line in f:lines() do
    n = n + 1
    if line:find("%S") and not line:match("^%s*//") then
      local v, jerr = json.decode(line)
      if type(v) ~= "table" then
        f:close()
        return nil, failure(("mock/script: %s:%d: not a JSON object%s")
          :format(path, n, jerr and (" (" .. jerr .. ")") or ""),
          "write one JSON object per line, e.g. {\"text\": \"hello\"}")
      end
      steps[#steps + 1] = v
    end
  end
  f:close()
  s = { steps = steps, next = 1, label = path }
  state.scripts[key] = s
  return s
end

local fallback_state = {}

--- Produce the reply stream (a provider.stream_of stream), or nil and a
-- failure.
function M.open(request, ctx)
  local provider = require("openclaw.provider")
  local params = request.params or {}
  local delay = tonumber(params.delay_ms) or M.DEFAULT_DELAY_MS
  if request.model_id == "echo" then
    local text = last_user_text(request.messages)
    local ev = reply_events(request, { text = text })
    return provider.stream_of({ events = ev, delay_ms = delay })
  end
  local state = request.state or (ctx and ctx.state) or fallback_state
  local script, f = load_script(params, state)
  if not script then return nil, f end
  local step = script.steps[script.next]
  if step == nil then
    return nil, failure(("mock/script: no more scripted replies (%d used)")
      :format(script.next - 1), "add steps to " .. script.label)
  end
  script.next = script.next + 1
  if type(step) == "function" then
    local ok, v = pcall(step, request)
    if not ok then
      return nil, failure("mock/script: step " .. (script.next - 1)
        .. " raised: " .. tostring(v), "fix the script function")
    end
    step = v
  end
  if type(step) == "string" then step = { text = step } end
  if type(step) ~= "table" then
    return nil, failure(("mock/script: step %d is a %s, not a table")
      :format(script.next - 1, type(step)), "each step is a table like "
      .. "{ text = \"hello\" }")
  end
  local start = tonumber(step.delay_ms) or 0
  local e = step.error
  local has_content = (type(step.text) == "string" and step.text ~= "")
    or (type(step.reasoning) == "string" and step.reasoning ~= "")
    or (type(step.tool_calls) == "table" and #step.tool_calls > 0)
  if type(e) == "table" and not has_content and not e.mid_stream then
    local status = math.tointeger(tonumber(e.status or e.code)) or 500
    local headers = { ["content-type"] = "application/json" }
    if e.retry_after ~= nil then
      headers["retry-after"] = tostring(e.retry_after)
    end
    return provider.stream_of({ status = status, headers = headers,
      start_delay_ms = start,
      body = json.encode({ error = { code = status,
        message = tostring(e.message or "scripted error") } }) })
  end
  local ev, fail = reply_events(request, step)
  return provider.stream_of({ events = ev, fail = fail, delay_ms = delay,
                              start_delay_ms = start })
end

return M
