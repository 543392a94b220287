#!/usr/bin/env bash
# Probot comparison for Baton's webhook ingest benchmark (issue 27; a
# benchmark, not a test). Starts the round-robin reviewer app in bench/probot/
# (Probot on Node, in-memory, no GitHub API call) on a free loopback port with
# a throwaway RSA key and webhook secret, and sends it the load of
# bench/ingest.sh: signed deliveries of the real `pull_request` opened
# payload, each with a unique X-GitHub-Delivery, `wrk -t2 -c64 --latency`.
# Prints one line in ingest.sh's format (requests/s, p50, p99, non-2xx, the
# highest RSS sampled every 0.1 s), then, on stderr, how many times the app's
# handler ran. Exits non-zero if any response was not 2xx or the handler ran
# fewer times than wrk counted responses: the figure is then not valid.
#
#   bash bench/probot.sh                 # DURATION=15s, CONNS=64 by default
#   PROBOT_SERVER=middleware bash bench/probot.sh   # Probot's createNodeMiddleware on a plain server
#   WITH_PROBOT=1 SKIP_POSTGRES=1 bash bench/ingest.sh   # beside Baton's figures
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15s}
CONNS=${CONNS:-64}
PAYLOAD=${PAYLOAD:-tests/fixtures/github/pull_request/opened.payload.json}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
. bench/wrk_measure.sh
[ -d bench/probot/node_modules ] || npm ci --prefix bench/probot --no-audit --no-fund >/dev/null

work=$(mktemp -d)
pid=
cleanup() {
  [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
secret=bench-secret-$RANDOM
openssl genrsa -out "$work/app.pem" 2048 2>/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
signature=sha256=$(python3 -c 'import hmac,hashlib,sys; print(hmac.new(sys.argv[1].encode(), open(sys.argv[2],"rb").read(), hashlib.sha256).hexdigest())' "$secret" "$PAYLOAD")

PORT=$port PROBOT_SERVER=${PROBOT_SERVER:-} APP_ID=1 PRIVATE_KEY_PATH=$work/app.pem WEBHOOK_SECRET=$secret LOG_LEVEL=warn NODE_ENV=production \
  node bench/probot/app.js >"$work/out.log" 2>&1 &
pid=$!
until curl -fs "http://127.0.0.1:$port/ping" >/dev/null; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/out.log" >&2; exit 1; }
  sleep 0.01
done

version=$(node -p 'require("./bench/probot/node_modules/probot/package.json").version')
wrk_measure "$pid" "http://127.0.0.1:$port/api/github/webhooks" pull_request "$CONNS" \
  "Probot $version${PROBOT_SERVER:+ ($PROBOT_SERVER)}: round-robin"
bad=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt"); bad=${bad:-0}

responses=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
count=$(curl -fs "http://127.0.0.1:$port/bench/count")
opened=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["opened"])' "$count")
echo "probot: $responses responses (wrk), handler ran $opened times ($count; Node $(node -v))" >&2
if [ "$bad" != 0 ] || [ "$opened" -lt "$responses" ]; then
  grep -v '^ *$' "$work/out.log" | tail -5 >&2
  echo "probot: figure not valid (non-2xx responses, or the handler did not run for every delivery)" >&2
  exit 1
fi
