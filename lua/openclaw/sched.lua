--- openclaw.sched: the task scheduler (coroutines on the C event loop).
--
-- Every unit of work is a task: a coroutine resumed by this scheduler. A
-- primitive that would block (HTTP, sleep, waiting for another task)
-- suspends the calling task; `loop.poll` (C) waits for transfers, timers,
-- watched files and signals, and the scheduler resumes whoever can go on.
-- No Lua code ever runs inside a libcurl callback.
--
-- Called outside a task (from a plain coroutine of the user's, say), a
-- blocking primitive blocks the whole host until it is done: still
-- correct, just not concurrent.
local loop = require("openclaw.core.loop")

local resume, poll, now = loop.resume, loop.poll, loop.now
local co_running, co_yield, co_status = coroutine.running, coroutine.yield,
  coroutine.status
local pack, unpack = table.pack, table.unpack

local M = {}
M.INTERRUPTED = loop.INTERRUPTED

local SUSPEND = setmetatable({}, { __tostring = function()
  return "openclaw.sched.suspend" end })
local CANCELLED = setmetatable({ code = "cancelled" },
  { __tostring = function() return "cancelled" end })
M.CANCELLED = CANCELLED

local Task = {}
Task.__index = Task
Task.__name = "openclaw.task"

local by_co = setmetatable({}, { __mode = "k" })  -- coroutine -> task
local ready_q, ready_head, ready_tail = {}, 1, 0  -- FIFO of tasks
local timers = {}                                 -- binary heap
local timer_seq = 0
local waiting_on = {}        -- source object -> task
local stashed = {}           -- sources that became ready during a block
local current = nil          -- the task running now
local live = {}              -- task -> true while not finished
local unretrieved = {}       -- failed tasks nobody waited for

-- ready queue --------------------------------------------------------------
-- The queue holds tasks; the values a task is resumed with live in
-- task.args. Waking a queued task again replaces its values, except that
-- an error wake-up (false, err) is never replaced by a normal one.
local function push_ready(task, ...)
  local args = task.args
  if args and task.queued then
    if args[1] == false then return end
    task.args = pack(...)
    return
  end
  task.args = pack(...)
  task.queued = true
  ready_tail = ready_tail + 1
  ready_q[ready_tail] = task
end

local function pop_ready()
  if ready_head > ready_tail then return nil end
  local task = ready_q[ready_head]
  ready_q[ready_head] = nil
  ready_head = ready_head + 1
  if ready_head > ready_tail then ready_head, ready_tail = 1, 0 end
  task.queued = false
  local args = task.args
  task.args = nil
  return task, args
end

-- timer heap ---------------------------------------------------------------
local function heap_push(e)
  local h = timers
  local i = #h + 1
  h[i] = e
  while i > 1 do
    local p = i // 2
    local a, b = h[p], h[i]
    if a.at < b.at or (a.at == b.at and a.seq < b.seq) then break end
    h[p], h[i] = b, a
    i = p
  end
end

local function heap_pop()
  local h = timers
  local n = #h
  if n == 0 then return nil end
  local top = h[1]
  h[1] = h[n]
  h[n] = nil
  n = n - 1
  local i = 1
  while true do
    local l, r, m = 2 * i, 2 * i + 1, i
    if l <= n and (h[l].at < h[m].at or
                   (h[l].at == h[m].at and h[l].seq < h[m].seq)) then
      m = l
    end
    if r <= n and (h[r].at < h[m].at or
                   (h[r].at == h[m].at and h[r].seq < h[m].seq)) then
      m = r
    end
    if m == i then break end
    h[i], h[m] = h[m], h[i]
    i = m
  end
  return top
end

-- suspension ---------------------------------------------------------------

-- A suspended task records how to undo its wait (t.undo) so cancel and
-- Ctrl-C can wake it from anywhere.
local function wake(task, ...)
  if task.undo then task.undo(task); task.undo = nil end
  push_ready(task, ...)
end

-- suspend() - yield the current task until something wakes it.
-- Woken with (true, ...) it returns ...; woken with (false, err) it raises.
local function suspend()
  local r = pack(co_yield(SUSPEND))
  if r[1] then return unpack(r, 2, r.n) end
  error(r[2], 0)
end

--- The task running now (nil outside tasks).
function M.current()
  return current
end

-- in_task() - true when a blocking call may suspend the caller
local function in_task()
  return current ~= nil and co_running() == current.co
end

-- block_until(pred) - outside a task: drive the loop until pred() holds
local function block_until(pred, timeout_at)
  while not pred() do
    local t = -1
    if timeout_at then
      t = timeout_at - now()
      if t <= 0 then return end
    end
    local list, intr = poll(t)
    for i = 1, #list do stashed[#stashed + 1] = list[i] end
    if intr then error(M.INTERRUPTED, 0) end
  end
end

--- Wait until `src` (a transfer or watch object) reports progress.
-- The caller re-checks its own condition afterwards.
function M.wait(src)
  if not in_task() then
    local seen = false
    block_until(function()
      for i = #stashed, 1, -1 do
        if stashed[i] == src then
          table.remove(stashed, i)
          seen = true
        end
      end
      return seen
    end)
    return
  end
  if waiting_on[src] then
    error("another task is already waiting on this object", 2)
  end
  local task = current
  waiting_on[src] = task
  task.undo = function() waiting_on[src] = nil end
  return suspend()
end

--- Sleep for ms milliseconds (0 = just let other tasks run).
function M.sleep(ms)
  if type(ms) ~= "number" or ms ~= ms or ms < 0 then
    error("openclaw.sleep: expected milliseconds >= 0, got " ..
          tostring(ms), 2)
  end
  if not in_task() then
    local at = now() + ms
    block_until(function() return now() >= at end, at)
    return
  end
  local task = current
  timer_seq = timer_seq + 1
  local e = { at = now() + ms, seq = timer_seq, task = task }
  heap_push(e)
  task.undo = function() e.task = nil end
  return suspend()
end

-- tasks --------------------------------------------------------------------

local function finish_unstarted(task)
  task.state = "cancelled"
  task.err = CANCELLED
  live[task] = nil
  for _, w in ipairs(task.waiters) do wake(w, true) end
  task.waiters = {}
end

local function step(task, ...)
  local st = task.state
  if st == "done" or st == "failed" or st == "cancelled" then return end
  task.started = true
  local prev = current
  current = task
  task.state = "running"
  local r = pack(resume(task.co, ...))
  current = prev
  if co_status(task.co) == "dead" then
    live[task] = nil
    if r[1] then
      task.state = "done"
      task.results = pack(unpack(r, 2, r.n))
    else
      task.state = task.cancelled and r[2] == CANCELLED and "cancelled"
        or "failed"
      task.err, task.traceback = r[2], r[3]
      if r[2] == M.INTERRUPTED and task ~= M.main then
        -- Ctrl-C landed in a helper task: the program is interrupted
        M.interrupt_main()
      elseif task.state == "failed" and not task.waiters[1] and
         task ~= M.main then
        unretrieved[task] = true
      end
    end
    for _, w in ipairs(task.waiters) do wake(w, true) end
    task.waiters = {}
  else
    task.state = "waiting"
    if r[2] ~= SUSPEND then
      -- a plain coroutine.yield() inside a task: let others run
      push_ready(task, true)
    end
  end
end

--- Start fn(...) as a new task; returns its handle.
function M.spawn(fn, ...)
  if type(fn) ~= "function" and not (getmetatable(fn) or {}).__call then
    error("openclaw.spawn: expected a function, got " .. type(fn), 2)
  end
  local co = coroutine.create(fn)
  local task = setmetatable({ co = co, state = "ready", waiters = {} },
                            Task)
  by_co[co] = task
  live[task] = true
  push_ready(task, ...)
  return task
end

--- Wait for the task; return its results or re-raise its error.
function Task:wait()
  if self.state ~= "done" and self.state ~= "failed" and
     self.state ~= "cancelled" then
    if self == current then
      error("a task cannot wait for itself", 2)
    end
    if in_task() then
      local me = current
      local ws = self.waiters
      ws[#ws + 1] = me
      me.undo = function()
        for i = #ws, 1, -1 do
          if ws[i] == me then table.remove(ws, i) end
        end
      end
      suspend()
    else
      block_until(function()
        return self.state == "done" or self.state == "failed" or
          self.state == "cancelled"
      end)
    end
  end
  unretrieved[self] = nil
  if self.state == "done" then
    return unpack(self.results, 1, self.results.n)
  end
  error(self.err, 0)
end

--- Cancel the task: it is woken with a "cancelled" error at its current
-- wait (its transfers close as the error unwinds). No-op when finished.
function Task:cancel()
  if self.state == "done" or self.state == "failed" or
     self.state == "cancelled" then
    return
  end
  self.cancelled = true
  if self == current then error(CANCELLED, 2) end
  if not self.started then
    finish_unstarted(self)   -- never ran: its queued start is skipped
    return
  end
  wake(self, false, CANCELLED)
end

--- "ready" | "running" | "waiting" | "done" | "failed" | "cancelled"
function Task:status()
  return self.state
end

--- The error of a failed task and its traceback (nil otherwise).
function Task:error()
  return self.err, self.traceback
end

Task.__close = function(self) self:cancel() end
Task.__tostring = function(self)
  return ("openclaw.task (%s)"):format(self.state)
end

--- Run the functions concurrently; return their first results in order.
-- If one fails, the others are cancelled and its error is raised.
function M.all(fns)
  if type(fns) ~= "table" then
    error("openclaw.all: expected a list of functions, got " ..
          type(fns), 2)
  end
  local ts = {}
  for i, f in ipairs(fns) do
    if type(f) ~= "function" then
      error(("openclaw.all: item %d is a %s, not a function"):format(
        i, type(f)), 2)
    end
    ts[i] = M.spawn(f)
  end
  local out = { n = #ts }
  for i, t in ipairs(ts) do
    local r = pack(pcall(t.wait, t))
    if not r[1] then
      for j = i + 1, #ts do ts[j]:cancel() end
      error(r[2], 0)
    end
    out[i] = r[2]
  end
  return unpack(out, 1, out.n)
end

-- the loop -----------------------------------------------------------------

local function fire_timers()
  local t = now()
  while timers[1] and timers[1].at <= t do
    local e = heap_pop()
    if e.task then
      e.task.undo = nil
      push_ready(e.task, true)
    end
  end
end

local function deliver(list)
  for i = 1, #list do
    local src = list[i]
    local task = waiting_on[src]
    if task then
      waiting_on[src] = nil
      task.undo = nil
      push_ready(task, true)
    end
  end
end

local function interrupt_main()
  local m = M.main
  if m and m.state == "waiting" then
    wake(m, false, M.INTERRUPTED)
  end
end
M.interrupt_main = interrupt_main

--- Run fn(...) as the main task until it finishes; return true, results
-- or false, err, traceback. Tasks still running then are cancelled.
function M.run(fn, ...)
  local main = M.spawn(fn, ...)
  M.main = main
  while true do
    if #stashed > 0 then
      local s = stashed
      stashed = {}
      deliver(s)
    end
    local task, args = pop_ready()
    while task do
      step(task, unpack(args, 1, args.n))
      task, args = pop_ready()
    end
    if main.state == "done" or main.state == "failed" or
       main.state == "cancelled" then
      break
    end
    local timeout = -1
    if timers[1] then
      timeout = timers[1].at - now()
      if timeout < 0 then timeout = 0 end
    end
    if timeout < 0 and loop.running() == 0 and not M.has_watchers() then
      -- nothing can ever wake a waiting task
      wake(main, false, "deadlock: every task is waiting and nothing " ..
           "can wake them")
    else
      local list, intr = poll(timeout)
      if intr then interrupt_main() end
      deliver(list)
      fire_timers()
    end
  end
  -- cancel the tasks left behind so their transfers close
  for task in pairs(live) do
    if task ~= main then
      task.cancelled = true
      if task.undo then task.undo(task); task.undo = nil end
      if task.started then
        pcall(step, task, false, CANCELLED)
      else
        finish_unstarted(task)
      end
    end
  end
  for task in pairs(unretrieved) do
    io.stderr:write("openclaw: warning: a spawned task failed and no one ",
                    "waited for it: ", tostring(task.traceback or task.err),
                    "\n")
  end
  unretrieved = {}
  M.main = nil
  if main.state == "done" then
    return true, unpack(main.results, 1, main.results.n)
  end
  return false, main.err, main.traceback
end

-- Watchers (file watches) register here so the loop knows it may block.
local watcher_count = 0
function M.has_watchers() return watcher_count > 0 end
function M.add_watcher(n) watcher_count = watcher_count + (n or 1) end

--- Wait on a watch (a file watch, a readable-fd watch): like wait(src),
-- counted as a watcher meanwhile, so a task waiting only on the file
-- system or the terminal is not a deadlock.
function M.wait_watch(src)
  watcher_count = watcher_count + 1
  local ok, err = pcall(M.wait, src)
  watcher_count = watcher_count - 1
  if not ok then error(err, 0) end
end

return M
