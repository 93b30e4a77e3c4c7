"""Every query on API tokens."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import unique_or_conflict
from app.models import ApiToken


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def active_by_hash(self, digest: str) -> ApiToken | None:
        return await self.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked_at.is_(None))
        )

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count(ApiToken.id))) or 0)

    async def list_all(self) -> Sequence[ApiToken]:
        return (await self.session.scalars(select(ApiToken).order_by(ApiToken.id))).all()

    async def get(self, token_id: int) -> ApiToken | None:
        return await self.session.get(ApiToken, token_id)

    async def create(
        self,
        *,
        name: str,
        digest: str,
        scopes: list[str],
        points: list[int] | None,
        created_at: datetime,
    ) -> ApiToken:
        token = ApiToken(
            name=name, token_hash=digest, scopes=scopes, points=points, created_at=created_at
        )

        async def describe() -> str:
            return f"A token named {name!r} exists already; names are unique."

        async with unique_or_conflict(self.session, describe):
            self.session.add(token)
        return token
