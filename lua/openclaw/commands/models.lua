--- `openclaw models`: list the configured and available models, pick the
-- default model, show the model and key setup.
--
--   openclaw models list [--all] [--json] [--refresh] [FILTER]
--   openclaw models set REF
--   openclaw models status [--json] [--check]
--   openclaw models fallbacks [list|add REF|remove REF|clear]
--
-- Every subcommand accepts --local (ignored; OpenClaw's flag). ctx may
-- carry: stdout, stderr (file-like objects), env (table of environment
-- variables), shipped (path of the shipped config.lua). API keys are only
-- ever printed masked ("sk-or-…abcd").
local args = require("openclaw.args")
local errors = require("openclaw.errors")
local config = require("openclaw.config")
local json = require("openclaw.json")
local json5 = require("openclaw.json5")
local models = require("openclaw.models")
local catalog = require("openclaw.catalog")

local USAGE = "openclaw models list|set|status|fallbacks ..."

local HELP = [[
subcommands:
  list [--all] [--json] [--refresh] [FILTER]
                     the configured models (primary, fallbacks, entries
                     of agents.defaults.models, image model) with their
                     facts from the cached catalog; --all: every model of
                     OpenRouter's catalog (GET /models, cached for an
                     hour; --refresh fetches it again; offline: the cache,
                     else the bundled list, with a note). FILTER keeps
                     the refs that contain it
  set REF            make REF the default model
                     (agents.defaults.model.primary in openclaw.json;
                     fallbacks are kept) and say whether the catalog
                     knows it. REF is openrouter/<provider>/<model>, or
                     an alias from agents.defaults.models
  status [--json] [--check]
                     primary model, fallbacks, image model, speech (TTS),
                     API key (masked) and where it comes from, base URL,
                     catalog cache. --check: exit 1 when no key is set
  fallbacks [list]   the fallback models, in order
  fallbacks add REF | remove REF | clear
                     edit agents.defaults.model.fallbacks in openclaw.json

Model refs look like openrouter/anthropic/claude-sonnet-4.5;
openrouter/auto lets OpenRouter pick. See docs/models-and-onboarding.md.]]

local SUBCOMMANDS = { "fallbacks", "list", "set", "status" }

local function out(ctx) return ctx.stdout or io.stdout end
local function err(ctx) return ctx.stderr or io.stderr end

local function flags(extra)
  local t = { ["--local"] = "boolean" }
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local function note(ctx, text)
  if text then err(ctx):write("note: ", text, "\n") end
end

local function load(ctx)
  local cfg, origins, warnings, info = config.load{
    env = ctx.env, shipped = ctx.shipped,
  }
  if not cfg then errors.fail("%s", origins) end
  for _, w in ipairs(warnings) do
    err(ctx):write("openclaw: warning: ", w, "\n")
  end
  return cfg, origins, info
end

local function cat_opts(ctx, extra)
  local o = { env = ctx.env }
  for k, v in pairs(extra or {}) do o[k] = v end
  return o
end

-- the cached catalog (no network), else the bundled rows
local function offline_catalog(cfg, ctx)
  local cat, meta = catalog.cached(cfg, cat_opts(ctx))
  if cat then return cat, "cache", meta end
  return models.bundled(), "bundled", nil
end

local function source_text(source, meta)
  if source == "live" then return "the live catalog" end
  if source == "cache" then
    return ("the catalog cached %s ago"):format(
      catalog.age_text(meta and meta.age_s))
  end
  return "the bundled model list"
end

-- numbers for the table: 262144 -> "262k", 1048576 -> "1M"
local function short_num(n)
  if type(n) ~= "number" then return "-" end
  if n >= 1000000 then
    local s = ("%.1f"):format(n / 1000000):gsub("%.0$", "")
    return s .. "M"
  end
  if n >= 1000 then return (n // 1000) .. "k" end
  return tostring(math.tointeger(n) or n)
end

local function list_of(v)
  if type(v) == "table" then return v end
  return {}
end

-- refs from the configuration, in order, each with its tags
local function configured_refs(cfg)
  local order, byref = {}, {}
  local function add(ref, tag)
    if type(ref) ~= "string" or ref == "" then return end
    local r = models.parse_ref(ref)
    local key = r and r.ref or ref
    local e = byref[key]
    if not e then
      e = { ref = key, tags = {}, parsed = r }
      byref[key] = e
      order[#order + 1] = e
    end
    if tag then e.tags[#e.tags + 1] = tag end
  end
  local model = config.get(cfg, "agents.defaults.model") or {}
  if type(model) == "string" then model = { primary = model } end
  add(model.primary, "default")
  for i, ref in ipairs(list_of(model.fallbacks)) do
    add(ref, "fallback#" .. i)
  end
  local entries = config.get(cfg, "agents.defaults.models") or {}
  local keys = {}
  for k in pairs(entries) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local e = entries[k]
    local alias = type(e) == "table" and e.alias
    add(k, alias and ("alias:" .. alias) or "configured")
  end
  local image = config.image_model(cfg)
  add(image.primary, "image")
  for i, ref in ipairs(list_of(image.fallbacks)) do
    add(ref, "image-fallback#" .. i)
  end
  return order, byref
end

-- one output row for a ref with facts (or nil when unknown)
local function row(ref, parsed, facts, tags)
  local r = { ref = ref, tags = json.array(tags or {}) }
  if parsed then r.id = parsed.api_id end
  if parsed and parsed.provider == "mock" then
    r.provider = "mock"
    r.known = true
    r.input = json.array({ "text" })
    return r
  end
  if not parsed then
    r.known = false
    r.invalid = true
    return r
  end
  r.provider = "openrouter"
  if not facts then
    r.known = false
    return r
  end
  r.known = true
  r.name = facts.name
  r.input = json.array(facts.input or { "text" })
  r.context_window = facts.context_window
  r.max_tokens = facts.max_tokens
  r.reasoning = facts.reasoning and true or false
  if facts.supports_tools ~= nil then
    r.supports_tools = facts.supports_tools
  end
  r.cost = facts.cost
  r.source = facts.source
  return r
end

local function pad(s, w)
  local n = utf8.len(s) or #s
  return s .. (" "):rep(math.max(0, w - n))
end

local function print_table(o, rows)
  local head = { "Model", "Input", "Ctx", "Max out", "Reasoning", "Tags" }
  local lines = { head }
  for _, r in ipairs(rows) do
    local tags = table.concat(r.tags, ",")
    if r.invalid then
      tags = (tags ~= "" and tags .. "," or "") .. "invalid-ref"
    end
    lines[#lines + 1] = {
      r.ref,
      r.input and table.concat(r.input, "+") or "-",
      short_num(r.context_window),
      short_num(r.max_tokens),
      r.reasoning == nil and "-" or (r.reasoning and "yes" or "no"),
      tags,
    }
  end
  local widths = {}
  for _, l in ipairs(lines) do
    for i, c in ipairs(l) do
      local n = utf8.len(c) or #c
      if not widths[i] or n > widths[i] then widths[i] = n end
    end
  end
  for _, l in ipairs(lines) do
    local parts = {}
    for i, c in ipairs(l) do
      parts[i] = i < #l and pad(c, widths[i]) or c
    end
    o:write((table.concat(parts, "  "):gsub("%s+$", "")), "\n")
  end
end

local function cmd_list(argv, ctx)
  local opts, pos = args.parse(argv, {
    flags = flags{ ["--all"] = "boolean", ["--json"] = "boolean",
                   ["--refresh"] = "boolean" },
    max = 1, command = "openclaw models list",
    usage = "openclaw models list [--all] [--json] [--refresh] [FILTER]",
  })
  local filter = pos[1] and pos[1]:lower()
  local cfg = load(ctx)
  local cat, source, why, meta
  if opts.all or opts.refresh then
    cat, source, why, meta = catalog.get(cfg, cat_opts(ctx,
      { refresh = opts.refresh }))
  else
    cat, source, meta = offline_catalog(cfg, ctx)
  end
  note(ctx, why)
  local order, byref = configured_refs(cfg)
  local rows = {}
  local function keep(ref)
    return not filter or ref:lower():find(filter, 1, true) ~= nil
  end
  if opts.all then
    local ids = models.catalog_ids(cat)
    table.sort(ids, function(a, b)
      return catalog.ref_of(a) < catalog.ref_of(b)
    end)
    for _, id in ipairs(ids) do
      local ref = catalog.ref_of(id)
      local parsed = models.parse_ref(ref)
      local mine = byref[parsed and parsed.ref or ref]
      if keep(ref) then
        rows[#rows + 1] = row(ref, parsed, cat[id], mine and mine.tags)
      end
    end
  else
    for _, e in ipairs(order) do
      if keep(e.ref) then
        local facts = e.parsed and catalog.lookup(cat, e.ref)
        rows[#rows + 1] = row(e.ref, e.parsed, facts, e.tags)
      end
    end
  end
  local o = out(ctx)
  if opts.json then
    o:write(json.encode({
      source = source, note = why,
      fetched_at = meta and meta.fetched_at, count = #rows,
      models = json.array(rows),
    }, { pretty = true }), "\n")
    return 0
  end
  if #rows == 0 then
    o:write(filter and ("no model matches '" .. pos[1] .. "'\n")
            or "no models configured\n")
    return 0
  end
  print_table(o, rows)
  local unknown = 0
  for _, r in ipairs(rows) do
    if r.known == false and not r.invalid then unknown = unknown + 1 end
  end
  if not opts.all then
    if unknown > 0 then
      note(ctx, ("%d model%s not in %s ('-' above); %s"):format(unknown,
        unknown == 1 and " is" or "s are", source_text(source, meta),
        source == "bundled" and
        "'openclaw models list --all' fetches the catalog" or
        "'openclaw models list --all --refresh' fetches it again"))
    end
  else
    err(ctx):write(("%d models from %s\n"):format(#rows,
      source_text(source, meta)))
  end
  return 0
end

-- a bare word: an alias from agents.defaults.models (case-insensitive)
local function resolve_alias(cfg, text)
  if text:find("/", 1, true) then return nil end
  local entries = config.get(cfg, "agents.defaults.models") or {}
  local keys = {}
  for k in pairs(entries) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local e = entries[k]
    if type(e) == "table" and type(e.alias) == "string"
       and e.alias:lower() == text:lower() then
      return k
    end
  end
  return nil
end

-- "did you mean" for a ref without provider: catalog ids ending with it
local function bare_suggestion(cfg, ctx, text)
  local cat = offline_catalog(cfg, ctx)
  local want = text:lower()
  local best
  for _, id in ipairs(models.catalog_ids(cat)) do
    if id == want or id:match("/([^/]*)$") == want then
      best = catalog.ref_of(id)
      break
    end
  end
  if not best and want:find("/", 1, true) then
    best = "openrouter/" .. want
  end
  return best
end

-- parse REF from the command line: parsed ref (usage error when bad)
local function parse_ref_arg(cfg, ctx, text, cmd)
  local aliased = resolve_alias(cfg, text)
  if aliased then text = aliased end
  local r, perr = models.parse_ref(text)
  if r then return r, aliased end
  local near = text ~= "" and not text:find("%s")
    and bare_suggestion(cfg, ctx, text)
  if near and perr:find("has no provider", 1, true) then
    errors.usage("%s: %s (did you mean '%s'?)", cmd, perr, near)
  end
  errors.usage("%s: %s", cmd, perr)
end

-- the raw openclaw.json (json5), {} when missing
local function read_raw(path, label)
  local doc, rerr, code = json5.read_file(path, label)
  if doc == nil then
    if code == "ENOENT" then return {} end
    errors.fail("%s", rerr)
  end
  if type(doc) ~= "table" then return {} end
  return doc
end

local function write_key(ctx, key, value)
  local paths = config.paths(ctx.env)
  local label = config.display(paths.json, paths.home)
  local ok, info = config.set_file_value(paths.json, key, value,
                                         { label = label })
  if not ok then errors.fail("%s", info) end
  return label, info
end

-- tell when another layer still decides the value of key
local function note_override(ctx, key, want, label)
  local cfg, origins = config.load{ env = ctx.env, shipped = ctx.shipped }
  if not cfg then
    err(ctx):write("openclaw: warning: the configuration does not load: ",
                   origins, "\n")
    return
  end
  local v = config.get(cfg, key)
  local origin = origins[key]
  if origin and origin ~= label and origin ~= "default"
     and json.encode(v) ~= json.encode(want) then
    note(ctx, ("%s is also set by %s, which wins (effective value: %s)")
      :format(key, origin, json.encode(v)))
  end
end

local function cmd_set(argv, ctx)
  local _, pos = args.parse(argv, {
    flags = flags(), min = 1, max = 1, command = "openclaw models set",
    usage = "openclaw models set REF",
  })
  local cfg = load(ctx)
  local r, aliased = parse_ref_arg(cfg, ctx, pos[1], "openclaw models set")
  local paths = config.paths(ctx.env)
  local label = config.display(paths.json, paths.home)
  local raw = read_raw(paths.json, label)
  local cur = config.get(raw, "agents.defaults.model")
  local info
  if type(cur) == "string" then
    -- the shorthand model: "x/y" becomes { primary = REF }
    label, info = write_key(ctx, "agents.defaults.model",
                            { primary = r.ref })
  else
    label, info = write_key(ctx, "agents.defaults.model.primary", r.ref)
  end
  local o = out(ctx)
  o:write(("Default model: %s%s\n"):format(r.ref,
    aliased and (" (alias '" .. pos[1] .. "')") or ""))
  o:write(("Set agents.defaults.model.primary in %s%s\n"):format(label,
    info.created and " (new file, mode 0600)" or
    (" (previous version kept as " .. label .. ".bak)")))
  if r.provider == "mock" then
    o:write("This is the offline mock provider; it is not in " ..
            "OpenRouter's catalog.\n")
  else
    local cat, source, why, meta = catalog.get(cfg, cat_opts(ctx))
    note(ctx, why)
    local facts = catalog.lookup(cat, r.ref)
    if facts then
      o:write(("Found in %s: %s, context %s, max output %s%s.\n"):format(
        source_text(source, meta), facts.name or r.api_id,
        short_num(facts.context_window), short_num(facts.max_tokens),
        facts.reasoning and ", reasoning" or ""))
    else
      local near = errors.closest(r.api_id, models.catalog_ids(cat))
      o:write(("Not found in %s%s; it was set anyway (check the " ..
        "spelling with 'openclaw models list --all'%s).\n"):format(
        source_text(source, meta), source == "bundled" and
        " (the live catalog could not be fetched)" or "",
        near and ("; did you mean " .. catalog.ref_of(near) .. "?") or ""))
    end
  end
  note_override(ctx, "agents.defaults.model.primary", r.ref, label)
  return 0
end

local function tts_of(cfg)
  local tts = config.get(cfg, "messages.tts") or {}
  local pname = tts.provider or "openrouter"
  local p = type(tts.providers) == "table" and tts.providers[pname] or {}
  if type(p) ~= "table" then p = {} end
  return {
    auto = tts.auto or "off",
    mode = tts.mode,
    provider = pname,
    model = p.model or p.modelId,
    voice = p.voice or p.voiceId,
    format = p.responseFormat,
    own_key = type(p.apiKey) == "string" and p.apiKey ~= "" or nil,
  }
end

local function cmd_status(argv, ctx)
  local opts = args.parse(argv, {
    flags = flags{ ["--json"] = "boolean", ["--check"] = "boolean" },
    max = 0, command = "openclaw models status",
    usage = "openclaw models status [--json] [--check]",
  })
  local cfg, _, info = load(ctx)
  local paths = info.paths
  local model = config.get(cfg, "agents.defaults.model") or {}
  if type(model) == "string" then model = { primary = model } end
  local fallbacks = list_of(model.fallbacks)
  local image = config.image_model(cfg)
  local tts = tts_of(cfg)
  local key, key_src = config.api_key(cfg, ctx.env)
  local base = require("providers.openrouter").resolve_base_url(cfg)
  local cat, meta = catalog.cached(cfg, cat_opts(ctx))
  local facts_cat = cat or models.bundled()
  local primary = model.primary
  local pfacts = primary and catalog.lookup(facts_cat, primary)
  local o = out(ctx)
  if opts.json then
    o:write(json.encode({
      config_path = paths.json,
      primary = primary,
      primary_known = primary and (pfacts ~= nil or
        (primary:lower():match("^mock/") ~= nil)) or false,
      fallbacks = json.array(fallbacks),
      image_model = { primary = image.primary,
                      fallbacks = json.array(list_of(image.fallbacks)) },
      tts = tts,
      api_key = { configured = key ~= nil,
                  masked = key and config.mask_string(key) or nil,
                  source = key and key_src or nil },
      base_url = base,
      catalog = { cached = cat ~= nil, fetched_at = meta and meta.fetched_at,
                  count = meta and meta.count },
    }, { pretty = true }), "\n")
  else
    local function line(k, v) o:write(("%-14s %s\n"):format(k .. ":", v)) end
    line("Config", config.display(paths.json, paths.home))
    local pdesc = primary or "(not set)"
    if primary then
      if pfacts then
        pdesc = ("%s (%s; context %s, max output %s%s)"):format(primary,
          pfacts.name or "", short_num(pfacts.context_window),
          short_num(pfacts.max_tokens),
          pfacts.reasoning and ", reasoning" or "")
      elseif not primary:lower():match("^mock/") then
        pdesc = primary .. " (not in the " ..
          (cat and "cached catalog" or "bundled list") .. ")"
      end
    end
    line("Primary", pdesc)
    line("Fallbacks", #fallbacks > 0 and table.concat(fallbacks, ", ")
         or "(none)")
    local ifb = list_of(image.fallbacks)
    line("Image model", (image.primary or "(not set)") ..
      (#ifb > 0 and (" (fallbacks: " .. table.concat(ifb, ", ") .. ")")
       or ""))
    local tparts = { "auto " .. tts.auto, "provider " .. tts.provider }
    if tts.model then tparts[#tparts + 1] = "model " .. tts.model end
    if tts.voice then tparts[#tparts + 1] = "voice " .. tts.voice end
    if tts.format then tparts[#tparts + 1] = tts.format end
    if tts.own_key then tparts[#tparts + 1] = "own key" end
    line("TTS", table.concat(tparts, ", "))
    if key then
      line("API key", ("%s (from %s)"):format(config.mask_string(key),
        key_src))
    else
      line("API key", "not configured; run 'openclaw onboard " ..
        "--auth-choice openrouter-api-key' or set OPENROUTER_API_KEY")
    end
    line("Base URL", base)
    line("Catalog", cat and ("%d models cached %s ago (%s)"):format(
      meta.count, catalog.age_text(meta.age_s),
      config.display(meta.path, paths.home)) or
      "not cached; 'openclaw models list --all' fetches it")
  end
  if opts.check and not key then
    err(ctx):write("openclaw: no API key configured for OpenRouter\n")
    return 1
  end
  return 0
end

local function effective_fallbacks(cfg)
  local model = config.get(cfg, "agents.defaults.model") or {}
  if type(model) == "string" then return {} end
  local out_ = {}
  for _, r in ipairs(list_of(model.fallbacks)) do out_[#out_ + 1] = r end
  return out_
end

local function cmd_fallbacks(argv, ctx)
  local action = argv[1]
  local rest = table.move(argv, 2, #argv, 1, {})
  if action == nil or (action:sub(1, 1) == "-" and action ~= "-") then
    action, rest = "list", argv
  end
  local cmd = "openclaw models fallbacks " .. action
  local actions = { "add", "clear", "list", "remove" }
  local known = false
  for _, a in ipairs(actions) do if a == action then known = true end end
  if not known then
    local near = errors.closest(action, actions)
    errors.usage("openclaw models fallbacks: unknown action '%s'%s",
      action, near and (" (did you mean '" .. near .. "'?)") or
      "; use list, add REF, remove REF or clear")
  end
  local needs = (action == "add" or action == "remove") and 1 or 0
  local opts, pos = args.parse(rest, {
    flags = flags(action == "list" and { ["--json"] = "boolean" } or nil),
    min = needs, max = needs, command = cmd,
    usage = cmd .. (needs == 1 and " REF" or ""),
  })
  local cfg = load(ctx)
  local list = effective_fallbacks(cfg)
  local o = out(ctx)
  if action == "list" then
    if opts.json then
      o:write(json.encode(json.array(list)), "\n")
    elseif #list == 0 then
      o:write("no fallback models\n")
    else
      for i, r in ipairs(list) do o:write(("%d. %s\n"):format(i, r)) end
    end
    return 0
  end
  local msg
  if action == "clear" then
    if #list == 0 then
      o:write("no fallback models; nothing to do\n")
      return 0
    end
    list = {}
    msg = "Removed every fallback model"
  else
    local r = parse_ref_arg(cfg, ctx, pos[1], cmd)
    local at
    for i, x in ipairs(list) do
      local xr = models.parse_ref(x)
      if (xr and xr.ref or x) == r.ref then at = i end
    end
    if action == "add" then
      if at then
        o:write(("%s is already fallback #%d; nothing to do\n"):format(
          r.ref, at))
        return 0
      end
      list[#list + 1] = r.ref
      msg = ("Added %s as fallback #%d"):format(r.ref, #list)
    else
      if not at then
        errors.fail("%s is not a fallback model (fallbacks: %s)", r.ref,
          #list > 0 and table.concat(list, ", ") or "none")
      end
      table.remove(list, at)
      msg = ("Removed fallback %s"):format(r.ref)
    end
  end
  local paths = config.paths(ctx.env)
  local raw = read_raw(paths.json, config.display(paths.json, paths.home))
  local label, info
  if type(config.get(raw, "agents.defaults.model")) == "string" then
    label, info = write_key(ctx, "agents.defaults.model", {
      primary = config.get(raw, "agents.defaults.model"),
      fallbacks = json.array(list) })
  else
    label, info = write_key(ctx, "agents.defaults.model.fallbacks",
                            json.array(list))
  end
  o:write(("%s (%s%s)\n"):format(msg, label, info.created and
    ", new file, mode 0600" or (", previous version kept as " .. label ..
    ".bak")))
  note_override(ctx, "agents.defaults.model.fallbacks", json.array(list),
                label)
  return 0
end

local M = {
  name = "models",
  summary = "list models, set the default model, show the model setup",
  usage = USAGE,
  help = HELP,
}

function M.run(argv, ctx)
  ctx = ctx or {}
  -- --local is accepted anywhere (also before the subcommand) and ignored
  local kept = {}
  for i, a in ipairs(argv) do
    if a == "--" then
      table.move(argv, i, #argv, #kept + 1, kept)
      break
    end
    if a ~= "--local" then kept[#kept + 1] = a end
  end
  argv = kept
  local sub = argv[1]
  local rest = table.move(argv, 2, #argv, 1, {})
  -- `openclaw models` and `openclaw models --json`: the list
  if sub == nil or sub == "--json" or sub == "--all" then
    sub, rest = "list", argv
  end
  if sub == "list" or sub == "ls" then return cmd_list(rest, ctx) end
  if sub == "set" then return cmd_set(rest, ctx) end
  if sub == "status" then return cmd_status(rest, ctx) end
  if sub == "fallbacks" then return cmd_fallbacks(rest, ctx) end
  args.unknown_subcommand(sub, SUBCOMMANDS, "openclaw models", USAGE)
end

return M
