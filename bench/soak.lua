-- wrk script for bench/soak.sh: mixed valid and invalid calls over a bounded set of names, so
-- that after the first pass every create is a duplicate, plus churn: sets created under new
-- names each time and deleted again as soon as their answer names their id, searches (an $in of
-- 500 ids, a regex, an unpaged one), the model and topology reads of bk-sops, module and
-- business calls, and every 200th request the whole tree of a business of many sets (bench/soak.sh
-- resets and snapshots the state through the admin API beside it). Memory must stay flat although
-- the counter of ids keeps growing,
-- and no answer may take over a second.
local names = 2000
local n = 0
local toDelete = {} -- ids of churn sets, to delete with the next requests
local list = {}
for i = 1, 500 do list[i] = tostring(i * 7) end
local ids = table.concat(list, ",")

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
  function(i) return "POST", "/api/v3/set/search/0/1", '{"fields":["bk_set_id"],"condition":{"bk_set_id":{"$in":[' .. ids .. ']}},"page":{"start":0,"limit":50}}' end,
  function(i) return "POST", "/api/v3/set/search/0/2", '{"condition":{"bk_set_name":{"$regex":"^soak-v3-1"}},"page":{"start":0,"limit":0}}' end,
  function(i) return "POST", "/api/v3/find/objectattr", '{"bk_obj_id":"set"}' end,
  function(i) return "POST", "/api/v3/find/topomodelmainline", "" end,
  function(i) return "POST", "/api/v3/find/topoinst/biz/1?with_default=1", "" end,
  function(i) return "POST", "/api/v3/biz/search/0", '{"fields":["bk_biz_id","bk_biz_name"]}' end,
  function(i) return "POST", "/api/v3/module/2/2", '{"bk_parent_id":2,"bk_module_name":"soak-m-' .. (i % names) .. '"}' end,
  function(i) return "POST", "/api/v3/module/search/0/2/2", '{"fields":["bk_module_id"],"page":{"start":0,"limit":20}}' end,
  function(i) return "GET", "/api/v3/topo/internal/0/2", nil end,
}

function request()
  n = n + 1
  local method, path, body
  if n % 200 == 0 then
    method, path = "POST", "/api/v3/find/topoinst/biz/2" -- the whole tree of a business of POPULATE sets
  elseif #toDelete > 0 then
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
  io.write(string.format("RESULT rps=%.0f p99_us=%d max_us=%d requests=%d non2xx=%d socket_errors=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(99), latency.max, summary.requests, e.status,
    e.connect + e.read + e.write + e.timeout, e.connect, e.read, e.write, e.timeout))
end
