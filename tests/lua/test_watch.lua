-- Tests of the file-watch and readable-fd sources (openclaw.core.fs
-- watch() and fdwatch()) and of sched.wait_watch.
local fs = require("openclaw.core.fs")
local sched = require("openclaw.sched")
local oc = require("openclaw")

local function sorted(t)
  if not t then return t end
  table.sort(t)
  return t
end

-- run a script with the binary: stdout .. stderr, exit code
local function run_script(T, dir, text, prefix)
  local p = dir .. "/script.lua"
  T.write(p, text)
  return T.sh((prefix or "") .. T.quote(T.bin) .. " run " .. T.quote(p) ..
              " 2>&1")
end

return function(T)
  local write = T.write

  T.test("watch: a write, a rename over and a removal are seen; other " ..
         "files of the folder are not", function()
    local dir = T.tmpdir()
    local w <close> = assert(fs.watch())
    T.eq(w:add(dir .. "/a.lua"), dir .. "/a.lua")
    T.eq(w:add(dir .. "/b.json"), dir .. "/b.json")
    T.eq(w:read(), nil, "nothing yet")
    write(dir .. "/a.lua", "x")                     -- create + close_write
    write(dir .. "/other.txt", "y")
    write(dir .. "/a.lua", "xx")                    -- truncate-and-write
    T.eq(w:read(), { dir .. "/a.lua" }, "deduplicated")
    T.eq(w:read(), nil, "drained")
    write(dir .. "/b.json.tmp", "{}")               -- rename-save
    assert(os.rename(dir .. "/b.json.tmp", dir .. "/b.json"))
    T.eq(w:read(), { dir .. "/b.json" })
    os.remove(dir .. "/a.lua")
    os.remove(dir .. "/other.txt")
    T.eq(w:read(), { dir .. "/a.lua" })
    T.eq(sorted(w:files()), { dir .. "/a.lua", dir .. "/b.json" })
  end)

  T.test("watch: relative paths become absolute; adding twice is a no-op",
         function()
    local dir = T.tmpdir()
    local lfs = require("lfs")
    local cwd = lfs.currentdir()
    assert(lfs.chdir(dir))
    local w <close> = assert(fs.watch())
    local abs = w:add("rel.lua")
    assert(lfs.chdir(cwd))
    T.eq(abs, dir .. "/rel.lua")
    T.eq(w:add(dir .. "/rel.lua"), abs)
    T.eq(#w:files(), 1)
    write(dir .. "/rel.lua", "1")
    T.eq(w:read(), { abs })
  end)

  T.test("watch: through a symbolic link, edits of the target count",
         function()
    local dir = T.tmpdir()
    os.execute("mkdir " .. T.quote(dir .. "/real"))
    write(dir .. "/real/conf.lua", "1")
    os.execute("ln -s real/conf.lua " .. T.quote(dir .. "/conf.lua"))
    local w <close> = assert(fs.watch())
    local abs = w:add(dir .. "/conf.lua")
    write(dir .. "/real/conf.lua", "2")
    T.eq(w:read(), { abs }, "reported under the name given")
  end)

  T.test("watch: sched.wait_watch wakes the task; misuse and failures",
         function()
    local dir = T.tmpdir()
    local w = assert(fs.watch())
    w:add(dir .. "/f")
    oc.spawn(function() oc.sleep(30) write(dir .. "/f", "1") end)
    local t0 = oc.now()
    sched.wait_watch(w)
    T.ok(oc.now() - t0 >= 25, "woken by the write, not before")
    T.eq(w:read(), { dir .. "/f" })
    T.ok(not sched.has_watchers(), "the count is balanced")
    local v, msg, code = w:add(dir .. "/missing/x")
    T.eq(v, nil)
    T.ok(msg:find("No such file", 1, true), msg)
    T.eq(code, "ENOENT")
    T.raises("string expected, got table", w.add, w, {})
    T.raises("path must not be empty", w.add, w, "")
    T.raises("path must name a file", w.add, w, dir .. "/")
    T.raises("path contains a NUL byte", w.add, w, "a\0b")
    T.raises("openclaw.fs.watch expected", w.read, {})
    T.ok(tostring(w):find("openclaw.fs.watch (1 files)", 1, true))
    w:close()
    w:close()                                  -- idempotent
    T.eq(tostring(w), "openclaw.fs.watch (closed)")
    T.eq(w:read(), nil)
    T.raises("the watch is closed", w.add, w, dir .. "/g")
    do local _w <close> = assert(fs.watch()) end   -- __close
  end)

  T.test("watch: a task waiting only on a watch is not a deadlock, and " ..
         "costs no CPU while idle", function()
    local dir = T.tmpdir()
    local out, code = run_script(T, dir, ([[
      local fs = require("openclaw.core.fs")
      local sched = require("openclaw.sched")
      local w = assert(fs.watch())
      assert(w:add(%q))
      local c0 = os.clock()
      sched.wait_watch(w)
      print("woke", table.concat(w:read(), ","),
            ("cpu_ms=%%.0f"):format((os.clock() - c0) * 1000))
    ]]):format(dir .. "/poke"), "(sleep 0.4; echo x > " ..
      T.quote(dir .. "/poke") .. ") & ")
    T.eq(code, 0, out)
    T.ok(out:find("woke\t" .. dir .. "/poke", 1, true), out)
    local cpu = tonumber(out:match("cpu_ms=(%d+)"))
    T.ok(cpu and cpu <= 20, "idle wait used " .. tostring(cpu) .. " ms")
  end)

  T.test("fdwatch: other tasks run while a task waits for stdin; lines, " ..
         "end of file", function()
    local dir = T.tmpdir()
    local out, code = run_script(T, dir, [[
      local oc = require("openclaw")
      local fs = require("openclaw.core.fs")
      local sched = require("openclaw.sched")
      local f = assert(fs.fdwatch(0))
      local ticks = 0
      local ticker = oc.spawn(function()
        while true do oc.sleep(20) ticks = ticks + 1 end
      end)
      local got = {}
      while true do
        if not f:ready() then f:arm() sched.wait_watch(f) end
        local data, msg, code = f:read()
        if data then got[#got + 1] = data
        elseif code == "EOF" then break
        else assert(code == "EAGAIN", msg) end
      end
      ticker:cancel()
      f:close() f:close()
      print(table.concat(got):gsub("\n", "|"), ticks >= 5 and "ticked"
            or ("ticks=" .. ticks))
    ]], "(sleep 0.3; echo one; sleep 0.1; echo two) | ")
    T.eq(code, 0, out)
    T.eq(out, "one|two|\tticked\n")
  end)

  T.test("fdwatch: misuse raises; a closed descriptor is EBADF", function()
    T.raises("fd must be a descriptor number", fs.fdwatch, -1)
    T.raises("number expected, got table", fs.fdwatch, {})
    local v, msg, code = fs.fdwatch(987)
    T.eq(v, nil)
    T.ok(msg:find("fd 987", 1, true), msg)
    T.eq(code, "EBADF")
    local f = assert(fs.fdwatch(1))
    T.raises("max must be between", f.read, f, 0)
    f:close()
    T.raises("the watch is closed", f.arm, f)
  end)
end
