#!/usr/bin/env bash
# The region read as the main job's map viewers make it: GET /regions/{cell} of one H3 cell holding
# many knots (S1's compressed day grows its busiest cells to about 170 KB of JSON per answer), while
# one writer keeps creating knots in that cell, so the picture keeps changing.
#   1. creates WG_REGION_KNOTS knots (default 500) in the cell of (52.4986, 13.4033);
#   2. reads the region (with WG_REGION_READ=knots the cell's knot list, GET /knots?cell=…, which
#      the map viewers also make) with wrk, WG_REGION_CONNECTIONS connections (default 8), for the
#      given seconds, the writer adding a knot every WG_REGION_WRITE_MS milliseconds (default 20)
#      plus a curl's start;
# and prints reads/s, p50/p99, the answer's size and the node's CPU milliseconds per read.
# Usage: http/bench/region.sh [seconds, default 20]
#   WG_BENCH_PORT (18082); WG_NODE_TREE runs another built checkout's node (node.sh);
#   WELTGEWEBE_JAVA_OPTS for the node (default -Xms1g -Xmx1g).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=node.sh
source "$here/node.sh"
duration="${1:-20}"
port="${WG_BENCH_PORT:-18082}"
knots="${WG_REGION_KNOTS:-500}"
connections="${WG_REGION_CONNECTIONS:-8}"
write_ms="${WG_REGION_WRITE_MS:-20}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
cell="871f18b25ffffff" # the region of (52.4986, 13.4033)
case "${WG_REGION_READ:-region}" in
  region) read_path="/regions/$cell" ;;
  knots) read_path="/knots?cell=$cell" ;;
  *) echo "WG_REGION_READ is region or knots" >&2; exit 2 ;;
esac

node_start wg_region "$port"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
session=$(curl -fs -X POST "$base/roles" -H 'Content-Type: application/json' \
  -d '{"displayName":"Region bench","homeAddress":"Oranienstr. 1, Berlin","home":{"lat":52.4986,"lon":13.4033}}')
token=$(echo "$session" | json "['token']['accessToken']")
create_knot() { # n: a knot a few metres from the cell's bench point
  curl -fs -o /dev/null -X POST "$base/knots" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
    -d "{\"type\":\"IDEA\",\"title\":\"Region bench knot $1\",\"location\":{\"lat\":$(awk -v n="$1" 'BEGIN {printf "%.6f", 52.4986 + (n % 37) * 0.00003}'),\"lon\":$(awk -v n="$1" 'BEGIN {printf "%.6f", 13.4033 + (n % 41) * 0.00003}')}}"
}
pids=()
for i in $(seq 1 "$knots"); do # 16 at a time (a plain wait would wait for the node too)
  create_knot "$i" &
  pids+=($!)
  if (( ${#pids[@]} == 16 )); then wait "${pids[@]}"; pids=(); fi
done
(( ${#pids[@]} == 0 )) || wait "${pids[@]}"
# The region is fed through the outbox: wait until it shows every knot.
for _ in $(seq 1 120); do
  shown=$(curl -fs "$base/regions/$cell" | json "['knots'].__len__()")
  [ "$shown" -ge "$knots" ] && break
  sleep 0.5
done
bytes=$(curl -fs "$base$read_path" | wc -c)

writer() { local n=100000; while :; do create_knot $((n++)) || true; sleep "$(awk -v m="$write_ms" 'BEGIN {print m / 1000}')"; done; }
wrk -t2 -c"$connections" -d5s "$base$read_path" >/dev/null # warm-up
writer &
writer_pid=$!
trap 'kill $writer_pid 2>/dev/null || true; node_stop' EXIT
load=$(cut -d' ' -f1-3 /proc/loadavg)
before=$(node_cpu)
out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$base$read_path")
after=$(node_cpu)
kill "$writer_pid" 2>/dev/null || true
shown=$(curl -fs "$base/regions/$cell" | json "['knots'].__len__()")
rps=$(echo "$out" | awk '/^Requests\/sec/ {print $2}')
non2xx=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
ms() { echo "$out" | awk -v q="$1" '$1 == q {v = $2; if (v ~ /us$/) {sub(/us/, "", v); v /= 1000} else if (v ~ /ms$/) {sub(/ms/, "", v)} else if (v ~ /s$/) {sub(/s/, "", v); v *= 1000}; printf "%.2f", v}'; }
echo
echo "Weltgewebe region read (GET $read_path, $connections connections, $duration s; a knot written every $write_ms ms meanwhile)"
echo "node: ${WG_NODE_TREE:-this checkout}; load average before: $load; node log $node_log"
printf 'knots in the region: %s at the start, %s at the end; answer %s bytes at the start\n' "$knots" "$shown" "$bytes"
printf 'reads/s %s  p50 %s ms  p99 %s ms  non-2xx %s  node CPU %s ms per read (writes included)\n' \
  "$rps" "$(ms 50%)" "$(ms 99%)" "${non2xx:-0}" \
  "$(awk -v a="$after" -v b="$before" -v r="$rps" -v d="$duration" 'BEGIN {printf "%.3f", 1000 * (a - b) / (r * d)}')"
