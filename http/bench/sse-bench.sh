#!/usr/bin/env bash
# Commit -> SSE client latency and many concurrent SSE streams on one node (issue 14): starts one
# node (node.sh: its own database, slot and streams; -Xms1g -Xmx1g, so the heap target of 1 GiB is
# the node's hard limit), then SseSwarmBenchmark from a second JVM: it starts bench.feeds
# conversations and, for each stream count (the first, 100, is the same-run baseline), opens that
# many GET /conversations/{id}/feed streams from an NIO swarm, posts 1,000 messages/s for the
# phase's seconds over HTTP, and prints streams open, the node's live heap and threads,
# deliveries against what each stream should get (missing, duplicates), commit -> client
# p50/p99/p99.9 and the swarm's own busy share (its ceiling). Ends with the node's JFR top frames
# over the largest phase when WG_PROFILE=1.
#
# Usage: http/bench/sse-bench.sh [-Dbench.streams=100,1000,5000,19500] [-Dbench.seconds=30]
#          [-Dbench.rate=1000] [-Dbench.feeds=1000] [-Dbench.selectors=2]
#   WG_BENCH_PORT (18090), WELTGEWEBE_JAVA_OPTS for the node (default -Xms1g -Xmx1g).
# File descriptors: each stream is one socket on each side. The script raises the soft limit to the
# hard one; in this container the hard limit is 20,000 per process and cannot be raised (no
# CAP_SYS_RESOURCE), so one node holds at most ~19,800 streams here: the default largest phase is
# 19,500.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
ulimit -n "$(ulimit -Hn)"
# shellcheck source=node.sh
source "$here/node.sh"
port="${WG_BENCH_PORT:-18090}"
cp="$(mktemp -t wg-sse-cp.XXXXXX)"
(cd "$root" && mvn -B -q -o -pl http -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp" >&2)
export WELTGEWEBE_HTTP_MAX_CONNECTIONS="${WELTGEWEBE_HTTP_MAX_CONNECTIONS:-32768}"
WG_NODE_JFR="${WG_PROFILE:-0}" node_start wg_sse "$port"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores shared by node, PostgreSQL, NATS and the swarm); open files allowed $(ulimit -n); node log $node_log"
[ "${WG_PROFILE:-0}" = 1 ] && node_jfr_start sse
cpu_before=$(node_cpu)
java -Xmx2g -XX:+UseParallelGC "$@" -Dbench.base="$base" -Dbench.node-pid="$node" \
  -cp "$root/http/target/test-classes:$root/http/target/classes:$(cat "$cp")" org.weltgewebe.http.SseSwarmBenchmark
echo "feed messages the node's live-feed reader did not give a subscriber again (an ordered consumer's repeats): $(grep -c 'came again after' "$node_log" || true)"
echo "node CPU over the whole run: $(awk -v b="$cpu_before" -v a="$(node_cpu)" 'BEGIN {printf "%.1f", a - b}') s; load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${WG_PROFILE:-0}" = 1 ]; then
  jfr="$(mktemp -t wg-sse.XXXXXX.jfr)"
  node_jfr_stop sse "$jfr"
  echo "node JFR top frames over the whole run ($jfr):"
  python3 "$here/jfr-top.py" "$jfr" 15
fi
rm -f "$cp"
