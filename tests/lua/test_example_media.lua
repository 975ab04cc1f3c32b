-- examples/media_concurrent.lua: three images and a narration at once.
local base64 = require("openclaw.base64")

-- a valid 1x1 PNG
local PNG = base64.decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAA" ..
  "DUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

return function(T)
  T.test("images and narration run concurrently; files written", function()
    T.server_reset()
    -- every request takes 500 ms: run one after another they would take
    -- 2 s, concurrently about 0.5 s
    T.server_rules({
      { model = "google/gemini-3.1-flash-image-preview", response = {
        delay_ms = 500, text = "here",
        images = { { mime = "image/png", b64 = base64.encode(PNG) } } } },
      { model = "hexgrad/kokoro-82m", response = { delay_ms = 500,
        audio_b64 = base64.encode("ID3\3\0\0\0\0\0\0" .. ("x"):rep(200)),
        content_type = "audio/mpeg" } },
    })
    local dir = T.state_dir()
    local out, code = T.cli(dir, { "run",
      T.root .. "/examples/media_concurrent.lua", "a red fox", dir .. "/out" },
      { key = "sk-or-test-1234567890", stderr_to_stdout = true })
    T.eq(code, 0, out)
    local n = 0
    for path in out:gmatch("(/%S+%.png)") do
      n = n + 1
      T.ok(io.open(path) ~= nil, path)
    end
    T.eq(n, 3, out)
    T.ok(out:find(dir .. "/out/narration.mp3", 1, true), out)
    local ms = tonumber(out:match("all 4 requests done in (%d+) ms"))
    T.ok(ms and ms < 1500, "took " .. tostring(ms) .. " ms:\n" .. out)
    local speech, images = 0, 0
    for _, r in ipairs(T.server_log()) do
      T.eq(r.schema_errors, {}, r.path)
      if r.path == "/api/v1/audio/speech" then speech = speech + 1 end
      if r.path == "/api/v1/chat/completions" then images = images + 1 end
    end
    T.eq({ speech, images }, { 1, 3 })
  end)
end
