--- openclaw.tools: the built-in tools, callable straight from Lua.
--
--   local oc = require("openclaw")
--   local img = oc.tools.image_generate{ prompt = "a lighthouse" }
--   local tts = oc.tools.tts{ text = "hello", out = "hello.mp3" }
--   agent:tool(oc.tools.get("image_generate"))   -- offer it to a model
--
-- A tool is a module lua/tools/<name>.lua returning
--   { name, description, parameters,          -- what the model sees
--     run = function(args, ctx) -> string | table   -- a model's call
--     call = function(opts) -> result | nil, message, code }  -- from Lua
-- Users can override one by putting tools/<name>.lua in a folder of
-- OPENCLAW_LUA_PATH.
local M = {}

local function load(name)
  if type(name) ~= "string" or not name:match("^[%w_]+$") then
    error("openclaw.tools: bad tool name " .. tostring(name), 3)
  end
  local path = package.searchpath("tools." .. name, package.path)
  if not path then return nil end
  return require("tools." .. name)
end

--- The tool table (for agent:tool{...}), or nil when there is none.
function M.get(name)
  return load(name)
end

return setmetatable(M, {
  __index = function(_, name)
    local tool = load(name)
    if not tool then return nil end
    return tool.call
  end,
})
