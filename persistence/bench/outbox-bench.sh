#!/usr/bin/env bash
# The outbox benchmark of issue 3: (a) raw JetStream async publish rate, (b) relay throughput on a
# journal backlog, (c) commit -> JetStream-ack latency at a steady rate; prints its figures with
# PASS/MISS against the targets (relay >= 70 % of raw, p99 <= 50 ms). Takes about three minutes.
#
# Needs PostgreSQL with wal_level = logical (db/ensure-postgres) and NATS started with
# nats/jetstream.conf (nats/ensure-nats), at WELTGEWEBE_TEST_DB_URL / WELTGEWEBE_NATS_URL or the
# local defaults, and the other modules installed once: mvn -B -q install -DskipTests
#
# Settings (defaults in brackets), as extra arguments:
#   -Dbench.backlog=N          rows of the backlog and messages of the raw publish [100000]
#   -Dbench.repetitions=N      runs of (a) and (b); their medians are reported [3]
#   -Dbench.rate=N             events per second of the paced writer in (c) [5000]
#   -Dbench.batch=N            events per transaction, in (b)'s backlog and (c) [50]
#   -Dbench.latency-seconds=N  duration of (c) [20]; its first -Dbench.warm-up-seconds [2] are not counted
#   -Dbench.entities=N         entities the events are spread over [1000]
# It removes every database, replication slot and stream it creates, also when interrupted.
set -euo pipefail
cd "$(dirname "$0")/../.."
exec mvn -B -q -pl persistence test-compile exec:java \
  -Dexec.classpathScope=test \
  -Dexec.mainClass=org.weltgewebe.persistence.outbox.OutboxBenchmark \
  -Dexec.cleanupDaemonThreads=false \
  "$@"
