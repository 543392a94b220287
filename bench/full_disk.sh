#!/usr/bin/env bash
# The full-disk drill against a release build (a measurement, not a test):
# see bench/full_disk.py. Needs root (it mounts a 16 MB tmpfs).
#
# Usage: bench/full_disk.sh   (env: FAULT_SECS=20, BATON=path to a binary)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BATON:-}" ]; then
  cargo build --release --quiet
  BATON=target/release/baton
fi
exec python3 bench/full_disk.py "$BATON" tests/fixtures/github/pull_request/opened.payload.json
