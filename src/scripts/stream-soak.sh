#!/usr/bin/env bash
# The local stream end to end, measured: fresh emulators (kinesalite + S3Proxy, in a state folder of
# their own), the bronze job reading from TRIM_HORIZON, the seeded producer at RATE records/s for
# SECONDS; then waits until every record put is in a bronze file and reports records put, records
# in bronze, and how far behind the stream bronze was while the producer ran. Exit 1 when bronze
# does not hold every record put within the wait.
#
#   src/scripts/stream-soak.sh RATE SECONDS        (make stream-soak RATE=1000 SECONDS=600)
#
# Settings (environment): JAR (runners/target/lake.jar), JAVA_OPTS (-Xmx2g, the bronze job),
# BRONZE_RUNNER (FlinkRunner, embedded), BUFFER_INTERVAL (PT30S), KINESIS_PORT (4578), S3_PORT (9010),
# LAKE_LOCAL_STATE (<repo>/.lake-local/soak; wiped at start), WAIT_SECONDS (120: how long to wait
# for bronze after the producer stops, on top of BUFFER_INTERVAL).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ $# -ne 2 ] || ! [[ $1 =~ ^[1-9][0-9]*$ && $2 =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 RATE SECONDS (positive integers)" >&2
  exit 2
fi
rate=$1
duration=$2
jar=${JAR:-$repo/runners/target/lake.jar}
java_opts=${JAVA_OPTS:--Xmx2g}
runner=${BRONZE_RUNNER:-FlinkRunner}
buffer=${BUFFER_INTERVAL:-PT30S}
wait_extra=${WAIT_SECONDS:-120}
export KINESIS_PORT=${KINESIS_PORT:-4578} KINESIS_TLS_PORT=${KINESIS_TLS_PORT:-4577}
export S3_PORT=${S3_PORT:-9010} KINESIS_EMULATOR=kinesalite
export LAKE_LOCAL_STATE=${LAKE_LOCAL_STATE:-$repo/.lake-local/soak}
state=$LAKE_LOCAL_STATE
kinesis=http://127.0.0.1:$KINESIS_PORT
s3=http://127.0.0.1:$S3_PORT
# kinesalite speaks JSON only: every Kinesis client here runs with CBOR off.
java_kinesis=(java -Daws.cborEnabled=false)

log() { echo "soak: $*" >&2; }
[ -f "$jar" ] || { echo "soak: no launcher at $jar (make build)" >&2; exit 2; }

bronze_pid=
cleanup() {
  if [ -n "$bronze_pid" ] && kill -0 "$bronze_pid" 2>/dev/null; then
    kill "$bronze_pid"
    wait "$bronze_pid" 2>/dev/null || true
  fi
  "$here/local-aws.sh" stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

"$here/local-aws.sh" stop >/dev/null 2>&1 || true
rm -rf "$state"
"$here/local-aws.sh" start >/dev/null
bronze_dir=$state/s3/lake/soak/bronze/events

count_bronze() {
  [ -d "$bronze_dir" ] || { echo 0; return; }
  find "$bronze_dir" -type f -name '*.jsonl' -not -path '*/_unframed/*' -print0 2>/dev/null |
    xargs -0 -r cat | wc -l
}

log "bronze ($runner) from TRIM_HORIZON, files every $buffer; log $state/bronze.log"
: >"$state/bronze.log"
# shellcheck disable=SC2086
"${java_kinesis[@]}" $java_opts -jar "$jar" bronze --runner="$runner" --initialPosition=TRIM_HORIZON \
  --bufferInterval="$buffer" --progressInterval=PT10S --lake=s3://lake/soak \
  --s3Endpoint="$s3" --kinesisEndpoint="$kinesis" >>"$state/bronze.log" 2>&1 &
bronze_pid=$!

log "producer: $rate records/s for $duration s; log $state/stream.log"
lines_before=$(wc -l <"$state/bronze.log")
started=$(date +%s)
"${java_kinesis[@]}" -Xmx1g -jar "$jar" stream --rate="$rate" --seconds="$duration" \
  --kinesisEndpoint="$kinesis" >"$state/stream.log" 2>&1
stopped=$(date +%s)
lines_after=$(wc -l <"$state/bronze.log")
summary=$(grep '^Sent ' "$state/stream.log")
put=$(sed -E 's/^Sent ([0-9,]+) records.*/\1/' <<<"$summary" | tr -d ,)
kill -0 "$bronze_pid" 2>/dev/null || { log "bronze exited early:"; tail -n 20 "$state/bronze.log" >&2; exit 1; }

buffer_s=$(sed -E 's/^PT([0-9]+)S$/\1/' <<<"$buffer")
[[ $buffer_s =~ ^[0-9]+$ ]] || buffer_s=60
deadline=$((stopped + buffer_s + wait_extra))
in_bronze=$(count_bronze)
while [ "$in_bronze" -lt "$put" ] && [ "$(date +%s)" -lt "$deadline" ]; do
  sleep 2
  in_bronze=$(count_bronze)
done
settled=$(date +%s)
files=$( (find "$bronze_dir" -type f -name '*.jsonl' 2>/dev/null || true) | wc -l)

# Lag while the producer ran: the bronze job's own progress lines ("... 1.3 s behind the stream").
lags=$(sed -n "$((lines_before + 1)),${lines_after}p" "$state/bronze.log" |
  sed -nE 's/.* ([0-9.]+) s behind the stream.*/\1/p')
lag_line=$(awk '{ n++; s += $1; if ($1 > m) m = $1 } END {
  if (n) printf "%.1f s behind the stream on average, %.1f s at most (%d progress lines)", s / n, m, n;
  else printf "no progress line while producing" }' <<<"$lags")
read_rate=$(sed -n "$((lines_before + 1)),${lines_after}p" "$state/bronze.log" |
  sed -nE 's/.*records read \(([0-9,]+)\/s\).*/\1/p' | tr -d , |
  awk '{ n++; s += $1 } END { if (n) printf "%.0f", s / n; else printf "?" }')

echo "soak: $(date -u +%FT%TZ), $(nproc) cores, producer ${rate}/s for ${duration} s, bronze on $runner"
echo "soak: producer: $summary (wall $((stopped - started)) s)"
echo "soak: bronze while producing: ${read_rate} records/s read, $lag_line"
echo "soak: records put $put, records in bronze files $in_bronze ($files files), $((settled - stopped)) s after the producer stopped"
if [ "$in_bronze" -eq "$put" ]; then
  echo "soak: ok: every record put is in bronze"
else
  echo "soak: FAILED: bronze holds $in_bronze of $put records after waiting $((settled - stopped)) s"
  exit 1
fi
