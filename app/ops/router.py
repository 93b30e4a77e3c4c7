"""Health and metrics: what a load balancer, an orchestrator and Prometheus ask."""

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import Field
from sqlalchemy import text

from app.core.db import DatabaseDep
from app.core.schemas import ReadSchema

router = APIRouter(tags=["operations"])

READY_TIMEOUT_SECONDS = 3.0


class Health(ReadSchema):
    status: str = Field(description="live, ready or unavailable.", examples=["ready"])
    detail: str | None = Field(default=None, description="Why the service is not ready.")


@router.get(
    "/health/live",
    summary="Is the process up",
    response_model=Health,
)
async def live() -> Health:
    """200 while the process serves requests; asks nothing of the database (a liveness probe
    must not restart a service because its database is down)."""
    return Health(status="live")


@router.get(
    "/health/ready",
    summary="Can the service serve requests",
    response_model=Health,
    responses={503: {"model": Health, "description": "The database does not answer."}},
)
async def ready(database: DatabaseDep) -> Response:
    """200 when a database round trip succeeds within 3 s; 503 otherwise (take the replica
    out of the load balancer until it comes back; no restart needed)."""
    try:
        async with asyncio.timeout(READY_TIMEOUT_SECONDS):
            async with database.statement() as connection:
                await connection.execute(text("SELECT 1"))
    except (Exception, TimeoutError) as exc:  # any failure to answer means not ready
        body = Health(
            status="unavailable", detail=f"The database does not answer: {type(exc).__name__}."
        )
        return JSONResponse(body.model_dump(), status_code=503)
    return JSONResponse(Health(status="ready").model_dump())


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    """Requests by route template and status, imports by kind, format and outcome (counts,
    rows, durations), and the database pool, in the Prometheus text format."""
    registry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
