-- Hot reload from a script: a small agent loop that follows your edits.
--   openclaw run --watch examples/watch.lua ["question"]
--
-- Every 5 seconds it asks the agent the question with the configuration
-- in force at that moment. While it runs, try:
--   * `openclaw config set agents.defaults.model.primary mock/echo` (or
--     edit ~/.openclaw/openclaw.json or config.lua): the next question
--     uses it, and on_reload below prints what changed;
--   * a typo in config.lua: `config not reloaded: <file>:<line>: ...`,
--     the last good config stays;
--   * an edit of this file: the script restarts (`script changed:
--     restarting`);
--   * copy lua/agents/default.lua into a folder on OPENCLAW_LUA_PATH and
--     edit its system prompt: `module reloaded: agents.default`.
-- Ctrl-C stops it. Without an OpenRouter key it uses the offline
-- mock/echo model, so it works on a fresh machine.
local oc = require("openclaw")

local question = arg[1] or "Say hello in five words."

local function model_of(cfg)
  local m = cfg.agents and cfg.agents.defaults and
    cfg.agents.defaults.model
  return type(m) == "table" and m.primary or m or "openrouter/auto"
end

print("model: " .. model_of(oc.config()))

oc.on_reload(function(cfg, changed)
  if #changed > 0 then
    print("changed: " .. table.concat(changed, ", "))
  end
  if #changed.modules > 0 then
    print("modules: " .. table.concat(changed.modules, ", "))
  end
  print("model now: " .. model_of(cfg))
end)

while true do
  local cfg = oc.config()              -- the current config, every turn
  local opts = { config = cfg }
  if not oc.agent.has_key(cfg) then
    opts.model, opts.fallbacks = "mock/echo", {}
  end
  local ok, err = pcall(function()
    local agent = oc.agent(opts)
    local reply = agent:send(question, {
      on_delta = function(text) io.write(text) io.stdout:flush() end,
    })
    io.write(("\n[%s]\n"):format(reply.model or "?"))
  end)
  if not ok then print("error: " .. tostring(err)) end
  io.stdout:flush()
  oc.sleep(5000)
end
