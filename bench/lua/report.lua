-- Shared by every bench script (loaded with dofile): thread numbering and the one JSON line
-- that bench/wrk.py parses out of wrk's output.

local started_threads = 0

-- Runs in wrk's main Lua state once per thread before it starts: number the threads 0..n-1.
function setup(thread)
  thread:set("tid", started_threads)
  started_threads = started_threads + 1
end

WORKFLOWS = "/v1.0/workflows/dapr/"

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,'
      .. '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},'
      .. '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max))
end
