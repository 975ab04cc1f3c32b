-- Several images and a narration at the same time, with openclaw.all.
--   openclaw run examples/media_concurrent.lua ["subject"] [OUT_DIR]
--
-- Three image generations and one text-to-speech request run
-- concurrently on the event loop: the whole thing takes about as long as
-- the slowest request, not the sum. Files go to OUT_DIR (default: the
-- media folder of the state dir). Needs an OpenRouter key; without one it
-- says so and shows what it would do.
local oc = require("openclaw")

local subject = arg[1] or "a lighthouse on a cliff"
local out = arg[2]
local styles = { "watercolor at dawn", "pencil sketch at noon",
                 "oil painting at night" }

if not oc.agent.has_key() then
  print("No OpenRouter key configured (run 'openclaw onboard' or set "
    .. "OPENROUTER_API_KEY). With one, this example would run at once:")
  for _, style in ipairs(styles) do
    print(("  image_generate{ prompt = %q }"):format(subject .. ", " .. style))
  end
  print(("  tts{ text = %q }"):format("Three views of " .. subject .. "."))
  return
end

local t0 = oc.now()
local jobs = {}
for i, style in ipairs(styles) do
  jobs[i] = function()
    local t = oc.now()
    local res, err, code = oc.tools.image_generate{
      prompt = subject .. ", " .. style, aspectRatio = "16:9", out = out }
    return { kind = "image " .. i, ok = res ~= nil, took = oc.now() - t,
             path = res and res.images[1].path,
             err = err and (code .. ": " .. err) }
  end
end
jobs[#jobs + 1] = function()
  local t = oc.now()
  local res, err, code = oc.tools.tts{
    text = "Three views of " .. subject .. ": " ..
      table.concat(styles, ", ") .. ".",
    out = out and (out .. "/narration.mp3") or nil }
  return { kind = "narration", ok = res ~= nil, took = oc.now() - t,
           path = res and res.path, err = err and (code .. ": " .. err) }
end

local results = { oc.all(jobs) }
local failed = 0
for _, r in ipairs(results) do
  if r.ok then
    print(("%-10s %6.0f ms  %s"):format(r.kind, r.took, r.path))
  else
    failed = failed + 1
    print(("%-10s %6.0f ms  failed: %s"):format(r.kind, r.took, r.err))
  end
end
print(("all %d requests done in %.0f ms (run concurrently)"):format(
  #results, oc.now() - t0))
os.exit(failed == 0 and 0 or 1)
