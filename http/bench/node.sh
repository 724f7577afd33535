#!/usr/bin/env bash
# Starts one node for an HTTP benchmark, on a database of its own (dropped and recreated) with its
# own replication slot and JetStream stream, and waits until it is ready. Meant to be sourced:
#
#   source http/bench/node.sh
#   node_start wg_mixed 18080        # database name, HTTP port; sets $node (pid), $node_log, $base
#   node_cpu                          # CPU seconds the node has used so far (user + system)
#   node_jfr_start NAME / node_jfr_stop NAME FILE   # JFR of the running node between the two
#                                     # (needs WG_NODE_JFR=1 at node_start: see there)
#   node_warm WRK_ARGS... URL         # wrk rounds until the node's rate is steady (below)
#   node_stop                         # also run on EXIT once node_start was called
#
# WELTGEWEBE_JAVA_OPTS is passed on (default -Xms1g -Xmx1g). WG_NODE_TREE runs the node of another
# built checkout (its ./weltgewebe) under this checkout's benchmark (mixed-vs.sh alternates them).
# Needs curl, psql and a local PostgreSQL with wal_level = logical (db/ensure-postgres) and NATS
# (nats/ensure-nats).
bench_root="${WG_NODE_TREE:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
ticks=$(getconf CLK_TCK)

node_start() {
  local db=$1 port=$2
  for tool in curl psql jcmd; do
    command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; return 1; }
  done
  node_db=$db
  base="http://127.0.0.1:$port"
  # A node stopped a moment ago may still hold its replication slot (its WAL sender lingers): end
  # that sender and drop the slot, or DROP DATABASE refuses.
  psql -h 127.0.0.1 -U postgres -q -At postgres >/dev/null <<SQL
SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE database = '$db' AND active;
SELECT pg_sleep(0.5);
SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '$db' AND NOT active;
SQL
  psql -h 127.0.0.1 -U postgres -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" postgres
  node_log="$(mktemp -t "$db-node.XXXXXX.log")"
  # WG_NODE_JFR=1: the node records JFR (settings=profile) from its start, and node_jfr_stop
  # copies out the stretch since node_jfr_start. A recording started later (jcmd JFR.start) makes
  # the JVM re-instrument JDK classes for its I/O events, which throws away their compiled callers:
  # a node warm at 929 writes/s ran 226/s in the 15 s after JFR.start at 7.5 ms of CPU per write
  # (0.98 before) and 447, 552, 658/s in the three runs after (docs/performance.md). Recording from
  # the start costs nothing of the kind.
  local recording=""
  [ "${WG_NODE_JFR:-0}" = 1 ] && recording="-XX:StartFlightRecording=name=wg-bench,settings=profile,maxage=30m"
  WELTGEWEBE_OUTBOX_SLOT="$db" WELTGEWEBE_NATS_STREAM="${db^^}" WELTGEWEBE_NATS_SUBJECT_PREFIX="$db.events" \
  WELTGEWEBE_JAVA_OPTS="${WELTGEWEBE_JAVA_OPTS:--Xms1g -Xmx1g}${recording:+ $recording}" \
    "$bench_root/weltgewebe" serve --http-port "$port" --cluster-port 0 \
    --db-url "jdbc:postgresql://127.0.0.1:5432/$db" >"$node_log" 2>&1 &
  node=$!
  trap node_stop EXIT
  for _ in $(seq 1 600); do
    curl -fs "$base/health/ready" >/dev/null 2>&1 && return 0
    kill -0 "$node" 2>/dev/null || { echo "the node died; see $node_log" >&2; return 1; }
    sleep 1
  done
  echo "the node did not get ready in 10 minutes; see $node_log" >&2
  return 1
}

# The node's java process: ./weltgewebe execs java, so it is the pid itself.
node_cpu() { awk -v t="$ticks" '{printf "%.2f", ($14 + $15) / t}' "/proc/$node/stat"; }

declare -A jfr_begin
node_jfr_start() {
  jcmd "$node" JFR.check name=wg-bench 2>&1 | grep -q "name=wg-bench" \
    || { echo "the node records no JFR: start it with WG_NODE_JFR=1 (node_start)" >&2; return 1; }
  jfr_begin[$1]=$(date -u +%FT%T.%3NZ)
}
node_jfr_stop() { jcmd "$node" JFR.dump name=wg-bench begin="${jfr_begin[$1]}" filename="$2" >/dev/null; }

# node_warm WRK_ARGS... URL: warms the node with that wrk load in rounds of WG_WARM_ROUND seconds
# (10) for at least 60 s and until two rounds in a row are each within 5 % of the round before
# them, for at most WG_WARM_MAX seconds (300); each round runs as WG_RUN=warm-N, so that
# scripts that write send fresh message ids (a repeated id is answered from the entity's record of
# it, without a write, and would fake a rise). Why: a node answers its first minute of load about
# 2x slower than after it, while the JIT compiles the hot paths (mixed load, 8 connections, 20-s
# rounds on a fresh node: 693, 1,059, 1,599, 1,607, 1,608 req/s; the compiler threads used 7, 8,
# 6, 3 and 1 s of CPU in them; docs/performance.md). A 10-s warm-up measured that compile. Writes
# can also start fast and fall (507, 367, 411 req/s: the outbox relay and the read-model consumer
# take their share of the cores only once events flow), hence "within 5 %", not "no longer rising";
# and a cold node can pause on its way up (writes alone: 187, 271, 283 req/s, then measured at 288
# where the node before it warmed to 550-760), hence 60 s and two steady rounds.
# Prints each round on stderr and sets warm_rounds to "r1 r2 ... (N s)" for the report.
node_warm() {
  local round="${WG_WARM_ROUND:-10}" max="${WG_WARM_MAX:-300}" before=0 n=0 steady=0 rate
  warm_rounds=""
  while :; do
    n=$((n + 1))
    rate=$(WG_RUN="warm-$n" wrk -d"${round}s" "$@" | awk '/^Requests\/sec:/ {print $2}')
    [ -n "$rate" ] || { echo "warm-up round $n: wrk printed no rate" >&2; return 1; }
    warm_rounds="$warm_rounds${warm_rounds:+ }$(printf '%.0f' "$rate")"
    echo "warm-up round $n: $rate requests/s" >&2
    if awk -v r="$rate" -v b="$before" 'BEGIN {exit !(r > 0.95 * b && r < 1.05 * b)}'; then
      steady=$((steady + 1))
    else
      steady=0
    fi
    if [ "$steady" -ge 2 ] && [ $((n * round)) -ge 60 ]; then
      warm_rounds="$warm_rounds req/s (${round}-s rounds, $((n * round)) s): steady"
      return 0
    fi
    before=$rate
    if [ $((n * round)) -ge "$max" ]; then
      warm_rounds="$warm_rounds req/s (${round}-s rounds, $((n * round)) s): not steady at WG_WARM_MAX"
      echo "warm-up: the rate still moved by 5 % or more after $max s" >&2
      return 0
    fi
  done
}

node_stop() {
  [ -n "${node:-}" ] || return 0
  kill "$node" 2>/dev/null && wait "$node" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -q -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '${node_db}%' AND NOT active" postgres >/dev/null || true
  node=""
}
