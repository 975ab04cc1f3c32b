--- openclaw.errors: structured errors for user mistakes.
--
-- A user mistake (bad flag, broken config, unknown model ref) is raised as
-- an error object, not a string, so the CLI prints it as one clean line
-- (`openclaw: <message>`) without a Lua traceback and exits with its code.
-- Programming errors stay plain strings and keep their traceback.
local M = {}

local mt = {}
mt.__index = mt
mt.__tostring = function(e) return e.message end

--- Build an error object. kind: "usage" (exit 2) or "fail" (exit 1).
function M.new(kind, message, fields)
  local e = setmetatable({ kind = kind, message = message,
                           exit = kind == "usage" and 2 or 1 }, mt)
  for k, v in pairs(fields or {}) do e[k] = v end
  return e
end

--- Raise a usage error (wrong command line): exit code 2.
function M.usage(message, ...)
  error(M.new("usage", select("#", ...) > 0 and message:format(...)
                           or message), 0)
end

--- Raise a user-facing failure (bad config, missing key...): exit code 1.
function M.fail(message, ...)
  error(M.new("fail", select("#", ...) > 0 and message:format(...)
                          or message), 0)
end

--- True if e is one of our structured errors.
function M.is(e)
  return getmetatable(e) == mt
end

--- Levenshtein distance, for "did you mean" suggestions.
local function distance(a, b)
  local la, lb = #a, #b
  if la == 0 then return lb end
  if lb == 0 then return la end
  local prev, cur = {}, {}
  for j = 0, lb do prev[j] = j end
  for i = 1, la do
    cur[0] = i
    local ca = a:byte(i)
    for j = 1, lb do
      local cost = ca == b:byte(j) and 0 or 1
      local v = prev[j] + 1
      if cur[j - 1] + 1 < v then v = cur[j - 1] + 1 end
      if prev[j - 1] + cost < v then v = prev[j - 1] + cost end
      cur[j] = v
    end
    prev, cur = cur, prev
  end
  return prev[lb]
end
M.distance = distance

--- The candidate closest to word, or nil when none is reasonably close.
function M.closest(word, candidates)
  local best, bestd
  for _, c in ipairs(candidates) do
    local d = distance(word, c)
    if not bestd or d < bestd then best, bestd = c, d end
  end
  if best and bestd <= math.max(2, #word // 3) then return best end
  return nil
end

return M
