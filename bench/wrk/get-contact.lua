-- GET one contact, rotating over real contact ids (a file, one id a line):
-- each thread starts at its own place in the list.
--
--   wrk -t2 -c64 -d10s --latency -H "Authorization: Bearer $TOKEN" \
--     -s bench/wrk/get-contact.lua http://127.0.0.1:8080/api/v1/contacts/ -- ids.txt

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

local ids = {}
local i = 0
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
  return wrk.format(nil, wrk.path .. ids[i])
end
