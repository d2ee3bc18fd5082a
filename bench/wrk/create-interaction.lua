-- POST a new interaction to the URL (/api/v1/interactions) with one real
-- contact, rotating over contact ids (a file, one id a line).
--
--   wrk -t2 -c64 -d10s --latency -H "Authorization: Bearer $TOKEN" \
--     -s bench/wrk/create-interaction.lua http://127.0.0.1:8080/api/v1/interactions -- ids.txt

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "rotate.lua")

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"

local n = 0
function request()
  -- wrk also calls this once before init, to check the request.
  if #ids == 0 then return wrk.format() end
  n = n + 1
  local body = string.format(
    '{"kind":"call","contact_ids":["%s"],"summary":"load test call %d-%d","gave":"an introduction"}',
    next_id(), thread_number or 0, n)
  return wrk.format(nil, nil, nil, body)
end
