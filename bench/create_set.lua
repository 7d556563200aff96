-- wrk script: ESB create_set calls, each with a set name no other request of the run uses.
-- Usage: wrk -t1 -c32 -d10s -s bench/create_set.lua URL -- <run tag>
-- Every answer that is not HTTP 200 with "code":0 counts as failed; done prints one line.

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  tag = (args[1] or "run") .. "-" .. id
  counter = 0
  failed = 0
end

function request()
  counter = counter + 1
  local body = '{"bk_app_code":"bench","bk_app_secret":"bench","bk_username":"bench","bk_biz_id":1,' ..
    '"data":{"bk_parent_id":1,"bk_set_name":"' .. tag .. '-' .. counter .. '","bk_capacity":1000,' ..
    '"bk_set_desc":"load test","bk_set_env":"3"}}'
  return wrk.format("POST", "/api/c/compapi/v2/cc/create_set/", {["Content-Type"] = "application/json"}, body)
end

function response(status, headers, body)
  if status ~= 200 or not string.find(body, '"code":0,', 1, true) then
    failed = failed + 1
  end
end

function done(summary, latency, requests)
  local failed_total = 0
  for _, t in ipairs(threads) do
    failed_total = failed_total + t:get("failed")
  end
  local e = summary.errors
  io.write(string.format("RESULT rps=%.0f p50_us=%d p99_us=%d requests=%d failed=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, failed_total, e.connect + e.read + e.write + e.timeout))
end
