#!/usr/bin/env bash
# One command to run the test suite on real parts: installs what is missing
# (ffmpeg, redis-server, PostgreSQL from Debian; the venv with test tools),
# starts Redis/PostgreSQL if nothing listens on their ports, then runs
# ruff, mypy and pytest. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --dev

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! listening 6379; then
  echo "starting a local redis-server on 6379"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi
if ! listening 5432; then
  echo "starting the local PostgreSQL cluster"
  cluster=$(ls /etc/postgresql | sort -V | tail -n1)
  pg_ctlcluster --skip-systemctl-redirect "$cluster" main start
  for _ in $(seq 30); do listening 5432 && break; sleep 1; done
fi
pg_url="${ATTUNE_TEST_PG:-postgresql://postgres@127.0.0.1:5432/postgres}"
if ! psql "$pg_url" -Atc 'select 1' >/dev/null 2>&1; then
  # A fresh Debian cluster asks for a password on TCP: give the postgres role a
  # local test password (only when trust auth is not set up and we are root).
  echo "PostgreSQL refuses password-less TCP logins; setting a local test password"
  su postgres -c "psql -qc \"ALTER ROLE postgres PASSWORD 'attune-test'\""
  pg_url="postgresql://postgres:attune-test@127.0.0.1:5432/postgres"
fi
export ATTUNE_TEST_PG="$pg_url"

.venv/bin/ruff check .
.venv/bin/mypy
exec .venv/bin/pytest "$@"
