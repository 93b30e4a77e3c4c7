"""Domain exceptions and the handlers that render every error as ``{"detail": ...}``."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DBAPIError
from starlette import status
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match


class ServiceError(Exception):
    """A failure the client can act on; ``detail`` says what went wrong and what to do."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Unauthorized(ServiceError):
    """No valid token: the client must authenticate."""

    status_code = status.HTTP_401_UNAUTHORIZED


class Forbidden(ServiceError):
    """A valid token that may not do this."""

    status_code = status.HTTP_403_FORBIDDEN


class NotFound(ServiceError):
    status_code = status.HTTP_404_NOT_FOUND


class Conflict(ServiceError):
    status_code = status.HTTP_409_CONFLICT


class PreconditionFailed(ServiceError):
    """An If-Match that no longer holds: the state changed since the client looked."""

    status_code = status.HTTP_412_PRECONDITION_FAILED


class PayloadTooLarge(ServiceError):
    status_code = status.HTTP_413_CONTENT_TOO_LARGE


class UnsupportedMediaType(ServiceError):
    status_code = status.HTTP_415_UNSUPPORTED_MEDIA_TYPE


class InvalidRequest(ServiceError):
    """A well-formed request that names things that do not fit (an unknown item, say).

    Rendered like a validation error: ``detail`` plus one ``errors`` entry per bad value.
    """

    status_code = status.HTTP_422_UNPROCESSABLE_CONTENT

    def __init__(self, detail: str, *, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail, errors=errors)


def field_error(loc: tuple[str | int, ...], msg: str, type_: str) -> dict[str, Any]:
    """One entry of a 422's ``errors`` list."""
    return {"loc": list(loc), "msg": msg, "type": type_}


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def _field_error(error: dict[str, Any]) -> dict[str, Any]:
    # Pydantic prefixes messages raised by our validators with "Value error, ".
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "json_invalid" and "error" in error.get("ctx", {}):
        message = f"{message}: {error['ctx']['error']}"
    return field_error(tuple(error["loc"]), message, str(error["type"]))


def render(exc: ServiceError) -> JSONResponse:
    """The answer for a service error: ``{"detail": ...}`` and its extra fields."""
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
    return JSONResponse(
        {"detail": exc.detail, **exc.extra}, status_code=exc.status_code, headers=headers
    )


async def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return render(exc)


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _body_not_json(request: Request, exc: RequestValidationError) -> bool:
    """FastAPI leaves a body sent without a JSON content type unparsed; say so plainly."""
    body_errors = [e for e in exc.errors() if tuple(e["loc"]) == ("body",)]
    return bool(body_errors) and not _is_json(request.headers.get("content-type", ""))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if _body_not_json(request, exc):
        return JSONResponse(
            {
                "detail": "The request body must be JSON: send it with "
                "Content-Type: application/json (or application/merge-patch+json)."
            },
            status_code=status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
        )
    errors = [_field_error(error) for error in exc.errors()]
    summary = "; ".join(f"{_location(tuple(e['loc']))}: {e['msg']}" for e in errors)
    return JSONResponse(
        {"detail": f"Invalid request: {summary}", "errors": errors},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


_METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors, in this API's shape: a body that is not UTF-8 JSON is a 422
    like any other malformed body (FastAPI says 400), and a 405 lists every method the path
    takes (Starlette names only those of the first route it matched)."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
        message = "The request body is not valid JSON (it is not even UTF-8 text)."
        return JSONResponse(
            {
                "detail": f"Invalid request: body: {message}",
                "errors": [field_error(("body",), message, "json_invalid")],
            },
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        )
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        methods = [
            method
            for method in _METHODS
            if any(
                route.matches({**request.scope, "method": method})[0] is Match.FULL
                for route in request.app.router.routes
            )
        ]
        headers["Allow"] = ", ".join(methods)
        detail = f"{request.method} is not allowed here; allowed: {headers['Allow']}."
        return JSONResponse({"detail": detail}, status_code=405, headers=headers)
    return JSONResponse({"detail": str(exc.detail)}, status_code=exc.status_code, headers=headers)


# PostgreSQL's deadlock and serialization failures: the transaction was rolled back whole.
_RETRYABLE = frozenset({"40P01", "40001"})
CONCURRENT_CHANGE = (
    "Another request changed the same records at the same moment, so this one was stopped; "
    "nothing was changed. Send it again."
)
DATABASE_BUSY = "The database stayed busy with other writes; try again shortly."


def sqlstate(exc: DBAPIError) -> str | None:
    """The SQLSTATE of a driver error (asyncpg and psycopg name it differently)."""
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return str(code) if code is not None else None


async def _database_error(_request: Request, exc: Exception) -> JSONResponse:
    """Two database errors that are the client's to retry, not the service's fault: a
    deadlock between concurrent requests (409) and a SQLite database that stayed locked past
    the busy timeout (503). Anything else is a bug and stays a 500, logged."""
    assert isinstance(exc, DBAPIError)
    if sqlstate(exc) in _RETRYABLE:
        return JSONResponse({"detail": CONCURRENT_CHANGE}, status_code=status.HTTP_409_CONFLICT)
    if "database is locked" in str(exc.orig):
        return JSONResponse(
            {"detail": DATABASE_BUSY},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "1"},
        )
    raise exc


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(DBAPIError, _database_error)
