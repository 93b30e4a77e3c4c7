"""Who may do what: every ``/api`` request is authenticated and authorised here.

Scopes by method: ``read`` for GET, ``write`` for everything that changes something, ``admin``
for ``/api/tokens``. A token limited to points sees and changes only those points (lists are
filtered to them); it may read the catalog but not change it, nor create points.
"""

import logging
import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request

from app.auth.repository import TokenRepository
from app.auth.tokens import Principal, new_token, same_secret, token_hash
from app.core.db import Database
from app.core.errors import Forbidden, Unauthorized
from app.core.schemas import Responses, error_response
from app.core.settings import Settings

logger = logging.getLogger("inventory.auth")

# Documented in the OpenAPI (Swagger UI's Authorize button) by ``document_security``; read
# from the header here directly: a security sub-dependency per request costs more than the
# whole check.
SECURITY_SCHEME = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API token: `Authorization: Bearer inv_...` (see `/api/tokens`).",
}
READ_METHODS = frozenset({"GET", "HEAD"})
POINT_PARAMETERS = ("inv_pt_id", "ipt_id")
# Checked against the import's point in the endpoint itself, once the import is loaded.
CHECKED_IN_ENDPOINT = frozenset({"/api/imports/{import_id}", "/api/imports/{import_id}/revert"})
CACHE_SECONDS = 5.0


class TokenCache:
    """Tokens looked up in the last few seconds, so a read costs no extra query; a revoke
    drops the entry here at once (other processes follow within ``CACHE_SECONDS``)."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Principal | None]] = {}

    def get(self, digest: str) -> tuple[bool, Principal | None]:
        entry = self._entries.get(digest)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, digest: str, principal: Principal | None) -> None:
        if len(self._entries) > 10_000:
            self._entries.clear()
        self._entries[digest] = (time.monotonic() + CACHE_SECONDS, principal)

    def forget(self, digest: str) -> None:
        self._entries.pop(digest, None)


async def _principal(request: Request, token: str) -> Principal | None:
    settings: Settings = request.app.state.settings
    admin = settings.admin_token
    if admin is not None and same_secret(token, admin.get_secret_value()):
        return Principal(name="admin (INVENTORY_ADMIN_TOKEN)", scopes=frozenset({"admin"}))
    cache: TokenCache = request.app.state.token_cache
    digest = token_hash(token)
    known, principal = cache.get(digest)
    if known:
        return principal
    database: Database = request.app.state.database
    async with database.read_sessions() as session:
        found = await TokenRepository(session).active_by_hash(digest)
    if found is not None:
        points = None if found.points is None else frozenset(found.points)
        principal = Principal(name=found.name, scopes=frozenset(found.scopes), points=points)
    cache.put(digest, principal)
    return principal


def _point_in_path(request: Request) -> int | None:
    for name in POINT_PARAMETERS:
        value = request.path_params.get(name)
        if value is not None and str(value).isdigit():
            return int(value)
    return None


def _bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


async def authenticate(request: Request) -> Principal:
    """Who sent the request, or 401 (no token, or one unknown or revoked)."""
    token = _bearer_token(request)
    if token is None:
        raise Unauthorized("Send an API token: Authorization: Bearer <token>.")
    principal = await _principal(request, token)
    if principal is None:
        raise Unauthorized("The API token is not valid (unknown or revoked).")
    return principal


async def authorize(request: Request) -> Principal:
    """The request's principal, or 403 when its scopes or points do not allow the route.
    AuthenticationMiddleware has found the principal already (or answered 401)."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:  # an app without the middleware
        principal = await authenticate(request)
    route = getattr(request.scope.get("route"), "path", "")
    needed = (
        "admin"
        if route.startswith("/api/tokens")
        else ("read" if request.method in READ_METHODS else "write")
    )
    if not principal.can(needed):
        raise Forbidden(f"The token {principal.name!r} lacks the {needed!r} scope this needs.")
    if principal.points is not None and route not in CHECKED_IN_ENDPOINT:
        point_id = _point_in_path(request)
        if point_id is not None and not principal.sees(point_id):
            raise Forbidden(f"The token {principal.name!r} may not use inventory point {point_id}.")
        if point_id is None and needed != "read":
            raise Forbidden(
                f"The token {principal.name!r} is limited to inventory points: it may not "
                "change the catalog, create points or manage tokens."
            )
    return principal


PrincipalDep = Annotated[Principal, Depends(authorize)]

AUTH_RESPONSES: Responses = error_response(
    401,
    "No valid API token was sent.",
    "Send an API token: Authorization: Bearer <token>.",
) | error_response(
    403,
    "The token's scopes or points do not allow this.",
    "The token 'crib-a' lacks the 'write' scope this needs.",
)


def document_security(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare the bearer scheme and require it on every /api operation."""
    schema.setdefault("components", {}).setdefault("securitySchemes", {})["HTTPBearer"] = (
        SECURITY_SCHEME
    )
    for path, operations in schema.get("paths", {}).items():
        if path.startswith("/api"):
            for operation in operations.values():
                operation["security"] = [{"HTTPBearer": []}]
    return schema


def check_point(principal: Principal, point_id: int) -> None:
    """For endpoints that learn the point only from what they load (an import)."""
    if not principal.sees(point_id):
        raise Forbidden(f"The token {principal.name!r} may not use inventory point {point_id}.")


async def bootstrap(database: Database, settings: Settings) -> None:
    """With no INVENTORY_ADMIN_TOKEN and no token at all, make an admin token and print it
    once: the only time a token is ever logged."""
    if settings.admin_token is not None:
        return
    async with database.write_sessions() as session:
        tokens = TokenRepository(session)
        if await tokens.count():
            return
        token = new_token()
        try:
            await tokens.create(
                name="bootstrap-admin",
                digest=token_hash(token),
                scopes=["admin"],
                points=None,
                created_at=datetime.now(UTC),
            )
            await session.commit()
        except Exception:  # another replica made it first
            await session.rollback()
            return
    logger.warning(
        "No API token existed, so an admin token was made. It is shown this once; keep it "
        "and make others with POST /api/tokens: %s",
        token,
    )
