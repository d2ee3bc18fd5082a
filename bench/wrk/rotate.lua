-- Shared by the scripts that rotate over real ids (loaded with dofile from
-- the script's own folder): reads the file named by the first script
-- argument, one id a line, and hands them out in turn with next_id(); each
-- wrk thread starts at its own place in the list.

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

ids = {}
local i = 0
function init(args)
  for line in io.lines(args[1]) do
    if line ~= "" then ids[#ids + 1] = line end
  end
  i = ((thread_number or 1) - 1) * 7919
end

function next_id()
  i = i % #ids + 1
  return ids[i]
end
