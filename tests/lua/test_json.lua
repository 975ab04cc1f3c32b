-- Tests for openclaw.json (lua/openclaw/json.lua over src/l_json.c).
-- Table-driven in the style of lua-cjson's test suite: exact error texts.
local json = require("openclaw.json")

-- Deterministic pseudo-random generator (xorshift), so failures repeat.
local function rng(seed)
  local x = seed
  return function(n)
    x = x ~ (x << 13)
    x = x ~ (x >> 7)
    x = x ~ (x << 17)
    return (x & 0x7fffffff) % n
  end
end

local function is_negzero(x)
  return x == 0 and 1 / x < 0
end

-- A compact document exercising every kind of value; no proper prefix of
-- it is valid JSON.
local DOC = '{"id":"gen-1","n":[1,-2,3.5,1e10,-0.25E-3,9007199254740993],' ..
  '"s":"a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00",' ..
  '"t":true,"f":false,"z":null,"e":[],"o":{},' ..
  '"deep":[[{"k":[null,{"x":"y"}]}]]}'

local CHUNK = '{"id":"gen-1","object":"chat.completion.chunk",' ..
  '"created":1732000000,"model":"anthropic/claude-sonnet-4.5",' ..
  '"choices":[{"index":0,"delta":{"role":"assistant",' ..
  '"content":"abcdefgh"},"finish_reason":null}]}'

return function(T)
  T.test("json: module shape", function()
    for _, k in ipairs{"encode", "decode", "array", "object", "is_array"} do
      T.eq(type(json[k]), "function", k)
    end
    T.eq(type(json.null), "userdata")
    T.ok(json.null == require("cjson").null, "json.null is cjson.null")
    T.ok(json.null == require("cjson.safe").null,
         "json.null is cjson.safe.null")
  end)

  T.test("json: decode scalars", function()
    local cases = {
      {"true", true}, {"false", false}, {" \t\r\n true \n", true},
      {'""', ""}, {'"abc"', "abc"}, {"0", 0}, {"-1", -1},
      {"42", 42}, {"1.5", 1.5}, {"-0.5", -0.5}, {"1e2", 100.0},
      {"1E+2", 100.0}, {"2.5e-1", 0.25}, {"0.0", 0.0},
    }
    for _, c in ipairs(cases) do
      local v, err = json.decode(c[1])
      T.ok(err == nil, c[1] .. ": " .. tostring(err))
      T.eq(v, c[2], c[1])
    end
    T.ok(json.decode("null") == json.null, "null")
  end)

  T.test("json: decode integers are integers", function()
    local cases = {
      {"0", 0}, {"42", 42}, {"-7", -7}, {"1732000000", 1732000000},
      {"9007199254740993", 9007199254740993},
      {"-9007199254740993", -9007199254740993},
      {"1234567890123456789", 1234567890123456789},
      {"9223372036854775807", math.maxinteger},
      {"-9223372036854775807", -math.maxinteger},
      {"-9223372036854775808", math.mininteger},
    }
    for _, c in ipairs(cases) do
      local v = json.decode(c[1])
      T.eq(math.type(v), "integer", c[1])
      T.ok(v == c[2], c[1] .. " decoded as " .. tostring(v))
    end
    T.eq(math.type(json.decode('{"a":[1,2]}').a[2]), "integer")
    T.eq(json.decode('{"a":[1,2]}'), {a = {1, 2}})
  end)

  T.test("json: decode numbers beyond int64 become floats", function()
    local cases = {
      {"9223372036854775808", 2.0^63},
      {"-9223372036854775809", -2.0^63},
      {"18446744073709551616", 2.0^64},
      {"123456789012345678901234567890", 1.2345678901234568e29},
      {"1.0", 1.0}, {"1e0", 1.0}, {"-1e0", -1.0},
    }
    for _, c in ipairs(cases) do
      local v = json.decode(c[1])
      T.eq(math.type(v), "float", c[1])
      T.ok(v == c[2], c[1] .. " decoded as " .. tostring(v))
    end
  end)

  T.test("json: decode floats exactly", function()
    local cases = {
      {"0.1", 0.1}, {"1e308", 1e308}, {"5e-324", 5e-324},
      {"123456789.123456789", 123456789.123456789},
      {"2.2250738585072014e-308", 2.2250738585072014e-308},
      {"1.7976931348623157e308", 1.7976931348623157e308},
      {"0.30000000000000004", 0.1 + 0.2},
      {"1e400", math.huge}, {"-1e400", -math.huge}, {"1e-400", 0.0},
    }
    for _, c in ipairs(cases) do
      local v = json.decode(c[1])
      T.eq(math.type(v), "float", c[1])
      T.ok(v == c[2], c[1] .. " decoded as " .. string.format("%.17g", v))
    end
    local z = json.decode("-0")
    T.ok(is_negzero(z), "-0 decodes as -0.0")
    T.ok(is_negzero(json.decode("-0.0")), "-0.0")
  end)

  T.test("json: encode numbers", function()
    local cases = {
      {0, "0"}, {1, "1"}, {-1, "-1"},
      {math.maxinteger, "9223372036854775807"},
      {math.mininteger, "-9223372036854775808"},
      {9007199254740993, "9007199254740993"},
      {1 << 60, "1152921504606846976"},
      {0.1, "0.1"}, {0.5, "0.5"}, {-2.5, "-2.5"}, {3.0, "3"},
      {-0.0, "-0"}, {1e20, "1e+20"}, {1e15, "1e+15"}, {1e-7, "1e-07"},
      {2.0^60, "1.152921504606847e+18"},
      {5e-324, "5e-324"}, {1e308, "1e+308"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {123456789.123456789, "123456789.12345679"},
      {1 / 3, "0.3333333333333333"}, {0.1 + 0.2, "0.30000000000000004"},
    }
    for _, c in ipairs(cases) do
      T.eq(json.encode(c[1]), c[2], string.format("%.17g", c[1]))
    end
  end)

  T.test("json: floats round-trip exactly", function()
    local r = rng(12345)
    local vals = {0.1, 1e308, 5e-324, 123456789.123456789, 2.0^60,
                  2.0^63, -2.0^63, 1 / 3, math.pi, -math.pi * 1e-300,
                  2.2250738585072014e-308, 4.9406564584124654e-324}
    for _ = 1, 2000 do
      -- random mantissa and exponent, including subnormals
      local m = (r(0x7fffffff) + 1) / 0x80000000 + r(0x7fffffff) / 2^62
      vals[#vals + 1] = m * 2.0^(r(2000) - 1074) * (r(2) == 0 and 1 or -1)
    end
    for _, x in ipairs(vals) do
      local s = json.encode(x)
      local y = json.decode(s)
      T.ok(y == x, string.format("%.17g -> %s -> %.17g", x, s, y))
      local t = json.decode(json.encode({x}))
      T.ok(t[1] == x, "in array: " .. s)
    end
  end)

  T.test("json: integers round-trip exactly", function()
    local r = rng(99)
    local vals = {0, 1, -1, math.maxinteger, math.mininteger,
                  9007199254740993, -9007199254740993}
    for _ = 1, 1000 do
      vals[#vals + 1] = (r(0x7fffffff) << 33) ~ (r(0x7fffffff) << 2) ~ r(4)
    end
    for _, x in ipairs(vals) do
      local y = json.decode(json.encode(x))
      T.eq(math.type(y), "integer", tostring(x))
      T.ok(y == x, tostring(x))
    end
  end)

  T.test("json: decode every escape", function()
    local cases = {
      {[["\""]], '"'}, {[["\\"]], "\\"}, {[["\/"]], "/"},
      {[["\b"]], "\b"}, {[["\f"]], "\f"}, {[["\n"]], "\n"},
      {[["\r"]], "\r"}, {[["\t"]], "\t"},
      {[["\u0041"]], "A"}, {[["\u00e9"]], "\u{e9}"},
      {[["\u00E9"]], "\u{e9}"}, {[["\u20ac"]], "\u{20ac}"},
      {[["\u0000"]], "\0"}, {[["\u001f"]], "\31"},
      {[["\u07ff"]], "\u{7ff}"}, {[["\u0800"]], "\u{800}"},
      {[["\uffff"]], "\u{ffff}"},
      {[["\ud83d\ude00"]], "\u{1f600}"}, {[["\uD83D\uDE00"]], "\u{1f600}"},
      {[["\ud800\udc00"]], "\u{10000}"}, {[["\udbff\udfff"]], "\u{10ffff}"},
      {[["a\nb\tc"]], "a\nb\tc"}, {[["x\u0041y\"z"]], 'xAy"z'},
      {'"caf\u{e9} \u{1f600}"', "caf\u{e9} \u{1f600}"},
    }
    for _, c in ipairs(cases) do
      local v, err = json.decode(c[1])
      T.ok(err == nil, c[1] .. ": " .. tostring(err))
      T.eq(v, c[2], c[1])
    end
  end)

  T.test("json: decode rejects bad strings", function()
    local cases = {
      {[["\q"]], "json: invalid escape at offset 1"},
      {[["ab\x41"]], "json: invalid escape at offset 3"},
      {[["\u12"]], "json: invalid \\u escape at offset 1"},
      {[["\u12g4"]], "json: invalid \\u escape at offset 1"},
      {[["\ud800"]], "json: unpaired surrogate at offset 1"},
      {[["\udc00"]], "json: unpaired surrogate at offset 1"},
      {[["\ud800\u0041"]], "json: unpaired surrogate at offset 1"},
      {[["\ud800x"]], "json: unpaired surrogate at offset 1"},
      {[["\ud800\ud800"]], "json: unpaired surrogate at offset 1"},
      {'"a\nb"', "json: unescaped control character in string at offset 2"},
      {'"a\0b"', "json: unescaped control character in string at offset 2"},
      {'"\\n\tb"', "json: unescaped control character in string at offset 3"},
      {'"abc', "json: unexpected end of input"},
      {'"abc\\', "json: unexpected end of input"},
      {'"abc\\"', "json: unexpected end of input"},
      {'"\\u00', "json: unexpected end of input"},
    }
    for _, c in ipairs(cases) do
      local v, err = json.decode(c[1])
      T.eq(v, nil, c[1])
      T.eq(err, c[2], c[1])
    end
  end)

  T.test("json: decode malformed documents", function()
    local cases = {
      {"", "json: unexpected end of input"},
      {"   ", "json: unexpected end of input"},
      {"x", "json: unexpected character 'x' at offset 0"},
      {"[1,]", "json: unexpected character ']' at offset 3"},
      {"[1 2]", "json: unexpected character '2' at offset 3"},
      {"[,1]", "json: unexpected character ',' at offset 1"},
      {'{"a" 1}', "json: unexpected character '1' at offset 5"},
      {"{1:2}", "json: unexpected character '1' at offset 1"},
      {"{'a':2}", "json: unexpected character ''' at offset 1"},
      {'{"a":1,}', "json: unexpected character '}' at offset 7"},
      {'{"a":1 "b":2}', "json: unexpected character '\"' at offset 7"},
      {'{"a"}', "json: unexpected character '}' at offset 4"},
      {"[1}", "json: unexpected character '}' at offset 2"},
      {'{"a":1]', "json: unexpected character ']' at offset 6"},
      {"01", "json: invalid number (leading zero) at offset 0"},
      {"-01", "json: invalid number (leading zero) at offset 0"},
      {"1.", "json: unexpected end of input"},
      {"1.x", "json: invalid number at offset 0"},
      {"1.e5", "json: invalid number at offset 0"},
      {"-", "json: unexpected end of input"},
      {"-a", "json: invalid number at offset 0"},
      {"1e", "json: unexpected end of input"},
      {"1e+", "json: unexpected end of input"},
      {"1ex", "json: invalid number at offset 0"},
      {"[1e]", "json: invalid number at offset 1"},
      {".5", "json: unexpected character '.' at offset 0"},
      {"+1", "json: unexpected character '+' at offset 0"},
      {"0x10", "json: trailing characters at offset 1"},
      {"NaN", "json: unexpected character 'N' at offset 0"},
      {"Infinity", "json: unexpected character 'I' at offset 0"},
      {"-Infinity", "json: invalid number at offset 0"},
      {"tru", "json: unexpected end of input"},
      {"trux", "json: unexpected character 'x' at offset 3"},
      {"nul", "json: unexpected end of input"},
      {"True", "json: unexpected character 'T' at offset 0"},
      {"[true false]", "json: unexpected character 'f' at offset 6"},
      {"[1] x", "json: trailing characters at offset 4"},
      {"{} {}", "json: trailing characters at offset 3"},
      {"nullx", "json: trailing characters at offset 4"},
      {"\239\187\191{}", "json: unexpected character '\\xEF' at offset 0"},
      {"\0", "json: unexpected character '\\x00' at offset 0"},
      {"[1]\0", "json: trailing characters at offset 3"},
      {"\f1", "json: unexpected character '\\x0C' at offset 0"},
      {"[", "json: unexpected end of input"},
      {"{", "json: unexpected end of input"},
      {'{"a"', "json: unexpected end of input"},
      {'{"a":', "json: unexpected end of input"},
      {"[1,2", "json: unexpected end of input"},
      {"/* c */ 1", "json: unexpected character '/' at offset 0"},
    }
    for _, c in ipairs(cases) do
      local ok, v, err = pcall(json.decode, c[1])
      T.ok(ok, "raised on " .. c[1])
      T.eq(v, nil, c[1])
      T.eq(err, c[2], c[1])
    end
  end)

  T.test("json: decode raises only for non-string arguments", function()
    T.raises("string expected", json.decode)
    T.raises("string expected, got nil", json.decode, nil)
    T.raises("string expected, got number", json.decode, 42)
    T.raises("string expected, got table", json.decode, {})
  end)

  T.test("json: null in arrays and objects", function()
    local t = json.decode("[null,1,null]")
    T.eq(#t, 3)
    T.ok(t[1] == json.null and t[3] == json.null, "nulls kept")
    T.eq(json.encode(t), "[null,1,null]")
    local o = json.decode('{"a":null}')
    T.ok(o.a == json.null, "object null")
    T.eq(json.encode(o), '{"a":null}')
    T.eq(json.encode({json.null, 1}), "[null,1]")
    T.eq(json.encode(json.null), "null")
    T.eq(json.encode(nil), "null")
    T.eq(json.encode(require("cjson").null), "null")
  end)

  T.test("json: empty arrays and objects round-trip", function()
    T.eq(json.encode(json.decode("[]")), "[]")
    T.eq(json.encode(json.decode("{}")), "{}")
    T.eq(json.encode(json.decode('{"a":[]}')), '{"a":[]}')
    T.eq(json.encode(json.decode('[[],{},[[]]]')), '[[],{},[[]]]')
    local schema = '{"properties":{},"required":[],"type":"object"}'
    T.eq(json.encode(json.decode(schema), {sort_keys = true}), schema)
    T.eq(json.encode({}), "{}")
    T.eq(json.encode(json.array()), "[]")
    T.eq(json.encode(json.array({})), "[]")
    T.eq(json.encode(json.object()), "{}")
    T.eq(json.encode({required = json.array()}), '{"required":[]}')
  end)

  T.test("json: array and object markers", function()
    local t = {}
    T.ok(json.array(t) == t, "array returns its argument")
    T.ok(json.object(t) == t, "object returns its argument")
    T.eq(type(json.array()), "table")
    T.eq(type(json.object(nil)), "table")
    T.raises("table expected", json.array, 5)
    T.raises("table expected", json.object, "x")
    T.eq(json.encode(json.array({1, 2})), "[1,2]")
    T.eq(json.encode(json.object({a = 1})), '{"a":1}')
    T.raises("json.encode: json.array table has string keys at $",
             json.encode, json.array({a = 1}))
    T.raises("json.encode: json.object table has non-string keys at $.x",
             json.encode, {x = json.object({1})})
    T.raises("json.encode: sparse array at $",
             json.encode, json.array({1, nil, 3}))
    -- decoded arrays share one marker metatable
    T.ok(getmetatable(json.decode("[]")) == getmetatable(json.array()),
         "shared marker")
    T.ok(getmetatable(json.decode("{}")) == nil, "objects are plain")
    T.ok(getmetatable(json.decode("[1]")) == getmetatable(json.decode("[]")),
         "same marker for all arrays")
  end)

  T.test("json: is_array", function()
    local cases = {
      {json.decode("[]"), true}, {json.decode("[1]"), true},
      {json.decode("{}"), false}, {json.decode('{"1":2}'), false},
      {{1, 2}, true}, {{}, false}, {{a = 1}, false}, {{1, a = 2}, false},
      {{[2] = 1}, false}, {json.array(), true}, {json.object({1}), false},
      {"x", false}, {nil, false}, {42, false},
    }
    for i, c in ipairs(cases) do
      T.eq(json.is_array(c[1]), c[2], "case " .. i)
    end
  end)

  T.test("json: encode strings", function()
    local cases = {
      {"", '""'}, {"abc", '"abc"'}, {'"', '"\\""'}, {"\\", '"\\\\"'},
      {"/", '"/"'}, {"\b\f\n\r\t", '"\\b\\f\\n\\r\\t"'},
      {"\0", '"\\u0000"'}, {"\1", '"\\u0001"'}, {"\31", '"\\u001f"'},
      {"\11", '"\\u000b"'}, {"\127", '"\127"'},
      {"caf\u{e9}", '"caf\u{e9}"'}, {"\u{1f600}", '"\u{1f600}"'},
      {"\u{2028}", '"\u{2028}"'}, {"a\"b\\c\nd", '"a\\"b\\\\c\\nd"'},
    }
    for _, c in ipairs(cases) do
      T.eq(json.encode(c[1]), c[2], c[1])
      T.eq(json.decode(c[2]), c[1], c[2])
    end
  end)

  T.test("json: every byte value round-trips through a string", function()
    local b = {}
    for i = 0, 255 do b[#b + 1] = string.char(i) end
    local s = table.concat(b)
    T.eq(json.decode(json.encode(s)), s)
    T.eq(json.decode(json.encode({[s] = s}))[s], s)
  end)

  T.test("json: long strings and large documents", function()
    local big = ("0123456789abcdef"):rep(1 << 16)  -- 1 MiB
    T.eq(json.decode(json.encode(big)), big)
    local esc = ("a\"b\\c\nd\1"):rep(50000)
    T.eq(json.decode(json.encode(esc)), esc)
    local arr = {}
    for i = 1, 10000 do arr[i] = {i, tostring(i), i + 0.5} end
    local back = json.decode(json.encode(arr))
    T.eq(#back, 10000)
    T.eq(back, arr)
    T.ok(json.is_array(back[1]), "inner arrays marked")
  end)

  T.test("json: container sizes around the stack batch", function()
    for _, n in ipairs{1, 2, 31, 32, 33, 63, 64, 65, 100, 1000} do
      local a, o = {}, {}
      for i = 1, n do a[i] = i; o["k" .. i] = i end
      local da = json.decode(json.encode(a))
      T.eq(#da, n, "array " .. n)
      T.eq(da, a, "array " .. n)
      T.eq(json.decode(json.encode(o)), o, "object " .. n)
    end
  end)

  T.test("json: duplicate keys keep the last value", function()
    T.eq(json.decode('{"a":1,"a":2}').a, 2)
    local parts = {'"k":"first"'}
    for i = 1, 40 do parts[#parts + 1] = '"k' .. i .. '":' .. i end
    parts[#parts + 1] = '"k":"last"'
    T.eq(json.decode("{" .. table.concat(parts, ",") .. "}").k, "last")
  end)

  T.test("json: object keys stay strings", function()
    local t = json.decode('{"1":"a","2":"b"}')
    T.eq(t["1"], "a")
    T.eq(t[1], nil)
    T.eq(json.encode(t, {sort_keys = true}), '{"1":"a","2":"b"}')
  end)

  T.test("json: chat completion chunk", function()
    local v, err = json.decode(CHUNK)
    T.eq(err, nil)
    T.eq(v.id, "gen-1")
    T.eq(math.type(v.created), "integer")
    T.eq(v.created, 1732000000)
    T.eq(v.choices[1].index, 0)
    T.eq(v.choices[1].delta.content, "abcdefgh")
    T.ok(v.choices[1].finish_reason == json.null, "finish_reason null")
    T.eq(json.decode(json.encode(v)), v)
  end)

  T.test("json: encode errors name the path", function()
    local ud = io.stdout
    local co = coroutine.create(print)
    local cases = {
      {{f = print}, "json.encode: cannot encode function at $.f"},
      {{tools = {{name = "a"}, {run = print}}},
        "json.encode: cannot encode function at $.tools[2].run"},
      {print, "json.encode: cannot encode function at $"},
      {co, "json.encode: cannot encode thread at $"},
      {{ud}, "json.encode: cannot encode userdata at $[1]"},
      {{a = {b = {c = {0 / 0}}}},
        "json.encode: cannot encode NaN at $.a.b.c[1]"},
      {math.huge, "json.encode: cannot encode inf at $"},
      {{x = -math.huge}, "json.encode: cannot encode -inf at $.x"},
      {{1, 2, x = 1}, "json.encode: table mixes array and string keys at $"},
      {{a = {[1] = 1, [3] = 3}}, "json.encode: sparse array at $.a"},
      {{[0] = 1}, "json.encode: sparse array at $"},
      {{[-1] = 1, [1] = 2}, "json.encode: sparse array at $"},
      {{[true] = 1},
        "json.encode: cannot encode table key of type boolean at $"},
      {{[1.5] = 1}, "json.encode: cannot encode table key of type float at $"},
      {{[{}] = 1}, "json.encode: cannot encode table key of type table at $"},
      {{["a b"] = {f = print}},
        'json.encode: cannot encode function at $["a b"].f'},
      {{["1x"] = {["q\""] = print}},
        'json.encode: cannot encode function at $["1x"]["q\\""]'},
      {{_ok9 = {print}}, "json.encode: cannot encode function at $._ok9[1]"},
    }
    for i, c in ipairs(cases) do
      local ok, err = pcall(json.encode, c[1])
      T.ok(not ok, "case " .. i .. " did not raise")
      T.eq(err, c[2], "case " .. i)
    end
  end)

  T.test("json: encode error after the output moved to the heap", function()
    local big = {}
    for i = 1, 2000 do big[i] = "item " .. i end
    big[2001] = print
    T.raises("json.encode: cannot encode function at $[2001]",
             json.encode, big)
    -- the raise left the heap buffer to the collector; nothing breaks
    collectgarbage()
    T.eq(#json.encode(json.array({("x"):rep(5000)})), 5004)
  end)

  T.test("json: memory stays flat over many decodes", function()
    collectgarbage()
    collectgarbage()
    local before = collectgarbage("count")
    for i = 1, 20000 do
      local v = json.decode('{"id":"gen-' .. i .. '","k' .. i % 977 ..
                            '":[' .. i .. ',"v' .. i .. '"]}')
      T.ok(v ~= nil, "decoded")
    end
    collectgarbage()
    collectgarbage()
    local grown = collectgarbage("count") - before
    T.ok(grown < 256, ("grew by %.0f KiB"):format(grown))
  end)

  T.test("json: encode cycles and depth limit", function()
    local t = {}
    t.a = t
    T.raises("json.encode: nesting too deep or a cycle at $.a.a.a.a.a.a.a.a" ..
             "....a.a.a.a.a.a.a.a", json.encode, t)
    local l = {}
    l[1] = l
    T.raises("nesting too deep or a cycle at $[1][1]", json.encode, l)
    local function nest(n)
      local v = {}
      for _ = 2, n do v = {v} end
      return v
    end
    T.eq(#json.encode(nest(1000)), 2000)
    T.raises("nesting too deep", json.encode, nest(1001))
  end)

  T.test("json: decode depth limit", function()
    local ok1 = json.decode(("["):rep(1000) .. ("]"):rep(1000))
    T.eq(type(ok1), "table")
    local v, err = json.decode(("["):rep(1001) .. ("]"):rep(1001))
    T.eq(v, nil)
    T.eq(err, "json: nesting deeper than 1000 at offset 1000")
    v, err = json.decode(('{"a":'):rep(1001) .. "1" .. ("}"):rep(1001))
    T.eq(v, nil)
    T.eq(err, "json: nesting deeper than 1000 at offset 5000")
    -- far deeper input must fail cleanly, not overflow any stack
    v, err = json.decode(("["):rep(200000))
    T.eq(err, "json: nesting deeper than 1000 at offset 1000")
    -- depth is per nesting, not per container count
    local wide = "[" .. ("[[[]]],"):rep(5000) .. "[]]"
    T.eq(select(2, json.decode(wide)), nil)
    T.eq(#json.decode(wide), 5001)
  end)

  T.test("json: encode argument checks", function()
    T.raises("value expected", json.encode)
    T.raises("json.encode: unknown option 'bogus'", json.encode, 1,
             {bogus = true})
    T.raises("table expected", json.encode, 1, "pretty")
    T.eq(json.encode(1, nil), "1")
    T.eq(json.encode({b = 1, a = 2}, {sort_keys = true}), '{"a":2,"b":1}')
    T.eq(json.encode(true), "true")
    T.eq(json.encode(false), "false")
  end)

  T.test("json: pretty output", function()
    local v = {
      name = "x", tags = json.array(), meta = {}, list = {1, {b = true}},
      ["z key"] = json.null,
    }
    local expected = table.concat({
      '{',
      '  "list": [',
      '    1,',
      '    {',
      '      "b": true',
      '    }',
      '  ],',
      '  "meta": {},',
      '  "name": "x",',
      '  "tags": [],',
      '  "z key": null',
      '}',
    }, "\n")
    T.eq(json.encode(v, {pretty = true}), expected)
    T.eq(json.encode({}, {pretty = true}), "{}")
    T.eq(json.encode({1}, {pretty = true}), "[\n  1\n]")
    T.eq(json.encode("s", {pretty = true}), '"s"')
    T.eq(json.decode(json.encode(v, {pretty = true})), v)
  end)

  T.test("json: sorted keys are byte-ordered", function()
    local v = {b = 1, a = 2, ab = 3, B = 4, [""] = 5, ["a\0"] = 6}
    T.eq(json.encode(v, {sort_keys = true}),
         '{"":5,"B":4,"a":2,"a\\u0000":6,"ab":3,"b":1}')
  end)

  T.test("json: round trip of a mixed document", function()
    local v, err = json.decode(DOC)
    T.eq(err, nil)
    T.eq(v.n[6], 9007199254740993)
    T.eq(v.s, 'a"b\\c/d\b\f\n\r\t\u{e9}\u{1f600}')
    T.ok(v.z == json.null, "null")
    T.ok(json.is_array(v.e) and not json.is_array(v.o), "empties")
    local again = json.decode(json.encode(v))
    T.eq(again, v)
    T.eq(json.encode(again, {sort_keys = true}),
         json.encode(v, {sort_keys = true}))
  end)

  T.test("json: every truncation of a document fails cleanly", function()
    for _, doc in ipairs{DOC, CHUNK} do
      for i = 0, #doc - 1 do
        local prefix = doc:sub(1, i)
        local ok, v, err = pcall(json.decode, prefix)
        T.ok(ok, "raised at length " .. i)
        T.eq(v, nil, "length " .. i)
        T.eq(err, "json: unexpected end of input", "length " .. i)
      end
      T.ok(json.decode(doc) ~= nil, "whole document decodes")
    end
  end)

  T.test("json: byte mutations never raise", function()
    local r = rng(4242)
    local pool = '{}[]",:\\/-+.eE0123456789tfnulrsaxu \n\0\255'
    for _ = 1, 3000 do
      local doc = DOC
      for _ = 1, 1 + r(3) do
        local i = 1 + r(#doc)
        local j = 1 + r(#pool)
        doc = doc:sub(1, i - 1) .. pool:sub(j, j) .. doc:sub(i + 1)
      end
      local ok, v, err = pcall(json.decode, doc)
      T.ok(ok, "raised on " .. doc)
      if v == nil then
        T.eq(type(err), "string")
      elseif v == v then
        local ok2, s = pcall(json.encode, v)
        if ok2 then T.eq(json.decode(s), v) end
      end
    end
  end)

  T.test("json: random garbage never raises", function()
    local r = rng(777)
    local alphabet = '{}[]",:\\tfnule0123456789.-+ '
    for n = 1, 4000 do
      local len = r(40)
      local b = {}
      for i = 1, len do
        if n % 2 == 0 then
          b[i] = string.char(r(256))
        else
          local j = 1 + r(#alphabet)
          b[i] = alphabet:sub(j, j)
        end
      end
      local s = table.concat(b)
      local ok, v, err = pcall(json.decode, s)
      T.ok(ok, "raised on " .. string.format("%q", s))
      T.ok(v ~= nil or type(err) == "string", "no value and no message")
    end
  end)

  T.test("json: cjson stays available and untouched", function()
    local cjson = require("cjson")
    local safe = require("cjson.safe")
    T.eq(cjson.decode("[1,2]")[2], 2)
    T.eq(select(1, safe.decode("[")), nil)
    T.ok(getmetatable(cjson.decode("[]")) == nil, "cjson has no marker")
    -- our encoder accepts what cjson decodes
    T.eq(json.encode(cjson.decode('{"a":[1,null]}')), '{"a":[1,null]}')
  end)
end
