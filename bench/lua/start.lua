-- start of EchoWorkflow with a unique instanceID per request: <run>-<thread id>-<counter>.
-- args: run tag (unique per wrk run against one mock).
dofile(debug.getinfo(1, "S").source:match("^@(.*[/\\])") .. "report.lua")

local run, n = nil, 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  run = args[1]
end

function request()
  n = n + 1
  local path = WORKFLOWS .. "EchoWorkflow/start?instanceID=" .. run .. "-" .. tid .. "-" .. n
  return wrk.format("POST", path, headers, '{"bench":1}')
end
