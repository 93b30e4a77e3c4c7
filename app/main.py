"""The application factory: settings, database lifespan, routers and error handlers."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute
from fastapi_offline import FastAPIOffline
from sqlalchemy.ext.asyncio import AsyncEngine

from app.auth.access import (
    AUTH_RESPONSES,
    TokenCache,
    authorize,
    bootstrap,
    document_security,
)
from app.auth.middleware import AuthenticationMiddleware
from app.auth.router import router as tokens_router
from app.catalog.router import router as catalog_router
from app.core.db import Database
from app.core.errors import install_error_handlers
from app.core.schemas import DATABASE_BUSY_RESPONSE
from app.core.settings import Settings, get_settings
from app.exports.router import router as exports_router
from app.imports import reader_process
from app.imports.records import router as import_records_router
from app.imports.router import router as imports_router
from app.inventory.router import router as inventory_router
from app.ledger.router import router as ledger_router
from app.ops import logs
from app.ops.body_limit import BodyLimitMiddleware
from app.ops.metrics import Metrics
from app.ops.middleware import RequestMiddleware
from app.ops.router import router as ops_router

DESCRIPTION = """
Keeps track of where tools and parts are stored and how many there are.

* **Inventory points** (`/api/inventory/`) are cribs, cabinets and vans; each maps
  inventory item ids to the quantity stored there.
* **Items** (`/api/items/`) are the catalog the points hold quantities of.

Every `/api` call needs an API token, `Authorization: Bearer <token>` (the **Authorize**
button above): 401 without a valid one, 403 when its scopes or points do not allow the call.
Errors are JSON with a `detail` a person can act on; invalid requests (422) also list every bad
value under `errors`.
"""


TAGS = [
    {
        "name": "inventory points",
        "description": "Cribs, cabinets and vans, and the quantity of each item they hold.",
    },
    {
        "name": "imports",
        "description": "Stock counts and catalogs from spreadsheets: CSV, XLSX, XLS, ODS.",
    },
    {
        "name": "history",
        "description": "The ledger: every change of a quantity, appended, never changed.",
    },
    {
        "name": "export",
        "description": "A point's stock as CSV or XLSX, and the empty stock-count sheet.",
    },
    {
        "name": "tokens",
        "description": "API tokens (admin): every /api call needs `Authorization: Bearer`.",
    },
    {
        "name": "operations",
        "description": "Health probes and Prometheus metrics (no authentication).",
    },
    {
        "name": "items",
        "description": "The catalog of tools and parts; a stock count can only match items "
        "that exist here.",
    },
]


def _operation_id(route: APIRoute) -> str:
    # Stable operation ids (the endpoint's function name) for generated clients.
    return route.name


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    metrics = Metrics.create()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logs.configure(settings.log_format, settings.log_level)
        database = Database.from_settings(settings)
        app.state.database = database
        await bootstrap(database, settings)
        if isinstance(database.bind, AsyncEngine):
            metrics.pool.engine = database.bind
        # In the background: the server answers at once, workbooks read fast from the first.
        warming = asyncio.create_task(anyio.to_thread.run_sync(reader_process.warm_up))
        try:
            yield
        finally:
            await warming
            await database.dispose()
            logs.write_directly()

    # FastAPIOffline serves Swagger UI and ReDoc assets from the package, not a CDN.
    app: FastAPI = FastAPIOffline(
        title="Inventory service",
        version="0.1.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.token_cache = TokenCache()
    # Each middleware added wraps those before it. From the outside in: the request log, CORS
    # (a browser's preflight carries no token), authentication (a 401 before any body is
    # read), the body limit.
    app.add_middleware(
        BodyLimitMiddleware,
        max_body_bytes=settings.max_body_bytes,
        max_upload_bytes=settings.import_max_upload_bytes,
    )
    app.add_middleware(AuthenticationMiddleware)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "PUT", "PATCH", "DELETE", "POST"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
            expose_headers=["ETag", "X-Request-ID", "Idempotent-Replayed", "Location"],
        )
    # Added last, so outermost: it logs and counts every answer, the limit's 413s too.
    app.add_middleware(RequestMiddleware, metrics=metrics, log_requests=settings.log_requests)
    install_error_handlers(app)
    app.include_router(ops_router)  # health and metrics: public
    # Every /api route, in one place, so none can be left open by mistake.
    for api in (
        inventory_router,
        imports_router,
        import_records_router,
        ledger_router,
        exports_router,
        catalog_router,
    ):
        app.include_router(
            api,
            dependencies=[Depends(authorize)],
            responses=AUTH_RESPONSES | DATABASE_BUSY_RESPONSE,
        )
    app.include_router(tokens_router)  # authorises itself, as admin
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_security(default_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


app = create_app()
