#!/usr/bin/env bash
# Rewrites web/src/api/schema.d.ts, the web app's types for the API, from the
# API's description (no server needed). Run it after changing what a route
# takes or answers, and commit the result; tests/platform/test_api_types.py fails until then.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x web/node_modules/.bin/openapi-typescript ] || npm ci --prefix web --no-audit --no-fund
exec .venv/bin/python scripts/api_types.py "$@"
