-- Routing: OpenRouter provider preferences and request params.
--   openclaw run examples/routing.lua
--
-- params.provider is OpenRouter's provider routing object (order, only,
-- ignore, sort, allow_fallbacks, max_price, data_collection, zdr, ...);
-- other params (temperature, max_tokens, ...) are request fields. They
-- merge over the config's models.providers.openrouter.params,
-- agents.defaults.params and agents.defaults.models[<ref>].params.
local oc = require("openclaw")
local json = require("openclaw.json")
local config = require("openclaw.config")
local openrouter = require("providers.openrouter")

local model = "openrouter/anthropic/claude-sonnet-4.5"
local params = {
  temperature = 0.3,
  max_tokens = 300,
  provider = {
    order = { "anthropic", "amazon-bedrock" },  -- try these first
    allow_fallbacks = true,                     -- then any other
    data_collection = "deny",                   -- no providers that train
  },
}

-- What would be sent: build the request without sending it.
local cfg = assert(config.load())
local req = assert(openrouter.build_chat({
  model = model, params = params,
  messages = { { role = "user", content = "Hello" } },
}, { config = cfg, api_key = "sk-or-example" }))
print("POST " .. req.url)
print(json.encode(req.body, { pretty = true, sort_keys = true }))

local opts = { model = model, params = params }
if not oc.agent.has_key(cfg) then
  print("No OpenRouter key configured: using the offline mock/echo model "
    .. "(run 'openclaw onboard' or set OPENROUTER_API_KEY for a real one).")
  opts = { model = "mock/echo", fallbacks = {} }
end
local reply = oc.agent(opts):send("Say hello in one short sentence.", {
  on_delta = function(text) io.write(text) io.stdout:flush() end,
})
io.write("\n")
if reply.error then
  io.stderr:write("error: ", reply.error.message, "\n")
  os.exit(1)
end
print(("[answered by %s via %s]"):format(reply.model, reply.ref))
