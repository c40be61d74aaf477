-- GET of existing instances, round-robin over the preloaded pool <prefix>0 .. <prefix>(N-1).
-- args: prefix, pool size.
dofile(debug.getinfo(1, "S").source:match("^@(.*[/\\])") .. "report.lua")

local prefix, pool, i

function init(args)
  prefix = args[1]
  pool = tonumber(args[2])
  i = (tid * 7919) % pool -- threads start far apart in the pool
end

function request()
  i = (i + 1) % pool
  return wrk.format("GET", WORKFLOWS .. prefix .. i)
end
