--- `openclaw agent`: one agent turn from the command line.
--
--   openclaw agent --message TEXT [--model REF] [--thinking LEVEL]
--                  [--session-id ID] [--system TEXT] [--json]
--                  [--show-reasoning] [--usage] [--verbose] [--no-stream]
--                  [--local]
--
-- The answer streams to stdout as it arrives; reasoning (with
-- --show-reasoning), notices, errors and the usage line go to stderr.
-- --json streams nothing and prints one JSON object. Exit status: 0, 1
-- when the turn failed (the error line names what failed and the fix),
-- 2 for a usage mistake, 130 on Ctrl-C.
--
-- The helpers below are shared with `openclaw chat` (M.setup, M.turn, ...).
-- ctx (all optional, for tests): stdout, stderr, stdin (file-like), env
-- (environment table), isatty (function(fd)), new_agent (function(opts)
-- -> agent, replacing require("openclaw").agent), shipped, flags,
-- config_files (passed to config.load).
local args = require("openclaw.args")
local errors = require("openclaw.errors")
local config = require("openclaw.config")
local json = require("openclaw.json")
local models = require("openclaw.models")
local sched = require("openclaw.sched")
local term = require("openclaw.term")
local util = require("openclaw.util")

local M = {
  name = "agent",
  summary = "send one message to the agent and print the answer",
  usage = "openclaw agent --message TEXT [--model REF] [--thinking LEVEL] "
    .. "[--session-id ID] [--json]",
}

M.HELP_FLAGS = [[
  -m, --message TEXT    the message to send (required; '-' reads it from
                        standard input)
  --model REF           the model: openrouter/<provider>/<model>,
                        mock/echo, or an alias from agents.defaults.models
                        (default: agents.defaults.model.primary, with its
                        fallbacks)
  --thinking LEVEL      off, minimal, low, medium, high, xhigh, adaptive or
                        max (aliases: none, on, x-high, extra-high, highest)
  --session-id ID       continue (or start) the conversation ID; see
                        'openclaw sessions list'
  --system TEXT         system prompt for this run
  --show-reasoning      print the model's reasoning (stderr, dimmed on a
                        terminal)
  --usage               print a line with model, tokens and cost (stderr)
  --verbose             --usage plus retries, fallbacks, tool calls and the
                        session id (stderr)
  --no-stream           print the answer when it is complete
  --play                play the spoken reply (messages.tts.auto) with
                        ffplay, mpv, afplay or aplay
  --local               accepted and ignored (OpenClaw compatibility)]]

M.help = "options:\n" .. M.HELP_FLAGS .. [[


--json prints one JSON object instead of streaming:
  {"text", "reasoning" (when any), "model", "ref", "usage": {input, output,
   cache_read, cache_write, total_tokens, cost}, "tool_calls": [{id, name,
   arguments, result}], "error": null | {message, reason, fix, status,
   code}, "session_id", "finish_reason"}

Exit status: 0 ok, 1 the turn failed (error on stderr), 2 usage mistake,
130 interrupted (Ctrl-C). Without an API key: run
'openclaw onboard --auth-choice openrouter-api-key' or set
OPENROUTER_API_KEY.]]

--- Flags shared by `agent` and `chat`.
M.COMMON_FLAGS = {
  ["--model"] = "string",
  ["--thinking"] = "string",
  ["--session-id"] = "string",
  ["--system"] = "string",
  ["--show-reasoning"] = "boolean",
  ["--usage"] = "boolean",
  ["--verbose"] = "boolean",
  ["--no-stream"] = "boolean",
  ["--local"] = "boolean",
  ["--play"] = "boolean",
  ["-v"] = "--verbose",
}

local FLAGS = {
  ["--message"] = "string",
  ["-m"] = "--message",
  ["--json"] = "boolean",
}
for k, v in pairs(M.COMMON_FLAGS) do FLAGS[k] = v end

-- helpers ---------------------------------------------------------------------

local first_line = util.first_line

--- Load the configuration (a broken config is one line, exit 1); warnings
-- go to stderr.
function M.load_config(ctx, stderr)
  local cfg, origins, warnings = config.load{
    env = ctx.env, shipped = ctx.shipped, flags = ctx.flags,
    extra_files = ctx.config_files,
  }
  if not cfg then errors.fail("%s", origins) end
  stderr = stderr or ctx.stderr or io.stderr
  for _, w in ipairs(warnings or {}) do
    stderr:write("openclaw: warning: ", w, "\n")
  end
  return cfg
end

--- The configured default model ref and fallbacks.
function M.default_model(cfg)
  local m = config.get(cfg, "agents.defaults.model")
  if type(m) == "string" then return m, {} end
  if type(m) ~= "table" then return "openrouter/auto", {} end
  local fb = {}
  if type(m.fallbacks) == "table" then
    for _, r in ipairs(m.fallbacks) do
      if type(r) == "string" then fb[#fb + 1] = r end
    end
  end
  return m.primary or "openrouter/auto", fb
end

--- Resolve what the user typed as a model (a ref or an alias from
-- agents.defaults.models) to a normalised ref; nil, message when it is
-- not a valid ref.
function M.resolve_model(text, cfg, env)
  if type(text) ~= "string" then return nil, "missing model ref" end
  local entries = config.get(cfg or {}, "agents.defaults.models")
  if type(entries) == "table" then
    local lower = text:lower()
    local keys = {}
    for k in pairs(entries) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do
      local e = entries[k]
      if type(e) == "table" and type(e.alias) == "string"
         and e.alias:lower() == lower then
        text = k
        break
      end
    end
  end
  local ref, err = models.parse_ref(text)
  if not ref then
    local near = err:find("has no provider", 1, true)
      and M.bare_suggestion(text, cfg, env)
    if near then err = err .. " (did you mean '" .. near .. "'?)" end
    return nil, err
  end
  return ref.ref
end

--- For a ref typed without provider ("claude-sonnet-4.5"): the ref of the
-- model whose id ends with it, from the cached catalog (else the bundled
-- list). No network access. nil when none matches.
function M.bare_suggestion(text, cfg, env)
  if type(text) ~= "string" or text == "" or text:find("%s") then
    return nil
  end
  local ok, near = pcall(function()
    local catalog = require("openclaw.catalog")
    local cat = catalog.cached(cfg or {}, { env = env }) or models.bundled()
    local want = text:lower()
    for _, id in ipairs(models.catalog_ids(cat)) do
      if id == want or id:match("/([^/]*)$") == want then
        return catalog.ref_of(id)
      end
    end
  end)
  return ok and near or nil
end

--- Validate a thinking level; nil, message when unknown.
function M.check_thinking(level)
  return models.normalize_thinking(level)
end

--- Validate a session id; nil, message when malformed.
function M.check_session_id(id)
  local ok, session = pcall(require, "openclaw.session")
  if ok and session.validate_id then return session.validate_id(id) end
  if type(id) == "string" and id:match("^[%w%-_][%w%-_%.]*$") then
    return true
  end
  return nil, ("invalid session id '%s': use letters, digits, '-', '_' "
    .. "and '.'"):format(tostring(id))
end

--- The API key a model needs: key | nil (none needed) | false, failure
-- (needed and missing).
function M.key_for(ref, cfg, env)
  local ok, provider = pcall(require, "openclaw.provider")
  if ok and provider.resolve then
    local target = provider.resolve(ref)
    if target then
      local key, failure = provider.api_key(target, cfg, env)
      if key then return key end
      if failure then return false, failure end
      return nil
    end
  end
  if ref:match("^openrouter/") then
    local key = config.api_key(cfg, env)
    if key then return key end
    return false, { reason = "auth", message =
      'No API key found for provider "openrouter"',
      fix = "run 'openclaw onboard --auth-choice openrouter-api-key' or "
        .. "set OPENROUTER_API_KEY" }
  end
  return nil
end

--- Every secret worth scrubbing from output.
function M.secrets(cfg, env)
  local out = {}
  local key = config.api_key(cfg, env)
  if type(key) == "string" then out[#out + 1] = key end
  return out
end

--- One line for a reply error: "<message>; <fix>", credentials masked.
function M.error_line(err, secrets)
  if type(err) ~= "table" then
    return config.scrub(first_line(err), secrets)
  end
  local msg = first_line(err.message or err.reason or "the request failed")
  local fix = err.fix and first_line(err.fix) or nil
  if fix and fix ~= "" and not msg:find(fix, 1, true) then
    msg = msg:gsub("[%.%s]+$", "") .. "; " .. fix
  end
  return config.scrub(msg, secrets)
end

--- Print the warnings an agent collected while it was built (a session
-- file with a damaged line...).
function M.agent_warnings(a, t, secrets)
  for _, w in ipairs(type(a.warnings) == "table" and a.warnings or {}) do
    t:eline("openclaw: warning: " .. config.scrub(first_line(w), secrets))
  end
  if type(a.warnings) == "table" then
    for i = #a.warnings, 1, -1 do a.warnings[i] = nil end
  end
end

--- Make an agent: ctx.new_agent (tests) or require("openclaw").agent.
function M.new_agent(opts, ctx)
  if ctx and ctx.new_agent then return ctx.new_agent(opts) end
  return require("openclaw").agent(opts)
end

-- the printable form of a tool call argument/result
local function brief(v, n)
  if type(v) == "table" then
    local ok, s = pcall(json.encode, v)
    v = ok and s or "{…}"
  end
  return term.truncate(v == nil and "" or tostring(v), n or 80)
end

--- Run one turn on agent `a` and show it on `t` (a term.new context).
-- o: json (stream nothing), stream (default true), show_reasoning,
-- verbose, usage, show_tools (tool calls on stderr), model, thinking,
-- spinner (wait spinner on a terminal), secrets, filter (function(text)
-- -> the part to show; filter(nil) flushes what it held back: the
-- [[tts]] directive stripping of tools.tts).
-- Returns the reply. Ctrl-C (sched.INTERRUPTED) is re-raised after the
-- line in progress is ended.
function M.turn(a, text, t, o)
  o = o or {}
  local quiet = o.json
  local stream = o.stream ~= false and not quiet
  local state = { text = {}, reasoning = false, any_text = false }
  local spinner
  if o.spinner and not quiet and t.err_tty then
    spinner = term.spinner(o.spinner, { delay_ms = 700, stream = t.stderr,
      color = t.err.on })
  end
  local function stop_spinner()
    if spinner then spinner:stop() spinner = nil end
  end
  local function end_reasoning()
    if state.reasoning then
      state.reasoning = false
      t:newline_if_needed(true)
      t:ewrite("\n")
    end
  end
  local send_opts = {
    model = o.model, thinking = o.thinking,
    on_delta = function(s)
      if not stream or type(s) ~= "string" or s == "" then return end
      if o.filter then   -- strips [[tts]] directives (tools.tts)
        state.any_text = true
        s = o.filter(s)
        if s == "" then return end
      end
      stop_spinner()
      end_reasoning()
      state.any_text = true
      t:write(s)
    end,
    on_reasoning = function(s)
      if not stream or not o.show_reasoning or type(s) ~= "string"
         or s == "" then
        return
      end
      stop_spinner()
      if state.any_text then return end   -- late reasoning: skip
      state.reasoning = true
      state.shown_reasoning = true
      t:ewrite(t.err.dim(s))
    end,
    on_tool = function(call, result)
      if quiet or not (o.verbose or o.show_tools) then return end
      stop_spinner()
      end_reasoning()
      t:newline_if_needed(false)
      call = type(call) == "table" and call or {}
      t:eline(t.err.dim(("tool %s(%s) -> %s"):format(
        tostring(call.name or "?"),
        brief(call.arguments or call.args, 60), brief(result, 80))))
    end,
    on_event = function(ev)
      if quiet or type(ev) ~= "table" then return end
      local line
      if ev.type == "fallback" then
        line = ("falling back from %s to %s%s"):format(tostring(ev.from),
          tostring(ev.to), ev.reason and (" (" .. tostring(ev.reason) .. ")")
          or "")
      elseif ev.type == "retry" and o.verbose then
        line = ("retrying %s%s%s"):format(tostring(ev.model or ""),
          tonumber(ev.wait_ms) and (" in %.1f s"):format(ev.wait_ms / 1000)
          or "", ev.reason and (" (" .. tostring(ev.reason) .. ")") or "")
      end
      if line then
        stop_spinner()
        end_reasoning()
        t:newline_if_needed(false)
        t:eline(t.err.dim(config.scrub(line, o.secrets)))
      end
    end,
  }
  local ok, reply = pcall(a.send, a, text, send_opts)
  stop_spinner()
  if not ok then
    end_reasoning()
    if reply == sched.INTERRUPTED then t:newline_if_needed(false) end
    error(reply, 0)
  end
  if type(reply) ~= "table" then
    reply = { error = { message = "the agent returned no reply" } }
  end
  end_reasoning()
  if not quiet then
    -- not streamed (--no-stream, or a provider that did not stream)
    if not state.any_text and type(reply.text) == "string"
       and reply.text ~= "" then
      if o.show_reasoning and not state.shown_reasoning
         and type(reply.reasoning) == "string" and reply.reasoning ~= "" then
        t:ewrite(t.err.dim(reply.reasoning))
        t:newline_if_needed(true)
        t:ewrite("\n")
      end
      t:write(o.filter and o.filter(reply.text) or reply.text)
      state.any_text = true
    end
    if o.filter then t:write(o.filter(nil)) end   -- held-back text
    t:newline_if_needed(false)
  end
  return reply
end

--- Print warnings, the error line and the usage line of a reply (stderr).
function M.report(reply, t, o)
  o = o or {}
  for _, w in ipairs(type(reply.warnings) == "table" and reply.warnings
                     or {}) do
    t:eline("openclaw: warning: " .. config.scrub(first_line(w), o.secrets))
  end
  if reply.error then
    t:eline("openclaw: " .. M.error_line(reply.error, o.secrets))
  end
  if o.usage or o.verbose then
    local line = term.usage_line(reply)
    if o.verbose and reply.session_id then
      line = line .. " · session " .. tostring(reply.session_id)
    end
    t:eline(t.err.dim(line))
  end
end

local function opt(v)
  if v == nil then return json.null end
  return v
end

--- The --json object of a reply.
function M.json_object(reply, secrets)
  local calls = json.array({})
  for _, c in ipairs(type(reply.tool_calls) == "table" and reply.tool_calls
                     or {}) do
    calls[#calls + 1] = { id = opt(c.id), name = opt(c.name),
      arguments = opt(c.arguments), result = opt(c.result) }
  end
  local err = json.null
  if type(reply.error) == "table" then
    local e = reply.error
    err = { message = config.scrub(tostring(e.message or "failed"), secrets),
            reason = opt(e.reason),
            fix = e.fix and config.scrub(tostring(e.fix), secrets) or json.null,
            status = opt(e.status), code = opt(e.code) }
  elseif reply.error ~= nil then
    err = { message = config.scrub(tostring(reply.error), secrets) }
  end
  local u = type(reply.usage) == "table" and reply.usage or nil
  local obj = {
    text = type(reply.text) == "string" and reply.text or "",
    model = opt(reply.model), ref = opt(reply.ref),
    usage = u and { input = u.input or 0, output = u.output or 0,
      cache_read = u.cache_read or 0, cache_write = u.cache_write or 0,
      total_tokens = u.total_tokens or ((u.input or 0) + (u.output or 0)),
      cost = u.cost or 0 } or json.null,
    tool_calls = calls, error = err, session_id = opt(reply.session_id),
    finish_reason = opt(reply.finish_reason),
  }
  if type(reply.reasoning) == "string" and reply.reasoning ~= "" then
    obj.reasoning = reply.reasoning
  end
  if type(reply.tts) == "table" then obj.tts = reply.tts end
  if type(reply.warnings) == "table" and #reply.warnings > 0 then
    local w = json.array({})
    for i, s in ipairs(reply.warnings) do
      w[i] = config.scrub(tostring(s), secrets)
    end
    obj.warnings = w
  end
  local ok, text = pcall(json.encode, obj)
  if not ok then
    -- results the encoder cannot hold (functions...): keep them as text
    for _, c in ipairs(calls) do
      if type(c.result) == "table" then c.result = brief(c.result, 10000) end
      if type(c.arguments) == "table" then
        c.arguments = brief(c.arguments, 10000)
      end
    end
    text = json.encode(obj)
  end
  return text
end

--- Parse and check the flags shared with chat; returns a settings table
-- { model, fallbacks, model_flag, thinking, session_id, system, ... }.
function M.settings(opts, cfg, cmd, env)
  local s = { show_reasoning = opts.show_reasoning, usage = opts.usage,
              verbose = opts.verbose, stream = not opts.no_stream,
              system = opts.system }
  if opts.model then
    local ref, err = M.resolve_model(opts.model, cfg, env)
    if not ref then errors.usage("%s: --model: %s", cmd, err) end
    s.model, s.fallbacks, s.model_flag = ref, {}, true
  else
    local primary, fb = M.default_model(cfg)
    local ref, err = M.resolve_model(primary, cfg)
    if not ref then
      errors.fail("agents.defaults.model.primary: %s; fix it with "
        .. "'openclaw models set REF'", err)
    end
    s.model, s.fallbacks = ref, fb
  end
  if opts.thinking then
    local level, err = M.check_thinking(opts.thinking)
    if not level then errors.usage("%s: --thinking: %s", cmd, err) end
    s.thinking = level
  end
  if opts.session_id then
    local ok, err = M.check_session_id(opts.session_id)
    if not ok then errors.usage("%s: --session-id: %s", cmd, err) end
    s.session_id = opts.session_id
  end
  if s.system == "" then s.system = nil end
  return s
end

--- The options table for require("openclaw").agent.
function M.agent_options(s, cfg, ctx)
  return { model = s.model, fallbacks = s.fallbacks, system = s.system,
           thinking = s.thinking, session = s.session_id, config = cfg,
           env = ctx.env }
end

function M.run(argv, ctx)
  ctx = ctx or {}
  local opts = args.parse(argv, { flags = FLAGS, max = 0,
    command = "openclaw agent", usage = M.usage })
  if opts.message == nil then
    errors.usage("openclaw agent: --message is required, e.g. openclaw "
      .. "agent --message \"hello\" (or -m - to read standard input)")
  end
  local stderr = ctx.stderr or io.stderr
  local cfg = M.load_config(ctx, stderr)
  local s = M.settings(opts, cfg, "openclaw agent", ctx.env)
  local text = args.text(opts.message, ctx, "openclaw agent", "message",
                         M.usage)
  local t = term.new{ stdout = ctx.stdout, stderr = ctx.stderr,
    cfg = cfg, env = ctx.env, isatty = ctx.isatty }
  local secrets = M.secrets(cfg, ctx.env)

  local key, failure = M.key_for(s.model, cfg, ctx.env)
  if key == false then
    local reply = { text = "", ref = s.model, error = failure,
                    session_id = s.session_id }
    if opts.json then t:line(M.json_object(reply, secrets)) end
    t:eline("openclaw: " .. M.error_line(failure, secrets))
    return 1
  end

  local a = M.new_agent(M.agent_options(s, cfg, ctx), ctx)
  M.agent_warnings(a, t, secrets)
  local speech = require("tools.tts").auto(cfg, { env = ctx.env,
    play = opts.play, json = opts.json })
  local reply = M.turn(a, text, t, {
    json = opts.json, stream = s.stream, show_reasoning = s.show_reasoning,
    verbose = s.verbose, usage = s.usage, secrets = secrets,
    spinner = "waiting for " .. s.model, filter = speech and speech.filter,
  })
  if speech then speech:after_reply(reply, t, a) end
  if opts.json then t:line(M.json_object(reply, secrets)) end
  M.report(reply, t, { usage = s.usage, verbose = s.verbose,
    secrets = secrets })
  return reply.error and 1 or 0
end

return M
