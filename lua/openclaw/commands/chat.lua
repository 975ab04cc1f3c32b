--- `openclaw chat`: talk with the agent, one line per message.
--
-- On a terminal: a `you> ` prompt, streamed answers, tool calls and
-- notices dimmed on stderr, a wait spinner. Over a pipe: no prompt, no
-- banner, just the answers on stdout (notices and errors on stderr), so
-- scripts and tests can drive it.
--
-- Slash commands: /model [REF], /thinking [LEVEL], /new, /session,
-- /help, /quit (also /exit and end of input). Ctrl-C during an answer
-- cancels that answer and returns to the prompt; Ctrl-C at the prompt,
-- or twice within a second, exits with status 130.
--
-- Every turn takes the configuration from M.current_config(ctx): when it
-- returns a different table than the turn before, the agent is rebuilt
-- on the same session and the new defaults (model, fallbacks, system
-- prompt, colours...) apply from that turn on. With hot reload on (the
-- default; --no-reload or `reload = false` turn it off) that is
-- openclaw.reload's current config: saved config files and reloadable
-- modules take effect at the next turn, a turn in flight keeps its own.
-- Standard input is read through the event loop, so reload notices
-- appear while the prompt waits.
local args = require("openclaw.args")
local errors = require("openclaw.errors")
local sched = require("openclaw.sched")
local term = require("openclaw.term")
local util = require("openclaw.util")
local agentcmd = require("openclaw.commands.agent")

local M = {
  name = "chat",
  summary = "chat with the agent (a REPL on a terminal; works over a pipe)",
  usage = "openclaw chat [--model REF] [--thinking LEVEL] [--session-id ID]"
    .. " [--system TEXT] [--show-reasoning] [--usage] [--verbose]"
    .. " [--no-reload]",
}

M.SLASH_HELP = [[
  /model [REF]         show or switch the model (e.g. /model
                       openrouter/anthropic/claude-sonnet-4.5)
  /thinking [LEVEL]    show or set the thinking level: off, minimal, low,
                       medium, high, xhigh, adaptive, max
  /new                 start a fresh session (the old one stays on disk)
  /session             show the session id
  /help                this list
  /quit                leave (also /exit, Ctrl-D)
A line starting with '//' is sent as a message starting with '/'.]]

M.help = "options:\n" .. agentcmd.HELP_FLAGS:gsub(
  "  %-m, %-%-message.-\n  %-%-model", "  --model") .. [[

  --no-reload           do not apply saved config files and Lua modules
                        while the chat runs (hot reload; docs/hot-reload.md)

commands inside the chat:
]] .. M.SLASH_HELP .. [[


Ctrl-C cancels the answer being written and returns to the prompt;
Ctrl-C at the prompt (or twice within a second) exits with status 130.
Over a pipe there is no prompt: each line of standard input is a message
(or a slash command) and only the answers are printed on stdout.]]

M.COMMANDS = { "/exit", "/help", "/model", "/new", "/quit", "/session",
               "/thinking" }

--- Milliseconds within which a second Ctrl-C during answers exits.
M.DOUBLE_INTERRUPT_MS = 1000

--- The configuration the next turn uses: ctx.current_config() when given
-- (tests), else the hot reloader's current one, else the one loaded when
-- the chat started.
function M.current_config(ctx)
  if ctx.current_config then return ctx.current_config() end
  if ctx._reload then return ctx._reload.config() end
  return ctx._chat_config
end

local first_line = util.first_line

-- read_fd_line(st) - read_line on the real standard input, through the
-- event loop: the task waits until fd 0 is readable (other tasks, such
-- as the config reloader, run meanwhile) and reads what is there.
local function read_fd_line(st)
  local f, buf = st.stdin_watch, st.inbuf
  while true do
    local nl = buf:find("\n", 1, true)
    if nl then
      st.inbuf = buf:sub(nl + 1)
      return (buf:sub(1, nl - 1):gsub("\r$", ""))
    end
    if st.in_eof then
      st.inbuf = ""
      if buf == "" then return nil end
      return (buf:gsub("\r$", ""))
    end
    if not f:ready() then
      f:arm()
      st.at_prompt = true
      local ok, err = pcall(sched.wait_watch, f)
      st.at_prompt = false
      if not ok then
        st.inbuf = buf
        if err == sched.INTERRUPTED then return nil, "interrupted" end
        error(err, 0)
      end
    end
    local data, _, code = f:read()
    if data then
      buf = buf .. data
    elseif code ~= "EAGAIN" then
      st.in_eof = true          -- end of input (or a read error)
    end
  end
end

-- read_line(st) - one line of input; nil at the end; nil, "interrupted"
-- on Ctrl-C.
local function read_line(st)
  if not st.ctx.stdin and st.stdin_watch then return read_fd_line(st) end
  local input = st.ctx.stdin or io.stdin
  local ok, line, err = pcall(function()
    local l, e = input:read("L")
    return l, e
  end)
  if not ok then
    if line == sched.INTERRUPTED then return nil, "interrupted" end
    error(line, 0)
  end
  if line == nil and err and tostring(err):find("nterrupt") then
    return nil, "interrupted"
  end
  if line == nil then return nil end
  return (line:gsub("\r?\n$", ""))
end

local function notice(st, text)
  st.t:newline_if_needed(false)
  st.t:eline(st.t.err.dim(text))
end

local function problem(st, text)
  st.t:newline_if_needed(false)
  st.t:eline("openclaw: " .. text)
end

-- the model the next turn uses
local function current_model(st)
  return st.model_override or st.settings.model
end

-- (re)build the agent on session `session` (an id, or true for a fresh
-- one; chats are saved so they can be continued with --session-id)
local function build_agent(st, session)
  local s = st.settings
  local opts = agentcmd.agent_options(s, st.cfg, st.ctx)
  opts.session = session
  local session_id = type(session) == "string" and session or nil
  local old = st.agent
  local a = agentcmd.new_agent(opts, st.ctx)
  agentcmd.agent_warnings(a, st.t, st.secrets)
  -- an agent that does not persist its session: carry the history over
  if old and session_id and type(old.messages) == "table"
     and type(a.messages) == "table" and #a.messages == 0
     and #old.messages > 0 then
    for i, m in ipairs(old.messages) do a.messages[i] = m end
  end
  st.agent = a
  return a
end

-- apply a configuration that changed since the last turn
local function refresh_config(st)
  local cfg = M.current_config(st.ctx)
  if cfg == nil or cfg == st.cfg then return end
  st.cfg = cfg
  local ctx = st.ctx
  st.t = term.new{ stdout = ctx.stdout, stderr = ctx.stderr, cfg = cfg,
    env = ctx.env, isatty = ctx.isatty }
  st.secrets = agentcmd.secrets(cfg, ctx.env)
  if not st.settings.model_flag then
    local primary, fb = agentcmd.default_model(cfg)
    local ref = agentcmd.resolve_model(primary, cfg)
    if ref then
      st.settings.model, st.settings.fallbacks = ref, fb
    else
      problem(st, "agents.defaults.model.primary is not a valid model "
        .. "ref; keeping " .. st.settings.model)
    end
  end
  build_agent(st, st.agent and st.agent.session_id
                 or st.settings.session_id or true)
end

-- slash commands ----------------------------------------------------------------

local slash = {}

function slash.help(st)
  notice(st, "commands:\n" .. M.SLASH_HELP)
end

function slash.model(st, arg)
  if arg == "" then
    notice(st, "model: " .. current_model(st))
    return
  end
  local ref, err = agentcmd.resolve_model(arg, st.cfg, st.ctx.env)
  if not ref then
    problem(st, "/model: " .. err)
    return
  end
  st.model_override = ref
  notice(st, "model: " .. ref)
end

function slash.thinking(st, arg)
  if arg == "" then
    notice(st, "thinking: " .. (st.thinking or "default (from the config)"))
    return
  end
  local level, err = agentcmd.check_thinking(arg)
  if not level then
    problem(st, "/thinking: " .. err)
    return
  end
  st.thinking = level
  notice(st, "thinking: " .. level)
end

function slash.new(st)
  local a = st.agent
  local before = a.session_id
  if type(a.reset) == "function" then a:reset() end
  if a.session_id ~= nil and a.session_id == before then
    -- reset kept the session: start a fresh one instead
    build_agent(st, true)
  end
  st.settings.session_id = nil
  local id = st.agent.session_id
  notice(st, "new session" .. (id and (" " .. tostring(id)) or ""))
end

function slash.session(st)
  local id = st.agent.session_id or st.last_session_id
  notice(st, "session: " .. (id and tostring(id) or "(none yet)"))
end

function slash.quit() return "quit" end
slash.exit = slash.quit
slash.q = slash.quit

local function run_slash(st, line)
  local name, arg = line:match("^/(%S*)%s*(.-)%s*$")
  local fn = slash[name]
  if not fn then
    local near = errors.closest("/" .. name, M.COMMANDS)
    problem(st, ("unknown command '/%s'%s; type /help for the list")
      :format(name, near and (" (did you mean '" .. near .. "'?)") or ""))
    return
  end
  return fn(st, arg)
end

-- hot reload notices --------------------------------------------------------

local function show_prompt(st)
  local p = st.t.out_tty and st.t.out.bold("you> ") or "you> "
  if st.t.out_tty then st.t:write(p) else st.t:ewrite(p) end
  st.t.col = 0   -- the user's Enter ends the line
end

-- a reload notice. When stdout and stderr are one terminal, a notice
-- that comes during a turn waits for its end (the answer is not cut), and
-- one at the prompt gets a line of its own, then the prompt again.
-- Otherwise it goes to stderr at once, leaving stdout alone.
local function reload_notice(st, line)
  local t = st.t
  local prompt = st.at_prompt and st.interactive
  if not (t.out_tty and t.err_tty) and not prompt then
    t.stderr:write(t.err.dim(line), "\n")
    if t.stderr.flush then t.stderr:flush() end
    return
  end
  if st.in_turn then
    st.queued[#st.queued + 1] = line
    return
  end
  if prompt then t:ewrite("\n") end
  t:newline_if_needed(false)
  t:eline(t.err.dim(line))
  if prompt then show_prompt(st) end
end

-- turn_guard(st) - for the length of one turn: module reloads wait (the
-- reloader is held) and so do notices; both are applied when it closes
local function turn_guard(st)
  local hold = st.ctx._reload and st.ctx._reload.hold()
  st.in_turn, st.queued = true, {}
  return setmetatable({}, { __close = function()
    st.in_turn = false
    local q = st.queued
    st.queued = {}
    for _, line in ipairs(q) do reload_notice(st, line) end
    if hold then hold:release() end
  end })
end

-- one turn ----------------------------------------------------------------------

local function traceback(e)
  if e == sched.INTERRUPTED or errors.is(e) then return e end
  return { err = e, tb = debug.traceback(tostring(e), 2) }
end

-- returns "exit" when the chat must end with 130
local function run_turn(st, text)
  local _turn <close> = turn_guard(st)  -- reloads wait for the turn's end
  local ok, rerr = pcall(refresh_config, st)
  if not ok then
    problem(st, "configuration: " .. first_line(errors.is(rerr)
      and rerr.message or tostring(rerr)))
  end
  local s = st.settings
  local t = st.t
  local speech = require("tools.tts").auto(st.cfg, { env = st.ctx.env,
    play = st.play, cancel_on_interrupt = true })
  local okt, reply = xpcall(agentcmd.turn, traceback, st.agent, text, t, {
    stream = s.stream, show_reasoning = s.show_reasoning,
    verbose = s.verbose, usage = s.usage, secrets = st.secrets,
    show_tools = t.err_tty, model = st.model_override,
    thinking = st.thinking, filter = speech and speech.filter,
    spinner = st.interactive and ("waiting for " .. current_model(st))
      or nil,
  })
  if not okt then
    if reply == sched.INTERRUPTED then
      local now = require("openclaw").now()
      t:newline_if_needed(false)
      t:eline("^C (answer cancelled)")
      if st.last_interrupt and now - st.last_interrupt
         < M.DOUBLE_INTERRUPT_MS then
        return "exit"
      end
      st.last_interrupt = now
      return
    end
    if errors.is(reply) then
      problem(st, reply.message)
    elseif type(reply) == "table" and reply.err ~= nil then
      problem(st, "internal error: " .. agentcmd.error_line(reply.err,
        st.secrets))
      if s.verbose then t:eline(t.err.dim(reply.tb)) end
    else
      problem(st, "internal error: " .. agentcmd.error_line(reply,
        st.secrets))
    end
    return
  end
  if reply.session_id then st.last_session_id = reply.session_id end
  if speech then speech:after_reply(reply, t, st.agent) end
  agentcmd.report(reply, t, { usage = s.usage, verbose = s.verbose,
                              secrets = st.secrets })
end

-- the command ---------------------------------------------------------------------

local FLAGS = {}
for k, v in pairs(agentcmd.COMMON_FLAGS) do FLAGS[k] = v end
FLAGS["--no-reload"] = "boolean"

-- start the hot reloader (unless turned off) and the stdin watch; returns
-- a value to close when the chat ends
local function start_reload(st, opts)
  local ctx, cfg = st.ctx, st.cfg
  if not ctx.stdin then
    st.stdin_watch = require("openclaw.core.fs").fdwatch(0)
    st.inbuf = ""
  end
  if not (opts.no_reload or ctx.reload == false or cfg.reload == false) then
    local reload = require("openclaw.reload")
    reload.start{ config = cfg, out = function(line)
      reload_notice(st, line) end,
      load = { env = ctx.env, shipped = ctx.shipped, flags = ctx.flags,
               extra_files = ctx.config_files } }
    ctx._reload = reload
  end
  return setmetatable({}, { __close = function()
    if st.stdin_watch then st.stdin_watch:close() end
    if ctx._reload then ctx._reload.stop() ctx._reload = nil end
  end })
end

function M.run(argv, ctx)
  ctx = ctx or {}
  local opts = args.parse(argv, { flags = FLAGS, max = 0,
    command = "openclaw chat", usage = M.usage })
  local cfg = agentcmd.load_config(ctx, ctx.stderr)
  ctx._chat_config = cfg
  local settings = agentcmd.settings(opts, cfg, "openclaw chat", ctx.env)
  local t = term.new{ stdout = ctx.stdout, stderr = ctx.stderr, cfg = cfg,
    env = ctx.env, isatty = ctx.isatty }
  local st = {
    ctx = ctx, cfg = cfg, t = t, settings = settings,
    secrets = agentcmd.secrets(cfg, ctx.env),
    interactive = t.in_tty,
    thinking = settings.thinking, play = opts.play,
  }
  local key, failure = agentcmd.key_for(settings.model, cfg, ctx.env)
  if key == false then
    errors.fail("%s", agentcmd.error_line(failure, st.secrets))
  end
  build_agent(st, settings.session_id or true)
  local _reload <close> = start_reload(st, opts)

  if st.interactive then
    local a = st.agent
    local n = type(a.messages) == "table" and #a.messages or 0
    local id = a.session_id
    notice(st, ("openclaw chat · %s%s · /help for commands, /quit or "
      .. "Ctrl-D to leave"):format(settings.model,
      id and (" · session " .. tostring(id) ..
        (n > 0 and (" (%d messages)"):format(n) or "")) or ""))
  end

  while true do
    if st.interactive then show_prompt(st) end
    local line, why = read_line(st)
    if why == "interrupted" then
      st.t:ewrite("\n")
      return 130
    end
    if line == nil then
      if st.interactive then st.t:ewrite("\n") end
      return 0
    end
    if line:find("^//") then
      line = line:sub(2)
    elseif line:find("^/") then
      if run_slash(st, line) == "quit" then return 0 end
      line = nil
    end
    if line and line:find("%S") then
      if run_turn(st, line) == "exit" then return 130 end
    end
  end
end

return M
