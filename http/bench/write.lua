-- wrk script for the write route: POST /conversations/{id}/messages with the bench role's token
-- and a unique client message id per request (run-thread-counter), so every post is a new write.
-- The posts go round-robin to the conversations in WG_CONVERSATIONS: one conversation entity
-- persists one post at a time, so a single one would measure PostgreSQL's round trip, not the node.
--
-- With WG_DELAY_MS set, each connection waits that long after every answer before it sends again:
-- the offered rate is then about connections / (delay + latency).
--
-- With WG_RETRY_AFTER=1 each connection behaves like a client that honours Retry-After: after a
-- 503 it waits the seconds the header names, stretched by a random 0-50 % so that the refused
-- clients do not all come back in the same instant; after any other answer it sends again at once.
-- The wait is per connection, so this too needs one connection per thread.
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
  wait_ms = 0
  math.randomseed(os.time() * 1000 + id)
end

local pace = tonumber(os.getenv("WG_DELAY_MS") or "")
local honour = os.getenv("WG_RETRY_AFTER") == "1"
if pace or honour then
  function delay()
    local d = (pace or 0) + wait_ms
    wait_ms = 0
    return d
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
    if honour then
      local seconds = tonumber(headers["Retry-After"] or headers["retry-after"] or "1") or 1
      wait_ms = math.floor(seconds * 1000 * (1 + math.random() * 0.5))
    end
  else
    other = other + 1
  end
end

-- The p-quantile in ms of values sorted ascending.
local function quantile_ms(sorted, p)
  if #sorted == 0 then return 0 end
  return sorted[math.max(1, math.ceil(#sorted * p))] / 1000
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
  table.sort(shed_all)
  table.sort(ok_all)
  io.write(string.format(
    "WG ok=%d shed=%d other=%d ok_per_s=%.1f shed_per_s=%.1f offered_per_s=%.1f ok_p50_ms=%.2f ok_p99_ms=%.2f shed_p50_ms=%.2f shed_p99_ms=%.2f timeouts=%d errors=%d\n",
    oks, sheds, others, oks / seconds, sheds / seconds, (oks + sheds + others) / seconds,
    quantile_ms(ok_all, 0.5), quantile_ms(ok_all, 0.99), quantile_ms(shed_all, 0.5), quantile_ms(shed_all, 0.99),
    summary.errors.timeout,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status - sheds))
end
