-- Text-to-speech: the OpenRouter speech request (spec §20, vectors 87-90),
-- the [[tts]] directive scanner, the Lua API oc.tools.tts / the agent
-- tool, `openclaw tts`, and messages.tts.auto in `openclaw agent` /
-- `openclaw chat` — end to end against the local test server.
local json = require("openclaw.json")
local base64 = require("openclaw.base64")
local config = require("openclaw.config")
local errors = require("openclaw.errors")
local oc = require("openclaw")

local KEY = "sk-or-test-tts-1234"

-- the speech requests of the server log
local function speech_log(T) return T.server_log("/api/v1/audio/speech") end

return function(T)
  local read, write, files_in, sink = T.read, T.write, T.files_in, T.sink
  local openrouter = require("providers.openrouter")
  local tts = require("tools.tts")

  -- build_speech_request (pure) -------------------------------------------------

  T.test("vector 87: default speech request", function()
    local cfg = { messages = { tts = { providers = { openrouter = {} } } } }
    local req = assert(openrouter.build_speech_request("Hello", nil, cfg,
      { OPENROUTER_API_KEY = "k" }))
    T.eq(req.method, "POST")
    T.eq(req.url, "https://openrouter.ai/api/v1/audio/speech")
    T.eq(req.headers, { ["Authorization"] = "Bearer k",
      ["Content-Type"] = "application/json",
      ["HTTP-Referer"] = "https://openclaw.ai",
      ["X-OpenRouter-Title"] = "OpenClaw" })
    T.eq(req.body, { model = "hexgrad/kokoro-82m", input = "Hello",
      voice = "af_alloy", response_format = "mp3" })
    T.eq(req.format, "mp3")
    T.eq(req.extension, ".mp3")
    T.eq(req.voice_compatible, true)
    T.schema("SpeechRequest", req.body)
  end)

  T.test("vector 88: speech API key precedence", function()
    local function cfg(t, m)
      return { messages = { tts = { providers = { openrouter = {
        apiKey = t } } } }, models = { providers = { openrouter = {
        apiKey = m } } } }
    end
    local env = { OPENROUTER_API_KEY = "e" }
    T.eq(openrouter.resolve_speech_api_key(cfg("t", "m"), env), "t")
    T.eq(openrouter.resolve_speech_api_key(cfg(nil, "m"), env), "m")
    T.eq(openrouter.resolve_speech_api_key(cfg(nil, nil), env), "e")
    T.eq(openrouter.resolve_speech_api_key(cfg("", "  "), env), "e")
    T.eq({ openrouter.resolve_speech_api_key(cfg(nil, nil), {}) },
         { nil, "OpenRouter API key missing" })
    -- after the three levels: the config env block, then onboard's key
    T.eq(openrouter.resolve_speech_api_key({ env = {
      OPENROUTER_API_KEY = "c" } }, {}), "c")
    T.eq(openrouter.resolve_speech_api_key({ auth = { profiles = {
      ["openrouter:default"] = { key = "p" } } } }, {}), "p")
    local req = assert(openrouter.build_speech_request("x", nil,
      cfg("t", "m"), env))
    T.eq(req.headers.Authorization, "Bearer t")
    local r, err, code = openrouter.build_speech_request("x", nil, {}, {})
    T.eq(r, nil)
    T.eq(code, "auth")
    T.ok(err:find("^OpenRouter API key missing; set "
      .. "messages%.tts%.providers%.openrouter%.apiKey"), err)
    T.ok(err:find("OPENROUTER_API_KEY", 1, true), err)
  end)

  T.test("vector 89: pcm, speed, routing; wav is invalid", function()
    local cfg = { messages = { tts = { providers = { openrouter = {
      responseFormat = "pcm", speed = 1.2,
      provider = { order = { "openai" } } } } } } }
    local req = assert(openrouter.build_speech_request("Hi", nil, cfg,
      { OPENROUTER_API_KEY = "k" }))
    T.eq(req.body, { model = "hexgrad/kokoro-82m", input = "Hi",
      voice = "af_alloy", response_format = "pcm", speed = 1.2,
      provider = { order = { "openai" } } })
    T.eq(req.voice_compatible, false)
    T.eq(req.extension, ".pcm")
    T.schema("SpeechRequest", req.body)
    cfg.messages.tts.providers.openrouter.responseFormat = "wav"
    T.eq({ openrouter.build_speech_request("Hi", nil, cfg,
      { OPENROUTER_API_KEY = "k" }) },
      { nil, "Invalid OpenRouter speech responseFormat: wav", "invalid" })
    -- an option wins over the config, and is checked the same way
    T.eq(assert(openrouter.build_speech_request("Hi", { format = "mp3" },
      cfg, { OPENROUTER_API_KEY = "k" })).body.response_format, "mp3")
    T.eq(select(2, openrouter.build_speech_request("Hi", { format = "ogg" },
      {}, { OPENROUTER_API_KEY = "k" })),
      "Invalid OpenRouter speech responseFormat: ogg")
    T.eq(select(3, openrouter.build_speech_request("Hi", { speed = 0 },
      {}, { OPENROUTER_API_KEY = "k" })), "invalid")
    T.eq(select(3, openrouter.build_speech_request("  ", nil, {},
      { OPENROUTER_API_KEY = "k" })), "invalid")
  end)

  T.test("vector 90: speech base URL alias and fallbacks", function()
    local env = { OPENROUTER_API_KEY = "k" }
    local function url(cfg)
      return assert(openrouter.build_speech_request("x", nil, cfg, env)).url
    end
    T.eq(url({ messages = { tts = { providers = { openrouter = {
      baseUrl = "https://openrouter.ai/v1/" } } } } }),
      "https://openrouter.ai/api/v1/audio/speech")
    T.eq(url({ models = { providers = { openrouter = {
      baseUrl = " https://openrouter.ai/v1 " } } } }),
      "https://openrouter.ai/api/v1/audio/speech")
    T.eq(url({ models = { providers = { openrouter = {
      baseUrl = "http://proxy.local/or/" } } } }),
      "http://proxy.local/or/audio/speech")
    -- the TTS base URL wins over the provider's
    T.eq(url({ messages = { tts = { providers = { openrouter = {
      baseUrl = "http://tts.local/v1//" } } } }, models = { providers = {
      openrouter = { baseUrl = "http://proxy.local/or" } } } }),
      "http://tts.local/v1/audio/speech")
  end)

  T.test("speech model and voice: options, modelId/voiceId, defaults",
         function()
    local env = { OPENROUTER_API_KEY = "k" }
    local cfg = { messages = { tts = { providers = { openrouter = {
      model = "hexgrad/kokoro-82m", modelId = "mistralai/voxtral-mini-tts-2603",
      voice = "af_alloy", voiceId = "bf_emma" } } } } }
    local req = assert(openrouter.build_speech_request("x", nil, cfg, env))
    T.eq({ req.body.model, req.body.voice },
         { "mistralai/voxtral-mini-tts-2603", "bf_emma" })
    req = assert(openrouter.build_speech_request("x", { model = "a/b",
      voiceId = "v2" }, cfg, env))
    T.eq({ req.body.model, req.body.voice }, { "a/b", "v2" })
    T.eq({ req.model, req.voice }, { "a/b", "v2" })
    -- the shipped config.lua holds the documented defaults
    local shipped = assert(config.load{ env = { HOME = T.tmpdir(),
      OPENCLAW_STATE_DIR = T.tmpdir() }, shipped = config.shipped_path() })
    T.eq(config.get(shipped, "messages.tts.auto"), "off")
    T.eq(tts.settings(shipped).auto, "off")
    req = assert(openrouter.build_speech_request("x", nil, shipped, env))
    T.eq(req.body, { model = "hexgrad/kokoro-82m", input = "x",
      voice = "af_alloy", response_format = "mp3" })
  end)

  T.test("messages.tts settings: auto modes, enabled, mode, limits",
         function()
    local function s(t) return tts.settings({ messages = { tts = t } }) end
    T.eq(s({}).auto, "off")
    T.eq(s({}).mode, "final")
    T.eq(s({ auto = "always" }).auto, "always")
    T.eq(s({ auto = "tagged", mode = "all" }).mode, "all")
    T.eq(s({ auto = "bogus" }).auto, "off")
    T.eq(s({ enabled = true }).auto, "always")
    T.eq(s({ enabled = false, auto = "always" }).auto, "off")
    T.eq(s({}).max_text, 4096)
    T.eq(s({ maxTextLength = 10, timeoutMs = 500 }).timeout_ms, 500)
    T.eq(s({ modelOverrides = { allowVoice = false } }).overrides,
         { enabled = true, voice = false, model = true, speed = true })
    T.eq(s({ modelOverrides = { enabled = false } }).overrides,
         { enabled = false, voice = false, model = false, speed = false })
  end)

  -- directives ---------------------------------------------------------------

  T.test("[[tts]] directives: stripped, parsed, streamed in pieces",
         function()
    local p = tts.parse("Here you go. [[tts]]")
    T.eq(p.visible, "Here you go. ")
    T.eq(p.spoken, "Here you go.")
    T.eq(p.tagged, true)
    p = tts.parse("Hi [[tts:voice=bf_emma model=a/b speed=1.25]]there")
    T.eq(p.visible, "Hi there")
    T.eq(p.overrides, { voice = "bf_emma", model = "a/b", speed = 1.25 })
    p = tts.parse("[[TTS:openrouter_voice=x modelid=m/n]]ok")
    T.eq(p.overrides, { voice = "x", model = "m/n" })
    p = tts.parse("Shown.\n[[tts:text]](laughs) Spoken only.[[/tts:text]]")
    T.eq(p.visible, "Shown.\n")
    T.eq(p.spoken, "(laughs) Spoken only.")
    T.eq(p.tagged, true)
    -- not directives: kept as they are
    for _, s in ipairs({ "a [[link]] b", "x[[1,2],[3]]", "[[tt", "[[tts",
                         "[[ [", "end [", "[[tts:voice=x" }) do
      p = tts.parse(s)
      T.eq(p.visible, s, s)
      T.eq(p.tagged, false, s)
    end
    -- overrides off: stripped, not applied
    p = tts.parse("[[tts:voice=x]]hey", { enabled = false })
    T.eq({ p.visible, p.overrides, p.tagged }, { "hey", {}, true })
    -- any split of the stream gives the same visible text
    local text = "A [[tts:voice=v]]b [[tts:text]]secret[[/tts:text]] c [[x]]"
      .. " [[tts]] d [[tt"
    local want = tts.parse(text).visible
    T.eq(want, "A b  c [[x]]  d [[tt")
    for size = 1, 7 do
      local sc = tts.scanner()
      local out = {}
      for i = 1, #text, size do out[#out + 1] = sc.feed(text:sub(i, i + size - 1)) end
      out[#out + 1] = sc.feed(nil)
      T.eq(table.concat(out), want, "piece size " .. size)
      T.eq(sc.hidden, { "secret" })
      T.eq(sc.tags, 3)
    end
  end)

  -- Lua API -------------------------------------------------------------------

  local function server_cfg(extra_tts)
    return { models = { providers = { openrouter = {
        baseUrl = T.server() .. "/api/v1" } } },
      messages = { tts = extra_tts or {} } }
  end

  T.test("oc.tools.tts{...}: writes the audio to the media folder",
         function()
    T.server_reset()
    local dir = T.tmpdir()
    local env = { HOME = dir, OPENCLAW_STATE_DIR = dir,
                  OPENROUTER_API_KEY = KEY }
    local r, err = oc.tools.tts{ text = "Hello from Lua", config =
      server_cfg(), env = env }
    T.ok(r, err)
    T.eq(r.format, "mp3")
    T.eq(r.bytes, 1034)
    T.eq(r.model, "hexgrad/kokoro-82m")
    T.eq(r.voice, "af_alloy")
    T.ok(r.path:find("^" .. dir:gsub("%p", "%%%0") ..
      "/media/tts%-%d+%-%d+%-1%.mp3$"), r.path)
    local data = read(r.path)
    T.eq(#data, 1034)
    T.eq(data:sub(1, 3), "ID3")
    local log = speech_log(T)
    T.eq(#log, 1)
    T.eq(log[1].body, { model = "hexgrad/kokoro-82m",
      input = "Hello from Lua", voice = "af_alloy", response_format = "mp3" })
    T.schema("SpeechRequest", log[1].body)
    T.eq(log[1].schema_errors, {})
    T.eq(log[1].headers.authorization, "Bearer " .. KEY)
    T.eq(log[1].headers["http-referer"], "https://openclaw.ai")
    T.eq(log[1].headers["x-openrouter-title"], "OpenClaw")
    T.eq(log[1].headers["content-type"], "application/json")
    -- voice, model, format and out
    local out = dir .. "/speech.pcm"
    r = assert(oc.tools.tts{ text = "pcm please", voice = "bf_emma",
      model = "hexgrad/kokoro-82m", format = "pcm", out = out,
      config = server_cfg(), env = env })
    T.eq(r.path, out)
    T.eq({ r.format, r.bytes, r.voice }, { "pcm", 1024, "bf_emma" })
    T.eq(#read(out), 1024)
    log = speech_log(T)
    T.eq(log[2].body.response_format, "pcm")
    T.eq(log[2].body.voice, "bf_emma")
    T.schema("SpeechRequest", log[2].body)
  end)

  T.test("oc.tools.tts: failures return nil, message, code; misuse raises",
         function()
    T.server_reset()
    local dir = T.tmpdir()
    local env = { HOME = dir, OPENCLAW_STATE_DIR = dir,
                  OPENROUTER_API_KEY = KEY }
    T.eq({ oc.tools.tts{ text = "x", format = "wav", config = server_cfg(),
      env = env } }, { nil, "Invalid OpenRouter speech responseFormat: wav",
      "invalid" })
    local r, err, code = oc.tools.tts{ text = "x", config = server_cfg(),
      env = { HOME = dir, OPENCLAW_STATE_DIR = dir } }
    T.eq({ r, code }, { nil, "auth" })
    T.ok(err:find("OpenRouter API key missing", 1, true), err)
    r, err, code = oc.tools.tts{ text = "too long", config = server_cfg({
      maxTextLength = 3 }), env = env }
    T.eq(code, "invalid")
    T.ok(err:find("too long to speak (8 characters; "
      .. "messages.tts.maxTextLength is 3)", 1, true), err)
    r, err, code = oc.tools.tts{ text = "x", config = server_cfg({
      provider = "elevenlabs" }), env = env }
    T.eq(code, "config")
    T.ok(err:find('unsupported speech provider "elevenlabs"', 1, true), err)
    T.eq(#speech_log(T), 0, "nothing was sent")
    -- the server refuses: HTTP error, key masked
    T.server_rules({ { path = "/api/v1/audio/speech", response = {
      status = 401, json = { error = { code = 401,
        message = "bad key " .. KEY } } } } })
    r, err, code = oc.tools.tts{ text = "x", config = server_cfg(), env = env }
    T.eq({ r, code }, { nil, "auth" })
    T.ok(err:find("^OpenRouter TTS API error %(HTTP 401%): bad key "), err)
    T.ok(err:find("; check the key: messages.tts.providers.openrouter.apiKey",
      1, true), err)
    T.ok(not err:find(KEY, 1, true), "key masked: " .. err)
    T.raises("'text' is required", oc.tools.tts, {})
    T.raises("unknown option 'fromat'", oc.tools.tts, { text = "x",
      fromat = "mp3" })
    T.raises("'voice' must be a string", oc.tools.tts, { text = "x",
      voice = 3 })
    T.raises("expected a table", oc.tools.tts, 42)
  end)

  T.test("speech response: audio bytes verbatim; a JSON 200 is no audio",
         function()
    T.server_reset()
    local dir = T.tmpdir()
    local env = { HOME = dir, OPENCLAW_STATE_DIR = dir,
                  OPENROUTER_API_KEY = KEY }
    local audio = "ID3\3\0\0\0\0\0\0" .. ("\255\251\144\100"):rep(64)
    T.server_rules({ { path = "/api/v1/audio/speech", times = 1, response = {
      audio_b64 = base64.encode(audio), content_type = "audio/mpeg" } } })
    local r = assert(oc.tools.tts{ text = "x", config = server_cfg(),
      env = env })
    T.eq(read(r.path), audio)
    T.eq(r.bytes, #audio)
    T.server_rules({ { path = "/api/v1/audio/speech", times = 1, response = {
      json = { ok = true } } } })
    local _, err, code = oc.tools.tts{ text = "x", config = server_cfg(),
      env = env }
    T.eq(code, "no_audio")
    T.ok(err:find("returned no audio", 1, true), err)
  end)

  T.test("the tts agent tool: a model calls it in a turn", function()
    T.server_reset()
    local dir = T.tmpdir()
    local env = { HOME = dir, OPENCLAW_STATE_DIR = dir,
                  OPENROUTER_API_KEY = KEY }
    local tool = oc.tools.get("tts")
    T.eq(tool.name, "tts")
    T.eq(tool.parameters.required, { "text" })
    T.eq(type(tool.run), "function")
    local agent = oc.agent{ model = "mock/script", config = server_cfg(),
      env = env, params = { script = {
        { tool_calls = { { name = "tts", arguments = {
          text = "Spoken by the tool", voice = "am_adam" } } } },
        function(req)
          local res = json.decode(req.messages[#req.messages].content)
          return { text = "Saved to " .. tostring(res.path) }
        end,
      } } }
    agent:tool(tool)
    local reply = agent:send("say it")
    T.eq(reply.error, nil)
    local path = reply.text:match("^Saved to (.+)$")
    T.ok(path and read(path), reply.text)
    T.eq(#read(path), 1034)
    local log = speech_log(T)
    T.eq(#log, 1)
    T.eq(log[1].body.input, "Spoken by the tool")
    T.eq(log[1].body.voice, "am_adam")
    -- a failing call gives the model an error it can read
    T.eq(tool.run({ text = "x", format = "wav" }, { agent = agent }),
         { error = "Invalid OpenRouter speech responseFormat: wav",
           code = "invalid" })
  end)

  -- the binary ------------------------------------------------------------------

  -- a state dir whose config points OpenRouter at the test server; tts:
  -- the messages.tts table; models_extra: more provider fields
  local function state(tts_cfg, provider_extra)
    return (T.state_dir({ models = { providers = { openrouter =
      provider_extra } }, messages = tts_cfg and { tts = tts_cfg } }))
  end

  -- run the binary: stdout, exit code, stderr (opts of T.cli; key: KEY
  -- unless given, false = none)
  local sh = T.cli_with({ key = KEY })

  T.test("e2e: openclaw tts TEXT prints the path of the mp3", function()
    T.server_reset()
    local dir = state()
    local out, code, err = sh(dir, { "tts", "Hello", "world" })
    T.eq(code, 0, err)
    T.eq(err, "")
    local path = out:match("^(.-)\n$")
    T.ok(path and path:find("^" .. dir:gsub("%p", "%%%0")
      .. "/media/tts%-.*%.mp3$"), out)
    T.eq(read(path):sub(1, 3), "ID3")
    T.eq(files_in(dir .. "/media"), { path:match("([^/]+)$") })
    local log = speech_log(T)
    T.eq(#log, 1)
    T.eq(log[1].body, { model = "hexgrad/kokoro-82m", input = "Hello world",
      voice = "af_alloy", response_format = "mp3" })
    T.schema("SpeechRequest", log[1].body)
    T.eq(log[1].schema, "SpeechRequest")
    T.eq(log[1].schema_errors, {})
    T.eq(log[1].headers.authorization, "Bearer " .. KEY)
    -- standard input
    out, code, err = sh(dir, { "tts", "-" }, { stdin = "from stdin\n" })
    T.eq(code, 0, err)
    T.eq(speech_log(T)[2].body.input, "from stdin")
  end)

  T.test("e2e: tts --voice --model --format pcm --speed --json", function()
    T.server_reset()
    local dir = state({ providers = { openrouter = {
      provider = { order = { "openai" } } } } })
    local out, code, err = sh(dir, { "tts", "Say this", "--voice",
      "bf_emma", "--model", "hexgrad/kokoro-82m", "--format", "pcm",
      "--speed", "1.5", "--json" })
    T.eq(code, 0, err)
    T.eq(select(2, out:gsub("\n", "")), 1, out)
    local obj = assert(json.decode(out))
    T.eq({ obj.format, obj.bytes, obj.model, obj.voice },
         { "pcm", 1024, "hexgrad/kokoro-82m", "bf_emma" })
    T.ok(obj.path:find("%.pcm$"), obj.path)
    T.eq(#read(obj.path), 1024)
    local body = speech_log(T)[1].body
    T.eq(body, { model = "hexgrad/kokoro-82m", input = "Say this",
      voice = "bf_emma", response_format = "pcm", speed = 1.5,
      provider = { order = { "openai" } } })
    T.schema("SpeechRequest", body)
  end)

  T.test("e2e: tts --out FILE (format from the extension)", function()
    T.server_reset()
    local dir = state()
    local file = dir .. "/out/hello.pcm"
    os.execute("mkdir -p " .. T.quote(dir .. "/out"))
    local out, code, err = sh(dir, { "tts", "Hi", "--out", file })
    T.eq(code, 0, err)
    T.eq(out, file .. "\n")
    T.eq(#read(file), 1024)
    T.eq(speech_log(T)[1].body.response_format, "pcm")
    -- an explicit format wins; an existing file is replaced
    out, code, err = sh(dir, { "tts", "Hi", "-o", file, "--format", "mp3" })
    T.eq(code, 0, err)
    T.eq(read(file):sub(1, 3), "ID3")
    T.eq(files_in(dir .. "/media"), {}, "nothing in the media folder")
    -- an unwritable place: exit 1, a clear line
    out, code, err = sh(dir, { "tts", "Hi", "--out", dir .. "/no/such/x.mp3" })
    T.eq(code, 1)
    T.ok(err:find("^openclaw: cannot write " .. (dir .. "/no/such/x.mp3")
      :gsub("%p", "%%%0")), err)
  end)

  T.test("e2e: tts format validation and usage errors (exit 2)", function()
    T.server_reset()
    local dir = state()
    local out, code, err = sh(dir, { "tts", "Hi", "--format", "wav" })
    T.eq(code, 2)
    T.eq(out, "")
    T.eq(err, "openclaw: openclaw tts: --format: Invalid OpenRouter speech "
      .. "responseFormat: wav (use mp3 or pcm)\n")
    out, code, err = sh(dir, { "tts" })
    T.eq(code, 2)
    T.ok(err:find("missing TEXT", 1, true), err)
    out, code, err = sh(dir, { "tts", "   " })
    T.eq(code, 2)
    T.ok(err:find("the text is empty", 1, true), err)
    out, code, err = sh(dir, { "tts", "Hi", "--speed", "0" })
    T.eq(code, 2)
    out, code, err = sh(dir, { "tts", "Hi", "--vioce", "x" })
    T.eq(code, 2)
    T.ok(err:find("did you mean '--voice'", 1, true), err)
    -- a config file asking for wav does not load at all
    local bad = T.tmpdir()
    write(bad .. "/openclaw.json", json.encode({ messages = { tts = {
      providers = { openrouter = { responseFormat = "wav" } } } } }))
    out, code, err = sh(bad, { "tts", "Hi" })
    T.eq(code, 1)
    T.ok(err:find('responseFormat: expected one of "mp3", "pcm", got "wav"',
      1, true), err)
    T.eq(#speech_log(T), 0)
    -- too long for messages.tts.maxTextLength
    local short = state({ maxTextLength = 4 })
    out, code, err = sh(short, { "tts", "Hello", "--json" })
    T.eq(code, 2)
    T.eq(json.decode(out).error.code, "invalid")
    T.ok(err:find("too long to speak", 1, true), err)
    T.ok(sh(dir, { "help", "tts" }):find("--format F", 1, true))
  end)

  T.test("e2e: tts key precedence: tts apiKey, provider apiKey, env, none",
         function()
    T.server_reset()
    local both = state({ providers = { openrouter = { apiKey = "sk-or-tts" } } },
      { apiKey = "sk-or-models" })
    local _, code, err = sh(both, { "tts", "one" }, { key = "sk-or-env" })
    T.eq(code, 0, err)
    local models_only = state(nil, { apiKey = "sk-or-models" })
    _, code, err = sh(models_only, { "tts", "two" }, { key = "sk-or-env" })
    T.eq(code, 0, err)
    local env_only = state()
    _, code, err = sh(env_only, { "tts", "three" }, { key = "sk-or-env" })
    T.eq(code, 0, err)
    local log = speech_log(T)
    T.eq(#log, 3)
    T.eq(log[1].headers.authorization, "Bearer sk-or-tts")
    T.eq(log[2].headers.authorization, "Bearer sk-or-models")
    T.eq(log[3].headers.authorization, "Bearer sk-or-env")
    local out
    out, code, err = sh(env_only, { "tts", "four" }, { key = false })
    T.eq(code, 1)
    T.eq(out, "")
    T.eq(err, "openclaw: OpenRouter API key missing; set "
      .. "messages.tts.providers.openrouter.apiKey, "
      .. "models.providers.openrouter.apiKey or OPENROUTER_API_KEY (or run "
      .. "'openclaw onboard --auth-choice openrouter-api-key')\n")
    T.eq(#speech_log(T), 3, "nothing sent without a key")
    -- a rejected key: exit 1, the fix, never the key itself
    out, code, err = sh(env_only, { "tts", "five" }, { key = "sk-or-bad" })
    T.eq(code, 1)
    T.ok(err:find("OpenRouter TTS API error (HTTP 401): User not found; check", 1,
      true), err)
    T.ok(not err:find("sk-or-bad", 1, true), err)
  end)

  T.test("e2e: the TTS base URL (trailing '/') wins over the provider's",
         function()
    T.server_reset()
    local dir = state({ providers = { openrouter = {
      baseUrl = T.server() .. "/api/v1/" } } })
    -- the chat base URL points nowhere: speech must not use it
    local cfg = json.decode(read(dir .. "/openclaw.json"))
    cfg.models.providers.openrouter.baseUrl = "http://127.0.0.1:1/api/v1"
    write(dir .. "/openclaw.json", json.encode(cfg))
    local _, code, err = sh(dir, { "tts", "base" })
    T.eq(code, 0, err)
    local log = speech_log(T)
    T.eq(#log, 1)
    T.eq(log[1].path, "/api/v1/audio/speech")
  end)

  -- a folder with a fake player that records its arguments
  local function fake_player(name)
    local bin = T.tmpdir()
    write(bin .. "/" .. name, "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" .. bin
      .. "/args.txt'\n", "755")
    return bin
  end

  T.test("e2e: tts --play with a player on PATH; no player -> a note",
         function()
    T.server_reset()
    local dir = state()
    local bin = fake_player("ffplay")
    local out, code, err = sh(dir, { "tts", "Play me", "--play" },
      { env = { PATH = bin } })
    T.eq(code, 0, err)
    T.eq(err, "")
    local path = out:match("^(.-)\n$")
    T.eq(read(bin .. "/args.txt"), "-nodisp\n-autoexit\n-loglevel\nerror\n"
      .. path .. "\n")
    -- raw pcm needs its sample format; mpv when there is no ffplay
    local mpv = fake_player("mpv")
    out, code, err = sh(dir, { "tts", "pcm", "--format", "pcm", "--play",
      "--json" }, { env = { PATH = mpv } })
    T.eq(code, 0, err)
    local obj = json.decode(out)
    T.eq(obj.played, "mpv")
    T.eq(read(mpv .. "/args.txt"), table.concat({ "--no-video",
      "--really-quiet", "--demuxer=rawaudio",
      "--demuxer-rawaudio-format=s16le", "--demuxer-rawaudio-rate=24000",
      "--demuxer-rawaudio-channels=1", obj.path }, "\n") .. "\n")
    -- aplay plays pcm but not mp3
    local aplay = fake_player("aplay")
    out, code, err = sh(dir, { "tts", "mp3", "--play" },
      { env = { PATH = aplay } })
    T.eq(code, 0, err)
    path = out:match("^(.-)\n$")
    T.eq(read(aplay .. "/args.txt"), nil, "aplay not used for mp3")
    T.eq(err, "openclaw: note: --play: no audio player for mp3 found on "
      .. "PATH (install one of: ffplay, mpv, afplay); the audio is in "
      .. path .. "\n")
    -- nothing at all on PATH
    local empty = T.tmpdir()
    out, code, err = sh(dir, { "tts", "x", "--play", "--json" },
      { env = { PATH = empty } })
    T.eq(code, 0, err)
    T.eq(json.decode(out).played, json.null)
    T.ok(err:find("no audio player for mp3 found on PATH", 1, true), err)
    -- a player that fails
    local broken = T.tmpdir()
    write(broken .. "/ffplay", "#!/bin/sh\nexit 3\n", "755")
    out, code, err = sh(dir, { "tts", "x", "--play" },
      { env = { PATH = broken } })
    T.eq(code, 0, err)
    T.ok(err:find("--play: ffplay failed (exit status 3)", 1, true), err)
  end)

  T.test("e2e: agent with messages.tts.auto = always speaks the reply",
         function()
    T.server_reset()
    local dir = state({ auto = "always" })
    local out, code, err = sh(dir, { "agent", "-m", "hi" })
    T.eq(code, 0, err)
    T.eq(out, "echo: hi\n")
    local path = err:match("^audio: (%S+)\n$")
    T.ok(path, err)
    T.ok(path:find("^" .. dir:gsub("%p", "%%%0") .. "/media/tts%-.*%.mp3$"),
         path)
    T.eq(#read(path), 1034)
    local log = T.server_log()
    T.eq(#log, 2)
    T.eq(log[1].path, "/api/v1/chat/completions")
    T.eq(log[2].path, "/api/v1/audio/speech")
    T.eq(log[2].body, { model = "hexgrad/kokoro-82m", input = "echo: hi",
      voice = "af_alloy", response_format = "mp3" })
    T.schema("SpeechRequest", log[2].body)
    -- --json: the audio is in the object, nothing on stderr
    out, code, err = sh(dir, { "agent", "-m", "hello", "--json" })
    T.eq(code, 0, err)
    T.eq(err, "")
    local obj = json.decode(out)
    T.eq(obj.text, "echo: hello")
    T.eq(#obj.tts, 1)
    T.eq({ obj.tts[1].format, obj.tts[1].bytes, obj.tts[1].voice },
         { "mp3", 1034, "af_alloy" })
    T.eq(#read(obj.tts[1].path), 1034)
    -- --no-stream and --play with a fake player
    local bin = fake_player("ffplay")
    out, code, err = sh(dir, { "agent", "-m", "play", "--no-stream",
      "--play" }, { env = { PATH = bin } })
    T.eq(code, 0, err)
    T.eq(out, "echo: play\n")
    path = err:match("^audio: (%S+)\n$")
    T.ok(path, err)
    T.ok(read(bin .. "/args.txt"):find(path, 1, true))
    -- auto off (the default): no speech; --play says why
    local off = state()
    out, code, err = sh(off, { "agent", "-m", "quiet", "--play" })
    T.eq(code, 0, err)
    T.eq(out, "echo: quiet\n")
    T.ok(err:find('nothing to play, messages.tts.auto is "off"', 1, true),
         err)
    T.eq(#speech_log(T), 3)
  end)

  T.test("e2e: a TTS failure keeps the reply (printed and saved)", function()
    T.server_reset()
    T.server_rules({ { path = "/api/v1/audio/speech", response = {
      status = 500, json = { error = { code = 500,
        message = "speech backend exploded" } } } } })
    local dir = state({ auto = "always" })
    local out, code, err = sh(dir, { "agent", "-m", "keep me",
      "--session-id", "tts-1" })
    T.eq(code, 0, err)
    T.eq(out, "echo: keep me\n")
    T.eq(err, "openclaw: warning: text-to-speech failed: OpenRouter TTS API "
      .. "error (HTTP 500): speech backend exploded; try again; if it keeps "
      .. "failing, pick another speech model "
      .. "(messages.tts.providers.openrouter.model)\n")
    local saved = read(dir .. "/sessions/tts-1.jsonl")
    T.ok(saved and saved:find('"content":"echo: keep me"', 1, true), saved)
    T.eq(files_in(dir .. "/media"), {})
    -- --json: the error is in the object
    out, code, err = sh(dir, { "agent", "-m", "again", "--json" })
    T.eq(code, 0, err)
    local obj = json.decode(out)
    T.eq(obj.text, "echo: again")
    T.eq(obj.tts[1].code, "timeout")
    T.ok(obj.tts[1].error:find("HTTP 500", 1, true))
    -- no key for speech (but one for chat through an auth profile is not
    -- configured here): the reply is still printed
    T.server_reset()
    local nokey = state({ auto = "always" })
    out, code, err = sh(nokey, { "agent", "-m", "x", "--model",
      "mock/echo" }, { key = false })
    T.eq(code, 0, err)
    T.eq(out, "x\n")
    T.ok(err:find("^openclaw: warning: text%-to%-speech failed: OpenRouter "
      .. "API key missing"), err)
  end)

  T.test("e2e: tagged mode speaks only replies with [[tts]]", function()
    local fix = T.server_rules
    T.server_reset()
    local dir = state({ auto = "tagged" })
    local out, code, err = sh(dir, { "agent", "-m", "plain" })
    T.eq(code, 0, err)
    T.eq(out, "echo: plain\n")
    T.eq(err, "")
    T.eq(#speech_log(T), 0)
    out, code, err = sh(dir, { "agent", "-m",
      "tagged [[tts:voice=bf_emma]] reply" })
    T.eq(code, 0, err)
    T.eq(out, "echo: tagged  reply\n")
    T.ok(err:match("^audio: %S+%.mp3\n$"), err)
    local log = speech_log(T)
    T.eq(#log, 1)
    T.eq(log[1].body.input, "echo: tagged  reply")
    T.eq(log[1].body.voice, "bf_emma")
    T.schema("SpeechRequest", log[1].body)
    -- a spoken-only block; --no-stream and --json strip it too
    fix({ { path = "/api/v1/chat/completions", times = 2, response = {
      text = "Shown text.[[tts:text]]Spoken text.[[/tts:text]]" } } })
    out, code, err = sh(dir, { "agent", "-m", "x", "--no-stream" })
    T.eq(code, 0, err)
    T.eq(out, "Shown text.\n")
    out, code, err = sh(dir, { "agent", "-m", "x", "--json" })
    T.eq(json.decode(out).text, "Shown text.")
    log = speech_log(T)
    T.eq(#log, 3)
    T.eq(log[2].body.input, "Spoken text.")
    T.eq(log[3].body.input, "Spoken text.")
    -- auto "inbound": never in the CLI (no audio input), directives go
    local inbound = state({ auto = "inbound" })
    out, code, err = sh(inbound, { "agent", "-m", "in [[tts]]" })
    T.eq({ out, code, err }, { "echo: in \n", 0, "" })
    T.eq(#speech_log(T), 3)
  end)

  T.test("agent/chat in-process: mode final vs all over tool rounds",
         function()
    local agentcmd = require("openclaw.commands.agent")
    local chatcmd = require("openclaw.commands.chat")
    local function run(cmd, argv, mode, stdin)
      T.server_reset()
      local dir = T.tmpdir()
      local out, err = sink(), sink()
      local env = { HOME = dir, OPENCLAW_STATE_DIR = dir,
                    OPENROUTER_API_KEY = KEY }
      write(dir .. "/openclaw.json", json.encode({ models = { providers = {
        openrouter = { baseUrl = T.server() .. "/api/v1" } } },
        messages = { tts = { auto = "always", mode = mode } } }))
      local function new_agent(opts)
        local a = { opts = opts, messages = {}, session_id = "s1" }
        function a:send(text, o)
          local m = self.messages
          m[#m + 1] = { role = "user", content = text }
          o.on_delta("Let me check. ")
          m[#m + 1] = { role = "assistant", content = "Let me check. ",
            tool_calls = { { id = "c1", name = "now", arguments = "{}" } } }
          m[#m + 1] = { role = "tool", tool_call_id = "c1", content = "12:00" }
          o.on_delta("It is noon.")
          m[#m + 1] = { role = "assistant", content = "It is noon." }
          return { text = "Let me check. It is noon.", model = "m",
                   ref = opts.model, tool_calls = {}, usage = {},
                   finish_reason = "stop" }
        end
        return a
      end
      local stdin = { read = function() return stdin end }
      if cmd == chatcmd then
        local lines = {}
        for l in (stdin.read() or ""):gmatch("[^\n]+") do lines[#lines + 1] = l end
        local i = 0
        stdin = { read = function() i = i + 1
          return lines[i] and (lines[i] .. "\n") or nil end }
      end
      local ctx = { stdout = out, stderr = err, env = env, stdin = stdin,
        shipped = config.shipped_path(), new_agent = new_agent,
        isatty = function() return false end }
      local ok, code = pcall(cmd.run, argv, ctx)
      if not ok then
        if errors.is(code) then return code.exit, out:text(), err:text() end
        error(code, 0)
      end
      return code, out:text(), err:text()
    end
    local code, out, err = run(agentcmd, { "-m", "time?" }, "final")
    T.eq(code, 0, err)
    T.eq(out, "Let me check. It is noon.\n")
    local log = speech_log(T)
    T.eq(#log, 1)
    T.eq(log[1].body.input, "It is noon.")
    code, out, err = run(agentcmd, { "-m", "time?" }, "all")
    T.eq(code, 0, err)
    log = speech_log(T)
    T.eq(#log, 2)
    T.eq({ log[1].body.input, log[2].body.input },
         { "Let me check.", "It is noon." })
    T.eq(select(2, err:gsub("audio: ", "")), 2, err)
    -- chat: every turn is spoken
    code, out, err = run(chatcmd, {}, "final", "one\ntwo\n")
    T.eq(code, 0, err)
    T.eq(out, "Let me check. It is noon.\nLet me check. It is noon.\n")
    T.eq(#speech_log(T), 2)
    T.eq(select(2, err:gsub("audio: ", "")), 2, err)
  end)

  T.test("e2e: chat over a pipe speaks each reply", function()
    T.server_reset()
    local dir = state({ auto = "always" })
    local out, code, err = sh(dir, { "chat" }, { stdin = "first\nsecond\n" })
    T.eq(code, 0, err)
    T.eq(out, "echo: first\necho: second\n")
    local paths = {}
    for p in err:gmatch("audio: (%S+)\n") do paths[#paths + 1] = p end
    T.eq(#paths, 2, err)
    T.ok(paths[1] ~= paths[2])
    local log = speech_log(T)
    T.eq({ log[1].body.input, log[2].body.input },
         { "echo: first", "echo: second" })
  end)

  T.test("e2e: examples/speak.lua with and without a key", function()
    T.server_reset()
    local dir = state()
    local out, code, err = sh(dir, { "run", T.root .. "/examples/speak.lua",
      "Example speech", dir .. "/example.mp3" })
    T.eq(code, 0, err)
    T.ok(out:find("wrote " .. dir .. "/example.mp3 (1034 bytes of mp3, "
      .. "model hexgrad/kokoro-82m, voice af_alloy)", 1, true), out)
    T.eq(speech_log(T)[1].body.input, "Example speech")
    T.eq(#read(dir .. "/example.mp3"), 1034)
    local bare = T.tmpdir()
    out, code, err = sh(bare, { "run", T.root .. "/examples/speak.lua" },
      { key = false })
    T.eq(code, 0, err)
    T.ok(out:find("text-to-speech failed (auth): OpenRouter API key missing",
      1, true), out)
  end)

  T.test("auto speech: Ctrl-C cancels it in chat, raises in agent",
         function()
    local sched = require("openclaw.sched")
    local lines = {}
    local t = { newline_if_needed = function() end,
                eline = function(_, l) lines[#lines + 1] = l end }
    local cfg = { messages = { tts = { auto = "always" } } }
    local real = tts.speak
    tts.speak = function() error(sched.INTERRUPTED, 0) end
    local ok, err = pcall(function()
      local chat = tts.auto(cfg, { cancel_on_interrupt = true })
      local reply = { text = "hello [[tts]]" }
      chat:after_reply(reply, t)
      T.eq(reply.text, "hello ")
      T.eq(reply.tts, nil)
      T.eq(lines, { "^C (speech cancelled)" })
      local agent = tts.auto(cfg, {})
      local ok2, e2 = pcall(agent.after_reply, agent, { text = "x" }, t)
      T.eq({ ok2, e2 == sched.INTERRUPTED }, { false, true })
    end)
    tts.speak = real
    if not ok then error(err, 0) end
    -- auto off and no --play: nothing to do at all
    T.eq(tts.auto({}, {}), nil)
    T.eq(tts.auto({}, { play = true }).filter, nil)
  end)
end
