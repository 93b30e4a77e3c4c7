"""Async Alembic environment: the URL comes from the service's settings."""

import asyncio
from logging.config import fileConfig

from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from alembic import context
from app.core.db import create_engine
from app.core.settings import get_settings
from app.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata
_LOCK = 7_412_001  # the advisory lock key migrations take on PostgreSQL


def _database_url() -> str:
    # Tests hand a URL in through the config; everyone else uses INVENTORY_DATABASE_URL.
    url = config.attributes.get("database_url")
    return str(url) if url else get_settings().database_url


def _configure(connection: Connection | None = None, url: str | None = None) -> None:
    is_sqlite = (connection.dialect.name if connection else str(url)).startswith("sqlite")
    context.configure(
        connection=connection,
        url=url,
        target_metadata=target_metadata,
        render_as_batch=is_sqlite,  # SQLite alters tables by copying them
        compare_type=True,
        literal_binds=connection is None,
    )


def run_migrations_offline() -> None:
    _configure(url=_database_url())
    with context.begin_transaction():
        context.run_migrations()


def _run_sync(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def _sqlite_foreign_keys(connection: AsyncConnection, on: bool) -> None:
    # Outside any transaction (SQLite ignores the pragma inside one), on the raw connection.
    raw = (await connection.get_raw_connection()).driver_connection
    assert raw is not None
    await raw.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")


async def _check_foreign_keys(connection: AsyncConnection) -> None:
    broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
    if broken:
        raise RuntimeError(f"the migration left rows that break foreign keys: {broken[:10]}")


async def run_migrations_online() -> None:
    settings = get_settings().model_copy(update={"database_url": _database_url()})
    engine = create_engine(settings)
    sqlite = engine.dialect.name == "sqlite"
    try:
        async with engine.connect() as connection:
            # SQLite alters a table by copying it and dropping the original; with foreign keys
            # on, the drop would delete (ON DELETE CASCADE) or refuse to drop rows that others
            # point to. Off while migrating, then checked before the commit.
            if sqlite:
                await _sqlite_foreign_keys(connection, on=False)
            try:
                async with connection.begin():
                    if not sqlite:
                        # Replicas starting together migrate one after the other; the second
                        # finds the schema current and does nothing.
                        await connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_LOCK})")
                    await connection.run_sync(_run_sync)
                    if sqlite:
                        await _check_foreign_keys(connection)
            finally:
                if sqlite:
                    await _sqlite_foreign_keys(connection, on=True)
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
