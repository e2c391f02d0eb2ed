"""The ``attune`` command: run the service, manage users, upload recordings."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from attune.client import Api, ClientError, UploadPaused, UploadStopped, save_credentials
from attune.progress import StatusLine, TransferBar
from core.config import Settings, get_settings
from core.db.models import Role
from services.annotate.exchange import ExportFormat

app = typer.Typer(help="Attune: video feedback for youth care.", no_args_is_help=True,
                  add_completion=False)
user_app = typer.Typer(help="Manage users (admin, on the server).", no_args_is_help=True)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
audit_app = typer.Typer(help="The access log (NEN 7513).", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")


def _error(message: str) -> None:
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)


def _fail(message: str, code: int = 1) -> typer.Exit:
    _error(message)
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
    from core.logs import configure
    from core.runtime import Runtime

    # Attune's own logging (JSON with request ids, one line a request) replaces
    # uvicorn's configuration and access log.
    configure(settings.log_format)
    runtime = Runtime(settings)
    _announce_setup(runtime, host, port)
    uvicorn.run(create_app(runtime), host=host, port=port, log_config=None,
                access_log=False, proxy_headers=True)


def _announce_setup(runtime: Any, host: str, port: int) -> None:
    """While nobody has an account, log where and with which code the first
    admin is made (only someone who reads the server's log learns the code)."""
    from services.accounts.setup import announce

    shown = "localhost" if host in ("0.0.0.0", "::", "") else host
    with runtime.db() as db:
        announce(db, runtime.secret_key, runtime.settings.public_url or f"http://{shown}:{port}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the API and one worker; starts a local Redis and SeaweedFS under
    ATTUNE_DATA_DIR unless ATTUNE_REDIS_URL / ATTUNE_S3_ENDPOINT point elsewhere."""
    from core.embedded import EmbeddedServices, install_signal_handlers
    from core.lifetime import die_with_parent_hook

    settings = get_settings()
    if "log_format" not in settings.model_fields_set:
        # On a terminal, readable lines; set ATTUNE_LOG_FORMAT=json to collect them.
        settings = settings.model_copy(update={"log_format": "text"})
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
                   ATTUNE_DATABASE_URL=settings.resolved_database_url(),
                   ATTUNE_LOG_FORMAT=settings.log_format)
        worker = subprocess.Popen([sys.executable, "-m", "attune.cli", "worker"], env=env,
                                  preexec_fn=die_with_parent_hook(signal.SIGTERM))
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


@db_app.command("grant")
def db_grant(
    role: Annotated[str, typer.Argument(help="The role the API and workers connect as.")],
) -> None:
    """On PostgreSQL, as the owner: let the application's role use every table but
    only add to and read the access log. Run after every upgrade. Creates the
    role with the password in ATTUNE_APP_DB_PASSWORD if it does not exist."""
    from core.db.grants import GrantError, grant_app_role

    try:
        done = grant_app_role(get_settings().resolved_database_url(), role,
                              os.environ.get("ATTUNE_APP_DB_PASSWORD"))
    except GrantError as exc:
        raise _fail(str(exc)) from None
    for statement in done:
        typer.echo(statement)
    typer.echo(f"'{role}' may now add to and read the access log, not change it")


_PG_BIN = typer.Option("--pg-bin", file_okay=False, exists=True,
                       help="Directory of pg_dump/pg_restore (default: PATH).")


@app.command("backup")
def backup_command(
    directory: Annotated[Path, typer.Argument(file_okay=False,
                                              help="A new or empty directory.")],
    pg_bin: Annotated[Path | None, _PG_BIN] = None,
) -> None:
    """On the server, while it runs: back up the database (pg_dump, or SQLite's
    online backup), every object of both buckets with its content type and the
    signing key into DIRECTORY, with a manifest of counts and SHA-256 sums.
    The backup is itself recorded in the access log."""
    from core.backup import BackupError, backup

    try:
        manifest = backup(get_settings(), directory, pg_bin=pg_bin,
                          say=lambda line: typer.echo(line, err=True))
    except BackupError as exc:
        raise _fail(str(exc)) from None
    database, buckets = manifest["database"], manifest["buckets"]
    objects = sum(b["count"] for b in buckets.values())
    size = sum(b["bytes"] for b in buckets.values())
    events = (database.get("audit") or {}).get("events", 0)
    typer.echo(f"backed up into {directory}: {database['kind']} database at revision "
               f"{database['revision']} ({events} access-log events), {objects} objects "
               f"({size / 1e6:.1f} MB), the signing key")
    if manifest.get("unfinished_uploads"):
        typer.echo(f"note: {manifest['unfinished_uploads']} uploads were still arriving; "
                   "their bytes are not in the backup", err=True)


@app.command("restore")
def restore_command(
    directory: Annotated[Path, typer.Argument(exists=True, file_okay=False,
                                              help="A directory made by attune backup.")],
    replace: Annotated[bool, typer.Option(
        help="Replace what the target database and buckets hold.")] = False,
    pg_bin: Annotated[Path | None, _PG_BIN] = None,
) -> None:
    """Restore a backup into the configured database (existing, empty; on
    PostgreSQL connect as its owner) and buckets, after checking every file
    against the manifest. Refuses a target that holds data unless --replace.
    Checks the row counts and the access log's chain afterwards."""
    from core.backup import BackupError, restore

    try:
        done = restore(get_settings(), directory, replace=replace, pg_bin=pg_bin,
                       say=lambda line: typer.echo(line, err=True))
    except BackupError as exc:
        raise _fail(str(exc)) from None
    for warning in done.warnings:
        typer.echo(f"note: {warning}", err=True)
    typer.echo(f"restored the backup of {done.manifest['created_at']}: {done.objects} objects "
               f"({done.bytes / 1e6:.1f} MB); the access log is intact with "
               f"{done.audit_events} events, and the restore is recorded in it")


@audit_app.command("verify")
def audit_verify() -> None:
    """Walk the access log's hash chain (on the server); exit 1 at the first event
    that was changed or removed, naming it."""
    from core.audit import verify
    from core.db.session import session_scope

    with session_scope(get_settings().resolved_database_url()) as db:
        check = verify(db)
    if not check.intact:
        raise _fail(f"the access log is broken at event #{check.broken_at}: {check.reason} "
                    f"({check.events} events read)")
    typer.echo(f"the access log is intact: {check.events} events, the last #{check.last_id} "
               f"with hash {check.last_hash}")


@audit_app.command("export")
def audit_export(
    case: Annotated[str | None, typer.Option(help="Only this case (its id).")] = None,
    user: Annotated[str | None, typer.Option(help="Only this user (their id).")] = None,
    action: Annotated[str | None, typer.Option(help="Only this action, e.g. view_clip.")]
    = None,
    since: Annotated[str | None, typer.Option(help="From this time on (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this time (ISO 8601).")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", dir_okay=False,
                                                help="Write here instead of to stdout.")] = None,
) -> None:
    """Export the access log as CSV (log in as a privacy officer or an admin first).
    The export itself is recorded in the log."""
    given = {"case_id": case, "user_id": user, "action": action, "since": since,
             "until": until}
    _download(lambda: Api.from_env().audit_export({k: v for k, v in given.items() if v}),
              output)


def _download(fetch: Callable[[], bytes], output: Path | None) -> None:
    """Write what ``fetch`` returns to ``output`` (stdout when None), or fail readably."""
    try:
        data = fetch()
    except ClientError as exc:
        raise _fail(str(exc)) from None
    if output is None:
        sys.stdout.buffer.write(data)
        return
    output.write_bytes(data)
    typer.echo(f"wrote {output} ({len(data)} bytes)", err=True)


@user_app.command("add")
def user_add(
    email: str,
    role: Annotated[Role, typer.Option(help="professional, supervisor, admin or "
                                        "privacy_officer")],
    team: Annotated[str | None, typer.Option(help="Team name (created on first use).")] = None,
) -> None:
    """Add a user. The password comes from ATTUNE_PASSWORD or a prompt."""
    from core import audit
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
            audit.record(db, audit.Actor(None, None, "server", on_behalf_of="attune user add"),
                         action="add_user", object_type="user", object_id=user.id,
                         case_id=None, detail=f"{user.email} as {user.role.value}"
                         f"{', team ' + team if team else ''}")
            typer.echo(f"added {user.email} ({user.role.value}"
                       f"{', team ' + team if team else ''})")
    except UserError as exc:
        raise _fail(str(exc)) from None


@dataclass
class _People:
    """What an ``attune user`` command works with: the database, who the access
    log names (the server's operator), and the settings."""

    db: Any
    actor: Any
    settings: Settings

    def user(self, email: str) -> Any:
        from services.accounts import people

        return people.user_by_email(self.db, email)

    def link(self, user: Any) -> None:
        """Make a new one-time link for ``user`` and print it."""
        from services.accounts import people

        self.show(user, people.issue_link(self.db, self.actor, user, self.settings.public_url,
                                          self.settings.invite_ttl_s))

    def show(self, user: Any, link: Any) -> None:
        typer.echo(f"{link.purpose.value} link for {user.email} (works once, until "
                   f"{link.expires_at:%Y-%m-%d %H:%M} UTC):")
        typer.echo(link.url)
        if not self.settings.public_url:
            typer.echo("(put the address people open Attune at in front of it, or set "
                       "ATTUNE_PUBLIC_URL)", err=True)


@contextmanager
def _people(command: str) -> Iterator[_People]:
    """The database for an ``attune user`` command; a refusal is printed as an
    error (exit status 1), as the API would word it."""
    from core import audit
    from core.db.migrate import upgrade
    from core.db.session import session_scope
    from core.errors import DomainError

    settings = get_settings()
    url = settings.resolved_database_url()
    upgrade(url)
    try:
        with session_scope(url) as db:
            yield _People(db, audit.Actor(None, None, "server",
                                          on_behalf_of=f"attune user {command}"), settings)
    except DomainError as exc:
        raise _fail(exc.detail) from None


EmailArg = Annotated[str, typer.Argument(help="The person's e-mail address.")]


@user_app.command("list")
def user_list() -> None:
    """Everyone with an account: e-mail, name, role, team and status."""
    from services.accounts import people

    with _people("list") as p:
        rows = [(u.email, u.name or "-", u.role.value, u.team.name if u.team else "-",
                 people.status(u)) for u in people.find_users(p.db)]
    if not rows:
        typer.echo("nobody has an account yet")
        return
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=False))
                   + "  " + row[4])


@user_app.command("invite")
def user_invite(
    email: EmailArg,
    role: Annotated[Role, typer.Option(help="professional, supervisor, admin or "
                                        "privacy_officer")],
    team: Annotated[str | None, typer.Option(help="Team name (created on first use).")] = None,
    name: Annotated[str, typer.Option(help="The name colleagues see.")] = "",
) -> None:
    """Add a person without a password and print their invitation link."""
    from services.accounts import people

    with _people("invite") as p:
        people.free_email(p.db, email)  # before a new team is made for nobody
        team_row = people.team_by_name(p.db, p.actor, team) if team else None
        user, link = people.invite(p.db, p.actor, email, name, role, team_row,
                                   p.settings.public_url, p.settings.invite_ttl_s)
        typer.echo(f"invited {user.email} ({user.role.value}"
                   f"{', team ' + team_row.name if team_row else ''})")
        p.show(user, link)


@user_app.command("deactivate")
def user_deactivate(email: EmailArg) -> None:
    """Stop someone logging in: their sessions, tokens and links end at once."""
    from services.accounts import people

    with _people("deactivate") as p:
        people.change(p.db, p.actor, p.user(email), active=False)
        typer.echo(f"deactivated {email.strip().lower()}")


@user_app.command("activate")
def user_activate(email: EmailArg) -> None:
    """Let a deactivated person log in again."""
    from services.accounts import people

    with _people("activate") as p:
        people.change(p.db, p.actor, p.user(email), active=True)
        typer.echo(f"activated {email.strip().lower()}")


@user_app.command("reset-link")
def user_reset_link(email: EmailArg) -> None:
    """Print a new one-time link to set a password (older unused links stop)."""
    with _people("reset-link") as p:
        p.link(p.user(email))


@user_app.command("set-role")
def user_set_role(email: EmailArg,
                  role: Annotated[Role, typer.Argument(help="professional, supervisor, "
                                                            "admin or privacy_officer")]
                  ) -> None:
    """Change someone's role."""
    from services.accounts import people

    with _people("set-role") as p:
        people.change(p.db, p.actor, p.user(email), role=role)
        typer.echo(f"{email.strip().lower()} is now {role.value}")


@user_app.command("set-team")
def user_set_team(
    email: EmailArg,
    team: Annotated[str | None, typer.Argument(help="Team name (created on first use).")
                    ] = None,
    no_team: Annotated[bool, typer.Option("--no-team", help="Take them out of their team.")
                       ] = False,
) -> None:
    """Move someone to another team (or out of any with --no-team)."""
    from services.accounts import people

    if bool(team) == no_team:
        raise _fail("name a team, or give --no-team")
    with _people("set-team") as p:
        user = p.user(email)
        team_row = people.team_by_name(p.db, p.actor, team) if team else None
        people.change(p.db, p.actor, user, team=team_row)
        typer.echo(f"{user.email} is now in {'team ' + team_row.name if team_row else 'no team'}")


@user_app.command("reset-2fa")
def user_reset_2fa(email: EmailArg) -> None:
    """Turn off someone's two-factor sign-in and recovery codes (a lost phone)."""
    from services.accounts import people

    with _people("reset-2fa") as p:
        user = p.user(email)
        people.reset_second_factor(p.db, p.actor, user)
        typer.echo(f"two-factor sign-in of {user.email} is off; they can set it up again")


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


class Activity(StrEnum):
    """What a recording shows (the server's ``activity`` metadata)."""

    bath = "bath"
    feeding = "feeding"
    dressing = "dressing"
    play = "play"
    other = "other"


@dataclass(frozen=True)
class _UploadRequest:
    """One ``attune upload`` invocation, enough to tell the user how to go on."""

    files: list[Path]
    case: str
    wait: bool
    activity: Activity | None
    chunk_bytes: int | None

    def command_for(self, files: list[Path]) -> str:
        argv = ["attune", "upload", *map(str, files), "--case", self.case]
        argv += ["--wait"] if self.wait else []
        argv += ["--activity", self.activity.value] if self.activity else []
        return shlex.join(argv)


@app.command()
def upload(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False, readable=True)],
    case: Annotated[str, typer.Option("--case", help="Case label, e.g. 'Gezin 2026-014'.")],
    wait: Annotated[bool, typer.Option(help="Follow processing until the clip is ready.")] = False,
    activity: Annotated[Activity | None, typer.Option(
        help="What the recording shows.", case_sensitive=False)] = None,
    chunk_mib: Annotated[int | None, typer.Option(
        hidden=True, min=1, help="Fixed MiB per request (tests and benchmarks).")] = None,
) -> None:
    """Upload recordings to a case (created if it does not exist yet); prints clip ids.

    An interrupted upload (Ctrl-C, a lost connection) continues where it
    stopped when the same command is run again."""
    request = _UploadRequest(files, case, wait, activity,
                             chunk_mib * 1024 * 1024 if chunk_mib else None)
    api_ = Api.from_env()
    try:
        case_id = str(api_.case_by_label(case)["id"])
        uploaded, ok = _upload_files(api_, case_id, request)
        if wait and uploaded:
            ok = _follow_processing(api_, uploaded) and ok
    except ClientError as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:  # between requests: nothing is half done
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    if not ok:
        raise typer.Exit(1)


def _upload_files(api_: Api, case_id: str,
                  request: _UploadRequest) -> tuple[list[tuple[Path, str]], bool]:
    """Upload each file in turn, printing its clip id; a file the server refuses
    does not stop the others. Returns the uploaded files and whether all went."""
    uploaded: list[tuple[Path, str]] = []
    ok = True
    for index, path in enumerate(request.files):
        bar = TransferBar(path.name, path.stat().st_size)
        try:
            clip_id = api_.upload(case_id, path, listener=bar, chunk_bytes=request.chunk_bytes,
                                  activity=request.activity.value if request.activity else None)
        except UploadPaused as exc:
            bar.pause()
            raise _paused(exc, request, index, uploaded) from None
        except UploadStopped as exc:
            bar.pause()
            raise _fail(f"{path.name}: {exc}{_remaining_hint(request, index, uploaded)}") \
                from None
        except ClientError as exc:
            bar.pause()
            _error(f"{path.name}: {exc}")
            ok = False
            continue
        bar.finish()
        typer.echo(clip_id)
        uploaded.append((path, clip_id))
    return uploaded, ok


def _paused(exc: UploadPaused, request: _UploadRequest, index: int,
            uploaded: list[tuple[Path, str]]) -> typer.Exit:
    """Ctrl-C: say how far it got and how to continue; 130 like any shell."""
    if not uploaded:
        typer.echo(f"upload paused at {exc.percent}%; run the same command again to continue",
                   err=True)
    else:
        name = request.files[index].name
        typer.echo(f"upload of {name} paused at {exc.percent}%"
                   f"{_remaining_hint(request, index, uploaded)}", err=True)
    return typer.Exit(130)


def _remaining_hint(request: _UploadRequest, index: int,
                    uploaded: list[tuple[Path, str]]) -> str:
    """Running the same command again would upload the finished files twice:
    with several files, name the command that continues with the rest."""
    if not uploaded:
        return ""
    done = ", ".join(p.name for p, _ in uploaded)
    return (f"; already uploaded: {done}. To continue with the rest, run:\n  "
            f"{request.command_for(request.files[index:])}")


def _show_status(line: StatusLine) -> Callable[[dict[str, Any]], None]:
    def show(clip: dict[str, Any]) -> None:
        line.update(str(clip["status"]), float(clip.get("progress") or 0))

    return show


def _follow_processing(api_: Api, uploaded: list[tuple[Path, str]]) -> bool:
    """--wait: show each clip's processing until ready or failed."""
    ok = True
    for path, clip_id in uploaded:
        line = StatusLine(path.name)
        try:
            clip = api_.wait_for_clip(clip_id, _show_status(line))
        except KeyboardInterrupt:
            line.end()
            typer.echo("stopped following; the uploads are complete and processing goes on "
                       "on the server", err=True)
            raise typer.Exit(130) from None
        except ClientError as exc:
            line.end()
            raise _fail(str(exc)) from None
        line.end()
        if clip["status"] == "failed":
            _error(f"{path.name}: processing failed: {clip['error']}")
            ok = False
    return ok


@app.command("export")
def export_annotations(
    clip_id: Annotated[str, typer.Argument(help="The clip whose annotations to export.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", case_sensitive=False,
                                              help=ExportFormat.__doc__)],
    set_id: Annotated[str | None, typer.Option("--set", help="An annotation set; the clip's "
                                               "working set if left out.")] = None,
    output: Annotated[Path | None, typer.Option("-o", "--output", dir_okay=False,
                                                help="Write here instead of to stdout.")] = None,
) -> None:
    """Export a clip's annotations in a format researchers use."""
    api_ = Api.from_env()
    _download(lambda: api_.export(set_id or api_.working_set(clip_id), fmt.value), output)


@app.command("import")
def import_annotations(
    clip_id: Annotated[str, typer.Argument(help="The clip the annotations belong to.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True,
                                         help="An ELAN .eaf, a .csv, or a BORIS export "
                                              "(.csv, .tsv, .xlsx).")],
) -> None:
    """Import an ELAN, CSV or BORIS file into a new annotation set; prints its id.
    A file with any problem imports nothing, and every problem is listed."""
    api_ = Api.from_env()
    try:
        result = api_.import_file(clip_id, file)
    except ClientError as exc:
        raise _fail(f"{file.name}: {exc}") from None
    typer.echo(result["id"])
    typer.echo(f"imported {result['imported']} annotations into set '{result['name']}'",
               err=True)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
