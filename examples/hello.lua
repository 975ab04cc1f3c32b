-- Hello: one agent turn, streamed as it arrives.
--   openclaw run examples/hello.lua ["your question"]
--
-- Uses the configured model (agents.defaults.model.primary, with its
-- fallbacks) when an OpenRouter key is configured; without one it runs
-- the offline mock/echo model, so this works on a fresh machine.
local oc = require("openclaw")

local question = arg[1] or "Say hello to openclaw in one short sentence."

local opts = {}
if not oc.agent.has_key() then
  print("No OpenRouter key configured: using the offline mock/echo model "
    .. "(run 'openclaw onboard' or set OPENROUTER_API_KEY for a real one).")
  opts.model, opts.fallbacks = "mock/echo", {}
end

local agent = oc.agent(opts)
local reply = agent:send(question, {
  on_delta = function(text) io.write(text) io.stdout:flush() end,
})
io.write("\n")

if reply.error then
  io.stderr:write("error: ", reply.error.message, "\n")
  if reply.error.fix then io.stderr:write("fix: ", reply.error.fix, "\n") end
  os.exit(1)
end
print(("[%s, %d tokens, $%.6f]"):format(reply.model, reply.usage.total_tokens,
                                        reply.usage.cost))
