--- openclaw.util: small generic helpers shared by many modules.
--
-- Pure functions, no requires and no state: cheap to load anywhere.
--   local util = require("openclaw.util")
--   local get = util.get
local M = {}

--- The text of s (tostring) up to its first newline.
function M.first_line(s)
  return (tostring(s):match("^[^\n]*"))
end

--- s without leading and trailing white space.
function M.trim(s)
  return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

--- True when s is a string with at least one non-space character.
function M.has_text(s)
  return type(s) == "string" and s:find("%S") ~= nil
end

--- v when it is a non-empty string, else nil.
function M.nonempty(v)
  if type(v) == "string" and v ~= "" then return v end
  return nil
end

--- Safe nested lookup: get(t, "a", "b") is t.a.b, or nil when a step is
-- not a table.
function M.get(t, ...)
  for i = 1, select("#", ...) do
    if type(t) ~= "table" then return nil end
    t = t[(select(i, ...))]
  end
  return t
end

--- Deep copy of v: tables are copied recursively (keys as they are) and
-- keep their metatables; other values are returned as they are.
local function copy(v)
  if type(v) ~= "table" then return v end
  local t = {}
  for k, x in pairs(v) do t[k] = copy(x) end
  return setmetatable(t, getmetatable(v))
end
M.copy = copy

--- True when a and b are equal, tables compared key by key, recursively
-- (metatables are not compared).
local function deep_equal(a, b)
  if a == b then return true end
  if type(a) ~= "table" or type(b) ~= "table" then return false end
  for k, v in pairs(a) do
    if not deep_equal(v, b[k]) then return false end
  end
  for k in pairs(b) do
    if a[k] == nil then return false end
  end
  return true
end
M.deep_equal = deep_equal

--- The folder part of a path: "a/b" -> "a", "b" -> ".", "/b" -> "/".
function M.dirname(p)
  local d = p:match("^(.*)/[^/]*$")
  if d == nil then return "." end
  if d == "" then return "/" end
  return d
end

--- True when the file at path can be opened for reading.
function M.exists(path)
  local f = io.open(path, "rb")
  if f then f:close() return true end
  return false
end

--- A byte count for people: "512 bytes", "3 KB", "1.5 MB".
function M.size_text(n)
  if n >= 1024 * 1024 then return ("%.1f MB"):format(n / (1024 * 1024)) end
  if n >= 1024 then return ("%.0f KB"):format(n / 1024) end
  return n .. " bytes"
end

return M
