-- Benchmark for openclaw.json against Debian's lua-cjson 2.1.0.
-- Run: build/openclaw run bench/json_bench.lua [seconds-per-case]
-- Prints decode chunks/s and MB/s for a stream of chat-completion chunks,
-- and encode ops/s for a chunk and for a request payload. Figures are
-- CPU time (os.clock) of a loop in Lua, as the streaming client runs it.
local json = require("openclaw.json")
local ok_cjson, cjson = pcall(require, "cjson.safe")

local budget = tonumber(arg and arg[1]) or 1.0
local clock = os.clock

-- 1000 chunks as OpenRouter streams them: 10 generations of 100 chunks,
-- one id per generation, a short content delta per chunk (~250 bytes).
local words = {"The", " quick", " brown", " fox", " jumps", " over", " the",
               " lazy", " dog", ".\\n", " Then", " it", " naps", ",", " and",
               " \\\"rests\\\"", " a", " while", " longer", " \\u00e9t\\u00e9"}
local chunks, bytes = {}, 0
for i = 1, 1000 do
  local gen = string.format("gen-%d-%s", 1732000000 + i // 100,
                            ("AbCdEfGhIjKlMnOpQrSt"):sub(1 + i // 100))
  local content = words[1 + i % #words] .. words[1 + (i * 7) % #words]
  chunks[i] = '{"id":"' .. gen .. '","object":"chat.completion.chunk",' ..
    '"created":' .. (1732000000 + i // 100) ..
    ',"model":"anthropic/claude-sonnet-4.5","choices":[{"index":0,' ..
    '"delta":{"role":"assistant","content":"' .. content ..
    '"},"finish_reason":null}]}'
  bytes = bytes + #chunks[i]
end
local avg = bytes / #chunks

-- Decode every chunk repeatedly until `budget` seconds of CPU have passed.
local function run(name, f)
  local n, t0 = 0, clock()
  local elapsed
  repeat
    for i = 1, #chunks do f(chunks[i]) end
    n = n + #chunks
    elapsed = clock() - t0
  until elapsed >= budget
  local rate = n / elapsed
  print(string.format("%-38s %9.0f chunks/s %7.1f MB/s", name, rate,
                      rate * avg / 1e6))
  return rate
end

-- Call f repeatedly until `budget` seconds have passed.
local function ops(name, f, size)
  local n, t0 = 0, clock()
  local elapsed
  repeat
    for _ = 1, 1000 do f() end
    n = n + 1000
    elapsed = clock() - t0
  until elapsed >= budget
  local rate = n / elapsed
  print(string.format("%-38s %9.0f ops/s    %7.1f MB/s", name, rate,
                      rate * size / 1e6))
  return rate
end

print(string.format("chunks: %d distinct, %.0f bytes on average",
                    #chunks, avg))
collectgarbage()
local ours = run("decode openclaw.json", json.decode)
collectgarbage()
if ok_cjson then
  local theirs = run("decode cjson.safe", cjson.decode)
  print(string.format("decode: openclaw.json is %.2fx cjson.safe",
                      ours / theirs))
end

-- Encode: a decoded chunk, and a request body with messages and tools.
local chunk_value = json.decode(chunks[1])
local request = {
  model = "anthropic/claude-sonnet-4.5", stream = true, temperature = 0.7,
  max_tokens = 4096, messages = {}, tools = {},
}
for i = 1, 20 do
  request.messages[i] = {role = i % 2 == 1 and "user" or "assistant",
    content = ("Message number " .. i .. " with some text.\n"):rep(8)}
end
for i = 1, 5 do
  request.tools[i] = {type = "function", ["function"] = {
    name = "tool_" .. i, description = "Does thing " .. i,
    parameters = {type = "object", properties = {
      path = {type = "string", description = "A path"},
      n = {type = "integer"}}, required = json.array({"path"})}}}
end
local chunk_len = #json.encode(chunk_value)
local req_len = #json.encode(request)
collectgarbage()
ops("encode chunk openclaw.json", function() json.encode(chunk_value) end,
    chunk_len)
if ok_cjson then
  local plain = cjson.decode(chunks[1])
  ops("encode chunk cjson.safe", function() cjson.encode(plain) end,
      chunk_len)
end
ops(string.format("encode request (%d B) openclaw.json", req_len),
    function() json.encode(request) end, req_len)
ops("encode request sort_keys openclaw.json",
    function() json.encode(request, {sort_keys = true}) end, req_len)
if ok_cjson then
  ops("encode request cjson.safe", function() cjson.encode(request) end,
      req_len)
end
