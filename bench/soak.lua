-- wrk script for bench/soak.sh: mixed valid and invalid calls over a bounded set of names, so
-- that after the first pass every create is a duplicate, plus churn: sets created under new
-- names each time and deleted again as soon as their answer names their id. Memory must stay
-- flat although the counter of ids keeps growing.
local names = 2000
local n = 0
local toDelete = {} -- ids of churn sets, to delete with the next requests

local function esb(data)
  return '{"bk_app_code":"soak","bk_app_secret":"soak","bk_username":"soak","bk_biz_id":1,"data":' .. data .. '}'
end

local kinds = {
  function(i) return "POST", "/api/c/compapi/v2/cc/create_set/", esb('{"bk_parent_id":1,"bk_set_name":"soak-' .. (i % names) .. '","bk_capacity":10}') end,
  function(i) return "POST", "/api/c/compapi/v2/cc/create_set/", '{"bk_app_code":"soak",' end,
  function(i) return "POST", "/api/c/compapi/v2/cc/create_set/", esb('{"bk_parent_id":1}') end,
  function(i) return "POST", "/api/v3/set/2", '{"bk_parent_id":2,"bk_set_name":"soak-v3-' .. (i % names) .. '"}' end,
  function(i) return "POST", "/api/v3/set/2", '{"bk_set_name": ' end,
  function(i) return "POST", "/api/c/compapi/v2/cc/search_set/", '{"bk_app_code":"soak","bk_app_secret":"soak","bk_username":"soak","bk_biz_id":1,"page":{"start":0,"limit":10}}' end,
  function(i) return "POST", "/api/c/compapi/v2/cc/create_set/", esb('{"bk_parent_id":1,"bk_set_name":"a b","bk_set_env":"9"}') end,

  function(i) return "POST", "/api/v3/set/2", '{"bk_parent_id":2,"bk_set_name":"churn-' .. i .. '","bk_set_desc":"churn"}' end,
}

function request()
  n = n + 1
  local method, path, body
  if #toDelete > 0 then
    method, path = "DELETE", "/api/v3/set/2/" .. table.remove(toDelete)
  else
    method, path, body = kinds[(n % #kinds) + 1](n)
  end
  return wrk.format(method, path, {
    ["Content-Type"] = "application/json",
    ["X-Bkapi-Authorization"] = '{"bk_app_code":"soak","bk_app_secret":"soak","bk_username":"soak"}',
  }, body)
end

function response(status, headers, body)
  if body:find('"bk_set_name":"churn-', 1, true) then
    local id = body:match('"bk_set_id":(%d+)')
    if id then table.insert(toDelete, id) end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT rps=%.0f p99_us=%d requests=%d non2xx=%d socket_errors=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(99), summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout))
end
