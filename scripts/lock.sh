#!/usr/bin/env bash
# Writes the Python lock files from pyproject.toml: every dependency pinned with
# the hashes of its files, for any Python from 3.11 on. Run it after changing a
# dependency in pyproject.toml, or with --upgrade to move everything to the
# newest versions allowed; then run scripts/test.sh and commit both files.
#   requirements/app.txt   what the image and scripts/run.sh install
#   requirements/dev.txt   the same plus the test and lint tools (scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
tool=.venv-lock
[ -x "$tool/bin/uv" ] || { python3 -m venv "$tool" && "$tool/bin/pip" install -q uv; }
compile() {
  "$tool/bin/uv" pip compile pyproject.toml --universal --python-version 3.11 \
    --generate-hashes --quiet "$@"
}
compile --extra embedded -o requirements/app.txt "${@}"
compile --extra embedded --extra dev -o requirements/dev.txt "${@}"
echo "wrote requirements/app.txt and requirements/dev.txt"
