--- openclaw: the public Lua API.
--
--   local oc = require("openclaw")
--   oc.spawn(fn, ...) -> task        task:wait(), task:cancel()
--   oc.all{f1, f2, ...} -> r1, r2, ...
--   oc.sleep(ms), oc.now() -> monotonic ms
--   oc.http, oc.json, oc.base64      (also require("openclaw.http") ...)
--   oc.config() -> cfg, oc.on_reload(fn), oc.reload()   (hot reload)
--
-- Heavier parts (agents, tools, config) load on first use so that
-- `openclaw run` of a small script starts in a few milliseconds.
local sched = require("openclaw.sched")
local loop = require("openclaw.core.loop")
local host = require("openclaw.host")

local M = {
  version = host.version,
  spawn = sched.spawn,
  all = sched.all,
  sleep = sched.sleep,
  now = loop.now,
  INTERRUPTED = sched.INTERRUPTED,
  CANCELLED = sched.CANCELLED,
}

-- Submodules loaded lazily: field name -> module name.
local lazy = {
  http = "openclaw.http",
  json = "openclaw.json",
  base64 = "openclaw.base64",
  errors = "openclaw.errors",
  agent = "openclaw.agent",
  tools = "openclaw.tools",
}

--- The current configuration: in long-running modes (chat, run --watch,
-- a script that calls this) it is hot-reloaded; see docs/hot-reload.md.
function M.config()
  return require("openclaw.reload").config()
end

--- Call fn(cfg, changed) after each reload; returns an unsubscribe
-- function.
function M.on_reload(fn)
  if type(fn) ~= "function" then
    error("openclaw.on_reload: expected a function, got " .. type(fn), 2)
  end
  return require("openclaw.reload").on_reload(fn)
end

--- Reload the config and the reloadable modules now: returns the list of
-- changed key paths, or nil, message (the last good config stays).
function M.reload()
  return require("openclaw.reload").reload()
end

--- Register a lazily loaded field (used by later modules: agent, tools,
-- config, on_reload ...).
function M._lazy(field, module)
  lazy[field] = module
end

return setmetatable(M, {
  __index = function(t, k)
    local name = lazy[k]
    if not name then return nil end
    local v = require(name)
    rawset(t, k, v)
    return v
  end,
})
