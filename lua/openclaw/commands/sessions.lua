--- `openclaw sessions`: the saved conversations.
--
--   openclaw sessions [list] [--json]
--
-- Lists <state_dir>/sessions/*.jsonl, newest first: id, message count,
-- last update and the last user message (truncated). --json prints an
-- array of {id, messages, updated (epoch seconds), last_user_text, path}.
-- ctx (optional, for tests): stdout, stderr, env, isatty, shipped.
local args = require("openclaw.args")
local errors = require("openclaw.errors")
local config = require("openclaw.config")
local json = require("openclaw.json")
local term = require("openclaw.term")

local M = {
  name = "sessions",
  summary = "list saved conversations (continue one with --session-id)",
  usage = "openclaw sessions [list] [--json]",
  help = [[
subcommands:
  list [--json]    every session in <state dir>/sessions, newest first:
                   id, messages, last update, last user message

Continue a session with 'openclaw agent --session-id ID -m TEXT' or
'openclaw chat --session-id ID'. The state dir is ~/.openclaw, or
$OPENCLAW_STATE_DIR.]],
}

local SUBCOMMANDS = { "list" }

local function list(argv, ctx)
  local opts = args.parse(argv, { flags = { ["--json"] = "boolean" },
    max = 0, command = "openclaw sessions list",
    usage = "openclaw sessions list [--json]" })
  local out = ctx.stdout or io.stdout
  local err = ctx.stderr or io.stderr
  local paths = config.paths(ctx.env)
  local session = require("openclaw.session")
  local ok, rows = pcall(session.list, paths.state_dir)
  if not ok then
    errors.fail("cannot list sessions in %s: %s",
      config.display(session.dir(paths.state_dir), paths.home),
      tostring(rows):match("^[^\n]*"))
  end
  if opts.json then
    local arr = json.array({})
    for i, r in ipairs(rows) do
      arr[i] = { id = r.id, messages = r.messages or 0,
        updated = r.updated or json.null,
        last_user_text = r.last_user_text or json.null,
        path = r.path or json.null }
    end
    out:write(json.encode(arr), "\n")
    return 0
  end
  if #rows == 0 then
    err:write(("no sessions yet in %s; start one with 'openclaw chat' or "
      .. "'openclaw agent --session-id ID -m TEXT'\n"):format(
      config.display(session.dir(paths.state_dir), paths.home)))
    return 0
  end
  local t = term.new{ stdout = out, stderr = err, env = ctx.env,
                      isatty = ctx.isatty }
  local idw = 2
  for _, r in ipairs(rows) do
    if #r.id > idw then idw = #r.id end
  end
  local fmt = "%-" .. idw .. "s  %8s  %-16s  %s"
  local lines = { t.out.dim(fmt:format("ID", "MESSAGES", "UPDATED",
                                        "LAST MESSAGE"):gsub("%s+$", "")) }
  for _, r in ipairs(rows) do
    lines[#lines + 1] = (fmt:format(r.id, tostring(r.messages or 0),
      term.ago(r.updated), term.truncate(r.last_user_text or "", 50))
      :gsub("%s+$", ""))
  end
  out:write(table.concat(lines, "\n"), "\n")
  return 0
end

function M.run(argv, ctx)
  ctx = ctx or {}
  local sub = argv[1]
  if sub == nil or sub:sub(1, 1) == "-" then
    return list(argv, ctx)
  end
  if sub == "list" or sub == "ls" then
    return list(table.move(argv, 2, #argv, 1, {}), ctx)
  end
  args.unknown_subcommand(sub, SUBCOMMANDS, "openclaw sessions", M.usage)
end

return M
