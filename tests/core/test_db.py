"""The database the settings name: created when missing, with SQLite tuned for a service."""

from pathlib import Path

import pytest
from sqlalchemy import text

from app.core.db import Database
from app.core.settings import DEFAULT_DATABASE_URL, Settings, get_settings


def test_the_default_database_is_a_sqlite_file_under_data() -> None:
    assert (
        Settings().database_url == DEFAULT_DATABASE_URL == "sqlite+aiosqlite:///./data/inventory.db"
    )


def test_settings_come_from_inventory_environment_variables(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INVENTORY_DATABASE_URL", "postgresql+asyncpg://u@h/db")
    get_settings.cache_clear()
    try:
        assert get_settings().database_url == "postgresql+asyncpg://u@h/db"
    finally:
        get_settings.cache_clear()


async def test_sqlite_file_and_directory_are_created_with_wal_and_foreign_keys(
    tmp_path: Path,
) -> None:
    path = tmp_path / "nested" / "dir" / "inventory.db"
    database = Database.from_settings(
        Settings(database_url=f"sqlite+aiosqlite:///{path}", sqlite_busy_timeout_ms=1234)
    )
    try:
        async with database.write_sessions() as session:
            pragmas = [
                (await session.execute(text(f"PRAGMA {name}"))).scalar_one()
                for name in ("foreign_keys", "journal_mode", "busy_timeout")
            ]
        assert pragmas == [1, "wal", 1234]
        assert path.exists()
    finally:
        await database.dispose()
