#!/usr/bin/env bash
# The mixed load of issue 14 against one node, everything on this machine (node, PostgreSQL, NATS
# and wrk share the cores): 75 % reads (GET /conversations/{id}?limit=5, GET /knots/{id}) and 25 %
# writes (POST /conversations/{id}/messages) over 32 conversations (mixed.lua), run with
#   1. 8 connections (the peak run) and
#   2. 64 connections (8x: the shedding check; goodput >= 0.9 of the peak run's, 503 p99 <= 10 ms,
#      0 timeouts), twice: raw clients that send again the instant they have an answer, 503 or not,
#      and polite ones that honour Retry-After as real clients do,
# printing per run and per request kind requests/s, goodput (200s/s), p50/p99 of 200s and 503s and
# the node's CPU milliseconds per answered request; then
#   3. one short run per request kind alone (8 connections; with WG_ONLY only that kind, the one
#      the warm-up ran) under JDK Flight Recorder, printing the top frames of each (jfr-top.py), so
#      that every gain or loss can be explained.
# One connection per wrk thread, so that mixed.lua can time kinds and statuses apart.
# The node is warmed with the mix first until its rate is steady (node_warm in node.sh).
# Usage: http/bench/mixed.sh [seconds per run, default 20]
#   WG_BENCH_PORT (18081), WG_MIXED_CONNECTIONS ("8 64"), WG_PROFILE=0 skips the JFR runs,
#   WG_POLITE=0 skips the polite overload run, WG_MIXED_CONVERSATIONS (32) the conversations,
#   WG_ONLY=1|2|3 runs one kind alone (conversation reads, knot reads, writes),
#   WELTGEWEBE_JAVA_OPTS for the node (default -Xms1g -Xmx1g).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=node.sh
source "$here/node.sh"
duration="${1:-20}"
port="${WG_BENCH_PORT:-18081}"
read -r -a runs <<<"${WG_MIXED_CONNECTIONS:-8 64}"
# Writes slow down as the conversations grow long (docs/performance.md): more of them keep each short.
conversation_count="${WG_MIXED_CONVERSATIONS:-32}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }

# Profiled, the node records JFR from its start (node.sh says why); the runs in between pay for it too.
WG_NODE_JFR="${WG_PROFILE:-1}" node_start wg_mixed "$port"
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
tokens=""
for i in $(seq 1 8); do
  session=$(curl -fs -X POST "$base/roles" -H 'Content-Type: application/json' \
    -d "{\"displayName\":\"Bench $i\",\"homeAddress\":\"Oranienstr. $i, Berlin\",\"home\":{\"lat\":52.4986,\"lon\":13.4033}}")
  tokens="$tokens${tokens:+,}$(echo "$session" | json "['token']['accessToken']")"
done
token=${tokens%%,*}
knot=$(curl -fs -X POST "$base/knots" -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
  -d '{"type":"IDEA","title":"Bench knot","location":{"lat":52.4986,"lon":13.4033}}' | json "['knot']['knotId']")
conversations=""
for i in $(seq 1 "$conversation_count"); do
  conversation=$(curl -fs -X POST "$base/knots/$knot/conversations" -H 'Content-Type: application/json' \
    -H "Authorization: Bearer $token" -d "{\"title\":\"Bench $i\",\"text\":\"first\"}" | json "['conversation']['conversationId']")
  conversations="$conversations${conversations:+,}$conversation"
done
export WG_TOKENS="$tokens" WG_CONVERSATIONS="$conversations" WG_KNOT="$knot"

out="$(mktemp -d -t wg-mixed.XXXXXX)"
field() { sed -n "s/^WG kind=$2 .*$3=\([0-9.]*\).*/\1/p" "$1"; }
total() { sed -n "s/^WG .*$2=\([0-9]*\).*/\1/p" "$1"; }
run() { # name connections [env...]: wrk's output in $out/name.txt, the node's CPU seconds in $out/name.cpu
  local name=$1 c=$2
  shift 2
  local before; before=$(node_cpu)
  env "$@" WG_RUN="$name" wrk -t"$c" -c"$c" -d"${duration}s" --timeout 5s -s "$here/mixed.lua" "$base/" >"$out/$name.txt"
  awk -v b="$before" -v a="$(node_cpu)" 'BEGIN {printf "%.2f\n", a - b}' >"$out/$name.cpu"
}

# Warm-up until the rate is steady (node_warm): JIT, pools, entities of every conversation.
node_warm -t8 -c8 -s "$here/mixed.lua" "$base/"
load=$(cut -d' ' -f1-3 /proc/loadavg)
for c in "${runs[@]}"; do run "c$c" "$c"; done
polite=""
if [ "${WG_POLITE:-1}" = 1 ] && [ "${#runs[@]}" -ge 2 ]; then
  polite="p${runs[-1]}"
  run "$polite" "${runs[-1]}" WG_RETRY_AFTER=1
fi

echo
echo "Weltgewebe mixed benchmark (75 % reads, 25 % writes${WG_ONLY:+; WG_ONLY=$WG_ONLY: one kind alone}, $conversation_count conversations): $duration s per run"
echo "load average before the measured runs: $load ($(nproc) cores shared by node, PostgreSQL, NATS and wrk); node log $node_log"
echo "warm-up (${WG_ONLY:+WG_ONLY=$WG_ONLY of }the mix, 8 connections): $warm_rounds"
report() { # name
  local f="$out/$1.txt" cpu; cpu=$(cat "$out/$1.cpu")
  local answered; answered=$(awk '/^WG kind=all/ {for (i = 2; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}; print v["ok"] + v["shed"] + v["other"]}' "$f")
  printf '%-6s %-13s %9s %9s %9s %8s %8s %8s %8s\n' "$1" "kind" "answers/s" "goodput" "503/s" "p50 ms" "p99 ms" "503 p50" "503 p99"
  for kind in conversation knot write all; do
    grep -q "^WG kind=$kind " "$f" || continue
    awk -v k="$kind" -v n="$1" '$2 == "kind=" k {
      for (i = 2; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}
      printf "%-6s %-13s %9.1f %9.1f %9.1f %8.2f %8.2f %8.2f %8.2f\n", n, k, v["answers_per_s"],
        v["ok_per_s"], v["shed_per_s"], v["ok_p50_ms"], v["ok_p99_ms"], v["shed_p50_ms"], v["shed_p99_ms"]}' "$f"
  done
  awk -v c="$cpu" -v a="$answered" -v o="$(total "$f" other)" -v t="$(total "$f" timeouts)" -v e="$(total "$f" errors)" \
    'BEGIN {printf "       node CPU %.1f s = %.2f ms per answered request; other statuses %d, timeouts %d, socket errors %d\n", c, 1000 * c / a, o, t, e}'
}
for c in "${runs[@]}"; do report "c$c"; done
[ -z "$polite" ] || { echo "(${polite}: ${runs[-1]} connections whose clients honour Retry-After)"; report "$polite"; }
verdict() { # overload-run title
  local peak="c${runs[0]}" over=$1
  awk -v g="$(field "$out/$over.txt" all ok_per_s)" -v p="$(field "$out/$peak.txt" all ok_per_s)" \
      -v s="$(field "$out/$over.txt" all shed_p99_ms)" -v n="$(field "$out/$over.txt" all shed_per_s)" \
      -v t="$(total "$out/$over.txt" timeouts)" -v x="$((${runs[-1]} / ${runs[0]}))" -v w="$2" 'BEGIN {
    printf "shedding at %dx the connections, %s: goodput %.1f / %.1f = %.2f of the peak run (target >= 0.9) %s\n", x, w, g, p, g / p, g / p >= 0.9 ? "PASS" : "MISS"
    # without a 503 there is no 503 latency to judge: say so instead of passing a p99 of nothing
    if (n == 0) printf "  503 p99: none answered (nothing was shed): not judged; timeouts %d (target 0) %s\n", t, t == 0 ? "PASS" : "MISS"
    else printf "  503 p99 %.2f ms (target <= 10 ms) %s; timeouts %d (target 0) %s\n", s, s <= 10 ? "PASS" : "MISS", t, t == 0 ? "PASS" : "MISS"
  }'
}
if [ "${#runs[@]}" -ge 2 ]; then
  verdict "c${runs[-1]}" "raw clients"
  [ -z "$polite" ] || verdict "$polite" "clients honouring Retry-After"
fi

if [ "${WG_PROFILE:-1}" = 1 ]; then
  echo
  echo "JFR top frames per request kind (each kind alone, 8 connections, ${duration} s, after the warm-up; recordings in $out):"
  kinds=(conversation knot write)
  # A kind the warm-up did not run is profiled cold (interpreted and C1 code): with WG_ONLY, only that kind.
  for k in ${WG_ONLY:-1 2 3}; do
    name=${kinds[$((k - 1))]}
    node_jfr_start "$name"
    before=$(node_cpu)
    WG_ONLY=$k WG_RUN="jfr-$name" wrk -t8 -c8 -d"${duration}s" --timeout 5s -s "$here/mixed.lua" "$base/" >"$out/jfr-$name.txt"
    cpu=$(awk -v b="$before" -v a="$(node_cpu)" 'BEGIN {printf "%.2f", a - b}')
    node_jfr_stop "$name" "$out/$name.jfr"
    awk -v n="$name" -v c="$cpu" '$2 == "kind=" n {
      for (i = 2; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]}
      a = v["ok"] + v["shed"] + v["other"]
      printf "  %s alone: %.1f answers/s, %.1f goodput, p50 %.2f ms, p99 %.2f ms, node CPU %.2f ms per request\n", n, v["answers_per_s"], v["ok_per_s"], v["ok_p50_ms"], v["ok_p99_ms"], 1000 * c / a}' "$out/jfr-$name.txt"
    python3 "$here/jfr-top.py" "$out/$name.jfr" 12
  done
fi
