#!/usr/bin/env bash
# What a token costs the node, with the same-run baselines: alternating rounds of issuing (an
# Ed25519 signature) and first use (a full verification) with the JDK's Ed25519 and Bouncy
# Castle's, and cached use (VerifiedTokens); prints the medians and their ratios. Needs no database or NATS; takes about a minute with the build.
# Usage: http/bench/token-cache.sh [-Dbench.rounds=9] [-Dbench.tokens=2000]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
cp="$(mktemp -t wg-token-cp.XXXXXX)"
trap 'rm -f "$cp"' EXIT
mvn -B -q -o -pl http -am test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cp" >&2
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
exec java "$@" -cp "http/target/test-classes:http/target/classes:$(cat "$cp")" org.weltgewebe.http.auth.TokenCacheBenchmark
