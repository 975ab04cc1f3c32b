-- Tasks, sleep, all, cancel: the scheduler.
local oc = require("openclaw")

return function(T)
  T.test("spawn + wait returns the results", function()
    local t = oc.spawn(function(a, b) return a + b, "x" end, 2, 3)
    local s, x = t:wait()
    T.eq(s, 5)
    T.eq(x, "x")
    T.eq(t:status(), "done")
  end)

  T.test("wait re-raises the task's error", function()
    local t = oc.spawn(function() error("kaput") end)
    T.raises("kaput", t.wait, t)
    T.eq(t:status(), "failed")
  end)

  T.test("sleep blocks only the calling task", function()
    local order = {}
    local a = oc.spawn(function() oc.sleep(40) order[#order + 1] = "a" end)
    local b = oc.spawn(function() oc.sleep(10) order[#order + 1] = "b" end)
    a:wait()
    b:wait()
    T.eq(order, { "b", "a" })
  end)

  T.test("all runs concurrently and keeps order", function()
    local t0 = oc.now()
    local x, y, z = oc.all{
      function() oc.sleep(60) return 1 end,
      function() oc.sleep(60) return 2 end,
      function() return 3 end,
    }
    T.eq({ x, y, z }, { 1, 2, 3 })
    T.ok(oc.now() - t0 < 110, "sleeps overlapped")
  end)

  T.test("all raises the first error and cancels the rest", function()
    local finished = false
    T.raises("second failed", oc.all, {
      function() oc.sleep(30) error("second failed") end,
      function() oc.sleep(2000) finished = true end,
    })
    oc.sleep(10)
    T.ok(not finished)
  end)

  T.test("cancel wakes a sleeping task with 'cancelled'", function()
    local t = oc.spawn(function() oc.sleep(10000) return "late" end)
    oc.sleep(5)
    t:cancel()
    local ok, err = pcall(t.wait, t)
    T.ok(not ok)
    T.eq(tostring(err), "cancelled")
    T.eq(t:status(), "cancelled")
  end)

  T.test("cancel before the task ever ran", function()
    local ran = false
    local t = oc.spawn(function() ran = true end)
    t:cancel()
    oc.sleep(5)
    T.ok(not ran)
    T.eq(t:status(), "cancelled")
  end)

  T.test("a task can wait for a task that waits", function()
    local inner = oc.spawn(function() oc.sleep(10) return "deep" end)
    local outer = oc.spawn(function() return inner:wait() .. "!" end)
    T.eq(outer:wait(), "deep!")
  end)

  T.test("coroutine.yield inside a task lets others run", function()
    local seen = {}
    local a = oc.spawn(function()
      for i = 1, 3 do seen[#seen + 1] = "a" .. i; coroutine.yield() end
    end)
    local b = oc.spawn(function()
      for i = 1, 3 do seen[#seen + 1] = "b" .. i; coroutine.yield() end
    end)
    a:wait(); b:wait()
    T.eq(seen, { "a1", "b1", "a2", "b2", "a3", "b3" })
  end)

  T.test("blocking calls work inside a plain coroutine too", function()
    local co = coroutine.wrap(function() oc.sleep(5) return "ok" end)
    T.eq(co(), "ok")
  end)

  T.test("now is monotonic milliseconds", function()
    local a = oc.now()
    oc.sleep(20)
    local b = oc.now()
    T.ok(b - a >= 19 and b - a < 500, "elapsed " .. (b - a))
  end)

  T.test("misuse raises clear errors", function()
    T.raises("openclaw.sleep: expected milliseconds", oc.sleep, -1)
    T.raises("openclaw.spawn: expected a function", oc.spawn, 42)
    T.raises("openclaw.all: item 2 is a number", oc.all,
             { function() end, 5 })
  end)

  T.test("1000 tasks", function()
    local ts = {}
    for i = 1, 1000 do
      ts[i] = oc.spawn(function() oc.sleep(i % 7) return i end)
    end
    local sum = 0
    for i = 1, 1000 do sum = sum + ts[i]:wait() end
    T.eq(sum, 500500)
  end)
end
