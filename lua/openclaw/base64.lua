--- openclaw.base64: RFC 4648 base64 (see docs/json.md).
---
--- base64.encode(s [, {url = true}]) -> string
--- base64.decode(s) -> string | nil, message
local core = require("openclaw.core.base64")

return {
  decode = core.decode,
  encode = core.encode,
}
