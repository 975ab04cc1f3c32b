--- openclaw.session: conversation history as JSONL files.
--
--   <state_dir>/sessions/<id>.jsonl   (folder 0700, files 0600)
--
-- One line per completed message: the neutral message of
-- providers.openai_compat (role, content, tool_calls, tool_call_id,
-- reasoning, ...) plus `ts` (epoch seconds) and `turn` (the number of the
-- agent turn it belongs to). Each line is written and flushed as its
-- message completes, so a crash loses at most the message in flight.
-- Loading skips a truncated or garbled line with a warning.
--
--   session.validate_id(id) -> true | nil, message
--   session.new_id() -> "20250101-120000-1a2b3c"
--   session.path(state_dir, id) -> path
--   session.open(state_dir, id) -> sess | nil, message
--     sess.id, sess.path, sess.messages (loaded history), sess.warnings,
--     sess.next_turn, sess:append(message) -> true | nil, message
--   session.load(state_dir, id) -> messages, warnings, info | nil, message
--   session.list(state_dir) -> { {id, path, messages, updated,
--                                 last_user_text}, ... } newest first
--   session.exists(state_dir, id) -> boolean
--   session.delete(state_dir, id) -> true | nil, message
--
-- Never raises for a user mistake (bad id, unreadable file): it returns
-- nil and a one-line message that names the file and the fix.
local json = require("openclaw.json")

local M = {}

local DIR_MODE = 0x1c0   -- 0700
local FILE_MODE = 0x180  -- 0600

--- Longest session id.
M.MAX_ID = 128

local function lfs() return require("lfs") end
local function fs() return require("openclaw.core.fs") end

--- Check a session id: letters, digits, "-", "_" and "." only, at most
-- MAX_ID characters, not starting with "." (so no "..", no hidden files,
-- no path separators).
function M.validate_id(id)
  if type(id) ~= "string" then
    return nil, ("session id must be a string, got %s"):format(type(id))
  end
  if id == "" then return nil, "session id is empty" end
  if #id > M.MAX_ID or not id:match("^[%w%-_%.]+$") or id:sub(1, 1) == "."
  then
    local shown = #id > 40 and (id:sub(1, 40) .. "…") or id
    return nil, ("invalid session id '%s': use letters, digits, '-', '_' "
      .. "and '.' (not first), at most %d characters"):format(shown, M.MAX_ID)
  end
  return true
end

--- A fresh session id: local date and time plus 6 random hex digits
-- (Lua 5.4 seeds math.random randomly at start-up).
function M.new_id()
  return os.date("%Y%m%d-%H%M%S") .. ("-%06x"):format(math.random(0,
    0xffffff))
end

--- The folder holding the session files.
function M.dir(state_dir)
  return (state_dir:gsub("/+$", "")) .. "/sessions"
end

--- The file of a session (the id is not checked here).
function M.path(state_dir, id)
  return M.dir(state_dir) .. "/" .. id .. ".jsonl"
end

local function check_args(fn, state_dir, id)
  if type(state_dir) ~= "string" or state_dir == "" then
    error(("session.%s: state_dir must be a non-empty string"):format(fn), 3)
  end
  if id ~= nil then return M.validate_id(id) end
  return true
end

-- decode_line(line) - the message of one JSONL line, or nil
local function decode_line(line)
  local v = json.decode(line)
  if type(v) ~= "table" or type(v.role) ~= "string" then return nil end
  return v
end

-- read_file(path) - messages, warnings, info | nil, message (missing file:
-- empty history)
local function read_file(path)
  local f, err = io.open(path, "rb")
  if not f then
    if lfs().attributes(path, "mode") == nil then
      return {}, {}, { exists = false, ends_with_newline = true }
    end
    return nil, ("cannot read session %s: %s"):format(path, err)
  end
  local data = f:read("a")
  f:close()
  if not data then return nil, ("cannot read session %s"):format(path) end
  local messages, warnings = {}, {}
  local n, pos, len = 0, 1, #data
  local max_turn = 0
  while pos <= len do
    local nl = data:find("\n", pos, true)
    local line = data:sub(pos, (nl or len + 1) - 1)
    n = n + 1
    pos = (nl or len) + 1
    if line:find("%S") then
      local m = decode_line(line)
      if m then
        messages[#messages + 1] = m
        local t = math.tointeger(m.turn)
        if t and t > max_turn then max_turn = t end
      elseif not nl then
        warnings[#warnings + 1] = ("%s:%d: skipped a truncated last line "
          .. "(a message that was being written when openclaw stopped)")
          :format(path, n)
      else
        warnings[#warnings + 1] = ("%s:%d: skipped a line that is not a "
          .. "JSON message"):format(path, n)
      end
    end
  end
  return messages, warnings, { exists = true, max_turn = max_turn,
    ends_with_newline = len == 0 or data:sub(-1) == "\n" }
end

-- group_turns(messages) - messages grouped by turn, in the order each turn
-- first appears (turns of concurrent sends may interleave in the file)
local function group_turns(messages)
  local order, groups, sequential = {}, {}, true
  local last
  for _, m in ipairs(messages) do
    local t = m.turn ~= nil and m.turn or false
    if t ~= last then
      if groups[t] then sequential = false end
      last = t
    end
    if not groups[t] then
      groups[t] = {}
      order[#order + 1] = t
    end
    local g = groups[t]
    g[#g + 1] = m
  end
  if sequential then return messages end
  local out = {}
  for _, t in ipairs(order) do
    for _, m in ipairs(groups[t]) do out[#out + 1] = m end
  end
  return out
end

--- Load a session's history. Returns messages, warnings, info
-- ({exists, max_turn}); a missing file is an empty history. nil, message
-- for a bad id or an unreadable file.
function M.load(state_dir, id)
  local ok, err = check_args("load", state_dir, id)
  if not ok then return nil, err end
  local messages, warnings, info = read_file(M.path(state_dir, id))
  if not messages then return nil, warnings end
  return group_turns(messages), warnings, info
end

--- True when the session file exists.
function M.exists(state_dir, id)
  if not M.validate_id(id) then return false end
  return lfs().attributes(M.path(state_dir, id), "mode") == "file"
end

local Session = {}
Session.__index = Session

--- Append one completed message as a line and flush it. Returns true or
-- nil, message (the message stays in memory either way).
function Session:append(message)
  if type(message) ~= "table" then
    error("session:append: message table expected", 2)
  end
  local line = json.encode(message)
  local f, err = io.open(self.path, "ab")
  if not f then
    return nil, ("cannot write session %s: %s"):format(self.path, err)
  end
  if not self._fresh then
    self._fresh = true
    fs().chmod(self.path, FILE_MODE)
  end
  local ok, werr = true, nil
  if self._needs_newline then
    -- the file ends with a truncated line: start on a fresh line
    ok, werr = f:write("\n")
    self._needs_newline = false
  end
  if ok then ok, werr = f:write(line, "\n") end
  if ok then ok, werr = f:flush() end
  f:close()
  if not ok then
    return nil, ("cannot write session %s: %s"):format(self.path,
                                                       tostring(werr))
  end
  return true
end

--- Open (create on first append) a session: creates <state_dir>/sessions
-- (0700) and loads the existing history. Returns the session or nil,
-- message.
function M.open(state_dir, id)
  local ok, err = check_args("open", state_dir, id)
  if not ok then return nil, err end
  local dir = M.dir(state_dir)
  local made, merr = fs().mkdir_p(dir, DIR_MODE)
  if not made then
    return nil, ("cannot create the sessions folder %s: %s; check "
      .. "OPENCLAW_STATE_DIR and the folder's permissions"):format(dir,
      tostring(merr))
  end
  fs().chmod(dir, DIR_MODE)
  local path = M.path(state_dir, id)
  local messages, warnings, info = read_file(path)
  if not messages then return nil, warnings end
  return setmetatable({
    id = id, path = path, state_dir = state_dir,
    messages = group_turns(messages), warnings = warnings,
    next_turn = (info.max_turn or 0) + 1,
    _needs_newline = not info.ends_with_newline,
    _fresh = false,
  }, Session)
end

-- text of a message's content (string or text parts)
local function content_text(content)
  if type(content) == "string" then return content end
  if type(content) ~= "table" then return "" end
  local out = {}
  for _, p in ipairs(content) do
    if type(p) == "string" then out[#out + 1] = p
    elseif type(p) == "table" and type(p.text) == "string" then
      out[#out + 1] = p.text
    end
  end
  return table.concat(out, " ")
end

--- Every session under state_dir, newest first:
-- { {id, path, messages (count), updated (mtime, epoch seconds),
--    last_user_text (at most 200 characters), warnings}, ... }.
-- A missing sessions folder gives an empty list.
function M.list(state_dir)
  check_args("list", state_dir)
  local dir = M.dir(state_dir)
  local L = lfs()
  if L.attributes(dir, "mode") ~= "directory" then return {} end
  local out = {}
  for name in L.dir(dir) do
    local id = name:match("^(.+)%.jsonl$")
    if id and M.validate_id(id) then
      local path = dir .. "/" .. name
      local attr = L.attributes(path)
      if attr and attr.mode == "file" then
        local messages, warnings = read_file(path)
        local last = nil
        for i = #(messages or {}), 1, -1 do
          if messages[i].role == "user" then
            last = content_text(messages[i].content)
            break
          end
        end
        if last and #last > 200 then last = last:sub(1, 200) .. "…" end
        out[#out + 1] = { id = id, path = path,
          messages = messages and #messages or 0,
          updated = attr.modification, last_user_text = last,
          warnings = type(warnings) == "table" and warnings or { warnings } }
      end
    end
  end
  table.sort(out, function(a, b)
    if a.updated ~= b.updated then return a.updated > b.updated end
    return a.id < b.id
  end)
  return out
end

--- Delete a session file. true, or nil, message.
function M.delete(state_dir, id)
  local ok, err = check_args("delete", state_dir, id)
  if not ok then return nil, err end
  local path = M.path(state_dir, id)
  if lfs().attributes(path, "mode") == nil then
    return nil, ("no session '%s' (%s)"):format(id, path)
  end
  local done, derr = os.remove(path)
  if not done then return nil, ("cannot delete %s: %s"):format(path, derr) end
  return true
end

return M
