#!/bin/sh
# The service's one start-up path, in the container and on a developer machine alike:
# migrate the database INVENTORY_DATABASE_URL names, then exec the server (or the given command).
set -eu
cd "$(dirname "$0")/.."
alembic upgrade head
if [ "$#" -eq 0 ]; then
    set -- uvicorn app.main:app \
        --host "${INVENTORY_HOST:-0.0.0.0}" --port "${INVENTORY_PORT:-8000}" \
        --proxy-headers --no-server-header
fi
exec "$@"
