--- `openclaw tts`: turn text into speech with OpenRouter.
--
--   openclaw tts TEXT [--voice V] [--model M] [--format mp3|pcm]
--                [--speed N] [--out FILE] [--play] [--json]
--
-- Writes the audio to FILE (--out) or to <state dir>/media/ and prints
-- the path on stdout (--json: one object {path, format, bytes, model,
-- voice}). TEXT '-' reads standard input. Exit status: 0, 1 when the
-- request failed (error on stderr), 2 for a usage mistake (bad format,
-- empty text...), 130 on Ctrl-C.
-- ctx (tests): stdout, stderr, stdin, env, shipped, config_files.
local args = require("openclaw.args")
local errors = require("openclaw.errors")
local json = require("openclaw.json")

local M = {
  name = "tts",
  summary = "turn text into speech (an audio file; OpenRouter)",
  usage = "openclaw tts TEXT [--voice V] [--model M] [--format mp3|pcm] "
    .. "[--speed N] [--out FILE] [--play] [--json]",
}

M.help = [[
options:
  --voice V        voice id (default: messages.tts.providers.openrouter.voice,
                   else af_alloy)
  --model M        speech model (default: ...openrouter.model, else
                   hexgrad/kokoro-82m)
  --format F       mp3 or pcm (raw s16le, 24 kHz, mono); the formats of
                   OpenRouter's speech API. Default: ...responseFormat, else
                   mp3; a FILE ending in .mp3 or .pcm picks that format
  --speed N        speaking speed (models that support it)
  --out FILE       write the audio to FILE (default: a new file in
                   <state dir>/media/)
  --play           play the audio with ffplay, mpv, afplay or aplay
                   (whichever is on PATH)
  --json           print one JSON object {path, format, bytes, model,
                   voice} (with --play also "played": the player or null),
                   or {error: {message, code}}

TEXT '-' reads the text from standard input. The key comes from
messages.tts.providers.openrouter.apiKey, models.providers.openrouter.apiKey,
then OPENROUTER_API_KEY (or the key saved by 'openclaw onboard').

Exit status: 0 ok, 1 the request failed, 2 usage mistake, 130 interrupted.]]

local FLAGS = {
  ["--voice"] = "string",
  ["--model"] = "string",
  ["--format"] = "string",
  ["--speed"] = "number",
  ["--out"] = "string",
  ["-o"] = "--out",
  ["--play"] = "boolean",
  ["--json"] = "boolean",
}

function M.run(argv, ctx)
  ctx = ctx or {}
  local opts, pos = args.parse(argv, { flags = FLAGS,
    command = "openclaw tts", usage = M.usage })
  if #pos == 0 then
    errors.usage("openclaw tts: missing TEXT, e.g. openclaw tts \"Hello\" "
      .. "(or '-' to read standard input); usage: %s", M.usage)
  end
  local stdout = ctx.stdout or io.stdout
  local stderr = ctx.stderr or io.stderr
  local openrouter = require("providers.openrouter")
  local format = opts.format
  if format then
    local f = format:lower()
    local ok = false
    for _, v in ipairs(openrouter.SPEECH_FORMATS) do
      if v == f then ok = true end
    end
    if not ok then
      errors.usage("openclaw tts: --format: Invalid OpenRouter speech "
        .. "responseFormat: %s (use %s)", format,
        table.concat(openrouter.SPEECH_FORMATS, " or "))
    end
    format = f
  elseif opts.out then
    local ext = opts.out:match("%.(%w+)$")
    ext = ext and ext:lower()
    for _, v in ipairs(openrouter.SPEECH_FORMATS) do
      if v == ext then format = v end
    end
  end
  if opts.speed and opts.speed <= 0 then
    errors.usage("openclaw tts: --speed must be a number > 0, got %s",
                 tostring(opts.speed))
  end
  local text = args.text(table.concat(pos, " "), ctx, "openclaw tts", "text",
                         M.usage)

  local agentcmd = require("openclaw.commands.agent")
  local cfg = agentcmd.load_config(ctx, stderr)
  local tts = require("tools.tts")
  local r, err, code = tts.speak(text, { voice = opts.voice,
    model = opts.model, format = format, speed = opts.speed,
    out = opts.out }, cfg, ctx.env)
  if not r then
    if opts.json then
      stdout:write(json.encode({ error = { message = err, code = code } }),
                   "\n")
    end
    if code == "invalid" then
      errors.usage("openclaw tts: %s", err)
    end
    stderr:write("openclaw: ", err, "\n")
    return 1
  end
  if opts.play then
    local name, note = tts.play(r.path, r.format, ctx.env)
    r.played = name
    if not name then stderr:write("openclaw: note: ", note, "\n") end
  end
  if opts.json then
    local obj = { path = r.path, format = r.format, bytes = r.bytes,
                  model = r.model, voice = r.voice }
    if opts.play then obj.played = r.played or json.null end
    stdout:write(json.encode(obj), "\n")
  else
    stdout:write(r.path, "\n")
  end
  return 0
end

return M
