# Attune API and worker image (one image, two commands; see docker-compose.yml).
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# ffmpeg/ffprobe do all media work in the worker.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*

# Recordings are health data: nothing runs as root.
RUN groupadd --system --gid 10001 attune \
    && useradd --system --uid 10001 --gid attune --home-dir /home/attune --create-home \
       --shell /usr/sbin/nologin attune

WORKDIR /app
COPY pyproject.toml ./
COPY attune ./attune
COPY core ./core
COPY services ./services
COPY worker ./worker
RUN pip install . \
    && mkdir -p /data \
    && chown attune:attune /data

USER attune
ENV ATTUNE_DATA_DIR=/data
EXPOSE 8000

# The worker service overrides this (it serves no HTTP).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/api/health', timeout=4)"]

CMD ["attune", "api", "--host", "0.0.0.0", "--port", "8000"]
