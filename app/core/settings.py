"""Configuration, read once from the environment (prefix ``INVENTORY_``)."""

from functools import lru_cache
from typing import Annotated, Literal

from fastapi import Depends, Request
from pydantic import Field, SecretStr, field_validator
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
    admin_token: SecretStr | None = Field(
        default=None,
        description="A token accepted as an admin token (for bootstrap and automation); at "
        "least 16 characters, as random as the tokens the service makes.",
    )

    @field_validator("admin_token")
    @classmethod
    def _unguessable(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and len(token.get_secret_value()) < 16:
            raise ValueError(
                "INVENTORY_ADMIN_TOKEN must have at least 16 characters; make one with: "
                "python3 -c 'import secrets; print(\"inv_\" + secrets.token_urlsafe(32))'"
            )
        return token

    cors_origins: list[str] = Field(
        default_factory=list,
        description="Origins allowed to call the API from a browser (CORS is off if empty).",
    )
    max_body_bytes: int = Field(
        default=1024 * 1024,
        ge=1024,
        description="Largest request body outside imports (413 beyond).",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="Log lines as text, or as one JSON object a line."
    )
    log_level: str = Field(default="INFO", description="The lowest level logged.")
    log_requests: bool = Field(default=True, description="One log line per request.")
    db_pool_size: int = Field(default=5, ge=1, description="PostgreSQL connection pool size.")
    db_max_overflow: int = Field(
        default=10, ge=0, description="Extra PostgreSQL connections allowed beyond the pool."
    )

    import_max_upload_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1,
        description="Largest upload an import accepts; larger is 413 before the body is read.",
    )
    import_max_rows: int = Field(
        default=1_000_000, ge=1, description="Most data rows one import sheet may have (413)."
    )
    import_max_listed_rows: int = Field(
        default=10_000,
        ge=1,
        description="How many not_matched, skipped and error rows an answer lists; the "
        "summary always has the full counts.",
    )
    import_max_unpacked_bytes: int = Field(
        default=512 * 1024 * 1024,
        ge=1,
        description="Most bytes the parts of an XLSX/ODS package may unpack to (zip bombs).",
    )
    import_max_compression_ratio: int = Field(
        default=200,
        ge=1,
        description="Highest unpacked/packed size ratio of a package part (zip bombs).",
    )
    import_chunk_rows: int = Field(
        default=10_000,
        ge=1,
        description="Rows matched and written per statement: bounds an import's memory.",
    )
    import_reader_memory_bytes: int = Field(
        default=1024 * 1024 * 1024,
        ge=256 * 1024 * 1024,
        description="Address space of the child process that reads a sheet (413 beyond).",
    )
    import_read_timeout_seconds: float = Field(
        default=120,
        gt=0,
        description="Longest the reader may take for its next chunk of rows (422 beyond).",
    )


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests call ``get_settings.cache_clear()`` to re-read."""
    return Settings()


async def _app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


# The settings the app was created with (tests create apps with settings of their own).
SettingsDep = Annotated[Settings, Depends(_app_settings)]
