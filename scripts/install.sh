#!/usr/bin/env bash
# Installs what Attune needs on Debian, only what is missing:
#   ffmpeg, redis-server and Node.js from Debian, a virtualenv (.venv) with the
#   package and its locked dependencies, and the web app built into web/dist
#   (served by `attune serve`).
# Usage: scripts/install.sh [--dev]    (--dev adds the test and lint tools)
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null || need_apt+=(ffmpeg)
command -v redis-server >/dev/null || need_apt+=(redis-server)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
# node and npm build the web app (and run tus-js-client in tests/ingest/test_tus_clients.py)
command -v node >/dev/null || need_apt+=(nodejs)
command -v npm >/dev/null || need_apt+=(npm)
if [ "${1:-}" = "--dev" ]; then
  command -v psql >/dev/null || need_apt+=(postgresql)
  # Debian's Chromium plays rendered playlists with hls.js in the browser tests
  command -v chromium >/dev/null || need_apt+=(chromium)
  # poppler-utils reads back the PDF reports in tests (pdftotext, pdftoppm)
  command -v pdftoppm >/dev/null || need_apt+=(poppler-utils)
  # nginx is the production front door; tests/platform/test_front.py runs its config
  command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need_apt+=(nginx)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing from Debian: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
  echo "Attune needs Python 3.11 or newer (found $(python3 --version))" >&2; exit 1; }
[ -x .venv/bin/python ] || python3 -m venv .venv
# Exactly the versions (and file hashes) in the lock, never whatever is newest
# today: scripts/lock.sh writes requirements/*.txt from pyproject.toml.
lock=requirements/app.txt; [ "${1:-}" = "--dev" ] && lock=requirements/dev.txt
stamp=".venv/.installed-$(cat "$lock" pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --require-hashes -r "$lock"
  .venv/bin/python -m pip install -q --no-deps -e .
  rm -f .venv/.installed*
  touch "$stamp"
fi

# The web app (web/: Preact, TypeScript, Vite), exactly as pinned in
# web/package-lock.json; rebuilt when web/dist is missing or older than its sources.
web_stale() {
  [ -f web/dist/index.html ] || return 0
  [ -n "$(find web/src web/index.html web/package.json web/package-lock.json \
            web/vite.config.ts web/tsconfig.json -newer web/dist/index.html -print -quit)" ]
}
if web_stale; then
  echo "building the web app into web/dist"
  npm ci --prefix web --no-audit --no-fund
  npm run --prefix web build
fi

if [ "${1:-}" = "--dev" ]; then
  # tus-js-client and hls.js, exactly as pinned in tests/js/package-lock.json
  if [ ! -d tests/js/node_modules ] || [ tests/js/package-lock.json -nt tests/js/node_modules ]; then
    npm ci --prefix tests/js --no-audit --no-fund
    touch tests/js/node_modules
  fi
fi
