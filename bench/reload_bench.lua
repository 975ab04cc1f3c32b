--- bench/reload_bench.lua - hot reload: time from a file save to the new
-- config being in force, and the CPU the watcher uses while idle.
--
--   build/openclaw run bench/reload_bench.lua [SAVES=50]
--
-- 1. In this process: openclaw.reload watches a temporary state folder;
--    each of SAVES saves changes agents.defaults.model.primary in
--    openclaw.json (odd saves: write a temporary file and rename it over,
--    as editors do; even saves: truncate and write in place). The time
--    runs from just before the save starts to the moment on_reload runs
--    (the new table is then what openclaw.config() returns). Includes
--    the coalescing pause (openclaw.reload.QUIET_MS).
-- 2. A real `openclaw chat` idle at its prompt (stdin a pipe that stays
--    open, hot reload on) for 2 s: user+system CPU from /proc/PID/stat,
--    and wake-ups (voluntary context switches, /proc/PID/status).
--
-- Prints the figures, then one line:
--   reload: saves=N median_ms=.. p90_ms=.. max_ms=.. rename_median_ms=..
--   truncate_median_ms=.. idle_cpu_ms=.. idle_wakeups=.. idle_s=2
local oc = require("openclaw")
local json = require("openclaw.json")
local reload = require("openclaw.reload")

local SAVES = tonumber(arg and arg[1]) or 50
local here = debug.getinfo(1, "S").source:gsub("^@", "")
if here:sub(1, 1) ~= "/" then
  here = require("lfs").currentdir() .. "/" .. here
end
local root = here:match("^(.*)/bench/[^/]*$")
local bin = os.getenv("OPENCLAW_BIN") or (root .. "/build/openclaw")

local function sh(cmd)
  local p = io.popen(cmd, "r")
  local out = p:read("a")
  p:close()
  return (out:gsub("%s+$", ""))
end
local function q(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

local dir = sh("mktemp -d /tmp/openclaw-reload-bench.XXXXXX")
local path = dir .. "/openclaw.json"

local function text(i)
  return json.encode({ agents = { defaults = { model = {
    primary = "openrouter/bench/model-" .. i } } } }) .. "\n"
end

local function save(i)
  if i % 2 == 1 then
    local tmp = path .. ".tmp"
    local f = assert(io.open(tmp, "w"))
    f:write(text(i))
    f:close()
    assert(os.rename(tmp, path))
  else
    local f = assert(io.open(path, "w"))
    f:write(text(i))
    f:close()
  end
end

local function median(t)
  local s = { table.unpack(t) }
  table.sort(s)
  local n = #s
  if n == 0 then return 0 end
  if n % 2 == 1 then return s[(n + 1) // 2] end
  return (s[n // 2] + s[n // 2 + 1]) / 2
end
local function pct(t, p)
  local s = { table.unpack(t) }
  table.sort(s)
  return s[math.max(1, math.ceil(#s * p))]
end

-- 1. save -> in force -------------------------------------------------------
save(0)
local env = { HOME = dir, OPENCLAW_STATE_DIR = dir }
assert(reload.start{ load = { env = env }, out = function() end,
                     lua_path = {} })
assert(reload.active(), "hot reload is not watching (no inotify?)")
local seen_at, seen_model
reload.on_reload(function(cfg)
  seen_at = oc.now()
  seen_model = cfg.agents.defaults.model.primary
end)

local all, renamed, truncated = {}, {}, {}
for i = 1, SAVES do
  oc.sleep(30)                         -- keep saves apart: no coalescing
  seen_at = nil
  local want = "openrouter/bench/model-" .. i
  local t0 = oc.now()
  save(i)
  local deadline = t0 + 5000
  while seen_model ~= want and oc.now() < deadline do oc.sleep(1) end
  if seen_model ~= want then
    error(("save %d: the new config was not in force after 5 s"):format(i))
  end
  assert(reload.config().agents.defaults.model.primary == want)
  local ms = seen_at - t0
  all[#all + 1] = ms
  if i % 2 == 1 then renamed[#renamed + 1] = ms
  else truncated[#truncated + 1] = ms end
end
reload.stop()

print(("save -> in force, %d saves: median %.1f ms, p90 %.1f ms, " ..
  "max %.1f ms (rename-save %.1f, truncate-write %.1f; coalescing " ..
  "pause %d ms)"):format(SAVES, median(all), pct(all, 0.9), pct(all, 1),
  median(renamed), median(truncated), reload.QUIET_MS))

-- 2. idle CPU of a chat at its prompt ---------------------------------------
local function cpu_ticks(pid)
  local f = io.open("/proc/" .. pid .. "/stat")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  local rest = s:match("%) (.*)$")
  local fields = {}
  for w in rest:gmatch("%S+") do fields[#fields + 1] = w end
  -- utime and stime are fields 14 and 15 of stat; 12 and 13 after ")"
  return tonumber(fields[12]) + tonumber(fields[13])
end

-- wake-ups: voluntary context switches (each blocking wait that returns)
local function switches(pid)
  local f = io.open("/proc/" .. pid .. "/status")
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return tonumber(s:match("voluntary_ctxt_switches:%s*(%d+)"))
end

local hz = tonumber(sh("getconf CLK_TCK")) or 100
local pid = sh(("cd %s && (sleep 6 | env -u OPENCLAW_LUA_PATH HOME=%s " ..
  "OPENCLAW_STATE_DIR=%s %s chat --model mock/echo >/dev/null " ..
  "2>%s/chat.err & echo $!)"):format(q(dir), q(dir), q(dir), q(bin),
  q(dir)))
oc.sleep(1000)                         -- start-up done, waiting at input
local c0, s0 = cpu_ticks(pid), switches(pid)
local IDLE_S = 2
oc.sleep(IDLE_S * 1000)
local c1, s1 = cpu_ticks(pid), switches(pid)
local idle_ms, wakeups
if c0 and c1 then
  idle_ms = (c1 - c0) * 1000 / hz
  wakeups = s0 and s1 and s1 - s0
  print(("idle chat (hot reload on) for %d s: %.0f ms of CPU " ..
    "(clock tick %.0f ms), %s wake-ups"):format(IDLE_S, idle_ms, 1000 / hz,
    tostring(wakeups)))
else
  print("idle chat: could not read /proc/" .. pid .. "/stat; see " ..
        dir .. "/chat.err")
end
os.execute("kill " .. pid .. " 2>/dev/null")
os.execute("rm -rf " .. q(dir))

print(("reload: saves=%d median_ms=%.1f p90_ms=%.1f max_ms=%.1f " ..
  "rename_median_ms=%.1f truncate_median_ms=%.1f idle_cpu_ms=%s " ..
  "idle_wakeups=%s idle_s=%d"):format(SAVES, median(all), pct(all, 0.9),
  pct(all, 1), median(renamed), median(truncated),
  idle_ms and ("%.0f"):format(idle_ms) or "NA", tostring(wakeups or "NA"),
  IDLE_S))
