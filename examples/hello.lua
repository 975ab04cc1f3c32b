-- Tasks: plain sequential code that runs concurrently.
--   openclaw run examples/tasks.lua
local oc = require("openclaw")

local t0 = oc.now()
local function work(name, ms)
  oc.sleep(ms)                       -- suspends only this task
  return ("%s after %d ms"):format(name, ms)
end

-- three "requests" at once: the whole thing takes ~300 ms, not 600
local a, b, c = oc.all{
  function() return work("first", 300) end,
  function() return work("second", 200) end,
  function() return work("third", 100) end,
}
print(a, b, c)
print(("all done in %.0f ms"):format(oc.now() - t0))

-- a background task you can cancel
local ticker = oc.spawn(function()
  for i = 1, math.huge do
    oc.sleep(50)
    io.write("tick ", i, "\n")
  end
end)
oc.sleep(180)
ticker:cancel()
pcall(ticker.wait, ticker)          -- raises "cancelled"; we expect that
print("ticker:", ticker:status())
