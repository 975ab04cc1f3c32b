-- Image generation: call the image_generate tool straight from Lua, then
-- let an agent use it.
--   openclaw run examples/image.lua ["prompt"] [OUT_DIR]
--
-- The image model is agents.defaults.imageGenerationModel (default
-- openrouter/google/gemini-3.1-flash-image-preview). The files go to
-- OUT_DIR, else <state dir>/media, under generated names such as
-- image-20261124-134501-1.png. Without an OpenRouter key the example
-- shows the request it would send and stops.
local oc = require("openclaw")
local json = require("openclaw.json")

local prompt = arg[1] or "A lighthouse on a cliff at dusk, watercolor, "
  .. "seagulls, soft warm light"
local out = arg[2]

if not oc.agent.has_key() then
  print("No OpenRouter key configured (run 'openclaw onboard' or set "
    .. "OPENROUTER_API_KEY). This is the request image_generate would send:")
  local req = require("providers.openrouter").build_image_request({
    prompt = prompt, aspectRatio = "16:9", resolution = "2K" },
    { api_key = "sk-or-..." })
  print("POST " .. req.url)
  print(json.encode(req.body, { pretty = true, sort_keys = true }))
  return
end

-- 1. Directly: one call, the paths of the written files back.
local res, err, code = oc.tools.image_generate{
  prompt = prompt, aspectRatio = "16:9", resolution = "2K", out = out,
}
if not res then
  io.stderr:write(("image generation failed (%s): %s\n"):format(code, err))
  os.exit(code == "invalid" and 2 or 1)
end
for _, im in ipairs(res.images) do
  print(("wrote %s (%s, %d bytes, model %s)"):format(im.path, im.mime,
    im.bytes, res.model))
end
if res.text then print("the image model said: " .. res.text) end

-- 2. In an agent turn: offer the tool to the model (agents get it by
-- themselves once agents.defaults.imageGenerationModel.primary is set);
-- the model decides to call it and gets the file names back.
local agent = oc.agent{ system = "When asked for a picture, use the "
  .. "image_generate tool, then say where the file is. Be brief." }
agent:tool(oc.tools.get("image_generate"))
local reply = agent:send("Please draw a small red fox sitting in snow.", {
  on_tool = function(call, result)
    print(("tool %s -> %s"):format(call.name, result:match("^[^\n]*")))
  end,
})
if reply.error then
  io.stderr:write("agent: " .. reply.error.message .. "\n")
  os.exit(1)
end
print(reply.text)
