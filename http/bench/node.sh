#!/usr/bin/env bash
# Starts one node for an HTTP benchmark, on a database of its own (dropped and recreated) with its
# own replication slot and JetStream stream, and waits until it is ready. Meant to be sourced:
#
#   source http/bench/node.sh
#   node_start wg_mixed 18080        # database name, HTTP port; sets $node (pid), $node_log, $base
#   node_cpu                          # CPU seconds the node has used so far (user + system)
#   node_jfr_start NAME / node_jfr_stop NAME FILE   # a JFR recording of the running node
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
  WELTGEWEBE_OUTBOX_SLOT="$db" WELTGEWEBE_NATS_STREAM="${db^^}" WELTGEWEBE_NATS_SUBJECT_PREFIX="$db.events" \
  WELTGEWEBE_JAVA_OPTS="${WELTGEWEBE_JAVA_OPTS:--Xms1g -Xmx1g}" \
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

node_jfr_start() { jcmd "$node" JFR.start name="$1" settings=profile >/dev/null; }
node_jfr_stop() { jcmd "$node" JFR.stop name="$1" filename="$2" >/dev/null; }

node_stop() {
  [ -n "${node:-}" ] || return 0
  kill "$node" 2>/dev/null && wait "$node" 2>/dev/null || true
  psql -h 127.0.0.1 -U postgres -q -c "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE '${node_db}%' AND NOT active" postgres >/dev/null || true
  node=""
}
