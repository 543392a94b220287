# Sourced by the webhook benchmarks (bench/ingest.sh, bench/probot.sh): one
# wrk run of signed deliveries with the highest RSS of the serving process
# sampled every 0.1 s, printed as one line. Needs PAYLOAD, DURATION,
# `signature` (of PAYLOAD) and `work` (a scratch folder); leaves wrk's output
# in "$work/wrk.txt".
#
#   wrk_measure PID URL EVENT CONNECTIONS LABEL
wrk_measure() {
  local target=$1 url=$2 event=$3 connections=$4 label=$5
  echo 0 >"$work/rss.max"
  ( max=0; while r=$(awk '/VmRSS/ {print $2}' /proc/$target/status 2>/dev/null) && [ -n "$r" ]; do
      [ "$r" -gt "$max" ] && max=$r && echo "$max" >"$work/rss.max"; sleep 0.1; done ) &
  local sampler=$!
  BODY_FILE=$PAYLOAD EVENT=$event SIGNATURE=$signature \
    wrk -t2 -c"$connections" -d"$DURATION" --latency -s bench/github.lua "$url" >"$work/wrk.txt"
  kill $sampler 2>/dev/null; wait $sampler 2>/dev/null || true
  local rss rps p50 p99 bad
  rss=$(( $(cat "$work/rss.max") / 1024 ))
  rps=$(awk '/Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1=="50%" {print $2}' "$work/wrk.txt")
  p99=$(awk '$1=="99%" {print $2}' "$work/wrk.txt")
  bad=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt"); bad=${bad:-0}
  printf '%-34s %4s conns  %10s req/s  p50 %8s  p99 %8s  non-2xx %s  RSS max %s MiB\n' \
    "$label" "$connections" "$rps" "$p50" "$p99" "$bad" "$rss"
}
