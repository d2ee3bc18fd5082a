-- GET one contact, rotating over real contact ids (a file, one id a line).
--
--   wrk -t2 -c64 -d10s --latency -H "Authorization: Bearer $TOKEN" \
--     -s bench/wrk/get-contact.lua http://127.0.0.1:8080/api/v1/contacts/ -- ids.txt

dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "rotate.lua")

function request()
  -- wrk also calls this once before init, to check the request.
  if #ids == 0 then return wrk.format() end
  return wrk.format(nil, wrk.path .. next_id())
end
