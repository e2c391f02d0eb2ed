"""The ``attune`` command: run the service, manage users, upload recordings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from attune.client import Api, ClientError, save_credentials
from core.config import Settings, get_settings
from core.db.models import Role

app = typer.Typer(help="Attune: video feedback for youth care.", no_args_is_help=True,
                  add_completion=False)
user_app = typer.Typer(help="Manage users (admin, on the server).", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(db_app, name="db")


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def _prepare(settings: Settings) -> None:
    """Bring the database schema up to date and make sure the buckets exist."""
    from core.db.migrate import upgrade
    from core.runtime import Runtime

    upgrade(settings.resolved_database_url())
    Runtime(settings).ensure_buckets()


def _run_api(settings: Settings, host: str, port: int) -> None:
    import uvicorn

    from attune.app import create_app
    from core.runtime import Runtime

    uvicorn.run(create_app(Runtime(settings)), host=host, port=port, log_level="info",
                proxy_headers=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the API and one worker; starts a local Redis and SeaweedFS under
    ATTUNE_DATA_DIR unless ATTUNE_REDIS_URL / ATTUNE_S3_ENDPOINT point elsewhere."""
    from core.embedded import EmbeddedServices, die_with_parent_hook, install_signal_handlers

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    # SIGTERM must unwind through the finally blocks below, so that the worker
    # and the embedded services stop with us.
    install_signal_handlers()
    with EmbeddedServices(settings) as services:
        settings = services.settings().model_copy(
            update={"data_dir": settings.data_dir.resolve()})
        _prepare(settings)
        env = dict(os.environ, ATTUNE_REDIS_URL=settings.redis_url or "",
                   ATTUNE_S3_ENDPOINT=settings.s3_endpoint or "",
                   ATTUNE_DATA_DIR=str(settings.data_dir),
                   ATTUNE_DATABASE_URL=settings.resolved_database_url())
        worker = subprocess.Popen([sys.executable, "-m", "attune.cli", "worker"], env=env,
                                  preexec_fn=die_with_parent_hook())
        try:
            typer.echo(f"Attune is running at http://{host}:{port} (data in {settings.data_dir})")
            _run_api(settings, host, port)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()


@app.command()
def api(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run only the HTTP API against configured services (production shape)."""
    settings = get_settings()
    _prepare(settings)
    _run_api(settings, host, port)


@app.command()
def worker(
    burst: Annotated[bool, typer.Option(help="Stop when the queue is empty.")] = False,
) -> None:
    """Run a transcode worker (and the sweeper for lost jobs)."""
    from core.runtime import get_runtime
    from worker.main import run_worker

    run_worker(get_runtime(), burst=burst)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending database migrations."""
    from core.db.migrate import upgrade

    upgrade(get_settings().resolved_database_url())
    typer.echo("database is up to date")


@user_app.command("add")
def user_add(
    email: str,
    role: Annotated[Role, typer.Option(help="professional, supervisor or admin")],
    team: Annotated[str | None, typer.Option(help="Team name (created on first use).")] = None,
) -> None:
    """Add a user. The password comes from ATTUNE_PASSWORD or a prompt."""
    from core.auth import UserError, add_user
    from core.db.migrate import upgrade
    from core.db.session import session_scope

    password = os.environ.get("ATTUNE_PASSWORD") or typer.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    url = get_settings().resolved_database_url()
    upgrade(url)
    try:
        with session_scope(url) as db:
            user = add_user(db, email, password, role, team)
            typer.echo(f"added {user.email} ({user.role.value}"
                       f"{', team ' + team if team else ''})")
    except UserError as exc:
        raise _fail(str(exc)) from None


@app.command()
def login(url: Annotated[str | None, typer.Argument(help="Server URL.")] = None,
          email: Annotated[str | None, typer.Option(help="Your e-mail address.")] = None) -> None:
    """Log in to a server and remember the token for later commands."""
    api_ = Api.from_env()
    api_.url = (url or api_.url).rstrip("/")
    api_.token = None
    email = email or typer.prompt("E-mail")
    password = os.environ.get("ATTUNE_PASSWORD") or typer.prompt("Password", hide_input=True)
    try:
        token = api_.login(email, password)
    except ClientError as exc:
        raise _fail(str(exc)) from None
    path = save_credentials(api_.url, token)
    typer.echo(f"logged in to {api_.url} as {email} (token saved in {path})")


def _print_progress(clip: dict[str, object]) -> None:
    progress = float(clip.get("progress") or 0)  # type: ignore[arg-type]
    typer.echo(f"\r{clip['status']:<10} {progress * 100:5.1f}%", nl=False, err=True)


@app.command()
def upload(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)],
    case: Annotated[str, typer.Option("--case", help="Case label, e.g. 'Gezin 2026-014'.")],
    wait: Annotated[bool, typer.Option(help="Follow processing until the clip is ready.")] = False,
) -> None:
    """Upload recordings to a case (created if it does not exist yet); prints clip ids."""
    api_ = Api.from_env()
    failed = False
    try:
        case_row = api_.case_by_label(case)
        for path in files:
            clip = api_.upload(case_row["id"], path)
            typer.echo(clip["id"])
            if wait:
                clip = api_.wait_for_clip(clip["id"], _print_progress)
                typer.echo("", err=True)
                if clip["status"] == "failed":
                    typer.secho(f"{path.name}: processing failed: {clip['error']}",
                                fg=typer.colors.RED, err=True)
                    failed = True
    except ClientError as exc:
        raise _fail(str(exc)) from None
    if failed:
        raise typer.Exit(1)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
