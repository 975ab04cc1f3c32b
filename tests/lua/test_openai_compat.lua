-- Tests for providers.openai_compat: body building, stream decoding, usage.
-- Vector ids (M61, ...) refer to /work/shared/spec/openrouter-vectors.md.
local oc = require("providers.openai_compat")
local json = require("openclaw.json")

-- A realistic stream chunk (valid against ChatStreamChunk).
local function chunk(delta, finish, extra)
  local c = { id = "gen-1", object = "chat.completion.chunk", created = 1,
              model = "anthropic/claude-sonnet-4.5",
              choices = { { index = 0, delta = delta or {},
                            finish_reason = finish or json.null } } }
  for k, v in pairs(extra or {}) do c[k] = v end
  return c
end

local function feed_all(state, chunks)
  local deltas = {}
  for _, c in ipairs(chunks) do
    for _, d in ipairs(oc.decode_chunk(state, c)) do deltas[#deltas + 1] = d end
  end
  return deltas
end

local function near(a, b) return math.abs(a - b) < 1e-12 end

return function(T)
  T.test("build_body: roles, tools, stream options", function()
    local body, warnings = oc.build_body({
      model = "openai/gpt-5.4",
      messages = {
        { role = "system", content = "Be brief." },
        { role = "user", content = "What time is it?" },
        { role = "assistant", content = "",
          tool_calls = { { id = "call_1", name = "now", arguments = "{}" } } },
        { role = "tool", tool_call_id = "call_1", content = "12:00" },
        { role = "assistant", content = "Noon." },
      },
      tools = { { name = "now", description = "current time",
                  parameters = { type = "object", properties = {} },
                  strict = true } },
      max_tokens = 100, temperature = 0.2,
    })
    T.schema("ChatRequest", body)
    T.eq(warnings, {})
    T.eq(body.stream, true)
    T.eq(body.stream_options, { include_usage = true })
    T.eq(body.max_completion_tokens, 100)
    T.eq(body.max_tokens, nil)
    T.eq(body.temperature, 0.2)
    T.eq(body.store, nil)
    T.eq(body.messages[1], { role = "system", content = "Be brief." })
    T.eq(body.messages[3].content, json.null)
    T.eq(body.messages[3].tool_calls, { { id = "call_1", type = "function",
      ["function"] = { name = "now", arguments = "{}" } } })
    T.eq(body.messages[4], { role = "tool", content = "12:00",
                             tool_call_id = "call_1" })
    T.eq(body.tools, { { type = "function", ["function"] = {
      name = "now", description = "current time",
      parameters = { type = "object", properties = {} } } } })
    T.eq(body.tools[1]["function"].strict, nil)
  end)

  T.test("build_body: developer role becomes system", function()
    local body = oc.build_body({ model = "m", messages = {
      { role = "developer", content = "rules" }, { role = "user", content = "hi" } } })
    T.schema("ChatRequest", body)
    T.eq(body.messages[1].role, "system")
  end)

  T.test("build_body: empty tools array when history has tool calls", function()
    local body = oc.build_body({ model = "m", messages = {
      { role = "user", content = "go" },
      { role = "assistant", tool_calls = { { id = "c1", name = "f",
                                             arguments = '{"a":1}' } } },
      { role = "tool", tool_call_id = "c1", content = "done" },
    } })
    T.schema("ChatRequest", body)
    T.ok(json.is_array(body.tools), "tools is a JSON array")
    T.eq(#body.tools, 0)
    T.eq(json.encode(body.tools), "[]")
  end)

  T.test("build_body: images as data URLs, tool-result images follow", function()
    local body, warnings = oc.build_body({ model = "m", messages = {
      { role = "user", content = {
        { type = "text", text = "What is this?" },
        { type = "image", mime = "image/jpeg", data = "AAAA" },
        { type = "image", url = "https://example.com/a.png" } } },
      { role = "assistant", tool_calls = { { id = "c1", name = "shot",
                                             arguments = "{}" } } },
      { role = "tool", tool_call_id = "c1", content = {
        { type = "text", text = "captured" },
        { type = "image", mime = "image/png", data = "BBBB" } } },
    } })
    T.schema("ChatRequest", body)
    T.eq(warnings, {})
    T.eq(body.messages[1].content, {
      { type = "text", text = "What is this?" },
      { type = "image_url", image_url = { url = "data:image/jpeg;base64,AAAA" } },
      { type = "image_url", image_url = { url = "https://example.com/a.png" } },
    })
    T.eq(body.messages[3], { role = "tool", content = "captured",
                             tool_call_id = "c1" })
    T.eq(body.messages[4], { role = "user", content = {
      { type = "text", text = "Attached image(s) from tool result:" },
      { type = "image_url", image_url = { url = "data:image/png;base64,BBBB" } },
    } })
  end)

  T.test("build_body: images dropped when the model has no image input", function()
    local body, warnings = oc.build_body({ model = "m", messages = {
      { role = "user", content = { { type = "text", text = "see" },
        { type = "image", mime = "image/png", data = "AAAA" } } } } },
      { supports_images = false })
    T.schema("ChatRequest", body)
    T.eq(body.messages[1].content, { { type = "text", text = "see" } })
    T.eq(#warnings, 1)
    T.ok(warnings[1]:find("1 image(s) were not sent", 1, true), warnings[1])
  end)

  T.test("build_body: empty assistant turns skipped, reasoning replayed", function()
    local body = oc.build_body({ model = "m", messages = {
      { role = "user", content = "hi" },
      { role = "assistant", content = "" },
      { role = "assistant", content = nil, reasoning = "only thoughts" },
      { role = "assistant", content = { { type = "text", text = "Hel" },
                                        { type = "text", text = "lo" } },
        reasoning = "thinking...", reasoning_field = "reasoning_content",
        reasoning_details = { { type = "reasoning.text", text = "thinking...",
                                index = 0 } } },
      { role = "assistant", content = "x", reasoning = "r",
        reasoning_field = "evil_field" },
      { role = "user", content = "again" },
    } })
    T.schema("ChatRequest", body)
    T.eq(#body.messages, 4)
    T.eq(body.messages[2], { role = "assistant", content = "Hello",
      reasoning_content = "thinking...",
      reasoning_details = { { type = "reasoning.text", text = "thinking...",
                              index = 0 } } })
    T.eq(body.messages[3], { role = "assistant", content = "x", reasoning = "r" })
  end)

  T.test("build_body: stream=false has no stream_options", function()
    local body = oc.build_body({ model = "m", stream = false,
      messages = { { role = "user", content = "hi" } } })
    T.schema("ChatRequest", body)
    T.eq(body.stream, false)
    T.eq(body.stream_options, nil)
    local body2 = oc.build_body({ model = "m",
      messages = { { role = "user", content = "hi" } } },
      { supports_usage_in_streaming = false })
    T.eq(body2.stream_options, nil)
  end)

  T.test("M61 comments ignored; mid-stream error keeps raw metadata", function()
    local st = oc.new_stream_state({ model = "anthropic/claude-sonnet-4.5" })
    T.eq(oc.decode_chunk(st, ": OPENROUTER PROCESSING"), {})
    T.eq(oc.decode_chunk(st, json.encode(chunk({ content = "Hi" }))),
         { { type = "text", text = "Hi" } })
    local d = oc.decode_chunk(st, '{"error":{"message":"Rate limit exceeded",'
      .. '"code":429,"metadata":{"raw":"upstream busy"}}}')
    T.eq(d, { { type = "error", message = "Rate limit exceeded\nupstream busy",
                code = 429 } })
    local res = oc.finish(st)
    T.eq(res.stop_reason, "error")
    T.eq(res.error, "Rate limit exceeded\nupstream busy")
    T.eq(res.text, "Hi")
    -- raw already contained in the message is not repeated
    local st2 = oc.new_stream_state()
    oc.decode_chunk(st2, { error = { message = "upstream busy: retry",
                                     code = 502, metadata = { raw = "upstream busy" } } })
    T.eq(oc.finish(st2).error, "upstream busy: retry")
  end)

  T.test("M62 usage: cache reads, estimate, provider-billed cost", function()
    local u = oc.parse_usage({ prompt_tokens = 100, completion_tokens = 20,
      prompt_tokens_details = { cached_tokens = 40 }, cost = 0.0012 },
      { input = 3, output = 15, cache_read = 0.3 })
    T.eq(u.input, 60)
    T.eq(u.output, 20)
    T.eq(u.cache_read, 40)
    T.eq(u.cache_write, 0)
    T.eq(u.total_tokens, 120)
    T.ok(near(u.cost.input, 0.00018), u.cost.input)
    T.ok(near(u.cost.output, 0.0003), u.cost.output)
    T.ok(near(u.cost.cache_read, 0.000012), u.cost.cache_read)
    T.ok(near(u.cost.estimate, 0.000492), u.cost.estimate)
    T.eq(u.cost.total, 0.0012)
    T.eq(u.cost.total_origin, "provider-billed")
    -- explicit zero cost is preserved; no cost -> estimate
    T.eq(oc.parse_usage({ prompt_tokens = 1, completion_tokens = 1, cost = 0 })
         .cost.total_origin, "provider-billed")
    local e = oc.parse_usage({ prompt_tokens = 10.0, completion_tokens = 5.0 },
                             { input = 1, output = 2 })
    T.eq(e.cost.total_origin, "estimate")
    T.ok(near(e.cost.total, 0.00002), e.cost.total)
    T.eq(math.type(e.input), "integer")
    T.eq(oc.parse_usage("garbage"), nil)
  end)

  T.test("M62 usage in the final chunk of a stream", function()
    local st = oc.new_stream_state({ model = "m", cost = { input = 3, output = 15,
                                                           cache_read = 0.3 } })
    feed_all(st, { chunk({ content = "ok" }), chunk({}, "stop"),
      { id = "gen-1", object = "chat.completion.chunk", created = 1, model = "m",
        choices = {}, usage = { prompt_tokens = 100, completion_tokens = 20,
          total_tokens = 120, prompt_tokens_details = { cached_tokens = 40 },
          cost = 0.0012 } } })
    local res = oc.finish(st)
    T.eq(res.usage.total_tokens, 120)
    T.eq(res.usage.cost.total, 0.0012)
    T.eq(res.stop_reason, "stop")
  end)

  T.test("M63 missing finish_reason and content_filter are errors", function()
    local st = oc.new_stream_state()
    feed_all(st, { chunk({ content = "partial" }) })
    local res = oc.finish(st)
    T.eq(res.stop_reason, "error")
    T.eq(res.error, "Stream ended without finish_reason")
    local st2 = oc.new_stream_state()
    feed_all(st2, { chunk({ content = "x" }), chunk({}, "content_filter") })
    local r2 = oc.finish(st2)
    T.eq(r2.stop_reason, "error")
    T.eq(r2.error, "Provider finish_reason: content_filter")
    T.eq({ oc.map_finish_reason("network_error") },
         { "error", "Provider finish_reason: network_error" })
    T.eq({ oc.map_finish_reason("length") }, { "length" })
    T.eq({ oc.map_finish_reason("end") }, { "stop" })
    T.eq({ oc.map_finish_reason("function_call") }, { "toolUse" })
  end)

  T.test("stream: text, reasoning field, response id and model", function()
    local st = oc.new_stream_state({ model = "openrouter/auto" })
    local chunks = {
      chunk({ role = "assistant", reasoning = "Let me " }),
      chunk({ reasoning = "think." }),
      chunk({ content = "Hello" }),
      chunk({ content = " world" }, "stop"),
    }
    for _, c in ipairs(chunks) do T.schema("ChatStreamChunk", c) end
    local deltas = feed_all(st, chunks)
    T.eq(deltas, {
      { type = "reasoning", text = "Let me ", field = "reasoning" },
      { type = "reasoning", text = "think.", field = "reasoning" },
      { type = "text", text = "Hello" },
      { type = "text", text = " world" },
    })
    local res = oc.finish(st)
    T.eq(res.text, "Hello world")
    T.eq(res.reasoning, "Let me think.")
    T.eq(res.reasoning_field, "reasoning")
    T.eq(res.response_id, "gen-1")
    T.eq(res.model, "anthropic/claude-sonnet-4.5")
    T.eq(res.stop_reason, "stop")
    T.eq(res.finish_reason, "stop")
    T.eq(res.tool_calls, {})
    local st2 = oc.new_stream_state()
    feed_all(st2, { { choices = { { delta = { reasoning_content = "rc" } } } } })
    T.eq(oc.finish(st2).reasoning_field, "reasoning_content")
  end)

  T.test("stream: interleaved tool calls assembled by index", function()
    local st = oc.new_stream_state()
    local chunks = {
      chunk({ tool_calls = { { index = 0, id = "call_a", type = "function",
        ["function"] = { name = "read", arguments = "" } } } }),
      chunk({ tool_calls = { { index = 1, id = "call_b", type = "function",
        ["function"] = { name = "write", arguments = '{"p' } } } }),
      chunk({ tool_calls = { { index = 0, ["function"] = { arguments = '{"f":' } } } }),
      chunk({ tool_calls = { { index = 1, ["function"] = { arguments = '":2}' } } } }),
      chunk({ tool_calls = { { index = 0, ["function"] = { arguments = '"x"}' } } } }),
      chunk({}, "tool_calls"),
    }
    for _, c in ipairs(chunks) do T.schema("ChatStreamChunk", c) end
    local deltas = feed_all(st, chunks)
    T.eq(deltas[3], { type = "tool_call_delta", index = 0, id = "call_a",
                      name = "read", fragment = '{"f":' })
    local res = oc.finish(st)
    T.eq(res.stop_reason, "toolUse")
    T.eq(res.tool_calls, {
      { id = "call_a", name = "read", arguments = '{"f":"x"}', args = { f = "x" } },
      { id = "call_b", name = "write", arguments = '{"p":2}', args = { p = 2 } },
    })
  end)

  T.test("stream: id fallback when every call arrives at index 0", function()
    local st = oc.new_stream_state()
    feed_all(st, {
      chunk({ tool_calls = { { index = 0, id = "c1",
        ["function"] = { name = "a", arguments = "{}" } } } }),
      chunk({ tool_calls = { { index = 0, id = "c2",
        ["function"] = { name = "b", arguments = "{" } } } }),
      chunk({ tool_calls = { { index = 0, ["function"] = { arguments = "}" } } } }),
      chunk({ tool_calls = { { id = "c1", ["function"] = { arguments = "" } } } }),
      chunk({}, "tool_calls"),
    })
    local res = oc.finish(st)
    T.eq(#res.tool_calls, 2)
    T.eq(res.tool_calls[1].name, "a")
    T.eq(res.tool_calls[2], { id = "c2", name = "b", arguments = "{}", args = {} })
  end)

  T.test("stream: stop-reason corrections", function()
    -- toolUse without tool calls -> stop
    local st = oc.new_stream_state()
    feed_all(st, { chunk({ content = "hi" }, "tool_calls") })
    T.eq(oc.finish(st).stop_reason, "stop")
    -- stop with tool calls and no visible text -> toolUse
    local st2 = oc.new_stream_state()
    feed_all(st2, { chunk({ content = "  ", tool_calls = { { index = 0, id = "c",
      ["function"] = { name = "f", arguments = "{}" } } } }, "stop") })
    local r2 = oc.finish(st2)
    T.eq(r2.stop_reason, "toolUse")
    T.eq(#r2.tool_calls, 1)
    -- stop with text and tool calls -> stop, calls dropped
    local st3 = oc.new_stream_state()
    feed_all(st3, { chunk({ content = "answer", tool_calls = { { index = 0,
      id = "c", ["function"] = { name = "f", arguments = "{}" } } } }, "stop") })
    local r3 = oc.finish(st3)
    T.eq(r3.stop_reason, "stop")
    T.eq(r3.tool_calls, {})
    -- length with tool calls -> calls dropped
    local st4 = oc.new_stream_state()
    feed_all(st4, { chunk({ tool_calls = { { index = 0, id = "c",
      ["function"] = { name = "f", arguments = '{"a"' } } } }, "length") })
    local r4 = oc.finish(st4)
    T.eq(r4.stop_reason, "length")
    T.eq(r4.tool_calls, {})
    -- missing id gets a fallback id; empty arguments become {}
    local st5 = oc.new_stream_state()
    feed_all(st5, { chunk({ tool_calls = { { index = 0,
      ["function"] = { name = "f" } } } }, "tool_calls") })
    T.eq(oc.finish(st5).tool_calls, { { id = "call_0", name = "f",
                                        arguments = "{}", args = {} } })
  end)

  T.test("stream: [DONE], invalid JSON, reasoning_details merge", function()
    T.eq(oc.is_done("[DONE]"), true)
    T.eq(oc.is_done(" [DONE]\n"), true)
    T.eq(oc.is_done('{"a":1}'), false)
    local dec = oc.new_decoder({ model = "m" })
    dec.feed(chunk({ reasoning_details = { { type = "reasoning.text",
      text = "a", index = 0, format = "unknown" } } }))
    dec.feed(chunk({ reasoning_details = { { type = "reasoning.text",
      text = "b", index = 0 } } }))
    dec.feed(chunk({ reasoning_details = { { type = "reasoning.encrypted",
      data = "QUJD", id = "tool_1", index = 1 } } }, "stop"))
    T.eq(dec.feed("[DONE]"), {})
    T.eq(dec.done(), true)
    local res = dec.finish()
    T.eq(res.reasoning_details, {
      { type = "reasoning.text", text = "ab", index = 0, format = "unknown" },
      { type = "reasoning.encrypted", data = "QUJD", id = "tool_1", index = 1 },
    })
    local st = oc.new_stream_state()
    local d = oc.decode_chunk(st, "{not json")
    T.eq(d[1].type, "error")
    T.eq(oc.finish(st).stop_reason, "error")
  end)

  T.test("stream: images in deltas", function()
    local st = oc.new_stream_state()
    local d = feed_all(st, { chunk({ images = { { type = "image_url",
      image_url = { url = "data:image/png;base64,AAAA" } } } }, "stop") })
    T.eq(d, { { type = "image", url = "data:image/png;base64,AAAA" } })
    T.eq(oc.finish(st).images, { "data:image/png;base64,AAAA" })
  end)

  T.test("decode_result: non-streaming response", function()
    local resp = { id = "gen-9", object = "chat.completion", created = 1,
      model = "openai/gpt-5.4", system_fingerprint = json.null,
      choices = { { index = 0, finish_reason = "tool_calls", message = {
        role = "assistant", content = json.null, reasoning = "hmm",
        tool_calls = { { id = "t1", type = "function",
          ["function"] = { name = "now", arguments = "{}" } } } } } },
      usage = { prompt_tokens = 5, completion_tokens = 2, total_tokens = 7 } }
    T.schema("ChatResult", resp)
    local res = oc.decode_result(resp, { model = "openai/gpt-5.4" })
    T.eq(res.stop_reason, "toolUse")
    T.eq(res.tool_calls, { { id = "t1", name = "now", arguments = "{}", args = {} } })
    T.eq(res.reasoning, "hmm")
    T.eq(res.response_id, "gen-9")
    T.eq(res.usage.total_tokens, 7)
    local plain = oc.decode_result({ id = "g", choices = { { index = 0,
      finish_reason = json.null, message = { role = "assistant",
                                             content = "hi" } } } })
    T.eq(plain.stop_reason, "stop")
    T.eq(plain.text, "hi")
    local err = oc.decode_result({ error = { message = "bad", code = 400 } })
    T.eq(err.stop_reason, "error")
    T.eq(err.error, "bad")
    T.eq(oc.decode_result("nope").stop_reason, "error")
  end)
end
