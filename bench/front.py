"""nginx as Attune's front door, started as a plain process.

The benchmarks and the tests run the same server block that production runs
(deploy/nginx/attune.conf.template), filled in the way the official nginx image
fills it in, inside a minimal main configuration that keeps every file nginx
writes (pid, logs, temporary bodies) in one directory of the caller's.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from string import Template

from core.embedded.process import wait_until_ready

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "attune.conf.template"

_MAIN = """\
worker_processes 1;
daemon off;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    include {dir}/attune.conf;
}}
"""


def nginx_binary() -> str | None:
    """Debian's nginx, which is in /usr/sbin (not on every user's PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def server_block(listen: str, api: list[str], store: str) -> str:
    """The production server block for these addresses (``host:port``)."""
    text = Template(TEMPLATE.read_text()).safe_substitute(
        ATTUNE_LISTEN=listen, ATTUNE_API_UPSTREAM=api[0], ATTUNE_S3_UPSTREAM=store)
    for more in api[1:]:
        text = text.replace(f"    server {api[0]};\n",
                            f"    server {api[0]};\n    server {more};\n", 1)
    return text


@dataclass
class Front:
    """A running nginx in front of ``api`` and ``store``, at ``url``."""

    process: subprocess.Popen[bytes]
    url: str
    directory: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def error_log(self) -> str:
        log = self.directory / "error.log"
        return log.read_text() if log.exists() else ""


def write_config(directory: Path, port: int, api: list[str], store: str) -> list[str]:
    """Write nginx's configuration for 127.0.0.1:``port`` into ``directory``;
    the command line that runs it in the foreground."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed (Debian: apt-get install nginx)")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "attune.conf").write_text(server_block(f"127.0.0.1:{port}", api, store))
    # As root nginx would hand its workers to "nobody", who cannot use the
    # caller's directory; the workers stay with the user who started it.
    user = "user root;" if _is_root() else ""
    (directory / "nginx.conf").write_text(_MAIN.format(dir=directory, user=user))
    return [binary, "-p", str(directory), "-c", str(directory / "nginx.conf"),
            "-e", str(directory / "error.log")]


def start_front(directory: Path, port: int, api: list[str], store: str,
                timeout_s: float = 15) -> Front:
    """nginx on 127.0.0.1:``port``; waits until it accepts connections (a start
    that fails raises with the tail of nginx's error log)."""
    argv = write_config(directory, port, api, store)
    log = directory / "error.log"
    with log.open("ab") as out:
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=out)

    def accepts() -> None:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()

    if not wait_until_ready("nginx", process, log, 0, probe=accepts,
                            waiting_for=f"nginx to listen on {port}", timeout=timeout_s,
                            poll_s=0.05):
        raise RuntimeError(f"port {port} was taken by another process; run again")
    return Front(process, f"http://127.0.0.1:{port}", directory)


def _is_root() -> bool:
    import os

    return os.geteuid() == 0
