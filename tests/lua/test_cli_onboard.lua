-- End-to-end tests of `openclaw onboard`: the real binary against the
-- local OpenRouter-compatible server; the hidden prompt through a
-- pseudo-terminal (tests/tools/pty_run.py).
local json = require("openclaw.json")
local lfs = require("lfs")

local KEY = "sk-or-v1-0123456789abcdef0123456789abcdef0123456789abcdef9f3e"
local ENVKEY = "sk-or-v1-fedcba9876543210fedcba9876543210fedcba98765432107a1b"
local OLDKEY = "sk-or-v1-00112233445566778899aabbccddeeff00112233445566774c2d"
local CLOSED = "http://127.0.0.1:1/api/v1"    -- nothing listens on port 1
local SECRETS = { KEY, ENVKEY, OLDKEY, "sk-or-bad", "weird-key-123456789" }

return function(T)
  local q = T.quote

  local read = T.read
  local function write(p, text) return T.write(p, text, 0x180) end   -- 0600

  local function no_secret(s, what)
    for _, k in ipairs(SECRETS) do
      T.ok(not s:find(k, 1, true), ("a key in %s: %s"):format(what, s))
    end
  end

  -- a state dir (HOME/state); doc: the initial openclaw.json (false: no
  -- file), with baseUrl pointing at the test server (or base) unless it
  -- sets one
  local function setup(doc, base)
    base = base or (T.server() .. "/api/v1")
    local state, dir = T.state_dir(doc, { home = true, base = base,
                                          pretty = true, mode = 0x180 })
    local c = { dir = dir, state = state, base = base }
    c.json = c.state .. "/openclaw.json"
    -- run the binary: stdout, exit code, stderr (never holding a key).
    -- opts: key, stdin, env (more variables)
    function c.run(argv, opts)
      opts = opts or {}
      local out, code, err = T.cli(state, argv, { home = dir,
        key = opts.key or "", stdin = opts.stdin, env = opts.env })
      no_secret(out, "stdout")
      no_secret(err, "stderr")
      return out, code, err
    end
    function c.doc() return json.decode(read(c.json)) end
    return c
  end

  local function key_requests() return T.server_log("/api/v1/key") end

  local function has(s, sub, what)
    T.ok(s:find(sub, 1, true), (what or "output") .. " lacks '" .. sub ..
         "':\n" .. s)
  end

  local function one_line(s)
    return s:find("\n") == #s and not s:find("traceback", 1, true)
  end

  local function profile(c)
    local d = c.doc()
    return d.auth and d.auth.profiles and d.auth.profiles["openrouter:default"]
  end

  T.test("onboard: non-interactive with --openrouter-api-key", function()
    T.server_reset()
    local c = setup()
    local before = read(c.json)
    local out, code, err = c.run("onboard --non-interactive --auth-choice " ..
      "openrouter-api-key --openrouter-api-key " .. KEY)
    T.eq(code, 0, err)
    T.eq(err, "")
    has(out, "Key check: OK (label 'test', used $0.50, no limit)\n")
    has(out, "Saved the OpenRouter API key sk-or-…9f3e (from " ..
        "--openrouter-api-key).\n")
    has(out, "Wrote ~/state/openclaw.json (mode 0600; previous version " ..
        "kept as ~/state/openclaw.json.bak):\n")
    has(out, '  auth.profiles["openrouter:default"] = { provider: ' ..
        '"openrouter", mode: "api_key", key: "sk-or-…9f3e" }\n')
    has(out, '  agents.defaults.model.primary = "openrouter/auto"\n')
    has(out, '  agents.defaults.models["openrouter/auto"].alias = ' ..
        '"OpenRouter"\n')
    has(out, "Next: 'openclaw models set openrouter/<provider>/<model>'")
    local d = c.doc()
    T.eq(d.auth.profiles["openrouter:default"],
         { provider = "openrouter", mode = "api_key", key = KEY })
    T.eq(d.agents.defaults.model, { primary = "openrouter/auto" })
    T.eq(d.agents.defaults.models, { ["openrouter/auto"] =
                                     { alias = "OpenRouter" } })
    T.eq(d.models.providers.openrouter.baseUrl, c.base)
    T.eq(lfs.attributes(c.json, "permissions"), "rw-------")
    T.eq(read(c.json .. ".bak"), before)
    T.eq(lfs.attributes(c.json .. ".bak", "permissions"), "rw-------")
    -- the check: GET <baseUrl>/key with the key
    local reqs = key_requests()
    T.eq(#reqs, 1)
    T.eq(reqs[1].method, "GET")
    T.eq(reqs[1].headers.authorization, "Bearer " .. KEY)
    -- the saved key is the one in use
    out, code = c.run("models status", { key = ENVKEY })
    T.eq(code, 0)
    has(out, 'API key:       sk-or-…9f3e (from auth.profiles["openrouter:' ..
        'default"].key)')
    has(out, "Primary:       openrouter/auto")
  end)

  T.test("onboard: no openclaw.json yet -> created 0600", function()
    T.server_reset()
    local c = setup(false, CLOSED)
    local out, code, err = c.run("onboard --non-interactive --skip-check " ..
      "--local --openrouter-api-key " .. KEY)
    T.eq(code, 0, err)
    has(out, "Wrote ~/state/openclaw.json (mode 0600, new file):")
    has(out, "not checked (--skip-check)")
    T.eq(lfs.attributes(c.json, "permissions"), "rw-------")
    T.eq(lfs.attributes(c.json .. ".bak", "mode"), nil)
    T.eq(profile(c).key, KEY)
    -- a state dir that does not exist yet is created
    local d2 = T.tmpdir() .. "/a/b"
    local out2, code2 = T.cli(d2, "onboard --non-interactive --skip-check " ..
      "--openrouter-api-key " .. KEY, { key = "", stderr_to_stdout = true })
    T.eq(code2, 0, out2)
    T.eq(lfs.attributes(d2 .. "/openclaw.json", "permissions"), "rw-------")
    T.eq(lfs.attributes(d2, "permissions"), "rwx------")
    T.eq(#key_requests(), 0)
  end)

  T.test("onboard: non-interactive takes OPENROUTER_API_KEY", function()
    T.server_reset()
    local c = setup()
    local out, code, err = c.run("onboard --non-interactive", { key = ENVKEY })
    T.eq(code, 0, err)
    has(out, "Saved the OpenRouter API key sk-or-…7a1b (from " ..
        "OPENROUTER_API_KEY).")
    T.eq(profile(c).key, ENVKEY)
    T.eq(key_requests()[1].headers.authorization, "Bearer " .. ENVKEY)
    -- the flag wins over the environment
    out, code = c.run("onboard --non-interactive --skip-check " ..
      "--openrouter-api-key " .. KEY, { key = ENVKEY })
    T.eq(code, 0)
    T.eq(profile(c).key, KEY)
    has(out, "(replaced the previous key)")
    -- without either: the key already saved
    out, code = c.run("onboard --non-interactive --skip-check")
    T.eq(code, 0)
    has(out, "(from the saved auth profile)")
    T.eq(profile(c).key, KEY)
  end)

  T.test("onboard: no key -> a clear error, nothing written", function()
    local c = setup()
    local before = read(c.json)
    local out, code, err = c.run("onboard --non-interactive")
    T.eq(code, 2)
    T.eq(out, "")
    T.ok(one_line(err), err)
    has(err, "openclaw: openclaw onboard: no API key: pass " ..
        "--openrouter-api-key KEY or set OPENROUTER_API_KEY (create a key " ..
        "at https://openrouter.ai/keys); nothing was written")
    T.eq(read(c.json), before)
    T.eq(lfs.attributes(c.json .. ".bak", "mode"), nil)
    -- interactive, but standard input is not a terminal and empty
    out, code, err = c.run("onboard --skip-check")
    T.eq(code, 1)
    T.ok(one_line(err), err)
    has(err, "no API key: standard input is not a terminal and gave no key")
    -- an empty flag
    _, code, err = c.run("onboard --openrouter-api-key ''")
    T.eq(code, 2)
    has(err, "--openrouter-api-key is empty")
    T.eq(read(c.json), before)
  end)

  T.test("onboard: a key OpenRouter rejects is not saved", function()
    T.server_reset()
    local c = setup()
    local before = read(c.json)
    local out, code, err = c.run("onboard --non-interactive " ..
      "--openrouter-api-key sk-or-bad")
    T.eq(code, 1)
    T.eq(out, "")
    local last = err:match("([^\n]*)\n$")
    has(last, "openclaw: OpenRouter rejected the key … (GET " .. c.base ..
        "/key: HTTP 401: User not found.); nothing was written. Check " ..
        "the key at https://openrouter.ai/keys and run onboard again, or " ..
        "add --skip-check to save it anyway")
    T.eq(read(c.json), before)
    T.eq(lfs.attributes(c.json .. ".bak", "mode"), nil)
    -- --skip-check saves it without asking OpenRouter
    T.server_reset()
    out, code, err = c.run("onboard --non-interactive --skip-check " ..
      "--openrouter-api-key sk-or-bad")
    T.eq(code, 0, err)
    T.eq(#key_requests(), 0)
    T.eq(profile(c).key, "sk-or-bad")
    has(err, "openclaw: warning: the key … does not look like an " ..
        "OpenRouter API key (those start with 'sk-or-v1-'); saving it " ..
        "anyway")
  end)

  T.test("onboard: offline or a server error -> a warning only", function()
    local c = setup(nil, CLOSED)
    local out, code, err = c.run("onboard --non-interactive " ..
      "--openrouter-api-key " .. KEY)
    T.eq(code, 0, err)
    T.ok(one_line(err), err)
    has(err, "openclaw: warning: could not check the key with OpenRouter " ..
        "(GET " .. CLOSED .. "/key: ")
    has(err, "[connect]); saving it anyway, unchecked")
    has(out, "Saved the OpenRouter API key sk-or-…9f3e")
    T.eq(profile(c).key, KEY)
    T.server_reset()
    T.server_rules({ { path = "/api/v1/key", times = 1,
                       response = { status = 500 } } })
    local s = setup()
    out, code, err = s.run("onboard --non-interactive --openrouter-api-key "
      .. KEY)
    T.eq(code, 0, err)
    has(err, "could not check the key (GET " .. s.base .. "/key: HTTP 500")
    T.eq(profile(s).key, KEY)
    T.server_reset()
  end)

  T.test("onboard: keys that look wrong", function()
    local c = setup(nil, CLOSED)
    local out, code, err = c.run("onboard --non-interactive --skip-check " ..
      "--openrouter-api-key weird-key-123456789")
    T.eq(code, 0, err)
    has(err, "warning: the key …6789 does not look like an OpenRouter API key")
    T.eq(profile(c).key, "weird-key-123456789")
    -- surrounding blanks are trimmed, inner ones refused
    out, code, err = c.run("onboard --non-interactive --skip-check " ..
      "--openrouter-api-key " .. q("  " .. KEY .. " "))
    T.eq(code, 0, err)
    T.eq(err, "")
    T.eq(profile(c).key, KEY)
    local before = read(c.json)
    out, code, err = c.run("onboard --non-interactive --skip-check " ..
      "--openrouter-api-key " .. q("sk-or-v1-abc def0123456789"))
    T.eq(code, 1)
    T.ok(one_line(err), err)
    has(err, "the API key contains spaces or control characters; copy it " ..
        "again from https://openrouter.ai/keys; nothing was written")
    T.ok(not err:find("abc def", 1, true), err)
    out, code, err = c.run("onboard --non-interactive --skip-check " ..
      "--openrouter-api-key " .. q("sk-or-v1-é0123456789abcdef"))
    T.eq(code, 1)
    has(err, "non-ASCII")
    T.eq(read(c.json), before)
  end)

  T.test("onboard: existing fallbacks, alias and settings are kept",
         function()
    T.server_reset()
    local c = setup({
      agents = { defaults = {
        model = { primary = "x/y", fallbacks = { "a/b" } },
        models = { ["openrouter/auto"] = { alias = "Router",
                                           params = { temperature = 0.2 } },
                   ["openrouter/x-ai/grok-4"] = { alias = "grok" } },
        thinkingDefault = "high",
      } },
      gateway = { port = 18789 },
      auth = { profiles = { ["openrouter:default"] = {
        provider = "openrouter", mode = "api_key", key = OLDKEY,
        email = "me@example.com" } } },
    })
    local out, code, err = c.run("onboard --non-interactive " ..
      "--openrouter-api-key " .. KEY)
    T.eq(code, 0, err)
    has(out, '  agents.defaults.model.primary = "openrouter/auto" (was ' ..
        'x/y); fallbacks kept: a/b\n')
    has(out, '  agents.defaults.models["openrouter/auto"].alias = ' ..
        '"Router" (kept)\n')
    has(out, "(replaced the previous key)")
    local d = c.doc()
    -- vector C19: primary set, fallbacks preserved
    T.eq(d.agents.defaults.model, { primary = "openrouter/auto",
                                    fallbacks = { "a/b" } })
    -- vector C18: the alias stays, with the entry's other fields
    T.eq(d.agents.defaults.models["openrouter/auto"],
         { alias = "Router", params = { temperature = 0.2 } })
    T.eq(d.agents.defaults.models["openrouter/x-ai/grok-4"], { alias = "grok" })
    T.eq(d.agents.defaults.thinkingDefault, "high")
    T.eq(d.gateway, { port = 18789 })
    T.eq(d.auth.profiles["openrouter:default"], { provider = "openrouter",
      mode = "api_key", key = KEY, email = "me@example.com" })
    local bak = json.decode(read(c.json .. ".bak"))
    T.eq(bak.auth.profiles["openrouter:default"].key, OLDKEY)
    -- the shorthand model string
    local s = setup({ agents = { defaults = { model = "openrouter/x-ai/grok-4" } } })
    out, code, err = s.run("onboard --non-interactive --skip-check " ..
      "--openrouter-api-key " .. KEY)
    T.eq(code, 0, err)
    T.eq(s.doc().agents.defaults.model, { primary = "openrouter/auto" })
    has(out, "(was openrouter/x-ai/grok-4)")
  end)

  T.test("onboard: what still wins over the file is noted", function()
    local c = setup(nil, CLOSED)
    write(c.state .. "/config.lua", 'return { agents = { defaults = { ' ..
      'model = { primary = "openrouter/moonshotai/kimi-k2.6" } } } }')
    local _, code, err = c.run("onboard --non-interactive --skip-check " ..
      "--openrouter-api-key " .. KEY)
    T.eq(code, 0, err)
    has(err, "note: agents.defaults.model.primary is also set by " ..
        "~/state/config.lua, which wins (effective value: " ..
        "openrouter/moonshotai/kimi-k2.6)")
    T.eq(c.doc().agents.defaults.model.primary, "openrouter/auto")
  end)

  T.test("onboard: a broken openclaw.json is not touched", function()
    local c = setup(false)
    write(c.json, "{ auth: { profiles: ")
    local out, code, err = c.run("onboard --non-interactive --skip-check " ..
      "--openrouter-api-key " .. KEY)
    T.eq(code, 1)
    T.eq(out, "")
    T.ok(one_line(err), err)
    has(err, "openclaw.json:1:")
    has(err, "nothing was written")
    T.eq(read(c.json), "{ auth: { profiles: ")
    -- a value of the wrong type
    write(c.json, '{ "agents": { "defaults": { "maxToolRounds": "many" } } }')
    _, code, err = c.run("onboard --non-interactive --skip-check " ..
      "--openrouter-api-key " .. KEY)
    T.eq(code, 1)
    T.ok(one_line(err), err)
    has(err, "maxToolRounds")
  end)

  T.test("onboard: OPENCLAW_CONFIG_PATH names the file", function()
    local c = setup(false)
    local other = c.dir .. "/elsewhere/my.json"
    local out, code, err = c.run("onboard --non-interactive --skip-check " ..
      "--openrouter-api-key " .. KEY, { env = { OPENCLAW_CONFIG_PATH =
      other } })
    T.eq(code, 0, err)
    has(out, "Wrote ~/elsewhere/my.json (mode 0600, new file)")
    T.eq(json.decode(read(other)).auth.profiles["openrouter:default"].key, KEY)
    T.eq(lfs.attributes(c.json, "mode"), nil)
  end)

  T.test("onboard: auth choices and flags", function()
    local c = setup()
    local before = read(c.json)
    local out, code, err = c.run("onboard --auth-choice openrouter-oauth")
    T.eq(code, 2)
    T.eq(out, "")
    T.ok(one_line(err), err)
    has(err, "openclaw: openclaw onboard: unsupported --auth-choice " ..
        "'openrouter-oauth'; supported: openrouter-api-key (OpenRouter " ..
        "OAuth is not supported yet")
    _, code, err = c.run("onboard --auth-choice anthropic-api-key")
    T.eq(code, 2)
    has(err, "unsupported --auth-choice 'anthropic-api-key'; supported: " ..
        "openrouter-api-key (OAuth is not supported yet)")
    _, code, err = c.run("onboard --non-interactiv")
    T.eq(code, 2)
    T.ok(one_line(err), err)
    has(err, "unknown option '--non-interactiv' (did you mean " ..
        "'--non-interactive'?)")
    _, code, err = c.run("onboard --skip-chek")
    T.eq(code, 2)
    has(err, "(did you mean '--skip-check'?)")
    _, code, err = c.run("onboard --openrouter-api-key")
    T.eq(code, 2)
    has(err, "option '--openrouter-api-key' needs a value")
    _, code, err = c.run("onboard extra")
    T.eq(code, 2)
    has(err, "unexpected argument 'extra'")
    _, code, err = c.run("onboard --auth-choice apiKey --token " .. KEY)
    T.eq(code, 2)
    has(err, "--auth-choice apiKey needs --token-provider openrouter")
    _, code, err = c.run("onboard --auth-choice apiKey --token-provider " ..
      "anthropic --token " .. KEY)
    T.eq(code, 2)
    has(err, "unsupported --token-provider 'anthropic'")
    T.eq(read(c.json), before)
    -- OpenClaw's older spelling works
    out, code, err = c.run("onboard --non-interactive --skip-check " ..
      "--auth-choice apiKey --token-provider openrouter --token " .. KEY)
    T.eq(code, 0, err)
    T.eq(profile(c).key, KEY)
    out, code = c.run("help onboard")
    T.eq(code, 0)
    has(out, "usage: openclaw onboard [--auth-choice openrouter-api-key]")
    has(out, "--skip-check")
  end)

  T.test("onboard: the key from a pipe", function()
    local c = setup(nil, CLOSED)
    local out, code, err = c.run("onboard --skip-check",
                                 { stdin = KEY .. "\n" })
    T.eq(code, 0, err)
    has(out, "(from standard input)")
    T.eq(profile(c).key, KEY)
    -- an empty pipe falls back to OPENROUTER_API_KEY
    out, code, err = c.run("onboard --skip-check",
                           { stdin = "\n", key = ENVKEY })
    T.eq(code, 0, err)
    has(out, "(from OPENROUTER_API_KEY)")
    T.eq(profile(c).key, ENVKEY)
  end)

  -- run onboard on a pseudo-terminal, answering the hidden prompt
  local function pty(c, answer, key_env, argv)
    local cmd = ("/usr/bin/python3 %s --timeout 20 --answer %s " ..
      "--env HOME=%s --env OPENCLAW_STATE_DIR=%s --env OPENROUTER_API_KEY=%s " ..
      "-- %s onboard %s"):format(q(T.root .. "/tests/tools/pty_run.py"),
      q("(input hidden" .. "=" .. answer), q(c.dir), q(c.state),
      q(key_env or ""), q(T.bin), argv or "")
    local text, code = T.sh("env -u OPENCLAW_CONFIG_PATH " .. cmd)
    T.eq(code, 0, text)
    local res = json.decode(text)
    T.ok(res, "pty_run output: " .. text)
    T.eq(res.timed_out, false, res.output)
    return res
  end

  T.test("onboard: hidden input on a terminal", function()
    T.server_reset()
    local c = setup()
    local res = pty(c, KEY)
    T.eq(res.code, 0, res.output)
    T.eq(res.echo_off, { true })
    no_secret(res.output, "the terminal")
    has(res.output, "OpenRouter API key: create one at " ..
        "https://openrouter.ai/keys\r\n")
    has(res.output, "Enter OpenRouter API key (input hidden): ")
    has(res.output, "Key check: OK")
    has(res.output, "Saved the OpenRouter API key sk-or-…9f3e (from the " ..
        "prompt).")
    T.eq(profile(c).key, KEY)
    T.eq(key_requests()[1].headers.authorization, "Bearer " .. KEY)
    -- Enter alone keeps OPENROUTER_API_KEY, which the prompt shows masked
    res = pty(c, "", ENVKEY, "--skip-check")
    T.eq(res.code, 0, res.output)
    has(res.output, "Enter alone uses OPENROUTER_API_KEY, sk-or-…7a1b")
    has(res.output, "(from OPENROUTER_API_KEY)")
    no_secret(res.output, "the terminal")
    T.eq(profile(c).key, ENVKEY)
    -- nothing entered and no key in the environment
    local before = read(c.json)
    res = pty(c, "", nil, "--skip-check")
    T.eq(res.code, 1)
    has(res.output, "openclaw: no API key entered; nothing was written")
    T.eq(read(c.json), before)
    -- Ctrl-C at the prompt: exit 130, nothing written
    res = pty(c, "\3", nil, "--skip-check")
    T.eq(res.code, 130, res.output)
    has(res.output, "openclaw: interrupted")
    T.eq(read(c.json), before)
  end)
end
