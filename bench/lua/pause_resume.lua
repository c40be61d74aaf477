-- pause+resume pairs on waiting EventWorkflow instances of the preloaded pool.
-- Each thread owns a window of W instances (disjoint from other threads) and walks it in
-- passes: one pass pauses every instance of the window, the next resumes them all. W is far
-- larger than the connections, so no instance has a pause and a resume in flight at once and
-- every request is a real transition (RUNNING -> SUSPENDED -> RUNNING ...).
-- args: prefix, first pool index of the windows, W, number of threads.
dofile(debug.getinfo(1, "S").source:match("^@(.*[/\\])") .. "report.lua")

local prefix, first, window, threads, n = nil, 0, 0, 1, 0

function init(args)
  prefix = args[1]
  first = tonumber(args[2])
  window = tonumber(args[3])
  threads = tonumber(args[4])
end

function request()
  local k = n % window
  local op = (math.floor(n / window) % 2 == 0) and "/pause" or "/resume"
  n = n + 1
  return wrk.format("POST", WORKFLOWS .. prefix .. (first + tid + threads * k) .. op)
end
