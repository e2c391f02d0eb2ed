"""Talking to a running Attune server as a user, the way the CLI does.

User commands never open the database: they go through the same HTTP API as
every other client, with the token ``attune login`` stored in the user's
config directory (or ``ATTUNE_TOKEN``).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"


class ClientError(Exception):
    """A readable reason why a command could not do its work."""


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "attune"


def credentials_file() -> Path:
    return config_dir() / "credentials.json"


def save_credentials(url: str, token: str) -> Path:
    path = credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.write_text(json.dumps({"url": url, "token": token}))
    path.chmod(0o600)
    return path


def load_credentials() -> tuple[str, str | None]:
    """Server URL and token: environment first, then what ``attune login`` saved."""
    saved: dict[str, str] = {}
    if credentials_file().exists():
        saved = json.loads(credentials_file().read_text())
    url = os.environ.get("ATTUNE_URL") or saved.get("url") or DEFAULT_URL
    token = os.environ.get("ATTUNE_TOKEN") or saved.get("token")
    return url.rstrip("/"), token


def _reason(resp: httpx.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return f"HTTP {resp.status_code}"
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, list):  # request validation errors
        return "; ".join(f"{'.'.join(map(str, d.get('loc', [])[1:]))}: {d.get('msg')}"
                         for d in detail)
    return str(detail or f"HTTP {resp.status_code}")


@dataclass
class Api:
    url: str
    token: str | None

    @classmethod
    def from_env(cls) -> Api:
        return cls(*load_credentials())

    def _client(self, timeout: float | None = 30) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            with self._client(kwargs.pop("timeout", 30)) as client:
                resp = client.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ClientError(f"cannot reach {self.url}: {exc}") from None
        if resp.status_code == 401:
            raise ClientError(f"not logged in: {_reason(resp)} Run 'attune login'.")
        if resp.status_code >= 400:
            raise ClientError(_reason(resp))
        return resp.json() if resp.content else None

    def login(self, email: str, password: str) -> str:
        data = self.request("POST", "/api/auth/token",
                            data={"username": email, "password": password})
        token: str = data["access_token"]
        return token

    def case_by_label(self, label: str, create: bool = True) -> dict[str, Any]:
        for case in self.request("GET", "/api/cases"):
            if case["label"] == label:
                return dict(case)
        if not create:
            raise ClientError(f"no case labelled '{label}'")
        return dict(self.request("POST", "/api/cases", json={"label": label}))

    def upload(self, case_id: str, path: Path) -> dict[str, Any]:
        with path.open("rb") as fh:
            return dict(self.request("POST", f"/api/cases/{case_id}/clips",
                                     files={"file": (path.name, fh, "application/octet-stream")},
                                     timeout=None))

    def clip(self, clip_id: str) -> dict[str, Any]:
        return dict(self.request("GET", f"/api/clips/{clip_id}"))

    def wait_for_clip(self, clip_id: str, on_update: Callable[[dict[str, Any]], None],
                      interval_s: float = 1.0) -> dict[str, Any]:
        """Follow processing until the clip is ready or failed."""
        while True:
            clip = self.clip(clip_id)
            on_update(clip)
            if clip["status"] in ("ready", "failed"):
                return clip
            time.sleep(interval_s)
