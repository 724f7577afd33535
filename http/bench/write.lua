-- wrk script for the write route: POST /conversations/{id}/messages with the bench role's token
-- and a unique client message id per request (run-thread-counter), so every post is a new write.
-- The posts go round-robin to the conversations in WG_CONVERSATIONS: one conversation entity
-- persists one post at a time, so a single one would measure PostgreSQL's round trip, not the node.
--
-- With WG_DELAY_MS set, each connection waits that long after every answer before it sends again:
-- the offered rate is then about connections / (delay + latency), and a 503 answered at once does
-- not turn into an instant retry storm (clients are expected to honour Retry-After).
--
-- It also times each request itself, so that the overload run can report latency per status
-- (wrk's own histogram mixes 200s and 503s). The timing is exact only with one connection per
-- thread (-t equal to -c): then request() and response() alternate on the thread.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } wg_timespec;
  int clock_gettime(int clk_id, wg_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("wg_timespec[1]")
local function now_us()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts[0].tv_sec) * 1e6 + tonumber(ts[0].tv_nsec) / 1e3
end

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  token = os.getenv("WG_TOKEN")
  paths = {}
  for conversation in string.gmatch(os.getenv("WG_CONVERSATIONS"), "[^,]+") do
    paths[#paths + 1] = "/conversations/" .. conversation .. "/messages"
  end
  run = os.getenv("WG_RUN") or "run"
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token }
  n, sent_at = 0, 0
  ok, shed, other = 0, 0, 0
  shed_latency, ok_latency = {}, {}
end

local pace = tonumber(os.getenv("WG_DELAY_MS") or "")
if pace then
  function delay()
    return pace
  end
end

function request()
  n = n + 1
  sent_at = now_us()
  local body = '{"messageId":"' .. run .. "-" .. id .. "-" .. n .. '","text":"bench message ' .. n .. '"}'
  return wrk.format("POST", paths[(id + n) % #paths + 1], headers, body)
end

function response(status, headers, body)
  local latency = now_us() - sent_at
  if status == 200 then
    ok = ok + 1
    ok_latency[#ok_latency + 1] = latency
  elseif status == 503 then
    shed = shed + 1
    shed_latency[#shed_latency + 1] = latency
  else
    other = other + 1
  end
end

local function p99_ms(values)
  if #values == 0 then return 0 end
  table.sort(values)
  return values[math.max(1, math.ceil(#values * 0.99))] / 1000
end

function done(summary, latency, requests)
  local oks, sheds, others, shed_all, ok_all = 0, 0, 0, {}, {}
  for _, thread in ipairs(threads) do
    oks = oks + thread:get("ok")
    sheds = sheds + thread:get("shed")
    others = others + thread:get("other")
    for _, v in ipairs(thread:get("shed_latency")) do shed_all[#shed_all + 1] = v end
    for _, v in ipairs(thread:get("ok_latency")) do ok_all[#ok_all + 1] = v end
  end
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "WG ok=%d shed=%d other=%d ok_per_s=%.1f offered_per_s=%.1f shed_p99_ms=%.2f ok_p99_ms=%.2f timeouts=%d errors=%d\n",
    oks, sheds, others, oks / seconds, (oks + sheds + others) / seconds, p99_ms(shed_all), p99_ms(ok_all), summary.errors.timeout,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status - sheds))
end
