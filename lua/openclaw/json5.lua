--- openclaw.json5: a JSON5 reader (never raises on bad text).
--
--   local json5 = require("openclaw.json5")
--   local v, err = json5.decode(text [, name])   -- err: "name:line:col: msg"
--   local v, err = json5.read_file(path [, name])
--
-- Accepts all of JSON plus JSON5: // and /* */ comments, trailing commas,
-- unquoted identifier keys, single-quoted strings, backslash-newline line
-- continuations in strings, \x and \u escapes, hex numbers, leading or
-- trailing decimal point, explicit '+', Infinity, -Infinity and NaN. One
-- extension beyond JSON5: '_' between two digits of a number is ignored
-- (`180_000`), as OpenClaw's own documentation writes numbers that way.
--
-- Arrays are marked with openclaw.json's array() so they survive a rewrite
-- as arrays (also when empty); null is openclaw.json's null. Integers that
-- fit come back as Lua integers. Messages never quote more than one
-- character of the text, so a secret in a broken file is not echoed.
local json = require("openclaw.json")

local M = {}

local MAX_DEPTH = 200

local byte, sub, find, char = string.byte, string.sub, string.find,
  string.char

-- Characters: whitespace per JSON5 (ASCII part; multi-byte ones below).
local WS = { [9] = true, [10] = true, [11] = true, [12] = true,
             [13] = true, [32] = true }

local ESC = { b = "\b", f = "\f", n = "\n", r = "\r", t = "\t", v = "\v",
              ["0"] = "\0" }

-- parser state (one table per decode; no upvalues are shared)
local P = {}
P.__index = P

-- line and column (in characters) of byte position pos
function P:where(pos)
  local line, start = 1, 1
  local s = self.s
  local i = 1
  while true do
    local nl = find(s, "\n", i, true)
    if not nl or nl >= pos then break end
    line = line + 1
    start = nl + 1
    i = nl + 1
  end
  local prefix = sub(s, start, pos - 1)
  local col = (utf8.len(prefix) or #prefix) + 1
  return line, col
end

-- raise a parse error at pos (caught by decode)
function P:fail(pos, msg, ...)
  if select("#", ...) > 0 then msg = msg:format(...) end
  local line, col = self:where(pos)
  error({ json5 = true,
          message = ("%s:%d:%d: %s"):format(self.name, line, col, msg) }, 0)
end

-- a printable description of the character at pos (one character only)
function P:what(pos)
  local c = byte(self.s, pos)
  if not c then return "end of input" end
  if c >= 33 and c < 127 then return "'" .. char(c) .. "'" end
  if c == 32 then return "space" end
  if c < 32 or c == 127 then return ("control character 0x%02X"):format(c) end
  local ch = self.s:match("^[\xC2-\xF4][\x80-\xBF]*", pos)
  if ch and utf8.len(ch) then return "'" .. ch .. "'" end
  return ("byte 0x%02X"):format(c)
end

-- skip whitespace and comments; returns the next significant position
function P:skip(pos)
  local s = self.s
  while true do
    local c = byte(s, pos)
    if not c then return pos end
    if WS[c] then
      pos = pos + 1
    elseif c == 47 then                                      -- '/'
      local d = byte(s, pos + 1)
      if d == 47 then
        local nl = find(s, "[\n\r]", pos + 2)
        if not nl then return #s + 1 end
        pos = nl
      elseif d == 42 then
        local e = find(s, "*/", pos + 2, true)
        if not e then self:fail(pos, "unterminated /* comment") end
        pos = e + 2
      else
        return pos
      end
    elseif c == 0xC2 and byte(s, pos + 1) == 0xA0 then       -- NBSP
      pos = pos + 2
    elseif c == 0xEF and byte(s, pos + 1) == 0xBB
           and byte(s, pos + 2) == 0xBF then                  -- BOM
      pos = pos + 3
    elseif c == 0xE2 and byte(s, pos + 1) == 0x80 then
      local e = byte(s, pos + 2)
      if e == 0xA8 or e == 0xA9 or (e and e >= 0x80 and e <= 0x8A)
         or e == 0xAF then                      -- U+2028/9, U+2000-200A
        pos = pos + 3
      else
        return pos
      end
    elseif c == 0xE3 and byte(s, pos + 1) == 0x80
           and byte(s, pos + 2) == 0x80 then                  -- U+3000
      pos = pos + 3
    else
      return pos
    end
  end
end

local function utf8_of(cp)
  return utf8.char(cp)
end

-- four hex digits at pos -> code point
function P:hex4(pos)
  local h = self.s:match("^%x%x%x%x", pos)
  if not h then self:fail(pos, "expected four hex digits after \\u") end
  return tonumber(h, 16)
end

-- a \u escape starting at pos (the 'u'); returns text, next position
function P:uescape(pos)
  local cp = self:hex4(pos + 1)
  local nextpos = pos + 5
  if cp >= 0xD800 and cp <= 0xDBFF then
    if self.s:match("^\\u[dD][c-fC-F]%x%x", nextpos) then
      local lo = self:hex4(nextpos + 2)
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00)
      nextpos = nextpos + 6
    else
      cp = 0xFFFD
    end
  elseif cp >= 0xDC00 and cp <= 0xDFFF then
    cp = 0xFFFD
  end
  return utf8_of(cp), nextpos
end

-- a quoted string starting at pos (the quote); returns value, next pos
function P:string(pos)
  local s = self.s
  local q = sub(s, pos, pos)
  local stop = q == '"' and '["\\\n\r]' or "['\\\n\r]"
  local parts, n = {}, 0
  local i = pos + 1
  while true do
    local j = find(s, stop, i)
    if not j then self:fail(pos, "unterminated string") end
    if j > i then n = n + 1; parts[n] = sub(s, i, j - 1) end
    local c = sub(s, j, j)
    if c == q then
      return table.concat(parts), j + 1
    elseif c == "\n" or c == "\r" then
      self:fail(pos, "unterminated string (a string cannot span lines; " ..
                "end the line with a backslash to continue it)")
    end
    -- backslash escape
    local e = sub(s, j + 1, j + 1)
    if e == "" then self:fail(pos, "unterminated string") end
    if ESC[e] then
      if e == "0" and find(s, "^%d", j + 2) then
        self:fail(j, "invalid escape: \\0 followed by a digit")
      end
      n = n + 1; parts[n] = ESC[e]
      i = j + 2
    elseif e == "x" then
      local h = s:match("^%x%x", j + 2)
      if not h then self:fail(j, "expected two hex digits after \\x") end
      n = n + 1; parts[n] = utf8_of(tonumber(h, 16))
      i = j + 4
    elseif e == "u" then
      local text, nx = self:uescape(j + 1)
      n = n + 1; parts[n] = text
      i = nx
    elseif e == "\n" then
      i = j + 2
    elseif e == "\r" then
      i = (sub(s, j + 2, j + 2) == "\n") and j + 3 or j + 2
    elseif sub(s, j + 1, j + 3) == "\u{2028}"
           or sub(s, j + 1, j + 3) == "\u{2029}" then
      i = j + 4
    elseif find(e, "^[1-9]") then
      self:fail(j, "invalid escape: \\%s", e)
    else
      n = n + 1; parts[n] = e     -- \" \' \\ \/ and any other character
      i = j + 2
    end
  end
end

-- identifier (unquoted key) at pos; returns name, next pos, or nil
function P:ident(pos)
  local s = self.s
  local parts, n = {}, 0
  local i = pos
  while true do
    local word = s:match("^[%w_$\x80-\xFF]+", i)
    if word then
      if i == pos and find(word, "^%d") then return nil end
      n = n + 1; parts[n] = word
      i = i + #word
    elseif sub(s, i, i + 1) == "\\u" then
      local text, nx = self:uescape(i + 1)
      n = n + 1; parts[n] = text
      i = nx
    else
      break
    end
  end
  if n == 0 then return nil end
  return table.concat(parts), i
end

-- a number (or Infinity/NaN) at pos; returns value, next pos
function P:number(pos)
  local s = self.s
  local sign, i = 1, pos
  local c = sub(s, i, i)
  if c == "+" or c == "-" then
    if c == "-" then sign = -1 end
    i = i + 1
  end
  if sub(s, i, i + 7) == "Infinity" then
    return sign * math.huge, i + 8
  elseif sub(s, i, i + 2) == "NaN" then
    return 0 / 0, i + 3
  end
  local hex = s:match("^0[xX][%x_]+", i)
  if hex then
    local digits = hex:sub(3)
    if digits:find("^_") or digits:find("_$") or digits:find("__") then
      self:fail(pos, "invalid number: '_' must stand between two digits")
    end
    digits = digits:gsub("_", "")
    local v = tonumber(digits, 16)
    if not v or #digits > 16 then
      v = 0.0
      for k = 1, #digits do
        v = v * 16 + tonumber(digits:sub(k, k), 16)
      end
    end
    return sign * v, i + #hex
  end
  local text = s:match("^[%d_]*%.?[%d_]*", i)
  if text == "" or text == "." or not find(text, "%d") then
    self:fail(pos, "invalid number")
  end
  local j = i + #text
  local exp = s:match("^[eE][+-]?[%d_]+", j)
  if exp then j = j + #exp end
  local lit = sub(s, i, j - 1)
  if find(lit, "^_") or find(lit, "_$") or find(lit, "__")
     or find(lit, "_[.eE]") or find(lit, "[.eE+-]_") then
    self:fail(pos, "invalid number: '_' must stand between two digits")
  end
  lit = lit:gsub("_", "")
  if find(lit, "^0%d") then
    self:fail(pos, "invalid number: leading zeros are not allowed")
  end
  if find(s, "^[%a_$]", j) then
    self:fail(j, "invalid number: unexpected %s", self:what(j))
  end
  local v
  if find(lit, "^%d+$") then
    v = math.tointeger(tonumber(lit)) or tonumber(lit .. ".0")
  else
    if find(lit, "^%.") then lit = "0" .. lit end
    lit = lit:gsub("%.([eE])", ".0%1"):gsub("%.$", ".0")
    v = tonumber(lit)
  end
  if not v then self:fail(pos, "invalid number") end
  return sign * v, j
end

-- any value at pos (after whitespace); returns value, next pos
function P:value(pos, depth)
  local s = self.s
  pos = self:skip(pos)
  local c = byte(s, pos)
  if not c then self:fail(pos, "unexpected end of input; expected a value") end
  if c == 123 then return self:object(pos, depth + 1) end          -- {
  if c == 91 then return self:array(pos, depth + 1) end            -- [
  if c == 34 or c == 39 then return self:string(pos) end           -- " '
  if (c >= 48 and c <= 57) or c == 45 or c == 43 or c == 46 then   -- 0-9 - + .
    return self:number(pos)
  end
  local word = s:match("^[%a_$][%w_$]*", pos)
  if word == "true" then return true, pos + 4 end
  if word == "false" then return false, pos + 5 end
  if word == "null" then return json.null, pos + 4 end
  if word == "Infinity" or word == "NaN" then return self:number(pos) end
  if word then
    self:fail(pos, "unexpected word (strings must be quoted)")
  end
  self:fail(pos, "unexpected %s; expected a value", self:what(pos))
end

function P:object(pos, depth)
  if depth > MAX_DEPTH then self:fail(pos, "nesting too deep") end
  local s = self.s
  local obj = {}
  local open = pos
  pos = self:skip(pos + 1)
  while true do
    local c = byte(s, pos)
    if c == 125 then return obj, pos + 1 end                       -- }
    if not c then
      self:fail(open, "unterminated object (missing '}')")
    end
    local key
    if c == 34 or c == 39 then
      key, pos = self:string(pos)
    else
      local nx
      key, nx = self:ident(pos)
      if not key then
        self:fail(pos, "unexpected %s; expected a key or '}'",
                  self:what(pos))
      end
      pos = nx
    end
    pos = self:skip(pos)
    if byte(s, pos) ~= 58 then                                      -- :
      self:fail(pos, "expected ':' after the key, got %s", self:what(pos))
    end
    local v
    v, pos = self:value(pos + 1, depth)
    obj[key] = v
    pos = self:skip(pos)
    c = byte(s, pos)
    if c == 44 then                                                 -- ,
      pos = self:skip(pos + 1)
    elseif c ~= 125 then
      if not c then
        self:fail(open, "unterminated object (missing '}')")
      end
      self:fail(pos, "expected ',' or '}' after a value, got %s",
                self:what(pos))
    end
  end
end

function P:array(pos, depth)
  if depth > MAX_DEPTH then self:fail(pos, "nesting too deep") end
  local s = self.s
  local arr, n = {}, 0
  local open = pos
  pos = self:skip(pos + 1)
  while true do
    local c = byte(s, pos)
    if c == 93 then return json.array(arr), pos + 1 end             -- ]
    if not c then
      self:fail(open, "unterminated array (missing ']')")
    end
    local v
    v, pos = self:value(pos, depth)
    n = n + 1
    arr[n] = v
    pos = self:skip(pos)
    c = byte(s, pos)
    if c == 44 then
      pos = self:skip(pos + 1)
    elseif c ~= 93 then
      if not c then
        self:fail(open, "unterminated array (missing ']')")
      end
      self:fail(pos, "expected ',' or ']' after a value, got %s",
                self:what(pos))
    end
  end
end

--- Decode JSON5 text. name labels error messages (default "json5").
-- Returns the value, or nil and "name:line:col: message". Never raises
-- for bad text; raises only if text is not a string.
function M.decode(text, name)
  if type(text) ~= "string" then
    error("json5.decode: expected a string, got " .. type(text), 2)
  end
  local p = setmetatable({ s = text, name = name or "json5" }, P)
  local ok, v, pos = pcall(function()
    local val, nx = p:value(1, 0)
    nx = p:skip(nx)
    if nx <= #text then
      p:fail(nx, "unexpected %s after the end of the value", p:what(nx))
    end
    return val, nx
  end)
  if ok then return v end
  if type(v) == "table" and v.json5 then return nil, v.message end
  -- a stack overflow or memory error: still a one-line answer
  return nil, ("%s: cannot parse: %s"):format(p.name,
    tostring(v):gsub("\n.*", ""))
end

--- Read and decode a file. Returns value, or nil, message (and "ENOENT"
-- as a third value when the file does not exist).
function M.read_file(path, name)
  local f, err = io.open(path, "rb")
  if not f then
    local missing = err and err:find("No such file", 1, true)
    return nil, err, missing and "ENOENT" or nil
  end
  local text, rerr = f:read("a")
  f:close()
  if not text then return nil, ("%s: %s"):format(path, tostring(rerr)) end
  return M.decode(text, name or path)
end

return M
