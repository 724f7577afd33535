#!/usr/bin/env bash
# The checkpointed reconciler at volume (issue 15): a journal of 10 million events made by SQL and
# the same events in a private nats-server's stream; prints the full comparison's events/s (the
# baseline: no checkpoint), an incremental run with nothing new, and one after 100,000 new events.
# Needs PostgreSQL at WELTGEWEBE_TEST_DB_URL (default 127.0.0.1:5432) and nats-server on the PATH.
# About 10 minutes and ~4 GB of disk (journal and stream) at the default size, removed at the end.
#
# Settings: -Dbench.events=N [10000000], -Dbench.increment=N [100000], -Dbench.range=N [10000]
set -euo pipefail
cd "$(dirname "$0")/../.."
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
# One reactor invocation, so that the actors module resolves to its classes without an install.
mvn -B -q -pl persistence -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
# A copy of the classes, so that a rebuild during the long run cannot change them under it.
classes="$(mktemp -d)"
trap 'rm -f "$cp_file"; rm -rf "$classes"' EXIT
cp -r actors/target/classes "$classes/actors"
cp -r persistence/target/classes "$classes/persistence"
cp -r persistence/target/test-classes "$classes/persistence-test"
java -Xmx2g "$@" -cp "$classes/actors:$classes/persistence:$classes/persistence-test:$(cat "$cp_file")" \
  org.weltgewebe.persistence.outbox.ReconcilerBenchmark
