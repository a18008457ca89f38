#!/usr/bin/env bash
# A class-data sharing archive for the launcher (JDK 17 AppCDS): the classes a demo loads on the
# DirectRunner and on embedded Flink, parsed and verified once and mapped into every later JVM,
# which then starts a few seconds sooner (src/docs/benchmark.md). Used by the Makefile as
#
#   java -XX:SharedArchiveFile=runners/target/lake.jsa -Xlog:cds=off -jar runners/target/lake.jar ...
#
#   src/scripts/cds-archive.sh [jar] [archive]    defaults: runners/target/lake.jar, runners/target/lake.jsa
#
# Run it from the project root, with the jar path the launcher is started with: the archive
# records the class path and the jar's size and time, and a JVM started with another jar ignores it
# (and, with -Xlog:cds=off, says nothing). A class path that starts with the jar may go on: `make
# bench` starts the bench with its classes after the jar, and the lake's runs with the jar alone.
# Settings (environment): JAVA_HOME; DEMO_JAVA_OPTS, more options for the two demos' JVMs (the
# ITs pass their compiler setting).
set -euo pipefail

JAR="${1:-runners/target/lake.jar}"
JSA="${2:-runners/target/lake.jsa}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/lake-cds.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

[ -f "$JAR" ] || { echo "cds-archive: no $JAR; build it first (make build)" >&2; exit 2; }

# Two small demos record the classes they load, in load order.
for runner in DirectRunner FlinkRunner; do
  # shellcheck disable=SC2086 # DEMO_JAVA_OPTS is a list of options
  if ! "$JAVA" -Xmx2g ${DEMO_JAVA_OPTS:-} -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      -XX:DumpLoadedClassList="$WORK/$runner.classes" -jar "$JAR" demo --runner="$runner" \
      --lake="$WORK/lake-$runner" --events=5000 --hours=2 > "$WORK/$runner.log" 2>&1; then
    echo "cds-archive: the $runner demo failed; its log:" >&2
    tail -20 "$WORK/$runner.log" >&2
    exit 1
  fi
done

# One list, first occurrence kept (a class must come after the classes it needs). Classes of other
# class loaders than the JDK's built-in ones (lines with an id) are left out: a static archive
# cannot hold them.
awk '!/^#/ && !/ id: / && !seen[$0]++' "$WORK"/DirectRunner.classes "$WORK"/FlinkRunner.classes \
  > "$WORK/classes"

rm -f "$JSA"
if ! "$JAVA" -Xshare:dump -XX:SharedClassListFile="$WORK/classes" -XX:SharedArchiveFile="$JSA" \
    -cp "$JAR" > "$WORK/dump.log" 2>&1; then
  echo "cds-archive: the dump failed; its log:" >&2
  tail -20 "$WORK/dump.log" >&2
  exit 1
fi
echo "cds-archive: $JSA ($(wc -l < "$WORK/classes") classes, $(du -m "$JSA" | cut -f1) MB)"
