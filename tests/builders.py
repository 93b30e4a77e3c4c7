"""A few async helpers that build state through the public API, as a client would."""

from typing import Any

import httpx


async def create_point(client: httpx.AsyncClient, name: str = "Crib A") -> dict[str, Any]:
    response = await client.put("/api/inventory/", json={"name": name})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def create_item(
    client: httpx.AsyncClient,
    name: str = "Drill 6 mm HSS",
    part_number: str | None = None,
    description: str = "",
) -> dict[str, Any]:
    response = await client.put(
        "/api/items/",
        json={"name": name, "part_number": part_number, "description": description},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def set_items(
    client: httpx.AsyncClient, point_id: int, items: dict[int, int | None]
) -> dict[str, Any]:
    response = await client.patch(
        f"/api/inventory/{point_id}", json={"items": {str(k): v for k, v in items.items()}}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def get_point(client: httpx.AsyncClient, point_id: int) -> dict[str, Any]:
    response = await client.get(f"/api/inventory/{point_id}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_error(response: httpx.Response, status_code: int, *fragments: str) -> dict[str, Any]:
    """The response is the given 4xx with a ``detail`` that mentions each fragment."""
    assert response.status_code == status_code, response.text
    body: dict[str, Any] = response.json()
    assert isinstance(body["detail"], str), body
    assert body["detail"], body
    for fragment in fragments:
        assert fragment.lower() in body["detail"].lower(), body["detail"]
    return body
