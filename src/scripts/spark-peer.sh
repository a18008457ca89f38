#!/usr/bin/env bash
# The Apache Spark peer of `make bench` (src/bench/spark: the lake's silver and gold on Spark SQL 3.5,
# local[N]), built and its classpath resolved from Maven on first use, never on the lake's classpath.
#
#   src/scripts/spark-peer.sh resolve [--offline]   build if needed; print the path of a java @argfile
#                                                  (JDK 17 flags Spark needs, and -cp) on stdout
#   src/scripts/spark-peer.sh run <args...>         java -Xmx$SPARK_PEER_HEAP @argfile SparkEvents <args...>
#
# Settings (environment): SPARK_PEER_DIR (the resolved classpath; default target/spark-peer; the
# classes are compiled into src/bench/spark/target),
# SPARK_PEER_HEAP (4g, for run), JAVA_HOME, MVN. --offline resolves from ~/.m2 only (mvn -o) and
# fails fast when something is missing, for the bench's smoke run.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="${SPARK_PEER_DIR:-$ROOT/target/spark-peer}"
PEER="$ROOT/src/bench/spark"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
MVN="${MVN:-mvn}"
ARGS="$DIR/java.args"

# What Spark 3.5 needs to reflect into on Java 17 (its own launcher passes the same set).
JAVA_17_OPTS=(
  -XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
  --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED
  -Djdk.reflect.useDirectMethodHandle=false
)

stale() {
  [[ ! -s "$ARGS" ]] && return 0
  [[ -n "$(find "$PEER" -newer "$ARGS" -type f -not -path '*/target/*' -print -quit)" ]]
}

resolve() {
  local offline=()
  [[ "${1:-}" == "--offline" ]] && offline=(-o)
  if stale; then
    mkdir -p "$DIR"
    "$MVN" -B -q "${offline[@]}" -Dstyle.color=never -f "$PEER/pom.xml" compile dependency:build-classpath \
      -Dmdep.outputFile="$DIR/classpath.txt" >&2
    {
      printf '%s\n' "${JAVA_17_OPTS[@]}"
      printf -- '-cp\n%s\n' "$PEER/target/classes:$(cat "$DIR/classpath.txt")"
    } >"$ARGS.tmp"
    mv "$ARGS.tmp" "$ARGS"
  fi
  echo "$ARGS"
}

case "${1:-}" in
  resolve) shift; resolve "$@" ;;
  run)
    shift
    args="$(resolve)"
    SPARK_LOCAL_IP=127.0.0.1 exec "$JAVA" -Xmx"${SPARK_PEER_HEAP:-4g}" @"$args" io.medallion.lake.spark.SparkEvents "$@"
    ;;
  *)
    echo "usage: $0 resolve [--offline] | run <SparkEvents arguments>" >&2
    exit 2
    ;;
esac
