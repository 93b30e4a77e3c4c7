"""Errors the framework itself raises, in this API's shape: a 405 names every method of the
path, a body that is not even UTF-8 is a 422 like any other malformed body."""

import httpx
import pytest

from tests.builders import assert_error, create_item, create_point


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
