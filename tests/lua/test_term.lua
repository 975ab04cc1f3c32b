-- Tests of openclaw.term: colours, formatting, the output context and the
-- spinner.
local term = require("openclaw.term")
local oc = require("openclaw")

local function tty(yes)
  return function() return yes end
end

return function(T)
  local sink = T.sink      -- a file-like object that records what is written
  T.test("isatty is false for pipes and never raises", function()
    local out = T.sh(T.quote(T.bin) .. " run - </dev/null <<'EOF'\n"
      .. "print(require('openclaw.term').isatty(1))\nEOF\n")
    T.eq(out, "false\n")
    T.eq(term.isatty(7), false)
  end)

  T.test("color mode from ui.color", function()
    T.eq(term.color_mode(nil), "auto")
    T.eq(term.color_mode({}), "auto")
    T.eq(term.color_mode({ ui = { color = "never" } }), "never")
    T.eq(term.color_mode({ ui = { color = true } }), "always")
    T.eq(term.color_mode({ ui = { color = false } }), "never")
  end)

  T.test("use_color honours NO_COLOR, TERM=dumb, terminals and ui.color",
         function()
    local on = tty(true)
    T.eq(term.use_color(1, { env = {}, isatty = on }), true)
    T.eq(term.use_color(1, { env = {}, isatty = tty(false) }), false)
    T.eq(term.use_color(1, { env = { NO_COLOR = "1" }, isatty = on }), false)
    T.eq(term.use_color(1, { env = { NO_COLOR = "" }, isatty = on }), true)
    T.eq(term.use_color(1, { env = { TERM = "dumb" }, isatty = on }), false)
    T.eq(term.use_color(1, { env = { NO_COLOR = "1" }, isatty = on,
      cfg = { ui = { color = "always" } } }), true)
    T.eq(term.use_color(1, { env = {}, isatty = tty(false),
      cfg = { ui = { color = "always" } } }), true)
    T.eq(term.use_color(1, { env = {}, isatty = on,
      cfg = { ui = { color = "never" } } }), false)
  end)

  T.test("style wraps text only when on", function()
    local on, off = term.style(true), term.style(false)
    T.eq(on.dim("x"), "\27[2mx\27[22m")
    T.eq(on.dim(""), "")
    T.eq(off.dim("x"), "x")
    T.eq(off.red(5), "5")
  end)

  T.test("group and cost", function()
    T.eq(term.group(0), "0")
    T.eq(term.group(999), "999")
    T.eq(term.group(1234), "1,234")
    T.eq(term.group(1234567), "1,234,567")
    T.eq(term.group(-1234), "-1,234")
    T.eq(term.group(12.9), "12")
    T.eq(term.group(nil), "?")
    T.eq(term.cost(0.0042), "$0.0042")
    T.eq(term.cost(0), "$0")
    T.eq(term.cost(0.00001), "<$0.0001")
    T.eq(term.cost(1.5), "$1.50")
    T.eq(term.cost(nil), nil)
  end)

  T.test("usage line", function()
    T.eq(term.usage_line({ model = "anthropic/claude-sonnet-4.5",
      usage = { input = 1234, output = 56, cost = 0.0042 } }),
      "model anthropic/claude-sonnet-4.5 · 1,234 in · 56 out · $0.0042")
    T.eq(term.usage_line({ model = "m", usage = { input = 10, output = 2,
      cache_read = 2000 } }), "model m · 10 in · 2 out · 2,000 cached")
    T.eq(term.usage_line({ ref = "mock/echo" }),
      "model mock/echo · usage unknown")
  end)

  T.test("truncate is UTF-8 aware and one line", function()
    T.eq(term.truncate("hello", 10), "hello")
    T.eq(term.truncate("hello world", 5), "hell…")
    T.eq(term.truncate("héllo wörld", 6), "héllo…")
    T.eq(term.truncate("a\nb\tc", 10), "a b c")
    T.eq(term.truncate(nil, 3), "")
    T.eq(term.truncate("\255\254abc", 10), "??abc")
  end)

  T.test("ago", function()
    T.eq(term.ago(1000, 1030), "just now")
    T.eq(term.ago(1000, 1000 + 300), "5 min ago")
    T.eq(term.ago(1000, 1000 + 7300), "2 h ago")
    T.ok(term.ago(1000, 1000 + 90000):match("^%d%d%d%d%-%d%d%-%d%d %d%d:%d%d$"))
    T.eq(term.ago(nil), "?")
  end)

  T.test("output context writes, flushes and tracks the line", function()
    local out, err = sink(), sink()
    local t = term.new{ stdout = out, stderr = err, env = {},
                        isatty = tty(false) }
    T.eq(t.out_tty, false)
    T.eq(t.out.on, false)
    t:write("abc")
    T.eq(out.flushes, 1)
    T.eq(t:at_line_start(), false)
    t:newline_if_needed(false)
    T.eq(out:text(), "abc\n")
    t:newline_if_needed(false)
    T.eq(out:text(), "abc\n")
    t:eline("note")
    T.eq(err:text(), "note\n")
    T.ok(out.flushes >= 2, "stdout flushed before stderr writes")
    local t2 = term.new{ stdout = out, stderr = err, env = {},
                         isatty = tty(true) }
    T.eq(t2.out_tty, true)
    T.eq(t2.err.on, true)
  end)

  T.test("spinner draws ~10 times a second on a terminal, then erases",
         function()
    local s = sink()
    local sp = term.spinner("waiting", { stream = s, isatty = true,
                                          color = false })
    oc.sleep(350)
    T.ok(sp.frames >= 3 and sp.frames <= 5, "frames: " .. sp.frames)
    T.ok(sp:elapsed_ms() >= 340)
    sp:stop()
    sp:stop()
    local text = s:text()
    T.ok(text:find("waiting 0.0s", 1, true), text)
    T.ok(text:find("waiting 0.3s", 1, true), text)
    T.eq(text:sub(-4), "\r\27[K")
    local n = sp.frames
    oc.sleep(250)
    T.eq(sp.frames, n, "no frame after stop")
  end)

  T.test("spinner stays silent when stderr is not a terminal or during "
         .. "its delay", function()
    local s = sink()
    local sp = term.spinner("x", { stream = s, isatty = false })
    oc.sleep(150)
    sp:stop()
    T.eq(s:text(), "")
    local s2 = sink()
    local sp2 = term.spinner("x", { stream = s2, isatty = true,
                                     delay_ms = 500 })
    oc.sleep(150)
    sp2:stop()
    T.eq(s2:text(), "")
  end)
end
