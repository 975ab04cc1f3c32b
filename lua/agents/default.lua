--- agents.default: the defaults of every agent (oc.agent{...} and the
-- `openclaw agent` / `openclaw chat` commands).
--
-- Edit this file, or put your own agents/default.lua in a folder listed in
-- OPENCLAW_LUA_PATH (searched first), to change them for every agent.
-- Precedence, highest first: oc.agent{ system = ..., tools = ... } >
-- config agents.defaults.system > this file.
--
--   system  the system prompt (a string; "" or false sends none)
--   tools   tools every agent starts with: { name =, description =,
--           parameters = <JSON schema>, run = function(args, ctx) ... end }
--           (empty by default: tools are opt-in, see docs/agents.md)
--   tools_for(cfg, env, agent)  built-in tools offered on an agent's
--           first turn, after the tools above and those given to
--           oc.agent/agent:tool (a tool of the same name is not replaced):
--           image_generate when an image model is configured
--           (agents.defaults.imageGenerationModel.primary), an OpenRouter
--           API key is available and the agent's model takes tools.
--           Return {} to offer none.
return {
  system = "You are a helpful assistant running inside openclaw, a "
    .. "scriptable command-line agent host. Answer clearly and concisely. "
    .. "When tools are available, use them when they help and say what "
    .. "you found.",

  tools = {},

  tools_for = function(cfg, env, agent)
    local out = {}
    -- a model known to take no tools gets none (nor a warning about them)
    if agent and agent.model then
      local ok, takes = pcall(function()
        local r = require("openclaw.models").parse_ref(agent.model)
        if not r or r.provider ~= "openrouter" then return true end
        return require("openclaw.models").info(r.api_id,
          agent:_catalog()).supports_tools ~= false
      end)
      if ok and not takes then return out end
    end
    local ok, image = pcall(require, "tools.image_generate")
    if ok and type(image) == "table" and image.available(cfg, env) then
      out[#out + 1] = image.tool_for(cfg, env)
    end
    return out
  end,
}
