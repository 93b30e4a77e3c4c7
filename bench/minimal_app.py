"""The yardstick of the HTTP benchmark: a minimal FastAPI app that reads one row through a
SQLAlchemy AsyncSession, as a tutorial would write it."""

import os

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.models import InventoryPoint

engine = create_async_engine(os.environ["INVENTORY_DATABASE_URL"])
sessions = async_sessionmaker(engine, expire_on_commit=False)
app = FastAPI()


@app.get("/row/{row_id}")
async def row(row_id: int) -> dict[str, object]:
    async with sessions() as session:
        point = await session.get(InventoryPoint, row_id)
        assert point is not None
        return {"id": point.id, "name": point.name}
