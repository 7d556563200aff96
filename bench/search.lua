-- wrk script: the reads a client makes of a business of SETS sets named s-1 .. s-SETS, each
-- with one module (bench/topology.lua builds it), through ESB. The call is one of:
--   search_set         a set found by its name, as a client does before it creates one
--   search_set_page    a page of 200 sets from a random place in the business, as a walk does
--   search_module      the modules of a set, by its id (FIRST is the lowest set id)
--   search_business    the business by its name
-- Usage: wrk -t1 -c32 -d10s -s bench/search.lua URL -- CALL SETS FIRST [FILE]
-- done prints one line; empty counts answers that found nothing, which should be none. With
-- FILE, the first answer is written to it: bench/run.sh gives it to the bare Echo baseline.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

local esb = '"bk_app_code":"bench","bk_app_secret":"bench","bk_username":"bench"'
local bodies = {
  search_set = function()
    return '{' .. esb .. ',"bk_biz_id":2,"fields":["bk_set_id","bk_set_name"],' ..
      '"condition":{"bk_set_name":"s-' .. math.random(sets) .. '"},"page":{"start":0,"limit":10}}'
  end,
  search_set_page = function()
    return '{' .. esb .. ',"bk_biz_id":2,"fields":["bk_set_id","bk_set_name","bk_set_env"],' ..
      '"condition":{},"page":{"start":' .. math.random(0, sets - 200) .. ',"limit":200}}'
  end,
  search_module = function()
    return '{' .. esb .. ',"bk_biz_id":2,"bk_set_id":' .. (first + math.random(0, sets - 1)) ..
      ',"fields":["bk_module_id","bk_module_name"],"condition":{},"page":{"start":0,"limit":10}}'
  end,
  search_business = function()
    return '{' .. esb .. ',"fields":["bk_biz_id","bk_biz_name"],"condition":{"bk_biz_name":"蓝鲸"},' ..
      '"page":{"start":0,"limit":10}}'
  end,
}

function init(args)
  call = args[1]
  sets, first = tonumber(args[2]), tonumber(args[3])
  body = bodies[call]
  path = "/api/c/compapi/v2/cc/" .. call:gsub("_page$", "") .. "/"
  math.randomseed(os.time())
  empty = 0
  save = args[4]
end

function request()
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body())
end

function response(status, headers, body)
  if body:find('"count":0', 1, true) or not body:find('"code":0', 1, true) then empty = empty + 1 end
  if save then
    local f = assert(io.open(save, "w"))
    f:write(body)
    f:close()
    save = nil
  end
end

function done(summary, latency, requests)
  local e, empty = summary.errors, 0
  for _, t in ipairs(threads) do empty = empty + t:get("empty") end
  io.write(string.format("RESULT rps=%.0f p50_us=%d p99_us=%d requests=%d non2xx=%d socket_errors=%d empty=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99),
    summary.requests, e.status, e.connect + e.read + e.write + e.timeout, empty))
end
