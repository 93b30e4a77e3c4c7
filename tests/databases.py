"""The databases the suite runs against: a SQLite file always, PostgreSQL when reachable.

PostgreSQL: ``INVENTORY_TEST_POSTGRES_URL`` names a server (any database on it); the suite makes
a fresh database of its own there and drops it at the end. Without the variable it tries
``postgresql+asyncpg://postgres@127.0.0.1:5432/postgres``. With
``INVENTORY_TEST_REQUIRE_POSTGRES=1`` (CI) an unreachable server fails the run instead of
skipping the PostgreSQL half.
"""

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import pytest
from alembic.config import Config
from sqlalchemy.engine import make_url

from alembic import command

DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def alembic_config(database_url: str) -> Config:
    config = Config("alembic.ini")
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def migrate(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def _asyncpg_dsn(url: str, database: str) -> str:
    return (
        make_url(url)
        .set(drivername="postgresql", database=database)
        .render_as_string(hide_password=False)
    )


async def _admin(url: str, sql: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn(url, "postgres"), timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for this run; dropped afterwards."""
    server_url = os.environ.get("INVENTORY_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    name = f"inventory_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(server_url, f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError) as exc:
        message = f"PostgreSQL is not reachable at {server_url}: {exc}"
        if os.environ.get("INVENTORY_TEST_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
