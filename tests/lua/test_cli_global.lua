-- Global command-line options: --config FILE.
return function(T)
  -- run the binary (no key; args: shell words): stdout, exit code, stderr
  local function sh(dir, args) return T.cli(dir, args) end
  local write = T.write

  T.test("--config FILE adds a layer, before or after the command", function()
    local dir = T.tmpdir()
    write(dir .. "/extra.lua", 'return { agents = { defaults = { model = '
      .. '{ primary = "mock/echo" } } } }\n')
    local out, code = sh(dir, "--config " .. dir .. "/extra.lua config get "
      .. "agents.defaults.model.primary")
    T.eq(code, 0)
    T.eq(out, "mock/echo\n")
    out, code = sh(dir, "config get agents.defaults.model.primary --config="
      .. dir .. "/extra.lua")
    T.eq(code, 0)
    T.eq(out, "mock/echo\n")
    -- the agent really uses it: mock/echo needs no key and no network
    out, code = sh(dir, "--config " .. dir .. "/extra.lua agent -m "
      .. "'hello there'")
    T.eq(code, 0)
    T.ok(out:find("hello there", 1, true), out)
  end)

  T.test("--config: JSON5 files too; a missing file is one clear line",
         function()
    local dir = T.tmpdir()
    write(dir .. "/extra.json", '{ agents: { defaults: { maxToolRounds: 3, }'
      .. ' } }\n')
    local out, code = sh(dir, "--config " .. dir .. "/extra.json config get "
      .. "agents.defaults.maxToolRounds")
    T.eq(code, 0)
    T.eq(out, "3\n")
    local _, code2, err = sh(dir, "--config " .. dir .. "/nope.lua config "
      .. "get reload")
    T.eq(code2, 1)
    T.ok(err:find("nope.lua", 1, true), err)
    T.eq(select(2, err:gsub("\n", "")), 1, err)
    local _, code3, err3 = sh(dir, "--config")
    T.eq(code3, 2)
    T.ok(err3:find("--config needs a file", 1, true), err3)
  end)

  T.test("run: --config before the script; the script's own args untouched",
         function()
    local dir = T.tmpdir()
    write(dir .. "/extra.lua", 'return { agents = { defaults = { '
      .. 'maxToolRounds = 4 } } }\n')
    write(dir .. "/s.lua", 'print(require("openclaw").config().agents.'
      .. 'defaults.maxToolRounds, ...)\n')
    local out, code = sh(dir, "--config " .. dir .. "/extra.lua run "
      .. "--no-reload " .. dir .. "/s.lua --config x")
    T.eq(code, 0)
    T.eq(out, "4\t--config\tx\n")
  end)
end
