"""The production shape (docker-compose.yml, Dockerfile) stays deployable.

A compose file is only exercised when someone deploys, so the rules that keep a
deployment reproducible and safe are checked here: images pinned by tag, no
archived MinIO server, health checks gating start order, secrets that must come
from ``.env``, and workers that can be scaled.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_SERVICES = ("api", "worker")
#: Run once and exit; the app services wait for them to succeed.
ONE_OFF_SERVICES = ("migrate",)
BACKING_SERVICES = ("postgres", "redis", "seaweedfs")
SECRET_VARIABLES = ("ATTUNE_S3_ACCESS_KEY", "ATTUNE_S3_SECRET_KEY", "ATTUNE_SECRET_KEY")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result = compose["services"]
    assert isinstance(result, dict)
    return result


def _split_image(image: str) -> tuple[str, str | None]:
    """``registry:5000/org/name:tag@digest`` -> (``registry:5000/org/name``, ``tag``)."""
    image = image.split("@", 1)[0]
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return image, None
    repository, tag = image.rsplit(":", 1)
    return repository, tag


def _command(service: dict[str, Any]) -> list[str]:
    command = service.get("command", [])
    return command.split() if isinstance(command, str) else [str(part) for part in command]


def _version(tag: str) -> tuple[int, ...]:
    match = re.match(r"(\d+(?:\.\d+)*)", tag)
    assert match, f"tag {tag!r} has no version number"
    return tuple(int(part) for part in match.group(1).split("."))


def test_expected_services(services: dict[str, dict[str, Any]]) -> None:
    assert set(APP_SERVICES + BACKING_SERVICES) <= set(services)


def test_images_are_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        assert "image" in service or "build" in service, f"{name} has neither image nor build"
        if "image" not in service:
            continue
        _, tag = _split_image(service["image"])
        assert tag, f"{name}: image {service['image']!r} has no tag"
        assert tag != "latest", f"{name}: image {service['image']!r} is not pinned"
        assert "$" not in tag, f"{name}: image tag must not depend on the environment"
        assert re.search(r"\d", tag), f"{name}: tag {tag!r} is not a version"


def test_no_minio_server(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        repository, _ = _split_image(service.get("image", ""))
        assert not repository.lower().endswith("minio"), (
            f"{name}: the MinIO server image is archived; use SeaweedFS"
        )


def test_backing_service_versions(services: dict[str, dict[str, Any]]) -> None:
    redis_repo, redis_tag = _split_image(services["redis"]["image"])
    assert redis_repo == "redis"
    assert redis_tag and re.fullmatch(r"7\.4\.\d+-alpine", redis_tag)
    pg_repo, pg_tag = _split_image(services["postgres"]["image"])
    assert pg_repo == "postgres"
    assert pg_tag and re.fullmatch(r"16\.\d+(-[a-z]+)?", pg_tag)
    sw_repo, sw_tag = _split_image(services["seaweedfs"]["image"])
    assert sw_repo == "chrislusf/seaweedfs"
    assert sw_tag and _version(sw_tag) >= (3, 80)


def test_every_service_has_a_healthcheck(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        if name in ONE_OFF_SERVICES:
            continue
        check = service.get("healthcheck")
        assert check, f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name} disables its healthcheck"
        assert check.get("test") not in (None, ["NONE"], "NONE"), f"{name}: empty healthcheck"


def test_app_services_wait_for_healthy_backing_services(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in APP_SERVICES:
        depends = services[name].get("depends_on")
        assert isinstance(depends, dict), f"{name}: depends_on needs conditions"
        for backing in BACKING_SERVICES:
            assert depends.get(backing, {}).get("condition") == "service_healthy", (
                f"{name} must wait for a healthy {backing}"
            )


def test_migrations_run_as_the_owner_and_the_app_role_only_adds_to_the_access_log(
    services: dict[str, dict[str, Any]],
) -> None:
    migrate = services["migrate"]
    assert migrate["restart"] == "no"
    assert _command(migrate)[-1] == "attune db upgrade && attune db grant attune_app"
    env = migrate["environment"]
    assert env["ATTUNE_DATABASE_URL"].startswith("postgresql+psycopg://attune:${POSTGRES_PASSWORD:?")
    assert env["ATTUNE_APP_DB_PASSWORD"].startswith("${ATTUNE_APP_DB_PASSWORD:?")
    assert services["api"]["depends_on"]["migrate"]["condition"] == \
        "service_completed_successfully"


def test_worker_is_scalable(services: dict[str, dict[str, Any]]) -> None:
    worker = services["worker"]
    assert "container_name" not in worker
    assert "ports" not in worker
    assert _command(worker) == ["attune", "worker"]


def test_api_command(services: dict[str, dict[str, Any]]) -> None:
    assert _command(services["api"]) == ["attune", "api", "--host", "0.0.0.0", "--port", "8000"]


def test_app_environment(services: dict[str, dict[str, Any]]) -> None:
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert isinstance(env, dict), f"{name}: environment as a mapping"
        assert env["ATTUNE_REDIS_URL"] == "redis://redis:6379/0"
        assert env["ATTUNE_S3_ENDPOINT"] == "seaweedfs:8333"
        assert env["ATTUNE_DATA_DIR"] == "/data"
        assert env["ATTUNE_DATABASE_URL"].startswith("postgresql+psycopg://attune_app:")
        assert env["ATTUNE_DATABASE_URL"].endswith("@postgres:5432/attune")
        assert "${ATTUNE_APP_DB_PASSWORD:?" in env["ATTUNE_DATABASE_URL"]
        for variable in SECRET_VARIABLES:
            assert env[variable].startswith(f"${{{variable}:?"), (
                f"{name}: {variable} must be required from .env"
            )


def test_seaweedfs_uses_the_app_credentials(services: dict[str, dict[str, Any]]) -> None:
    env = services["seaweedfs"]["environment"]
    assert env["AWS_ACCESS_KEY_ID"].startswith("${ATTUNE_S3_ACCESS_KEY:?")
    assert env["AWS_SECRET_ACCESS_KEY"].startswith("${ATTUNE_S3_SECRET_KEY:?")
    assert "-s3" in _command(services["seaweedfs"])


def test_stateful_services_keep_data_in_volumes(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    declared = set(compose.get("volumes") or {})
    for name in BACKING_SERVICES:
        mounts = services[name].get("volumes") or []
        named = {str(mount).split(":", 1)[0] for mount in mounts}
        assert named & declared, f"{name} keeps its data in no named volume"
    assert "--appendonly" in _command(services["redis"])


def test_backing_services_are_not_published(services: dict[str, dict[str, Any]]) -> None:
    for name in BACKING_SERVICES:
        assert "ports" not in services[name], f"{name} must stay on the private network"


def test_only_the_front_door_is_published(services: dict[str, dict[str, Any]]) -> None:
    assert services["front"]["ports"] == ["${ATTUNE_PUBLISH:-127.0.0.1:8000}:8080"]
    for name in APP_SERVICES + ONE_OFF_SERVICES:
        assert "ports" not in services[name], f"{name} is reached through the front door"


def test_the_front_door_streams_media_from_the_store_the_api_signs_for(
        services: dict[str, dict[str, Any]]) -> None:
    """nginx's store location is the one the API links and redirects to, it only
    reads, it proxies to the S3 endpoint the API presigns for, and every
    placeholder of the template is filled in."""
    front, api = services["front"], services["api"]
    mount = next(m for m in front["volumes"] if m.startswith("./deploy/nginx/"))
    template = (ROOT / mount.split(":", 1)[0]).read_text()
    assert mount.split(":")[1].startswith("/etc/nginx/templates/")
    location = api["environment"]["ATTUNE_STORE_PROXY"]
    block = template.split(f"location {location} {{", 1)[1].split("\n    }", 1)[0]
    assert "limit_except GET" in block
    assert "proxy_set_header Authorization \"\";" in block
    env = front["environment"]
    assert env["ATTUNE_S3_UPSTREAM"] == api["environment"]["ATTUNE_S3_ENDPOINT"]
    assert env["ATTUNE_API_UPSTREAM"] == "api:" + _command(api)[-1]
    assert set(re.findall(r"\$\{(\w+)\}", template)) <= set(env)
    assert front["depends_on"]["api"]["condition"] == "service_healthy"


def test_dockerfile() -> None:
    text = (ROOT / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)(?:\s+AS\s+(\S+))?", text, flags=re.MULTILINE)
    assert [name for _, name in stages] == ["web", ""], "a web build stage, then the image"
    for image, _ in stages:
        tag = _split_image(image)[1]
        assert tag and re.fullmatch(r"\d+\.\d+\.\d+-(slim-)?bookworm(-slim)?", tag), image
    assert [_split_image(image)[0] for image, _ in stages] == ["node", "python"]
    final = text.split("\nFROM python", 1)[1]
    assert re.search(r"apt-get install[^\n]*ffmpeg", final)
    assert "npm" not in final and "nodejs" not in final, "no build tools in the final image"
    # dependencies exactly as locked, then the package without resolving again
    assert re.search(r"^RUN pip install --require-hashes -r requirements/app\.txt$", final,
                     flags=re.MULTILINE)
    assert re.search(r"^RUN pip install --no-deps \.", final, flags=re.MULTILINE)
    # the web app is built from its lock file and lands where the app serves it from
    assert re.search(r"^RUN npm ci\b", text, flags=re.MULTILINE)
    served = re.search(r"ATTUNE_WEB_DIR=(\S+)", final)
    assert served and re.search(r"^COPY --from=web /web/dist \./web/dist$", final,
                                flags=re.MULTILINE)
    workdir = re.findall(r"^WORKDIR\s+(\S+)", final, flags=re.MULTILINE)[-1]
    assert served.group(1) == f"{workdir}/web/dist"
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.MULTILINE)
    assert users and users[-1] not in {"root", "0"}, "the image must not run as root"
    assert re.search(r"^HEALTHCHECK .*", text, flags=re.MULTILINE)
    assert "/api/health" in text


def test_the_image_can_back_up_the_compose_database(services: dict[str, dict[str, Any]]) -> None:
    """pg_dump refuses a newer server: the image's client is the database's major version."""
    client = re.search(r"^ARG PG_CLIENT_MAJOR=(\d+)$", (ROOT / "Dockerfile").read_text(),
                       flags=re.MULTILINE)
    server_tag = _split_image(services["postgres"]["image"])[1]
    assert client and server_tag and server_tag.split(".")[0] == client.group(1)


def test_dockerignore_keeps_secrets_out() -> None:
    patterns = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".env", ".git/", ".venv/", "data/"} <= patterns


def _compose_plugin_works() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        result = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0


def _compose_config(variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``docker compose config -q`` with exactly ``variables`` (no local .env)."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "DOCKER_HOST") if key in os.environ}
    env.update(variables)
    return subprocess.run(
        ["docker", "compose", "--env-file", os.devnull, "-f", str(COMPOSE_FILE), "config", "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(not _compose_plugin_works(), reason="docker compose plugin not available")
def test_docker_compose_config_is_valid() -> None:
    result = _compose_config(
        {
            "POSTGRES_PASSWORD": "example-password",
            "ATTUNE_S3_ACCESS_KEY": "example-access",
            "ATTUNE_S3_SECRET_KEY": "example-secret-key",
            "ATTUNE_SECRET_KEY": "example-signing-key",
            "ATTUNE_APP_DB_PASSWORD": "example-app-password",
        }
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.skipif(not _compose_plugin_works(), reason="docker compose plugin not available")
def test_docker_compose_refuses_missing_secrets() -> None:
    result = _compose_config({})
    assert result.returncode != 0
    assert "in .env" in result.stderr
