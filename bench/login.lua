-- wrk script for the login storms (figures b and d): POST /auth/login as the bench users,
-- round-robin, and count the 200s in the response() callback (other statuses are not logins).
-- usage: wrk ... -s login.lua URL -- <n_users> <email_prefix> <password>
local threads = {}
local counter_seed = 0

function setup(thread)
  thread:set("thread_no", counter_seed)
  counter_seed = counter_seed + 1
  table.insert(threads, thread)
end

function init(args)
  n_users = tonumber(args[1]) or 1
  prefix = args[2] or "bench-user-"
  password = args[3] or ""
  ok_count = 0
  other_count = 0
  -- start the threads at different users
  next_user = (thread_no or 0) * 17
  wrk.headers["Content-Type"] = "application/json"
end

function request()
  local i = next_user % n_users
  next_user = next_user + 1
  local body = string.format('{"email":"%s%d@example.com","password":"%s"}', prefix, i, password)
  return wrk.format("POST", "/auth/login", nil, body)
end

function response(status, headers, body)
  if status == 200 then
    ok_count = ok_count + 1
  else
    other_count = other_count + 1
  end
end

function done(summary, latency, requests)
  local ok, other = 0, 0
  for _, thread in ipairs(threads) do
    ok = ok + thread:get("ok_count")
    other = other + thread:get("other_count")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"ok":%d,"other":%d,"requests":%d,"duration_us":%d,"socket_errors":%d,'
    .. '"p50_us":%d,"p99_us":%d,"max_us":%d}\n',
    ok, other, summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
