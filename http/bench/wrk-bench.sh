#!/usr/bin/env bash
# Benchmarks the HTTP API of one node with wrk, in one run:
#   1. the bare health route (GET /health/live: routing, headers, no domain work),
#   2. the region view read (GET /regions/{cell}: an ask to the region actor, JSON of its picture),
#   3. the write route (POST /conversations/{id}/messages: token check, a persisted event),
# printing requests/s and p99 for each and the read/bare ratio (target >= 0.5); then
#   4. a 3x overload of the write route: three times the peak run's connections, one per wrk
#      thread so that write.lua can time 200s and 503s apart; it prints the offered rate, the
#      goodput (200s/s) as a share of the peak (target >= 0.9), the 503 p99 (target <= 10 ms) and
#      the timeouts (target 0).
# wrk and the node share the machine, so on 2 cores the figures are lower bounds for the node.
# The node runs on its own database (wg_bench, dropped and recreated) on the local PostgreSQL.
# Usage: http/bench/wrk-bench.sh [seconds per run, default 15]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
here="$root/http/bench"
duration="${1:-15}"
port="${WG_BENCH_PORT:-18080}"
connections="${WG_BENCH_CONNECTIONS:-32}"
threads=2
base="http://127.0.0.1:$port"
db="wg_bench"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is missing" >&2; exit 1; }
command -v psql >/dev/null || { echo "psql is missing (PostgreSQL client)" >&2; exit 1; }

psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" postgres

log="$(mktemp -t wg-bench-node.XXXXXX.log)"
# Its own replication slot and streams: slot names are unique per PostgreSQL server.
export WELTGEWEBE_OUTBOX_SLOT="$db" WELTGEWEBE_NATS_STREAM="WG_BENCH" WELTGEWEBE_NATS_SUBJECT_PREFIX="wg_bench.events"
WELTGEWEBE_JAVA_OPTS="${WELTGEWEBE_JAVA_OPTS:--Xms1g -Xmx1g}" \
  "$root/weltgewebe" serve --http-port "$port" --cluster-port 0 \
  --db-url "jdbc:postgresql://127.0.0.1:5432/$db" >"$log" 2>&1 &
node=$!
cleanup() {
  kill "$node" 2>/dev/null && wait "$node" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -q -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '${db}%' AND NOT active" postgres >/dev/null || true
}
trap cleanup EXIT

for _ in $(seq 1 180); do
  curl -fs "$base/health/ready" >/dev/null 2>&1 && break
  kill -0 "$node" 2>/dev/null || { echo "the node died; see $log" >&2; exit 1; }
  sleep 1
done
curl -fs "$base/health/ready" >/dev/null || { echo "the node did not get ready; see $log" >&2; exit 1; }

json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
session=$(curl -fs -X POST "$base/roles" -H 'Content-Type: application/json' \
  -d '{"displayName":"Bench","homeAddress":"Oranienstr. 1, Berlin","home":{"lat":52.4986,"lon":13.4033}}')
role=$(echo "$session" | json "['profile']['roleId']")
token=$(echo "$session" | json "['token']['accessToken']")
knot=$(curl -fs -X POST "$base/knots" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
  -d '{"type":"IDEA","title":"Bench knot","location":{"lat":52.4986,"lon":13.4033}}' | json "['knot']['knotId']")
conversations=""
for i in $(seq 1 16); do
  conversation=$(curl -fs -X POST "$base/knots/$knot/conversations" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $token" -d "{\"title\":\"Bench $i\",\"text\":\"first\"}" | json "['conversation']['conversationId']")
  conversations="$conversations${conversations:+,}$conversation"
done
cell="871f18b25ffffff" # the region of (52.4986, 13.4033), where the bench knot stands
# The region view is fed by the knot's events, so it shows the knot a moment after the create.
for _ in $(seq 1 50); do
  curl -fs "$base/regions/$cell" | grep -q "$knot" && break
  sleep 0.2
done
# The region view is fed through the outbox, which needs PostgreSQL with wal_level = logical
# (db/ensure-postgres); without it the read run measures an empty region, and says so.
curl -fs "$base/regions/$cell" | grep -q "$knot" \
  || echo "warning: the region view does not show the bench knot (outbox relay not running? see $log); the read run reads an empty region" >&2
export WG_TOKEN="$token" WG_CONVERSATIONS="$conversations"

# rps and p99 (ms) from wrk's --latency output
rps() { awk '/^Requests\/sec:/ {print $2}' "$1"; }
p99() {
  awk '$1 == "99%" {v = $2; if (v ~ /us$/) {sub(/us$/, "", v); v = v / 1000} else if (v ~ /ms$/) {sub(/ms$/, "", v)} else if (v ~ /s$/) {sub(/s$/, "", v); v = v * 1000}; print v}' "$1"
}
field() { sed -n "s/.*$2=\([0-9.]*\).*/\1/p" "$1"; }

out="$(mktemp -d -t wg-bench.XXXXXX)"
run() { # name, wrk args...
  local name=$1; shift
  echo "-- $name: wrk $*" >&2
  wrk --timeout 5s --latency "$@" >"$out/$name.txt"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
# Warm-up: JIT, connection pools, the region and conversation entities.
wrk -t$threads -c$connections -d5s "$base/health/live" >/dev/null
wrk -t$threads -c$connections -d5s "$base/regions/$cell" >/dev/null
WG_RUN=warm wrk -t$threads -c$connections -d5s -s "$here/write.lua" "$base/" >/dev/null

run bare -t$threads -c$connections -d${duration}s "$base/health/live"
run read -t$threads -c$connections -d${duration}s "$base/regions/$cell"
WG_RUN=peak run write -t$threads -c$connections -d${duration}s -s "$here/write.lua" "$base/"
# The overload: three times the connections of the peak run, each sending again as soon as it has
# its answer (wrk is closed-loop; write.lua's WG_DELAY_MS paces clients instead, for runs that
# model clients honouring Retry-After).
overload=$((connections * 3))
WG_RUN=over run overload -t$overload -c$overload -d${duration}s -s "$here/write.lua" "$base/"

peak=$(field "$out/write.txt" ok_per_s)
goodput=$(field "$out/overload.txt" ok_per_s)
echo
echo "Weltgewebe HTTP benchmark: $duration s per run, $connections connections ($threads wrk threads), node log $log"
echo "load average before the runs: $load_before (the machine has $(nproc) cores)"
printf '%-34s %12s %10s\n' "route" "requests/s" "p99 ms"
printf '%-34s %12s %10s\n' "GET /health/live (bare)" "$(rps "$out/bare.txt")" "$(p99 "$out/bare.txt")"
printf '%-34s %12s %10s\n' "GET /regions/{cell} (read)" "$(rps "$out/read.txt")" "$(p99 "$out/read.txt")"
printf '%-34s %12s %10s\n' "POST /conversations/{id}/messages" "$peak" "$(field "$out/write.txt" ok_p99_ms)"
awk -v r="$(rps "$out/read.txt")" -v b="$(rps "$out/bare.txt")" 'BEGIN {printf "read/bare ratio: %.2f (target >= 0.5)\n", r / b}'
echo "write run: $(grep '^WG' "$out/write.txt")"
echo
echo "3x overload of the write route ($overload connections, one per wrk thread):"
echo "  $(grep '^WG' "$out/overload.txt")"
awk -v o="$(field "$out/overload.txt" offered_per_s)" -v p="$peak" 'BEGIN {printf "  offered: %.0f requests/s = %.1f x peak\n", o, o / p}'
awk -v g="$goodput" -v p="$peak" 'BEGIN {printf "  goodput share of peak: %.2f (target >= 0.9)\n", g / p}'
echo "  503 p99: $(field "$out/overload.txt" shed_p99_ms) ms (target <= 10 ms)"
echo "  timeouts: $(field "$out/overload.txt" timeouts) (target 0)"
echo "  wrk's own figures: $(grep -E '^Requests/sec' "$out/overload.txt"), non-2xx: $(grep -E 'Non-2xx' "$out/overload.txt" | awk '{print $NF}')"
