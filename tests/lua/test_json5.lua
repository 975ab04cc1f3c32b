-- Tests of openclaw.json5 (the JSON5 reader for openclaw.json).
local json5 = require("openclaw.json5")
local json = require("openclaw.json")

return function(T)
  local function dec(text)
    local v, err = json5.decode(text, "t.json")
    T.ok(err == nil, "unexpected error: " .. tostring(err))
    return v
  end

  local function bad(text, want)
    local v, err = json5.decode(text, "t.json")
    T.eq(v, nil)
    T.ok(type(err) == "string", "no message for " .. text)
    T.ok(not err:find("\n"), "message has more than one line: " .. err)
    if want then
      T.ok(err:find(want, 1, true), ("%q does not contain %q"):format(err,
                                                                       want))
    end
    return err
  end

  T.test("json5: plain JSON", function()
    local v = dec('{"a": 1, "b": [true, false, null], "c": "x\\ny",' ..
                  ' "d": -2.5e3, "e": {}}')
    T.eq(v.a, 1)
    T.eq(math.type(v.a), "integer")
    T.eq(v.b[1], true)
    T.eq(v.b[2], false)
    T.eq(v.b[3], json.null)
    T.eq(v.c, "x\ny")
    T.eq(v.d, -2500.0)
    T.eq(v.e, {})
    T.eq(dec('"\\u00e9\\ud83d\\ude00\\/"'), "é😀/")
    T.eq(dec("42"), 42)
    T.eq(dec("  [ ]  "), {})
  end)

  T.test("json5: comments and trailing commas", function()
    local v = dec([[
// a line comment
{
  /* a block
     comment */ a: 1, // after a value
  b: [1, 2, 3,],
  c: { d: 'x', },
}
// the end]])
    T.eq(v.a, 1)
    T.eq(v.b, { 1, 2, 3 })
    T.eq(v.c, { d = "x" })
    bad("{a: 1 /* open", "unterminated /* comment")
  end)

  T.test("json5: identifier keys and single quotes", function()
    local v = dec([[{ $id: 1, _x: 2, abc9: 3, café: 4,
                      'k y': 5, s: 'say "hi"', t: 'it\'s' }]])
    T.eq(v["$id"], 1)
    T.eq(v._x, 2)
    T.eq(v.abc9, 3)
    T.eq(v["café"], 4)
    T.eq(v.s, 'say "hi"')
    T.eq(v.t, "it's")
    T.eq(v["k y"], 5)
    bad("{ 'it''s': 5 }", "expected ':' after the key")
    bad("{ 9a: 1 }", "expected a key")
  end)

  T.test("json5: numbers", function()
    T.eq(dec("0x1F"), 31)
    T.eq(dec("-0xff"), -255)
    T.eq(dec("+1"), 1)
    T.eq(dec(".5"), 0.5)
    T.eq(dec("5."), 5.0)
    T.eq(dec("1e3"), 1000.0)
    T.eq(dec("2.5E-1"), 0.25)
    T.eq(dec("Infinity"), math.huge)
    T.eq(dec("-Infinity"), -math.huge)
    T.eq(dec("+Infinity"), math.huge)
    local nan = dec("NaN")
    T.ok(nan ~= nan, "NaN")
    T.eq(math.type(dec("9007199254740993")), "integer")
    T.eq(dec("9007199254740993"), 9007199254740993)
    T.eq(math.type(dec("99999999999999999999")), "float")
    bad("007", "leading zeros")
    bad("0x", "invalid number")
    bad("1.2.3")
    bad("12abc", "invalid number")
    bad("-", "invalid number")
  end)

  T.test("json5: digit separators (180_000)", function()
    T.eq(dec("180_000"), 180000)
    T.eq(math.type(dec("180_000")), "integer")
    T.eq(dec("1_000.5"), 1000.5)
    T.eq(dec("0xFF_FF"), 65535)
    bad("1__0", "'_' must stand between two digits")
    bad("1_", "'_' must stand between two digits")
    bad("1_.5", "'_' must stand between two digits")
    bad("_1", "unexpected word")
  end)

  T.test("json5: strings: escapes and line continuations", function()
    T.eq(dec("'a\\\nb'"), "ab")
    T.eq(dec("'a\\\r\nb'"), "ab")
    T.eq(dec([["\x41\t\v\f\b\0"]]), "A\t\v\f\b\0")
    T.eq(dec([['\q\"']]), 'q"')
    bad("'a\nb'", "unterminated string")
    bad("'abc", "unterminated string")
    bad([["\1"]], "invalid escape")
    bad([["\u12"]], "hex digits")
  end)

  T.test("json5: arrays are marked, objects are not", function()
    local v = dec("{ list: [], obj: {}, nested: [[]] }")
    T.ok(json.is_array(v.list), "empty list is an array")
    T.ok(not json.is_array(v.obj), "empty object is not an array")
    T.ok(json.is_array(v.nested[1]), "nested empty list")
    T.eq(json.encode(v.list), "[]")
    T.eq(json.encode(v.obj), "{}")
  end)

  T.test("json5: whitespace: BOM, NBSP, line separators", function()
    T.eq(dec("\u{FEFF}{a:\u{00A0}1,\u{2028}b:2}"), { a = 1, b = 2 })
    T.eq(dec("{a:1}\r\n"), { a = 1 })
  end)

  T.test("json5: error positions are file:line:col", function()
    local err = bad("{\n  a: 1,\n  b 2\n}")
    T.eq(err, "t.json:3:5: expected ':' after the key, got '2'")
    err = bad("{\n  a: [1, 2\n")
    T.eq(err, "t.json:2:6: unterminated array (missing ']')")
    err = bad("{ a: 1 } x")
    T.eq(err, "t.json:1:10: unexpected 'x' after the end of the value")
    err = bad("{ a: 1 b: 2 }")
    T.eq(err, "t.json:1:8: expected ',' or '}' after a value, got 'b'")
    err = bad("{ a: @ }")
    T.eq(err, "t.json:1:6: unexpected '@'; expected a value")
    err = bad("")
    T.eq(err, "t.json:1:1: unexpected end of input; expected a value")
    err = bad("{ é: 1, \n ü:: 2 }")
    T.eq(err, "t.json:2:4: unexpected ':'; expected a value")
  end)

  T.test("json5: messages never echo a secret", function()
    local key = "sk-or-v1-0123456789abcdef0123456789abcdef"
    for _, text in ipairs({
      "{ apiKey: " .. key .. " }",
      "{ apiKey: '" .. key,
      "{ apiKey: \"" .. key .. "\n\" }",
      "{ apiKey \"" .. key .. "\" }",
      "{ \"" .. key .. "\" }",
    }) do
      local err = bad(text)
      T.ok(not err:find("0123456789", 1, true), "leaked: " .. err)
    end
  end)

  T.test("json5: never raises on bad text", function()
    local good = [[{ a: [1, 'x', { b: null, c: 0x1F, }], d: "e\u0041", }]]
    for i = 0, #good do
      local ok, v, err = pcall(json5.decode, good:sub(1, i), "t")
      T.ok(ok, "raised at prefix " .. i)
      T.ok(v ~= nil or type(err) == "string", "no result at prefix " .. i)
    end
    for _, s in ipairs({ "\0", "{\255}", "[" .. ("["):rep(300),
                         ("["):rep(5000) .. ("]"):rep(5000), "'\\", "/",
                         "{'a'", "{a", "[1,,2]", "{,}" }) do
      local ok, v, err = pcall(json5.decode, s, "t")
      T.ok(ok, "raised on " .. s:sub(1, 20))
      T.eq(v, nil)
      T.ok(type(err) == "string" and not err:find("\n"), "message")
    end
    T.raises("expected a string", function() json5.decode(nil) end)
  end)

  T.test("json5: nesting limit", function()
    local err = bad(("["):rep(1000) .. ("]"):rep(1000), "nesting too deep")
    T.ok(err:find("^t.json:1:%d+:"), err)
    T.eq(#dec(("["):rep(150) .. ("]"):rep(150)), 1)
  end)

  T.test("json5: the user doc's examples", function()
    local v = dec([[
{
env: { OPENROUTER_API_KEY: "sk-or-..." },
agents: {
defaults: {
model: { primary: "openrouter/auto" },
},
},
}]])
    T.eq(v, { env = { OPENROUTER_API_KEY = "sk-or-..." },
              agents = { defaults = { model = {
                primary = "openrouter/auto" } } } })
    v = dec([[
{
env: { OPENROUTER_API_KEY: "sk-or-..." },
agents: {
defaults: {
imageGenerationModel: {
primary: "openrouter/google/gemini-3.1-flash-image-preview",
timeoutMs: 180_000,
},
},
},
}]])
    local igm = v.agents.defaults.imageGenerationModel
    T.eq(igm.primary, "openrouter/google/gemini-3.1-flash-image-preview")
    T.eq(igm.timeoutMs, 180000)
    T.eq(math.type(igm.timeoutMs), "integer")
    v = dec([[
{
messages: {
tts: {
auto: "always",
provider: "openrouter",
providers: {
openrouter: {
model: "hexgrad/kokoro-82m",
voice: "af_alloy",
responseFormat: "mp3",
},
},
},
},
}]])
    T.eq(v.messages.tts.providers.openrouter.voice, "af_alloy")
    T.eq(v.messages.tts.auto, "always")
  end)

  T.test("json5: read_file", function()
    local dir = T.tmpdir()
    local v, err, code = json5.read_file(dir .. "/missing.json")
    T.eq(v, nil)
    T.ok(err:find("missing.json", 1, true), err)
    T.eq(code, "ENOENT")
    local f = assert(io.open(dir .. "/x.json", "w"))
    f:write("{ a: 1, }")
    f:close()
    T.eq(json5.read_file(dir .. "/x.json"), { a = 1 })
    f = assert(io.open(dir .. "/y.json", "w"))
    f:write("{\n a: }")
    f:close()
    v, err = json5.read_file(dir .. "/y.json", "y.json")
    T.eq(v, nil)
    T.eq(err, "y.json:2:5: unexpected '}'; expected a value")
  end)
end
