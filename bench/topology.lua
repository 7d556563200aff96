-- wrk script: builds the store the search loads read. It creates SETS sets in business 2 named
-- s-1 .. s-SETS, and one module "m" in each set as its create is answered, then stops.
-- Usage: wrk -t1 -c32 -d600s -s bench/topology.lua URL -- SETS
-- The thread stops when the last module is made, but wrk runs to the end of -d: stop it with
-- SIGINT once the mock has counted SETS modules made (bench/run.sh does). done prints how many
-- sets and modules were made, and how many creates failed.

local esb = '"bk_app_code":"bench","bk_app_secret":"bench","bk_username":"bench","bk_biz_id":2'
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("first", #threads == 1)
end

function init(args)
  want = tonumber(args[1] or "100000")
  sent, inflight, sets, modules, failed = 0, 0, 0, 0, 0
  if first then
    -- wrk makes the first thread's first request before the run, to check it, and drops it.
    sent, inflight = -1, -1
  end
  ready = {} -- set ids whose module is yet to be asked for
end

function request()
  local id = table.remove(ready)
  if id then
    inflight = inflight + 1
    return wrk.format("POST", "/api/c/compapi/v2/cc/create_module/", {["Content-Type"] = "application/json"},
      '{' .. esb .. ',"bk_set_id":' .. id .. ',"data":{"bk_parent_id":' .. id .. ',"bk_module_name":"m"}}')
  end
  if sent < want then
    sent, inflight = sent + 1, inflight + 1
    return wrk.format("POST", "/api/c/compapi/v2/cc/create_set/", {["Content-Type"] = "application/json"},
      '{' .. esb .. ',"data":{"bk_parent_id":2,"bk_set_name":"s-' .. sent .. '","bk_set_env":"3"}}')
  end
  return wrk.format("GET", "/healthz") -- waiting for the last answers
end

function response(status, headers, body)
  if body:find('"code":', 1, true) then
    inflight = inflight - 1
    local set = body:match('"bk_set_id":(%d+),"bk_set_name"')
    if not body:find('"code":0', 1, true) then
      failed = failed + 1
    elseif body:find('"bk_module_id"', 1, true) then
      modules = modules + 1
    elseif set then
      sets = sets + 1
      table.insert(ready, set)
    end
  end
  if sent == want and #ready == 0 and inflight == 0 then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local s, m, f = 0, 0, 0
  for _, t in ipairs(threads) do
    s, m, f = s + t:get("sets"), m + t:get("modules"), f + t:get("failed")
  end
  io.write(string.format("TOPOLOGY sets=%d modules=%d failed=%d\n", s, m, f))
end
