-- Concurrent agents: several agents stream at the same time in one
-- process; the total time is that of the slowest, not the sum.
--   openclaw run examples/concurrent_agents.lua
local oc = require("openclaw")

local model
if not oc.agent.has_key() then
  print("No OpenRouter key configured: using the offline mock/echo model "
    .. "(run 'openclaw onboard' or set OPENROUTER_API_KEY for a real one).")
  model = "mock/echo"
end

local jobs = {
  { "poet", "Answer in one rhyming line.", "Describe the moon." },
  { "critic", "Answer in one dry sentence.", "Review the moon." },
  { "scientist", "Answer with one fact.", "What is the moon made of?" },
}

local t0 = oc.now()
local fns = {}
for i, job in ipairs(jobs) do
  fns[i] = function()
    local agent = oc.agent{ model = model, fallbacks = model and {} or nil,
                            system = job[2] }
    local started = oc.now() - t0
    local reply = agent:send(job[3])
    return { name = job[1], reply = reply, started = started,
             ended = oc.now() - t0 }
  end
end

local results = { oc.all(fns) }
for _, r in ipairs(results) do
  local text = r.reply.error and ("error: " .. r.reply.error.message)
    or r.reply.text
  print(("%-10s %5.0f-%5.0f ms  %s"):format(r.name, r.started, r.ended,
                                            (text:gsub("%s+", " "))))
end
print(("all %d agents done in %.0f ms"):format(#results, oc.now() - t0))
