#!/usr/bin/env bash
# Ingest throughput of `POST /hooks/errors` against a release build.
#
# Two runs of DURATION each over CONNS keep-alive connections:
#   same      — reports of one error (ids in the message differ, so they
#               group to one fingerprint: one post, the rest counted);
#   distinct  — every report a new fingerprint (10,000+ distinct ones in a
#               run; past the channel cap, BATON_ERROR_CHANNEL_CAP a minute,
#               they are held and summarised, as in production).
# One channel subscribes to every report first, so each report is routed,
# decided and stored (one redb transaction per group commit). Slack is
# offline (messages printed to a file). Uses wrk (apt-get install -y wrk);
# prints requests/s and latency percentiles.
#
# Usage: bench/errors_ingest.sh   (env: CONNS=32 THREADS=2 DURATION=10s
#        BATON_ERROR_CHANNEL_CAP=20)
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-10s}
CAP=${BATON_ERROR_CHANNEL_CAP:-20}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token=bench-$RANDOM$RANDOM
secret=bench-signing-$RANDOM
BATON_LISTEN=127.0.0.1:$port BATON_DATA=$work/bench.redb BATON_HOOK_TOKEN=$token \
SLACK_SIGNING_SECRET=$secret BATON_ERROR_CHANNEL_CAP=$CAP RUST_LOG=warn \
  target/release/baton serve >"$work/stdout.log" 2>"$work/stderr.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.05; done

# Subscribe #bench to every report (a signed slash command).
python3 - "$port" "$secret" <<'PY'
import hashlib, hmac, sys, time, urllib.parse, urllib.request
port, secret = sys.argv[1], sys.argv[2]
body = urllib.parse.urlencode({"command": "/baton", "text": "errors subscribe level=debug",
    "user_id": "UBENCH", "channel_id": "CBENCH", "team_id": "T1"}).encode()
ts = str(int(time.time()))
sig = "v0=" + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
req = urllib.request.Request(f"http://127.0.0.1:{port}/slack/commands", data=body, headers={
    "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
    "Content-Type": "application/x-www-form-urlencoded"})
print("subscribe:", urllib.request.urlopen(req).read().decode()[:100])
PY

lua() { # $1 = same|distinct
cat > "$work/$1.lua" <<LUA
local mode, counter = "$1", 0
local id = 0
function setup(thread) thread:set("id", id); id = id + 1 end
function init(args)
  wrk.method = "POST"
  wrk.headers["Authorization"] = "Bearer $token"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  counter = counter + 1
  local n = id * 1000000 + counter
  local body
  if mode == "same" then
    body = '{"service":"checkout","level":"error","message":"Payment for order ' .. n .. ' failed: card declined","exception":{"type":"CardDeclined","value":"issuer said no"}}'
  else
    body = '{"service":"checkout","level":"error","message":"Payment for order ' .. n .. ' failed","fingerprint":["bench-' .. n .. '"]}'
  end
  return wrk.format(nil, "/hooks/errors", nil, body)
end
function response(status, headers, body)
  if status ~= 202 then print("status " .. status .. ": " .. body) end
end
LUA
}

run() { # $1 = same|distinct
  lua "$1"
  echo
  echo "== $1: $DURATION, $CONNS connections, $THREADS wrk threads =="
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$work/$1.lua" "http://127.0.0.1:$port" \
    | grep -E "Requests/sec|requests in|Latency|  50%|  90%|  99%|Non-2xx|status "
}

run same
run distinct
echo
echo "data file: $(du -h "$work/bench.redb" | cut -f1); outbox messages printed: $(grep -c 'chat.postMessage' "$work/stdout.log" || true)"
