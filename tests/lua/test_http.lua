-- openclaw.http against the local test server: real sockets, real libcurl.
local oc = require("openclaw")
local http = require("openclaw.http")
local json = require("openclaw.json")

-- The deterministic body of /test/fixed and friends: byte i is i % 251.
local base = {}
for i = 0, 250 do base[#base + 1] = string.char(i) end
base = table.concat(base)
local function pattern(n)
  return base:rep(n // 251 + 1):sub(1, n)
end

local function expected_text(i, utf8)
  if utf8 then return ("h\u{e9}llo \u{6f22}\u{5b57} \u{1F600} %d"):format(i) end
  return ("hello %d"):format(i)
end

-- read_events(url, opts) -> list of events, err, code
local function read_events(url, opts)
  local o = { url = url }
  for k, v in pairs(opts or {}) do o[k] = v end
  local s <close> = assert(http.stream(o))
  local out = {}
  local it = s:events()
  while true do
    local ev, err, code = it()
    if not ev then return out, err, code, s.comments end
    out[#out + 1] = ev
  end
end

return function(T)
  T.test("GET: status, lower-case headers, body, user agent", function()
    local res = assert(http.request{ url = T.server() .. "/test/echo?x=1" })
    T.eq(res.status, 200)
    T.eq(res.headers["content-type"], "application/json")
    local echo = json.decode(res.body)
    T.eq(echo.method, "GET")
    T.eq(echo.headers["user-agent"], "openclaw/" .. oc.version)
  end)

  T.test("POST body and custom headers arrive intact", function()
    local body = json.encode({ hello = "wörld", n = 3 })
    local res = assert(http.request{ method = "post",
      url = T.server() .. "/test/echo", body = body,
      headers = { ["Content-Type"] = "application/json", ["X-Test"] = 7 } })
    local echo = json.decode(res.body)
    T.eq(echo.method, "POST")
    T.eq(echo.body, body)
    T.eq(echo.headers["x-test"], "7")
  end)

  T.test("repeated response headers are joined", function()
    local res = assert(http.request{ url = T.server() .. "/test/headers" })
    T.eq(res.headers["x-mixed-case"], "MiXeD")
    T.eq(res.headers["x-multi"], "one, two")
    T.eq(res.headers["x-spaces"], "padded value")
  end)

  T.test("HTTP 4xx/5xx are responses, not failures", function()
    for _, code in ipairs({ 400, 401, 404, 429, 500, 503 }) do
      local res = assert(http.request{
        url = T.server() .. "/test/status/" .. code })
      T.eq(res.status, code)
      local body = json.decode(res.body)
      T.eq(body.error.code, code)
    end
  end)

  T.test("fixed-length and chunked bodies", function()
    for _, size in ipairs({ 0, 1, 1000, 65537, 1000003 }) do
      local a = assert(http.request{
        url = T.server() .. "/test/fixed?size=" .. size })
      T.eq(#a.body, size)
      T.ok(a.body == pattern(size), "fixed body content " .. size)
      local b = assert(http.request{
        url = T.server() .. "/test/chunked?chunk=777&size=" .. size })
      T.ok(b.body == pattern(size), "chunked body content " .. size)
    end
  end)

  T.test("gzip bodies are decoded", function()
    local res = assert(http.request{ url = T.server() .. "/test/gzip?size=200000" })
    T.eq(res.headers["content-encoding"], "gzip")
    T.ok(res.body == pattern(200000), "decoded body")
  end)

  T.test("keep-alive reuses the connection", function()
    local a = json.decode(assert(http.request{
      url = T.server() .. "/test/conn" }).body)
    local b = json.decode(assert(http.request{
      url = T.server() .. "/test/conn" }).body)
    T.eq(a.conn_id, b.conn_id, "same server-side connection")
  end)

  T.test("max_body_bytes: too_large, and the host stays usable", function()
    local res, msg, code = http.request{ url = T.server() ..
      "/test/fixed?size=100000", max_body_bytes = 1000 }
    T.eq(res, nil)
    T.eq(code, "too_large")
    T.ok(msg:find("max_body_bytes", 1, true), msg)
    T.ok(http.request{ url = T.server() .. "/test/fixed?size=10" })
  end)

  T.test("timeout_ms fires with code 'timeout'", function()
    local t0 = oc.now()
    local res, _, code = http.request{ url = T.server() ..
      "/test/slow?ms=5000", timeout_ms = 200 }
    T.eq(res, nil)
    T.eq(code, "timeout")
    T.ok(oc.now() - t0 < 2000, "returned promptly")
  end)

  T.test("connection refused gives 'connect'", function()
    local res, msg, code = http.request{ url = "http://127.0.0.1:9/x",
                                         connect_timeout_ms = 2000 }
    T.eq(res, nil)
    T.eq(code, "connect")
    T.ok(type(msg) == "string" and #msg > 0)
  end)

  T.test("a server sending garbage fails cleanly", function()
    local res, _, code = http.request{ url = T.server() .. "/test/garbage",
                                       timeout_ms = 5000 }
    T.eq(res, nil)
    T.ok(code == "protocol" or code == "closed", tostring(code))
  end)

  T.test("misuse raises", function()
    T.raises("expected a table of options", http.request, "http://x")
    T.raises("'url' is required", http.request, {})
    T.raises("must start with http:// or https://", http.request,
             { url = "ftp://example.com/" })
    T.raises("unknown option 'timeout'", http.request,
             { url = "http://127.0.0.1/", timeout = 5 })
    T.raises("option 'timeout_ms' must be a number", http.request,
             { url = "http://127.0.0.1/", timeout_ms = "5" })
    T.raises("invalid name or value", http.request,
             { url = "http://127.0.0.1/", headers = { ["X-A"] = "a\r\nB: c" } })
    T.raises("'method' must be an upper-case HTTP method", http.request,
             { url = "http://127.0.0.1/", method = "GE T" })
  end)

  -- SSE: the same stream cut into 1..7-byte writes, LF / CRLF / CR,
  -- split UTF-8, comments, a BOM.
  for _, split in ipairs({ 1, 2, 3, 4, 5, 6, 7 }) do
    T.test("SSE events cut into " .. split .. "-byte writes", function()
      for _, variant in ipairs({ "crlf=0&utf8=1&comments=1",
                                 "crlf=1&utf8=1", "crlf=cr&bom=1" }) do
        local utf8 = variant:find("utf8=1", 1, true) ~= nil
        local evs, err, _, comments = read_events(T.server() ..
          "/test/sse?events=12&split=" .. split .. "&" .. variant)
        T.eq(err, nil, variant)
        T.eq(#evs, 12, variant)
        for i, ev in ipairs(evs) do
          T.eq(ev.event, "message")
          T.eq(ev.id, tostring(i))
          T.eq(json.decode(ev.data), { i = i, text = expected_text(i, utf8) },
               variant)
        end
        if variant:find("comments=1", 1, true) then T.eq(comments, 12) end
      end
    end)
  end

  T.test("json(): events decoded in place; non-JSON data as false, raw",
         function()
    local s <close> = assert(http.stream{ url = T.server() ..
      "/test/sse?events=30&split=3&utf8=1&done=1" })
    local n, done = 0, false
    for v, raw in s:json() do
      if v then
        n = n + 1
        T.eq(v, { i = n, text = expected_text(n, true) })
        T.ok(json.is_array(v) == false)
      else
        T.eq(v, false)
        T.eq(raw, "[DONE]")
        done = true
      end
    end
    T.eq(n, 30)
    T.ok(done, "[DONE] seen")
    T.eq(s:error(), nil)
  end)

  T.test("json() on a dropped stream ends with the failure", function()
    local s <close> = assert(http.stream{ url = T.server() ..
      "/test/drop?after=4" })
    local it, n = s:json(), 0
    while true do
      local v, msg, code = it()
      if v == nil then
        T.eq(code, "closed")
        T.ok(type(msg) == "string")
        break
      end
      n = n + 1
    end
    T.eq(n, 4)
  end)

  T.test("SSE multi-line data, event names, retry", function()
    local evs = read_events(T.server() ..
      "/test/sse?events=3&multiline=1&event=delta&retry=1500")
    T.eq(#evs, 3)
    T.eq(evs[1].event, "delta")
    T.eq(json.decode(evs[2].data).i, 2)
    T.ok(evs[1].data:find("\n", 1, true), "lines joined with \\n")
  end)

  T.test("status and headers of a stream", function()
    local s <close> = assert(http.stream{ url = T.server() .. "/test/sse?events=2" })
    T.eq(s:status(), 200)
    T.eq(s:headers()["content-type"], "text/event-stream")
    local n = 0
    for _ in s:events() do n = n + 1 end
    T.eq(n, 2)
  end)

  T.test("a dropped connection ends the iterator with 'closed'", function()
    local evs, err, code = read_events(T.server() .. "/test/drop?after=5")
    T.eq(#evs, 5)
    T.eq(code, "closed")
    T.ok(type(err) == "string")
  end)

  T.test("a stalled stream hits idle_timeout_ms, no hang", function()
    local t0 = oc.now()
    local evs, err, code = read_events(T.server() ..
      "/test/stall?after=3&ms=20000", { idle_timeout_ms = 300 })
    T.eq(#evs, 3)
    T.eq(code, "timeout")
    T.ok(err:find("300 ms", 1, true), err)
    T.ok(oc.now() - t0 < 3000, "no hang")
  end)

  T.test("raw chunks", function()
    local s <close> = assert(http.stream{ url = T.server() ..
      "/test/chunked?size=100000&chunk=1000" })
    local parts = {}
    for c in s:chunks() do parts[#parts + 1] = c end
    T.ok(table.concat(parts) == pattern(100000), "raw bytes")
    T.raises("delivers raw chunks, not events", function()
      return s:events()()
    end)
  end)

  T.test("close is idempotent; use after close raises", function()
    local s = assert(http.stream{ url = T.server() .. "/test/stall?after=1" })
    T.ok(s:events()())
    s:close()
    s:close()
    T.raises("closed stream", function() return s:status() end)
  end)

  T.test("<close> cancels a live stream", function()
    do
      local s <close> = assert(http.stream{ url = T.server() ..
        "/test/stall?after=1&ms=20000" })
      T.ok(s:events()())
    end
    -- the runner checks that no transfer is left open
  end)

  T.test("HTTP error status on a stream keeps its body", function()
    local s <close> = assert(http.stream{ url = T.server() .. "/test/status/429" })
    T.eq(s:status(), 429)
    local body = {}
    for c in s:chunks() do body[#body + 1] = c end
    T.eq(json.decode(table.concat(body)).error.code, 429)
  end)

  T.test("a 50 MB stream arrives whole with bounded memory", function()
    local s <close> = assert(http.stream{ url = T.server() ..
      "/test/sse_big?mb=50" })
    local expected = tonumber(s:headers()["x-event-count"])
    local n, bytes = 0, 0
    for d in s:data() do
      n = n + 1
      bytes = bytes + #d
    end
    T.eq(s:error(), nil)
    T.ok(n >= expected, ("events %d, expected >= %d"):format(n, expected))
    T.ok(bytes > 45e6, "bytes " .. bytes)
    local f = io.open("/proc/self/status")
    local status = f:read("a")
    f:close()
    local hwm = tonumber(status:match("VmHWM:%s*(%d+)"))
    -- (sanitizer builds keep freed memory in quarantine: no RSS check)
    if not os.getenv("OPENCLAW_SANITIZE") then
      T.ok(hwm < 200 * 1024, "peak RSS " .. hwm .. " kB")
    end
  end)

  T.test("100 concurrent streams in one host", function()
    local fns = {}
    for k = 1, 100 do
      fns[k] = function()
        local evs, err = read_events(T.server() ..
          "/test/sse?events=20&split=7&utf8=1")
        assert(err == nil, err)
        assert(#evs == 20, "stream " .. k .. " got " .. #evs)
        return #evs
      end
    end
    local results = { oc.all(fns) }
    T.eq(#results, 100)
  end)

  T.test("concurrent requests overlap in time", function()
    local t0 = oc.now()
    oc.all{
      function() return http.request{ url = T.server() .. "/test/slow?ms=300" } end,
      function() return http.request{ url = T.server() .. "/test/slow?ms=300" } end,
      function() return http.request{ url = T.server() .. "/test/slow?ms=300" } end,
    }
    T.ok(oc.now() - t0 < 800, "took " .. (oc.now() - t0))
  end)

  T.test("cancelling a task closes its transfer", function()
    local t = oc.spawn(function()
      return http.request{ url = T.server() .. "/test/slow?ms=10000" }
    end)
    oc.sleep(50)
    t:cancel()
    T.raises("cancelled", t.wait, t)
  end)
end
