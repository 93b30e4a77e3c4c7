"""One pure-ASGI middleware for every request: its id, its log line, its metrics.

Pure ASGI (not BaseHTTPMiddleware): it wraps ``send`` to read the status and add the
``X-Request-ID`` header, and does nothing else per request, so it costs microseconds.
"""

import logging
import os
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.ops.logs import request_id
from app.ops.metrics import Metrics

logger = logging.getLogger("inventory.requests")

HEADER = b"x-request-id"
# A client's id is kept if it is short and plain (it goes into every log line).
_ACCEPTABLE = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")


def _incoming_id(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == HEADER:
            text: str = value.decode("latin-1")
            if _ACCEPTABLE.fullmatch(text):
                return text
            break
    return os.urandom(16).hex()


class RequestMiddleware:
    def __init__(self, app: ASGIApp, *, metrics: Metrics, log_requests: bool) -> None:
        self.app = app
        self.metrics = metrics
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = _incoming_id(scope)
        token = request_id.set(rid)
        status = 500
        start = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {
                    **message,
                    "headers": [*message.get("headers", ()), (HEADER, rid.encode())],
                }
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, status, time.perf_counter() - start)
            request_id.reset(token)

    def _record(self, scope: Scope, status: int, seconds: float) -> None:
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        method = scope["method"]
        labels = (method, route, str(status))
        self.metrics.requests.labels(*labels).inc()
        self.metrics.request_seconds.labels(*labels).observe(seconds)
        if self.log_requests:
            logger.info(
                "%s %s %d %.1f ms",
                method,
                route,
                status,
                seconds * 1000,
                extra={
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                },
            )
