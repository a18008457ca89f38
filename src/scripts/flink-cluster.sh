#!/usr/bin/env bash
# A standalone Flink session cluster on 127.0.0.1, no Docker and no flink-dist: a JobManager
# (StandaloneSessionClusterEntrypoint) and a TaskManager (TaskManagerRunner) as two JVMs on the
# classpath that Maven resolves from src/flink/pom.xml (Flink 1.19.0, the version of the Beam runner).
#
#   src/scripts/flink-cluster.sh up       start both, wait until the TaskManager registered, print the web UI
#   src/scripts/flink-cluster.sh down     stop exactly the two processes this script started (PID files)
#   src/scripts/flink-cluster.sh status   print whether they run and the REST address
#   src/scripts/flink-cluster.sh run ...  `flink run ...` (CliFrontend) against this cluster
#
# Settings (environment): FLINK_CLUSTER_DIR (state: config, logs, PIDs; default target/flink-cluster),
# FLINK_REST_PORT (8081), FLINK_RPC_PORT (6123), FLINK_SLOTS (2), FLINK_TM_MEMORY (4g),
# FLINK_JM_MEMORY (1g), FLINK_JAVA_OPTS (more options for the JobManager's and TaskManager's JVMs;
# the ITs pass their compiler setting), JAVA_HOME. The TaskManager keeps at least 256 MB of network
# buffers.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DIR="${FLINK_CLUSTER_DIR:-$ROOT/target/flink-cluster}"
REST_PORT="${FLINK_REST_PORT:-8081}"
RPC_PORT="${FLINK_RPC_PORT:-6123}"
SLOTS="${FLINK_SLOTS:-2}"
TM_MEMORY="${FLINK_TM_MEMORY:-4g}"
JM_MEMORY="${FLINK_JM_MEMORY:-1g}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
MVN="${MVN:-mvn}"
CONF="$DIR/conf"
LOGS="$DIR/log"
JM_CLASS=org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint
TM_CLASS=org.apache.flink.runtime.taskexecutor.TaskManagerRunner

# What flink-dist's configuration passes to every Flink JVM on Java 17 (Kryo and the RPC system
# reflect into these packages).
JAVA_17_OPTS="--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED --add-opens=java.base/java.time=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED"

classpath() {
  if [[ ! -s "$DIR/classpath.txt" || "$ROOT/src/flink/pom.xml" -nt "$DIR/classpath.txt" ]]; then
    mkdir -p "$DIR" "$ROOT/target"
    # One resolution at a time: clusters started side by side (tests in parallel JVMs) would
    # otherwise download the same jars into the local Maven repository at once (flock is
    # util-linux; without it, as on macOS, they are not serialised).
    if command -v flock >/dev/null 2>&1; then
      exec 7>"$ROOT/target/.flink-classpath.lock"
      if ! flock -w 600 7; then
        echo "flink-cluster: another resolution held $ROOT/target/.flink-classpath.lock for 10 minutes; is one stuck?" >&2
        exit 1
      fi
    fi
    "$MVN" -B -q -Dstyle.color=never -f "$ROOT/src/flink/pom.xml" dependency:build-classpath \
      -Dmdep.outputFile="$DIR/classpath.txt" >&2
    exec 7>&- # the cluster's JVMs, started after this, must not inherit the lock
  fi
  cat "$DIR/classpath.txt"
}

write_config() {
  mkdir -p "$CONF" "$LOGS"
  cat >"$CONF/flink-conf.yaml" <<EOF
# Written by src/scripts/flink-cluster.sh; edits are lost on the next 'up'.
jobmanager.rpc.address: 127.0.0.1
jobmanager.rpc.port: $RPC_PORT
jobmanager.bind-host: 127.0.0.1
taskmanager.host: 127.0.0.1
taskmanager.bind-host: 127.0.0.1
rest.address: 127.0.0.1
rest.bind-address: 127.0.0.1
rest.port: $REST_PORT
jobmanager.memory.process.size: $JM_MEMORY
taskmanager.memory.process.size: $TM_MEMORY
taskmanager.numberOfTaskSlots: $SLOTS
parallelism.default: $SLOTS
# A Beam batch graph has many small exchanges: Flink's default share (a tenth of the TaskManager's
# memory) left a 2g TaskManager 462 of the 512 buffers gold needs at parallelism 2.
taskmanager.memory.network.min: 256m
io.tmp.dirs: $DIR/tmp
web.tmpdir: $DIR/web
blob.storage.directory: $DIR/blobs
state.checkpoints.dir: file://$DIR/checkpoints
state.savepoints.dir: file://$DIR/savepoints
execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION
env.java.opts.all: $JAVA_17_OPTS
EOF
  cat >"$CONF/log4j.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.fileName = ${sys:log.file}
appender.main.append = false
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.akka.name = org.apache.pekko
logger.akka.level = WARN
logger.netty.name = org.apache.flink.shaded.netty4.io.netty
logger.netty.level = WARN
logger.hadoop.name = org.apache.hadoop
logger.hadoop.level = WARN
EOF
  mkdir -p "$DIR/tmp" "$DIR/web" "$DIR/blobs"
}

# The JVM options and -D settings Flink's own start scripts derive from the memory configuration.
resource_params() {
  local command="$1" cp="$2"
  "$JAVA" -cp "$cp" org.apache.flink.runtime.util.bash.BashJavaUtils "$command" \
    --configDir "$CONF" 2>/dev/null | sed -n 's/^BASH_JAVA_UTILS_EXEC_RESULT://p'
}

running() {
  local pid_file="$1" class="$2" pid
  [[ -s "$pid_file" ]] || return 1
  pid="$(cat "$pid_file")"
  # Only our process: the right entry point, started with this cluster's configuration.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$class.*--configDir $CONF"
}

start() {
  local name="$1" class="$2" command="$3" cp="$4" params jvm dynamic
  params="$(resource_params "$command" "$cp")"
  jvm="$(sed -n 1p <<<"$params")"
  dynamic="$(sed -n 2p <<<"$params")"
  if [[ -z "$jvm" ]]; then
    echo "flink-cluster: could not derive the $name memory settings from $CONF/flink-conf.yaml" >&2
    return 1
  fi
  # shellcheck disable=SC2086 # the derived options are words by design
  nohup "$JAVA" $jvm $JAVA_17_OPTS ${FLINK_JAVA_OPTS:-} \
    -Dlog.file="$LOGS/$name.log" -Dlog4j.configurationFile="file:$CONF/log4j.properties" \
    -cp "$cp" "$class" --configDir "$CONF" $dynamic \
    >"$LOGS/$name.out" 2>&1 </dev/null &
  echo $! >"$DIR/$name.pid"
}

rest() {
  curl -fsS --max-time 2 "http://127.0.0.1:$REST_PORT$1"
}

up() {
  if running "$DIR/jobmanager.pid" "$JM_CLASS" || running "$DIR/taskmanager.pid" "$TM_CLASS"; then
    echo "flink-cluster: already running (src/scripts/flink-cluster.sh down first)" >&2
    return 1
  fi
  local cp
  cp="$(classpath)"
  write_config
  start jobmanager "$JM_CLASS" GET_JM_RESOURCE_PARAMS "$cp"
  start taskmanager "$TM_CLASS" GET_TM_RESOURCE_PARAMS "$cp"
  for _ in $(seq 1 120); do
    if rest /overview 2>/dev/null | grep -q "\"taskmanagers\":1"; then
      echo "Flink 1.19.0 session cluster on 127.0.0.1: JobManager pid $(cat "$DIR/jobmanager.pid"), TaskManager pid $(cat "$DIR/taskmanager.pid"), $SLOTS slots"
      echo "  web UI and REST  http://127.0.0.1:$REST_PORT"
      echo "  submit           java -jar runners/target/lake.jar silver ... --runner=FlinkRunner --flinkMaster=127.0.0.1:$REST_PORT --parallelism=$SLOTS"
      echo "  logs             $LOGS"
      return 0
    fi
    if ! running "$DIR/jobmanager.pid" "$JM_CLASS" || ! running "$DIR/taskmanager.pid" "$TM_CLASS"; then
      break
    fi
    sleep 1
  done
  echo "flink-cluster: the cluster did not come up; see $LOGS" >&2
  tail -n 20 "$LOGS"/*.out "$LOGS"/*.log >&2 || true
  down >&2
  return 1
}

stop_one() {
  local name="$1" class="$2" pid_file="$DIR/$1.pid" pid
  if running "$pid_file" "$class"; then
    pid="$(cat "$pid_file")"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do
      running "$pid_file" "$class" || break
      sleep 1
    done
    if running "$pid_file" "$class"; then
      kill -9 "$pid" 2>/dev/null || true
    fi
    echo "stopped $name (pid $pid)"
  fi
  rm -f "$pid_file"
}

down() {
  stop_one taskmanager "$TM_CLASS"
  stop_one jobmanager "$JM_CLASS"
}

status() {
  local code=0
  for name in jobmanager taskmanager; do
    local class="$JM_CLASS"
    [[ "$name" == taskmanager ]] && class="$TM_CLASS"
    if running "$DIR/$name.pid" "$class"; then
      echo "$name running (pid $(cat "$DIR/$name.pid"))"
    else
      echo "$name not running"
      code=3
    fi
  done
  if [[ $code == 0 ]]; then
    echo "web UI and REST http://127.0.0.1:$REST_PORT: $(rest /overview || echo unreachable)"
  fi
  return $code
}

# `flink run` without flink-dist: the same CliFrontend, on the cluster's classpath and configuration.
run() {
  local cp
  cp="$(classpath)"
  [[ -s "$CONF/flink-conf.yaml" ]] || write_config
  # shellcheck disable=SC2086
  FLINK_CONF_DIR="$CONF" "$JAVA" $JAVA_17_OPTS -Dlog.file="$LOGS/client.log" \
    -Dlog4j.configurationFile="file:$CONF/log4j.properties" \
    -cp "$cp" org.apache.flink.client.cli.CliFrontend run "$@"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  run) shift; run "$@" ;;
  *)
    echo "usage: $0 up|down|status|run [flink run arguments]" >&2
    exit 2
    ;;
esac
