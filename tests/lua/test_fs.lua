-- Tests of openclaw.core.fs (src/l_fs.c).
local fs = require("openclaw.core.fs")
local lfs = require("lfs")

return function(T)
  local read = T.read

  local function perm(p)
    return lfs.attributes(p, "permissions")
  end

  local entries = T.files_in

  T.test("fs: write_atomic creates a 0600 file", function()
    local dir = T.tmpdir()
    local p = dir .. "/a.json"
    T.eq(fs.write_atomic(p, "{}\n"), true)
    T.eq(read(p), "{}\n")
    T.eq(perm(p), "rw-------")
    T.eq(entries(dir), { "a.json" })
  end)

  T.test("fs: write_atomic keeps a .bak of the previous file", function()
    local dir = T.tmpdir()
    local p = dir .. "/a.json"
    assert(fs.write_atomic(p, "one"))
    assert(fs.chmod(p, 0x1a4))                  -- 0644 before the rewrite
    T.eq(fs.write_atomic(p, "two"), true)
    T.eq(read(p), "two")
    T.eq(read(p .. ".bak"), "one")
    T.eq(perm(p), "rw-------")
    T.eq(perm(p .. ".bak"), "rw-------")
    T.eq(fs.write_atomic(p, "three"), true)
    T.eq(read(p .. ".bak"), "two")
    T.eq(entries(dir), { "a.json", "a.json.bak" })
  end)

  T.test("fs: write_atomic options", function()
    local dir = T.tmpdir()
    local p = dir .. "/b.txt"
    T.eq(fs.write_atomic(p, "x", { mode = 0x1a0, backup = false }), true)
    T.eq(perm(p), "rw-r-----")
    T.eq(fs.write_atomic(p, "y", { backup = false }), true)
    T.eq(read(p .. ".bak"), nil)
    T.eq(fs.write_atomic(p, ""), true)
    T.eq(read(p), "")
    T.eq(read(p .. ".bak"), "y")
    local big = ("0123456789"):rep(100000)
    T.eq(fs.write_atomic(p, big), true)
    T.eq(read(p), big)
  end)

  T.test("fs: write_atomic failures return nil, message, code", function()
    local dir = T.tmpdir()
    local p = dir .. "/missing/x.json"
    local ok, msg, code = fs.write_atomic(p, "x")
    T.eq(ok, nil)
    T.eq(msg, p .. ": No such file or directory")
    T.eq(code, "ENOENT")
    -- renaming over a folder fails: the temp file is removed
    assert(fs.mkdir_p(dir .. "/sub/inner"))
    ok, msg, code = fs.write_atomic(dir .. "/sub", "x", { backup = false })
    T.eq(ok, nil)
    T.ok(msg:find("^" .. dir:gsub("%p", "%%%0") .. "/sub: "), msg)
    T.ok(code == "EISDIR" or code == "ENOTEMPTY" or code == "EEXIST"
         or code:find("^E"), code)
    T.eq(entries(dir), { "sub" })
    T.eq(entries(dir .. "/sub"), { "inner" })
  end)

  T.test("fs: write_atomic follows a symbolic link", function()
    local dir = T.tmpdir()
    local target = dir .. "/real.json"
    assert(fs.write_atomic(target, "old"))
    assert(lfs.link(target, dir .. "/link.json", true))
    T.eq(fs.write_atomic(dir .. "/link.json", "new"), true)
    T.eq(lfs.symlinkattributes(dir .. "/link.json", "mode"), "link")
    T.eq(read(target), "new")
    T.eq(read(target .. ".bak"), "old")
  end)

  T.test("fs: misuse raises", function()
    T.raises("bad argument #1", function() fs.write_atomic(nil, "x") end)
    T.raises("path must not be empty", function()
      fs.write_atomic("", "x")
    end)
    T.raises("bad argument #2", function() fs.write_atomic("/tmp/x", {}) end)
    T.raises("opts.mode", function()
      fs.write_atomic("/tmp/x", "x", { mode = "0600" })
    end)
    T.raises("opts.mode", function()
      fs.write_atomic("/tmp/x", "x", { mode = 0x10000 })
    end)
    T.raises("opts.backup", function()
      fs.write_atomic("/tmp/x", "x", { backup = "yes" })
    end)
    T.raises("bad argument #3", function()
      fs.write_atomic("/tmp/x", "x", 5)
    end)
    T.raises("NUL", function() fs.write_atomic("/tmp/a\0b", "x") end)
    T.raises("bad argument #1", function() fs.mkdir_p({}) end)
    T.raises("bad argument #2", function() fs.chmod("/tmp/x") end)
    T.raises("mode must be", function() fs.chmod("/tmp/x", -1) end)
    T.raises("fd must be 0, 1 or 2", function() fs.isatty(3) end)
    T.raises("bad argument #1", function() fs.isatty("x") end)
    T.raises("bad argument #1", function() fs.read_hidden({}) end)
  end)

  T.test("fs: mkdir_p", function()
    local dir = T.tmpdir()
    local p = dir .. "/a/b/c"
    T.eq(fs.mkdir_p(p), true)
    T.eq(lfs.attributes(p, "mode"), "directory")
    T.eq(perm(p), "rwx------")
    T.eq(fs.mkdir_p(p), true)                   -- exists: fine
    T.eq(fs.mkdir_p(dir .. "/d/", 0x1ed), true)
    T.eq(perm(dir .. "/d"), "rwxr-xr-x")
    assert(fs.write_atomic(dir .. "/file", "x"))
    local ok, msg, code = fs.mkdir_p(dir .. "/file/sub")
    T.eq(ok, nil)
    T.eq(msg, dir .. "/file/sub: Not a directory")
    T.eq(code, "ENOTDIR")
    ok, msg, code = fs.mkdir_p(dir .. "/file")
    T.eq(ok, nil)
    T.eq(code, "ENOTDIR")
  end)

  T.test("fs: chmod", function()
    local dir = T.tmpdir()
    assert(fs.write_atomic(dir .. "/f", "x"))
    T.eq(fs.chmod(dir .. "/f", 0x1a4), true)
    T.eq(perm(dir .. "/f"), "rw-r--r--")
    local ok, msg, code = fs.chmod(dir .. "/nope", 0x180)
    T.eq(ok, nil)
    T.eq(msg, dir .. "/nope: No such file or directory")
    T.eq(code, "ENOENT")
  end)

  T.test("fs: isatty, getpid, home", function()
    for fd = 0, 2 do T.eq(type(fs.isatty(fd)), "boolean") end
    local pid = fs.getpid()
    T.eq(math.type(pid), "integer")
    T.ok(pid > 0, "pid")
    local home = fs.home()
    T.eq(type(home), "string")
    if os.getenv("HOME") and os.getenv("HOME") ~= "" then
      T.eq(home, os.getenv("HOME"))
    end
  end)
end
