"""``/api/tokens``: an admin makes, lists and revokes API tokens."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import Field

from app.auth.access import AUTH_RESPONSES, TokenCache, authorize
from app.auth.repository import TokenRepository
from app.auth.tokens import new_token, token_hash
from app.core.db import SessionDep
from app.core.errors import InvalidRequest, NotFound, field_error
from app.core.fields import MAX_ID, Name
from app.core.schemas import (
    CONCURRENT_CHANGE_RESPONSE,
    DATABASE_BUSY_RESPONSE,
    NOT_JSON_RESPONSE,
    VALIDATION_ERROR_RESPONSE,
    ReadSchema,
    RequestSchema,
    error_response,
)
from app.inventory.repository import PointRepository
from app.ledger.schemas import UtcDatetime

router = APIRouter(
    prefix="/api/tokens",
    tags=["tokens"],
    dependencies=[Depends(authorize)],
    responses=AUTH_RESPONSES | DATABASE_BUSY_RESPONSE,
)

Scope = Literal["read", "write", "admin"]
TokenID = Annotated[int, Path(ge=1, le=MAX_ID, description="Id of the token.")]
NOT_FOUND = error_response(404, "No token has this id.", "Token 7 does not exist.")
NAME_TAKEN = error_response(
    409, "Another token has this name.", "A token named 'crib-a' exists already."
)


class TokenCreate(RequestSchema):
    name: Name = Field(description="What the token is for; shown as `actor` in the ledger.")
    scopes: list[Scope] = Field(
        min_length=1,
        max_length=3,
        description="read: GETs; write: changes (includes read); admin: tokens (includes all).",
        examples=[["write"]],
    )
    points: list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None = Field(
        default=None,
        max_length=1000,
        description="Limit the token to these inventory points (a crib attendant's token); "
        "null: every point.",
        examples=[[3]],
    )


class TokenRead(ReadSchema):
    id: int = Field(description="The token's id.")
    name: str = Field(description="What the token is for.")
    scopes: list[Scope] = Field(description="What it may do.")
    points: list[int] | None = Field(description="The only points it may use; null: all.")
    created_at: UtcDatetime = Field(description="When it was made, in UTC.")
    revoked_at: UtcDatetime | None = Field(description="When it was revoked; null: active.")


class TokenCreated(TokenRead):
    token: str = Field(description="The token itself: shown this once, never again.")


@router.post("/", status_code=status.HTTP_201_CREATED, include_in_schema=False)
@router.post(
    "",
    summary="Make an API token",
    status_code=status.HTTP_201_CREATED,
    response_model=TokenCreated,
    responses=NAME_TAKEN | NOT_JSON_RESPONSE | VALIDATION_ERROR_RESPONSE,
)
async def create_token(body: TokenCreate, session: SessionDep) -> TokenCreated:
    """Make a token with a name, scopes and optionally the points it is limited to. The
    answer holds the token itself, the only time it is shown: only its hash is kept."""
    points = sorted(set(body.points)) if body.points is not None else None
    if points:
        unknown = await PointRepository(session).unknown_points(points)
        if unknown:
            raise InvalidRequest(
                f"No inventory point has the id(s) {', '.join(map(str, unknown))}.",
                errors=[field_error(("body", "points"), "unknown point", "unknown_point")],
            )
    token = new_token()
    record = await TokenRepository(session).create(
        name=body.name,
        digest=token_hash(token),
        scopes=sorted(set(body.scopes)),
        points=points,
        created_at=datetime.now(UTC),
    )
    return TokenCreated.model_validate(
        {**TokenRead.model_validate(record).model_dump(), "token": token}
    )


@router.get("/", include_in_schema=False)
@router.get(
    "",
    summary="List the API tokens",
    response_model=dict[int, TokenRead],
    responses=VALIDATION_ERROR_RESPONSE,
)
async def list_tokens(session: SessionDep) -> dict[int, TokenRead]:
    """Every token, revoked ones included, as an object mapping id to token; never the
    tokens themselves."""
    return {t.id: TokenRead.model_validate(t) for t in await TokenRepository(session).list_all()}


@router.delete(
    "/{token_id}",
    summary="Revoke an API token",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=NOT_FOUND | CONCURRENT_CHANGE_RESPONSE | VALIDATION_ERROR_RESPONSE,
)
async def revoke_token(token_id: TokenID, session: SessionDep, request: Request) -> None:
    """Revoke the token: from now on it gets 401 (in every replica within 5 seconds).
    Revoking a revoked token changes nothing."""
    record = await TokenRepository(session).get(token_id)
    if record is None:
        raise NotFound(f"Token {token_id} does not exist.")
    if record.revoked_at is None:
        record.revoked_at = datetime.now(UTC)
        await session.flush()
    cache: TokenCache = request.app.state.token_cache
    cache.forget(record.token_hash)
