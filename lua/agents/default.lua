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
return {
  system = "You are a helpful assistant running inside openclaw, a "
    .. "scriptable command-line agent host. Answer clearly and concisely. "
    .. "When tools are available, use them when they help and say what "
    .. "you found.",

  tools = {},
}
