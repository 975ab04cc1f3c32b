-- Tests for openclaw.base64 (lua/openclaw/base64.lua over src/l_base64.c).
local base64 = require("openclaw.base64")

-- Deterministic pseudo-random bytes (xorshift), so failures repeat.
local function random_bytes(seed, n)
  local x = seed
  local b = {}
  for i = 1, n do
    x = x ~ (x << 13)
    x = x ~ (x >> 7)
    x = x ~ (x << 17)
    b[i] = string.char(x & 0xff)
  end
  return table.concat(b)
end

return function(T)
  T.test("base64: RFC 4648 test vectors", function()
    local cases = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    }
    for _, c in ipairs(cases) do
      T.eq(base64.encode(c[1]), c[2], c[1])
      T.eq(base64.decode(c[2]), c[1], c[2])
      -- unpadded form decodes too, and is what url mode writes
      local bare = c[2]:gsub("=", "")
      T.eq(base64.encode(c[1], {url = true}), bare, c[1])
      T.eq(base64.decode(bare), c[1], bare)
    end
  end)

  T.test("base64: url alphabet", function()
    local s = "\251\255\254\62\63"
    T.eq(base64.encode(s), "+//+Pj8=")
    T.eq(base64.encode(s, {url = true}), "-__-Pj8")
    T.eq(base64.encode(s, {url = false}), "+//+Pj8=")
    T.eq(base64.decode("-__-Pj8"), s)
    T.eq(base64.decode("+//+Pj8="), s)
  end)

  T.test("base64: whitespace is ignored", function()
    T.eq(base64.decode("Zm9v\r\nYmFy"), "foobar")
    T.eq(base64.decode(" Zm9v YmE= \n"), "fooba")
    T.eq(base64.decode("Z g = =\t"), "f")
  end)

  T.test("base64: round trips of random binary", function()
    for n = 0, 300 do
      local s = random_bytes(n * 7919 + 1, n)
      local e = base64.encode(s)
      T.eq(#e, (n + 2) // 3 * 4, "length " .. n)
      T.eq(base64.decode(e), s, "std " .. n)
      local u = base64.encode(s, {url = true})
      T.ok(not u:find("[+/=]"), "url alphabet " .. n)
      T.eq(base64.decode(u), s, "url " .. n)
    end
    local every = {}
    for i = 0, 255 do every[#every + 1] = string.char(i) end
    every = table.concat(every)
    T.eq(base64.decode(base64.encode(every)), every)
  end)

  T.test("base64: multi-megabyte input", function()
    local s = random_bytes(42, 4096):rep(1024)  -- 4 MiB
    local t0 = os.clock()
    local e = base64.encode(s)
    local d = base64.decode(e)
    local dt = os.clock() - t0
    T.eq(#e, #s // 3 * 4 + 4)
    T.ok(d == s, "4 MiB round trip")
    T.ok(dt < 1.0, string.format("4 MiB round trip took %.3f s", dt))
  end)

  T.test("base64: invalid input returns nil and a message", function()
    local cases = {
      {"Z", "base64: invalid input at offset 1"},
      {"Zm9vY", "base64: invalid input at offset 5"},
      {"Zm9v!", "base64: invalid input at offset 4"},
      {"Zm\0v", "base64: invalid input at offset 2"},
      {"Zm9v\255", "base64: invalid input at offset 4"},
      {"=Zg", "base64: invalid input at offset 0"},
      {"Zg=", "base64: invalid input at offset 2"},
      {"Zg===", "base64: invalid input at offset 2"},
      {"Zm8==", "base64: invalid input at offset 3"},
      {"Zg==Zg==", "base64: invalid input at offset 2"},
      {"Zg==x", "base64: invalid input at offset 2"},
      {"Zm9v.YmFy", "base64: invalid input at offset 4"},
    }
    for _, c in ipairs(cases) do
      local ok, v, err = pcall(base64.decode, c[1])
      T.ok(ok, "raised on " .. c[1])
      T.eq(v, nil, c[1])
      T.eq(err, c[2], c[1])
    end
  end)

  T.test("base64: random garbage never raises", function()
    for i = 1, 2000 do
      local s = random_bytes(i, i % 23)
      local ok, v, err = pcall(base64.decode, s)
      T.ok(ok, "raised")
      T.ok(type(v) == "string" or type(err) == "string", "result")
    end
  end)

  T.test("base64: argument checks raise", function()
    T.raises("string expected, got no value", base64.encode)
    T.raises("string expected, got number", base64.encode, 5)
    T.raises("string expected, got table", base64.decode, {})
    T.raises("string expected, got nil", base64.decode, nil)
    T.raises("table expected", base64.encode, "x", "url")
    T.raises("base64.encode: unknown option 'padding'", base64.encode, "x",
             {padding = false})
  end)
end
