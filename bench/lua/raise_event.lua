-- raiseEvent of a non-"go" event (named "bench") on waiting EventWorkflow instances of the
-- preloaded pool, round-robin. The workflow ignores it, so the instances stay RUNNING and the
-- store keeps its size: the run can be as long as asked and measures the same store throughout.
-- args: prefix, pool size.
dofile(debug.getinfo(1, "S").source:match("^@(.*[/\\])") .. "report.lua")

local prefix, pool, i
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  prefix = args[1]
  pool = tonumber(args[2])
  i = (tid * 7919) % pool
end

function request()
  i = (i + 1) % pool
  return wrk.format("POST", WORKFLOWS .. prefix .. i .. "/raiseEvent/bench", headers, "1")
end
