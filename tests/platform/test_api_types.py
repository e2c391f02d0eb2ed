"""The web app's API types (web/src/api/schema.d.ts) are the API's description as it is now.

They are generated (scripts/api-types.sh) from the description the API serves,
and web/src/api/types.ts names the app's shapes from them, so a route that
changes what it answers without the types being regenerated fails here rather
than in a person's browser.
"""

from __future__ import annotations

import difflib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "web" / "src" / "api" / "schema.d.ts"


def test_committed_api_types_match_the_api(tmp_path: Path) -> None:
    # Its own process: building the app replaces this session's runtime.
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "api_types.py"), "--out",
                          str(tmp_path)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"scripts/api_types.py failed:\n{run.stdout}{run.stderr}"
    fresh = (tmp_path / COMMITTED.name).read_text()
    committed = COMMITTED.read_text() if COMMITTED.exists() else ""
    if fresh != committed:
        diff = "".join(list(difflib.unified_diff(
            committed.splitlines(keepends=True), fresh.splitlines(keepends=True),
            "web/src/api/schema.d.ts (committed)", "from the API now"))[:60])
        raise AssertionError("web/src/api/schema.d.ts is older than the API: run "
                             f"scripts/api-types.sh and commit the result.\n{diff}")
