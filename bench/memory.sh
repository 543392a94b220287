#!/usr/bin/env bash
# Memory benchmark (not a test): Baton's RSS against the number of delivery
# ids it keeps.
#
# For each count (0 to 5 million by default) a throwaway data file is filled
# with that many ids first seen over the last 6 days (state's `fill_dedup`
# example, which also times opening the file and sizes the id index), then
# `baton serve` starts on it: the time to ready (opening the file builds the
# index), the idle RSS, then signed `pull_request` deliveries with unique
# ids at 64 connections for DURATION, and the peak RSS (VmHWM) over all of
# it. The file grows from one count to the next.
#
#   bash bench/memory.sh                       # COUNTS="0 1000000 2500000 5000000", DURATION=10s
#   BATON=/path/to/other/baton bash bench/memory.sh   # measure another build
set -euo pipefail
cd "$(dirname "$0")/.."
COUNTS=${COUNTS:-0 1000000 2500000 5000000}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
PAYLOAD=${PAYLOAD:-tests/fixtures/github/pull_request/opened.payload.json}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
cargo build --release --quiet -p baton-state --example fill_dedup
BATON=${BATON:-target/release/baton}

work=$(mktemp -d)
pid=
cleanup() { kill $pid 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
secret=bench-secret-$RANDOM
signature=sha256=$(python3 -c 'import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), open(sys.argv[2],"rb").read(), hashlib.sha256).hexdigest())' "$secret" "$PAYLOAD")
kib() { awk "/$1/ {print \$2}" /proc/$pid/status; }

echo "Baton memory benchmark ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $BATON, $DURATION at $CONNECTIONS connections per count)"
for count in $COUNTS; do
  target/release/examples/fill_dedup "$work/bench.redb" "$count" | sed 's/^/  fill: /'
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  start_ns=$(date +%s%N)
  BATON_LISTEN=127.0.0.1:$port BATON_DATA=$work/bench.redb GITHUB_WEBHOOK_SECRET=$secret RUST_LOG=warn \
    "$BATON" serve >"$work/out.log" 2>&1 &
  pid=$!
  until curl -fs "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.01; done
  ready_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
  sleep 1
  idle=$(kib VmRSS)
  BODY_FILE=$PAYLOAD EVENT=pull_request SIGNATURE=$signature \
    wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/github.lua "http://127.0.0.1:$port/github/webhook" >"$work/wrk.txt"
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p99=$(awk '$1=="99%" {print $2}' "$work/wrk.txt")
  after=$(kib VmRSS); peak=$(kib VmHWM)
  printf '%9s ids kept: ready %6s ms  idle RSS %4s MiB  after load %4s MiB  peak RSS %4s MiB  | %9s req/s  p99 %8s\n' \
    "$count" "$ready_ms" $((idle / 1024)) $((after / 1024)) $((peak / 1024)) "$rps" "$p99"
  kill $pid; wait $pid 2>/dev/null || true; pid=
done
