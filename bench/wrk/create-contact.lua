-- POST a new contact to the URL (/api/v1/contacts), each with its own name.
--
--   wrk -t2 -c64 -d10s --latency -H "Authorization: Bearer $TOKEN" \
--     -s bench/wrk/create-contact.lua http://127.0.0.1:8080/api/v1/contacts

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local n = 0
function request()
  n = n + 1
  local body = string.format(
    '{"full_name":"Load Person %d-%d","company":"Wrk Testing","interests":["benchmarks"]}',
    thread_number or 0, n)
  return wrk.format(nil, nil, nil, body)
end
