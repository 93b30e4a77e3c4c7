# The inventory service: docker build -t inventory . && docker run -p 8000:8000 -v inventory-data:/app/data inventory
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    INVENTORY_DATABASE_URL=sqlite+aiosqlite:////app/data/inventory.db \
    INVENTORY_LOG_FORMAT=json

WORKDIR /app
RUN useradd --system --uid 10001 --no-create-home --home-dir /app inventory

# Dependencies first, from the lock, so code changes reuse this layer.
COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY alembic.ini pyproject.toml ./
COPY alembic ./alembic
COPY app ./app
COPY scripts/entrypoint.sh ./scripts/entrypoint.sh
RUN mkdir -p /app/data && chown inventory:inventory /app/data

USER inventory
VOLUME ["/app/data"]
EXPOSE 8000
# Liveness only: a database outage makes /health/ready 503 (out of the load balancer), it
# must not make the orchestrator restart a healthy process.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4)"]
# SIGTERM lets imports in flight finish (INVENTORY_SHUTDOWN_TIMEOUT, default 60 s).
STOPSIGNAL SIGTERM
# Migrates the database, then execs uvicorn (or the command given to `docker run`).
ENTRYPOINT ["/app/scripts/entrypoint.sh"]
