#!/usr/bin/env python3
"""Top frames of a JFR recording's CPU samples (jdk.ExecutionSample), for the benchmark output.

Usage: jfr-top.py RECORDING.jfr [TOP]
Prints the TOP (default 12) methods by self samples (the frame on top of the stack), and each
sample attributed to an area of AREAS: the first area met walking the stack from its top, so JDK
or Scala code counts for the library that called it (a HashMap lookup inside Jackson is JSON).
The areas sum to 100 %, and a gain or a loss can be placed: token verification, Kamon, JSON, JDBC,
the journal, Pekko HTTP and so on. (Kamon's executor wrappers sit low on nearly every stack; they
count only when nothing nearer the top claims the sample.)
"""
import collections
import re
import subprocess
import sys

AREAS = [
    ("Ed25519 / token verification", ("sun.security.ec.ed.", "io.jsonwebtoken.")),
    ("token cache (SHA-256, Caffeine)", ("com.github.benmanes.caffeine.", "sun.security.provider.SHA")),
    ("Kamon / Kanela instrumentation", ("kamon.", "kanela.")),
    ("JSON (Jackson)", ("com.fasterxml.jackson.",)),
    ("JDBC (PostgreSQL driver, HikariCP)", ("org.postgresql.", "com.zaxxer.hikari.")),
    ("journal (pekko-persistence-jdbc, Slick)", ("org.apache.pekko.persistence.jdbc.", "slick.")),
    ("event sourcing (pekko-persistence)", ("org.apache.pekko.persistence.typed.",)),
    ("Pekko HTTP (parsing, routing, rendering)", ("org.apache.pekko.http.",)),
    ("Pekko streams", ("org.apache.pekko.stream.",)),
    ("cluster sharding", ("org.apache.pekko.cluster.sharding.",)),
    ("outbox relay / read models / NATS", ("org.weltgewebe.persistence.", "io.nats.")),
    ("load shedder (concurrency-limits)", ("com.netflix.concurrency.limits.", "org.weltgewebe.http.shedding.LoadShedder")),
    ("Kamon metrics (HdrHistogram)", ("org.HdrHistogram.",)),
    ("our routes and entities", ("org.weltgewebe.",)),
    ("Pekko actors and dispatchers", ("org.apache.pekko.actor.", "org.apache.pekko.dispatch.")),
    ("Scala futures and collections", ("scala.",)),
]

FRAME = re.compile(r"^\s+([\w$.<>]+)\(.*\)\s+line:")


def samples(recording):
    text = subprocess.run(
        ["jfr", "print", "--events", "jdk.ExecutionSample", "--stack-depth", "128", recording],
        check=True, capture_output=True, text=True).stdout
    stack = None
    for line in text.splitlines():
        if line.startswith("jdk.ExecutionSample"):
            stack = []
        elif stack is not None:
            m = FRAME.match(line)
            if m:
                stack.append(m.group(1))
            elif line.startswith("}"):
                if stack:
                    yield stack
                stack = None


def area_of(stack):
    for frame in stack:
        for name, prefixes in AREAS:
            if frame.startswith(prefixes):
                return name
    return "other (JDK: threads, sockets, GC barriers)"


def main():
    recording = sys.argv[1]
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    own = collections.Counter()
    areas = collections.Counter()
    total = 0
    for stack in samples(recording):
        total += 1
        own[stack[0]] += 1
        areas[area_of(stack)] += 1
    if total == 0:
        print("    (no CPU samples)")
        return
    print(f"    {total} CPU samples; top methods by self samples:")
    for method, count in own.most_common(top):
        print(f"      {100.0 * count / total:5.1f} %  {method}")
    print("    samples by area (nearest the top of the stack):")
    for name, count in areas.most_common():
        print(f"      {100.0 * count / total:5.1f} %  {name}")


if __name__ == "__main__":
    main()
