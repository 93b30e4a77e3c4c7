"""Errors the framework itself raises, in this API's shape: a 405 names every method of the
path, a body that is not even UTF-8 is a 422 like any other malformed body."""

import sqlite3

import httpx
import pytest
from sqlalchemy.engine import make_url

from app.core.db import Database, create_engine
from app.core.settings import Settings
from app.main import create_app
from tests.builders import assert_error, create_item, create_point
from tests.conftest import AUTH


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("POST", "/api/inventory/{point}", "DELETE, GET, PATCH"),
        ("PUT", "/api/items/{item}", "DELETE, GET, PATCH"),
        ("PATCH", "/api/items/import", "POST"),  # not taken for an item id
        ("DELETE", "/api/inventory/", "GET, PUT"),
        ("GET", "/api/imports/1/revert", "POST"),
    ],
)
async def test_a_method_the_path_does_not_take_is_405_listing_those_it_takes(
    client: httpx.AsyncClient, method: str, path: str, allowed: str
) -> None:
    point = (await create_point(client))["id"]
    item = (await create_item(client, "Drill"))["id"]
    response = await client.request(method, path.format(point=point, item=item))
    assert_error(response, 405, f"{method} is not allowed", allowed)
    assert response.headers["allow"] == allowed


@pytest.mark.parametrize("body", [b"\xff\xfe{", b'{"name": "\xc3"}'])
async def test_a_body_that_is_not_utf8_is_422(client: httpx.AsyncClient, body: bytes) -> None:
    response = await client.put(
        "/api/items/", content=body, headers={"Content-Type": "application/json"}
    )
    error = assert_error(response, 422, "not valid JSON")
    assert error["errors"][0]["loc"] == ["body"]
    assert (await client.get("/api/items/")).json() == {}


@pytest.mark.parametrize("item_id", ["drill", "1.5", "-1"])
async def test_an_item_id_that_is_not_a_number_is_404(
    client: httpx.AsyncClient, item_id: str
) -> None:
    assert_error(await client.get(f"/api/items/{item_id}"), 404)


async def test_a_sqlite_database_locked_past_the_busy_timeout_is_503(settings: Settings) -> None:
    """Another process holding SQLite's write lock longer than the busy timeout: the writer
    gives up, and the client is told to retry (503, Retry-After), nothing changed."""
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite":
        pytest.skip("PostgreSQL locks rows, not the database")
    impatient = settings.model_copy(update={"sqlite_busy_timeout_ms": 50})
    app = create_app(impatient)
    engine = create_engine(impatient)
    app.state.database = Database(engine, owns_engine=False)
    holder = sqlite3.connect(str(url.database), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", headers=AUTH
        ) as client:
            response = await client.put("/api/items/", json={"name": "Locked out"})
            holder.execute("ROLLBACK")
            assert_error(response, 503, "try again")
            assert response.headers["retry-after"] == "1"
            assert (await client.get("/api/items/")).json() == {}
    finally:
        holder.close()
        await engine.dispose()
