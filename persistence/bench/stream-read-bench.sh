#!/usr/bin/env bash
# What reading a stream message's identity costs against reading the whole row (its event turned
# back into JSON), per message of the S4 mix in stream format 1: the reconciler's scan, the
# oracle's count and the fault verdicts read identities. Prints ns per message of both, round by
# round, and the median paired ratio. No services needed; about a minute.
#
# Settings: -Dbench.messages=N [20000], -Dbench.passes=N [20], -Dbench.rounds=N [7]
set -euo pipefail
cd "$(dirname "$0")/../.."
cp_file="$(mktemp)"
trap 'rm -f "$cp_file"' EXIT
mvn -B -q -o -pl persistence -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp_file"
java -Xms512m -Xmx512m "$@" -cp "actors/target/classes:persistence/target/classes:persistence/target/test-classes:$(cat "$cp_file")" \
  org.weltgewebe.persistence.outbox.StreamReadBenchmark
