-- scale_bench.lua - many concurrent slow streams in one host.
--
-- Run: build/openclaw run bench/scale_bench.lua BASE_URL [STREAMS [EVENTS
--      [GAP_MS]]]   (defaults 1000 20 100)
--
-- Spawns STREAMS tasks; each reads BASE_URL/slow?events=EVENTS&gap_ms=GAP
-- from bench_sse_server with the same loop as the streaming benchmark
-- (s:data() + json.decode, deltas collected and concatenated), so every
-- stream is open for about (EVENTS - 1) * GAP_MS. At the end it prints
-- the peak RSS of this process (VmHWM from /proc/self/status), the CPU
-- time it used (user + sys from /proc/self/stat, and os.clock()), the wall
-- time, and the most streams that were open at once (counted in Lua:
-- status received, [DONE] not yet). The run fails if any stream fails or
-- comes back short. Lines starting "ROW|" are rows for bench/run.sh.
local oc = require("openclaw")
local http = require("openclaw.http")
local json = require("openclaw.json")

local base = assert(arg[1], "usage: scale_bench.lua BASE_URL [STREAMS " ..
  "[EVENTS [GAP_MS]]]")
local STREAMS = math.tointeger(tonumber(arg[2]) or 1000)
local EVENTS = math.tointeger(tonumber(arg[3]) or 20)
local GAP = math.tointeger(tonumber(arg[4]) or 100)
local TARGET_KB = 64 * 1024

local function status_kb(field)
  local f = assert(io.open("/proc/self/status"))
  local text = f:read("a")
  f:close()
  return tonumber(text:match(field .. ":%s*(%d+)"))
end

-- user + sys CPU seconds of this process from /proc/self/stat
local function cpu_stat()
  local f = assert(io.open("/proc/self/stat"))
  local text = f:read("a")
  f:close()
  -- fields after the ")" that closes comm: state is field 3; utime and
  -- stime are fields 14 and 15
  local rest = text:match("%) (.*)$")
  local fields = {}
  for w in rest:gmatch("%S+") do fields[#fields + 1] = w end
  local utime, stime = tonumber(fields[12]), tonumber(fields[13])
  local hz = 100 -- USER_HZ: 100 on every Linux architecture we run on
  return utime / hz, stime / hz
end

local url = ("%s/slow?events=%d&gap_ms=%d"):format(base, EVENTS, GAP)
local open_now, open_peak, failures, done = 0, 0, 0, 0
local first_err

local function one()
  local s, msg = http.stream{ url = url, timeout_ms = 120000,
                              connect_timeout_ms = 30000 }
  if not s then
    failures = failures + 1
    first_err = first_err or msg
    return
  end
  local st, serr = s:status()
  if st ~= 200 then
    failures = failures + 1
    first_err = first_err or ("status " .. tostring(st or serr))
    s:close()
    return
  end
  open_now = open_now + 1
  if open_now > open_peak then open_peak = open_now end
  local parts, n = {}, 0
  for data in s:data() do
    n = n + 1
    if data ~= "[DONE]" then
      local c = json.decode(data)
      local d = c.choices[1].delta.content
      if d then parts[#parts + 1] = d end
    end
  end
  open_now = open_now - 1
  local text = table.concat(parts)
  local err = s:error()
  s:close()
  if err or n ~= EVENTS + 2 or #text ~= 8 * EVENTS then
    failures = failures + 1
    first_err = first_err or err or ("short stream: %d events"):format(n)
    return
  end
  done = done + 1
end

local rss0 = status_kb("VmRSS")
local u0, s0 = cpu_stat()
local c0 = os.clock()
local t0 = oc.now()
local tasks = {}
for i = 1, STREAMS do tasks[i] = oc.spawn(one) end
for i = 1, STREAMS do tasks[i]:wait() end
local wall = (oc.now() - t0) / 1000
local cpu_clock = os.clock() - c0
local u1, s1 = cpu_stat()
local hwm = status_kb("VmHWM")

print(("scale: %d streams x %d events, %d ms apart, from %s"):format(
  STREAMS, EVENTS, GAP, url))
print(("  completed %d, failed %d%s; at most %d open at once"):format(done,
  failures, first_err and (" (first: " .. tostring(first_err) .. ")") or "",
  open_peak))
print(("  wall %.2f s (a single stream takes %.2f s)"):format(wall,
  (EVENTS - 1) * GAP / 1000))
print(("  cpu  %.2f s user + %.2f s sys = %.2f s (os.clock %.2f s)")
  :format(u1 - u0, s1 - s0, (u1 - u0) + (s1 - s0), cpu_clock))
print(("  rss  %.1f MB before the streams, peak (VmHWM) %.1f MB, " ..
  "%.1f kB per stream above the start"):format(rss0 / 1024, hwm / 1024,
  (hwm - rss0) / STREAMS))

local ok = failures == 0
print(("ROW|scale: %d slow streams, peak RSS%s|%.1f MB|< 64 MB|%s"):format(
  STREAMS, ok and "" or " (FAILED STREAMS)", hwm / 1024,
  (ok and hwm < TARGET_KB) and "yes" or "NO"))
print(("ROW|scale: %d slow streams, CPU (user+sys)|%.2f s|-|-"):format(
  STREAMS, (u1 - u0) + (s1 - s0)))
print(("ROW|scale: %d slow streams, wall (open %d at once)|%.2f s|-|-")
  :format(STREAMS, open_peak, wall))
if not ok then os.exit(1) end
