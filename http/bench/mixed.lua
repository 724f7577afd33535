-- wrk script for the mixed load of issue 14: 75 % reads, 25 % writes over the conversations in
-- WG_CONVERSATIONS (comma-separated ids) and the knot WG_KNOT:
--   3/8  GET  /conversations/{id}?limit=5
--   3/8  GET  /knots/{id}
--   2/8  POST /conversations/{id}/messages  (a unique messageId per request, so each is a new write)
-- The writes carry the tokens in WG_TOKENS (comma-separated), one per connection in turn.
-- The kinds follow a fixed pattern per connection, each connection starting elsewhere in it, so
-- every run offers exactly the same mix.
--
-- With WG_RETRY_AFTER=1 each connection behaves like a client that honours Retry-After: after a
-- 503 it waits the seconds the header names, stretched by a random 0-50 % so that the refused
-- clients do not all come back at once; otherwise (raw) it sends again the instant it has an answer.
--
-- It times each request itself and prints, per kind, answers by status class and p50/p99 of the
-- 200s and 503s (wrk's own histogram mixes them). The timing is exact only with one connection per
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

local KINDS = { "conversation", "knot", "write" }
-- read conversation, read knot, write, in the proportions 3:3:2
local PATTERN = { 1, 2, 3, 1, 2, 1, 3, 2 }

local threads = {}
local next_id = 1

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local function split(text)
  local parts = {}
  for part in string.gmatch(text or "", "[^,]+") do parts[#parts + 1] = part end
  return parts
end

function init(args)
  local conversations = split(os.getenv("WG_CONVERSATIONS"))
  local tokens = split(os.getenv("WG_TOKENS"))
  local knot = os.getenv("WG_KNOT")
  run = os.getenv("WG_RUN") or "run"
  only = tonumber(os.getenv("WG_ONLY") or "") -- 1, 2 or 3: one kind alone (for profiling)
  reads, posts = {}, {}
  for i, c in ipairs(conversations) do
    reads[i] = "/conversations/" .. c .. "?limit=5"
    posts[i] = "/conversations/" .. c .. "/messages"
  end
  knot_path = "/knots/" .. knot
  write_headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. tokens[(id - 1) % #tokens + 1] }
  n, sent_at, kind = 0, 0, 1
  -- Per kind k: counts ok_k, shed_k, other_k and latencies oklat_k, shedlat_k. Flat globals,
  -- because wrk's thread:get copies only flat tables between Lua states.
  for k = 1, 3 do
    _G["ok_" .. k], _G["shed_" .. k], _G["other_" .. k] = 0, 0, 0
    _G["oklat_" .. k], _G["shedlat_" .. k] = {}, {}
  end
  wait_ms = 0
  math.randomseed(os.time() * 1000 + id)
end

if os.getenv("WG_RETRY_AFTER") == "1" then
  function delay()
    local d = wait_ms
    wait_ms = 0
    return d
  end
end

function request()
  n = n + 1
  kind = only or PATTERN[(id + n) % #PATTERN + 1]
  local c = (id * 7 + n) % #reads + 1
  sent_at = now_us()
  if kind == 1 then
    return wrk.format("GET", reads[c])
  elseif kind == 2 then
    return wrk.format("GET", knot_path)
  end
  local body = '{"messageId":"' .. run .. "-" .. id .. "-" .. n .. '","text":"bench message ' .. n .. '"}'
  return wrk.format("POST", posts[c], write_headers, body)
end

function response(status, headers, body)
  local latency = now_us() - sent_at
  if status == 200 then
    _G["ok_" .. kind] = _G["ok_" .. kind] + 1
    local l = _G["oklat_" .. kind]
    l[#l + 1] = latency
  elseif status == 503 then
    _G["shed_" .. kind] = _G["shed_" .. kind] + 1
    local l = _G["shedlat_" .. kind]
    l[#l + 1] = latency
    local seconds = tonumber(headers["Retry-After"] or headers["retry-after"] or "1") or 1
    wait_ms = math.floor(seconds * 1000 * (1 + math.random() * 0.5))
  else
    _G["other_" .. kind] = _G["other_" .. kind] + 1
  end
end

local function quantile_ms(sorted, p)
  if #sorted == 0 then return 0 end
  return sorted[math.max(1, math.ceil(#sorted * p))] / 1000
end

local function line(name, seconds, ok, shed, other, oks, sheds)
  table.sort(oks)
  table.sort(sheds)
  io.write(string.format(
    "WG kind=%s ok=%d shed=%d other=%d answers_per_s=%.1f ok_per_s=%.1f shed_per_s=%.1f ok_p50_ms=%.2f ok_p99_ms=%.2f shed_p50_ms=%.2f shed_p99_ms=%.2f\n",
    name, ok, shed, other, (ok + shed + other) / seconds, ok / seconds, shed / seconds,
    quantile_ms(oks, 0.5), quantile_ms(oks, 0.99), quantile_ms(sheds, 0.5), quantile_ms(sheds, 0.99)))
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local all_ok, all_shed, tok, tshed, tother = {}, {}, 0, 0, 0
  for k = 1, 3 do
    local ok, shed, other, oks, sheds = 0, 0, 0, {}, {}
    for _, thread in ipairs(threads) do
      ok = ok + thread:get("ok_" .. k)
      shed = shed + thread:get("shed_" .. k)
      other = other + thread:get("other_" .. k)
      for _, v in ipairs(thread:get("oklat_" .. k)) do oks[#oks + 1] = v; all_ok[#all_ok + 1] = v end
      for _, v in ipairs(thread:get("shedlat_" .. k)) do sheds[#sheds + 1] = v; all_shed[#all_shed + 1] = v end
    end
    tok, tshed, tother = tok + ok, tshed + shed, tother + other
    if ok + shed + other > 0 then line(KINDS[k], seconds, ok, shed, other, oks, sheds) end
  end
  line("all", seconds, tok, tshed, tother, all_ok, all_shed)
  io.write(string.format("WG timeouts=%d errors=%d\n", summary.errors.timeout,
    summary.errors.connect + summary.errors.read + summary.errors.write))
end
