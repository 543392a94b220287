#!/usr/bin/env bash
# Load test of Baton's webhook ingest (a benchmark, not a test).
#
# Starts a release build on loopback with a throwaway data file and sends
# signed deliveries of the real `pull_request` opened payload, each with a
# unique delivery id, for 15 s at 16 and at 64 connections. Two floors: an
# axum server that only checks the HMAC (examples/hmac_floor.rs, the least a
# webhook receiver does), and Baton given the same request with an event kind
# it ignores: signature check and routing only, no parse, no write. Prints requests/s, p50/p99 and the highest RSS
# sampled during each run (every 0.1 s), then idle and peak RSS (VmHWM) and
# the time to ready. Then the same deliveries into PostgreSQL (one replica,
# a throwaway cluster on this machine with PostgreSQL's default durability,
# started by .ci/postgres.sh; SKIP_POSTGRES=1 leaves it out, ONLY_POSTGRES=1
# runs only it). WITH_PROBOT=1 adds, after the HMAC floor at 64 connections,
# the same load on Probot's in-memory round-robin app (bench/probot.sh), on
# Probot's own server and behind its createNodeMiddleware on a plain server.
#
#   bash bench/ingest.sh            # DURATION=15s by default
#   WITH_PROBOT=1 SKIP_POSTGRES=1 bash bench/ingest.sh  # floor, Baton, Probot
#   BATON=/path/to/other/baton bash bench/ingest.sh   # measure another build
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15s}
PAYLOAD=${PAYLOAD:-tests/fixtures/github/pull_request/opened.payload.json}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
cargo build --release --quiet --example hmac_floor
BATON=${BATON:-target/release/baton}
. bench/wrk_measure.sh

work=$(mktemp -d)
pg_pid=; pg_dir=; floor_pid=
cleanup() {
  kill $pid $pg_pid $floor_pid 2>/dev/null || true
  [ -z "$pg_dir" ] || bash .ci/postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
secret=bench-secret-$RANDOM
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
signature=sha256=$(python3 -c 'import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), open(sys.argv[2],"rb").read(), hashlib.sha256).hexdigest())' "$secret" "$PAYLOAD")

start_ns=$(date +%s%N)
BATON_LISTEN=127.0.0.1:$port BATON_DATA=$work/bench.redb GITHUB_WEBHOOK_SECRET=$secret SLACK_SIGNING_SECRET=$secret RUST_LOG=info BATON_LOG_FORMAT=json \
  "$BATON" serve >"$work/out.log" 2>&1 &
pid=$!
until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.002; done
ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
sleep 1
idle_kb=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)

run() { # event connections label
  wrk_measure "${pg_pid:-${floor_pid:-$pid}}" "http://127.0.0.1:$port/github/webhook" "$1" "$2" "$3"
}

echo "Baton ingest benchmark ($(nproc) cores, $DURATION per run, payload $(wc -c <"$PAYLOAD") bytes)"
slash() { # text
  local body ts sig
  body="command=%2Fbaton&user_id=UBENCH&channel_id=CBENCH&text=$(python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1")"
  ts=$(date +%s)
  sig=v0=$(python3 -c 'import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), sys.argv[2].encode(), hashlib.sha256).hexdigest())' "$secret" "v0:$ts:$body")
  curl -fs -o /dev/null -H "X-Slack-Request-Timestamp: $ts" -H "X-Slack-Signature: $sig" --data "$body" "http://127.0.0.1:$port/slack/commands"
}

if [ "${ONLY_POSTGRES:-}" != 1 ]; then
for c in 16 64; do
  baton_port=$port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  target/release/examples/hmac_floor "$port" "$secret" & floor_pid=$!
  until curl -s -o /dev/null "http://127.0.0.1:$port/"; do sleep 0.01; done
  run pull_request "$c" "floor: axum, HMAC check only"
  kill $floor_pid; wait $floor_pid 2>/dev/null || true; floor_pid=; port=$baton_port
  if [ "${WITH_PROBOT:-}" = 1 ] && [ "$c" = 64 ]; then
    for server in "" middleware; do
      PROBOT_SERVER=$server DURATION=$DURATION PAYLOAD=$PAYLOAD bash bench/probot.sh || echo "Probot: figure not valid (see above)"
    done
  fi
  run zen "$c" "floor: HMAC check + routing only"
  run pull_request "$c" "pull_request: verify+parse+commit"
done
# The same deliveries with a reviewer pool watching the repository: every
# delivery now also loads the PR's assignment and the pools (the first one
# assigns; the rest find the assignment and change nothing).
slash "reviewers watch codertocat/hello-world"
for login in hubot monalisa defunkt; do slash "reviewers add $login"; done
run pull_request 64 "pull_request, pool watching the repo"

peak_kb=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
startup_ms=$(grep -o '"startup_ms":[0-9]*' "$work/out.log" | head -1 | cut -d: -f2)
echo "ready: ${startup_ms} ms from exec to listening (log), ${ready_ms} ms until an external /readyz poll answered; idle RSS: $((idle_kb / 1024)) MiB; peak RSS: $((peak_kb / 1024)) MiB"

fi

[ "${SKIP_POSTGRES:-}" = 1 ] && exit 0
kill $pid 2>/dev/null || true
pg_env=$(BATON_PG_DURABLE=1 bash .ci/postgres.sh start)
eval "$pg_env"
pg_dir=$BATON_PG_DIR
psql "$BATON_TEST_DATABASE_URL" -qc "CREATE DATABASE baton_bench"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
BATON_LISTEN=127.0.0.1:$port BATON_DATABASE_URL=${BATON_TEST_DATABASE_URL%/postgres}/baton_bench GITHUB_WEBHOOK_SECRET=$secret SLACK_SIGNING_SECRET=$secret RUST_LOG=info BATON_LOG_FORMAT=json \
  "$BATON" serve >"$work/pg.log" 2>&1 &
pg_pid=$!
until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.01; done
echo "PostgreSQL $(psql "$BATON_TEST_DATABASE_URL" -Atc 'SHOW server_version') on this machine, fsync=$(psql "$BATON_TEST_DATABASE_URL" -Atc 'SHOW fsync'), synchronous_commit=$(psql "$BATON_TEST_DATABASE_URL" -Atc 'SHOW synchronous_commit')"
for c in 16 64; do
  run pull_request "$c" "PostgreSQL: verify+parse+commit"
done
slash "reviewers watch codertocat/hello-world"
for login in hubot monalisa defunkt; do slash "reviewers add $login"; done
run pull_request 64 "PostgreSQL, pool watching the repo"
