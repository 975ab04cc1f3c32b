-- Speak: text-to-speech through OpenRouter's /audio/speech.
--   openclaw run examples/speak.lua ["text to say"] [out.mp3]
--
-- 1. oc.tools.tts{...} writes one audio file (mp3 by default; "pcm" is
--    raw s16le 24 kHz mono) and returns { path, format, bytes, model,
--    voice }, or nil, message, code.
-- 2. An agent gets the `tts` tool, so the model can decide to speak.
-- Needs an OpenRouter key (OPENROUTER_API_KEY, 'openclaw onboard', or
-- messages.tts.providers.openrouter.apiKey). Without one it says so and
-- runs the offline mock model for part 2 (which then never calls tts).
local oc = require("openclaw")

local text = arg[1] or "Hello from openclaw. This sentence was spoken by "
  .. "a model on OpenRouter."
local out = arg[2]   -- nil: a new file in <state dir>/media/

-- 1. direct call ----------------------------------------------------------
local r, err, code = oc.tools.tts{ text = text, out = out,
                                   voice = "af_alloy", format = "mp3" }
if r then
  print(("wrote %s (%d bytes of %s, model %s, voice %s)"):format(r.path,
    r.bytes, r.format, r.model, r.voice))
else
  -- expected failures: "auth" (no key), "invalid" (format, empty text),
  -- HTTP and network reasons ("rate_limit", "timeout", "connect", ...)
  print(("text-to-speech failed (%s): %s"):format(code, err))
end

-- 2. the model calls the tool -------------------------------------------------
local opts = {}
if not oc.agent.has_key() then
  opts.model, opts.fallbacks = "mock/echo", {}
end
local agent = oc.agent(opts)
agent:tool(oc.tools.get("tts"))
local reply = agent:send("Use the tts tool to say a one-line greeting, "
  .. "then tell me the file path it returned.", {
  on_delta = function(s) io.write(s) io.stdout:flush() end,
  on_tool = function(call, result)
    io.write(("\n[tool %s -> %s]\n"):format(call.name, result))
  end,
})
io.write("\n")
if reply.error then
  io.stderr:write("error: ", reply.error.message, "\n")
  os.exit(1)
end
