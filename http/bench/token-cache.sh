#!/usr/bin/env bash
# What caching verified access tokens saves per request (VerifiedTokens), with the same-run
# baseline: alternating rounds of first use (full Ed25519 verification) and cached use; prints the
# medians and their ratio. Needs no database or NATS; takes about a minute with the build.
# Usage: http/bench/token-cache.sh [-Dbench.rounds=9] [-Dbench.tokens=2000]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
cp="$(mktemp -t wg-token-cp.XXXXXX)"
trap 'rm -f "$cp"' EXIT
mvn -B -q -o -pl http -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp" >&2
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
exec java "$@" -cp "http/target/test-classes:http/target/classes:$(cat "$cp")" org.weltgewebe.http.auth.TokenCacheBenchmark
