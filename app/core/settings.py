"""Configuration, read once from the environment (prefix ``INVENTORY_``)."""

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/inventory.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="INVENTORY_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    database_echo: bool = Field(default=False, description="Log every SQL statement.")
    sqlite_busy_timeout_ms: int = Field(
        default=30_000,
        ge=0,
        description="How long a SQLite writer waits for the lock before giving up.",
    )
    db_pool_size: int = Field(default=5, ge=1, description="PostgreSQL connection pool size.")
    db_max_overflow: int = Field(
        default=10, ge=0, description="Extra PostgreSQL connections allowed beyond the pool."
    )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` to re-read."""
    return Settings()
