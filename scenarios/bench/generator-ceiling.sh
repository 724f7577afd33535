#!/usr/bin/env bash
# The scenario runner's load generator (Gatling, in-process) against wrk, on the same machine and the same route
# (GET /health/live, which does no work): what the runner itself can drive here. A run's figures
# near the generator's ceiling are the generator's limit, not the platform's.
# Usage: scenarios/bench/generator-ceiling.sh [seconds]   (needs wrk: apt-get install -y wrk)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seconds="${1:-10}"
command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
log="$(mktemp)"
"$root/weltgewebe" serve --http-port "$port" --metrics-port 0 --cluster-port 0 >"$log" 2>&1 &
node=$!
trap 'kill $node 2>/dev/null; wait $node 2>/dev/null; rm -f "$log"; true' EXIT
for _ in $(seq 1 180); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 1; done
target="http://127.0.0.1:$port"
ours=()
theirs=()
for run in 1 2 3; do
  ours+=("$("$root/weltgewebe" scenario ceiling --target "$target" --duration "${seconds}s" | sed -n -E 's/^generator ceiling: ([0-9]+) req.*/\1/p')")
  theirs+=("$(wrk -t2 -c64 -d"${seconds}s" "$target/health/live" | awk '/Requests\/sec/ {printf "%d", $2}')")
done
median() { printf '%s\n' "$@" | sort -n | sed -n 2p; }
o="$(median "${ours[@]}")"
w="$(median "${theirs[@]}")"
echo "runs (ours): ${ours[*]}   runs (wrk -t2 -c64): ${theirs[*]}"
echo "generator ceiling (median of 3): ours $o req/s, wrk $w req/s, ratio ours/wrk $(python3 -c "print(round($o/$w, 2))")"
