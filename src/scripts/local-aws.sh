#!/usr/bin/env bash
# A local AWS for the lake, without Docker: a Kinesis emulator from npm (kinesis-local, or
# kinesalite with KINESIS_EMULATOR=kinesalite) and S3Proxy (Maven Central) for S3, all on 127.0.0.1
# only. Installs them on first use into .lake-local/.
#
#   src/scripts/local-aws.sh start    install if needed, start both (or the one stopped), create
#                                     the stream and bucket
#   src/scripts/local-aws.sh status   say what runs where
#   src/scripts/local-aws.sh stop     stop exactly the processes start started (by PID)
#   src/scripts/local-aws.sh stop s3  stop only S3Proxy (or only kinesis): an outage; start brings
#                                     it back with the same files
#
# Both Kinesis emulators keep their stream in memory: a new one starts with an empty stream. The
# checkpoints `make bronze` keeps in $LAKE_LOCAL_STATE/bronze hold positions in the old stream,
# which mean nothing in the new one (a restored job would skip its records), so they are removed
# then; the bronze files in the S3 bucket stay.
#
# Settings (environment): KINESIS_EMULATOR (kinesis-local, or kinesalite: the one that keeps up with
# a sustained stream, see src/docs/streaming.md; it speaks JSON only, so its clients need
# -Daws.cborEnabled=false), KINESIS_PORT (4568), KINESIS_TLS_PORT (4567, kinesis-local), S3_PORT (9000),
# STREAM (events), SHARDS (4), BUCKET (lake), LAKE_LOCAL_HOME (<repo>/.lake-local: installs),
# LAKE_LOCAL_STATE ($LAKE_LOCAL_HOME/run: data, logs, PIDs), S3PROXY_JAR (use this jar instead of
# installing one), EMULATOR_ACCESS_KEY / EMULATOR_SECRET_KEY (lake-local / lake-local-secret).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
home=${LAKE_LOCAL_HOME:-$repo/.lake-local}
state=${LAKE_LOCAL_STATE:-$home/run}
kinesis_port=${KINESIS_PORT:-4568}
kinesis_tls_port=${KINESIS_TLS_PORT:-4567}
s3_port=${S3_PORT:-9000}
stream=${STREAM:-events}
shards=${SHARDS:-4}
bucket=${BUCKET:-lake}
access_key=${EMULATOR_ACCESS_KEY:-lake-local}
secret_key=${EMULATOR_SECRET_KEY:-lake-local-secret}
kinesis_emulator=${KINESIS_EMULATOR:-kinesis-local}
kinesis_version=0.6.2
kinesalite_version=3.3.3
s3proxy_version=4.1.0

kinesis_main=$home/kinesis/node_modules/kinesis-local/main.js
kinesalite_main=$home/kinesalite/node_modules/kinesalite/cli.js
case "$kinesis_emulator" in
  kinesis-local | kinesalite) ;;
  *) echo "local-aws: KINESIS_EMULATOR must be kinesis-local or kinesalite, got '$kinesis_emulator'" >&2; exit 2 ;;
esac
s3proxy_jar=${S3PROXY_JAR:-$home/s3proxy/s3proxy-$s3proxy_version-jar-with-dependencies.jar}

log() { echo "local-aws: $*" >&2; }

install() {
  # One install at a time: test JVMs running side by side each start emulators of their own, and
  # a second first install waits for the first, then finds everything there (flock is util-linux;
  # without it, as on macOS, installs are not serialised).
  mkdir -p "$home"
  if command -v flock >/dev/null 2>&1; then
    exec 8>"$home/.install.lock"
    if ! flock -w 600 8; then
      log "another install held $home/.install.lock for 10 minutes; is one stuck?"
      exit 1
    fi
  fi
  if [ "$kinesis_emulator" = kinesalite ] && [ ! -f "$kinesalite_main" ]; then
    log "installing kinesalite $kinesalite_version (npm) into $home/kinesalite"
    mkdir -p "$home/kinesalite"
    npm install --prefix "$home/kinesalite" --no-audit --no-fund --loglevel=error \
      "kinesalite@$kinesalite_version" >&2
  fi
  if [ "$kinesis_emulator" = kinesis-local ] && [ ! -f "$kinesis_main" ]; then
    log "installing kinesis-local $kinesis_version (npm) into $home/kinesis"
    mkdir -p "$home/kinesis"
    npm install --prefix "$home/kinesis" --no-audit --no-fund --loglevel=error \
      "kinesis-local@$kinesis_version" >&2
  fi
  if [ ! -f "$s3proxy_jar" ]; then
    log "installing S3Proxy $s3proxy_version (Maven Central) into $home/s3proxy"
    mvn -B -q dependency:copy \
      "-Dartifact=org.gaul:s3proxy:$s3proxy_version:jar:jar-with-dependencies" \
      "-DoutputDirectory=$home/s3proxy" >&2
  fi
  # Released now: the emulators started after the install would otherwise inherit the lock.
  exec 8>&-
}

running() { [ -f "$state/$1.pid" ] && kill -0 "$(cat "$state/$1.pid")" 2>/dev/null; }

# Whether the process of $name's PID file is the one listening on $port: a port another process
# took first answers too, and would pass for ours (tests pick free ports, then bind them later). Only
# where ss (iproute2) is installed; elsewhere any listener passes.
listening_is_ours() {
  local port=$1 name=$2
  command -v ss >/dev/null 2>&1 || return 0
  ss -Hltnp "sport = :$port" 2>/dev/null | grep -q "pid=$(cat "$state/$name.pid"),"
}

# Whether anything accepts a connection on 127.0.0.1:$port.
answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_port() {
  local port=$1 name=$2
  for _ in $(seq 1 120); do
    if answers "$port" && listening_is_ours "$port" "$name"; then
      return 0
    fi
    if ! running "$name"; then
      log "$name exited; its log:"
      tail -n 30 "$state/$name.log" >&2 || true
      return 1
    fi
    sleep 0.5
  done
  if answers "$port"; then
    log "$name did not open port $port within 60 s: another process listens on it"
  else
    log "$name did not open port $port within 60 s"
  fi
  return 1
}

start() {
  install
  mkdir -p "$state/s3/$bucket"
  # kinesis-local binds 0.0.0.0 and has no setting for it: preload a hook that binds loopback.
  cat >"$state/loopback.js" <<'JS'
const net = require('net');
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args.length > 0 && typeof args[0] === 'object' && args[0] !== null) {
    args[0] = Object.assign({}, args[0], { host: '127.0.0.1' });
  } else if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    if (typeof args[1] === 'string') args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
JS
  if running kinesis; then
    log "$(cat "$state/kinesis.name" 2>/dev/null || echo kinesis-local) already running (pid $(cat "$state/kinesis.pid"))"
  else
    if [ -d "$state/bronze" ]; then
      rm -rf "$state/bronze"
      log "a new, empty stream: removed bronze's checkpoints of the previous one ($state/bronze)"
    fi
    if [ "$kinesis_emulator" = kinesalite ]; then
      # In memory (no --path): a 10-minute stream at 1,000 records/s holds about 1 GB.
      nohup node --require "$state/loopback.js" "$kinesalite_main" --port "$kinesis_port" \
        --shardLimit "$((shards > 10 ? shards : 10))" >"$state/kinesis.log" 2>&1 &
      echo $! >"$state/kinesis.pid"
      echo kinesalite >"$state/kinesis.name"
    else
      # The stream is created at start-up (several shards); it is ACTIVE about 0.5 s later.
      KINESIS_MOCK_PLAIN_PORT=$kinesis_port KINESIS_MOCK_TLS_PORT=$kinesis_tls_port \
        KINESIS_MOCK_CERT_PATH="$(dirname "$kinesis_main")/server.json" \
        INITIALIZE_STREAMS="$stream:$shards" LOG_LEVEL=WARN \
        nohup node --require "$state/loopback.js" "$kinesis_main" >"$state/kinesis.log" 2>&1 &
      echo $! >"$state/kinesis.pid"
      echo kinesis-local >"$state/kinesis.name"
    fi
  fi
  if running s3; then
    log "S3Proxy already running (pid $(cat "$state/s3.pid"))"
  else
    cat >"$state/s3proxy.properties" <<PROPS
s3proxy.endpoint=http://127.0.0.1:$s3_port
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$access_key
s3proxy.credential=$secret_key
jclouds.provider=filesystem
jclouds.filesystem.basedir=$state/s3
PROPS
    # With the filesystem backend a bucket is a folder of basedir, created above.
    nohup java -Xmx512m -jar "$s3proxy_jar" --properties "$state/s3proxy.properties" \
      >"$state/s3.log" 2>&1 &
    echo $! >"$state/s3.pid"
  fi
  wait_for_port "$kinesis_port" kinesis
  if [ "$(cat "$state/kinesis.name")" = kinesalite ]; then
    create_stream
  fi
  wait_for_port "$s3_port" s3
  cat >"$state/env" <<ENV
KINESIS_ENDPOINT=http://127.0.0.1:$kinesis_port
S3_ENDPOINT=http://127.0.0.1:$s3_port
STREAM=$stream
LAKE=s3://$bucket/lake
ENV
  status
}

# kinesalite has no start-up streams: create the stream through its JSON API (it checks that a
# request is signed, not the signature) and wait until it is ACTIVE.
create_stream() {
  STREAM="$stream" SHARDS="$shards" PORT="$kinesis_port" node - <<'JS' || { log "could not create stream $stream"; return 1; }
const http = require('http');
function call(target, body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = http.request({ host: '127.0.0.1', port: +process.env.PORT, method: 'POST', path: '/',
      headers: { 'Content-Type': 'application/x-amz-json-1.1', 'X-Amz-Target': 'Kinesis_20131202.' + target,
        'Authorization': 'AWS4-HMAC-SHA256 Credential=lake-local/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=0',
        'X-Amz-Date': '20260101T000000Z', 'Content-Length': Buffer.byteLength(data) } },
      res => { let out = ''; res.on('data', c => out += c); res.on('end', () => resolve({ status: res.statusCode, body: out })); });
    req.on('error', reject);
    req.end(data);
  });
}
(async () => {
  const name = process.env.STREAM;
  const created = await call('CreateStream', { StreamName: name, ShardCount: +process.env.SHARDS });
  if (created.status !== 200 && !created.body.includes('ResourceInUseException')) throw new Error(created.body);
  for (let i = 0; i < 120; i++) {
    const d = await call('DescribeStreamSummary', { StreamName: name });
    if (d.status === 200 && JSON.parse(d.body).StreamDescriptionSummary.StreamStatus === 'ACTIVE') return;
    await new Promise(r => setTimeout(r, 250));
  }
  throw new Error('stream ' + name + ' not ACTIVE after 30 s');
})().catch(e => { console.error(e.message); process.exit(1); });
JS
}

status() {
  local any=0
  if running kinesis; then
    printf '%-14s ' "$(cat "$state/kinesis.name" 2>/dev/null || echo kinesis-local)"
    echo "pid $(cat "$state/kinesis.pid")  --kinesisEndpoint=http://127.0.0.1:$kinesis_port  --stream=$stream ($shards shards)"
    any=1
  else
    echo "Kinesis        stopped"
  fi
  if running s3; then
    echo "S3Proxy        pid $(cat "$state/s3.pid")  --s3Endpoint=http://127.0.0.1:$s3_port  --lake=s3://$bucket/lake  (files in $state/s3/$bucket)"
    any=1
  else
    echo "S3Proxy        stopped"
  fi
  [ $any = 1 ] && echo "logs and PIDs in $state"
  return 0
}

stop_one() {
  local name=$1
  if [ ! -f "$state/$name.pid" ]; then
    return 0
  fi
  local pid
  pid=$(cat "$state/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -9 "$pid"
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$state/$name.pid" "$state/$name.name"
}

case "${1:-}" in
  start) start ;;
  stop)
    case "${2:-}" in
      "") stop_one kinesis; stop_one s3 ;;
      kinesis | s3) stop_one "$2" ;;
      *) echo "usage: $0 stop [kinesis|s3]" >&2; exit 2 ;;
    esac ;;
  status) status ;;
  install) install ;;
  *) echo "usage: $0 start|stop [kinesis|s3]|status|install" >&2; exit 2 ;;
esac
