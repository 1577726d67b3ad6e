-- POST /api/v1/reservations: random ACTIVE fan (queue tokens, one per line, in env
-- TOKENS_FILE) on a random seat of concert env CONCERT (env SEATS seats).
-- Prints the status mix at the end: 201 held, 409 taken or over the hold limit.
local tokens = {}
for line in io.lines(os.getenv("TOKENS_FILE")) do tokens[#tokens + 1] = line end
local concert = os.getenv("CONCERT")
local seats = tonumber(os.getenv("SEATS"))
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  threads[#threads + 1] = thread
end

function init()
  statuses = {}
  math.randomseed(os.time() + id)
end

request = function()
  local body = string.format('{"concertId":"%s","seatNumber":%d,"token":"%s"}', concert,
                             math.random(seats), tokens[math.random(#tokens)])
  return wrk.format("POST", "/api/v1/reservations", {["Content-Type"] = "application/json"}, body)
end

response = function(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done()
  local total = {}
  for _, thread in ipairs(threads) do
    for status, n in pairs(thread:get("statuses")) do total[status] = (total[status] or 0) + n end
  end
  for status, n in pairs(total) do io.write(string.format("status %d: %d\n", status, n)) end
end
