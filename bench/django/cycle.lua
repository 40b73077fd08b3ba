-- wrk script of bench/django.sh: each thread sends its own pre-built
-- requests (WRK_REQUESTS.<thread>, from make_requests.py) in turn, one
-- request each; past the last it starts again (the script then finds
-- duplicates in the database and says so).
local counter = 1
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
end

local reqs, n, i = {}, 0, 0
function init(args)
  local f = assert(io.open(os.getenv("WRK_REQUESTS") .. "." .. tid, "rb"))
  while true do
    local len = f:read("*l")
    if not len then break end
    n = n + 1
    reqs[n] = f:read(tonumber(len))
  end
  f:close()
end

function request()
  i = i + 1
  if i > n then i = 1 end
  return reqs[i]
end
