--- openclaw.json: JSON codec with exact integers, shortest round-trip
--- floats and arrays that survive a round trip (see docs/json.md).
---
--- json.encode(value [, opts]) -> string; raises on values JSON cannot hold
--- json.decode(text) -> value | nil, message; raises only for non-strings
--- json.null, json.array([t]), json.object([t]), json.is_array(v)
local core = require("openclaw.core.json")

return {
  array = core.array,
  decode = core.decode,
  encode = core.encode,
  is_array = core.is_array,
  null = core.null,
  object = core.object,
}
