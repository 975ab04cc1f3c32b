-- Tools: the model calls Lua functions; the agent runs them (several at
-- once when the model asks for more than one) and sends the results back
-- until the model answers.
--   openclaw run examples/tools.lua ["question"]
--
-- Without an OpenRouter key a mock/script model plays the model's part:
-- it asks for both tools, then answers from their results.
local oc = require("openclaw")

local question = arg[1] or "What time is it, and what is 1234 * 5678?"

local opts = { system = "Use the tools to answer. Be brief." }
if not oc.agent.has_key() then
  print("No OpenRouter key configured: using the offline mock/script model "
    .. "(run 'openclaw onboard' or set OPENROUTER_API_KEY for a real one).")
  opts.model, opts.fallbacks = "mock/script", {}
  opts.params = { script = {
    -- round 1: two tool calls in parallel
    { tool_calls = {
      { name = "now", arguments = {} },
      { name = "multiply", arguments = { a = 1234, b = 5678 } },
    } },
    -- round 2: a step computed from the tool results the agent sent back
    function(request)
      local results = {}
      for _, m in ipairs(request.messages) do
        if m.role == "tool" then results[#results + 1] = m.content end
      end
      return { text = ("It is %s, and 1234 * 5678 = %s."):format(
        results[1], results[2]) }
    end,
  } }
end

local agent = oc.agent(opts)

agent:tool{
  name = "now",
  description = "The current local date and time.",
  parameters = { type = "object", properties = {} },
  run = function() return os.date("%Y-%m-%d %H:%M") end,
}

agent:tool{
  name = "multiply",
  description = "Multiply two integers exactly.",
  parameters = { type = "object", required = { "a", "b" }, properties = {
    a = { type = "integer" }, b = { type = "integer" } } },
  run = function(args)
    -- a tool that raises gives the model an error result, not a crash
    assert(math.type(args.a) == "integer" and math.type(args.b) == "integer",
           "a and b must be integers")
    return tostring(args.a * args.b)
  end,
}

local reply = agent:send(question, {
  on_tool = function(call, result)
    print(("  [tool] %s(%s) -> %s"):format(call.name, call.arguments, result))
  end,
  on_delta = function(text) io.write(text) io.stdout:flush() end,
})
io.write("\n")
if reply.error then
  io.stderr:write("error: ", reply.error.message, "\n")
  os.exit(1)
end
print(("[%d tool call(s), %d model rounds, %d tokens]"):format(
  #reply.tool_calls, reply.rounds, reply.usage.total_tokens))
