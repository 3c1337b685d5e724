-- wrk script for bench/run.py: adds the auth header and prints machine-readable results.
--   BENCH_HEADER_NAME / BENCH_HEADER_VALUE: one extra request header (Cookie or Authorization).
-- The done() hook prints one line:
--   BENCH_RESULT requests=N duration_s=S rps=R p50_ms=.. p95_ms=.. p99_ms=.. max_ms=.. errors=.. non2xx=..

local name = os.getenv("BENCH_HEADER_NAME")
local value = os.getenv("BENCH_HEADER_VALUE")
if name ~= nil and name ~= "" then
  wrk.headers[name] = value
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT requests=%d duration_s=%.3f rps=%.2f p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f"
      .. " max_ms=%.3f errors=%d non2xx=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000,
    e.connect + e.read + e.write + e.timeout, e.status))
end
