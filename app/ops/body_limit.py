"""Request bodies are bounded: 413 past the limit, before the rest is read.

JSON bodies get ``INVENTORY_MAX_BODY_BYTES`` (1 MB: a PATCH of 10,000 items fits in a third
of it); imports get ``INVENTORY_IMPORT_MAX_UPLOAD_BYTES``. A declared ``Content-Length`` over
the limit is refused at once; a body sent without one is counted as it arrives.
"""

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _message(limit: int) -> str:
    return f"The request body is larger than {limit:,} bytes, the most this endpoint accepts."


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        limit = self.max_upload_bytes if scope["path"].endswith("/import") else self.max_body_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await self._refuse(send, limit)
                return
        received = 0
        refused = False

        async def counting() -> Message:
            # Past the limit: answer 413 here and tell the app the client is gone, so it
            # stops reading (an exception would reach FastAPI's body parser as a 400).
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not refused:
                        refused = True
                        await self._refuse(send, limit)
                    return {"type": "http.disconnect"}
            return message

        async def unless_refused(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counting, unless_refused)

    async def _refuse(self, send: Send, limit: int) -> None:
        body = json.dumps({"detail": _message(limit)}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
