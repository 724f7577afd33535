#!/usr/bin/env bash
# The outbox benchmark of issue 3: (a) raw JetStream async publish rate, (b) relay throughput on a
# journal backlog, (c) commit -> JetStream-ack latency at a steady rate; prints its figures with
# PASS/MISS against the targets (relay >= 70 % of raw, p99 <= 50 ms). Takes about three minutes.
# It always ends: with its figures (exit 0), a failure (1), or after -Dbench.timeout-minutes [30]
# with the stacks of the threads still alive (2). It runs on plain java, not exec:java, which
# waited for ever on the relay's threads when a repetition failed.
#
# Needs PostgreSQL with wal_level = logical (db/ensure-postgres) and NATS started with
# nats/jetstream.conf (nats/ensure-nats), at WELTGEWEBE_TEST_DB_URL / WELTGEWEBE_NATS_URL or the
# local defaults. It compiles the modules it needs itself (mvn -o, nothing installed).
#
# Settings (defaults in brackets), as extra arguments:
#   -Dbench.backlog=N          rows of the backlog and messages of the raw publish [100000]
#   -Dbench.repetitions=N      runs of (a) and (b); their medians are reported [3]
#   -Dbench.rate=N             events per second of the paced writer in (c) [5000]
#   -Dbench.batch=N            events per transaction, in (b)'s backlog and (c) [50]
#   -Dbench.latency-seconds=N  duration of (c) [30]; its first -Dbench.warm-up-seconds [10] are not
#                              counted (on a quiet machine the relay's path needs 7-8 s of JIT warm-up:
#                              the per-second maxima printed fall from 100-340 ms to 5-45 ms)
#   -Dbench.entities=N         entities the events are spread over [1000]
#   -Dbench.timeout-minutes=N  the watchdog's budget for the whole run [30]
# It removes every database, replication slot and stream it creates, also when interrupted.
set -euo pipefail
cd "$(dirname "$0")/../.."
cp="$(mktemp -t wg-outbox-cp.XXXXXX)"
trap 'rm -f "$cp"' EXIT
mvn -B -q -o -pl persistence -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp" >&2
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
# A second guard beside the watchdog inside: the JVM gets 5 minutes more than its own budget.
budget=30
for arg in "$@"; do
  case "$arg" in -Dbench.timeout-minutes=*) budget="${arg#*=}" ;; esac
done
timeout --kill-after=30s "$((budget + 5))m" \
  java "$@" -cp "persistence/target/test-classes:persistence/target/classes:$(cat "$cp")" \
  org.weltgewebe.persistence.outbox.OutboxBenchmark
