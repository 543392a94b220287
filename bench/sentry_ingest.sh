#!/usr/bin/env bash
# Ingest throughput of the Sentry SDK endpoint `POST /api/{id}/envelope/`
# beside `POST /hooks/errors` with the same reports, against a release build.
#
# The reports: a realistic Python SDK error event of about 5 KB of JSON
# (exception with 8 frames and their context, breadcrumbs, contexts, tags,
# request, sdk), each with its own event_id (bench/sentry_events.py):
#   envelope  gzip-compressed envelopes (about 1.3 KB on the wire), keyed
#             by a DSN made with `/baton errors dsn`;
#   webhook   the same event as a Sentry issue-alert webhook, uncompressed,
#             to /hooks/errors with the bearer token.
# In mode `same` every event is one error (one fingerprint: one post, the
# rest counted); in `distinct` each event has its own fingerprint (held and
# summarised past the channel cap, as in production). Runs alternate
# webhook / envelope so both see the same machine load. Bodies are made
# beforehand (BODIES of each kind, split between the wrk threads) and sent
# in turn; a run that sends more than BODIES envelopes repeats event ids,
# which Baton then answers as duplicates (cheaper): the script prints the
# duplicates counted, which must be 0 for the figures to count. Use one
# round per Baton (a second round would repeat the ids). Uses wrk; prints
# requests/s and latency.
#
# Usage: bench/sentry_ingest.sh   (env: CONNS=32 THREADS=2 DURATION=5s
#        BODIES=60000)
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
DURATION=${DURATION:-5s}
BODIES=${BODIES:-60000}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet

work=$(mktemp -d)
for mode in same distinct; do
  for kind in envelope webhook; do
    python3 bench/sentry_events.py "$mode" "$kind" "$BODIES" "$work/$mode-$kind.bin"
  done
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
token=bench-$RANDOM$RANDOM
secret=bench-signing-$RANDOM
BATON_LISTEN=127.0.0.1:$port BATON_DATA=$work/bench.redb BATON_HOOK_TOKEN=$token \
SLACK_SIGNING_SECRET=$secret BATON_PUBLIC_URL=http://127.0.0.1:$port RUST_LOG=warn \
  target/release/baton serve >"$work/stdout.log" 2>"$work/stderr.log" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.05; done

# Subscribe #bench to every report and make a DSN (signed slash commands).
read -r key project < <(python3 - "$port" "$secret" <<'PY'
import hashlib, hmac, json, re, sys, time, urllib.parse, urllib.request
port, secret = sys.argv[1], sys.argv[2]
def command(text):
    body = urllib.parse.urlencode({"command": "/baton", "text": text,
        "user_id": "UBENCH", "channel_id": "CBENCH", "team_id": "T1"}).encode()
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/slack/commands", data=body, headers={
        "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
        "Content-Type": "application/x-www-form-urlencoded"})
    return json.loads(urllib.request.urlopen(req).read())["text"]
command("errors subscribe level=debug")
m = re.search(r"http://([0-9a-f]{32})@[^/]+/(\d+)", command("errors dsn shop"))
print(m.group(1), m.group(2))
PY
)

lua() { # $1 = file of bodies, $2 = path, $3 = header line
cat > "$work/run.lua" <<LUA
local bodies = {}
function init(args)
  local f = assert(io.open("$1", "rb"))
  while true do
    local line = f:read("*l")
    if not line then break end
    bodies[#bodies + 1] = f:read(tonumber(line))
  end
  f:close()
  wrk.method = "POST"
  $3
end
-- Each wrk thread sends its own slice of the bodies, so no event id repeats
-- within a run (unless a thread sends more than its slice).
local n = 0
local id = 0
function setup(thread) thread:set("slice", id); id = id + 1 end
function request()
  local per = math.floor(#bodies / $THREADS)
  local i = (slice or 0) * per + n % per + 1
  n = n + 1
  return wrk.format(nil, "$2", nil, bodies[i])
end
function response(status, headers, body)
  if status ~= 200 and status ~= 202 then print("status " .. status .. ": " .. body) end
end
LUA
}

# CPU ticks (1/100 s) Baton has used: "<HTTP worker threads> <writer thread>".
cpu_ticks() {
  local http=0 writer=0 stat name ticks
  for stat in /proc/$pid/task/*/stat; do
    read -r name ticks < <(sed -E 's/^[0-9]+ \((.*)\) (.*)$/\1|\2/' "$stat" 2>/dev/null \
      | awk -F'|' '{split($2, f, " "); gsub(/ /, "_", $1); print $1, f[12] + f[13]}') || continue
    case "$name" in
      baton-writer) writer=$((writer + ticks)) ;;
      *) http=$((http + ticks)) ;;
    esac
  done
  echo "$http $writer"
}

run() { # $1 = same|distinct, $2 = envelope|webhook
  if [ "$2" = envelope ]; then
    lua "$work/$1-envelope.bin" "/api/$project/envelope/" \
      "wrk.headers['Content-Encoding'] = 'gzip'; wrk.headers['Content-Type'] = 'application/x-sentry-envelope'; wrk.headers['X-Sentry-Auth'] = 'Sentry sentry_version=7, sentry_client=bench/1.0, sentry_key=$key'"
  else
    lua "$work/$1-webhook.bin" "/hooks/errors" \
      "wrk.headers['Authorization'] = 'Bearer $token'; wrk.headers['Content-Type'] = 'application/json'"
  fi
  echo
  echo "== $1 $2: $DURATION, $CONNS connections, $THREADS wrk threads; load $(cut -d' ' -f1-3 /proc/loadavg) =="
  local before after
  before=$(cpu_ticks)
  wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency -s "$work/run.lua" "http://127.0.0.1:$port" \
    >"$work/wrk.out"
  after=$(cpu_ticks)
  grep -E "Requests/sec|requests in|  50%|  99%|Non-2xx|status " "$work/wrk.out" | head -8
  # Baton's own CPU time per request (less sensitive to other load on the
  # machine than requests/s): HTTP worker threads and the writer thread.
  python3 - "$before" "$after" "$(grep -oE '^ *[0-9]+ requests in' "$work/wrk.out" | grep -oE '[0-9]+')" <<'PY'
import sys
before, after, requests = sys.argv[1].split(), sys.argv[2].split(), int(sys.argv[3])
hz = 100
http, writer = (int(a) - int(b) for a, b in zip(after, before))
print(f"Baton CPU per request: {http * 1e6 / hz / requests:.0f} us on the HTTP threads, "
      f"{writer * 1e6 / hz / requests:.0f} us on the writer thread")
PY
  echo "duplicates so far (repeated event ids, should stay 0): $(curl -s "http://127.0.0.1:$port/metrics" | grep '^baton_events_duplicate_total{source="sentry"}' | cut -d' ' -f2)"
}

for mode in same distinct; do
  run "$mode" webhook
  run "$mode" envelope
done
echo
echo "data file: $(du -h "$work/bench.redb" | cut -f1)"
