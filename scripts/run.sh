#!/usr/bin/env bash
# One command to run Attune on embedded defaults: installs what is missing,
# then serves the API and a worker with SQLite, a local Redis and a local
# SeaweedFS S3 store, all under ATTUNE_DATA_DIR (default ./data).
# Usage: scripts/run.sh [--host H] [--port N]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export ATTUNE_DATA_DIR="${ATTUNE_DATA_DIR:-$PWD/data}"
exec .venv/bin/attune serve "$@"
