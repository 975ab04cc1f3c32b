--- tools.tts: text-to-speech through OpenRouter's /audio/speech.
--
--   local oc = require("openclaw")
--   local r, err, code = oc.tools.tts{ text = "Hello", voice = "af_alloy",
--     model = "hexgrad/kokoro-82m", format = "mp3", out = "hello.mp3" }
--   -- r = { path, format, bytes, model, voice }
--   agent:tool(oc.tools.get("tts"))        -- let a model call it
--
-- Also here: the automatic speech of replies (messages.tts.auto) used by
-- `openclaw agent` / `openclaw chat` through M.auto(cfg, opts), the
-- [[tts]] directive scanner, and audio playback (--play).
--
-- The request is built by providers.openrouter.build_speech_request
-- (docs: docs/images-and-speech.md, "Text-to-speech"). Expected failures
-- return nil, message, code; misuse (wrong argument types) raises.
-- Codes: "invalid" (empty or too long text, bad format or speed),
-- "auth" (no key), "config" (a config that does not load, another
-- speech provider), "io" (the file could not be written), "no_audio"
-- (a 200 without audio), the failure reasons of
-- openrouter.classify_error for HTTP errors ("auth", "rate_limit",
-- "billing", "timeout", ...) and the codes of openclaw.http for network
-- failures ("connect", "timeout", "dns", ...).
local json = require("openclaw.json")
local util = require("openclaw.util")

local M = {
  name = "tts",
  description = "Convert text to speech. Writes an audio file and "
    .. "returns its path (and format, size, model and voice).",
  parameters = {
    type = "object",
    properties = {
      text = { type = "string", description = "Text to convert to speech." },
      voice = { type = "string",
                description = "Voice id (optional; default from the config)." },
      model = { type = "string",
                description = "Speech model id (optional)." },
    },
    required = { "text" },
  },
}

--- Longest text spoken when messages.tts.maxTextLength is unset.
M.DEFAULT_MAX_TEXT = 4096
--- Speech request timeout when messages.tts.timeoutMs is unset.
M.DEFAULT_TIMEOUT_MS = 30000
--- Largest audio response accepted.
M.MAX_AUDIO_BYTES = 64 * 1024 * 1024
--- Valid values of messages.tts.auto and .mode.
M.AUTO_MODES = { "off", "always", "inbound", "tagged" }
M.MODES = { "final", "all" }

local function openrouter() return require("providers.openrouter") end
local function config_mod() return require("openclaw.config") end

local first_line = util.first_line
local get = util.get
local exists = util.exists

local function nonempty(s)
  if type(s) == "string" and s:find("%S") then return s end
  return nil
end

-- the process environment as a table (for key lookups)
local process_env = setmetatable({}, {
  __index = function(_, k) return os.getenv(k) end,
})

local function env_of(env)
  return type(env) == "table" and env or process_env
end

local function one_of(v, list)
  for _, x in ipairs(list) do if x == v then return true end end
  return false
end

---------------------------------------------------------------------------
-- settings

--- The effective messages.tts settings of a config:
-- { auto, mode, provider, max_text, timeout_ms, overrides = {enabled,
--   voice, model} }. `enabled = true` (OpenClaw's older switch) with auto
-- "off" means "always"; `enabled = false` means "off".
function M.settings(cfg)
  local t = get(cfg, "messages", "tts")
  t = type(t) == "table" and t or {}
  local auto = type(t.auto) == "string" and t.auto:lower() or "off"
  if not one_of(auto, M.AUTO_MODES) then auto = "off" end
  if t.enabled == true and auto == "off" then auto = "always" end
  if t.enabled == false then auto = "off" end
  local mode = type(t.mode) == "string" and t.mode:lower() or "final"
  if not one_of(mode, M.MODES) then mode = "final" end
  local mo = type(t.modelOverrides) == "table" and t.modelOverrides or {}
  local on = mo.enabled ~= false
  return {
    auto = auto, mode = mode,
    provider = nonempty(t.provider) and t.provider or "openrouter",
    max_text = math.tointeger(t.maxTextLength) or M.DEFAULT_MAX_TEXT,
    timeout_ms = math.tointeger(t.timeoutMs) or M.DEFAULT_TIMEOUT_MS,
    overrides = { enabled = on, voice = on and mo.allowVoice ~= false,
                  model = on and mo.allowModelId ~= false,
                  speed = on and mo.allowSpeed ~= false },
  }
end

---------------------------------------------------------------------------
-- media files (openclaw.media: generated names, sniffing, safe writes)

local function media() return require("openclaw.media") end
local function fs() return require("openclaw.core.fs") end

--- <state dir>/media for a config and env.
function M.media_dir(cfg, env)
  return media().media_dir(cfg, env)
end

-- write the audio to `out` (replaced when it exists) or to a fresh
-- tts-<date>-<time>-1.<ext> in the media folder; path | nil, msg, code
local function save(data, fmt, out, cfg, env)
  if out then
    local ok, err = fs().write_atomic(out, data, { mode = 0x1a4,
                                                   backup = false })
    if not ok then
      return nil, "cannot write " .. out .. ": " .. tostring(err), "io"
    end
    return out
  end
  local path, info, code = media().write(M.media_dir(cfg, env), data, {
    prefix = "tts", ext = fmt, kind = "audio" })
  if not path then
    if code == "invalid" then
      return nil, "OpenRouter TTS API returned no audio: " .. tostring(info),
        "no_audio"
    end
    return nil, tostring(info), "io"
  end
  return path
end

---------------------------------------------------------------------------
-- playback

--- Players tried in order: name, formats it can play, argv builder.
-- pcm is OpenRouter's raw s16le, 24 kHz, mono.
M.PLAYERS = {
  { name = "ffplay", formats = { mp3 = true, pcm = true },
    args = function(path, fmt)
      local a = { "-nodisp", "-autoexit", "-loglevel", "error" }
      if fmt == "pcm" then
        for _, x in ipairs({ "-f", "s16le", "-ar", "24000" }) do
          a[#a + 1] = x
        end
      end
      a[#a + 1] = path
      return a
    end },
  { name = "mpv", formats = { mp3 = true, pcm = true },
    args = function(path, fmt)
      local a = { "--no-video", "--really-quiet" }
      if fmt == "pcm" then
        for _, x in ipairs({ "--demuxer=rawaudio",
          "--demuxer-rawaudio-format=s16le",
          "--demuxer-rawaudio-rate=24000",
          "--demuxer-rawaudio-channels=1" }) do a[#a + 1] = x end
      end
      a[#a + 1] = path
      return a
    end },
  { name = "afplay", formats = { mp3 = true },
    args = function(path) return { path } end },
  { name = "aplay", formats = { pcm = true },
    args = function(path)
      return { "-q", "-t", "raw", "-f", "S16_LE", "-r", "24000", "-c", "1",
               path }
    end },
}

local function is_exec(path)
  local ok, lfs = pcall(require, "lfs")
  if not ok then return exists(path) end
  if lfs.attributes(path, "mode") ~= "file" then return false end
  local perm = lfs.attributes(path, "permissions") or ""
  return perm:find("x", 1, true) ~= nil
end

local function which(name, env)
  local path = env_of(env).PATH
  if type(path) ~= "string" then path = os.getenv("PATH") or "" end
  for dir in path:gmatch("[^:]+") do
    local p = dir .. "/" .. name
    if is_exec(p) then return p end
  end
  return nil
end

local function quote(s) return "'" .. tostring(s):gsub("'", "'\\''") .. "'" end

--- The first player on PATH that plays fmt: { name, path, spec } or nil
-- (spec: the M.PLAYERS entry).
function M.find_player(fmt, env)
  for _, p in ipairs(M.PLAYERS) do
    if p.formats[fmt] then
      local exe = which(p.name, env)
      if exe then return { name = p.name, path = exe, spec = p } end
    end
  end
  return nil
end

--- The note shown when no player is found for fmt.
function M.no_player_note(fmt, path)
  local names = {}
  for _, p in ipairs(M.PLAYERS) do
    if p.formats[fmt] then names[#names + 1] = p.name end
  end
  return ("--play: no audio player for %s found on PATH (install one of: "
    .. "%s); the audio is in %s"):format(fmt, table.concat(names, ", "),
    path)
end

--- Play an audio file with the first player found (blocks until it
-- ends). Returns the player's name, or nil, note.
function M.play(path, fmt, env)
  local p = M.find_player(fmt, env)
  if not p then return nil, M.no_player_note(fmt, path) end
  local parts = { quote(p.path) }
  for _, a in ipairs(p.spec.args(path, fmt)) do parts[#parts + 1] = quote(a) end
  local cmd = table.concat(parts, " ") .. " </dev/null >/dev/null 2>&1"
  local ok, how, code = os.execute(cmd)
  if ok then return p.name end
  if how == "signal" then
    return nil, ("--play: %s was stopped (signal %s)"):format(p.name,
                                                            tostring(code))
  end
  return nil, ("--play: %s failed (exit status %s); the audio is in %s")
    :format(p.name, tostring(code), path)
end

---------------------------------------------------------------------------
-- synthesis

local function speech_failure(req_err, secrets)
  local msg = req_err.message
  if req_err.fix and not msg:find(req_err.fix, 1, true) then
    msg = msg:gsub("[%.%s]+$", "") .. "; " .. req_err.fix
  end
  return config_mod().scrub(first_line(msg), secrets), req_err.reason
    or "unknown"
end

--- Speak text with a loaded config. o (all optional): voice, model,
-- format, speed, provider (routing), out (file path), timeout_ms,
-- api_key, base_url. Returns { path, format, bytes, model, voice } or
-- nil, message, code.
function M.speak(text, o, cfg, env)
  o = o or {}
  local s = M.settings(cfg)
  if s.provider ~= "openrouter" then
    return nil, ('unsupported speech provider "%s": openclaw speaks '
      .. 'through "openrouter"; set messages.tts.provider to '
      .. '"openrouter"'):format(tostring(s.provider)), "config"
  end
  if type(text) == "string" and utf8.len(text) and utf8.len(text)
     > s.max_text then
    return nil, ("the text is too long to speak (%d characters; "
      .. "messages.tts.maxTextLength is %d)"):format(utf8.len(text),
      s.max_text), "invalid"
  end
  local or_ = openrouter()
  local req, err, code = or_.build_speech_request(text, {
    model = o.model, voice = o.voice, format = o.format, speed = o.speed,
    provider = o.provider, api_key = o.api_key, base_url = o.base_url,
  }, cfg, env_of(env))
  if not req then return nil, err, code end
  local secrets = { req.headers.Authorization:sub(8) }
  local http = require("openclaw.http")
  local res, msg, ncode = http.request{
    method = req.method, url = req.url, headers = req.headers,
    body = json.encode(req.body),
    timeout_ms = o.timeout_ms or s.timeout_ms,
    max_body_bytes = M.MAX_AUDIO_BYTES,
  }
  if not res then
    return nil, speech_failure(or_.speech_error(ncode or "network", msg),
                               secrets), ncode or "network"
  end
  if res.status ~= 200 then
    local e = or_.speech_error(res.status, res.body, res.headers)
    local m, reason = speech_failure(e, secrets)
    return nil, m, reason
  end
  local ctype = tostring(res.headers["content-type"] or ""):lower()
  if res.body == "" or ctype:find("json", 1, true)
     or ctype:find("^text/") then
    local detail = ctype ~= "" and (" (" .. ctype .. ")") or ""
    return nil, "OpenRouter TTS API returned no audio" .. detail, "no_audio"
  end
  local path, werr, wcode = save(res.body, req.format, o.out, cfg, env)
  if not path then return nil, werr, wcode end
  return { path = path, format = req.format, bytes = #res.body,
           model = req.model, voice = req.voice }
end

local OPTS = { text = "string", voice = "string", model = "string",
  format = "string", out = "string", speed = "number", provider = "table",
  config = "table", env = "table", play = "boolean",
  timeout_ms = "number", api_key = "string", base_url = "string" }

--- oc.tools.tts{ text, voice, model, format, speed, provider (routing),
-- out, play, config, env, timeout_ms, api_key, base_url }
-- -> { path, format, bytes, model, voice [, played | play_note] }
-- | nil, message, code. config: an effective config (default: loaded
-- from env). play: play the file (blocks); the result then has
-- `played` (the player's name) or `play_note`.
function M.call(opts)
  if type(opts) == "string" then opts = { text = opts } end
  if type(opts) ~= "table" then
    error("openclaw.tools.tts: expected a table {text = ..., voice, model, "
      .. "format, out}, got " .. type(opts), 2)
  end
  for k, v in pairs(opts) do
    local want = OPTS[k]
    if not want then
      error(("openclaw.tools.tts: unknown option '%s' (known: text, voice, "
        .. "model, format, speed, provider, out, play, config, env, "
        .. "timeout_ms, api_key, base_url)")
        :format(tostring(k)), 2)
    end
    if type(v) ~= want then
      error(("openclaw.tools.tts: '%s' must be a %s, got %s"):format(k,
        want, type(v)), 2)
    end
  end
  if opts.text == nil then
    error("openclaw.tools.tts: 'text' is required", 2)
  end
  local cfg = opts.config
  if cfg == nil then
    local c, err = config_mod().load{ env = opts.env }
    if not c then return nil, err, "config" end
    cfg = c
  end
  local r, err, code = M.speak(opts.text, opts, cfg, opts.env)
  if not r then return nil, err, code end
  if opts.play then
    local name, note = M.play(r.path, r.format, opts.env)
    r.played, r.play_note = name, note
  end
  return r
end

--- The agent tool: run(args, ctx) for a model's call. Returns the result
-- table, or {error = message}.
function M.run(args, ctx)
  args = type(args) == "table" and args or {}
  local a = type(ctx) == "table" and ctx.agent or nil
  local cfg = a and a.config
  local env = a and a.env
  if cfg == nil then
    local c, err = config_mod().load{ env = env }
    if not c then return { error = err } end
    cfg = c
  end
  local r, err, code = M.speak(args.text, {
    voice = nonempty(args.voice), model = nonempty(args.model),
    format = nonempty(args.format),
  }, cfg, env)
  if not r then return { error = err, code = code } end
  return r
end

---------------------------------------------------------------------------
-- [[tts]] directives
--
-- A reply may carry directives (OpenClaw's model-driven overrides):
--   [[tts]]                         speak this reply (needed by auto "tagged")
--   [[tts:voice=af_bella model=... speed=1.1]]   ... with these settings
--   [[tts:text]]spoken only[[/tts:text]]          speak this instead of
--                                                 the reply; not shown
-- Directives are removed from the shown and the spoken text. Keys: voice
-- (voice_id, voiceid, openrouter_voice, openroutervoice), model
-- (model_id, modelid, openrouter_model, openroutermodel), speed.

local MAX_DIRECTIVE = 512

-- classify the inside of "[[...": "tag" (args), "open", "close", "maybe"
-- (not closed yet, could still be one) or "no"
local function classify(inner, closed)
  local l = inner:lower()
  if closed then
    if l == "tts" then return "tag", "" end
    if l:sub(1, 4) == "tts:" then
      if l:sub(5):match("^%s*text%s*$") then return "open" end
      return "tag", inner:sub(5)
    end
    if l == "/tts:text" or l == "/tts" then return "close" end
    return "no"
  end
  if #inner > MAX_DIRECTIVE then return "no" end
  local p = l:gsub("%]$", "")
  if ("tts"):sub(1, #p) == p or ("/tts:text"):sub(1, #p) == p
     or p:sub(1, 4) == "tts:" then
    return "maybe"
  end
  return "no"
end

--- A streaming directive scanner. feed(chunk) -> the visible part of the
-- text so far (may hold back an unfinished "[[..."); feed(nil) flushes.
-- sc.tags (number of directives seen), sc.args (list of directive
-- argument strings), sc.hidden (list of [[tts:text]] block texts).
function M.scanner()
  local sc = { tags = 0, args = {}, hidden = {} }
  local pending, block = "", false
  local hidden_buf = {}
  local function hide(s)
    if s ~= "" then hidden_buf[#hidden_buf + 1] = s end
  end
  function sc.feed(chunk)
    local final = chunk == nil
    if chunk then pending = pending .. chunk end
    local out = {}
    local function show(s)
      if block then hide(s) elseif s ~= "" then out[#out + 1] = s end
    end
    while pending ~= "" do
      local i = pending:find("[[", 1, true)
      if not i then
        if not final and pending:sub(-1) == "[" then
          show(pending:sub(1, -2))
          pending = "["
        else
          show(pending)
          pending = ""
        end
        break
      end
      show(pending:sub(1, i - 1))
      pending = pending:sub(i)
      local j = pending:find("]]", 3, true)
      local inner = pending:sub(3, j and j - 1 or -1)
      local kind, args = classify(inner, j ~= nil)
      if kind == "maybe" and final then kind = "no" end
      if kind == "maybe" then break end
      if kind == "no" then
        show("[")
        pending = pending:sub(2)
      else
        pending = pending:sub(j + 2)
        if kind == "open" then
          sc.tags = sc.tags + 1
          block = true
        elseif kind == "close" then
          if block then
            sc.hidden[#sc.hidden + 1] = table.concat(hidden_buf)
            hidden_buf = {}
            block = false
          end
        else
          sc.tags = sc.tags + 1
          if args ~= "" then sc.args[#sc.args + 1] = args end
        end
      end
    end
    if final and block then
      -- an unclosed [[tts:text]] block: what followed it is spoken only
      sc.hidden[#sc.hidden + 1] = table.concat(hidden_buf)
      hidden_buf = {}
      block = false
    end
    return table.concat(out)
  end
  return sc
end

local VOICE_KEYS = { voice = true, voice_id = true, voiceid = true,
  openrouter_voice = true, openroutervoice = true }
local MODEL_KEYS = { model = true, model_id = true, modelid = true,
  openrouter_model = true, openroutermodel = true }

--- Parse a reply: { visible (text without directives), spoken (what to
-- say), tagged (a directive was present), overrides = {voice, model,
-- speed} }. allow: settings().overrides (default: all allowed).
function M.parse(text, allow)
  allow = allow or { enabled = true, voice = true, model = true,
                     speed = true }
  local sc = M.scanner()
  local visible = sc.feed(type(text) == "string" and text or "")
    .. sc.feed(nil)
  local ov = {}
  for _, args in ipairs(sc.args) do
    for k, v in args:gmatch("([%w_%-]+)%s*=%s*([^%s%]]+)") do
      k = k:lower()
      v = v:gsub("^[\"']", ""):gsub("[\"']$", "")
      if VOICE_KEYS[k] and allow.voice then ov.voice = v
      elseif MODEL_KEYS[k] and allow.model then ov.model = v
      elseif k == "speed" and allow.speed and tonumber(v) then
        ov.speed = tonumber(v)
      end
    end
  end
  local spoken = #sc.hidden > 0 and table.concat(sc.hidden, "\n") or visible
  spoken = spoken:gsub("^%s+", ""):gsub("%s+$", "")
  return { visible = visible, spoken = spoken, tagged = sc.tags > 0,
           overrides = ov }
end

---------------------------------------------------------------------------
-- automatic speech of replies (messages.tts.auto)

local Auto = {}
Auto.__index = Auto

--- For one turn of `openclaw agent` / `openclaw chat`: nil when
-- messages.tts.auto is "off" and nothing was asked (no --play), else an
-- object with
--   .filter(chunk)      for the shown text: strips [[tts]] directives
--                       (nil when auto is off); filter(nil) flushes
--   :after_reply(reply, t, agent)   speak the reply, print the audio path
--                       (stderr; not with json), play it (play);
--                       sets reply.tts = { result | {error, code}, ... }
--                       and reply.text without directives
-- opts: env, play, json, cancel_on_interrupt (Ctrl-C during a speech
-- request ends the speech of this reply instead of raising
-- openclaw.INTERRUPTED; for chat).
function M.auto(cfg, opts)
  opts = opts or {}
  local s = M.settings(cfg)
  if s.auto == "off" and not opts.play then return nil end
  local self = setmetatable({ cfg = cfg, s = s, opts = opts }, Auto)
  if s.auto ~= "off" then
    local sc = M.scanner()
    self.filter = function(chunk) return sc.feed(chunk) end
  end
  return self
end

-- the texts of the assistant messages of the last turn of agent a
local function turn_texts(a)
  local msgs = type(a) == "table" and type(a.messages) == "table"
    and a.messages or nil
  if not msgs then return nil end
  local out = {}
  for i = #msgs, 1, -1 do
    local m = msgs[i]
    if type(m) ~= "table" or m.role == "user" then break end
    if m.role == "assistant" then
      local c = m.content
      if type(c) == "table" then
        local parts = {}
        for _, p in ipairs(c) do
          if type(p) == "table" and p.type == "text" then
            parts[#parts + 1] = tostring(p.text or "")
          end
        end
        c = table.concat(parts)
      end
      table.insert(out, 1, type(c) == "string" and c or "")
    end
  end
  if #out == 0 then return nil end
  return out
end

local function notice(t, text, json_mode)
  if json_mode or not t then return end
  t:newline_if_needed(false)
  t:eline(text)
end

function Auto:after_reply(reply, t, agent)
  if type(reply) ~= "table" then return end
  local s, o = self.s, self.opts
  if s.auto == "off" then
    if not M._noted_off then   -- once per process (chat has many turns)
      M._noted_off = true
      notice(t, 'openclaw: note: --play: nothing to play, '
        .. 'messages.tts.auto is "off" (openclaw config set '
        .. 'messages.tts.auto always)', o.json)
    end
    return
  end
  local raw = type(reply.text) == "string" and reply.text or ""
  if type(reply.text) == "string" then
    reply.text = M.parse(raw, s.overrides).visible
  end
  if reply.error or s.auto == "inbound" then return end
  local texts = turn_texts(agent) or { raw }
  if s.mode == "final" then
    -- the last text the model wrote in the turn
    local last = texts[#texts]
    for i = #texts, 1, -1 do
      if texts[i]:find("%S") then last = texts[i] break end
    end
    texts = { last }
  end
  local results = {}
  for _, text in ipairs(texts) do
    local p = M.parse(text, s.overrides)
    if (s.auto ~= "tagged" or p.tagged) and p.spoken ~= "" then
      local ok, r, err, code = pcall(M.speak, p.spoken, {
        voice = p.overrides.voice, model = p.overrides.model,
        speed = p.overrides.speed }, self.cfg, o.env)
      if not ok then
        local sched = require("openclaw.sched")
        if r == sched.INTERRUPTED and o.cancel_on_interrupt then
          notice(t, "^C (speech cancelled)", false)
          break
        end
        error(r, 0)
      end
      if r then
        results[#results + 1] = r
        notice(t, "audio: " .. r.path, o.json)
        if o.play then
          local name, note = M.play(r.path, r.format, o.env)
          r.played = name
          if not name then notice(t, "openclaw: note: " .. note, o.json) end
        end
      else
        results[#results + 1] = { error = err, code = code }
        if t then
          t:newline_if_needed(false)
          t:eline("openclaw: warning: text-to-speech failed: " .. err)
        end
      end
    end
  end
  if #results > 0 then reply.tts = results end
end

return M
