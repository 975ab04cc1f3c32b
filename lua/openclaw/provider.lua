--- openclaw.provider: provider registry, key lookup and the chat
-- transport (HTTP + SSE glue shared by every provider).
--
-- The provider contract. A provider is a Lua module (lua/providers/<id>.lua)
-- with these fields; the agent loop never touches HTTP or wire formats
-- itself:
--
--   P.id                                  "openrouter", "mock", ...
--   P.build_chat(req, ctx) -> request | nil, message
--       req = { model = <ref text>, messages = <neutral messages>,
--               tools = <neutral tools>, thinking = <level or nil>,
--               params = <call params>, stream = true }
--       ctx = { config = <effective config>, api_key =, catalog =,
--               agent_id =, env =, state = <per-agent table> }
--       request = { method, url, headers, body = <Lua table>, api_id,
--                   info, warnings }            (nothing is sent yet)
--   P.stream_decoder(request) -> { feed(data) -> deltas, done() -> bool,
--                                  finish() -> result }
--       deltas and result in the neutral formats documented at the top of
--       providers/openai_compat.lua
--   P.classify_error(status_or_code, body_text, headers, now) -> failure
--       failure = { reason, retryable, failover, retry_after_ms, message,
--                   fix, status, code }
--   P.decode_result(json_table, request) -> result     (optional: a
--       non-streamed JSON reply to a streamed request)
--   P.open(request, opts) -> stream | nil, failure     (optional: the
--       provider produces the stream itself, without HTTP — providers/mock
--       does; `stream` has the methods of an http.stream, see stream_of)
--
-- The registry maps the provider part of a model ref to a module and says
-- whether it needs an API key:
--
--   provider.resolve(ref_text) -> target | nil, message
--       target = { ref = <models.parse_ref result, raw = ref_text>,
--                  spec = <registry entry>, module = P }
--   provider.api_key(target, config, env) -> key | nil, failure
--   provider.chat(target, req, ctx, on_delta) -> outcome
--       ctx also carries transport (a function like http.stream),
--       idle_timeout_ms, connect_timeout_ms, timeout_ms.
--       outcome = { result = <decoder result (partial on failure)>,
--                   failure = nil | failure, delivered = <text reached
--                   on_delta>, request = <built request>, status }
--   provider.set_transport(fn)   replace the HTTP layer for every agent
--       (tests); fn(http_options) -> stream | nil, message, code, where
--       http_options are those of http.stream and the stream has
--       status(), headers(), data(), chunks(), error(), close().
--   provider.stream_of(spec) -> stream   a scripted stream with those
--       methods (fake transports, the mock provider).
--
-- provider.chat never raises for runtime failures (network, HTTP status,
-- malformed data): they come back as outcome.failure. It raises for
-- Ctrl-C (sched.INTERRUPTED) and task cancellation, and lets errors of the
-- on_delta callback through; streams are closed either way.
local json = require("openclaw.json")
local sched = require("openclaw.sched")
local util = require("openclaw.util")

local M = {}

--- Largest error body read from a failed request.
M.MAX_ERROR_BODY = 64 * 1024
--- Largest non-streamed JSON reply read.
M.MAX_JSON_BODY = 32 * 1024 * 1024

local REGISTRY = {
  openrouter = { id = "openrouter", module = "providers.openrouter",
                 label = "OpenRouter", needs_key = true },
  mock = { id = "mock", module = "providers.mock", label = "mock",
           needs_key = false },
}

--- Register (or replace) a provider: spec = { module = <module name or
-- table>, label =, needs_key =, api_key = fn(config, env) -> key | nil }.
-- The id must be one models.parse_ref accepts.
function M.register(id, spec)
  if type(id) ~= "string" or type(spec) ~= "table" then
    error("provider.register: expected an id and a spec table", 2)
  end
  local s = {}
  for k, v in pairs(spec) do s[k] = v end
  s.id = id
  s.label = s.label or id
  REGISTRY[id] = s
end

--- The registry entry of a provider id, or nil.
function M.spec(id)
  return REGISTRY[id]
end

local function load_module(spec)
  if type(spec.module) == "table" then return spec.module end
  local ok, mod = pcall(require, spec.module)
  if not ok then
    return nil, ("cannot load provider module '%s': %s"):format(spec.module,
      tostring(mod):match("^[^\n]*"))
  end
  return mod
end

--- Resolve a model ref to { ref, spec, module }, or nil, message.
function M.resolve(ref_text)
  local models = require("openclaw.models")
  local ref, err = models.parse_ref(ref_text)
  if not ref then return nil, err end
  ref.raw = ref_text
  local spec = REGISTRY[ref.provider]
  if not spec then
    return nil, ("model ref '%s': no provider module for '%s'"):format(
      ref_text, ref.provider)
  end
  local mod, merr = load_module(spec)
  if not mod then return nil, merr end
  return { ref = ref, spec = spec, module = mod }
end

local has_text = util.has_text

--- The API key for a target: nil (no error) when the provider needs
-- none; key; or nil, failure (reason "auth") when none is configured.
function M.api_key(target, cfg, env)
  local spec = target.spec
  if spec.api_key then
    local k = spec.api_key(cfg, env)
    if has_text(k) then return k end
  elseif spec.id == "openrouter" then
    local config = require("openclaw.config")
    local openrouter = target.module
    local k = config.api_key(cfg, env)
    -- a variable name stored in place of a key ("OPENROUTER_API_KEY")
    if k and k:match("^[A-Z][A-Z0-9_]*$") and k:find("KEY", 1, true) then
      k = nil
    end
    if not has_text(k) then k = openrouter.resolve_api_key(cfg, env) end
    if has_text(k) then return k end
  end
  if not spec.needs_key then return nil end
  local msg = target.module.NO_KEY_MESSAGE or ('No API key found for '
    .. 'provider "' .. spec.id .. '".')
  return nil, {
    reason = "auth", retryable = false, failover = false, message = msg,
    fix = "run 'openclaw onboard --auth-choice openrouter-api-key' or set "
      .. "OPENROUTER_API_KEY",
  }
end

-- transport -------------------------------------------------------------------

local default_transport = nil

--- Replace the HTTP layer (nil restores http.stream).
function M.set_transport(fn)
  if fn ~= nil and type(fn) ~= "function" then
    error("provider.set_transport: function or nil expected", 2)
  end
  default_transport = fn
end

local function http_transport(opts)
  return require("openclaw.http").stream(opts)
end

--- A scripted stream with the methods of an http.stream:
-- spec = { status = 200, headers = { lower-case name = value },
--          events = { "data", ..., { sleep = ms } },   -- SSE data strings
--          body = "text",           -- for chunks() (error bodies)
--          fail = { message, code }, -- the stream then ends badly
--          start_delay_ms =, delay_ms = <between events>,
--          open_error = { message, code } }  -- status() fails
-- Sleeps go through the scheduler, so Ctrl-C and cancellation work.
function M.stream_of(spec)
  spec = spec or {}
  local s = { comments = 0, _i = 0, _closed = false, _started = false }
  local function start()
    if not s._started then
      s._started = true
      if (spec.start_delay_ms or 0) > 0 then
        sched.sleep(spec.start_delay_ms)
      end
    end
  end
  local function check()
    if s._closed then error("attempt to use a closed stream", 3) end
  end
  function s:status()
    check(); start()
    if spec.open_error then
      return nil, spec.open_error[1] or spec.open_error.message,
        spec.open_error[2] or spec.open_error.code
    end
    return spec.status or 200
  end
  function s:headers()
    check(); start()
    if spec.open_error then
      return nil, spec.open_error[1] or spec.open_error.message,
        spec.open_error[2] or spec.open_error.code
    end
    return spec.headers or { ["content-type"] = "text/event-stream" }
  end
  local function failed()
    local f = spec.fail
    if f then
      s._err, s._code = f[1] or f.message, f[2] or f.code
      return nil, s._err, s._code
    end
    return nil
  end
  function s:data()
    return function()
      check(); start()
      local events = spec.events or {}
      while true do
        s._i = s._i + 1
        local ev = events[s._i]
        if ev == nil then return failed() end
        if type(ev) == "table" then
          if ev.sleep then sched.sleep(ev.sleep) end
        else
          if (spec.delay_ms or 0) > 0 and s._i > 1 then
            sched.sleep(spec.delay_ms)
          end
          return ev
        end
      end
    end
  end
  s.events = function(self)
    local it = self:data()
    return function()
      local d, m, c = it()
      if not d then return nil, m, c end
      return { data = d }
    end
  end
  function s:chunks()
    local done = false
    return function()
      check(); start()
      if done then return failed() end
      done = true
      if spec.body and spec.body ~= "" then return spec.body end
      return failed()
    end
  end
  function s:error() return s._err, s._code end
  function s:close() s._closed = true end
  return setmetatable(s, { __close = function(x) x:close() end })
end

-- failures ------------------------------------------------------------------

local function label_of(target)
  return target.spec.label or target.spec.id
end

local function classify(target, status, body, headers)
  local P = target.module
  local ok, f = pcall(P.classify_error, status, body, headers)
  if ok and type(f) == "table" then return f end
  return { reason = "unknown", retryable = false, failover = false,
           message = ("%s request failed (%s)"):format(label_of(target),
                                                       tostring(status)) }
end

local function raise_if_stopped(code)
  if code == "interrupted" then error(sched.INTERRUPTED, 0) end
end

local FIX_NETWORK = "retry; if it keeps happening, add fallbacks under "
  .. "agents.defaults.model.fallbacks"

-- A failure for a stream that ended early (drop, stall, no finish).
local function early_end(target, code, msg)
  local f = classify(target, code or "closed", msg)
  if code == nil then
    f.reason, f.retryable, f.failover = "network", true, true
    f.fix = FIX_NETWORK
  end
  f.message = ("%s stream ended before the reply was complete: %s")
    :format(label_of(target), msg or "no finish_reason")
  return f
end

-- A failure for an error chunk received mid-stream.
local function stream_error(target, message, code)
  local status = math.tointeger(tonumber(code))
  local f
  if status then
    f = classify(target, status, json.encode({ error = {
      message = message, code = status } }))
  else
    f = { reason = "unknown", retryable = false, failover = false }
  end
  f.status, f.code = nil, code
  f.message = ("%s reported an error mid-stream%s: %s"):format(
    label_of(target), status and (" (" .. f.reason .. ")") or "", message)
  f.fix = f.fix or "retry; if it keeps happening, try another model"
  return f
end

local FINISH_REASONS = { content_filter = "moderation" }

-- read_body(s, max) - the response body (bounded), never raises except for
-- Ctrl-C
local function read_body(s, max)
  local parts, n = {}, 0
  local it = s:chunks()
  while true do
    local c, _, code = it()
    if not c then raise_if_stopped(code) break end
    parts[#parts + 1] = c
    n = n + #c
    if n >= max then break end
  end
  local body = table.concat(parts)
  if #body > max then body = body:sub(1, max) end
  return body
end

local function header(headers, name)
  if type(headers) ~= "table" then return nil end
  return headers[name]
end

--- Run one model request for target and decode its stream. See the top
-- of this file for ctx and the outcome.
function M.chat(target, req, ctx, on_delta)
  local P = target.module
  ctx = ctx or {}
  local out = { delivered = false }

  local okb, request, berr = pcall(P.build_chat, req, ctx)
  if not okb or not request then
    local msg = okb and berr or tostring(request):match("^[^\n]*")
    out.failure = { reason = "config", retryable = false, failover = false,
      message = tostring(msg),
      fix = "check the model ref, thinking level and params" }
    out.result = { text = "", tool_calls = {} }
    return out
  end
  out.request = request
  local dec = P.stream_decoder(request)

  -- open the stream
  local s, omsg, ocode
  if P.open then
    s, omsg = P.open(request, ctx)
    if not s then
      out.failure = type(omsg) == "table" and omsg or {
        reason = "unknown", retryable = false, failover = false,
        message = tostring(omsg) }
      out.result = dec.finish()
      return out
    end
  else
    local transport = ctx.transport or default_transport or http_transport
    local headers = {}
    for k, v in pairs(request.headers or {}) do headers[k] = v end
    s, omsg, ocode = transport{
      method = request.method or "POST", url = request.url,
      headers = headers, body = json.encode(request.body),
      idle_timeout_ms = ctx.idle_timeout_ms,
      connect_timeout_ms = ctx.connect_timeout_ms,
      timeout_ms = ctx.timeout_ms,
    }
    if not s then
      raise_if_stopped(ocode)
      out.failure = classify(target, ocode or "network", omsg)
      out.result = dec.finish()
      return out
    end
  end
  local stream = s
  local _closer <close> = setmetatable({}, { __close = function()
    stream:close()
  end })

  local status, smsg, scode = stream:status()
  out.status = status
  if not status then
    raise_if_stopped(scode)
    out.failure = classify(target, scode or "network", smsg)
    out.result = dec.finish()
    return out
  end
  local headers = stream:headers() or {}
  if status ~= 200 then
    local body = read_body(stream, M.MAX_ERROR_BODY)
    out.failure = classify(target, status, body, headers)
    out.result = dec.finish()
    return out
  end

  local ctype = tostring(header(headers, "content-type") or ""):lower()
  if ctype:find("json", 1, true) and not ctype:find("event-stream", 1, true)
     and P.decode_result then
    -- a plain JSON reply to a streamed request (some proxies do this)
    local body = read_body(stream, M.MAX_JSON_BODY)
    local v = json.decode(body)
    if type(v) == "table" and type(v.error) == "table" then
      local e = v.error
      out.failure = classify(target, math.tointeger(tonumber(e.code)) or 500,
                             body, headers)
      out.result = dec.finish()
      return out
    end
    local res = P.decode_result(v, request)
    out.result = res
    if res.text ~= "" then
      out.delivered = true
      on_delta({ type = "text", text = res.text })
    end
    if res.stop_reason == "error" then
      out.failure = { reason = "unknown", retryable = false,
        failover = false, message = ("%s sent an unusable reply: %s"):format(
          label_of(target), tostring(res.error)) }
    end
    return out
  end

  if ctype:find("text/html", 1, true) then
    -- a web page, not an API (a wrong base URL, a captive portal)
    out.failure = { reason = "config", retryable = false, failover = false,
      status = status, message = ("%s: %s answered with a web page "
        .. "(content-type %s), not an event stream"):format(label_of(target),
        tostring(request.url), ctype),
      fix = "check the base URL (models.providers.openrouter.baseUrl) and "
        .. "any proxy settings" }
    out.result = dec.finish()
    return out
  end

  local err_delta
  local it = stream:data()
  local stream_msg, stream_code
  local is_done = require("providers.openai_compat").is_done
  while true do
    local data, emsg, ecode = it()
    if not data then
      stream_msg, stream_code = emsg, ecode
      raise_if_stopped(ecode)
      break
    end
    if is_done(data) then break end
    local okf, deltas = pcall(dec.feed, data)
    if not okf then
      deltas = { { type = "error", message = "cannot decode stream data: "
                   .. tostring(deltas) } }
    end
    for i = 1, #deltas do
      local d = deltas[i]
      if d.type == "text" then out.delivered = true end
      if d.type == "error" then err_delta = err_delta or d end
      on_delta(d)
    end
    if err_delta then break end
  end

  local res = dec.finish()
  out.result = res
  if err_delta then
    if err_delta.code == nil and tostring(err_delta.message):find(
       "^Invalid stream chunk") or tostring(err_delta.message):find(
       "^cannot decode") then
      out.failure = { reason = "network", retryable = true, failover = true,
        message = ("%s sent malformed stream data: %s"):format(
          label_of(target), err_delta.message), fix = FIX_NETWORK }
    else
      out.failure = stream_error(target, err_delta.message, err_delta.code)
    end
  elseif stream_msg and not res.finish_reason then
    out.failure = early_end(target, stream_code, stream_msg)
  elseif not res.finish_reason then
    out.failure = early_end(target, nil, "no finish_reason")
  elseif res.stop_reason == "error" then
    out.failure = { reason = FINISH_REASONS[res.finish_reason] or "unknown",
      retryable = false, failover = false,
      message = ("%s: %s"):format(label_of(target), tostring(res.error)),
      fix = res.finish_reason == "content_filter"
        and "rephrase the input or pick another model" or nil }
  end
  return out
end

return M
