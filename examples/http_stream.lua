-- Stream Server-Sent Events from any URL and print each event.
--   openclaw run examples/http_stream.lua URL
local http = require("openclaw.http")

local url = arg[1] or error("usage: openclaw run examples/http_stream.lua URL")
local s <close> = assert(http.stream{ url = url, idle_timeout_ms = 30000 })
local status, msg, code = s:status()
if not status then
  io.stderr:write("failed: ", msg, " (", code, ")\n")
  os.exit(1)
end
print("status", status, s:headers()["content-type"])
for ev in s:events() do
  print(ev.event, ev.id or "-", ev.data)
end
local err, ecode = s:error()
if err then io.stderr:write("stream ended: ", err, " (", ecode, ")\n") end
print("comments seen:", s.comments)
