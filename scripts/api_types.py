"""Writes the web app's API types (web/src/api/schema.d.ts) from the API's own description.

The description is the one ``/api/openapi.json`` serves, built from
``attune.app.create_app`` without a server, database, Redis or object store:
building the app connects to nothing, and the throw-away settings keep local
configuration (``.env``, ``ATTUNE_*``) out of it, so every machine writes the
same file. ``openapi-typescript`` (pinned in web/package-lock.json) turns it
into TypeScript; web/src/api/types.ts names the shapes the app uses from it.
tests/platform/test_api_types.py fails when the committed file is older than the API.

    scripts/api-types.sh                   # rewrite web/src/api/schema.d.ts
    .venv/bin/python scripts/api_types.py --out DIR   # write DIR/schema.d.ts instead
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WEB = ROOT / "web"
SCHEMA = WEB / "src" / "api" / "schema.d.ts"
GENERATOR = WEB / "node_modules" / ".bin" / "openapi-typescript"


def openapi_document(data_dir: Path) -> dict[str, Any]:
    """The API's description, from an app over settings that name only ``data_dir``."""
    for name in [name for name in os.environ if name.startswith("ATTUNE_")]:
        del os.environ[name]
    sys.path.insert(0, str(ROOT))
    from attune.app import create_app
    from core.config import Settings
    from core.runtime import Runtime

    settings = Settings(_env_file=None, data_dir=data_dir,  # type: ignore[call-arg]
                        database_url=f"sqlite:///{data_dir / 'unused.db'}",
                        redis_url="redis://127.0.0.1:1/0", secret_key="x" * 32,
                        web_dir=data_dir / "web")
    return create_app(Runtime(settings)).openapi()


def generate(out: Path) -> Path:
    """Write ``out``/schema.d.ts and return its path."""
    if not GENERATOR.exists():
        sys.exit(f"{GENERATOR.relative_to(ROOT)} is missing: run `npm ci --prefix web` first")
    with tempfile.TemporaryDirectory() as scratch:
        document = Path(scratch) / "openapi.json"
        document.write_text(json.dumps(openapi_document(Path(scratch)), indent=1))
        target = out / SCHEMA.name
        subprocess.run([str(GENERATOR), str(document), "--output", str(target)],
                       check=True, cwd=WEB, stdout=subprocess.DEVNULL)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=SCHEMA.parent,
                        help="folder for schema.d.ts (default: web/src/api)")
    print(generate(parser.parse_args().out))


if __name__ == "__main__":
    main()
