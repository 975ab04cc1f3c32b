--- openclaw.media: writing generated media files (images, audio) safely.
--
-- Used by the image_generate and tts tools. File names are always made
-- here, never taken from a model or a server: `<prefix>-<YYYYMMDD>-
-- <HHMMSS>-<index>.<ext>` (e.g. image-20261124-134501-1.png), with a
-- "-2", "-3"... suffix when that name is taken. The extension comes from
-- the real bytes (magic numbers), not from a declared MIME type.
--
--   media.sniff(data) -> info | nil
--       info = { mime =, ext =, kind = "image" | "audio" } for PNG, JPEG,
--       WebP, GIF (images) and MP3 (ID3 tag or MPEG frame sync), WAV
--       (RIFF/WAVE), Ogg (OggS), FLAC (fLaC) (audio); nil otherwise
--   media.ext_for_mime(mime) -> "png" | "jpg" | ... | nil
--   media.mime_for_ext(ext) -> "image/png" | ... | nil
--   media.media_dir(cfg [, env]) -> "<state dir>/media"
--       (state dir: $OPENCLAW_STATE_DIR or ~/.openclaw, from env, a table
--       like os.getenv's; default the process environment)
--   media.name(prefix, ext [, opts]) -> "image-20261124-134501-1.png"
--       opts: index (default 1), time (epoch seconds, default now),
--       suffix (integer >= 2 appended as "-N" before the extension)
--   media.check_name(name) -> true | nil, message   (a safe plain name)
--   media.write(dir, data, opts) -> path, info | nil, message, code
--       Create dir when missing (mkdir_p, mode opts.dir_mode, default
--       0700), sniff data, and write it under a fresh generated name with
--       mode opts.mode (default 0644). An existing file is never
--       replaced: the name gets a "-2", "-3"... suffix. The file is
--       written in full under a hidden temporary name first, then linked
--       into place, so nobody sees a partial file.
--       opts: prefix (default "image" or "audio" from the sniffed kind),
--       index, time, ext (only when the bytes cannot be sniffed, e.g. raw
--       PCM), kind ("image" | "audio": refuse other data), mode,
--       dir_mode. info = { mime, ext, kind, bytes (size), name }.
--       code: "invalid" (bad options/data) or "write".
--   media.parse_data_url(url) -> data, mime | nil, message
--       "data:<mime>;base64,<b64>" (base64 decoded in C)
--   media.data_url(data [, mime]) -> "data:<mime>;base64,..." (mime
--       sniffed when not given)
--   media.read_file(path [, max_bytes]) -> data | nil, message
--
-- Nothing here raises for bad data or a failing disk; misuse (wrong
-- argument types) raises.
local base64 = require("openclaw.base64")

local M = {}

--- Default file and folder modes.
M.FILE_MODE = 0x1a4   -- 0644
M.DIR_MODE = 0x1c0    -- 0700
--- Largest file media.read_file reads unless told otherwise (64 MiB).
M.MAX_READ_BYTES = 64 * 1024 * 1024

local EXT_MIME = {
  png = "image/png", jpg = "image/jpeg", webp = "image/webp",
  gif = "image/gif", mp3 = "audio/mpeg", wav = "audio/wav",
  ogg = "audio/ogg", flac = "audio/flac", pcm = "audio/pcm",
  opus = "audio/ogg", aac = "audio/aac",
}
local MIME_EXT = {
  ["image/png"] = "png", ["image/jpeg"] = "jpg", ["image/jpg"] = "jpg",
  ["image/pjpeg"] = "jpg", ["image/webp"] = "webp", ["image/gif"] = "gif",
  ["audio/mpeg"] = "mp3", ["audio/mp3"] = "mp3", ["audio/wav"] = "wav",
  ["audio/x-wav"] = "wav", ["audio/wave"] = "wav", ["audio/ogg"] = "ogg",
  ["audio/opus"] = "ogg", ["audio/flac"] = "flac",
  ["audio/x-flac"] = "flac", ["audio/pcm"] = "pcm", ["audio/l16"] = "pcm",
  ["audio/aac"] = "aac",
}

local function check_type(fn, i, v, want)
  if type(v) ~= want then
    error(("media.%s: argument #%d must be a %s, got %s"):format(fn, i,
      want, type(v)), 3)
  end
end

--- What the bytes are, from their magic numbers.
function M.sniff(data)
  check_type("sniff", 1, data, "string")
  local b = data
  if b:sub(1, 8) == "\137PNG\r\n\26\n" then
    return { mime = "image/png", ext = "png", kind = "image" }
  end
  if b:sub(1, 3) == "\255\216\255" then
    return { mime = "image/jpeg", ext = "jpg", kind = "image" }
  end
  if #b >= 12 and b:sub(1, 4) == "RIFF" and b:sub(9, 12) == "WEBP" then
    return { mime = "image/webp", ext = "webp", kind = "image" }
  end
  if b:sub(1, 6) == "GIF87a" or b:sub(1, 6) == "GIF89a" then
    return { mime = "image/gif", ext = "gif", kind = "image" }
  end
  if #b >= 12 and b:sub(1, 4) == "RIFF" and b:sub(9, 12) == "WAVE" then
    return { mime = "audio/wav", ext = "wav", kind = "audio" }
  end
  if b:sub(1, 4) == "OggS" then
    return { mime = "audio/ogg", ext = "ogg", kind = "audio" }
  end
  if b:sub(1, 4) == "fLaC" then
    return { mime = "audio/flac", ext = "flac", kind = "audio" }
  end
  if b:sub(1, 3) == "ID3" then
    return { mime = "audio/mpeg", ext = "mp3", kind = "audio" }
  end
  -- MPEG audio frame sync: 11 set bits, a valid version, layer III
  -- (or II/I), a bitrate index that is not "bad" (1111) and a sample rate
  -- index that is not reserved (11)
  if #b >= 4 then
    local b1, b2, b3 = b:byte(1, 3)
    if b1 == 0xFF and b2 >= 0xE0 then
      local version = (b2 >> 3) & 3
      local layer = (b2 >> 1) & 3
      local bitrate = b3 >> 4
      local rate = (b3 >> 2) & 3
      if version ~= 1 and layer ~= 0 and bitrate ~= 15 and rate ~= 3 then
        return { mime = "audio/mpeg", ext = "mp3", kind = "audio" }
      end
    end
  end
  return nil
end

--- The usual file extension of a MIME type (parameters ignored).
function M.ext_for_mime(mime)
  if type(mime) ~= "string" then return nil end
  mime = mime:match("^%s*([^;%s]+)")
  return mime and MIME_EXT[mime:lower()] or nil
end

--- The MIME type of a file extension (with or without the dot).
function M.mime_for_ext(ext)
  if type(ext) ~= "string" then return nil end
  return EXT_MIME[(ext:gsub("^%.", "")):lower()]
end

--- The media folder: <state dir>/media.
function M.media_dir(cfg, env)
  local _ = cfg   -- reserved: no config key moves the folder yet
  return require("openclaw.config").paths(env).state_dir .. "/media"
end

local function valid_prefix(p)
  return type(p) == "string" and #p <= 64 and p:match("^[%w][%w_%-]*$")
    ~= nil
end

local function valid_ext(e)
  return type(e) == "string" and #e <= 8 and e:match("^[%w]+$") ~= nil
end

--- A safe plain file name: letters, digits, '.', '_', '-'; no leading
-- dot, no "..", at most 255 bytes.
function M.check_name(name)
  if type(name) ~= "string" or name == "" then
    return nil, "empty file name"
  end
  if #name > 255 then return nil, "file name too long" end
  if not name:match("^[%w][%w%._%-]*$") then
    return nil, ("unsafe file name '%s'"):format(name)
  end
  if name:find("..", 1, true) then
    return nil, ("unsafe file name '%s'"):format(name)
  end
  return true
end

--- The generated name of one file (see the top of this file).
function M.name(prefix, ext, opts)
  opts = opts or {}
  if not valid_prefix(prefix) then
    error("media.name: prefix must be 1-64 letters, digits, '_' or '-'", 2)
  end
  if not valid_ext(ext) then
    error("media.name: ext must be 1-8 letters or digits", 2)
  end
  local index = math.tointeger(opts.index or 1) or 1
  local stamp = os.date("%Y%m%d-%H%M%S", opts.time or os.time())
  local name = ("%s-%s-%d"):format(prefix, stamp, index)
  local suffix = math.tointeger(opts.suffix)
  if suffix and suffix >= 2 then name = name .. "-" .. suffix end
  return name .. "." .. ext:lower()
end

local function lexists(path)
  local lfs = require("lfs")
  return lfs.symlinkattributes(path, "mode") ~= nil
end

local EEXIST = 17
local serial = 0

--- Write data under a fresh generated name in dir (see the top).
function M.write(dir, data, opts)
  check_type("write", 1, dir, "string")
  check_type("write", 2, data, "string")
  opts = opts or {}
  if type(opts) ~= "table" then
    error("media.write: opts must be a table", 2)
  end
  if dir == "" then return nil, "media.write: empty folder name", "invalid" end
  if #data == 0 then return nil, "no data to write (0 bytes)", "invalid" end
  local info = M.sniff(data)
  if opts.kind and info and info.kind ~= opts.kind then
    return nil, ("the data is %s, not %s (%d bytes)"):format(info.mime,
      opts.kind == "image" and "a PNG, JPEG, WebP or GIF image"
      or opts.kind == "audio" and "MP3, WAV, Ogg or FLAC audio"
      or tostring(opts.kind), #data), "invalid"
  end
  if not info then
    local ext = opts.ext and tostring(opts.ext):gsub("^%.", ""):lower()
    if not ext or not valid_ext(ext) then
      return nil, ("unknown file type (%d bytes): not a PNG, JPEG, WebP, "
        .. "GIF, MP3, WAV, Ogg or FLAC file"):format(#data), "invalid"
    end
    local mime = M.mime_for_ext(ext) or "application/octet-stream"
    info = { mime = mime, ext = ext, kind = mime:match("^(%a+)/") }
    if opts.kind and info.kind ~= opts.kind then
      return nil, ("the data is not %s (%d bytes)"):format(
        opts.kind == "image" and "a PNG, JPEG, WebP or GIF image"
        or opts.kind == "audio" and "MP3, WAV, Ogg or FLAC audio"
        or tostring(opts.kind), #data), "invalid"
    end
  end
  local prefix = opts.prefix or (info.kind == "audio" and "audio" or "image")
  if not valid_prefix(prefix) then
    return nil, ("bad file name prefix '%s': use letters, digits, '_' and "
      .. "'-'"):format(tostring(prefix)), "invalid"
  end

  local fs = require("openclaw.core.fs")
  local lfs = require("lfs")
  dir = dir:gsub("(.)/+$", "%1")
  local ok, err = fs.mkdir_p(dir, opts.dir_mode or M.DIR_MODE)
  if not ok then
    return nil, ("cannot create the folder %s: %s"):format(dir,
      tostring(err):gsub("^[^:]*: ", "")), "write"
  end

  -- 1. the whole file under a hidden temporary name
  serial = serial + 1
  local tmp = ("%s/.%s-%d-%d-%d.part"):format(dir, prefix, fs.getpid(),
    serial, math.random(0, 0x7fffffff))
  ok, err = fs.write_atomic(tmp, data, { mode = opts.mode or M.FILE_MODE,
                                         backup = false })
  if not ok then
    os.remove(tmp)
    return nil, ("cannot write in %s: %s"):format(dir,
      tostring(err):gsub("^[^:]*: ", "")), "write"
  end

  -- 2. linked to a name nobody has: link() fails when the name exists,
  -- so a file is never replaced, even by a concurrent writer
  local time = opts.time or os.time()
  local path
  for suffix = 1, 1000 do
    local name = M.name(prefix, info.ext, { index = opts.index or 1,
      time = time, suffix = suffix })
    assert(M.check_name(name))
    local candidate = dir .. "/" .. name
    local lok, lerr, lcode = lfs.link(tmp, candidate)
    if lok then
      path = candidate
      break
    end
    if lcode ~= EEXIST then
      -- a file system without hard links: rename when the name is free
      if not lexists(candidate) then
        local rok, rerr = os.rename(tmp, candidate)
        if not rok then
          os.remove(tmp)
          return nil, ("cannot write %s: %s"):format(candidate,
            tostring(rerr or lerr)), "write"
        end
        return candidate, { mime = info.mime, ext = info.ext,
          kind = info.kind, bytes = #data, name = name }
      end
    end
  end
  os.remove(tmp)
  if not path then
    return nil, ("cannot find a free file name in %s"):format(dir), "write"
  end
  return path, { mime = info.mime, ext = info.ext, kind = info.kind,
                 bytes = #data, name = path:match("([^/]*)$") }
end

--- Decode a base64 data URL.
function M.parse_data_url(url)
  if type(url) ~= "string" then return nil, "not a data URL" end
  local mime, params, payload = url:match(
    "^[dD][aA][tT][aA]:([^;,]*)([^,]*),(.*)$")
  if not mime then return nil, "not a data URL" end
  if not params:lower():find(";base64", 1, true) then
    return nil, "the data URL is not base64-encoded"
  end
  local data, err = base64.decode(payload)
  if not data then
    return nil, "the data URL has invalid base64 (" .. tostring(err) .. ")"
  end
  mime = mime:gsub("%s", ""):lower()
  return data, mime ~= "" and mime or nil
end

--- A base64 data URL of data.
function M.data_url(data, mime)
  check_type("data_url", 1, data, "string")
  if not mime then
    local info = M.sniff(data)
    mime = info and info.mime or "application/octet-stream"
  end
  return "data:" .. mime .. ";base64," .. base64.encode(data)
end

--- Read a whole file (refusing folders and files over max_bytes).
function M.read_file(path, max_bytes)
  check_type("read_file", 1, path, "string")
  max_bytes = max_bytes or M.MAX_READ_BYTES
  local lfs = require("lfs")
  local mode = lfs.attributes(path, "mode")
  if mode == nil then
    return nil, ("%s: no such file"):format(path)
  end
  if mode ~= "file" then
    return nil, ("%s: not a regular file"):format(path)
  end
  local size = lfs.attributes(path, "size") or 0
  if size > max_bytes then
    return nil, ("%s: too large (%d bytes; at most %d)"):format(path, size,
      max_bytes)
  end
  local f, err = io.open(path, "rb")
  if not f then return nil, tostring(err) end
  local data = f:read("a")
  f:close()
  if not data then return nil, ("%s: cannot read"):format(path) end
  return data
end

return M
