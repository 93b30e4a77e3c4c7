"""Authentication before anything reads the request.

FastAPI parses a route's body before it runs the route's dependencies, so a request with no
token and a malformed body would learn of the body (422) before it is refused (401). Here
every ``/api`` request without a valid token gets its 401 first, whatever it sends; the
principal found goes on to ``authorize``, which decides, once the route is known, whether
its scopes and points allow it (403).
"""

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.auth.access import authenticate
from app.core.errors import Unauthorized, render


def _is_api(path: str) -> bool:
    return path.startswith("/api/") or path == "/api"


class AuthenticationMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and _is_api(scope["path"]):
            try:
                principal = await authenticate(Request(scope))
            except Unauthorized as exc:
                await render(exc)(scope, receive, send)
                return
            scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)
