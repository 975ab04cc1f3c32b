--- `openclaw onboard`: save an OpenRouter API key and the default model.
--
--   openclaw onboard [--auth-choice openrouter-api-key]
--                    [--openrouter-api-key KEY] [--non-interactive]
--                    [--skip-check] [--local]
--
-- Writes, in one atomic rewrite of openclaw.json (mode 0600, previous
-- file kept as openclaw.json.bak):
--   auth.profiles["openrouter:default"] = { provider = "openrouter",
--                                           mode = "api_key", key = KEY }
--   agents.defaults.model.primary = "openrouter/auto"   (fallbacks kept)
--   agents.defaults.models["openrouter/auto"].alias     (kept, else
--                                                        "OpenRouter")
-- Before writing, the key is checked with GET <baseUrl>/key unless
-- --skip-check: a rejected key (401/403) is an error and nothing is
-- written; a network failure is only a warning. The key is never printed
-- (only "sk-or-…abcd"). ctx may carry stdout, stderr, env, shipped, and
-- read_hidden / isatty (replacements for openclaw.core.fs, for tests).
local args = require("openclaw.args")
local errors = require("openclaw.errors")
local config = require("openclaw.config")
local json = require("openclaw.json")
local json5 = require("openclaw.json5")
local util = require("openclaw.util")

local CHOICE = "openrouter-api-key"
local PROFILE = "openrouter:default"
local PRIMARY = "openrouter/auto"
local ALIAS = "OpenRouter"
local KEYS_URL = "https://openrouter.ai/keys"
local CHECK_TIMEOUT_MS = 10000

local USAGE = "openclaw onboard [--auth-choice openrouter-api-key] " ..
  "[--openrouter-api-key KEY] [--non-interactive] [--skip-check]"

local HELP = [[
Saves an OpenRouter API key and makes openrouter/auto the default model.

options:
  --auth-choice openrouter-api-key
                        how to authenticate (the only choice for now;
                        OpenRouter OAuth is not supported yet)
  --openrouter-api-key KEY
                        the key (else it is asked for, with the input
                        hidden; from a pipe, one line of standard input)
  --non-interactive     never prompt: the key comes from
                        --openrouter-api-key, else OPENROUTER_API_KEY,
                        else the key already saved
  --skip-check          do not check the key with OpenRouter (GET /key)
  --local               accepted for OpenClaw compatibility; ignored

Writes auth.profiles["openrouter:default"] (the key),
agents.defaults.model.primary = "openrouter/auto" (fallbacks are kept) and
agents.defaults.models["openrouter/auto"].alias (an existing alias is kept,
else "OpenRouter") to openclaw.json in one atomic rewrite (mode 0600; the
previous file is kept as openclaw.json.bak). A key OpenRouter rejects is
not saved; when OpenRouter cannot be reached the key is saved with a
warning. Create a key at https://openrouter.ai/keys.]]

local function out(ctx) return ctx.stdout or io.stdout end
local function err(ctx) return ctx.stderr or io.stderr end

local function warn(ctx, fmt, ...)
  err(ctx):write("openclaw: warning: ", fmt:format(...), "\n")
end

local function fs() return require("openclaw.core.fs") end

local first_line = util.first_line
local trim = util.trim
local nonempty = util.nonempty
local dirname = util.dirname

local function getenv(ctx, name)
  if ctx.env then return nonempty(ctx.env[name]) end
  return nonempty(os.getenv(name))
end

-- the auth choice: usage error for anything but the OpenRouter API key
local function check_choice(opts)
  local choice = opts.auth_choice
  if opts.token_provider and opts.token_provider:lower() ~= "openrouter" then
    errors.usage("openclaw onboard: unsupported --token-provider '%s'; " ..
      "only openrouter is supported (use --auth-choice %s)",
      opts.token_provider, CHOICE)
  end
  if choice == nil or choice == CHOICE then return end
  -- OpenClaw's older spelling: --auth-choice apiKey --token-provider
  -- openrouter --token KEY
  if choice == "apiKey" and opts.token_provider then return end
  if choice == "apiKey" then
    errors.usage("openclaw onboard: --auth-choice apiKey needs " ..
      "--token-provider openrouter (or use --auth-choice %s)", CHOICE)
  end
  local oauth = choice:lower():find("oauth", 1, true)
  errors.usage("openclaw onboard: unsupported --auth-choice '%s'; " ..
    "supported: %s%s", choice, CHOICE, oauth and
    " (OpenRouter OAuth is not supported yet: create a key at " ..
    KEYS_URL .. " and use --auth-choice " .. CHOICE .. ")" or
    " (OAuth is not supported yet)")
end

-- Read the key with the input hidden (or one line of a piped stdin).
-- Returns the text, "" when nothing was entered.
local function prompt_key(ctx, env_key)
  local read_hidden = ctx.read_hidden or fs().read_hidden
  local prompt = "Enter OpenRouter API key (input hidden): "
  if env_key then
    prompt = ("Enter OpenRouter API key (input hidden; Enter alone uses " ..
      "OPENROUTER_API_KEY, %s): "):format(config.mask_string(env_key))
  end
  local line, rerr, code = read_hidden(prompt)
  if not line then
    if code == "EINTR" then error(require("openclaw.sched").INTERRUPTED, 0) end
    if code == "EOF" then return "" end
    errors.fail("cannot read the API key: %s; pass --openrouter-api-key " ..
      "KEY instead", first_line(rerr))
  end
  return line
end

-- The key to save: returns key, where it came from (for the summary).
local function obtain_key(opts, ctx, cfg)
  local flag = opts.openrouter_api_key
  if flag ~= nil then
    if trim(flag) == "" then
      errors.usage("openclaw onboard: --openrouter-api-key is empty; " ..
        "pass the key (create one at %s)", KEYS_URL)
    end
    return flag, "--openrouter-api-key"
  end
  local env_key = getenv(ctx, "OPENROUTER_API_KEY")
  if opts.non_interactive then
    if env_key then return env_key, "OPENROUTER_API_KEY" end
    local saved = config.get(cfg, ('auth.profiles["%s"].key'):format(PROFILE))
    if nonempty(saved) then return saved, "the saved auth profile" end
    errors.usage("openclaw onboard: no API key: pass " ..
      "--openrouter-api-key KEY or set OPENROUTER_API_KEY (create a key " ..
      "at %s); nothing was written", KEYS_URL)
  end
  local isatty = ctx.isatty or fs().isatty
  local tty = isatty(0)
  if tty then
    err(ctx):write(("OpenRouter API key: create one at %s\n"):format(
      KEYS_URL))
  end
  local line = trim(prompt_key(ctx, env_key))
  if line ~= "" then return line, tty and "the prompt" or "standard input" end
  if env_key then return env_key, "OPENROUTER_API_KEY" end
  if tty then
    errors.fail("no API key entered; nothing was written (create a key " ..
      "at %s)", KEYS_URL)
  end
  errors.fail("no API key: standard input is not a terminal and gave no " ..
    "key; pass --openrouter-api-key KEY, or --non-interactive with " ..
    "OPENROUTER_API_KEY set; nothing was written")
end

-- Refuse keys that cannot be sent; warn about keys that look odd.
local function check_key_text(ctx, key)
  if key:find("[%s%c]") then
    errors.fail("the API key contains spaces or control characters; " ..
      "copy it again from %s; nothing was written", KEYS_URL)
  end
  if key:find("[\128-\255]") then
    errors.fail("the API key contains non-ASCII characters; copy it " ..
      "again from %s; nothing was written", KEYS_URL)
  end
  if not (key:match("^sk%-or%-[%w_%-]+$") and #key >= 20) then
    warn(ctx, "the key %s does not look like an OpenRouter API key " ..
      "(those start with 'sk-or-v1-'); saving it anyway",
      config.mask_string(key))
  end
end

local function error_message(body)
  local doc = json.decode(body or "")
  if type(doc) == "table" and type(doc.error) == "table"
     and type(doc.error.message) == "string" then
    return first_line(doc.error.message):sub(1, 200)
  end
  return nil
end

local function money(v)
  if type(v) ~= "number" then return nil end
  return ("$%.2f"):format(v)
end

-- GET <base>/key. Returns a summary line, or raises when the key is
-- rejected; offline and other failures warn and return nil.
local function check_key(ctx, cfg, key)
  local openrouter = require("providers.openrouter")
  local http = require("openclaw.http")
  local url = openrouter.resolve_base_url(cfg) .. "/key"
  local res, msg, code = http.request{
    method = "GET", url = url, timeout_ms = CHECK_TIMEOUT_MS,
    headers = { Authorization = "Bearer " .. key,
                Accept = "application/json" },
  }
  local secrets = { key }
  if not res then
    warn(ctx, "%s", config.scrub(("could not check the key with " ..
      "OpenRouter (GET %s: %s%s); saving it anyway, unchecked"):format(url,
      first_line(msg), code and (" [" .. code .. "]") or ""), secrets))
    return nil
  end
  local detail = error_message(res.body)
  if res.status == 401 or res.status == 403 then
    errors.fail("%s", config.scrub(("OpenRouter rejected the key %s " ..
      "(GET %s: HTTP %d%s); nothing was written. Check the key at %s " ..
      "and run onboard again, or add --skip-check to save it " ..
      "anyway"):format(config.mask_string(key), url, res.status,
      detail and (": " .. detail) or "", KEYS_URL), secrets))
  end
  if res.status ~= 200 then
    warn(ctx, "%s", config.scrub(("could not check the key (GET %s: " ..
      "HTTP %d%s); saving it anyway, unchecked"):format(url, res.status,
      detail and (": " .. detail) or ""), secrets))
    return nil
  end
  local doc = json.decode(res.body or "")
  local data = type(doc) == "table" and type(doc.data) == "table"
    and doc.data or {}
  local parts = {}
  if type(data.label) == "string" and data.label ~= "" then
    parts[#parts + 1] = ("label '%s'"):format(data.label)
  end
  if money(data.usage) then parts[#parts + 1] = "used " .. money(data.usage) end
  if data.limit == nil or data.limit == json.null then
    parts[#parts + 1] = "no limit"
  elseif money(data.limit) then
    parts[#parts + 1] = "limit " .. money(data.limit)
  end
  return config.scrub(("Key check: OK (%s)"):format(
    #parts > 0 and table.concat(parts, ", ") or "accepted"), secrets)
end

-- t[k] as a table (replacing anything else)
local function sub(t, k)
  local v = t[k]
  if type(v) ~= "table" or v == json.null or json.is_array(v) then
    v = {}
    t[k] = v
  end
  return v
end

-- Apply the onboarding changes to a decoded openclaw.json. Returns what
-- changed, for the summary.
local function apply(doc, key)
  local done = {}
  local profiles = sub(sub(doc, "auth"), "profiles")
  local p = profiles[PROFILE]
  if type(p) ~= "table" or json.is_array(p) then p = {} end
  done.replaced_key = type(p.key) == "string" and p.key ~= "" and p.key ~= key
  p.provider, p.mode, p.key = "openrouter", "api_key", key
  profiles[PROFILE] = p
  local defaults = sub(sub(doc, "agents"), "defaults")
  local model = defaults.model
  if type(model) == "table" and not json.is_array(model)
     and model ~= json.null then
    done.old_primary = model.primary
    model.primary = PRIMARY
  else
    done.old_primary = type(model) == "string" and model or nil
    defaults.model = { primary = PRIMARY }
  end
  local fb = defaults.model.fallbacks
  done.fallbacks = type(fb) == "table" and fb or {}
  local entries = sub(defaults, "models")
  local e = entries[PRIMARY]
  if type(e) ~= "table" or json.is_array(e) then
    e = {}
    entries[PRIMARY] = e
  end
  if type(e.alias) == "string" and e.alias ~= "" then
    done.alias, done.alias_kept = e.alias, true
  else
    e.alias = ALIAS
    done.alias = ALIAS
  end
  return done
end

-- one atomic rewrite of openclaw.json with the changes
local function write_config(path, label, key)
  local doc, rerr, code = json5.read_file(path, label)
  local existed = true
  if doc == nil then
    if code ~= "ENOENT" then
      errors.fail("%s; fix the file (or move it away) and run onboard " ..
        "again; nothing was written", first_line(rerr))
    end
    doc, existed = {}, false
  end
  if type(doc) ~= "table" or (json.is_array(doc) and next(doc) ~= nil) then
    errors.fail("%s: expected an object ({ ... }) at the top; fix the " ..
      "file and run onboard again; nothing was written", label)
  end
  local done = apply(doc, key)
  local schema = require("openclaw.config_schema")
  local _, errs = schema.check(doc, label)
  if #errs > 0 then
    errors.fail("%s; fix the file and run onboard again; nothing was " ..
      "written", config.scrub(errs[1], { key }))
  end
  local text = json.encode(doc, { pretty = true }) .. "\n"
  local ok, derr = fs().mkdir_p(dirname(path), 0x1c0)
  if not ok then
    errors.fail("cannot create the folder of %s: %s; nothing was written",
      label, first_line(derr))
  end
  local wok, werr = fs().write_atomic(path, text,
                                      { mode = 0x180, backup = true })
  if not wok then
    errors.fail("cannot write %s: %s", label, first_line(werr))
  end
  done.existed = existed
  return done
end

local M = {
  name = "onboard",
  summary = "save an OpenRouter API key and the default model",
  usage = USAGE,
  help = HELP,
}

function M.run(argv, ctx)
  ctx = ctx or {}
  local opts = args.parse(argv, {
    flags = {
      ["--auth-choice"] = "string",
      ["--openrouter-api-key"] = "string",
      ["--non-interactive"] = "boolean",
      ["--skip-check"] = "boolean",
      ["--local"] = "boolean",
      ["--token-provider"] = "string",
      ["--token"] = "--openrouter-api-key",
    },
    max = 0, command = "openclaw onboard", usage = USAGE,
  })
  check_choice(opts)
  local cfg, lerr = config.load{ env = ctx.env, shipped = ctx.shipped }
  if not cfg then
    errors.fail("%s; fix it and run onboard again; nothing was written",
                lerr)
  end
  local key, from = obtain_key(opts, ctx, cfg)
  key = trim(key)
  check_key_text(ctx, key)
  local checked
  if not opts.skip_check then checked = check_key(ctx, cfg, key) end

  local paths = config.paths(ctx.env)
  local label = config.display(paths.json, paths.home)
  local done = write_config(paths.json, label, key)

  local o = out(ctx)
  local masked = config.mask_string(key)
  if checked then o:write(checked, "\n") end
  o:write(("Saved the OpenRouter API key %s (from %s)%s.\n"):format(masked,
    from, opts.skip_check and ", not checked (--skip-check)" or ""))
  o:write(("Wrote %s (mode 0600%s):\n"):format(label, done.existed and
    ("; previous version kept as " .. label .. ".bak") or ", new file"))
  o:write(('  auth.profiles["%s"] = { provider: "openrouter", mode: ' ..
    '"api_key", key: "%s" }%s\n'):format(PROFILE, masked,
    done.replaced_key and " (replaced the previous key)" or ""))
  local fb = {}
  for _, r in ipairs(done.fallbacks) do fb[#fb + 1] = tostring(r) end
  o:write(('  agents.defaults.model.primary = "%s"%s%s\n'):format(PRIMARY,
    done.old_primary and done.old_primary ~= PRIMARY and
    (" (was " .. tostring(done.old_primary) .. ")") or "",
    #fb > 0 and ("; fallbacks kept: " .. table.concat(fb, ", ")) or ""))
  o:write(('  agents.defaults.models["%s"].alias = "%s"%s\n'):format(
    PRIMARY, done.alias, done.alias_kept and " (kept)" or ""))
  o:write("Next: 'openclaw models set openrouter/<provider>/<model>' " ..
    "picks another model; 'openclaw models status' shows the setup.\n")

  -- what still wins over the file
  local after, origins = config.load{ env = ctx.env, shipped = ctx.shipped }
  if after then
    local primary = config.get(after, "agents.defaults.model.primary")
    if primary ~= PRIMARY then
      err(ctx):write(("note: agents.defaults.model.primary is also set " ..
        "by %s, which wins (effective value: %s)\n"):format(
        origins["agents.defaults.model.primary"] or "another layer",
        tostring(primary)))
    end
    local used, src = config.api_key(after, ctx.env)
    if not used then
      err(ctx):write(("note: auth.order.openrouter does not list %s, " ..
        "so the saved key is not used\n"):format(PROFILE))
    elseif used ~= key then
      err(ctx):write(("note: the key in use is %s from %s, which comes " ..
        "first in auth.order.openrouter\n"):format(
        config.mask_string(used), src))
    end
  else
    warn(ctx, "the configuration does not load after the edit: %s",
         origins)
  end
  return 0
end

return M
