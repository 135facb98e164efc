-- wrk script for the latency probe (figure c): every connection waits a fixed delay
-- between its requests, so the request pattern is modest and the same with or without a storm.
-- usage: wrk -t1 -c2 -d10s --latency -s probe.lua -H 'Authorization: Bearer ...' URL -- <delay_ms>
local delay_ms = 20

function init(args)
  if args[1] then delay_ms = tonumber(args[1]) end
end

function delay()
  return delay_ms
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,'
    .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"p999_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
