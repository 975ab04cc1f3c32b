-- Tests of openclaw.media: magic-byte sniffing, generated names, safe
-- writes (modes, unique names, no traversal), data URLs, file reads.
local media = require("openclaw.media")
local lfs = require("lfs")

local PNG = "\137PNG\r\n\26\n\0\0\0\13IHDR"
local JPEG = "\255\216\255\224\0\16JFIF\0"
local WEBP = "RIFF\36\0\0\0WEBPVP8 "
local GIF = "GIF89a\1\0\1\0"
local ID3 = "ID3\4\0\0\0\0\0\0"
local MP3_FRAME = "\255\251\144\100" .. ("\0"):rep(8)    -- MPEG-1 layer III
local WAV = "RIFF\36\0\0\0WAVEfmt "
local OGG = "OggS\0\2\0\0"
local FLAC = "fLaC\0\0\0\34"

return function(T)
  local function mode_of(path)
    return lfs.attributes(path, "permissions")
  end

  local function read(path) return assert(T.read(path), path) end

  T.test("sniff: images and audio by their magic numbers", function()
    local cases = {
      { PNG, "image/png", "png", "image" },
      { JPEG, "image/jpeg", "jpg", "image" },
      { WEBP, "image/webp", "webp", "image" },
      { GIF, "image/gif", "gif", "image" },
      { "GIF87a....", "image/gif", "gif", "image" },
      { ID3, "audio/mpeg", "mp3", "audio" },
      { MP3_FRAME, "audio/mpeg", "mp3", "audio" },
      { WAV, "audio/wav", "wav", "audio" },
      { OGG, "audio/ogg", "ogg", "audio" },
      { FLAC, "audio/flac", "flac", "audio" },
    }
    for _, c in ipairs(cases) do
      T.eq(media.sniff(c[1]), { mime = c[2], ext = c[3], kind = c[4] },
           c[2] .. " " .. c[3])
    end
    -- not media: text, an empty string, truncated signatures, RIFF of
    -- another kind, a frame sync with a reserved version / bad bitrate
    for _, s in ipairs({ "", "hello", "\137PN", "RIFF\0\0\0\0AVI ",
                         "\255\216", "\255\235\144\0", "\255\251\240\0",
                         "<svg xmlns=", "%PDF-1.7" }) do
      T.eq(media.sniff(s), nil, ("%q"):format(s))
    end
    T.raises("argument #1 must be a string", media.sniff, nil)
  end)

  T.test("MIME types and extensions", function()
    T.eq(media.ext_for_mime("image/png"), "png")
    T.eq(media.ext_for_mime("IMAGE/JPEG; q=1"), "jpg")
    T.eq(media.ext_for_mime("image/webp"), "webp")
    T.eq(media.ext_for_mime("audio/mpeg"), "mp3")
    T.eq(media.ext_for_mime("text/html"), nil)
    T.eq(media.ext_for_mime(nil), nil)
    T.eq(media.mime_for_ext("png"), "image/png")
    T.eq(media.mime_for_ext(".JPG"), "image/jpeg")
    T.eq(media.mime_for_ext("wav"), "audio/wav")
    T.eq(media.mime_for_ext("exe"), nil)
  end)

  T.test("generated names: prefix-date-time-index.ext, suffixes", function()
    local t = os.time({ year = 2026, month = 11, day = 24, hour = 13,
                        min = 45, sec = 1 })
    T.eq(media.name("image", "png", { time = t }),
         "image-20261124-134501-1.png")
    T.eq(media.name("image", "PNG", { time = t, index = 3 }),
         "image-20261124-134501-3.png")
    T.eq(media.name("speech", "mp3", { time = t, index = 2, suffix = 4 }),
         "speech-20261124-134501-2-4.mp3")
    T.eq(media.name("image", "png", { time = t, suffix = 1 }),
         "image-20261124-134501-1.png")
    T.raises("prefix must be", media.name, "../x", "png")
    T.raises("prefix must be", media.name, "", "png")
    T.raises("ext must be", media.name, "image", "p/ng")
    T.ok(media.check_name("image-20261124-134501-1.png"))
    for _, bad in ipairs({ "", ".hidden", "../x.png", "a/b.png", "a..png",
                           "x\0.png", ("a"):rep(256), "a b.png" }) do
      T.eq(media.check_name(bad), nil, ("%q"):format(bad))
    end
  end)

  T.test("write: 0644 files in a 0700 folder, names from the bytes",
         function()
    local dir = T.tmpdir() .. "/state/media"
    local t = os.time({ year = 2026, month = 11, day = 24, hour = 13,
                        min = 45, sec = 1 })
    local data = PNG .. ("x"):rep(1000)
    local path, info = media.write(dir, data, { time = t })
    T.eq(path, dir .. "/image-20261124-134501-1.png")
    T.eq(info, { mime = "image/png", ext = "png", kind = "image",
                 bytes = #data, name = "image-20261124-134501-1.png" })
    T.eq(read(path), data)
    T.eq(mode_of(path), "rw-r--r--")
    T.eq(mode_of(dir), "rwx------")
    -- the extension follows the bytes, never a declared type
    path = media.write(dir, JPEG .. "...", { time = t, index = 2,
                                             ext = "png" })
    T.eq(path, dir .. "/image-20261124-134501-2.jpg")
    path = media.write(dir, ID3 .. "...", { time = t })
    T.eq(path, dir .. "/audio-20261124-134501-1.mp3")
    path = media.write(dir, OGG .. "...", { time = t, prefix = "speech" })
    T.eq(path, dir .. "/speech-20261124-134501-1.ogg")
    -- nothing else is left in the folder (no temporary files)
    local names = {}
    for n in lfs.dir(dir) do
      if n ~= "." and n ~= ".." then names[#names + 1] = n end
    end
    table.sort(names)
    T.eq(names, { "audio-20261124-134501-1.mp3",
                  "image-20261124-134501-1.png",
                  "image-20261124-134501-2.jpg",
                  "speech-20261124-134501-1.ogg" })
  end)

  T.test("write: an existing file is never replaced", function()
    local dir = T.tmpdir()
    local t = 1700000000
    local first = media.name("image", "png", { time = t })
    local f = assert(io.open(dir .. "/" .. first, "wb"))
    f:write("precious")
    f:close()
    local p2 = media.write(dir, PNG .. "a", { time = t })
    local p3 = media.write(dir, PNG .. "b", { time = t })
    T.eq(p2, dir .. "/" .. media.name("image", "png", { time = t,
                                                         suffix = 2 }))
    T.eq(p3, dir .. "/" .. media.name("image", "png", { time = t,
                                                         suffix = 3 }))
    T.eq(read(dir .. "/" .. first), "precious")
    T.eq(read(p2), PNG .. "a")
    -- a symbolic link at the name is not followed or replaced either
    local target = T.tmpdir() .. "/target"
    local g = assert(io.open(target, "wb"))
    g:write("keep")
    g:close()
    local link_name = media.name("image", "gif", { time = t })
    assert(lfs.link(target, dir .. "/" .. link_name, true))
    local p4 = media.write(dir, GIF .. "!", { time = t })
    T.eq(p4, dir .. "/" .. media.name("image", "gif", { time = t,
                                                         suffix = 2 }))
    T.eq(read(target), "keep")
  end)

  T.test("write: refusals and failures return nil, message, code",
         function()
    local dir = T.tmpdir()
    local p, err, code = media.write(dir, "plain text")
    T.eq({ p, code }, { nil, "invalid" })
    T.ok(err:find("unknown file type", 1, true), err)
    p, err, code = media.write(dir, "")
    T.eq({ p, code }, { nil, "invalid" })
    p, err, code = media.write(dir, ID3 .. "x", { kind = "image" })
    T.eq({ p, code }, { nil, "invalid" })
    T.ok(err:find("audio/mpeg, not a PNG, JPEG, WebP or GIF image", 1,
                  true), err)
    p, err, code = media.write(dir, PNG .. "x", { prefix = "../../etc" })
    T.eq({ p, code }, { nil, "invalid" })
    T.ok(err:find("bad file name prefix", 1, true), err)
    -- raw data with an explicit extension (PCM audio has no magic)
    p = media.write(dir, "\0\1\2\3", { ext = "pcm", kind = "audio" })
    T.ok(p and p:match("/audio%-%d+%-%d+%-1%.pcm$"), p)
    p, err, code = media.write(dir, "\0\1\2\3", { ext = "pcm",
                                                  kind = "image" })
    T.eq({ p, code }, { nil, "invalid" })
    -- a folder that cannot be made
    local file = dir .. "/plainfile"
    assert(io.open(file, "w")):close()
    p, err, code = media.write(file .. "/sub", PNG)
    T.eq({ p, code }, { nil, "write" })
    T.ok(err:find("cannot create the folder", 1, true), err)
    T.raises("argument #2 must be a string", media.write, dir, nil)
  end)

  T.test("data URLs and file reads", function()
    local data = PNG .. "\0\255 bytes"
    local url = media.data_url(data)
    T.ok(url:match("^data:image/png;base64,"), url)
    local back, mime = media.parse_data_url(url)
    T.eq({ back, mime }, { data, "image/png" })
    T.eq(media.data_url("abc", "audio/mpeg"), "data:audio/mpeg;base64,YWJj")
    T.eq({ media.parse_data_url("DATA:image/webp;charset=x;base64,YWJj") },
         { "abc", "image/webp" })
    local v, err = media.parse_data_url("data:image/png,raw")
    T.eq(v, nil)
    T.ok(err:find("not base64", 1, true), err)
    v, err = media.parse_data_url("data:image/png;base64,not-base64!")
    T.eq(v, nil)
    T.ok(err:find("invalid base64", 1, true), err)
    T.eq(media.parse_data_url("https://x/y.png"), nil)

    local dir = T.tmpdir()
    local f = assert(io.open(dir .. "/a.png", "wb"))
    f:write(data)
    f:close()
    T.eq(media.read_file(dir .. "/a.png"), data)
    v, err = media.read_file(dir .. "/a.png", 4)
    T.eq(v, nil)
    T.ok(err:find("too large", 1, true), err)
    v, err = media.read_file(dir)
    T.ok(err:find("not a regular file", 1, true), err)
    v, err = media.read_file(dir .. "/missing.png")
    T.ok(err:find("no such file", 1, true), err)
  end)

  T.test("media_dir is <state dir>/media", function()
    T.eq(media.media_dir({}, { HOME = "/h", OPENCLAW_STATE_DIR = "/s" }),
         "/s/media")
    T.eq(media.media_dir(nil, { HOME = "/h" }), "/h/.openclaw/media")
  end)
end
