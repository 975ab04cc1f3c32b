-- Tests for openclaw.util (shared helpers) and the shared command-line
-- helpers of openclaw.args (text, unknown_subcommand).
local util = require("openclaw.util")
local args = require("openclaw.args")
local errors = require("openclaw.errors")

-- a file-like stdin holding text
local function input(text)
  return { read = function(_, fmt)
    assert(fmt == "a")
    return text
  end }
end

return function(T)
  T.test("util: first_line, trim, has_text, nonempty", function()
    T.eq(util.first_line("a\nb\nc"), "a")
    T.eq(util.first_line(""), "")
    T.eq(util.first_line(nil), "nil")
    T.eq(util.first_line(42), "42")
    T.eq(util.trim("  a b \n"), "a b")
    T.eq(util.trim(" \t "), "")
    T.eq(util.has_text(" x "), true)
    T.eq(util.has_text("  "), false)
    T.eq(util.has_text(5), false)
    T.eq(util.nonempty("  "), "  ")
    T.eq(util.nonempty(""), nil)
    T.eq(util.nonempty(5), nil)
  end)

  T.test("util: get, copy, deep_equal", function()
    local t = { a = { b = { c = 1 } }, s = "str" }
    T.eq(util.get(t, "a", "b", "c"), 1)
    T.eq(util.get(t, "a", "x", "c"), nil)
    T.eq(util.get(t, "s", "len"), nil)
    T.eq(util.get(t), t)
    local mt = { __index = { extra = true } }
    local src = setmetatable({ list = { 1, 2 }, n = 3 }, mt)
    local c = util.copy(src)
    T.ok(c ~= src and c.list ~= src.list, "new tables")
    T.ok(getmetatable(c) == mt, "metatable kept")
    T.eq(c.list, { 1, 2 })
    T.eq(util.copy("x"), "x")
    T.eq(util.deep_equal({ a = { 1, 2 } }, { a = { 1, 2 } }), true)
    T.eq(util.deep_equal({ a = { 1, 2 } }, { a = { 1, 2, 3 } }), false)
    T.eq(util.deep_equal({ a = 1 }, { a = 1, b = 2 }), false)
    T.eq(util.deep_equal(1, "1"), false)
  end)

  T.test("util: dirname, exists, size_text", function()
    T.eq(util.dirname("a/b/c"), "a/b")
    T.eq(util.dirname("c"), ".")
    T.eq(util.dirname("/c"), "/")
    local dir = T.tmpdir()
    local path = dir .. "/f"
    T.eq(util.exists(path), false)
    local f = assert(io.open(path, "wb"))
    f:close()
    T.eq(util.exists(path), true)
    T.eq(util.size_text(512), "512 bytes")
    T.eq(util.size_text(3 * 1024), "3 KB")
    T.eq(util.size_text(1536 * 1024), "1.5 MB")
  end)

  T.test("args.text: the argument, or standard input for '-'", function()
    T.eq(args.text("hi", {}, "openclaw x", "text", "u"), "hi")
    T.eq(args.text("-", { stdin = input("from stdin\r\n") }, "openclaw x",
                   "text", "u"), "from stdin")
    local ok, e = pcall(args.text, "-", { stdin = input(" \n") },
                        "openclaw tts", "text", "openclaw tts TEXT")
    T.ok(not ok and errors.is(e), "a usage error")
    T.eq(e.kind, "usage")
    T.eq(e.message, "openclaw tts: the text is empty; usage: openclaw tts "
      .. "TEXT")
  end)

  T.test("args.unknown_subcommand: suggestion, else usage", function()
    local ok, e = pcall(args.unknown_subcommand, "lst", { "list", "set" },
                        "openclaw models", "U")
    T.ok(not ok and errors.is(e) and e.kind == "usage", "a usage error")
    T.eq(e.message, "openclaw models: unknown subcommand 'lst' (did you "
      .. "mean 'list'?)")
    ok, e = pcall(args.unknown_subcommand, "zzzzzz", { "list" },
                  "openclaw models", "U")
    T.eq(e.message, "openclaw models: unknown subcommand 'zzzzzz'; usage: U")
  end)
end
