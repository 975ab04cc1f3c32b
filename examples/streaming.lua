-- Streaming: text and reasoning arrive separately, as they are generated.
--   openclaw run examples/streaming.lua ["prompt"]
--
-- Reasoning goes to stderr (dimmed on a terminal), the answer to stdout.
-- Without an OpenRouter key a scripted mock/script reply is streamed.
local oc = require("openclaw")

local prompt = arg[1] or "Write a haiku about the sea."

local opts = { thinking = "low" }
if not oc.agent.has_key() then
  print("No OpenRouter key configured: using the offline mock/script model "
    .. "(run 'openclaw onboard' or set OPENROUTER_API_KEY for a real one).")
  opts.model, opts.fallbacks = "mock/script", {}
  opts.params = { delay_ms = 15, script = { {
    reasoning = "A haiku: three lines of five, seven and five syllables. "
      .. "Waves, wind, tide.",
    text = "Grey waves fold and break\nsalt wind combs the sleeping dunes\n"
      .. "the tide keeps its time",
  } } }
end

local tty = require("openclaw.core.fs").isatty(2)
local dim, reset = tty and "\27[2m" or "", tty and "\27[0m" or ""

local t0, first = oc.now(), nil
local agent = oc.agent(opts)
local reply = agent:send(prompt, {
  on_reasoning = function(text)
    io.stderr:write(dim, text, reset)
  end,
  on_delta = function(text)
    if not first then
      first = oc.now() - t0
      io.stderr:write("\n")
    end
    io.write(text)
    io.stdout:flush()
  end,
})
io.write("\n")
if reply.error then
  io.stderr:write("error: ", reply.error.message, "\n")
  os.exit(1)
end
print(("[%s: first text after %.0f ms, done after %.0f ms, %d tokens]")
  :format(reply.model, first or 0, oc.now() - t0, reply.usage.total_tokens))
