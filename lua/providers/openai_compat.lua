--- providers.openai_compat: OpenAI Chat Completions mechanics for any
-- OpenAI-compatible base URL (OpenRouter, llama.cpp, vLLM, proxies).
--
-- Pure functions, no I/O: build_body turns a neutral request into a Lua
-- table body (the transport encodes it), the decoder turns decoded SSE
-- chunks into neutral deltas and a final result.
--
-- Neutral message format (what the agent loop and sessions store):
--   { role = "system" | "user" | "assistant" | "tool",
--     content = string | parts | nil,
--     tool_calls = { { id =, name =, arguments = <JSON text> }, ... },
--     tool_call_id = <id>,            -- role "tool"
--     reasoning = <text>,             -- assistant reasoning to replay
--     reasoning_field = "reasoning" | "reasoning_content" | "reasoning_text",
--     reasoning_details = { ... } }   -- OpenRouter reasoning_details, as is
-- Parts:
--   { type = "text", text = }
--   { type = "image", mime = "image/png", data = <base64> }
--   { type = "image", url = "https://..." | "data:..." }
--
-- Neutral tool: { name =, description =, parameters = <JSON schema table> }.
--
-- Neutral stream deltas (decode_chunk):
--   { type = "text", text = }
--   { type = "reasoning", text =, field = }
--   { type = "tool_call_delta", index =, id =, name =, fragment = }
--   { type = "image", url = }
--   { type = "usage", usage = <parse_usage result> }
--   { type = "error", message =, code = }
-- Final result (finish): { text, reasoning, reasoning_field,
--   reasoning_details, tool_calls = { {id, name, arguments, args?} },
--   images, usage, finish_reason, stop_reason = "stop" | "length" |
--   "toolUse" | "error", error, response_id, model }.
local json = require("openclaw.json")

local M = {}

--- Compat flags for OpenRouter-like endpoints (used when compat is nil).
M.DEFAULT_COMPAT = {
  supports_developer_role = false,   -- system prompt as role "system"
  max_tokens_field = "max_completion_tokens",
  supports_strict = false,           -- no "strict" on tool functions
  supports_store = false,            -- never send "store"
  supports_usage_in_streaming = true, -- send stream_options.include_usage
  supports_images = true,            -- false: image parts are dropped
}

--- Fields an assistant reasoning text may be replayed under.
M.REASONING_FIELDS = { "reasoning_content", "reasoning", "reasoning_text" }

local REASONING_FIELD_SET = {}
for _, f in ipairs(M.REASONING_FIELDS) do REASONING_FIELD_SET[f] = true end

local function flag(compat, name)
  local v = compat and compat[name]
  if v == nil then v = M.DEFAULT_COMPAT[name] end
  return v
end

local function nonempty(s)
  return type(s) == "string" and s ~= ""
end

--- Text parts of neutral content joined with sep (default "") into one
-- string ("" when none).
local function content_text(content, sep)
  if type(content) == "string" then return content end
  if type(content) ~= "table" then return "" end
  local out = {}
  for _, p in ipairs(content) do
    if type(p) == "string" then
      out[#out + 1] = p
    elseif type(p) == "table" and p.type == "text"
           and type(p.text) == "string" then
      out[#out + 1] = p.text
    end
  end
  return table.concat(out, sep or "")
end
M.content_text = content_text

--- Wire part for a neutral image part, or nil when it has no data/url.
function M.image_part(p)
  local url
  if nonempty(p.url) then
    url = p.url
  elseif nonempty(p.data) then
    url = ("data:%s;base64,%s"):format(p.mime or p.mime_type or "image/png",
                                       p.data)
  else
    return nil
  end
  return { type = "image_url", image_url = { url = url } }
end

local function has_images(content)
  if type(content) ~= "table" then return false end
  for _, p in ipairs(content) do
    if type(p) == "table" and p.type == "image" then return true end
  end
  return false
end

-- User content -> wire content (string or parts), plus count of dropped
-- images.
local function user_content(content, compat)
  if content == nil then return "", 0 end
  if type(content) == "string" then return content, 0 end
  local parts, dropped = {}, 0
  for _, p in ipairs(content) do
    if type(p) == "string" then
      parts[#parts + 1] = { type = "text", text = p }
    elseif type(p) == "table" and p.type == "text" then
      parts[#parts + 1] = { type = "text", text = p.text or "" }
    elseif type(p) == "table" and p.type == "image" then
      local w = flag(compat, "supports_images") and M.image_part(p)
      if w then parts[#parts + 1] = w else dropped = dropped + 1 end
    elseif type(p) == "table" and p.type == "image_url" then
      parts[#parts + 1] = p               -- already in wire form
    end
  end
  if #parts == 0 then
    return dropped > 0 and "(image omitted: the model does not accept image "
      .. "input)" or "", dropped
  end
  return json.array(parts), dropped
end

-- System content: a string, or text parts (any extra fields such as
-- cache_control are kept).
local function system_content(content)
  if type(content) ~= "table" then return content or "" end
  local parts = {}
  for _, p in ipairs(content) do
    if type(p) == "string" then
      parts[#parts + 1] = { type = "text", text = p }
    elseif type(p) == "table" then
      parts[#parts + 1] = p
    end
  end
  return json.array(parts)
end

local function args_text(a)
  if type(a) == "string" then return a ~= "" and a or "{}" end
  if type(a) == "table" then return json.encode(a) end
  return "{}"
end

local function assistant_message(m)
  local out = { role = "assistant" }
  local text = content_text(m.content)
  local calls = {}
  for _, tc in ipairs(m.tool_calls or {}) do
    calls[#calls + 1] = {
      id = tostring(tc.id or ""),
      type = "function",
      ["function"] = { name = tc.name or "",
                       arguments = args_text(tc.arguments) },
    }
  end
  if text == "" and #calls == 0 then return nil end  -- empty turn: skipped
  out.content = text ~= "" and text or json.null
  if #calls > 0 then out.tool_calls = json.array(calls) end
  if nonempty(m.reasoning) then
    local field = REASONING_FIELD_SET[m.reasoning_field] and m.reasoning_field
      or "reasoning"
    out[field] = m.reasoning
  end
  if type(m.reasoning_details) == "table" and #m.reasoning_details > 0 then
    out.reasoning_details = json.array(m.reasoning_details)
  end
  return out
end

local function tool_function(t, compat)
  local fn = {
    name = t.name,
    description = t.description,
    parameters = t.parameters
      or { type = "object", properties = json.object({}) },
  }
  if flag(compat, "supports_strict") and t.strict ~= nil then
    fn.strict = t.strict
  end
  return { type = "function", ["function"] = fn }
end

--- Convert neutral messages to wire messages. Returns the array and a
-- list of warnings. Empty assistant turns are skipped; images in tool
-- results follow the tool messages as a user message
-- "Attached image(s) from tool result:".
function M.convert_messages(messages, compat)
  local out, warnings = {}, {}
  local dropped = 0
  local pending_images = {}
  local function flush_images()
    if #pending_images == 0 then return end
    local parts = { { type = "text",
                      text = "Attached image(s) from tool result:" } }
    for _, p in ipairs(pending_images) do parts[#parts + 1] = p end
    out[#out + 1] = { role = "user", content = json.array(parts) }
    pending_images = {}
  end
  for _, m in ipairs(messages or {}) do
    local role = m.role
    if role ~= "tool" then flush_images() end
    if role == "system" or role == "developer" then
      local dev = role == "developer"
        and flag(compat, "supports_developer_role")
      local r = dev and "developer" or "system"
      out[#out + 1] = { role = r, content = system_content(m.content) }
    elseif role == "user" then
      local c, d = user_content(m.content, compat)
      dropped = dropped + d
      out[#out + 1] = { role = "user", content = c }
    elseif role == "assistant" then
      local a = assistant_message(m)
      if a then out[#out + 1] = a end
    elseif role == "tool" then
      out[#out + 1] = { role = "tool", content = content_text(m.content, "\n"),
                        tool_call_id = tostring(m.tool_call_id or "") }
      if has_images(m.content) then
        for _, p in ipairs(m.content) do
          if type(p) == "table" and p.type == "image" then
            local w = flag(compat, "supports_images") and M.image_part(p)
            if w then pending_images[#pending_images + 1] = w
            else dropped = dropped + 1 end
          end
        end
      end
    else
      warnings[#warnings + 1] = ("message with unknown role '%s' was not sent")
        :format(tostring(role))
    end
  end
  flush_images()
  if dropped > 0 then
    warnings[#warnings + 1] = ("%d image(s) were not sent: the model does not "
      .. "accept image input"):format(dropped)
  end
  return json.array(out), warnings
end

--- Build a Chat Completions body (a Lua table) from a neutral request:
-- req = { model = <API id>, messages, tools, tool_choice, temperature,
--         max_tokens, stream (default true) }.
-- compat flags default to DEFAULT_COMPAT. Returns body, warnings.
function M.build_body(req, compat)
  local messages, warnings = M.convert_messages(req.messages, compat)
  local body = { model = req.model, messages = messages }
  if req.stream ~= false then
    body.stream = true
    if flag(compat, "supports_usage_in_streaming") then
      body.stream_options = { include_usage = true }
    end
  else
    body.stream = false
  end
  if req.max_tokens then
    body[flag(compat, "max_tokens_field")] = req.max_tokens
  end
  if req.temperature ~= nil then body.temperature = req.temperature end
  if type(req.tools) == "table" and #req.tools > 0 then
    local tools = {}
    for _, t in ipairs(req.tools) do
      tools[#tools + 1] = tool_function(t, compat)
    end
    body.tools = json.array(tools)
    if req.tool_choice ~= nil then body.tool_choice = req.tool_choice end
  else
    for _, m in ipairs(messages) do
      if m.tool_calls or m.role == "tool" then
        body.tools = json.array({})   -- some backends require it with history
        break
      end
    end
  end
  return body, warnings
end

--- True when an SSE data string is the end marker "[DONE]".
function M.is_done(data)
  return type(data) == "string" and data:match("^%s*%[DONE%]%s*$") ~= nil
end

local function finite_number(v)
  return type(v) == "number" and v == v and v ~= math.huge and v ~= -math.huge
end

local function count(v)
  if not finite_number(v) or v < 0 then return 0 end
  return math.tointeger(v) or math.tointeger(math.floor(v)) or 0
end

--- Neutral usage from a raw OpenAI/OpenRouter usage object:
-- { input, output, cache_read, cache_write, total_tokens, reasoning_tokens,
--   cost = { input, output, cache_read, cache_write, total, estimate,
--            total_origin = "estimate" | "provider-billed" } }.
-- cache_read = prompt_tokens_details.cached_tokens; cache_write =
-- prompt_tokens_details.cache_write_tokens (0 when absent); input =
-- prompt_tokens minus both. The cost estimate uses cost_per_million
-- ({input, output, cache_read, cache_write} USD per 1M tokens); a finite
-- usage.cost >= 0 reported by the provider replaces the total.
-- Returns nil when raw is not a table.
function M.parse_usage(raw, cost_per_million)
  if type(raw) ~= "table" then return nil end
  local details = type(raw.prompt_tokens_details) == "table"
    and raw.prompt_tokens_details or {}
  local cdetails = type(raw.completion_tokens_details) == "table"
    and raw.completion_tokens_details or {}
  local cache_read = count(details.cached_tokens)
  local cache_write = count(details.cache_write_tokens)
  local input = math.max(0, count(raw.prompt_tokens) - cache_read - cache_write)
  local output = count(raw.completion_tokens)
  local u = {
    input = input, output = output, cache_read = cache_read,
    cache_write = cache_write,
    total_tokens = input + output + cache_read + cache_write,
    reasoning_tokens = count(cdetails.reasoning_tokens),
  }
  local rate = cost_per_million or {}
  local function price(key, tokens)
    local r = rate[key]
    return finite_number(r) and r / 1e6 * tokens or 0
  end
  local cost = {
    input = price("input", input), output = price("output", output),
    cache_read = price("cache_read", cache_read),
    cache_write = price("cache_write", cache_write),
  }
  cost.estimate = cost.input + cost.output + cost.cache_read + cost.cache_write
  cost.total = cost.estimate
  cost.total_origin = "estimate"
  if finite_number(raw.cost) and raw.cost >= 0 then
    cost.total = raw.cost
    cost.total_origin = "provider-billed"
  end
  u.cost = cost
  return u
end

--- A fresh decoder state. opts = { model = <requested API id>,
-- cost = <cost per 1M tokens, for usage estimates> }.
function M.new_stream_state(opts)
  opts = opts or {}
  return {
    requested_model = opts.model, cost = opts.cost,
    text = {}, reasoning = {}, reasoning_field = nil,
    reasoning_details = {}, calls = {}, by_index = {}, by_id = {},
    images = {}, usage = nil, finish_reason = nil, error = nil,
    error_code = nil, response_id = nil, model = nil, done = false,
  }
end

-- Error text from a mid-stream error object: message plus "\n" + raw
-- metadata when present and not already contained.
local function error_text(err)
  local msg = type(err.message) == "string" and err.message
    or (err.message ~= nil and tostring(err.message)) or "Provider error"
  local meta = type(err.metadata) == "table" and err.metadata or nil
  local raw = meta and meta.raw
  if type(raw) == "table" then
    local ok, s = pcall(json.encode, raw)
    raw = ok and s or nil
  end
  if type(raw) == "string" and raw ~= "" and not msg:find(raw, 1, true) then
    msg = msg .. "\n" .. raw
  end
  return msg
end

local function merge_reasoning_detail(state, d)
  if type(d) ~= "table" then return end
  local list = state.reasoning_details
  if type(d.index) == "number" then
    for _, e in ipairs(list) do
      if e.index == d.index and e.type == d.type then
        for _, k in ipairs({ "text", "summary", "data", "signature" }) do
          if type(d[k]) == "string" then
            e[k] = type(e[k]) == "string" and e[k] .. d[k] or d[k]
          end
        end
        for k, v in pairs(d) do
          if e[k] == nil then e[k] = v end
        end
        return
      end
    end
  end
  local copy = {}
  for k, v in pairs(d) do copy[k] = v end
  list[#list + 1] = copy
end

-- Find or create the tool call a streamed fragment belongs to: by id when
-- the id is known, else by index (a new id at a used index starts a new
-- call, for backends that send every call at index 0).
local function call_for(state, tc)
  local id = nonempty(tc.id) and tc.id or nil
  local idx = type(tc.index) == "number" and tc.index or nil
  local call = id and state.by_id[id]
  if not call and idx then
    local c = state.by_index[idx]
    if c and (not id or c.id == "" or c.id == id) then call = c end
  end
  if not call and not id and not idx then
    call = state.calls[#state.calls]
  end
  if not call then
    call = { id = "", name = "", arguments = "",
             index = idx or #state.calls }
    state.calls[#state.calls + 1] = call
  end
  if idx then state.by_index[idx] = call end
  if id then
    if call.id == "" then call.id = id end
    state.by_id[id] = call
  end
  return call
end

--- Decode one stream chunk (a decoded JSON table, or the raw SSE data
-- string) into a list of neutral deltas, updating state. "[DONE]" and SSE
-- comment lines (": OPENROUTER PROCESSING") yield no deltas.
function M.decode_chunk(state, chunk)
  local deltas = {}
  if type(chunk) == "string" then
    if M.is_done(chunk) then state.done = true; return deltas end
    if chunk:match("^%s*$") or chunk:match("^:") then return deltas end
    local v, err = json.decode(chunk)
    if type(v) ~= "table" then
      state.error = "Invalid stream chunk from provider: "
        .. tostring(err or "not a JSON object")
      deltas[1] = { type = "error", message = state.error }
      return deltas
    end
    chunk = v
  end
  if type(chunk) ~= "table" then return deltas end
  if not state.response_id and nonempty(chunk.id) then
    state.response_id = chunk.id
  end
  if nonempty(chunk.model) then state.model = chunk.model end
  if type(chunk.error) == "table" then
    state.error = error_text(chunk.error)
    state.error_code = chunk.error.code
    deltas[#deltas + 1] = { type = "error", message = state.error,
                            code = chunk.error.code }
  end
  local choice = type(chunk.choices) == "table" and chunk.choices[1] or nil
  if type(choice) ~= "table" then choice = nil end
  local raw_usage = chunk.usage
  if type(raw_usage) ~= "table" and choice then raw_usage = choice.usage end
  if choice then
    local delta = type(choice.delta) == "table" and choice.delta
      or type(choice.message) == "table" and choice.message or {}
    for _, field in ipairs(M.REASONING_FIELDS) do
      local r = delta[field]
      if nonempty(r) then
        state.reasoning_field = state.reasoning_field or field
        state.reasoning[#state.reasoning + 1] = r
        deltas[#deltas + 1] = { type = "reasoning", text = r, field = field }
        break
      end
    end
    if type(delta.reasoning_details) == "table" then
      for _, d in ipairs(delta.reasoning_details) do
        merge_reasoning_detail(state, d)
      end
    end
    local content = delta.content
    if type(content) == "table" then content = content_text(content) end
    if nonempty(content) then
      state.text[#state.text + 1] = content
      deltas[#deltas + 1] = { type = "text", text = content }
    end
    if type(delta.tool_calls) == "table" then
      for _, tc in ipairs(delta.tool_calls) do
        if type(tc) == "table" then
          local call = call_for(state, tc)
          local fn = type(tc["function"]) == "table" and tc["function"] or {}
          if nonempty(fn.name) and call.name == "" then call.name = fn.name end
          local frag = fn.arguments
          if type(frag) == "table" then frag = json.encode(frag) end
          if nonempty(frag) then call.arguments = call.arguments .. frag end
          deltas[#deltas + 1] = { type = "tool_call_delta", index = call.index,
            id = call.id ~= "" and call.id or nil,
            name = call.name ~= "" and call.name or nil,
            fragment = type(frag) == "string" and frag or "" }
        end
      end
    end
    if type(delta.images) == "table" then
      for _, img in ipairs(delta.images) do
        local iu = type(img) == "table"
          and (img.image_url or img.imageUrl) or nil
        local url = type(iu) == "table" and iu.url or nil
        if nonempty(url) then
          state.images[#state.images + 1] = url
          deltas[#deltas + 1] = { type = "image", url = url }
        end
      end
    end
    if nonempty(choice.finish_reason) then
      state.finish_reason = choice.finish_reason
    end
  end
  if type(raw_usage) == "table" then
    state.raw_usage = raw_usage
    state.usage = M.parse_usage(raw_usage, state.cost)
    deltas[#deltas + 1] = { type = "usage", usage = state.usage }
  end
  return deltas
end

local FINISH = {
  stop = "stop", ["end"] = "stop", length = "length",
  tool_calls = "toolUse", function_call = "toolUse",
}

--- Map a provider finish_reason to a stop reason: stop | length |
-- toolUse, or "error" plus the message "Provider finish_reason: <x>".
function M.map_finish_reason(reason)
  if reason == nil or reason == json.null then return "stop" end
  local r = FINISH[reason]
  if r then return r end
  return "error", "Provider finish_reason: " .. tostring(reason)
end

--- Finish decoding: the neutral result (see the top of this file).
-- Stop-reason corrections: toolUse without tool calls -> stop; stop with
-- tool calls and no visible text -> toolUse; tool calls are dropped
-- unless the final reason is toolUse. A stream without any finish_reason
-- ends in error "Stream ended without finish_reason".
function M.finish(state)
  local text = table.concat(state.text)
  local res = {
    text = text,
    reasoning = #state.reasoning > 0 and table.concat(state.reasoning) or nil,
    reasoning_field = state.reasoning_field,
    reasoning_details = #state.reasoning_details > 0
      and state.reasoning_details or nil,
    tool_calls = {},
    images = state.images,
    usage = state.usage,
    finish_reason = state.finish_reason,
    response_id = state.response_id,
    model = state.model or state.requested_model,
  }
  local calls = {}
  for i, c in ipairs(state.calls) do
    local args = c.arguments ~= "" and c.arguments or "{}"
    local call = { id = c.id ~= "" and c.id or ("call_" .. (i - 1)),
                   name = c.name, arguments = args }
    local ok, v = pcall(json.decode, args)
    if ok and type(v) == "table" then call.args = v end
    calls[#calls + 1] = call
  end
  local stop, err
  if state.error then
    stop, err = "error", state.error
  elseif not state.finish_reason then
    stop, err = "error", "Stream ended without finish_reason"
  else
    stop, err = M.map_finish_reason(state.finish_reason)
  end
  if stop == "toolUse" and #calls == 0 then stop = "stop" end
  if stop == "stop" and #calls > 0 and not text:find("%S") then
    stop = "toolUse"
  end
  if stop == "toolUse" then res.tool_calls = calls end
  res.stop_reason = stop
  res.error = err
  return res
end

--- Decode a non-streaming (stream=false) Chat Completions response
-- (a decoded JSON table) into the same result shape as finish().
-- A null finish_reason counts as "stop" here.
function M.decode_result(result, opts)
  local state = M.new_stream_state(opts)
  if type(result) ~= "table" then
    state.error = "Invalid response from provider: not a JSON object"
    return M.finish(state)
  end
  local chunk = { id = result.id, model = result.model, usage = result.usage,
                  error = result.error }
  local choice = type(result.choices) == "table" and result.choices[1] or nil
  if type(choice) == "table" then
    local msg = type(choice.message) == "table" and choice.message or {}
    local delta = {}
    for k, v in pairs(msg) do delta[k] = v end
    if type(msg.tool_calls) == "table" then
      local tcs = {}
      for i, tc in ipairs(msg.tool_calls) do
        local t = {}
        for k, v in pairs(tc) do t[k] = v end
        if type(t.index) ~= "number" then t.index = i - 1 end
        tcs[i] = t
      end
      delta.tool_calls = tcs
    end
    local fr = choice.finish_reason
    if fr == nil or fr == json.null then fr = "stop" end
    chunk.choices = { { delta = delta, finish_reason = fr } }
  elseif type(result.error) ~= "table" then
    state.error = "Invalid response from provider: no choices"
  end
  M.decode_chunk(state, chunk)
  return M.finish(state)
end

--- A stateful decoder object for the agent loop:
--   local d = openai_compat.new_decoder{ model =, cost = }
--   for each SSE data: local deltas = d.feed(data_or_table)
--   local result = d.finish()
-- d.done() is true once "[DONE]" was seen.
function M.new_decoder(opts)
  local state = M.new_stream_state(opts)
  return {
    state = state,
    feed = function(chunk) return M.decode_chunk(state, chunk) end,
    done = function() return state.done end,
    finish = function() return M.finish(state) end,
  }
end

return M
