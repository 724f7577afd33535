#!/usr/bin/env bash
# The mixed benchmark (mixed.sh) against two builds, alternating on the same machine: the node of
# another built checkout (the baseline) and this checkout's, WG_ROUNDS times (default 3), each run
# exactly as mixed.sh runs it (8 connections, 64 raw, 64 honouring Retry-After; no JFR). Prints
# each run's figures, then per figure the medians of both builds and the paired ratios (this /
# baseline) round by round: the honest comparison on a shared machine, where the spread between
# two runs of one build is as large as most changes.
# Usage: WG_BASELINE=/path/to/checkout http/bench/mixed-vs.sh [seconds per run, default 20]
#   The baseline must be built (run its ./weltgewebe --help once). WG_ROUNDS (3).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
duration="${1:-20}"
rounds="${WG_ROUNDS:-3}"
baseline="${WG_BASELINE:?WG_BASELINE=/path/to/a/built/checkout is required}"
[ -f "$baseline/cli/target/.built" ] || { echo "$baseline is not built: run $baseline/weltgewebe --help once" >&2; exit 1; }
this="$(cd "$here/../.." && pwd)"
out="$(mktemp -d -t wg-mixed-vs.XXXXXX)"

# name tree: one mixed.sh run with the node of tree; its summary goes to $out/results as
# "name c8-goodput c8-cpu-ms c64-goodput c64-p99 c64-503-p99 p64-goodput p64-p99"
measure() {
  local name=$1 tree=$2 log
  log="$out/$name-$(date +%s).txt"
  if ! WG_NODE_TREE="$tree" WG_PROFILE=0 "$here/mixed.sh" "$duration" >"$log" 2>&1; then
    echo "$name: mixed.sh failed, see $log" >&2
    exit 1
  fi
  awk -v n="$name" '
    $1 == "c8" && $2 == "all" {c8 = $4}
    $1 == "c64" && $2 == "all" {c64 = $4; c64p99 = $7; s99 = $9}
    $1 == "p64" && $2 == "all" {p64 = $4; p64p99 = $7}
    /node CPU/ && !cpu {cpu = $6}
    END {print n, c8, cpu, c64, c64p99, s99, p64, p64p99}' "$log" >>"$out/results"
}

for r in $(seq 1 "$rounds"); do
  measure baseline "$baseline"
  measure this "$this"
done

echo
echo "Weltgewebe mixed benchmark, baseline $baseline against this checkout $this, $rounds rounds of $duration s per run"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores shared by node, PostgreSQL, NATS and wrk); runs in $out"
printf '%-9s %10s %8s %10s %9s %9s %10s %9s\n' run "8 goodput" "CPU ms" "64 goodput" "64 p99" "64 503p99" "64p goodput" "64p p99"
awk '{printf "%-9s %10s %8s %10s %9s %9s %10s %9s\n", $1, $2, $3, $4, $5, $6, $7, $8}' "$out/results"
python3 - "$out/results" <<'PY'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
base = [r for r in rows if r[0] == "baseline"]
this = [r for r in rows if r[0] == "this"]
labels = ["8-conn. goodput req/s", "8-conn. node CPU ms/request", "64 raw goodput req/s", "64 raw p99 ms",
          "64 raw 503 p99 ms", "64 polite goodput req/s", "64 polite p99 ms"]
for i, label in enumerate(labels, start=1):
    b = [float(r[i]) for r in base]
    t = [float(r[i]) for r in this]
    ratios = [y / x for x, y in zip(b, t) if x > 0]
    if not ratios:  # e.g. a 503 p99 when nothing was shed: nothing to compare
        print(f"{label:28s} not measured in any baseline run (0: e.g. nothing shed)")
        continue
    print(f"{label:28s} median baseline {statistics.median(b):9.2f}  this {statistics.median(t):9.2f}  "
          f"paired ratios {', '.join(f'{x:.2f}' for x in ratios)} (median {statistics.median(ratios):.2f})")
PY
