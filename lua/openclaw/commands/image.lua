--- `openclaw image`: generate images from the command line.
--
--   openclaw image PROMPT [--aspect-ratio R] [--resolution R] [--count N]
--                  [--image PATH|URL]... [--out DIR] [--model REF]
--                  [--timeout-ms N] [--route chat|images] [--json]
--
-- The paths of the written files go to stdout, one per line; what the
-- model wrote besides the images, notices and errors go to stderr. While
-- the request runs, a spinner with the elapsed time is drawn on stderr
-- when it is a terminal (never with --json). --json prints one JSON
-- object. Exit status: 0 ok, 1 failed, 2 usage mistake or a value the
-- model does not support, 130 Ctrl-C (nothing is written then).
--
-- ctx (optional, for tests): stdout, stderr, stdin, env, isatty, shipped,
-- flags, config_files.
local args = require("openclaw.args")
local errors = require("openclaw.errors")
local json = require("openclaw.json")
local sched = require("openclaw.sched")
local term = require("openclaw.term")
local util = require("openclaw.util")

local M = {
  name = "image",
  summary = "generate images with the image model",
  usage = "openclaw image PROMPT [--aspect-ratio R] [--resolution R] "
    .. "[--count N] [--image PATH|URL]... [--out DIR] [--model REF] "
    .. "[--timeout-ms N] [--json]",
}

M.help = [[
options:
  --aspect-ratio R      e.g. 1:1, 16:9, 9:16 (Gemini image models only)
  --resolution R        1K, 2K or 4K (Gemini image models only)
  --count N             how many images (default 1; at most 4, or the
                        model's limit)
  --image PATH|URL      a reference image to edit or draw from (repeat
                        for several; PNG, JPEG, WebP or GIF)
  --out DIR             write the files here (default: the media folder,
                        $OPENCLAW_STATE_DIR/media)
  --model REF           this image model only (default:
                        agents.defaults.imageGenerationModel.primary, then
                        its fallbacks)
  --timeout-ms N        give up after N ms (default:
                        agents.defaults.imageGenerationModel.timeoutMs,
                        else 180000)
  --route chat|images   OpenRouter API to use: chat completions (default)
                        or the /images API
  --json                print one JSON object: {"images": [{"path",
                        "mime", "bytes"}], "text", "model", "ref",
                        "error": null | {"message", "code"}}

PROMPT may be several words; '-' reads it from standard input. Files are
named image-<date>-<time>-<n>.<png|jpg|webp|gif> after their real content.
Exit status: 0 ok, 1 the request failed, 2 usage mistake or an unsupported
value (nothing sent), 130 interrupted (Ctrl-C).]]

local FLAGS = {
  ["--aspect-ratio"] = "string",
  ["--resolution"] = "string",
  ["--count"] = "integer",
  ["-n"] = "--count",
  ["--image"] = "list",
  ["-i"] = "--image",
  ["--out"] = "string",
  ["-o"] = "--out",
  ["--model"] = "string",
  ["--timeout-ms"] = "integer",
  ["--route"] = "string",
  ["--json"] = "boolean",
}

local first_line = util.first_line
local size_text = util.size_text

function M.run(argv, ctx)
  ctx = ctx or {}
  local opts, pos = args.parse(argv, { flags = FLAGS, min = 1,
    command = "openclaw image", usage = M.usage })
  local agent_cmd = require("openclaw.commands.agent")
  local config = require("openclaw.config")
  local stderr = ctx.stderr or io.stderr
  local cfg = agent_cmd.load_config(ctx, stderr)
  local prompt = args.text(table.concat(pos, " "), ctx, "openclaw image",
                           "prompt", M.usage)
  if opts.count and opts.count < 1 then
    errors.usage("openclaw image: --count must be at least 1")
  end
  if opts.timeout_ms and opts.timeout_ms < 1 then
    errors.usage("openclaw image: --timeout-ms must be at least 1")
  end
  if opts.route and opts.route ~= "chat" and opts.route ~= "images" then
    errors.usage("openclaw image: --route must be 'chat' or 'images'")
  end
  local model
  if opts.model then
    local ref, err = agent_cmd.resolve_model(opts.model, cfg, ctx.env)
    if not ref then errors.usage("openclaw image: --model: %s", err) end
    model = ref
  end
  local t = term.new{ stdout = ctx.stdout, stderr = ctx.stderr,
    cfg = cfg, env = ctx.env, isatty = ctx.isatty }
  local secrets = agent_cmd.secrets(cfg, ctx.env)
  local quiet = opts.json

  local spinner
  local function start_spinner(label)
    if quiet or not t.err_tty then return end
    spinner = term.spinner(label, { stream = t.stderr, color = t.err.on,
      delay_ms = 300 })
  end
  local function stop_spinner()
    if spinner then spinner:stop() spinner = nil end
  end

  local tool = require("tools.image_generate")
  local call_opts = {
    prompt = prompt, aspectRatio = opts.aspect_ratio,
    resolution = opts.resolution, count = opts.count, images = opts.image,
    out = opts.out, model = model, timeoutMs = opts.timeout_ms,
    route = opts.route, config = cfg, env = ctx.env,
    on_event = function(ev)
      if ev.type == "request" then
        stop_spinner()
        start_spinner(("generating %s with %s"):format(
          (opts.count or 1) > 1 and (opts.count .. " images") or "an image",
          tostring(ev.model)))
      elseif ev.type == "fallback" and not quiet then
        stop_spinner()
        t:eline(t.err.dim(config.scrub(("falling back from %s to %s (%s)")
          :format(tostring(ev.from), tostring(ev.to), tostring(ev.reason)),
          secrets)))
      end
    end,
  }
  local ok, res, err, code, detail = pcall(tool.call, call_opts)
  stop_spinner()
  if not ok then
    if res == sched.INTERRUPTED then t:newline_if_needed(true) end
    error(res, 0)
  end

  if not res then
    detail = detail or {}
    local msg = config.scrub(first_line(err), secrets)
    local fix = detail.fix and config.scrub(first_line(detail.fix), secrets)
    if quiet then
      t:line(json.encode({ images = json.array({}),
        text = detail.text or json.null, model = json.null, ref = json.null,
        error = { message = msg, code = code or json.null,
                  fix = fix or json.null } }))
    elseif type(detail.text) == "string" and detail.text:find("%S")
           and not msg:find(detail.text, 1, true) then
      t:eline(t.err.dim("the image model wrote: "
        .. config.scrub(detail.text, secrets)))
    end
    if fix and not msg:find(fix, 1, true) then
      msg = msg:gsub("[%.%s]+$", "") .. "; " .. fix
    end
    t:eline("openclaw: " .. msg)
    return code == "invalid" and 2 or 1
  end

  if quiet then
    local imgs = json.array({})
    for i, im in ipairs(res.images) do
      imgs[i] = { path = im.path, mime = im.mime, bytes = im.bytes }
    end
    local obj = { images = imgs, text = res.text or json.null,
      model = res.model or json.null, ref = res.ref or json.null,
      error = json.null }
    if #res.warnings > 0 then
      obj.warnings = json.array({})
      for i, w in ipairs(res.warnings) do
        obj.warnings[i] = config.scrub(w, secrets)
      end
    end
    t:line(json.encode(obj))
    return 0
  end
  for _, w in ipairs(res.warnings) do
    t:eline(t.err.dim("openclaw: note: " .. config.scrub(w, secrets)))
  end
  if type(res.text) == "string" and res.text:find("%S") then
    t:eline(t.err.dim(config.scrub(res.text, secrets)))
  end
  for _, im in ipairs(res.images) do
    t:line(im.path)
  end
  if t.err_tty then
    local total = 0
    for _, im in ipairs(res.images) do total = total + im.bytes end
    t:eline(t.err.dim(("%d image%s from %s (%s)"):format(#res.images,
      #res.images == 1 and "" or "s", tostring(res.model),
      size_text(total))))
  end
  return 0
end

return M
