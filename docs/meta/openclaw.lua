---@meta
-- LuaLS stubs for the openclaw host API. Add docs/meta to
-- workspace.library in .luarc.json to get completion and type checks.

---@class openclaw.Task
local Task = {}
---Wait for the task; returns its results or re-raises its error.
---@return any ...
function Task:wait() end
---Cancel the task (it gets the error openclaw.CANCELLED at its wait).
function Task:cancel() end
---@return "ready"|"running"|"waiting"|"done"|"failed"|"cancelled"
function Task:status() end
---@return any err, string? traceback
function Task:error() end

---@class openclaw
---@field version string
---@field INTERRUPTED table error raised by Ctrl-C
---@field CANCELLED table error raised in a cancelled task
---@field http openclaw.http
---@field json openclaw.json
---@field base64 openclaw.base64
local openclaw = {}

---Start fn(...) as a task.
---@param fn function
---@return openclaw.Task
function openclaw.spawn(fn, ...) end

---Run functions concurrently; their first results, in order.
---@param fns function[]
---@return any ...
function openclaw.all(fns) end

---Suspend the calling task.
---@param ms number
function openclaw.sleep(ms) end

---Monotonic clock, milliseconds.
---@return number
function openclaw.now() end

---@class openclaw.Reply
---@field text string
---@field reasoning? string
---@field tool_calls table[]
---@field usage {input: integer, output: integer, cache_read: integer, cache_write: integer, total_tokens: integer, cost?: number}
---@field model? string the model that answered
---@field ref string the model ref used
---@field error? {message: string, reason: string, fix?: string, status?: integer, code?: string}
---@field attempts table[]
---@field session_id? string

---@class openclaw.Agent
---@field messages table[]
---@field session_id? string
local Agent = {}
---Add a tool {name, description, parameters, run = function(args, ctx)}.
---@return openclaw.Agent
function Agent:tool(t) end
---One turn: streams, runs tools, fails over; never raises for runtime
---failures (reply.error is set).
---@param input string|table
---@param opts? {on_delta?: fun(text: string), on_reasoning?: fun(text: string), on_tool?: fun(call: table, result: string), on_event?: fun(ev: table), model?: string, thinking?: string, params?: table}
---@return openclaw.Reply
function Agent:send(input, opts) end
---Forget the history (new session id when persisting).
function Agent:reset() end

---Create an agent. Options: model, fallbacks, system, thinking, params,
---tools, session, config, max_tool_rounds, env.
---@param opts? table
---@return openclaw.Agent
function openclaw.agent(opts) end

---The current configuration (hot-reloaded in long-running modes).
---@return table
function openclaw.config() end
---Call fn(cfg, changed) after each reload; returns an unsubscribe function.
---@param fn fun(cfg: table, changed: string[])
---@return fun()
function openclaw.on_reload(fn) end
---Reload the config and the reloadable modules now.
---@return string[]|nil changed, string? message
function openclaw.reload() end

---@class openclaw.tools
local tools = {}
---Generate images (OpenRouter image model); files under <state>/media or opts.out.
---@param opts {prompt: string, aspectRatio?: string, resolution?: string, count?: integer, images?: string[], timeoutMs?: integer, out?: string, model?: string}
---@return {images: {path: string, mime: string, bytes: integer}[], text?: string, model: string}|nil, string? message, string? code
function tools.image_generate(opts) end
---Text to speech; the audio file's path.
---@param opts {text: string, voice?: string, model?: string, format?: "mp3"|"pcm", speed?: number, out?: string}
---@return {path: string, format: string, bytes: integer, model: string, voice: string}|nil, string? message, string? code
function tools.tts(opts) end
---The tool table of a built-in tool (for agent:tool), or nil.
---@param name string
---@return table|nil
function tools.get(name) end
openclaw.tools = tools

---@class openclaw.http.Options
---@field url string
---@field method? string
---@field headers? table<string, string|number>
---@field body? string
---@field timeout_ms? number
---@field connect_timeout_ms? number
---@field max_body_bytes? number
---@field idle_timeout_ms? number streams only
---@field max_event_bytes? number streams only

---@class openclaw.http.Response
---@field status integer
---@field headers table<string, string>
---@field body string

---@class openclaw.http.Event
---@field event string
---@field data string
---@field id? string
---@field retry? integer

---@class openclaw.http.Stream
---@field comments integer
local Stream = {}
---@return integer|nil status, string? message, string? code
function Stream:status() end
---@return table<string,string>|nil headers, string? message, string? code
function Stream:headers() end
---@return fun(): openclaw.http.Event|nil, string?, string?
function Stream:events() end
---@return fun(): string|nil, string?, string?
function Stream:data() end
---@return fun(): string|nil, string?, string?
function Stream:chunks() end
---Each event's data decoded as JSON in C: value, or false, data when the
---data is not JSON (e.g. "[DONE]").
---@return fun(): any, string?, string?
function Stream:json() end
---@return string|nil message, string? code
function Stream:error() end
function Stream:close() end

---@class openclaw.http
local http = {}
---@param opts openclaw.http.Options
---@return openclaw.http.Response|nil, string? message, string? code
function http.request(opts) end
---@param opts openclaw.http.Options
---@return openclaw.http.Stream|nil, string? message, string? code
function http.stream(opts) end

---@class openclaw.json
---@field null lightuserdata
local json = {}
---@param v any
---@param opts? {pretty?: boolean, sort_keys?: boolean}
---@return string
function json.encode(v, opts) end
---@param s string
---@return any|nil value, string? message
function json.decode(s) end
---@generic T: table
---@param t? T
---@return T
function json.array(t) end
---@generic T: table
---@param t? T
---@return T
function json.object(t) end
---@return boolean
function json.is_array(t) end

---@class openclaw.base64
local base64 = {}
---@param s string
---@param opts? {url?: boolean}
---@return string
function base64.encode(s, opts) end
---@param s string
---@return string|nil, string? message
function base64.decode(s) end

return openclaw
