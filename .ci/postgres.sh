#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for Baton's tests, on a loopback port, run as
# an unprivileged user (initdb refuses root), in a temporary folder.
#
#   eval "$(bash .ci/postgres.sh start)"   # installs PostgreSQL if absent, starts
#                                          # a cluster, prints the two exports:
#                                          #   BATON_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres
#                                          #   BATON_PG_DIR=<the cluster's folder>
#   cargo test --workspace
#   bash .ci/postgres.sh stop              # stops the cluster in $BATON_PG_DIR, removes the folder
#
# Options (environment):
#   BATON_PG_DURABLE=1     keep PostgreSQL's default durability (fsync on); by
#                          default the throwaway cluster skips fsync, for speed
#   BATON_PG_WATCH_PID=N   stop and remove the cluster when process N exits
#                          (the tests use this when they start a cluster themselves)
#   BATON_PG_NO_INSTALL=1  fail instead of installing PostgreSQL when it is absent
#
# Progress goes to stderr; stdout carries only the exports.
set -euo pipefail

log() { echo "postgres.sh: $*" >&2; }

# The newest PostgreSQL server binaries on this machine (Debian keeps them
# off PATH, in /usr/lib/postgresql/<version>/bin).
find_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
    echo "$dir"
  elif command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
    dirname "$(command -v initdb)"
  fi
}

# Run a command as root: directly when root, else through sudo.
as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo -n "$@"
  else
    log "PostgreSQL is not installed and this user ($(id -un)) is neither root nor has sudo; install it with: apt-get install -y postgresql"
    exit 1
  fi
}

install_postgres() {
  if [ "${BATON_PG_NO_INSTALL:-}" = 1 ]; then
    log "PostgreSQL is not installed; install it with: apt-get install -y postgresql"
    exit 1
  fi
  if ! command -v apt-get >/dev/null; then
    log "PostgreSQL is not installed and this is not a Debian-like system; install PostgreSQL (initdb, pg_ctl) and put it on PATH"
    exit 1
  fi
  log "installing PostgreSQL from Debian's packages"
  # Only the binaries are wanted: no system cluster created or started.
  if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
    as_root mkdir -p /etc/postgresql-common
    echo "create_main_cluster = false" | as_root tee /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
}

# The user the cluster runs as: this one, or an unprivileged one when root.
cluster_user() {
  if [ "$(id -u)" != 0 ]; then
    id -un
  elif id baton-ci >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin baton-ci >/dev/null 2>&1; then
    echo baton-ci
  else
    echo nobody
  fi
}

run_as() {
  local user=$1
  shift
  if [ "$(id -un)" = "$user" ]; then
    "$@"
  else
    runuser -u "$user" -- "$@"
  fi
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  local bindir user dir port tries=0
  bindir=$(find_bindir)
  if [ -z "$bindir" ]; then
    install_postgres
    bindir=$(find_bindir)
    [ -n "$bindir" ] || { log "PostgreSQL was installed but initdb/pg_ctl are not found"; exit 1; }
  fi
  user=$(cluster_user)
  dir=$(mktemp -d "${TMPDIR:-/tmp}/baton-pg.XXXXXX")
  chmod 755 "$dir"
  if [ "$(id -u)" = 0 ]; then
    chown "$user" "$dir"
  fi
  run_as "$user" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
    || run_as "$user" "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
    || { log "initdb failed:"; cat "$dir/initdb.log" >&2; exit 1; }
  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if [ "${BATON_PG_DURABLE:-}" = 1 ]; then
    durability=""
  fi
  while :; do
    port=$((20000 + RANDOM % 30000))
    if port_in_use "$port"; then
      continue
    fi
    if run_as "$user" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-k $dir -p $port -c listen_addresses=127.0.0.1 -c max_connections=300 $durability" start >/dev/null 2>&1; then
      break
    fi
    tries=$((tries + 1))
    if [ "$tries" -ge 5 ]; then
      log "pg_ctl could not start the cluster:"
      cat "$dir/server.log" >&2 || true
      exit 1
    fi
  done
  echo "$bindir" >"$dir/bindir"
  echo "$user" >"$dir/user"
  log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') running on 127.0.0.1:$port as $user in $dir"
  if [ -n "${BATON_PG_WATCH_PID:-}" ]; then
    # Detached watcher: stop the cluster once the process that asked for it is gone.
    nohup bash "$0" watch "$BATON_PG_WATCH_PID" "$dir" </dev/null >/dev/null 2>&1 &
  fi
  echo "export BATON_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/postgres"
  echo "export BATON_PG_DIR=$dir"
}

stop() {
  local dir=${1:-${BATON_PG_DIR:-}}
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then
    log "no cluster to stop (give its folder, or set BATON_PG_DIR)"
    return 0
  fi
  if [ -f "$dir/bindir" ] && [ -f "$dir/data/postmaster.pid" ]; then
    run_as "$(cat "$dir/user")" "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  log "stopped and removed $dir"
}

watch() {
  local pid=$1 dir=$2
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
  done
  stop "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  watch) watch "$2" "$3" ;;
  *)
    echo "usage: $0 start | stop [DIR]" >&2
    exit 2
    ;;
esac
