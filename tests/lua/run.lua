--- Lua test runner: `openclaw run tests/lua/run.lua [FILTER...]`.
--
-- Loads every tests/lua/test_*.lua (or those whose name contains one of
-- the FILTER words), runs each test as its own task, and checks after each
-- test that no transfer was left open. Ends with `N passed, N failed`;
-- exit status 1 when anything failed.
local oc = require("openclaw")
local loop = require("openclaw.core.loop")
local lfs = require("lfs")

local here = debug.getinfo(1, "S").source:gsub("^@", "")
local dir = here:match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path
local T = require("testlib")

local filters = { ... }
local files = {}
for name in lfs.dir(dir) do
  if name:match("^test_.*%.lua$") then
    local keep = #filters == 0
    for _, f in ipairs(filters) do
      if name:find(f, 1, true) then keep = true end
    end
    if keep then files[#files + 1] = name end
  end
end
table.sort(files)

local passed, failed = 0, 0
local failures = {}
local verbose = os.getenv("VERBOSE")

for _, file in ipairs(files) do
  local tests = {}
  T.test = function(name, fn) tests[#tests + 1] = { name, fn } end
  local chunk, err = loadfile(dir .. "/" .. file, "t")
  local ok, reg = false, err
  if chunk then ok, reg = pcall(chunk) end
  if ok and type(reg) == "function" then ok, err = pcall(reg, T) end
  if not ok or (type(reg) ~= "function") then
    failed = failed + 1
    failures[#failures + 1] = file .. ": cannot load: " ..
      tostring(err or reg)
    io.write("not ok - ", file, ": cannot load\n   ", tostring(err or reg),
             "\n")
  end
  for _, t in ipairs(tests) do
    local name, fn = t[1], t[2]
    local live0 = loop.live()
    local t0 = oc.now()
    local task = oc.spawn(fn)
    local tok, terr = pcall(task.wait, task)
    if tok then
      collectgarbage()
      collectgarbage()
      if loop.live() ~= live0 then
        tok = false
        terr = ("left %d transfer(s) open"):format(loop.live() - live0)
      end
    else
      local _, tb = task:error()
      if verbose and tb then terr = tb end
    end
    T._cleanup()
    local label = file:gsub("%.lua$", "") .. ": " .. name
    if tok then
      passed = passed + 1
      io.write("ok - ", label, verbose and
        (" (%.0f ms)"):format(oc.now() - t0) or "", "\n")
    else
      failed = failed + 1
      failures[#failures + 1] = label .. "\n   " .. tostring(terr)
      io.write("not ok - ", label, "\n   ", tostring(terr), "\n")
    end
    io.stdout:flush()
  end
end
T._stop_server()

if #failures > 0 then
  io.write("\nfailures:\n")
  for _, f in ipairs(failures) do io.write("  ", f, "\n") end
end
io.write(("%d passed, %d failed\n"):format(passed, failed))
io.stdout:flush()
os.exit(failed == 0 and 0 or 1)
