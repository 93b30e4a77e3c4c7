#!/bin/sh
# The service's one start-up path, in the container and on a developer machine alike:
# migrate the database INVENTORY_DATABASE_URL names (unless INVENTORY_MIGRATE=false, for
# replicas when a release migrates once), then exec the server (or the given command).
set -eu
cd "$(dirname "$0")/.."
if [ "${INVENTORY_MIGRATE:-true}" != "false" ]; then
    alembic upgrade head
fi
if [ "$#" -eq 0 ]; then
    # SIGTERM: stop accepting, let requests in flight (an import) finish for up to
    # INVENTORY_SHUTDOWN_TIMEOUT seconds; one unfinished by then is cancelled and rolls back.
    set -- uvicorn app.main:app \
        --host "${INVENTORY_HOST:-0.0.0.0}" --port "${INVENTORY_PORT:-8000}" \
        --workers "${INVENTORY_WORKERS:-1}" \
        --timeout-graceful-shutdown "${INVENTORY_SHUTDOWN_TIMEOUT:-60}" \
        --proxy-headers --no-server-header --no-access-log
fi
exec "$@"
