"""Alembic builds the schema the models describe, on SQLite and PostgreSQL, and reverses it."""

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from alembic import command
from app.core.db import create_engine
from app.core.settings import Settings
from app.models import Base
from tests.databases import alembic_config, fresh_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
    else:
        with fresh_postgres_database() as url:
            yield url


async def _tables_and_diff(url: str) -> tuple[set[str], list[object]]:
    engine = create_engine(Settings(database_url=url))

    def inspect_schema(connection: Connection) -> tuple[set[str], list[object]]:
        tables = set(inspect(connection).get_table_names()) - {"alembic_version"}
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return tables, compare_metadata(context, Base.metadata)

    try:
        async with engine.connect() as connection:
            return await connection.run_sync(inspect_schema)
    finally:
        await engine.dispose()


async def test_upgrade_downgrade_upgrade_matches_the_models(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    # Alembic's env.py runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(command.upgrade, config, "head")
    tables, diff = await _tables_and_diff(empty_database_url)
    assert tables == set(Base.metadata.tables)
    assert diff == []

    await asyncio.to_thread(command.downgrade, config, "base")
    tables, _ = await _tables_and_diff(empty_database_url)
    assert tables == set()

    await asyncio.to_thread(command.upgrade, config, "head")
    tables, diff = await _tables_and_diff(empty_database_url)
    assert tables == set(Base.metadata.tables)
    assert diff == []


async def test_migrating_a_database_with_stock_keeps_every_row(empty_database_url: str) -> None:
    """SQLite rebuilds tables to migrate them; with foreign keys on, dropping the old copy of
    a point would cascade to its stock. The rows must come through every step intact."""
    config = alembic_config(empty_database_url)
    await asyncio.to_thread(command.upgrade, config, "0001")
    engine = create_engine(Settings(database_url=empty_database_url))
    statements = [
        "INSERT INTO inventory_item (id, name, name_key, description) VALUES (1, 'a', 'a', '')",
        "INSERT INTO inventory_point (id, name, name_key) VALUES (1, 'p', 'p')",
        "INSERT INTO stock (point_id, item_id, quantity) VALUES (1, 1, 5)",
    ]

    async def stock() -> list[tuple[int, int, int]]:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT point_id, item_id, quantity FROM stock"))
            return [(row[0], row[1], row[2]) for row in rows]

    try:
        async with engine.begin() as connection:
            for statement in statements:
                await connection.execute(text(statement))
        for revision in ("head", "0001", "head"):
            migrate = command.upgrade if revision == "head" else command.downgrade
            await asyncio.to_thread(migrate, config, revision)
            assert await stock() == [(1, 1, 5)], revision
    finally:
        await engine.dispose()
