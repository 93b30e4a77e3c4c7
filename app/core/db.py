"""Engine, sessions and the request's unit of work.

One :class:`Database` per process holds the engine and two session factories: reads begin a
plain (deferred) transaction; writes on SQLite begin with ``BEGIN IMMEDIATE`` so a writer takes
the lock up front and waits on the busy timeout instead of failing half way with "database is
locked". PostgreSQL treats both the same.
"""

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from app.core.errors import Conflict, sqlstate
from app.core.settings import Settings

_BEGIN_OPTION = "inventory_sqlite_begin"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _prepare_sqlite_file(url: URL) -> None:
    """Create the directory of a file database so a fresh clone starts without setup."""
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_hooks(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    """Foreign keys, WAL, a busy timeout, and SQLAlchemy (not sqlite3) in charge of BEGIN."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Stop sqlite3 from issuing its own BEGIN; the "begin" hook below does it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        if mode is not None:  # None: one statement on its own, no transaction around it
            conn.exec_driver_sql(f"BEGIN {mode}")


def create_engine(settings: Settings) -> AsyncEngine:
    """The engine for the configured database, tuned for its dialect."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        _prepare_sqlite_file(url)
        engine = create_async_engine(url, echo=settings.database_echo)
        _install_sqlite_hooks(engine, settings.sqlite_busy_timeout_ms)
        return engine
    return create_async_engine(
        url,
        echo=settings.database_echo,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_pre_ping=True,
    )


class Database:
    """The engine plus the session factories the request dependency draws from."""

    def __init__(self, bind: AsyncEngine | AsyncConnection, *, owns_engine: bool = True) -> None:
        self.bind = bind
        self._owns_engine = owns_engine
        session_options: dict[str, Any] = {"expire_on_commit": False, "autoflush": False}
        if isinstance(bind, AsyncConnection):
            # Tests: every session joins the test's outer transaction through a savepoint.
            session_options["join_transaction_mode"] = "create_savepoint"
            write_bind: AsyncEngine | AsyncConnection = bind
        else:
            write_bind = bind.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        self.read_sessions = async_sessionmaker(bind, **session_options)
        self.write_sessions = async_sessionmaker(write_bind, **session_options)
        # sqlite3 runs without a transaction when none was begun (isolation_level None, set
        # on connect), so "no BEGIN" is all it takes; PostgreSQL is told AUTOCOMMIT.
        self._statements: AsyncEngine | None = None
        if isinstance(bind, AsyncEngine):
            options: dict[str, Any] = {_BEGIN_OPTION: None}
            if bind.dialect.name != "sqlite":
                options["isolation_level"] = "AUTOCOMMIT"
            self._statements = bind.execution_options(**options)

    @asynccontextmanager
    async def statement(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a single read statement, with no transaction around it: the
        hot reads skip the BEGIN and COMMIT round trips (one statement is consistent alone)."""
        if self._statements is None:
            assert isinstance(self.bind, AsyncConnection)
            yield self.bind  # tests: inside the test's transaction
            return
        async with self._statements.connect() as connection:
            yield connection

    @classmethod
    def from_settings(cls, settings: Settings) -> "Database":
        return cls(create_engine(settings))

    async def dispose(self) -> None:
        if self._owns_engine and isinstance(self.bind, AsyncEngine):
            await self.bind.dispose()


# Every dependency is a coroutine: FastAPI would run a plain function in a worker thread.
async def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


# For endpoints that must choose when their transaction starts (imports: not before the
# upload has arrived), next to the request's own session.
DatabaseDep = Annotated[Database, Depends(get_database)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's unit of work: commit when the endpoint returns, roll back when it raises."""
    database: Database = request.app.state.database
    factory = database.read_sessions if request.method in READ_METHODS else database.write_sessions
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


# scope="function": the commit runs before the response is sent, so a client never sees a
# success for a transaction that then failed to commit.
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]


def is_unique_violation(exc: IntegrityError) -> bool:
    """True for a unique-index violation on SQLite or PostgreSQL (not FK or CHECK)."""
    return sqlstate(exc) == "23505" or "UNIQUE constraint failed" in str(exc.orig)


@asynccontextmanager
async def unique_or_conflict(
    session: AsyncSession, describe: Callable[[], Awaitable[str]]
) -> AsyncIterator[None]:
    """Flush the block's changes in a savepoint; a unique violation becomes a 409.

    Make the changes inside the block: ``begin_nested()`` flushes what is already pending
    outside the savepoint first.

    The database's unique index decides, so two concurrent creates cannot both win; the
    savepoint keeps the transaction usable so ``describe`` can say which value is taken.
    """
    try:
        async with session.begin_nested():
            yield
            await session.flush()
    except IntegrityError as exc:
        if not is_unique_violation(exc):
            raise
        raise Conflict(await describe()) from exc
