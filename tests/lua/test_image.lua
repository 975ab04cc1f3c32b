-- Tests of image generation: the OpenRouter request shaping and answer
-- parsing (lua/providers/openrouter.lua, "image generation"; vectors O of
-- the spec), the image_generate tool (lua/tools/image_generate.lua) end to
-- end against the local OpenRouter-compatible server, the tool in an agent
-- turn, and `openclaw image` through the real binary.
local oc = require("openclaw")
local json = require("openclaw.json")
local base64 = require("openclaw.base64")
local config = require("openclaw.config")
local openrouter = require("providers.openrouter")
local image = require("tools.image_generate")
local lfs = require("lfs")

local KEY = "sk-or-v1-image-test-0123456789abcdef0123456789abcdef01234567"
local GEMINI = "google/gemini-3.1-flash-image-preview"
local GEMINI_REF = "openrouter/" .. GEMINI

local JPEG = "\255\216\255\224\0\16JFIF\0\1\1\0\0\1\0\1\0\0"
local WEBP = "RIFF\36\0\0\0WEBPVP8 \24\0\0\0"

-- a valid PNG of w x h random RGB pixels: IHDR, one IDAT of stored
-- (uncompressed) deflate blocks, IEND, with real CRCs and Adler-32
local CRC = {}
for i = 0, 255 do
  local c = i
  for _ = 1, 8 do
    if c & 1 == 1 then c = 0xEDB88320 ~ (c >> 1) else c = c >> 1 end
  end
  CRC[i] = c
end
local function crc32(s)
  local crc = 0xFFFFFFFF
  for i = 1, #s, 64 do
    local bytes = { s:byte(i, i + 63) }
    for j = 1, #bytes do
      crc = CRC[(crc ~ bytes[j]) & 0xFF] ~ (crc >> 8)
    end
  end
  return crc ~ 0xFFFFFFFF
end
local function adler32(s)
  local a, b = 1, 0
  for i = 1, #s, 4096 do
    local bytes = { s:byte(i, i + 4095) }
    for j = 1, #bytes do
      a = a + bytes[j]
      b = b + a
    end
    a, b = a % 65521, b % 65521
  end
  return (b << 16) | a
end
local function random_bytes(n)
  local parts = {}
  for i = 1, n // 8 + 1 do
    parts[i] = string.pack("<j", math.random(math.mininteger,
                                             math.maxinteger))
  end
  return table.concat(parts):sub(1, n)
end
local function make_png(w, h)
  local rows = {}
  for y = 1, h do rows[y] = "\0" .. random_bytes(w * 3) end
  local raw = table.concat(rows)
  local blocks = {}
  local pos = 1
  while pos <= #raw do
    local piece = raw:sub(pos, pos + 65534)
    pos = pos + #piece
    blocks[#blocks + 1] = string.pack("<BI2I2", pos > #raw and 1 or 0,
      #piece, (~#piece) & 0xFFFF) .. piece
  end
  local zdata = "\120\1" .. table.concat(blocks)
    .. string.pack(">I4", adler32(raw))
  local function chunk(kind, data)
    return string.pack(">I4", #data) .. kind .. data
      .. string.pack(">I4", crc32(kind .. data))
  end
  return "\137PNG\r\n\26\n"
    .. chunk("IHDR", string.pack(">I4I4BBBBB", w, h, 8, 2, 0, 0, 0))
    .. chunk("IDAT", zdata) .. chunk("IEND", "")
end

local SMALL_PNG = make_png(2, 2)

return function(T)
  local q = T.quote

  local read, files_in = T.read, T.files_in

  -- A fresh state dir and an effective config pointing at the server.
  local function setup(over)
    over = over or {}
    T.server_reset()
    local dir = T.tmpdir()
    local env = { HOME = dir, OPENCLAW_STATE_DIR = dir }
    if over.key ~= false then env.OPENROUTER_API_KEY = KEY end
    local cfg = assert(config.load{ env = env })
    cfg.models.providers.openrouter.baseUrl = T.server() .. "/api/v1"
    local im = cfg.agents.defaults.imageGenerationModel
    if over.timeoutMs ~= nil then im.timeoutMs = over.timeoutMs end
    if over.fallbacks then im.fallbacks = over.fallbacks end
    -- the shipped config sets no image model: configure the default one
    im.primary = GEMINI_REF
    if over.primary ~= nil then im.primary = over.primary end
    return cfg, env, dir
  end

  -- the image requests the server saw, each valid against the API schema
  local image_log = T.server_requests

  local function chat_result(message, over)
    local r = { id = "gen-image-1", object = "chat.completion",
      created = 1700000000, model = GEMINI,
      choices = { { index = 0, message = message, finish_reason = "stop" } } }
    for k, v in pairs(over or {}) do r[k] = v end
    return r
  end

  local function b64(s) return base64.encode(s) end

  local NAME = "/image%-%d%d%d%d%d%d%d%d%-%d%d%d%d%d%d%-%d+%.(%a+)$"

  -- request shaping (pure) -----------------------------------------------------

  T.test("vector 80: chat route, custom base URL, Gemini hints, timeout",
         function()
    local cfg = { models = { providers = { openrouter = {
      baseUrl = "https://custom.openrouter.test/api/v1" } } } }
    local req = assert(openrouter.build_image_request({
      model = GEMINI, prompt = "draw a sticker", aspectRatio = "16:9",
      resolution = "2K", count = 2, timeoutMs = 12345,
    }, { config = cfg, api_key = "openrouter-key" }))
    T.eq(req.method, "POST")
    T.eq(req.url, "https://custom.openrouter.test/api/v1/chat/completions")
    T.eq(req.headers.Authorization, "Bearer openrouter-key")
    T.eq(req.headers["HTTP-Referer"], "https://openclaw.ai")
    T.eq(req.headers["X-OpenRouter-Title"], "OpenClaw")
    T.eq(req.headers["Content-Type"], "application/json")
    T.eq(req.body, { model = GEMINI,
      messages = { { role = "user", content = "draw a sticker" } },
      modalities = { "image", "text" }, n = 2,
      image_config = { aspect_ratio = "16:9", image_size = "2K" } })
    T.eq(req.timeout_ms, 12345)
    T.schema("ChatRequest", req.body)
    -- the answer: message.images[].imageUrl.url (camelCase) data URL
    local imgs = assert(openrouter.extract_images({ choices = { { message =
      { images = { { imageUrl = { url = "data:image/png;base64,"
        .. b64("png-one") } } } } } } }, true))
    T.eq(imgs, { { data = "png-one", mime = "image/png" } })
  end)

  T.test("vector 81: timeout precedence (call, config, 180000)", function()
    local function t(call, cfg)
      local req = assert(openrouter.build_image_request({ prompt = "x",
        timeoutMs = call }, { config = cfg, api_key = "k" }))
      return req.timeout_ms
    end
    T.eq(t(nil, {}), 180000)
    T.eq(openrouter.IMAGE_TIMEOUT_MS, 180000)
    local cfg = { agents = { defaults = { imageGenerationModel = {
      timeoutMs = 5000 } } } }
    T.eq(t(nil, cfg), 5000)
    T.eq(t(777, cfg), 777)
    cfg.agents.defaults.mediaModels = { image = { timeoutMs = 6000 } }
    T.eq(t(nil, cfg), 6000)
    local req, err, code = openrouter.build_image_request({ prompt = "x",
      timeoutMs = -1 }, { api_key = "k" })
    T.eq({ req, code }, { nil, "invalid" })
    T.ok(err:find("timeoutMs", 1, true), err)
  end)

  T.test("vector 82: reference images become content parts", function()
    local url = "data:image/png;base64," .. b64("source-image")
    local req = assert(openrouter.build_image_request({ model = GEMINI,
      prompt = "turn this into watercolor", references = { url } },
      { api_key = "k" }))
    T.eq(req.url, "https://openrouter.ai/api/v1/chat/completions")
    T.eq(req.body.messages[1].content, {
      { type = "text", text = "turn this into watercolor" },
      { type = "image_url", image_url = { url = url } } })
    T.eq(req.body.image_config, nil)
    T.schema("ChatRequest", req.body)
    local imgs = assert(openrouter.extract_images({ choices = { { message =
      { content = { { type = "image_url", image_url = { url =
        "data:image/webp;base64," .. b64(WEBP) } } } } } } }, true))
    T.eq(imgs, { { data = WEBP, mime = "image/webp" } })
  end)

  T.test("vectors 83, 76, 77: per-model limits refused with the supported "
         .. "values", function()
    local function check(opts, route)
      local v, err = openrouter.check_image_request(opts, route)
      T.eq(v, nil)
      return err
    end
    local six = { "a", "b", "c", "d", "e", "f" }
    local err = check({ model = GEMINI, prompt = "x", references = six })
    T.ok(err:find("supports at most 5 reference images", 1, true), err)
    err = check({ model = "microsoft/mai-image-2.5", prompt = "x",
                  count = 2 }, "images")
    T.ok(err:find("supports at most 1 output image", 1, true), err)
    err = check({ model = "microsoft/mai-image-2.5", prompt = "x",
                  references = { "a", "b" } }, "images")
    T.ok(err:find("supports at most 1 reference image", 1, true), err)
    err = check({ model = "microsoft/mai-image-2.5", prompt = "x",
                  resolution = "2K" }, "images")
    T.ok(err:find("does not support resolution=2K", 1, true), err)
    err = check({ model = "openai/gpt-5-image", prompt = "x",
                  aspectRatio = "16:9" }, "images")
    T.ok(err:find("does not support aspectRatio=16:9", 1, true), err)
    -- Gemini: the supported values are listed
    err = check({ model = GEMINI, prompt = "x", aspectRatio = "7:3" })
    T.ok(err:find("does not support aspectRatio=7:3 (supported: 1:1, 1:4, "
      .. "1:8, 2:3, 3:2, 3:4, 4:1, 4:3, 4:5, 5:4, 8:1, 9:16, 16:9, 21:9)",
      1, true), err)
    err = check({ model = "google/gemini-3-pro-image-preview", prompt = "x",
                  resolution = "8K" })
    T.ok(err:find("does not support resolution=8K (supported: 1K, 2K, 4K)",
                  1, true), err)
    -- other models get no hints on the chat route: refused, not dropped
    err = check({ model = "openai/gpt-5-image", prompt = "x",
                  resolution = "2K" })
    T.ok(err:find("does not support resolution=2K (supported: none; "
      .. "resolution hints go to Gemini image models only", 1, true), err)
    err = check({ model = "black-forest-labs/flux.2-pro", prompt = "x",
                  aspectRatio = "1:1" })
    T.ok(err:find("aspect ratio hints go to Gemini image models only", 1,
                  true), err)
    -- counts
    err = check({ model = GEMINI, prompt = "x", count = 5 })
    T.ok(err:find("supports at most 4 output images, got 5", 1, true), err)
    err = check({ model = GEMINI, prompt = "x", count = 0 })
    T.ok(err:find("count must be at least 1", 1, true), err)
    err = check({ model = GEMINI, prompt = "  " })
    T.ok(err:find("needs a prompt", 1, true), err)
    -- accepted: normalised values, a fractional count is truncated
    local v = assert(openrouter.check_image_request({ model = GEMINI,
      prompt = "x", aspectRatio = " 16 : 9 ", resolution = "2k",
      count = 2.7 }))
    T.eq({ v.aspect_ratio, v.resolution, v.count }, { "16:9", "2K", 2 })
    -- an inferred unsupported resolution is dropped silently
    v = assert(openrouter.check_image_request({ model = "openai/gpt-5-image",
      prompt = "x", resolution = "1K", resolution_inferred = true },
      "images"))
    T.eq(v.resolution, nil)
  end)

  T.test("vectors 75, 78, 79: the /images route (option)", function()
    local src = "data:image/png;base64," .. b64("source-one")
    local req = assert(openrouter.build_image_request({
      model = "microsoft/mai-image-2.5", prompt = "draw a sticker",
      aspectRatio = "16:9", count = 1, references = { src },
      route = "images" }, { api_key = KEY }))
    T.eq(req.url, "https://openrouter.ai/api/v1/images")
    T.eq(req.body, { model = "microsoft/mai-image-2.5",
      prompt = "draw a sticker", n = 1, aspect_ratio = "16:9",
      input_references = { { type = "image_url", image_url = { url = src } } } })
    local imgs, meta = openrouter.extract_images_api(
      { data = { { b64_json = b64("png-one") } },
        model = "microsoft/mai-image-2.5" }, true)
    T.eq(imgs, { { data = "png-one" } })     -- mime: sniffed later
    T.eq(meta.model, "microsoft/mai-image-2.5")
    req = assert(openrouter.build_image_request({ model =
      "openai/gpt-5-image", prompt = "draw a sticker", count = 4,
      route = "images" }, { api_key = KEY }))
    T.eq(req.body, { model = "openai/gpt-5-image", prompt = "draw a sticker",
                     n = 4 })
    req = assert(openrouter.build_image_request({ model =
      "openai/gpt-5-image", prompt = "draw a sticker", references = { src },
      resolution = "1K", resolution_inferred = true, route = "images" },
      { api_key = KEY }))
    T.eq(req.body, { model = "openai/gpt-5-image", prompt = "draw a sticker",
      n = 1, input_references = { { type = "image_url",
        image_url = { url = src } } } })
    T.eq(select(2, openrouter.extract_images_api({ data = "x" }, true)),
         openrouter.IMAGE_MALFORMED)
    -- end to end: route = "images" against the server
    local cfg, env, dir = setup()
    local ref_path = dir .. "/source.png"
    local f = assert(io.open(ref_path, "wb"))
    f:write(SMALL_PNG)
    f:close()
    T.server_rules({ { path = "/api/v1/images", times = 1, response = {
      images = { { mime = "image/webp", b64 = b64(WEBP .. "x") } } } } })
    local res = assert(image.call{ prompt = "draw a sticker",
      aspectRatio = "16:9", images = { ref_path }, route = "images",
      model = "openrouter/microsoft/mai-image-2.5", config = cfg, env = env })
    T.eq(res.model, "microsoft/mai-image-2.5")
    T.eq(res.images[1].mime, "image/webp")
    local log = image_log("/api/v1/images")
    T.eq(#log, 1)
    T.eq(log[1].body, { model = "microsoft/mai-image-2.5",
      prompt = "draw a sticker", n = 1, aspect_ratio = "16:9",
      input_references = { { type = "image_url", image_url = {
        url = "data:image/png;base64," .. b64(SMALL_PNG) } } } })
    -- vector 76 through call(): refused, nothing sent
    T.server_reset()
    local r2, err, code = image.call{ prompt = "x", count = 2,
      route = "images", model = "openrouter/microsoft/mai-image-2.5",
      config = cfg, env = env }
    T.eq({ r2, code }, { nil, "invalid" })
    T.ok(err:find("supports at most 1 output image", 1, true), err)
    T.eq(#T.server_log(), 0)
  end)

  T.test("vectors 84, 85: answer extraction and strict mode", function()
    -- 84: choices not an array
    T.eq({ openrouter.extract_images(json.decode(
      '{"choices":{"message":{}}}'), true) },
      { nil, "OpenRouter image generation response malformed" })
    T.eq(select(2, openrouter.extract_images(json.decode(
      '{"choices":{"message":{}}}'), false)), openrouter.IMAGE_MALFORMED)
    -- 85: a data URL inside text content, then a b64_json part
    local imgs, meta = openrouter.extract_images({ choices = {
      { message = { content = "done data:image/png;base64,"
                    .. b64("png-inline") } },
      { message = { content = { { b64_json = b64("raw-inline") } } } } } })
    T.eq(imgs, { { data = "png-inline", mime = "image/png" },
                 { data = "raw-inline", mime = "image/png" } })
    T.eq(meta.text, "done")
    T.eq({ openrouter.extract_images({ choices = { { message = { content =
      { { b64_json = "not-base64!" } } } } } }, true) },
      { nil, openrouter.IMAGE_MALFORMED })
    -- not strict: the bad part is skipped
    T.eq(openrouter.extract_images({ choices = { { message = { content =
      { { b64_json = "not-base64!" } } } } } }, false), {})
    -- inlineData / inline_data parts, text parts, https URLs, order
    imgs, meta = openrouter.extract_images({ choices = { { message = {
      images = { { image_url = { url = "https://cdn.example/x.png" } } },
      content = { { type = "text", text = "Here you go." },
        { inlineData = { data = b64("g1"), mimeType = "image/gif" } },
        { inline_data = { data = b64("p2") } } },
      refusal = json.null }, finish_reason = "stop",
      native_finish_reason = "STOP" } }, model = GEMINI })
    T.eq(imgs, { { url = "https://cdn.example/x.png" },
      { data = "g1", mime = "image/gif" }, { data = "p2", mime = "image/png" } })
    T.eq({ meta.text, meta.model, meta.finish_reason,
           meta.native_finish_reason },
         { "Here you go.", GEMINI, "stop", "STOP" })
    -- strict: a wrong shape in images fails; no choices at all fails
    T.eq(openrouter.extract_images({ choices = { { message = {
      images = { { image_url = 42 } } } } } }, true), nil)
    T.eq(openrouter.extract_images({}, true), nil)
    T.eq(openrouter.extract_images({}, false), {})
    T.eq(openrouter.extract_images("not json", false), nil)
  end)

  T.test("vector 86 (current parts): missing image data, missing key",
         function()
    local cfg, env = setup()
    T.server_rules({ { model = GEMINI, response = { json = chat_result(
      { role = "assistant", content = "Sorry, no image" }) } } })
    local res, err, code, detail = image.call{ prompt = "a cat",
      config = cfg, env = env }
    T.eq({ res, code }, { nil, "no_image" })
    T.ok(err:find("OpenRouter image generation response missing image data",
                  1, true), err)
    T.ok(err:find("Sorry, no image", 1, true), err)
    T.eq(detail.text, "Sorry, no image")
    -- no key anywhere: refused before any request
    cfg, env = setup({ key = false })
    res, err, code = image.call{ prompt = "a cat", config = cfg, env = env }
    T.eq({ res, code }, { nil, "auth" })
    T.ok(err:find("^OpenRouter API key missing"), err)
    T.eq(#T.server_log(), 0)
    local req
    req, err, code = openrouter.build_image_request({ prompt = "x" },
      { config = {}, env = {}, api_key = "" })
    T.eq({ req, code }, { nil, "auth" })
    T.ok(err:find("OpenRouter API key missing", 1, true), err)
  end)

  -- end to end against the local server ------------------------------------------

  T.test("call: the exact request, the files in <state>/media", function()
    local cfg, env, dir = setup()
    local t0 = os.time()
    local res = assert(image.call{ prompt = "a lighthouse at dusk",
      config = cfg, env = env })
    local log = image_log()
    T.eq(#log, 1)
    T.eq(log[1].body, { model = GEMINI,
      messages = { { role = "user", content = "a lighthouse at dusk" } },
      modalities = { "image", "text" }, n = 1 })
    T.schema("ChatRequest", log[1].body)
    T.eq(log[1].headers.authorization, "Bearer " .. KEY)
    T.eq(log[1].headers["http-referer"], "https://openclaw.ai")
    T.eq(log[1].headers["x-openrouter-title"], "OpenClaw")
    T.eq(log[1].body.stream, nil)
    T.eq(#res.images, 1)
    T.eq(res.model, GEMINI)
    T.eq(res.ref, GEMINI_REF)
    local im = res.images[1]
    T.eq(im.mime, "image/png")
    local media_dir = dir .. "/media"
    T.eq(im.path:sub(1, #media_dir + 1), media_dir .. "/")
    local name = im.path:sub(#media_dir + 2)
    T.eq(("/" .. name):match(NAME), "png", name)
    T.eq(name, os.date("image-%Y%m%d-%H%M%S-1.png", t0) == name and name
         or os.date("image-%Y%m%d-%H%M%S-1.png", t0 + 1))
    local data = read(im.path)
    T.eq(data:sub(1, 8), "\137PNG\r\n\26\n")
    T.eq(im.bytes, #data)
    T.eq(lfs.attributes(im.path, "permissions"), "rw-r--r--")
    T.eq(lfs.attributes(media_dir, "permissions"), "rwx------")
    T.eq(files_in(media_dir), { name })
  end)

  T.test("call: Gemini hints, count, reference files, through the server",
         function()
    local cfg, env, dir = setup()
    local ref_path = dir .. "/sketch.webp"
    local f = assert(io.open(ref_path, "wb"))
    f:write(WEBP)
    f:close()
    local res = assert(image.call{ prompt = "make it watercolor",
      aspectRatio = "16:9", resolution = "2K", count = 3,
      images = { ref_path, "https://example.com/ref.jpg",
                 "data:image/jpeg;base64," .. b64(JPEG) },
      config = cfg, env = env })
    T.eq(#res.images, 3)
    local body = image_log()[1].body
    T.eq(body, { model = GEMINI, modalities = { "image", "text" }, n = 3,
      image_config = { aspect_ratio = "16:9", image_size = "2K" },
      messages = { { role = "user", content = {
        { type = "text", text = "make it watercolor" },
        { type = "image_url", image_url = { url = "data:image/webp;base64,"
          .. b64(WEBP) } },
        { type = "image_url", image_url = { url =
          "https://example.com/ref.jpg" } },
        { type = "image_url", image_url = { url = "data:image/jpeg;base64,"
          .. b64(JPEG) } } } } } })
    T.schema("ChatRequest", body)
    for i, im in ipairs(res.images) do
      T.ok(im.path:match("%-" .. i .. "%.png$"), im.path)
    end
    -- a non-Gemini model gets no image_config; its hints are refused
    T.server_reset()
    local r2, err, code = image.call{ prompt = "x", aspectRatio = "16:9",
      model = "openrouter/openai/gpt-5-image", config = cfg, env = env }
    T.eq({ r2, code }, { nil, "invalid" })
    T.ok(err:find("does not support aspectRatio=16:9", 1, true), err)
    T.eq(#T.server_log(), 0, "nothing sent")
    assert(image.call{ prompt = "x", model = "openrouter/openai/gpt-5-image",
      config = cfg, env = env })
    T.eq(image_log()[1].body.image_config, nil)
    T.eq(image_log()[1].body.model, "openai/gpt-5-image")
    -- a reference that is not an image is refused before any request
    T.server_reset()
    local txt = dir .. "/notes.txt"
    f = assert(io.open(txt, "w"))
    f:write("secret notes")
    f:close()
    r2, err, code = image.call{ prompt = "x", images = { txt }, config = cfg,
      env = env }
    T.eq({ r2, code }, { nil, "invalid" })
    T.ok(err:find("not a PNG, JPEG, WebP or GIF image", 1, true), err)
    r2, err, code = image.call{ prompt = "x", images = { dir .. "/nope.png" },
      config = cfg, env = env }
    T.eq({ r2, code }, { nil, "invalid" })
    T.ok(err:find("no such file", 1, true), err)
    -- 6 references: refused before any request (vector 83)
    r2, err, code = image.call{ prompt = "x", images = { ref_path, ref_path,
      ref_path, ref_path, ref_path, ref_path }, config = cfg, env = env }
    T.eq({ r2, code }, { nil, "invalid" })
    T.ok(err:find("supports at most 5 reference images", 1, true), err)
    T.eq(#T.server_log(), 0, "nothing sent")
  end)

  T.test("call: a real multi-megabyte PNG, extensions from the bytes",
         function()
    local cfg, env = setup()
    local big = make_png(1024, 800)
    T.ok(#big > 2 * 1024 * 1024, "size " .. #big)
    T.server_rules({ { model = GEMINI, times = 1, response = { images = {
      { mime = "image/png", b64 = b64(big) },
      -- the declared type is wrong: the bytes decide
      { mime = "image/png", b64 = b64(JPEG .. "jpeg body") },
      { mime = "image/jpeg", b64 = b64(WEBP .. "webp body") } } } } })
    local res = assert(image.call{ prompt = "noise", config = cfg,
      env = env, count = 3 })
    T.eq(#res.images, 3)
    T.eq(read(res.images[1].path), big)
    T.eq(res.images[1].bytes, #big)
    T.eq({ res.images[1].mime, res.images[2].mime, res.images[3].mime },
         { "image/png", "image/jpeg", "image/webp" })
    T.eq(res.images[1].path:match(NAME), "png")
    T.eq(res.images[2].path:match(NAME), "jpg")
    T.eq(res.images[3].path:match(NAME), "webp")
    T.eq(read(res.images[2].path), JPEG .. "jpeg body")
    -- Python's zlib agrees that the PNG is valid
    local out = T.sh("/usr/bin/python3 -c " .. q([[
import sys, zlib, struct
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n'
pos, idat = 8, b''
while pos < len(d):
    n, = struct.unpack('>I', d[pos:pos+4]); kind = d[pos+4:pos+8]
    body = d[pos+8:pos+8+n]
    crc, = struct.unpack('>I', d[pos+8+n:pos+12+n])
    assert zlib.crc32(kind + body) == crc, kind
    if kind == b'IDAT': idat += body
    pos += 12 + n
print(len(zlib.decompress(idat)))
]]) .. " " .. q(res.images[1].path))
    T.eq(out, tostring(800 * (1024 * 3 + 1)) .. "\n")
  end)

  T.test("call: images given as URLs are downloaded", function()
    local cfg, env = setup()
    local url = T.server() .. "/api/v1/files/picture.png"
    T.server_rules({
      { path = "/api/v1/files/picture.png", response = {
        body_b64 = b64(SMALL_PNG), content_type = "image/png" } },
      { model = GEMINI, times = 1, response = { json = chat_result({
        role = "assistant", content = "Done.",
        images = { { type = "image_url", image_url = { url = url } } } }) } },
    })
    local res = assert(image.call{ prompt = "x", config = cfg, env = env })
    T.eq(res.text, "Done.")
    T.eq(read(res.images[1].path), SMALL_PNG)
    local get = image_log("/api/v1/files/picture.png")
    T.eq(#get, 1)
    -- the key goes only to the API's own origin
    T.eq(get[1].headers.authorization, "Bearer " .. KEY)
    -- a download that fails: a clear error
    T.server_reset()
    T.server_rules({ { model = GEMINI, times = 1, response = { json =
      chat_result({ role = "assistant", content = "",
        images = { { type = "image_url", image_url = {
          url = T.server() .. "/api/v1/files/missing.png" } } } }) } } })
    local r2, err, code = image.call{ prompt = "x", config = cfg, env = env }
    T.eq({ r2, code }, { nil, "download" })
    T.ok(err:find("download failed", 1, true), err)
    -- other origins: https on public hosts only
    for _, u in ipairs({ "http://example.com/a.png",
                         "https://127.0.0.1:9/a.png",
                         "https://192.168.1.4/a.png",
                         "https://[::1]/a.png", "https://localhost/a.png",
                         "ftp://example.com/a.png" }) do
      T.server_rules({ { model = GEMINI, times = 1, response = { json =
        chat_result({ role = "assistant", content = "", images = { {
          type = "image_url", image_url = { url = u } } } }) } } })
      r2, err, code = image.call{ prompt = "x", config = cfg, env = env }
      T.eq({ r2, code }, { nil, u:match("^ftp") and "malformed"
                                 or "download" }, u)
    end
    T.eq(#image_log("/api/v1/files/missing.png"), 1)
  end)

  T.test("timeouts: the call's timeoutMs wins, then the config, then "
         .. "180000", function()
    local cfg, env = setup({ timeoutMs = 300 })
    T.server_rules({ { model = GEMINI, response = { delay_ms = 1200,
      images = { { mime = "image/png", b64 = b64(SMALL_PNG) } } } } })
    local t0 = oc.now()
    local res, err, code = image.call{ prompt = "slow", config = cfg,
                                       env = env }
    T.eq({ res, code }, { nil, "timeout" })
    T.ok(oc.now() - t0 < 1100, "gave up after " .. (oc.now() - t0))
    T.ok(err:find("timed out after 0.3 s", 1, true), err)
    -- the call's timeoutMs wins over the configured one
    res = assert(image.call{ prompt = "slow", timeoutMs = 5000,
      config = cfg, env = env })
    T.eq(#res.images, 1)
    -- and the other way round
    cfg.agents.defaults.imageGenerationModel.timeoutMs = 60000
    t0 = oc.now()
    res, err, code = image.call{ prompt = "slow", timeoutMs = 250,
      config = cfg, env = env }
    T.eq({ res, code }, { nil, "timeout" })
    T.ok(oc.now() - t0 < 1100)
    T.ok(err:find("timed out after 0.25 s", 1, true), err)
    -- mediaModels.image.timeoutMs (OpenClaw's newer name) wins over it
    cfg.agents.defaults.mediaModels = { image = { timeoutMs = 200 } }
    res, err, code = image.call{ prompt = "slow", config = cfg, env = env }
    T.eq(code, "timeout")
    T.ok(err:find("after 0.2 s", 1, true), err)
    -- none set: 180000
    cfg.agents.defaults.mediaModels = nil
    cfg.agents.defaults.imageGenerationModel.timeoutMs = nil
    T.eq(openrouter.image_timeout_ms(nil, cfg), 180000)
  end)

  T.test("fallbacks: a failing primary falls back; hints are checked per "
         .. "model", function()
    local cfg, env = setup({ fallbacks = {
      "openrouter/openai/gpt-5-image", "openrouter/google/gemini-3-pro-image" } })
    T.server_rules({ { model = GEMINI, times = 1, response = { status = 503,
      json = { error = { code = 503, message = "overloaded" } } } } })
    local events = {}
    local res = assert(image.call{ prompt = "x", config = cfg, env = env,
      on_event = function(ev) events[#events + 1] = ev.type end })
    T.eq(res.ref, "openrouter/openai/gpt-5-image")
    T.eq(res.model, "openai/gpt-5-image")
    T.eq(events, { "request", "fallback", "request" })
    T.eq(res.attempts[1].ref, GEMINI_REF)
    -- with an aspect ratio the OpenAI fallback cannot take, it is skipped
    T.server_reset()
    T.server_rules({ { model = GEMINI, times = 1, response = { status = 503,
      json = { error = { code = 503, message = "overloaded" } } } } })
    res = assert(image.call{ prompt = "x", aspectRatio = "3:2",
      config = cfg, env = env })
    T.eq(res.ref, "openrouter/google/gemini-3-pro-image")
    T.eq(res.attempts[2].result, "skipped")
    local log = image_log()
    T.eq(#log, 2)
    T.eq(log[2].body.image_config, { aspect_ratio = "3:2" })
    -- --model / opts.model: that model only, no fallbacks
    T.server_reset()
    T.server_rules({ { model = GEMINI, response = { status = 503 } } })
    local r2, err, code = image.call{ prompt = "x", model = GEMINI_REF,
      config = cfg, env = env }
    T.eq({ r2, code }, { nil, "timeout" })
    T.ok(err:find("HTTP 503", 1, true), err)
    T.eq(#image_log(), 1)
  end)

  T.test("errors: refusal, non-image model, malformed, HTTP errors",
         function()
    local cfg, env = setup()
    -- a content-policy refusal as an HTTP error
    T.server_rules({ { model = GEMINI, times = 1, response = { status = 403,
      json = { error = { code = 403, message = "Your input was flagged "
        .. "for moderation", metadata = { reasons = { "violence" } } } } } } })
    local res, err, code = image.call{ prompt = "bad", config = cfg,
                                       env = env }
    T.eq({ res, code }, { nil, "refused" })
    T.ok(err:find("refused the prompt (content policy)", 1, true), err)
    T.ok(err:find("flagged", 1, true), err)
    -- ... and as an answer without images: the model's text is kept
    T.server_rules({ { model = GEMINI, times = 1, response = { json =
      chat_result({ role = "assistant", content = "I can't draw that.",
        refusal = "I can't draw that." }, { choices = { { index = 0,
        message = { role = "assistant", content = "I can't draw that." },
        finish_reason = "content_filter",
        native_finish_reason = "IMAGE_SAFETY" } } }) } } })
    local detail
    res, err, code, detail = image.call{ prompt = "bad", config = cfg,
                                         env = env }
    T.eq({ res, code }, { nil, "refused" })
    T.ok(err:find("refused to make the image (content policy: "
      .. "content_filter); it said: I can't draw that.", 1, true), err)
    T.eq(detail.text, "I can't draw that.")
    -- a model refused as not an image model before any request
    T.server_reset()
    res, err, code = image.call{ prompt = "x", model = "openrouter/auto",
      config = cfg, env = env }
    T.eq({ res, code }, { nil, "not_image_model" })
    T.ok(err:find("openrouter/auto is not an image model", 1, true), err)
    res, err, code = image.call{ prompt = "x", model = "mock/echo",
      config = cfg, env = env }
    T.eq({ res, code }, { nil, "not_image_model" })
    T.ok(err:find("mock/echo does not generate images", 1, true), err)
    T.eq(#T.server_log(), 0)
    -- ... and when OpenRouter says so
    T.server_rules({ { model = "anthropic/*", times = 1, response = {
      status = 404, json = { error = { code = 404, message = "No endpoints "
        .. "found that support the requested output modalities: image, "
        .. "text" } } } } })
    res, err, code = image.call{ prompt = "x", config = cfg, env = env,
      model = "openrouter/anthropic/claude-sonnet-4.5" }
    T.eq({ res, code }, { nil, "not_image_model" })
    T.ok(err:find("anthropic/claude-sonnet-4.5 is not an image model", 1,
                  true), err)
    -- a text model that just answers in text
    T.server_rules({ { model = "moonshotai/kimi-k2.7", times = 1,
      response = { text = "echo: x" } } })
    res, err, code, detail = image.call{ prompt = "x", config = cfg,
      env = env, model = "openrouter/moonshotai/kimi-k2.7" }
    T.eq({ res, code }, { nil, "not_image_model" })
    T.eq(detail.text, "echo: x")
    T.ok(err:find("is moonshotai/kimi-k2.7 an image model?", 1, true)
         or (detail.fix or ""):find("an image model?", 1, true), err)
    -- vector 84 through the server
    T.server_rules({ { model = GEMINI, times = 1, response = { json =
      { choices = { message = json.object({}) } } } } })
    res, err, code = image.call{ prompt = "x", config = cfg, env = env }
    T.eq({ res, code }, { nil, "malformed" })
    T.eq(err, "OpenRouter image generation response malformed")
    -- bytes that are not an image are never written
    T.server_rules({ { model = GEMINI, times = 1, response = { images = {
      { mime = "image/png", b64 = b64("<html>not an image</html>") } } } } })
    res, err, code = image.call{ prompt = "x", config = cfg, env = env }
    T.eq({ res, code }, { nil, "malformed" })
    T.ok(err:find("not a PNG, JPEG, WebP or GIF image", 1, true), err)
    T.eq(files_in(env.OPENCLAW_STATE_DIR .. "/media"), {})
    -- no credits: HTTP 402, the key masked
    cfg.auth = { profiles = { ["openrouter:default"] = {
      key = "sk-or-nocredits" } } }
    res, err, code = image.call{ prompt = "x", config = cfg, env = {
      HOME = env.HOME, OPENCLAW_STATE_DIR = env.OPENCLAW_STATE_DIR } }
    T.eq({ res, code }, { nil, "billing" })
    T.ok(err:find("HTTP 402", 1, true), err)
  end)

  T.test("misuse raises; the model's arguments are sanitised", function()
    T.raises("unknown option 'prompts' (did you mean 'prompt'?)",
             image.call, { prompts = "x" })
    T.raises("option 'count' must be a number", image.call,
             { prompt = "x", count = "2" })
    T.raises("images[1] must be a path or URL string", image.call,
             { prompt = "x", images = { 1 } })
    T.raises("'prompt' is required", image.run, {}, {})
    T.raises("'images' must be a list", image.run,
             { prompt = "x", images = 5 }, {})
    -- out, model, filename sent by a model are ignored: files go to the
    -- media folder with generated names
    local cfg, env, dir = setup()
    local agent = { config = cfg, env = env }
    local text = image.run({ prompt = "x", count = "2", out = "/tmp",
      filename = "../../evil.png", model = "openrouter/auto" },
      { agent = agent })
    local paths = {}
    for p in text:gmatch("\n%- (%S+)") do paths[#paths + 1] = p end
    T.eq(#paths, 2, text)
    for _, p in ipairs(paths) do
      T.eq(p:sub(1, #dir + 7), dir .. "/media/")
      T.ok(p:match(NAME), p)
    end
    T.ok(text:find("^Generated 2 images with " .. GEMINI:gsub("%-", "%%-")
      .. ", saved as:\n"), text)
    T.eq(image_log()[1].body.model, GEMINI)
    -- oc.tools.image_generate is the same call
    T.eq(oc.tools.image_generate, image.call)
    T.eq(oc.tools.get("image_generate").name, "image_generate")
  end)

  -- in an agent turn ---------------------------------------------------------------

  T.test("agent: a model calls image_generate in a tool loop", function()
    local cfg, env, dir = setup()
    T.server_rules({ { model = "anthropic/claude-sonnet-4.5", times = 1,
      response = { tool_calls = { { id = "call_img_1",
        name = "image_generate", arguments = { prompt = "a red fox",
          aspectRatio = "1:1" } } } } } })
    local agent = oc.agent{ config = cfg, env = env, system = "Be brief.",
      model = "openrouter/anthropic/claude-sonnet-4.5" }
    local reply = agent:send("Draw a red fox")
    T.eq(reply.error, nil)
    T.eq(#reply.tool_calls, 1)
    local call = reply.tool_calls[1]
    T.eq(call.name, "image_generate")
    T.eq(call.error, nil, call.result)
    local path = call.result:match("\n%- (%S+)")
    T.ok(path and read(path):sub(1, 4) == "\137PNG", call.result)
    T.eq(path:sub(1, #dir + 7), dir .. "/media/")
    -- the model saw the path (the echo repeats the tool result)
    T.ok(reply.text:find(path, 1, true), reply.text)
    local log = image_log()
    T.eq(#log, 3)
    T.eq(log[1].body.model, "anthropic/claude-sonnet-4.5")
    local names = {}
    for _, t in ipairs(log[1].body.tools) do
      names[#names + 1] = t["function"].name
    end
    T.eq(names, { "image_generate" })
    T.eq(log[1].body.tools[1]["function"].parameters.required, { "prompt" })
    T.schema("ChatRequest", log[1].body)
    T.eq(log[2].body, { model = GEMINI, messages = { { role = "user",
      content = "a red fox" } }, modalities = { "image", "text" }, n = 1,
      image_config = { aspect_ratio = "1:1" } })
    T.schema("ChatRequest", log[2].body)
    T.schema("ChatRequest", log[3].body)
    T.eq(log[3].body.messages[#log[3].body.messages].role, "tool")
    -- a failing call is an error result the model sees; the turn goes on
    T.server_reset()
    T.server_rules({ { model = "anthropic/claude-sonnet-4.5", times = 1,
      response = { tool_calls = { { id = "call_img_2",
        name = "image_generate", arguments = { prompt = "x",
          aspectRatio = "7:3" } } } } } })
    reply = agent:send("again")
    T.eq(reply.error, nil)
    T.eq(reply.tool_calls[1].error, true)
    T.ok(reply.tool_calls[1].result:find("does not support aspectRatio=7:3 "
      .. "(supported: 1:1", 1, true), reply.tool_calls[1].result)
    T.eq(#image_log(), 2, "no image request")
  end)

  T.test("agent: image_generate is offered only when an image model and a "
         .. "key are configured", function()
    local defaults = require("agents.default")
    local cfg, env = setup()
    local tools = defaults.tools_for(cfg, env)
    T.eq(#tools, 1)
    T.eq(tools[1].name, "image_generate")
    T.ok(tools[1].description:find("Model: " .. GEMINI, 1, true))
    T.ok(tools[1].description:find("aspectRatio: 1:1, 1:4", 1, true))
    local cfg_nokey, env_nokey = setup({ key = false })
    T.eq(#defaults.tools_for(cfg_nokey, env_nokey), 0, "no key")
    cfg.agents.defaults.imageGenerationModel.primary = nil
    T.eq(#defaults.tools_for(cfg, env), 0, "no image model")
    cfg.agents.defaults.mediaModels = { image = {
      primary = "openrouter/openai/gpt-5-image" } }
    tools = defaults.tools_for(cfg, env)
    T.eq(#tools, 1, "mediaModels.image counts")
    T.ok(tools[1].description:find("takes no aspectRatio", 1, true))
    -- an agent without the image model sends no tools at all
    cfg.agents.defaults.mediaModels = nil
    local agent = oc.agent{ config = cfg, env = env,
      model = "openrouter/anthropic/claude-sonnet-4.5" }
    agent:send("hi")
    T.eq(image_log()[1].body.tools, nil)
    -- a model the catalog says takes no tools is offered none, and gets
    -- no warning about them
    cfg.agents.defaults.imageGenerationModel.primary = GEMINI_REF
    T.server_reset()
    local catalog = require("openclaw.catalog")
    local _, source = catalog.get(cfg, { env = env, refresh = true })
    T.eq(source, "live")
    agent = oc.agent{ config = cfg, env = env,
      model = "openrouter/gryphe/mythomax-l2-13b" }
    local reply = agent:send("hi")
    T.eq(reply.error, nil)
    T.eq(reply.warnings, {})
    T.eq(image_log()[1].body.tools, nil)
    -- a tool of the same name given by the user wins
    cfg = setup()
    agent = oc.agent{ config = cfg, env = env,
      model = "openrouter/anthropic/claude-sonnet-4.5", tools = { {
        name = "image_generate", description = "mine",
        run = function() return "ok" end } } }
    agent:send("hi")
    local t = image_log()[1].body.tools
    T.eq(#t, 1)
    T.eq(t[1]["function"].description, "mine")
  end)

  -- the command line ---------------------------------------------------------------

  local function state()
    return (T.state_dir({ agents = { defaults = { imageGenerationModel = {
      primary = GEMINI_REF } } } }))
  end

  -- run the binary: stdout, exit code, stderr (opts of T.cli; key: KEY,
  -- false = none)
  local sh = T.cli_with({ key = KEY })

  T.test("cli: openclaw image prints the paths; --json; --out", function()
    T.server_reset()
    local dir = state()
    local out, code, err = sh(dir, { "image", "a", "lighthouse", "--count",
                                     "2", "--aspect-ratio", "16:9" })
    T.eq(code, 0, err)
    T.eq(err, "echo: a lighthouse\n")   -- the model's text, on stderr
    local paths = {}
    for line in out:gmatch("[^\n]+") do paths[#paths + 1] = line end
    T.eq(#paths, 2, out)
    for i, p in ipairs(paths) do
      T.eq(p:sub(1, #dir + 7), dir .. "/media/")
      T.eq(p:match("%-(%d+)%.png$"), tostring(i))
      T.eq(read(p):sub(1, 8), "\137PNG\r\n\26\n")
    end
    local body = image_log()[1].body
    T.eq(body.messages[1].content, "a lighthouse")
    T.eq(body.n, 2)
    T.eq(body.image_config, { aspect_ratio = "16:9" })
    -- --json: one object
    T.server_reset()
    local outdir = dir .. "/pictures"
    out, code, err = sh(dir, { "image", "a fox", "--json", "--out", outdir,
      "--resolution", "4k", "--timeout-ms", "60000" })
    T.eq(code, 0, err)
    local obj = assert(json.decode(out), out)
    T.eq(#obj.images, 1)
    T.eq(obj.images[1].path:sub(1, #outdir + 1), outdir .. "/")
    T.eq(obj.images[1].mime, "image/png")
    T.eq(obj.images[1].bytes, #read(obj.images[1].path))
    T.eq({ obj.model, obj.ref, obj.error, obj.text },
         { GEMINI, GEMINI_REF, json.null, "echo: a fox" })
    T.eq(image_log()[1].body.image_config, { image_size = "4K" })
    -- the prompt from standard input
    T.server_reset()
    out, code, err = sh(dir, { "image", "-" }, { stdin = "from stdin\n" })
    T.eq(code, 0)
    T.eq(image_log()[1].body.messages[1].content, "from stdin")
  end)

  T.test("cli: errors are one line; exit 2 for unsupported values, 1 for "
         .. "failures", function()
    T.server_reset()
    local dir = state()
    local out, code, err = sh(dir, { "image", "x", "--aspect-ratio", "7:3" })
    T.eq(code, 2)
    T.eq(out, "")
    T.eq(err, "openclaw: image model " .. GEMINI .. " does not support "
      .. "aspectRatio=7:3 (supported: 1:1, 1:4, 1:8, 2:3, 3:2, 3:4, 4:1, "
      .. "4:3, 4:5, 5:4, 8:1, 9:16, 16:9, 21:9)\n")
    out, code, err = sh(dir, { "image", "x", "--count", "9" })
    T.eq(code, 2)
    T.ok(err:find("supports at most 4 output images", 1, true), err)
    out, code, err = sh(dir, { "image" })
    T.eq(code, 2)
    T.ok(err:find("missing argument", 1, true), err)
    out, code, err = sh(dir, { "image", "x", "--aspect-ration", "1:1" })
    T.eq(code, 2)
    T.ok(err:find("did you mean '--aspect-ratio'", 1, true), err)
    out, code, err = sh(dir, { "image", "x", "--model", "gemini" })
    T.eq(code, 2)
    T.eq(#T.server_log(), 0, "nothing sent")
    -- no key
    out, code, err = sh(dir, { "image", "x" }, { key = false })
    T.eq(code, 1)
    T.eq(err, "openclaw: OpenRouter API key missing: run 'openclaw onboard "
      .. "--auth-choice openrouter-api-key' or set OPENROUTER_API_KEY\n")
    -- no image: the model's text is kept (stderr), exit 1
    T.server_rules({ { model = GEMINI, times = 1, response = { json =
      chat_result({ role = "assistant", content = "Sorry, no image" }) } } })
    out, code, err = sh(dir, { "image", "x" })
    T.eq(code, 1)
    T.eq(out, "")
    T.ok(err:find("missing image data: " .. GEMINI:gsub("%-", "%%-")
      .. " returned no image; it said: Sorry, no image; try again"), err)
    T.eq(select(2, err:gsub("\n", "")), 1, err)
    -- --json on failure: one object with the error, exit 1
    T.server_rules({ { model = GEMINI, times = 1, response = { json =
      chat_result({ role = "assistant", content = "Sorry, no image" }) } } })
    out, code = sh(dir, { "image", "x", "--json" })
    T.eq(code, 1)
    local obj = assert(json.decode(out), out)
    T.eq(obj.error.code, "no_image")
    T.eq(obj.text, "Sorry, no image")
    T.eq(obj.images, {})
    -- a timeout
    T.server_rules({ { model = GEMINI, times = 1, response = {
      delay_ms = 3000, images = { { mime = "image/png",
        b64 = b64(SMALL_PNG) } } } } })
    local t0 = oc.now()
    out, code, err = sh(dir, { "image", "x", "--timeout-ms", "300" })
    T.eq(code, 1)
    T.ok(oc.now() - t0 < 2500)
    T.ok(err:find("^openclaw: image generation with " .. GEMINI:gsub("%-",
      "%%-") .. " timed out after 0.3 s; raise agents.defaults."
      .. "imageGenerationModel.timeoutMs"), err)
    T.eq(files_in(dir .. "/media"), {})
  end)

  T.test("examples/image.lua with and without a key", function()
    T.server_reset()
    local dir = state()
    T.server_rules({ { model = "openrouter/auto", times = 1, response = {
      tool_calls = { { id = "call_ex_1", name = "image_generate",
        arguments = { prompt = "a small red fox in snow" } } } } } })
    local out, code, err = sh(dir, { "run", T.root .. "/examples/image.lua",
      "a test picture", dir .. "/out" })
    T.eq(code, 0, err)
    T.ok(out:find("wrote " .. dir .. "/out/image-", 1, true), out)
    T.ok(out:find("tool image_generate -> Generated 1 image with " .. GEMINI,
      1, true), out)
    T.ok(out:find("tool said: Generated 1 image", 1, true), out)
    local log = image_log()
    T.eq(#log, 4)
    T.eq(log[1].body.image_config, { aspect_ratio = "16:9",
                                     image_size = "2K" })
    T.eq(log[3].body.messages[1].content, "a small red fox in snow")
    local bare = T.tmpdir()
    out, code, err = sh(bare, { "run", T.root .. "/examples/image.lua" },
      { key = false })
    T.eq(code, 0, err)
    T.ok(out:find("No OpenRouter key configured", 1, true), out)
    T.ok(out:find('"modalities": [', 1, true), out)
  end)

  T.test("cli: a spinner on a terminal; Ctrl-C cancels cleanly (130)",
         function()
    T.server_reset()
    local dir = state()
    T.server_rules({ { model = GEMINI, times = 1, response = {
      delay_ms = 20000, images = { { mime = "image/png",
        b64 = b64(SMALL_PNG) } } } } })
    local steps = json.encode({ { expect = "generating an image with "
      .. GEMINI }, { expect = "s" }, { sleep = 0.3 }, { intr = true } })
    local t0 = oc.now()
    local out = sh(dir, { "image", "a slow fox" }, { pty = steps })
    local r = assert(json.decode(out), out)
    T.eq(r.failed, json.null, r.output)
    T.eq(r.code, 130, r.output)
    T.ok(oc.now() - t0 < 10000)
    T.ok(r.output:find("%d+%.%ds"), r.output)     -- the elapsed time
    T.ok(r.output:find("openclaw: interrupted\r\n$"), r.output)
    T.eq(files_in(dir .. "/media"), {})
    -- on a terminal, a successful run ends with a summary line on stderr
    T.server_reset()
    steps = json.encode({ { expect = "image from" } })
    out = sh(dir, { "image", "a fox" }, { pty = steps })
    r = assert(json.decode(out), out)
    T.eq(r.code, 0, r.output)
    T.ok(r.output:find(dir .. "/media/image-", 1, true), r.output)
  end)
end
