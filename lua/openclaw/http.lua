--- openclaw.http: HTTP requests and streams for tasks.
--
--   local res, msg, code = http.request{ method = "POST", url = ...,
--     headers = {...}, body = "...", timeout_ms = 30000,
--     connect_timeout_ms = 10000, max_body_bytes = 1e6 }
--   -- res = { status = 200, headers = { ["content-type"] = ... },
--   --         body = "..." }; an HTTP error status is a response too.
--   -- network failure: nil, message, code ("timeout", "connect", "dns",
--   -- "tls", "closed", "too_large", "cancelled", "interrupted", ...)
--
--   local s <close> = http.stream{ ..., idle_timeout_ms = 30000 }
--   s:status(); s:headers()             -- wait for the response head
--   for ev in s:events() do ... end    -- {event, data, id, retry}
--   for chunk in s:chunks() do ... end -- raw bytes
--   s.comments                         -- SSE comment lines seen
--
-- Both run on the host's libcurl multi handle: keep-alive reuse, HTTP/2,
-- gzip/brotli, proxies from the environment, TLS verification always on.
local core = require("openclaw.core.http")
local sched = require("openclaw.sched")

local wait = sched.wait

local M = {}

local FIELDS = {
  method = "string", url = "string", headers = "table", body = "string",
  timeout_ms = "number", connect_timeout_ms = "number",
  max_body_bytes = "number", idle_timeout_ms = "number",
  max_event_bytes = "number",
}

-- options() - validate the user's table (misuse raises) and copy it
local function options(fn, opts, stream)
  if type(opts) ~= "table" then
    error(("http.%s: expected a table of options, got %s"):format(
      fn, type(opts)), 3)
  end
  local o = {}
  for k, v in pairs(opts) do
    local want = FIELDS[k]
    if not want then
      error(("http.%s: unknown option '%s'"):format(fn, tostring(k)), 3)
    end
    if type(v) ~= want then
      error(("http.%s: option '%s' must be a %s, got %s"):format(
        fn, k, want, type(v)), 3)
    end
    o[k] = v
  end
  if not o.url then error(("http.%s: 'url' is required"):format(fn), 3) end
  if o.method then o.method = o.method:upper() end
  o.stream = stream
  return o
end

--- Perform a request and return the whole response.
function M.request(opts)
  local o = options("request", opts, false)
  local t, msg, code = core.new(o)
  if not t then return nil, msg, code end
  local x <close> = t
  while x:state() == "active" do wait(x) end
  if x:state() == "failed" then return nil, x:error() end
  local status, headers = x:head()
  return { status = status, headers = headers, body = x:body() }
end

-- Stream ------------------------------------------------------------------
local Stream = {}
Stream.__name = "openclaw.http.stream"

local methods = {}

-- head() - wait for the response head; status, headers | nil, msg, code
local function head(self)
  local x = self._x
  if self._closed then error("attempt to use a closed stream", 3) end
  while true do
    local status, headers = x:head()
    if status then return status, headers end
    local st = x:state()
    if st == "failed" then return nil, x:error() end
    if st ~= "active" then return nil, "stream ended", "closed" end
    wait(x)
  end
end

--- HTTP status of the response (waits for it), or nil, message, code.
function methods:status()
  local status, h, c = head(self)
  if status then return status end
  return nil, h, c
end

--- Response headers (lower-case names), or nil, message, code.
function methods:headers()
  local status, h, c = head(self)
  if status then return h end
  return nil, h, c
end

--- The failure of a stream that ended badly: message, code (else nil).
function methods:error()
  return self._err, self._code
end

-- next_item(self, getter) - the next queued item, waiting as needed
local function next_item(self, get)
  local x = self._x
  if self._closed then error("attempt to use a closed stream", 3) end
  while true do
    local a, b, c, d = get(x)
    if a ~= nil then return a, b, c, d end
    local st = x:state()
    if st == "failed" then
      local msg, code = x:error()
      self._err, self._code = msg, code
      return nil, msg, code
    elseif st ~= "active" then
      return nil
    end
    wait(x)
  end
end

local function get_event(x) return x:next_event() end

--- Iterator of SSE events: {event=, data=, id=, retry=}. Ends with nil on
-- a clean end, or nil, message, code when the stream failed or stalled.
function methods:events()
  local x = self._x
  local nxt = x.next_event
  return function()
    local data, ev, id, retry = nxt(x)
    if not data then
      data, ev, id, retry = next_item(self, get_event)
      if not data then return nil, ev, id end
    end
    return { event = ev, data = data, id = id, retry = retry }
  end
end

--- Fast iterator of SSE event data strings only (no table per event).
function methods:data()
  local x = self._x
  local nxt = x.next_event
  return function()
    local d = nxt(x)
    if d then return d end
    return next_item(self, nxt)
  end
end

--- Iterator of the SSE events' data decoded as JSON, in C, without
-- making a data string first: yields the decoded value, or `false, data`
-- for data that is not JSON (e.g. "[DONE]"). The fastest way to read a
-- chat-completions stream.
function methods:json()
  require("openclaw.core.json")   -- the decoder the C side uses
  local x = self._x
  local nxt = x.next_json
  local function get(t) return nxt(t) end
  return function()
    local v, raw = nxt(x)
    if v ~= nil then return v, raw end
    return next_item(self, get)
  end
end

--- Iterator of raw body chunks (strings).
function methods:chunks()
  return function()
    return next_item(self, function(x) return x:next_chunk() end)
  end
end

--- Close the stream (idempotent); cancels the transfer if still running.
function methods:close()
  if not self._closed then
    self._closed = true
    self._x:close()
  end
end

Stream.__index = function(self, k)
  if k == "comments" then
    return self._closed and (rawget(self, "_comments") or 0)
      or self._x:comments()
  end
  return methods[k]
end
Stream.__close = function(self) self:close() end
Stream.__gc = Stream.__close
Stream.__tostring = function(self)
  return "openclaw.http.stream (" .. (self._closed and "closed" or
    self._x:state()) .. ")"
end

do
  local close = methods.close
  methods.close = function(self)
    if not self._closed then
      rawset(self, "_comments", self._x:comments())
    end
    return close(self)
  end
end

--- Start a streaming request; returns a stream or nil, message, code.
function M.stream(opts)
  local o = options("stream", opts, true)
  local t, msg, code = core.new(o)
  if not t then return nil, msg, code end
  return setmetatable({ _x = t }, Stream)
end

M.curl_version = core.curl_version

return M
