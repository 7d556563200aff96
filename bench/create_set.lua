-- wrk script: ESB create_set calls, each with a set name no other request of the run uses.
-- Usage: wrk -t1 -c32 -d10s -s bench/create_set.lua URL -- <run tag>
-- done prints one line; bench/run.sh counts the mock's failed answers from its /metrics.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  tag = (args[1] or "run") .. "-" .. id
  counter = 0
end

function request()
  counter = counter + 1
  local body = '{"bk_app_code":"bench","bk_app_secret":"bench","bk_username":"bench","bk_biz_id":1,' ..
    '"data":{"bk_parent_id":1,"bk_set_name":"' .. tag .. '-' .. counter .. '","bk_capacity":1000,' ..
    '"bk_set_desc":"load test","bk_set_env":"3"}}'
  return wrk.format("POST", "/api/c/compapi/v2/cc/create_set/", {["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT rps=%.0f p50_us=%d p99_us=%d requests=%d non2xx=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout))
end
