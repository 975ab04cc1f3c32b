--- openclaw.term: terminal output helpers for the commands.
--
--   term.isatty(fd) -> boolean                 fd 0, 1 or 2; false on error
--   term.color_mode(cfg) -> "auto" | "always" | "never"   (ui.color)
--   term.use_color(fd, opts) -> boolean
--       opts: cfg (ui.color), env (table; default the process
--       environment), isatty (function(fd) override, for tests).
--       "always"/"never" win; "auto" colours when fd is a terminal,
--       NO_COLOR is unset or empty and TERM is not "dumb".
--   term.style(on) -> { dim, bold, red, yellow, green, cyan } functions
--       wrapping text in ANSI codes when on, else returning it unchanged
--   term.write(text [, file]) -> writes and flushes at once (streamed
--       text must not sit in the stdout buffer, which is fully buffered)
--   term.new(opts) -> t   an output context (below)
--   term.spinner(label [, opts]) -> s with s:stop(), s:elapsed_ms()
--   term.usage_line(reply) -> "model m · 1,234 in · 56 out · $0.0042"
--   term.group(n) -> "1,234"      term.cost(usd) -> "$0.0042"
--   term.truncate(s, n) -> at most n characters (UTF-8), "…" when cut;
--       control characters become spaces, one line
--   term.ago(epoch_seconds [, now]) -> "3 min ago", "2026-01-31 12:00"
--
-- t = term.new{ stdout, stderr, stdin_tty, cfg, env, isatty }:
--   t.out_tty, t.err_tty, t.in_tty        terminals?
--   t.out, t.err                          styles for stdout / stderr
--   t:write(text)        stdout, flushed
--   t:ewrite(text)       stderr (stdout flushed first, so the order holds)
--   t:line(text)         stdout line, flushed
--   t:eline(text)        stderr line
--   t:at_line_start()    nothing written since the last newline on the
--                        terminal (both streams share it)
local M = {}

local function fs()
  return require("openclaw.core.fs")
end

--- True when fd (0, 1, 2) is a terminal.
function M.isatty(fd)
  local ok, r = pcall(function() return fs().isatty(fd) end)
  return ok and r == true
end

local process_env = setmetatable({}, {
  __index = function(_, k) return os.getenv(k) end,
})

--- ui.color of a config ("auto" when unset; true/false accepted).
function M.color_mode(cfg)
  local v
  if type(cfg) == "table" and type(cfg.ui) == "table" then v = cfg.ui.color end
  if v == true then return "always" end
  if v == false then return "never" end
  if v == "always" or v == "never" then return v end
  return "auto"
end

--- Whether output to fd gets colours.
function M.use_color(fd, opts)
  opts = opts or {}
  local mode = M.color_mode(opts.cfg)
  if mode == "always" then return true end
  if mode == "never" then return false end
  local env = opts.env or process_env
  local nc = env.NO_COLOR
  if nc ~= nil and nc ~= "" then return false end
  if env.TERM == "dumb" then return false end
  local tty = opts.isatty or M.isatty
  return tty(fd) == true
end

local CODES = { dim = { 2, 22 }, bold = { 1, 22 }, red = { 31, 39 },
                green = { 32, 39 }, yellow = { 33, 39 }, cyan = { 36, 39 } }

--- A table of styling functions; identity functions when `on` is false.
function M.style(on)
  local s = { on = on and true or false }
  for name, c in pairs(CODES) do
    if on then
      local open, close = "\27[" .. c[1] .. "m", "\27[" .. c[2] .. "m"
      s[name] = function(text)
        text = tostring(text)
        if text == "" then return text end
        return open .. text .. close
      end
    else
      s[name] = function(text) return tostring(text) end
    end
  end
  return s
end

--- Write text to file (default stdout) and flush it now.
function M.write(text, file)
  file = file or io.stdout
  file:write(text)
  file:flush()
end

-- output context ------------------------------------------------------------

local Term = {}
Term.__index = Term

function M.new(opts)
  opts = opts or {}
  local tty = opts.isatty or M.isatty
  local t = setmetatable({
    stdout = opts.stdout or io.stdout,
    stderr = opts.stderr or io.stderr,
    out_tty = tty(1) == true,
    err_tty = tty(2) == true,
    in_tty = tty(0) == true,
    col = 0,          -- characters written since the last newline
  }, Term)
  local copts = { cfg = opts.cfg, env = opts.env, isatty = tty }
  t.out = M.style(M.use_color(1, copts))
  t.err = M.style(M.use_color(2, copts))
  return t
end

local function track(t, text)
  if text == "" then return end
  if text:sub(-1) == "\n" then
    t.col = 0
  else
    local last = text:match("\n([^\n]*)$")
    t.col = last and #last or t.col + #text
  end
end

function Term:write(text)
  text = tostring(text)
  self.stdout:write(text)
  self.stdout:flush()
  track(self, text)
end

function Term:ewrite(text)
  text = tostring(text)
  self.stdout:flush()
  self.stderr:write(text)
  if self.stderr.flush then self.stderr:flush() end
  track(self, text)
end

function Term:line(text)
  self:write(tostring(text) .. "\n")
end

function Term:eline(text)
  self:ewrite(tostring(text) .. "\n")
end

--- Start a fresh line when something is pending on the current one.
function Term:newline_if_needed(to_err)
  if self.col > 0 then
    if to_err then self:ewrite("\n") else self:write("\n") end
  end
end

function Term:at_line_start()
  return self.col == 0
end

-- formatting ------------------------------------------------------------------

--- 1234567 -> "1,234,567" (floats are rounded down; nil -> "?").
function M.group(n)
  n = tonumber(n)
  if not n or n ~= n then return "?" end
  local neg = n < 0
  n = math.floor(math.abs(n))
  local s = ("%d"):format(n)
  local out = s:reverse():gsub("(%d%d%d)", "%1,"):reverse()
  if out:sub(1, 1) == "," then out = out:sub(2) end
  return (neg and "-" or "") .. out
end

--- USD amount: "$0.0042", "$1.25", "$0" and "<$0.0001" for tiny costs.
function M.cost(usd)
  usd = tonumber(usd)
  if not usd or usd ~= usd then return nil end
  if usd == 0 then return "$0" end
  if usd < 0 then return nil end
  if usd >= 1 then return ("$%.2f"):format(usd) end
  if usd < 0.00005 then return "<$0.0001" end
  return ("$%.4f"):format(usd)
end

--- The one-line usage summary of a reply:
-- "model anthropic/claude-sonnet-4.5 · 1,234 in · 56 out · $0.0042".
function M.usage_line(reply)
  reply = reply or {}
  local parts = { "model " .. tostring(reply.model or reply.ref or "?") }
  local u = reply.usage
  if type(u) == "table" and (u.input or u.output) then
    parts[#parts + 1] = M.group(u.input or 0) .. " in"
    parts[#parts + 1] = M.group(u.output or 0) .. " out"
    if tonumber(u.cache_read) and u.cache_read > 0 then
      parts[#parts + 1] = M.group(u.cache_read) .. " cached"
    end
    local c = M.cost(u.cost)
    if c then parts[#parts + 1] = c end
  else
    parts[#parts + 1] = "usage unknown"
  end
  return table.concat(parts, " · ")
end

--- Shorten s to at most n characters (UTF-8 aware), on one line.
function M.truncate(s, n)
  s = tostring(s or "")
  s = s:gsub("[%c]+", " "):gsub("^%s+", ""):gsub("%s+$", "")
  local len = utf8.len(s)
  if not len then
    -- invalid UTF-8: keep the printable ASCII only
    s = s:gsub("[\128-\255]", "?")
    len = #s
  end
  if len <= n then return s end
  if n <= 1 then return "…" end
  local cut = utf8.offset(s, n) -- byte where character n starts
  return s:sub(1, cut - 1) .. "…"
end

--- A time as "just now", "5 min ago", "3 h ago", else a local date.
function M.ago(t, now)
  t = tonumber(t)
  if not t then return "?" end
  now = now or os.time()
  local d = now - t
  if d < 0 then return os.date("%Y-%m-%d %H:%M", math.floor(t)) end
  if d < 60 then return "just now" end
  if d < 3600 then return ("%d min ago"):format(d // 60) end
  if d < 86400 then return ("%d h ago"):format(d // 3600) end
  return os.date("%Y-%m-%d %H:%M", math.floor(t))
end

-- spinner -----------------------------------------------------------------------

local FRAMES = { "⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏" }

local Spinner = {}
Spinner.__index = Spinner

--- A spinner with the elapsed time on stderr, redrawn ~10 times a second
-- by its own openclaw task, while the caller waits. Only when stderr is a
-- terminal (else nothing is drawn). opts: stream (default io.stderr),
-- isatty (override), interval_ms (100), delay_ms (draw nothing before
-- that; default 0), color (dim the line; default: stream is a terminal
-- and colours are allowed). s:stop() erases the line and ends the task;
-- it is idempotent. Because the task runs only while others wait, a
-- caller stuck in a blocking C call freezes it (harmless).
function M.spinner(label, opts)
  opts = opts or {}
  local oc = require("openclaw")
  local s = setmetatable({ label = tostring(label or ""),
    started = oc.now(), stopped = false, drawn = false,
    stream = opts.stream or io.stderr, frames = 0 }, Spinner)
  local tty
  if opts.isatty ~= nil then
    tty = opts.isatty
    if type(tty) == "function" then tty = tty(2) == true end
  else
    tty = M.isatty(2)
  end
  if not tty then return s end
  local color = opts.color
  if color == nil then
    color = M.use_color(2, { cfg = opts.cfg, env = opts.env,
                             isatty = function() return true end })
  end
  local st = M.style(color)
  local interval = opts.interval_ms or 100
  local delay = opts.delay_ms or 0
  s.task = oc.spawn(function()
    local i = 0
    if delay > 0 then oc.sleep(delay) end
    while not s.stopped do
      i = i % #FRAMES + 1
      local secs = (oc.now() - s.started) / 1000
      s.stream:write("\r", st.dim(("%s %s %.1fs"):format(FRAMES[i],
        s.label, secs)), "\27[K")
      if s.stream.flush then s.stream:flush() end
      s.drawn = true
      s.frames = s.frames + 1
      oc.sleep(interval)
    end
  end)
  return s
end

--- Milliseconds since the spinner started.
function Spinner:elapsed_ms()
  return require("openclaw").now() - self.started
end

--- Stop and erase the spinner. Safe to call more than once.
function Spinner:stop()
  if self.stopped then return end
  self.stopped = true
  if self.task then
    self.task:cancel()
    self.task = nil
  end
  if self.drawn then
    self.stream:write("\r\27[K")
    if self.stream.flush then self.stream:flush() end
  end
end

return M
