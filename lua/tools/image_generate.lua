--- tools.image_generate: generate images with an OpenRouter image model.
--
-- From Lua:
--   local oc = require("openclaw")
--   local res, err, code = oc.tools.image_generate{
--     prompt = "a lighthouse at dusk",   -- required
--     aspectRatio = "16:9",               -- Gemini image models only
--     resolution = "2K",                  -- 1K, 2K or 4K (Gemini)
--     count = 2,                          -- images to make (1..4)
--     images = { "sketch.png", "https://example.com/ref.jpg" },
--                                         -- reference images to edit/use
--     timeoutMs = 120000,                 -- per request
--     out = "pictures",                   -- folder (default
--                                         --   <state dir>/media)
--     model = "openrouter/google/gemini-3-pro-image-preview",
--                                         -- this model only (default: the
--                                         --   configured one + fallbacks)
--     -- also: config =, env =, state_dir =, route = "chat" | "images",
--     --       on_event = function(ev) end
--   }
--   res = { images = { {path =, mime =, bytes = <size>}, ... },
--           text = <what the model wrote besides the images, or nil>,
--           model = <model that answered>, ref = <model ref used>,
--           warnings = { ... }, attempts = { {ref, result}, ... } }
--   On failure: nil, message, code, detail (detail.text keeps any text
--   the model wrote). code: "invalid" (a bad value: refused before any
--   request), "auth" (no API key), "config", "not_image_model",
--   "no_image", "refused" (content policy), "timeout", "malformed",
--   "write", "download", or a failover reason of the provider
--   (rate_limit, billing, overloaded, network, format, ...).
--   Misuse (wrong option types, unknown options) raises; Ctrl-C raises
--   openclaw.INTERRUPTED (no file is written then).
--
-- As a tool of an agent (offered by lua/agents/default.lua when an image
-- model is configured and an OpenRouter key is available): the model
-- sends {prompt, aspectRatio, resolution, count, images, timeoutMs}; the
-- files go to <state dir>/media and the result names them. The model
-- never chooses a file name or folder.
--
-- Requests: see "image generation" in lua/providers/openrouter.lua and
-- docs/images-and-speech.md.
local json = require("openclaw.json")
local media = require("openclaw.media")
local sched = require("openclaw.sched")
local util = require("openclaw.util")

local M = {
  name = "image_generate",
  description = "Generate images from a text prompt, or edit and combine "
    .. "reference images, with the configured image model. The images are "
    .. "saved as files on the user's computer and the result lists their "
    .. "paths: tell the user where they are.",
  parameters = {
    type = "object",
    properties = {
      prompt = { type = "string", description = "What the image should "
        .. "show (or how to change the reference images)." },
      aspectRatio = { type = "string", description = "Aspect ratio such as "
        .. "1:1, 16:9 or 9:16 (Gemini image models only; leave it out "
        .. "otherwise)." },
      resolution = { type = "string", description = "1K, 2K or 4K (Gemini "
        .. "image models only; leave it out otherwise)." },
      count = { type = "integer", minimum = 1, maximum = 4,
        description = "How many images to make (default 1)." },
      images = { type = "array", items = { type = "string" },
        description = "Reference images to edit or draw from: local file "
          .. "paths or http(s) URLs." },
      timeoutMs = { type = "integer", minimum = 1000, description =
        "Give up after this many milliseconds (default: the configured "
          .. "timeout)." },
    },
    required = { "prompt" },
  },
}

--- The image model used when none is configured.
M.DEFAULT_MODEL = "openrouter/google/gemini-3.1-flash-image-preview"
--- Largest local reference image read (bytes).
M.MAX_REFERENCE_BYTES = 20 * 1024 * 1024
--- Largest image downloaded when the answer gives a URL (bytes).
M.MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024

local OPTIONS = {
  prompt = "string", aspectRatio = "string", aspect_ratio = "string",
  resolution = "string", count = "number", images = "table",
  timeoutMs = "number", timeout_ms = "number", out = "string",
  model = "string", config = "table", env = "table", state_dir = "string",
  route = "string", on_event = "function",
}

local function openrouter() return require("providers.openrouter") end
local function config_mod() return require("openclaw.config") end

local has_text = util.has_text
local size_text = util.size_text

local function check_options(opts, level)
  if type(opts) ~= "table" then
    error(("image_generate: expected a table of options, got %s"):format(
      type(opts)), level + 1)
  end
  for k, v in pairs(opts) do
    local want = OPTIONS[k]
    if not want then
      local names = {}
      for name in pairs(OPTIONS) do names[#names + 1] = name end
      table.sort(names)
      local near = type(k) == "string"
        and require("openclaw.errors").closest(k, names)
      error(("image_generate: unknown option '%s'%s"):format(tostring(k),
        near and (" (did you mean '" .. near .. "'?)") or ""), level + 1)
    end
    if type(v) ~= want then
      error(("image_generate: option '%s' must be a %s, got %s"):format(k,
        want, type(v)), level + 1)
    end
  end
  if opts.images then
    for i, v in ipairs(opts.images) do
      if type(v) ~= "string" then
        error(("image_generate: images[%d] must be a path or URL string, "
          .. "got %s"):format(i, type(v)), level + 1)
      end
    end
  end
end

local function fail(message, code, detail)
  return nil, message, code, detail
end

-- the configured chain: { refs }, plus the configured timeoutMs
local function model_chain(cfg, override)
  if override then return { override } end
  local im = config_mod().image_model(cfg)
  local list = { has_text(im.primary) and im.primary or M.DEFAULT_MODEL }
  for _, r in ipairs(type(im.fallbacks) == "table" and im.fallbacks or {}) do
    if has_text(r) and r ~= list[1] then list[#list + 1] = r end
  end
  return list
end

-- parse a ref into an OpenRouter API id; nil, message, code otherwise
local function api_id_of(ref)
  local models = require("openclaw.models")
  local r, err = models.parse_ref(ref)
  if not r then
    return nil, "image model: " .. err, "invalid"
  end
  if r.provider ~= "openrouter" then
    return nil, ("%s does not generate images: use an OpenRouter image "
      .. "model such as %s"):format(r.ref, M.DEFAULT_MODEL),
      "not_image_model"
  end
  return r.api_id, r
end

-- known text-only models (the bundled rows) are refused before a request
local function known_text_model(api_id)
  if openrouter().IMAGE_MODELS[api_id] then return false end
  local ok, info = pcall(require("openclaw.models").info, api_id)
  return ok and type(info) == "table" and info.source == "bundled"
end

local function home_of(env)
  local h = type(env) == "table" and env.HOME or os.getenv("HOME")
  return has_text(h) and h or nil
end

-- references -> list of URLs for the request (data: URLs for local
-- files); nil, message on a bad one
local function load_references(list, env)
  local out = {}
  for i, ref in ipairs(list or {}) do
    local label = ("reference image %d (%s)"):format(i,
      #ref > 80 and (ref:sub(1, 77) .. "...") or ref)
    if ref:match("^[hH][tT][tT][pP][sS]?://") then
      out[#out + 1] = ref
    else
      local data, mime, err
      if ref:match("^[dD][aA][tT][aA]:") then
        data, err = media.parse_data_url(ref)
        if not data then return nil, label .. ": " .. err end
      else
        local path = ref:gsub("^file://", "")
        if path:sub(1, 2) == "~/" and home_of(env) then
          path = home_of(env) .. path:sub(2)
        end
        if path == "" then return nil, label .. ": empty path" end
        data, err = media.read_file(path, M.MAX_REFERENCE_BYTES)
        if not data then
          return nil, ("reference image %d: %s"):format(i, err)
        end
      end
      local info = media.sniff(data)
      if not info or info.kind ~= "image" then
        return nil, label .. ": not a PNG, JPEG, WebP or GIF image"
      end
      mime = info.mime
      out[#out + 1] = media.data_url(data, mime)
    end
  end
  return out
end

local function url_origin(url)
  local scheme, rest = tostring(url):match("^(%a[%w+.-]*)://([^/?#]*)")
  if not scheme then return nil end
  rest = rest:gsub("^.*@", ""):lower()
  scheme = scheme:lower()
  if not rest:find(":%d+$") then
    rest = rest .. (scheme == "https" and ":443" or ":80")
  end
  return scheme .. "://" .. rest
end

local function first_line(s)
  return (tostring(s or ""):match("^[^\n]*"))
end

local function short_text(s, n)
  s = tostring(s or ""):gsub("%s+", " ")
  s = s:gsub("^ ", ""):gsub(" $", "")
  n = n or 300
  if #s > n then s = s:sub(1, n - 3) .. "..." end
  return s
end

-- 180000 -> "180", 250 -> "0.25"
local function seconds(ms)
  return (("%.3f"):format(ms / 1000):gsub("0+$", ""):gsub("%.$", ""))
end

local REFUSAL_NATIVE = { "SAFETY", "PROHIBITED", "BLOCKLIST", "SPII",
                         "RECITATION", "IMAGE_SAFETY", "CONTENT_FILTER" }

local function refusal_of(meta)
  if has_text(meta.refusal) then return meta.refusal end
  if meta.finish_reason == "content_filter" then return "content_filter" end
  local native = type(meta.native_finish_reason) == "string"
    and meta.native_finish_reason:upper() or ""
  for _, w in ipairs(REFUSAL_NATIVE) do
    if native:find(w, 1, true) then return meta.native_finish_reason end
  end
  return nil
end

-- one attempt with one model: outcome table
--   { images = { {data, mime} | {url} }, meta } or
--   { failure = { message, code, failover, text } }
local function attempt(req, http_request)
  local res, msg, code = http_request{
    method = req.method, url = req.url, headers = req.headers,
    body = json.encode(req.body), timeout_ms = req.timeout_ms,
  }
  if not res then
    if code == "interrupted" then error(sched.INTERRUPTED, 0) end
    if code == "cancelled" then error(sched.CANCELLED, 0) end
    if code == "timeout" then
      return { failure = { code = "timeout", failover = true,
        message = ("image generation with %s timed out after %s s"):format(
          req.api_id, seconds(req.timeout_ms)),
        fix = "raise agents.defaults.imageGenerationModel.timeoutMs, or "
          .. "pass timeoutMs (--timeout-ms) for this call" } }
    end
    local e = openrouter().image_error(code or "network", msg)
    return { failure = { code = e.reason, failover = e.failover,
                         message = e.message, fix = e.fix } }
  end
  local doc = json.decode(res.body or "")
  local status = res.status
  if status == 200 and type(doc) == "table" and type(doc.error) == "table"
     and doc.choices == nil and doc.data == nil then
    status = math.tointeger(tonumber(doc.error.code)) or 500
  end
  if status ~= 200 then
    local e = openrouter().image_error(status, res.body, res.headers)
    local code2 = e.reason
    local message = e.message
    if code2 == "moderation" then
      code2 = "refused"
      message = ("%s refused the prompt (content policy): %s"):format(
        req.api_id, message)
    elseif code2 == "not_image_model" then
      message = ("%s is not an image model (%s)"):format(req.api_id,
        message)
    end
    return { failure = { code = code2, failover = e.failover,
                         message = message, fix = e.fix, status = status } }
  end
  if type(doc) ~= "table" then
    return { failure = { code = "malformed", failover = false,
      message = openrouter().IMAGE_MALFORMED .. " (the body is not JSON)" } }
  end
  local images, meta
  if req.route == "images" then
    images, meta = openrouter().extract_images_api(doc, true)
  else
    images, meta = openrouter().extract_images(doc, true)
  end
  if not images then
    return { failure = { code = "malformed", failover = false,
                         message = meta } }
  end
  meta = meta or {}
  if #images == 0 then
    local text = meta.text
    local refusal = refusal_of(meta)
    if refusal then
      return { failure = { code = "refused", failover = false, text = text,
        message = ("%s refused to make the image (content policy: %s)%s")
          :format(req.api_id, short_text(refusal, 200),
          has_text(text) and ("; it said: " .. short_text(text)) or ""),
        fix = "rephrase the prompt" } }
    end
    local known = openrouter().IMAGE_MODELS[req.api_id]
      or req.api_id:find("image", 1, true)
    return { failure = { code = known and "no_image" or "not_image_model",
      failover = true, text = text,
      message = ("%s: %s returned no image%s"):format(
        openrouter().IMAGE_MISSING, req.api_id,
        has_text(text) and ("; it said: " .. short_text(text)) or ""),
      fix = known and "try again or rephrase the prompt"
        or ("is %s an image model? use one such as %s"):format(req.api_id,
          M.DEFAULT_MODEL) } }
  end
  return { images = images, meta = meta }
end

-- a host name or literal address of this machine or a private network
local function private_host(host)
  host = host:lower():gsub("^%[", ""):gsub("%]$", "")
  if host == "localhost" or host:match("%.localhost$") or host == "::1"
     or host == "0.0.0.0" or host:match("^f[cd]%x%x:") or
     host:match("^fe80:") then
    return true
  end
  local a, b = host:match("^(%d+)%.(%d+)%.%d+%.%d+$")
  a, b = tonumber(a), tonumber(b)
  if not a then return false end
  return a == 127 or a == 10 or a == 0 or (a == 169 and b == 254)
    or (a == 172 and b >= 16 and b <= 31) or (a == 192 and b == 168)
    or (a == 100 and b >= 64 and b <= 127)
end

-- download an image given as a URL: data | nil, message. Only https
-- URLs on public hosts, or URLs on the API's own origin (which also get
-- the API key).
local function download(url, req, http_request)
  local headers = {}
  if url_origin(url) and url_origin(url) == url_origin(req.url) then
    headers.Authorization = req.headers.Authorization
  else
    local scheme, host = url:match("^(%a+)://([^/?#]*)")
    host = host and host:gsub("^.*@", ""):gsub(":%d*$", "") or ""
    if not scheme or scheme:lower() ~= "https" then
      return nil, "not an https URL: " .. url
    end
    if private_host(host) then
      return nil, "refusing a private network address: " .. url
    end
  end
  local res, msg, code = http_request{ url = url, headers = headers,
    timeout_ms = req.timeout_ms, max_body_bytes = M.MAX_DOWNLOAD_BYTES }
  if not res then
    if code == "interrupted" then error(sched.INTERRUPTED, 0) end
    if code == "cancelled" then error(sched.CANCELLED, 0) end
    return nil, ("%s (%s)"):format(first_line(msg), tostring(code))
  end
  if res.status ~= 200 then return nil, "HTTP " .. tostring(res.status) end
  return res.body
end

local function scrub(s, secrets)
  local ok, c = pcall(config_mod)
  if ok then return c.scrub(s, secrets) end
  return s
end

--- Generate images (see the top of this file).
function M.call(opts)
  opts = opts or {}
  check_options(opts, 2)
  local emit = opts.on_event or function() end
  local env = opts.env
  local cfg = opts.config
  if cfg == nil then
    local c, err = config_mod().load{ env = env }
    if not c then return fail(err, "config") end
    cfg = c
  end
  local route = opts.route or "chat"
  if route ~= "chat" and route ~= "images" then
    return fail(("route must be \"chat\" or \"images\", got '%s'"):format(
      route), "invalid")
  end
  local refs_list = opts.images or {}
  local req_opts = {
    prompt = opts.prompt,
    aspect_ratio = opts.aspectRatio or opts.aspect_ratio,
    resolution = opts.resolution, count = opts.count,
    references = refs_list, route = route,
    timeout_ms = opts.timeoutMs or opts.timeout_ms,
  }
  if req_opts.timeout_ms ~= nil and not (req_opts.timeout_ms > 0) then
    return fail(("timeoutMs must be > 0, got %s"):format(
      tostring(req_opts.timeout_ms)), "invalid")
  end

  -- 1. the models, and the request checked against the first one
  local chain = model_chain(cfg, opts.model)
  local first_id, first_err, first_code = api_id_of(chain[1])
  if not first_id then return fail(first_err, first_code) end
  if known_text_model(first_id) then
    return fail(("%s is not an image model: use one such as %s"):format(
      first_id, M.DEFAULT_MODEL), "not_image_model")
  end
  req_opts.model = first_id
  local checked, cerr = openrouter().check_image_request(req_opts, route)
  if not checked then return fail(cerr, "invalid") end

  -- 2. the key, the reference images and the output folder
  local provider = require("openclaw.provider")
  local target = provider.resolve(chain[1])
  local key
  if target then key = provider.api_key(target, cfg, env) end
  if not has_text(key) then
    return fail(openrouter().IMAGE_NO_KEY_MESSAGE .. ": run 'openclaw "
      .. "onboard --auth-choice openrouter-api-key' or set "
      .. "OPENROUTER_API_KEY", "auth")
  end
  local secrets = { key }
  local references, rerr = load_references(refs_list, env)
  if not references then return fail(rerr, "invalid") end
  req_opts.references = references
  local out_dir = opts.out
  if out_dir then
    if out_dir == "" then return fail("out: empty folder name", "invalid") end
    if out_dir:sub(1, 2) == "~/" and home_of(env) then
      out_dir = home_of(env) .. out_dir:sub(2)
    end
  elseif opts.state_dir then
    out_dir = opts.state_dir .. "/media"
  else
    out_dir = media.media_dir(cfg, env)
  end

  -- 3. each model in turn until one answers with images
  local http_request = require("openclaw.http").request
  local attempts, warnings = {}, {}
  local outcome, used_ref, used_req
  local last_failure
  for i, ref in ipairs(chain) do
    local api_id, aerr = api_id_of(ref)
    local req, berr, bcode
    if api_id and i > 1 and known_text_model(api_id) then
      api_id, aerr = nil, api_id .. " is not an image model"
    end
    if api_id then
      req_opts.model = api_id
      req, berr, bcode = openrouter().build_image_request(req_opts,
        { config = cfg, env = env, api_key = key })
    else
      berr, bcode = aerr, "invalid"
    end
    if not req then
      if i == 1 then return fail(berr, bcode) end
      attempts[#attempts + 1] = { ref = ref, result = "skipped", message =
        berr }
      warnings[#warnings + 1] = ("skipped fallback %s: %s"):format(ref, berr)
    else
      emit({ type = "request", ref = ref, model = api_id,
             timeout_ms = req.timeout_ms })
      local o = attempt(req, http_request)
      if o.images then
        outcome, used_ref, used_req = o, ref, req
        attempts[#attempts + 1] = { ref = ref, result = "ok" }
        break
      end
      local f = o.failure
      f.message = scrub(f.message, secrets)
      attempts[#attempts + 1] = { ref = ref, result = f.code,
                                  message = f.message }
      last_failure = f
      if not f.failover or i == #chain then break end
      emit({ type = "fallback", from = ref, to = chain[i + 1],
             reason = f.code, message = f.message })
    end
  end
  if not outcome then
    local f = last_failure or { message = "no image model could be used",
                                code = "config" }
    local msg = f.message
    if #attempts > 1 then
      local parts = {}
      for _, a in ipairs(attempts) do
        parts[#parts + 1] = a.ref .. " " .. tostring(a.result)
      end
      msg = msg .. " (tried: " .. table.concat(parts, ", ") .. ")"
    end
    return fail(msg, f.code, { text = f.text, fix = f.fix,
      attempts = attempts, status = f.status })
  end

  -- 4. bytes of every image (downloads for URLs), checked and written
  local meta = outcome.meta
  local t0 = os.time()
  local written = {}
  local n = 0
  for i, img in ipairs(outcome.images) do
    local data = img.data
    if img.url then
      local d, derr = download(img.url, used_req, http_request)
      if not d then
        warnings[#warnings + 1] = ("image %d: download failed: %s"):format(
          i, scrub(derr, secrets))
      end
      data = d
    end
    if data then
      local info = media.sniff(data)
      if not info or info.kind ~= "image" then
        warnings[#warnings + 1] = ("image %d is not a PNG, JPEG, WebP or "
          .. "GIF image (%d bytes); not saved"):format(i, #data)
      else
        n = n + 1
        local path, winfo, wcode = media.write(out_dir, data, {
          prefix = "image", index = n, time = t0, kind = "image" })
        if not path then
          return fail("cannot save the image: " .. winfo, wcode or "write",
            { text = meta.text, images = written })
        end
        written[#written + 1] = { path = path, mime = winfo.mime,
                                  bytes = winfo.bytes }
      end
    end
  end
  if #written == 0 then
    local all_urls = true
    for _, img in ipairs(outcome.images) do
      if not img.url then all_urls = false end
    end
    return fail(("%s returned %d image(s) but none could be saved: %s")
      :format(used_req.api_id, #outcome.images, warnings[#warnings] or "?"),
      all_urls and "download" or "malformed",
      { text = meta.text, warnings = warnings })
  end
  return {
    images = written, text = meta.text,
    model = meta.model or used_req.api_id, ref = used_ref,
    warnings = warnings, attempts = attempts,
  }
end

--- The text a model gets back for a successful call.
function M.result_text(res)
  local lines = { ("Generated %d image%s with %s, saved as:"):format(
    #res.images, #res.images == 1 and "" or "s", tostring(res.model)) }
  for _, im in ipairs(res.images) do
    lines[#lines + 1] = ("- %s (%s, %s)"):format(im.path, im.mime,
      size_text(im.bytes))
  end
  if has_text(res.text) then
    lines[#lines + 1] = "The image model also wrote: " .. res.text
  end
  for _, w in ipairs(res.warnings or {}) do
    lines[#lines + 1] = "Note: " .. w
  end
  return table.concat(lines, "\n")
end

-- the model's arguments, made safe: only the known ones, with types fixed
local function model_args(args)
  if type(args) ~= "table" then
    error("image_generate: the arguments must be a JSON object", 0)
  end
  local o = {}
  local prompt = args.prompt
  if type(prompt) ~= "string" or not prompt:find("%S") then
    error("image_generate: 'prompt' is required (a description of the "
      .. "image)", 0)
  end
  o.prompt = prompt
  local function str(k)
    local v = args[k]
    if v == nil or v == json.null then return nil end
    if type(v) == "number" then v = tostring(v) end
    if type(v) ~= "string" then
      error(("image_generate: '%s' must be a string"):format(k), 0)
    end
    return has_text(v) and v or nil
  end
  o.aspectRatio = str("aspectRatio") or str("aspect_ratio")
  o.resolution = str("resolution")
  local function num(k)
    local v = args[k]
    if v == nil or v == json.null then return nil end
    local n = tonumber(v)
    if not n then
      error(("image_generate: '%s' must be a number"):format(k), 0)
    end
    return n
  end
  o.count = num("count")
  o.timeoutMs = num("timeoutMs") or num("timeout_ms")
  local imgs = args.images
  if imgs ~= nil and imgs ~= json.null then
    if type(imgs) == "string" then imgs = { imgs } end
    if type(imgs) ~= "table" then
      error("image_generate: 'images' must be a list of paths or URLs", 0)
    end
    o.images = {}
    for _, v in ipairs(imgs) do
      if type(v) ~= "string" then
        error("image_generate: 'images' must be a list of paths or URLs", 0)
      end
      o.images[#o.images + 1] = v
    end
  end
  return o
end

--- A tool call from a model: the text result (raises on failure, which
-- the agent reports to the model as an error).
function M.run(args, ctx)
  local o = model_args(args)
  local agent = type(ctx) == "table" and ctx.agent or nil
  if agent then
    o.config = agent.config
    o.env = agent.env
    if agent.state_dir then o.state_dir = agent.state_dir end
  end
  local res, err, code, detail = M.call(o)
  if not res then
    local msg = err
    if detail and has_text(detail.fix) then msg = msg .. "; " .. detail.fix end
    if detail and has_text(detail.text) and not msg:find(detail.text, 1,
                                                          true) then
      msg = msg .. " (the image model wrote: " .. short_text(detail.text)
        .. ")"
    end
    error(("%s [%s]"):format(msg, tostring(code)), 0)
  end
  return M.result_text(res)
end

--- True when the tool can be offered: an OpenRouter image model is
-- configured (agents.defaults.imageGenerationModel.primary or
-- mediaModels.image.primary) and an OpenRouter API key is available.
-- Second value: why not.
function M.available(cfg, env)
  if type(cfg) ~= "table" then return false, "no configuration" end
  local im = config_mod().image_model(cfg)
  if not has_text(im.primary) then
    return false, "no image model configured"
  end
  local id = api_id_of(im.primary)
  if not id then return false, "the image model is not an OpenRouter model" end
  local provider = require("openclaw.provider")
  local target = provider.resolve(im.primary)
  if not target or not has_text(provider.api_key(target, cfg, env)) then
    return false, "no OpenRouter API key"
  end
  return true
end

--- The tool for an agent with this config: the module's fields, with a
-- description that names the model and what it accepts.
function M.tool_for(cfg)
  local im = config_mod().image_model(cfg or {})
  local primary = has_text(im.primary) and im.primary or M.DEFAULT_MODEL
  local caps = openrouter().image_capabilities(primary)
  local desc = M.description .. (" Model: %s; count 1-%d; at most %d "
    .. "reference image%s."):format(caps.api_id, caps.max_count,
    caps.max_references, caps.max_references == 1 and "" or "s")
  if caps.hints then
    desc = desc .. (" aspectRatio: %s. resolution: %s."):format(
      table.concat(caps.aspect_ratios, ", "),
      table.concat(caps.resolutions, ", "))
  else
    desc = desc .. " This model takes no aspectRatio or resolution."
  end
  return { name = M.name, description = desc, parameters = M.parameters,
           run = M.run, call = M.call }
end

return M
