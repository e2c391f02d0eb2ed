# Attune API and worker image (one image, two commands; see docker-compose.yml).

# The web app, built from its lock file; only its output reaches the final image.
FROM node:22.12.0-bookworm-slim AS web
WORKDIR /web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# ffmpeg/ffprobe do all media work in the worker. `attune backup` and `restore`
# need pg_dump/pg_restore of the server's major version (PostgreSQL 16 in
# docker-compose.yml), which bookworm does not carry: they come from the
# PostgreSQL project's own repository, checked with the key postgresql-common ships.
ARG PG_CLIENT_MAJOR=16
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg ca-certificates postgresql-common \
    && echo "deb [signed-by=/usr/share/postgresql-common/pgdg/apt.postgresql.org.asc]" \
       "https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
       > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends "postgresql-client-${PG_CLIENT_MAJOR}" \
    && rm -rf /var/lib/apt/lists/*

# Recordings are health data: nothing runs as root.
RUN groupadd --system --gid 10001 attune \
    && useradd --system --uid 10001 --gid attune --home-dir /home/attune --create-home \
       --shell /usr/sbin/nologin attune

WORKDIR /app
# Exactly the locked versions and files (scripts/lock.sh), then the package itself.
COPY requirements/app.txt ./requirements/app.txt
RUN pip install --require-hashes -r requirements/app.txt
COPY pyproject.toml ./
COPY attune ./attune
COPY core ./core
COPY services ./services
COPY worker ./worker
RUN pip install --no-deps . \
    && mkdir -p /data \
    && chown attune:attune /data
COPY --from=web /web/dist ./web/dist

USER attune
ENV ATTUNE_DATA_DIR=/data \
    ATTUNE_WEB_DIR=/app/web/dist
EXPOSE 8000

# The worker service overrides this (it serves no HTTP).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4)"]

CMD ["attune", "api", "--host", "0.0.0.0", "--port", "8000"]
