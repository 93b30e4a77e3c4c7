"""Fixtures: a migrated database per backend, built once; a rolled-back transaction per test."""

import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.core.db import Database, create_engine
from app.core.settings import Settings
from app.main import create_app
from app.models import Base
from tests.databases import fresh_postgres_database, migrate


@pytest.fixture(autouse=True)
def _logging_restored() -> Iterator[None]:
    """A test that runs the app's lifespan configures the root logger with the stderr of the
    moment (pytest's capture, closed after the test): put the previous handlers back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database of each kind, built once per run."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("sqlite") / "inventory.db"
        url = f"sqlite+aiosqlite:///{path}"
        migrate(url)
        yield url
        return
    with fresh_postgres_database() as url:
        migrate(url)
        yield url


ADMIN_TOKEN = "inv_test-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, admin_token=SecretStr(ADMIN_TOKEN))


@pytest.fixture(scope="session")
async def engine(settings: Settings) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(settings)
    yield engine
    await engine.dispose()


@pytest.fixture
async def connection(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection inside a transaction that is rolled back after the test."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        yield connection
        await transaction.rollback()


def _client(app: FastAPI, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """A client of the app; it sends the admin token unless told otherwise."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://test",
        headers=AUTH if headers is None else headers,
    )


ClientFactory = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def make_client(settings: Settings, connection: AsyncConnection) -> ClientFactory:
    """Clients of apps made with changed settings (``make_client(import_max_rows=3)``), each
    nested in the test's transaction like ``client``."""

    @asynccontextmanager
    async def make(
        headers: dict[str, str] | None = None, **changes: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(settings.model_copy(update=changes))
        app.state.database = Database(connection, owns_engine=False)
        async with _client(app, headers) as client:
            yield client

    return make


@pytest.fixture
async def client(make_client: ClientFactory) -> AsyncIterator[httpx.AsyncClient]:
    """The app, with every request's unit of work nested in the test's transaction."""
    async with make_client() as client:
        yield client


@pytest.fixture
async def committing_client(
    settings: Settings, engine: AsyncEngine
) -> AsyncIterator[httpx.AsyncClient]:
    """The app on the real engine: requests commit for real and run truly concurrently.
    Every table is emptied afterwards."""
    app = create_app(settings)
    app.state.database = Database(engine, owns_engine=False)
    async with _client(app) as client:
        yield client
    async with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            await connection.execute(delete(table))
