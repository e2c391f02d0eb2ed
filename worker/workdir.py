"""Scratch space for a job on the worker's disk."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from core.runtime import Runtime


class Workdir:
    """A private scratch directory that is always removed, whatever happens."""

    def __init__(self, runtime: Runtime, kind: str = "transcode") -> None:
        root = runtime.settings.data_dir / "tmp"
        root.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f"{kind}-", dir=root))

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
