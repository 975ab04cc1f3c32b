-- stream_bench.lua - SSE streaming throughput of the Lua client loop.
--
-- Run: build/openclaw run bench/stream_bench.lua BASE_URL [MODE...]
--   BASE_URL  of bench_sse_server (e.g. http://127.0.0.1:41234)
--   MODE      any of the modes below (default: data events); a mode may
--             carry a repeat count, "data*3" = best of 3 runs
--
-- Each mode reads the server's whole /stream (500,000 chat-completion
-- chunk events, ~153 MB) over loopback and times it with the monotonic
-- clock (wall) and os.clock() (CPU of the whole process, both threads of
-- work - libcurl's and Lua's - run on this one thread):
--   data     the headline loop:  for data in s:data() do json.decode ...
--            delta.content -> parts; table.concat(parts) at the end
--   json     the same loop over s:json(): each event's data is decoded
--            in C straight from the stream queue (no data string)
--   events   the same loop over s:events() (one event table per event)
--   chunks   s:chunks() only: raw bytes reach Lua (no SSE parse)
--   iterate  s:data() only: parsed events reach Lua, nothing decoded
--   decode   s:data() + json.decode, the result dropped (no extraction)
--   extract  s:data() + json.decode + delta.content, nothing kept (the
--            headline loop without its growing parts table)
--   decode_mem  json.decode alone over 50,000 data strings in memory
--            (collected from the stream first), 10 passes
-- Every streaming mode checks the totals against the server's /info.
-- BENCH_GC=generational in the environment switches Lua's collector to
-- generational mode first (default: Lua's incremental mode).
-- Lines starting "ROW|" are rows for bench/run.sh's table:
--   ROW|benchmark|figure|target|met
local oc = require("openclaw")
local http = require("openclaw.http")
local json = require("openclaw.json")

local base = assert(arg[1], "usage: stream_bench.lua BASE_URL [MODE...]")
local TARGET = 500000 -- decoded events/s in Lua

if os.getenv("BENCH_GC") == "generational" then
  collectgarbage("generational")
end

local clock, now, decode, concat = os.clock, oc.now, json.decode,
  table.concat

local function get_info()
  local res = assert(http.request{ url = base .. "/info" })
  return assert(decode(res.body))
end
local info = get_info()
local EVENTS = info.events + 2 -- chunks + the final chunk + [DONE]

local function open()
  local s, msg = http.stream{ url = base .. "/stream", timeout_ms = 120000 }
  assert(s, msg)
  return s
end

-- Each mode function returns the number of events seen (and for the
-- decoding modes the concatenated text); timing is around it.
local modes = {}

function modes.data()
  local s <close> = open()
  local parts, n = {}, 0
  for data in s:data() do
    n = n + 1
    if data ~= "[DONE]" then
      local c = decode(data)
      local d = c.choices[1].delta.content
      if d then parts[#parts + 1] = d end
    end
  end
  assert(not s:error(), s:error())
  return n, concat(parts)
end

function modes.json()
  local s <close> = open()
  local parts, n = {}, 0
  for c, raw in s:json() do
    n = n + 1
    if c then
      local d = c.choices[1].delta.content
      if d then parts[#parts + 1] = d end
    else
      assert(raw == "[DONE]", "json: unexpected non-JSON event")
    end
  end
  assert(not s:error(), s:error())
  return n, concat(parts)
end

function modes.events()
  local s <close> = open()
  local parts, n = {}, 0
  for ev in s:events() do
    n = n + 1
    local data = ev.data
    if data ~= "[DONE]" then
      local c = decode(data)
      local d = c.choices[1].delta.content
      if d then parts[#parts + 1] = d end
    end
  end
  assert(not s:error(), s:error())
  return n, concat(parts)
end

function modes.chunks()
  local s <close> = open()
  local bytes = 0
  for chunk in s:chunks() do bytes = bytes + #chunk end
  assert(not s:error(), s:error())
  assert(bytes == info.bytes, "chunks: byte count mismatch")
  return EVENTS -- not counted; the bytes were checked
end

function modes.iterate()
  local s <close> = open()
  local n = 0
  for _ in s:data() do n = n + 1 end
  assert(not s:error(), s:error())
  return n
end

function modes.decode()
  local s <close> = open()
  local n = 0
  for data in s:data() do
    n = n + 1
    if data ~= "[DONE]" then decode(data) end
  end
  assert(not s:error(), s:error())
  return n
end

function modes.extract()
  local s <close> = open()
  local n, chars = 0, 0
  for data in s:data() do
    n = n + 1
    if data ~= "[DONE]" then
      local c = decode(data)
      local d = c.choices[1].delta.content
      if d then chars = chars + #d end
    end
  end
  assert(not s:error(), s:error())
  assert(chars == info.content_chars, "extract: content mismatch")
  return n
end

local function run_stream(name, reps)
  local best, worst
  for _ = 1, reps do
    collectgarbage()
    local t0, c0 = now(), clock()
    local n, text = modes[name]()
    local wall, cpu = (now() - t0) / 1000, clock() - c0
    assert(n == EVENTS, ("%s: %d events, expected %d"):format(name, n,
      EVENTS))
    if text then
      assert(#text == info.content_chars, ("%s: %d content chars, " ..
        "expected %d"):format(name, #text, info.content_chars))
    end
    local r = { wall = wall, cpu = cpu, rate = n / wall,
                mbs = info.bytes / wall / 1e6 }
    print(("  %-9s %6.3f s wall %6.3f s cpu  %9.0f events/s %7.1f MB/s")
      :format(name, wall, cpu, r.rate, r.mbs))
    if not best or r.rate > best.rate then best = r end
    if not worst or r.rate < worst.rate then worst = r end
  end
  best.reps, best.worst = reps, worst.rate
  return best
end

local function decode_mem(reps)
  local s <close> = open()
  local keep, n = {}, 0
  for data in s:data() do
    n = n + 1
    if n <= 50000 then keep[n] = data end
  end
  local bytes = 0
  for i = 1, #keep do bytes = bytes + #keep[i] end
  local best
  for _ = 1, reps do
    collectgarbage()
    local c0 = clock()
    for _ = 1, 10 do
      for i = 1, #keep do decode(keep[i]) end
    end
    local cpu = clock() - c0
    local rate = 10 * #keep / cpu
    print(("  %-9s %6.3f s cpu  %9.0f decodes/s %7.1f MB/s (data bytes)")
      :format("decode_mem", cpu, rate, 10 * bytes / cpu / 1e6))
    if not best or rate > best.rate then best = { rate = rate, cpu = cpu } end
  end
  return best
end

local function row(bench, figure, target, met)
  print(("ROW|%s|%s|%s|%s"):format(bench, figure, target,
    met == nil and "-" or (met and "yes" or "NO")))
end

local list = { ... }
table.remove(list, 1)
if #list == 0 then list = { "data", "events" } end

print(("stream: %d events, %.1f MB of SSE body from %s/stream, %s GC")
  :format(info.events, info.bytes / 1e6, base,
          os.getenv("BENCH_GC") == "generational" and "generational" or
          "incremental"))
local results = {}
for _, spec in ipairs(list) do
  local name, reps = spec:match("^([%w_]+)%*?(%d*)$")
  reps = tonumber(reps) or 1
  if name == "decode_mem" then
    results[name] = decode_mem(reps)
  elseif modes[name] then
    results[name] = run_stream(name, reps)
  else
    error("unknown mode " .. tostring(spec))
  end
end

local function fmt_rate(r)
  if r.reps > 1 then
    return ("%.0f events/s, %.0f MB/s (best of %d; worst %.0f)"):format(
      r.rate, r.mbs, r.reps, r.worst)
  end
  return ("%.0f events/s, %.0f MB/s"):format(r.rate, r.mbs)
end
if results.data then
  row("stream: s:data() + json.decode loop", fmt_rate(results.data),
      ">= 500000 events/s", results.data.rate >= TARGET)
end
if results.json then
  row("stream: s:json() loop (decoded in C, in place)",
      fmt_rate(results.json), ">= 500000 events/s",
      results.json.rate >= TARGET)
end
if results.events then
  row("stream: s:events() + json.decode loop", fmt_rate(results.events),
      ">= 500000 events/s", results.events.rate >= TARGET)
end
if results.chunks then
  row("stream: s:chunks() only (bytes into Lua)",
      ("%.0f MB/s"):format(results.chunks.mbs), "(breakdown)", nil)
end
local steps = {
  iterate = "s:data() only, no decode",
  decode = "s:data() + json.decode, result dropped",
  extract = "s:data() + decode + delta.content, nothing kept",
}
for _, name in ipairs({ "iterate", "decode", "extract" }) do
  if results[name] then
    row("stream: " .. steps[name], fmt_rate(results[name]), "(breakdown)",
        nil)
  end
end
if results.decode_mem then
  row("json.decode of stream events, in memory",
      ("%.0f decodes/s"):format(results.decode_mem.rate), "(breakdown)",
      nil)
end
