#!/usr/bin/env bash
# What a refusal costs the node: one node whose load shedder admits nothing (fixed limit 0), so
# every API request is answered 503 by the shedder, hammered by wrk with 64 connections. Prints
# 503s per second, the 503's p50/p99 as wrk saw them and the node's CPU microseconds per 503, then
# the top frames of a JFR recording of the refusals (jfr-top.py).
#
# With WG_BASELINE=/path/to/another/checkout (built: run its ./weltgewebe once) the same run
# alternates between that checkout's node and this one's, WG_ROUNDS times (default 3), and prints
# the medians of both and the paired ratio (this / baseline) per round: the honest comparison on a
# shared machine.
# Usage: http/bench/shed-cost.sh [seconds per run, default 20]
#   WG_BENCH_PORT (18091), WG_PROFILE=0 skips the JFR run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=node.sh
source "$here/node.sh"
duration="${1:-20}"
port="${WG_BENCH_PORT:-18091}"
rounds="${WG_ROUNDS:-3}"
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
candidate="$bench_root"
baseline="${WG_BASELINE:-}"
path="/knots/00000000-0000-0000-0000-000000000001"
out="$(mktemp -d -t wg-shed.XXXXXX)"

measure() { # tree name: one node of that checkout, warm-up, then a measured run; appends a result line
  local tree=$1 name=$2
  bench_root="$tree"
  local jfr=0
  [ "$name" = candidate-profile ] && jfr=1
  WG_NODE_JFR=$jfr WELTGEWEBE_SHEDDING_ALGORITHM=fixed WELTGEWEBE_SHEDDING_INITIAL_LIMIT=0 node_start wg_shed "$port"
  wrk -t2 -c64 -d5s "$base$path" >/dev/null
  local before; before=$(node_cpu)
  wrk -t2 -c64 -d"${duration}s" --latency "$base$path" >"$out/$name.txt"
  local after; after=$(node_cpu)
  if [ "$name" = candidate-profile ]; then
    node_jfr_start shed
    wrk -t2 -c64 -d"${duration}s" "$base$path" >/dev/null
    node_jfr_stop shed "$out/shed.jfr"
  fi
  node_stop
  bench_root="$candidate"
  local answers non2xx; answers=$(awk '/requests in/ {print $1}' "$out/$name.txt")
  non2xx=$(awk '/Non-2xx/ {print $5}' "$out/$name.txt")
  [ "$answers" = "$non2xx" ] || { echo "$name: $answers answers but $non2xx non-2xx: not every request was refused" >&2; exit 1; }
  awk -v n="$name" -v a="$answers" -v b="$before" -v c="$after" -v d="$duration" '
    /^ +50%/ {p50 = $2} /^ +99%/ {p99 = $2}
    END {printf "%s %.1f %.1f %s %s\n", n, a / d, (c - b) * 1e6 / a, p50, p99}' "$out/$name.txt" >>"$out/results"
}

if [ -n "$baseline" ]; then
  [ -f "$baseline/cli/target/.built" ] || { echo "$baseline is not built: run $baseline/weltgewebe --help once" >&2; exit 1; }
  for r in $(seq 1 "$rounds"); do
    measure "$baseline" "baseline"
    measure "$candidate" "candidate"
  done
else
  measure "$candidate" "candidate"
fi
[ "${WG_PROFILE:-1}" = 1 ] && measure "$candidate" "candidate-profile"

echo
echo "Weltgewebe refusal cost: every request answered 503 by the load shedder (fixed limit 0), wrk -c64, $duration s per run"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores shared by node and wrk)"
printf '%-18s %10s %14s %9s %9s\n' run "503/s" "CPU µs per 503" "p50" "p99"
awk '{printf "%-18s %10.1f %14.1f %9s %9s\n", $1, $2, $3, $4, $5}' "$out/results"
if [ -n "$baseline" ]; then
  python3 - "$out/results" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
base = [r for r in rows if r[0] == "baseline"]
cand = [r for r in rows if r[0] == "candidate"]
for label, col in (("503/s", 1), ("CPU µs per 503", 2)):
    b = [float(r[col]) for r in base]
    c = [float(r[col]) for r in cand]
    ratios = [y / x for x, y in zip(b, c)]
    print(f"{label:15s} median baseline {statistics.median(b):9.1f}  this {statistics.median(c):9.1f}  "
          f"paired ratios {', '.join(f'{x:.2f}' for x in ratios)} (median {statistics.median(ratios):.2f})")
EOF
fi
if [ -f "$out/shed.jfr" ]; then
  echo
  echo "top frames of the refusals (this checkout):"
  python3 "$here/jfr-top.py" "$out/shed.jfr"
fi
