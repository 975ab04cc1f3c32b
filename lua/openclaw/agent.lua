--- openclaw.agent: agent turns — streaming, tool loop, failover, sessions.
--
--   local oc = require("openclaw")
--   local agent = oc.agent{ model =, fallbacks =, system =, thinking =,
--     params =, tools =, session =, config =, max_tool_rounds =, env =,
--     -- also: transport =, state_dir =, failover =, id = }
--   agent:tool{ name =, description =, parameters =, run = fn(args, ctx) }
--   local reply = agent:send(text_or_parts, { on_delta =, on_reasoning =,
--     on_tool =, on_event =, model =, thinking =, params = })
--   agent:reset()
--   agent.messages, agent.session_id
--
-- docs/agents.md describes the API, the failover rules and the session
-- format. `send` never raises for runtime failures (network, HTTP status,
-- bad server data, no key): the reply's `error` is set and the text that
-- arrived is kept. It raises for misuse (bad argument types), Ctrl-C
-- (sched.INTERRUPTED) and task cancellation. The constructor raises an
-- openclaw.errors object (one clean line in the CLI) for user mistakes: a
-- broken config, an unknown model ref, a bad session id or thinking level.
local sched = require("openclaw.sched")
local errors = require("openclaw.errors")
local json = require("openclaw.json")
local provider = require("openclaw.provider")
local util = require("openclaw.util")
local now = require("openclaw.core.loop").now

local M = {}

--- Failover timing used when the config has none (see config.lua).
M.DEFAULT_FAILOVER = {
  maxRetries = 2, retryBudgetMs = 5000, initialBackoffMs = 500,
  maxBackoffMs = 4000, connectTimeoutMs = 4000, idleTimeoutMs = 30000,
}
--- Whole-request timeout of one model call when agents.defaults.timeoutMs
-- is unset (the idle timeout, failover.idleTimeoutMs, catches stalls).
M.DEFAULT_REQUEST_TIMEOUT_MS = 600000
M.DEFAULT_MAX_TOOL_ROUNDS = 8
M.DEFAULT_MODEL = "openrouter/auto"

-- Failures no retry or other model can fix: stop the turn at once.
local STOP_REASONS = { auth = true, billing = true, format = true,
  moderation = true, config = true, mock = true, cancelled = true,
  tls = true }

local Agent = {}
Agent.__index = Agent
Agent.__name = "openclaw.agent"

local get = util.get
local has_text = util.has_text

local function misuse(level, fmt, ...)
  error(fmt:format(...), level + 1)
end

local OPTIONS = {
  model = "string", fallbacks = "table", system = "string|boolean",
  thinking = "string|boolean", params = "table", tools = "table",
  session = "string|boolean", config = "table", max_tool_rounds = "number",
  env = "table", transport = "function", state_dir = "string",
  failover = "table", id = "string",
}

local SEND_OPTIONS = {
  on_delta = "function", on_reasoning = "function", on_tool = "function",
  on_event = "function", model = "string", thinking = "string|boolean",
  params = "table",
}

local function check_options(fn, opts, spec, level)
  for k, v in pairs(opts) do
    local want = spec[k]
    if not want then
      local names = {}
      for name in pairs(spec) do names[#names + 1] = name end
      table.sort(names)
      local near = type(k) == "string" and errors.closest(k, names)
      misuse(level + 1, "%s: unknown option '%s'%s", fn, tostring(k),
        near and (" (did you mean '" .. near .. "'?)") or "")
    end
    if not want:find(type(v), 1, true) then
      misuse(level + 1, "%s: option '%s' must be a %s, got %s", fn, k,
        want:gsub("|", " or "), type(v))
    end
  end
end

local function config_mod() return require("openclaw.config") end

-- tools ---------------------------------------------------------------------

local function check_tool(t, level)
  if type(t) ~= "table" then
    misuse(level + 1, "agent:tool: expected a table {name, description, "
      .. "parameters, run}, got %s", type(t))
  end
  if type(t.name) ~= "string" or not t.name:match("^[%w_%-]+$")
     or #t.name > 64 then
    misuse(level + 1, "agent:tool: 'name' must be 1-64 letters, digits, "
      .. "'_' or '-', got %s", type(t.name) == "string"
      and ("'" .. t.name .. "'") or type(t.name))
  end
  if type(t.run) ~= "function" and not (getmetatable(t.run) or {}).__call
  then
    misuse(level + 1, "agent:tool '%s': 'run' must be a function", t.name)
  end
  if t.description ~= nil and type(t.description) ~= "string" then
    misuse(level + 1, "agent:tool '%s': 'description' must be a string",
      t.name)
  end
  if t.parameters ~= nil and type(t.parameters) ~= "table" then
    misuse(level + 1, "agent:tool '%s': 'parameters' must be a JSON schema "
      .. "table", t.name)
  end
end

-- built-in tools of agents/default.lua's tools_for(cfg, env, agent), added
-- once, on the first turn, unless a tool of that name is there already
function Agent:_builtin_tools()
  if self._builtin_done then return end
  self._builtin_done = true
  local ok, d = pcall(require, "agents.default")
  if not ok or type(d) ~= "table" or type(d.tools_for) ~= "function" then
    return
  end
  for _, t in ipairs(d.tools_for(self.config, self.env, self) or {}) do
    local have = false
    for _, old in ipairs(self.tools) do
      if old.name == t.name then have = true end
    end
    if not have then self:tool(t) end
  end
end

--- Add (or replace, by name) a tool. Returns the agent.
function Agent:tool(t)
  check_tool(t, 2)
  for i, old in ipairs(self.tools) do
    if old.name == t.name then
      self.tools[i] = t
      return self
    end
  end
  self.tools[#self.tools + 1] = t
  return self
end

local function neutral_tools(list)
  local out = {}
  for _, t in ipairs(list) do
    out[#out + 1] = { name = t.name, description = t.description or "",
      parameters = t.parameters or { type = "object",
                                     properties = json.object({}) } }
  end
  return out
end

local function error_text(e)
  if type(e) == "table" and e.message ~= nil then return tostring(e.message) end
  return tostring(e)
end

local function result_text(v)
  if v == nil then return "(no output)" end
  if type(v) == "string" then return v end
  if type(v) == "table" then
    local ok, s = pcall(json.encode, v)
    if ok then return s end
    return json.encode({ error = "the tool returned a table that is not "
      .. "valid JSON: " .. tostring(s) })
  end
  return tostring(v)
end

-- run_tool(self, call, ctx) -> result text, failed
local function run_tool(self, call, ctx)
  local tool
  for _, t in ipairs(self.tools) do
    if t.name == call.name then tool = t break end
  end
  if not tool then
    local names = {}
    for _, t in ipairs(self.tools) do names[#names + 1] = t.name end
    return json.encode({ error = ("unknown tool '%s'; available tools: %s")
      :format(tostring(call.name), #names > 0 and table.concat(names, ", ")
      or "none") }), true
  end
  local args = call.args
  if args == nil then
    local v, err = json.decode(call.arguments or "")
    if type(v) ~= "table" then
      return json.encode({ error = ("invalid arguments for tool '%s': %s; "
        .. "send the arguments as a JSON object"):format(call.name,
        err or ("got " .. type(v))) }), true
    end
    args = v
    call.args = v
  end
  local ok, res = pcall(tool.run, args, ctx)
  if not ok then
    if res == sched.INTERRUPTED or res == sched.CANCELLED then
      error(res, 0)
    end
    return json.encode({ error = ("tool '%s' failed: %s"):format(call.name,
      error_text(res)) }), true
  end
  return result_text(res), false
end

-- history -------------------------------------------------------------------

local INTERRUPTED_RESULT = "(no result: the tool run was interrupted)"

-- repair(messages) - a copy where every assistant tool call has a tool
-- result (a turn interrupted while tools ran leaves none) and tool results
-- without a call are dropped; the API rejects either.
local function repair(messages)
  local out, pending = {}, nil
  local function flush()
    if not pending then return end
    for _, id in ipairs(pending.ids) do
      if not pending.answered[id] then
        out[#out + 1] = { role = "tool", tool_call_id = id,
                          content = INTERRUPTED_RESULT }
      end
    end
    pending = nil
  end
  for _, m in ipairs(messages) do
    if m.role == "tool" then
      local id = m.tool_call_id
      if pending and pending.known[id] and not pending.answered[id] then
        pending.answered[id] = true
        out[#out + 1] = m
      end
    else
      flush()
      out[#out + 1] = m
      if m.role == "assistant" and type(m.tool_calls) == "table"
         and #m.tool_calls > 0 then
        pending = { ids = {}, known = {}, answered = {} }
        for _, tc in ipairs(m.tool_calls) do
          local id = tostring(tc.id or "")
          pending.ids[#pending.ids + 1] = id
          pending.known[id] = true
        end
      end
    end
  end
  flush()
  return out
end
M._repair = repair

-- add_message(self, m) - append to self.messages, keeping each turn's
-- messages together when concurrent sends interleave
local function add_message(self, m)
  local list = self.messages
  local n = #list
  if n == 0 or list[n].turn == m.turn then
    list[n + 1] = m
    return
  end
  for i = n, 1, -1 do
    if list[i].turn == m.turn then
      table.insert(list, i + 1, m)
      return
    end
  end
  list[n + 1] = m
end

-- construction ----------------------------------------------------------------

local function load_defaults()
  local ok, d = pcall(require, "agents.default")
  if not ok then
    errors.fail("cannot load the agent defaults (lua/agents/default.lua): %s",
      tostring(d):match("^[^\n]*"))
  end
  if type(d) ~= "table" then
    errors.fail("lua/agents/default.lua must return a table, got %s", type(d))
  end
  return d
end

local function check_ref(ref, what)
  local target, err = provider.resolve(ref)
  if not target then errors.fail("%s: %s", what, err) end
  return target
end

--- Create an agent (see the top of this file and docs/agents.md).
function M.new(opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then
    misuse(2, "oc.agent: expected a table of options, got %s", type(opts))
  end
  check_options("oc.agent", opts, OPTIONS, 2)
  if opts.fallbacks then
    for i, f in ipairs(opts.fallbacks) do
      if type(f) ~= "string" then
        misuse(2, "oc.agent: fallbacks[%d] must be a model ref string", i)
      end
    end
  end
  if opts.tools then
    for _, t in ipairs(opts.tools) do check_tool(t, 2) end
  end
  if opts.max_tool_rounds and (opts.max_tool_rounds < 0
     or math.type(opts.max_tool_rounds) ~= "integer") then
    misuse(2, "oc.agent: max_tool_rounds must be an integer >= 0")
  end

  local cfg = opts.config
  if cfg == nil then
    local c, err = config_mod().load{ env = opts.env }
    if not c then errors.fail("%s", err) end
    cfg = c
  end
  local defaults = load_defaults()
  local ad = get(cfg, "agents", "defaults") or {}

  local self = setmetatable({
    config = cfg, env = opts.env, id = opts.id,
    params = opts.params or {}, tools = {}, messages = {},
    warnings = {}, transport = opts.transport,
    _inflight = {}, _next_turn = 1, _provider_state = {},
  }, Agent)

  self.model = opts.model or get(ad, "model", "primary") or M.DEFAULT_MODEL
  check_ref(self.model, "model")
  local fb = opts.fallbacks or get(ad, "model", "fallbacks") or {}
  if type(fb) == "string" then fb = { fb } end
  self.fallbacks = {}
  for _, f in ipairs(fb) do
    check_ref(f, "fallback model")
    self.fallbacks[#self.fallbacks + 1] = f
  end

  if opts.thinking ~= nil then
    local level, terr = require("openclaw.models").normalize_thinking(
      opts.thinking)
    if not level then errors.fail("thinking: %s", terr) end
    self.thinking = level
  end

  local system = opts.system
  if system == nil then system = ad.system end
  if system == nil then system = defaults.system end
  if system == false or system == "" then system = nil end
  self.system = system

  for _, t in ipairs(type(defaults.tools) == "table" and defaults.tools or {})
  do
    local ok, err = pcall(check_tool, t, 1)
    if not ok then
      errors.fail("lua/agents/default.lua: %s", tostring(err))
    end
    self:tool(t)
  end
  for _, t in ipairs(opts.tools or {}) do self:tool(t) end

  self.max_tool_rounds = opts.max_tool_rounds
    or math.tointeger(ad.maxToolRounds) or M.DEFAULT_MAX_TOOL_ROUNDS
  local fo = {}
  for k, v in pairs(M.DEFAULT_FAILOVER) do fo[k] = v end
  local layers = { ad.failover, opts.failover }
  for li = 1, 2 do
    local layer = layers[li]
    if type(layer) == "table" then
      for k, v in pairs(layer) do
        if M.DEFAULT_FAILOVER[k] ~= nil and type(v) == "number" then
          fo[k] = v
        end
      end
    end
  end
  self.failover = fo
  self.timeout_ms = math.tointeger(fo.idleTimeoutMs)
  self.request_timeout_ms = math.tointeger(ad.timeoutMs) or
    M.DEFAULT_REQUEST_TIMEOUT_MS

  self.state_dir = opts.state_dir
  if opts.session ~= nil and opts.session ~= false then
    if not self.state_dir then
      self.state_dir = config_mod().paths(opts.env).state_dir
    end
    local session = require("openclaw.session")
    local id = opts.session
    if id == true then id = session.new_id() end
    local ok, verr = session.validate_id(id)
    if not ok then errors.fail("session: %s", verr) end
    local sess, serr = session.open(self.state_dir, id)
    if not sess then errors.fail("%s", serr) end
    self._session = sess
    self.session_id = id
    self.messages = sess.messages
    self._next_turn = sess.next_turn
    for _, w in ipairs(sess.warnings) do
      self.warnings[#self.warnings + 1] = w
    end
  end
  return self
end

--- Forget the history. A persisting agent starts a new session (new id);
-- the old session file is kept.
function Agent:reset()
  self.messages = {}
  self._next_turn = self._next_turn + 1
  if self._session then
    local session = require("openclaw.session")
    local id = session.new_id()
    local sess, err = session.open(self.state_dir, id)
    if not sess then errors.fail("%s", err) end
    self._session = sess
    self.session_id = id
    self.messages = sess.messages
  end
  return self
end

-- catalog facts from <state_dir>/cache/models.json, when a catalog module
-- and cache exist (no network here)
function Agent:_catalog()
  if self._catalog_loaded then return self._catalog_map end
  self._catalog_loaded = true
  local dir = self.state_dir or config_mod().paths(self.env).state_dir
  local map = require("openclaw.catalog").cached(self.config,
    { state_dir = dir, env = self.env })
  if type(map) == "table" then self._catalog_map = map end
  return self._catalog_map
end

--- True when an API key for OpenRouter is configured (config or env).
function M.has_key(cfg, env)
  if cfg == nil then
    cfg = config_mod().load{ env = env }
    if not cfg then return false end
  end
  local target = provider.resolve("openrouter/auto")
  if not target then return false end
  return provider.api_key(target, cfg, env) ~= nil
end

-- the turn --------------------------------------------------------------------

local function new_usage()
  return { input = 0, output = 0, cache_read = 0, cache_write = 0,
           total_tokens = 0, reasoning_tokens = 0, cost = 0 }
end

local function add_usage(total, u)
  if type(u) ~= "table" then return end
  for _, k in ipairs({ "input", "output", "cache_read", "cache_write",
                       "total_tokens", "reasoning_tokens" }) do
    if type(u[k]) == "number" then total[k] = total[k] + u[k] end
  end
  local c = u.cost
  if type(c) == "table" then c = c.total end
  if type(c) == "number" and c == c then total.cost = total.cost + c end
end

local function backoff(fo, attempt)
  local w = fo.initialBackoffMs * 2 ^ (attempt - 1)
  if w > fo.maxBackoffMs then w = fo.maxBackoffMs end
  return math.tointeger(math.floor(w)) or 0
end

local function public_error(f, secrets)
  local scrub = config_mod().scrub
  local msg = scrub(f.message or "unknown error", secrets)
  msg = msg:gsub("%s*\n%s*", " ")     -- one line
  return { message = msg,
           reason = f.reason, fix = f.fix, status = f.status, code = f.code,
           retry_after_ms = f.retry_after_ms }
end

-- chain(self, override) - the model refs of a turn, in order
local function chain(self, override)
  local list, seen = {}, {}
  local function add(r)
    if r and not seen[r] then seen[r] = true; list[#list + 1] = r end
  end
  add(override or self.model)
  for _, f in ipairs(self.fallbacks) do add(f) end
  if override then add(self.model) end
  return list
end

local function warn(reply, seen, w)
  if not seen[w] then
    seen[w] = true
    reply.warnings[#reply.warnings + 1] = w
  end
end

-- model_call(self, turn) - one model round with retries and failover.
-- Returns the outcome and the ref that produced it.
local function model_call(self, turn)
  local fo = self.failover
  local refs = turn.refs
  local reply = turn.reply
  local emit = turn.emit
  local last, last_ref
  local i = turn.ref_index
  while i <= #refs do
    local ref = refs[i]
    local target, rerr = provider.resolve(ref)
    if not target then
      return { failure = { reason = "config", message = rerr,
        fix = "use openrouter/<provider>/<model>, mock/echo or mock/script" },
        result = { text = "", tool_calls = {} } }, ref
    end
    local first = now()
    local attempt = 0
    while true do
      attempt = attempt + 1
      local key, kfail = provider.api_key(target, self.config, self.env)
      local outcome
      if kfail then
        outcome = { failure = kfail, result = { text = "", tool_calls = {} } }
      else
        if key then turn.secrets[#turn.secrets + 1] = key end
        local req = {
          model = ref, messages = turn.messages(), tools = turn.tools,
          thinking = turn.thinking, params = turn.params, stream = true,
        }
        local ctx = {
          config = self.config, api_key = key, agent_id = self.id,
          env = self.env, state = self._provider_state,
          catalog = target.ref.provider == "openrouter" and self:_catalog()
            or nil,
          transport = self.transport,
          idle_timeout_ms = turn.idle_timeout_ms,
          connect_timeout_ms = math.tointeger(fo.connectTimeoutMs),
          timeout_ms = self.request_timeout_ms,
        }
        outcome = provider.chat(target, req, ctx, turn.on_delta)
      end
      local f = outcome.failure
      local rec = { ref = ref, reason = f and f.reason or "ok",
                    status = f and f.status or outcome.status }
      reply.attempts[#reply.attempts + 1] = rec
      add_usage(reply.usage, outcome.result and outcome.result.usage)
      if outcome.request then
        for _, w in ipairs(outcome.request.warnings or {}) do
          warn(reply, turn.warned, w)
        end
      end
      if not f then
        turn.ref_index = i
        return outcome, ref
      end
      last, last_ref = outcome, ref
      if outcome.delivered or STOP_REASONS[f.reason]
         or not (f.retryable or f.failover) then
        return outcome, ref
      end
      local retried = false
      if f.retryable and attempt <= fo.maxRetries then
        local wait = f.retry_after_ms or backoff(fo, attempt)
        if (now() - first) + wait <= fo.retryBudgetMs then
          rec.wait_ms = wait
          emit({ type = "retry", model = ref, reason = f.reason,
                 wait_ms = wait, attempt = attempt, message = f.message })
          if wait > 0 then sched.sleep(wait) end
          retried = true
        end
      end
      if not retried then break end
    end
    if not last.failure.failover then return last, last_ref end
    if i < #refs then
      emit({ type = "fallback", from = ref, to = refs[i + 1],
             reason = last.failure.reason, message = last.failure.message })
    end
    i = i + 1
  end
  return last, last_ref
end

local function attempts_summary(attempts)
  local order, count = {}, {}
  for _, a in ipairs(attempts) do
    if not count[a.ref] then order[#order + 1] = a.ref; count[a.ref] = 0 end
    count[a.ref] = count[a.ref] + 1
  end
  local parts = {}
  for _, r in ipairs(order) do
    parts[#parts + 1] = ("%s x%d"):format(r, count[r])
  end
  return table.concat(parts, ", ")
end

local function check_send(input, opts)
  if type(input) ~= "string" and type(input) ~= "table" then
    misuse(3, "agent:send: expected text (a string) or content parts (a "
      .. "table), got %s", type(input))
  end
  if opts ~= nil and type(opts) ~= "table" then
    misuse(3, "agent:send: options must be a table, got %s", type(opts))
  end
  check_options("agent:send", opts or {}, SEND_OPTIONS, 3)
end

--- Send a user message and run the turn to its end (tool rounds
-- included). Returns the reply (see docs/agents.md).
function Agent:send(input, opts)
  check_send(input, opts)
  opts = opts or {}
  local cb = opts

  local reply = {
    text = "", reasoning = nil, tool_calls = {}, images = {},
    usage = new_usage(),
    model = nil, ref = nil, error = nil, attempts = {}, rounds = 0,
    finish_reason = nil, session_id = self.session_id, warnings = {},
  }
  local turn_no = self._next_turn
  self._next_turn = turn_no + 1
  self._inflight[turn_no] = true
  local inflight = self._inflight
  local _done <close> = setmetatable({}, { __close = function()
    inflight[turn_no] = nil
  end })

  -- history as it was when the turn started (turns still running excluded)
  local history = {}
  if self.system then
    history[1] = { role = "system", content = self.system }
  end
  for _, m in ipairs(self.messages) do
    if m.turn == nil or not inflight[m.turn] then history[#history + 1] = m end
  end
  local turn_msgs = {}
  local session = self._session
  local session_warned = false

  local function commit(m)
    m.turn = turn_no
    m.ts = os.time()
    turn_msgs[#turn_msgs + 1] = m
    add_message(self, m)
    if session then
      local ok, err = session:append(m)
      if not ok and not session_warned then
        session_warned = true
        reply.warnings[#reply.warnings + 1] = err
      end
    end
  end

  commit({ role = "user", content = input })

  local emit = function(ev)
    if cb.on_event then cb.on_event(ev) end
  end
  local turn = {
    reply = reply, refs = chain(self, opts.model), ref_index = 1,
    thinking = opts.thinking ~= nil and opts.thinking or self.thinking,
    emit = emit, warned = {}, secrets = {},
    idle_timeout_ms = self.timeout_ms,
  }
  if opts.params then
    local p = {}
    for k, v in pairs(self.params) do p[k] = v end
    for k, v in pairs(opts.params) do p[k] = v end
    turn.params = p
  else
    turn.params = self.params
  end
  local pt = math.tointeger(turn.params.timeoutMs or turn.params.timeout_ms)
  if pt and pt > 0 then turn.idle_timeout_ms = pt end
  self:_builtin_tools()
  if #self.tools > 0 and self.max_tool_rounds > 0 then
    turn.tools = neutral_tools(self.tools)
  end
  turn.messages = function()
    local all = {}
    for _, m in ipairs(history) do all[#all + 1] = m end
    for _, m in ipairs(turn_msgs) do all[#all + 1] = m end
    return repair(all)
  end
  turn.on_delta = function(d)
    if d.type == "text" then
      if cb.on_delta then cb.on_delta(d.text) end
    elseif d.type == "reasoning" then
      if cb.on_reasoning then cb.on_reasoning(d.text) end
    end
    emit(d)
  end

  local tool_rounds = 0
  local reasoning = {}
  while true do
    local outcome, ref = model_call(self, turn)
    local res = outcome.result or { text = "", tool_calls = {} }
    local f = outcome.failure
    reply.rounds = reply.rounds + 1
    reply.ref = ref
    if res.model and not f then reply.model = res.model end
    reply.finish_reason = res.finish_reason
    reply.stop_reason = res.stop_reason
    if type(res.text) == "string" then reply.text = reply.text .. res.text end
    if has_text(res.reasoning) then
      reasoning[#reasoning + 1] = res.reasoning
    end
    for _, url in ipairs(type(res.images) == "table" and res.images or {}) do
      reply.images[#reply.images + 1] = url
    end

    if f then
      if has_text(res.text) then
        commit({ role = "assistant", content = res.text, model = ref,
                 error = f.message })
      end
      reply.error = public_error(f, turn.secrets)
      if #reply.attempts > 1 and not outcome.delivered
         and not STOP_REASONS[f.reason] then
        reply.error.message = ("%s (attempts: %s)"):format(
          reply.error.message, attempts_summary(reply.attempts))
      end
      break
    end

    local calls = res.stop_reason == "toolUse" and res.tool_calls or {}
    local stored_calls = {}
    for _, c in ipairs(calls) do
      stored_calls[#stored_calls + 1] = { id = c.id, name = c.name,
                                          arguments = c.arguments }
    end
    commit({
      role = "assistant", content = res.text or "",
      tool_calls = #stored_calls > 0 and stored_calls or nil,
      reasoning = res.reasoning, reasoning_field = res.reasoning_field,
      reasoning_details = res.reasoning_details, model = ref,
    })
    if #calls == 0 then break end

    if tool_rounds >= self.max_tool_rounds then
      for _, c in ipairs(calls) do
        commit({ role = "tool", tool_call_id = c.id, content =
          json.encode({ error = "not run: the turn reached its limit of "
            .. self.max_tool_rounds .. " tool rounds" }) })
      end
      reply.error = {
        reason = "tool_rounds",
        message = ("the model still asked for tools after %d tool rounds; "
          .. "the turn was stopped"):format(self.max_tool_rounds),
        fix = "raise max_tool_rounds (agent option) or "
          .. "agents.defaults.maxToolRounds, or make the task smaller",
      }
      break
    end
    tool_rounds = tool_rounds + 1

    -- run this round's tools (concurrently when there are several)
    local results = {}
    local function run_one(i)
      local c = calls[i]
      local call = { id = c.id, name = c.name, arguments = c.arguments,
                     args = c.args }
      emit({ type = "tool_call", call = call })
      local text, failed = run_tool(self, call, { agent = self, call = call,
        id = call.id, name = call.name })
      results[i] = { call = call, text = text, failed = failed }
      emit({ type = "tool_result", call = call, result = text,
             error = failed })
      if cb.on_tool then cb.on_tool(call, text) end
      return true
    end
    if #calls == 1 then
      run_one(1)
    else
      local fns = {}
      for i = 1, #calls do fns[i] = function() return run_one(i) end end
      sched.all(fns)
    end
    for i = 1, #calls do
      local r = results[i]
      commit({ role = "tool", tool_call_id = r.call.id, content = r.text,
               name = r.call.name })
      reply.tool_calls[#reply.tool_calls + 1] = { id = r.call.id,
        name = r.call.name, arguments = r.call.arguments, args = r.call.args,
        result = r.text, error = r.failed or nil }
    end
  end

  if #reasoning > 0 then reply.reasoning = table.concat(reasoning) end
  reply.session_id = self.session_id
  return reply
end

return setmetatable(M, {
  __call = function(_, opts) return M.new(opts) end,
})
