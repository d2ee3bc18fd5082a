-- POST a new interaction to the URL (/api/v1/interactions) with one real
-- contact, rotating over contact ids (a file, one id a line).
--
--   wrk -t2 -c64 -d10s --latency -H "Authorization: Bearer $TOKEN" \
--     -s bench/wrk/create-interaction.lua http://127.0.0.1:8080/api/v1/interactions -- ids.txt

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local ids = {}
local i = 0
local n = 0
function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then ids[#ids + 1] = line end
  end
  i = ((thread_number or 1) - 1) * 7919
end

function request()
  -- wrk also calls this once before init, to check the request.
  if #ids == 0 then return wrk.format() end
  i = i % #ids + 1
  n = n + 1
  local body = string.format(
    '{"kind":"call","contact_ids":["%s"],"summary":"load test call %d-%d","gave":"an introduction"}',
    ids[i], thread_number or 0, n)
  return wrk.format(nil, nil, nil, body)
end
