"""/api/inventory: the source's endpoints with the contract's status codes and shapes."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.builders import assert_error, create_item, create_point, get_point, set_items
from tests.conftest import ClientFactory


async def test_list_is_an_empty_object_when_there_are_no_points(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/inventory/")
    assert response.status_code == 200
    assert response.json() == {}


@pytest.mark.parametrize("path", ["/api/inventory", "/api/inventory/"])
async def test_collection_answers_with_and_without_trailing_slash(
    client: httpx.AsyncClient, path: str
) -> None:
    point = await create_point(client)
    listed = await client.get(path)
    assert listed.status_code == 200
    assert listed.json() == {str(point["id"]): point}
    created = await client.put(path, json={"name": "Van 2"})
    assert created.status_code == 201


async def test_create_returns_the_new_point_with_no_items(client: httpx.AsyncClient) -> None:
    response = await client.put("/api/inventory/", json={"name": "  Crib A  "})
    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "name": "Crib A", "items": {}}
    assert response.headers["location"] == f"/api/inventory/{body['id']}"
    assert await get_point(client, body["id"]) == body


async def test_list_maps_each_id_to_its_point_with_items(client: httpx.AsyncClient) -> None:
    drill, saw = await create_item(client, "Drill"), await create_item(client, "Saw")
    crib, van = await create_point(client, "Crib A"), await create_point(client, "Van 1")
    await set_items(client, crib["id"], {drill["id"]: 40, saw["id"]: 0})
    response = await client.get("/api/inventory/")
    assert response.json() == {
        str(crib["id"]): {
            "id": crib["id"],
            "name": "Crib A",
            "items": {str(drill["id"]): 40, str(saw["id"]): 0},
        },
        str(van["id"]): {"id": van["id"], "name": "Van 1", "items": {}},
    }


@pytest.mark.parametrize("taken", ["crib a", "CRIB A", "  Crib   A ", "Crib\u00a0A"])
async def test_create_with_a_taken_name_is_409(client: httpx.AsyncClient, taken: str) -> None:
    point = await create_point(client, "Crib A")
    response = await client.put("/api/inventory/", json={"name": taken})
    assert_error(response, 409, "taken", f"inventory point {point['id']}", "'Crib A'")
    assert list((await client.get("/api/inventory/")).json()) == [str(point["id"])]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": ""}, "body.name"),
        ({"name": "   "}, "body.name"),
        ({"name": "x" * 201}, "at most 200"),
        ({"name": "Crib\nA"}, "control characters"),
        ({"name": 5}, "body.name"),
        ({"name": None}, "body.name"),
        ({}, "body.name: field required"),
        ({"name": "Crib A", "items": {}}, "body.items: extra inputs are not permitted"),
        ([], "body"),
    ],
)
async def test_create_with_an_invalid_body_is_422_and_creates_nothing(
    client: httpx.AsyncClient, body: object, fragment: str
) -> None:
    response = await client.put("/api/inventory/", json=body)
    error = assert_error(response, 422, fragment)
    assert error["errors"], error
    assert (await client.get("/api/inventory/")).json() == {}


async def test_a_200_character_name_is_accepted(client: httpx.AsyncClient) -> None:
    point = await create_point(client, "x" * 200)
    assert point["name"] == "x" * 200


async def test_create_with_malformed_json_is_422(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/api/inventory/", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert_error(response, 422, "JSON decode error")


async def test_create_with_a_body_that_is_not_json_is_415(client: httpx.AsyncClient) -> None:
    response = await client.put("/api/inventory/", data={"name": "Crib A"})
    assert_error(response, 415, "Content-Type: application/json")
    assert (await client.get("/api/inventory/")).json() == {}


async def test_get_unknown_point_is_404(client: httpx.AsyncClient) -> None:
    assert_error(
        await client.get("/api/inventory/4242"), 404, "Inventory point 4242 does not exist"
    )


@pytest.mark.parametrize("bad_id", ["abc", "0", "-1", "1.5", "99999999999"])
async def test_a_path_id_that_is_not_a_valid_id_is_422(
    client: httpx.AsyncClient, bad_id: str
) -> None:
    assert_error(await client.get(f"/api/inventory/{bad_id}"), 422, "inv_pt_id")


async def test_patch_renames_and_leaves_items_alone(client: httpx.AsyncClient) -> None:
    drill = await create_item(client)
    point = await create_point(client, "Crib A")
    await set_items(client, point["id"], {drill["id"]: 3})
    response = await client.patch(f"/api/inventory/{point['id']}", json={"name": " Crib B "})
    assert response.status_code == 200
    assert response.json() == {
        "id": point["id"],
        "name": "Crib B",
        "items": {str(drill["id"]): 3},
    }


async def test_patch_can_change_only_the_case_of_its_own_name(client: httpx.AsyncClient) -> None:
    point = await create_point(client, "crib a")
    response = await client.patch(f"/api/inventory/{point['id']}", json={"name": "Crib A"})
    assert response.status_code == 200
    assert response.json()["name"] == "Crib A"


async def test_patch_to_another_points_name_is_409_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    drill = await create_item(client)
    await create_point(client, "Crib A")
    van = await create_point(client, "Van 1")
    response = await client.patch(
        f"/api/inventory/{van['id']}", json={"name": "CRIB A", "items": {str(drill["id"]): 5}}
    )
    assert_error(response, 409, "taken")
    assert await get_point(client, van["id"]) == van


async def test_patch_items_merges_key_by_key(client: httpx.AsyncClient) -> None:
    items = [await create_item(client, name) for name in ("Drill", "Saw", "File", "Tape")]
    drill, saw, file, tape = (item["id"] for item in items)
    point = await create_point(client)
    await set_items(client, point["id"], {drill: 10, saw: 20, file: 30})
    response = await client.patch(
        f"/api/inventory/{point['id']}",
        json={"items": {str(drill): 11, str(saw): None, str(tape): 0}},
    )
    assert response.status_code == 200
    expected = {str(drill): 11, str(file): 30, str(tape): 0}
    assert response.json()["items"] == expected
    assert (await get_point(client, point["id"]))["items"] == expected


async def test_patch_accepts_merge_patch_content_type_and_whole_floats(
    client: httpx.AsyncClient,
) -> None:
    drill = await create_item(client)
    point = await create_point(client)
    response = await client.patch(
        f"/api/inventory/{point['id']}",
        content=f'{{"items": {{"{drill["id"]}": 7.0}}}}',
        headers={"content-type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["items"] == {str(drill["id"]): 7}


async def test_patch_removing_an_item_the_point_does_not_list_is_a_no_op(
    client: httpx.AsyncClient,
) -> None:
    drill = await create_item(client)
    point = await create_point(client)
    body = await set_items(client, point["id"], {drill["id"]: None})
    assert body["items"] == {}


async def test_patch_with_matching_id_and_empty_body_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    point = await create_point(client)
    bodies: list[dict[str, object]] = [{}, {"id": point["id"]}, {"items": {}}]
    for body in bodies:
        response = await client.patch(f"/api/inventory/{point['id']}", json=body)
        assert response.status_code == 200
        assert response.json() == point


@pytest.mark.parametrize(
    ("items", "fragment"),
    [
        ({"DRILL": -1}, "greater than or equal to 0"),
        ({"DRILL": 1.5}, "fractional part"),
        ({"DRILL": "5"}, "whole number"),
        ({"DRILL": True}, "whole number"),
        ({"DRILL": 2**53}, "less than or equal to"),
        ({"abc": 1}, "body.items.abc"),
        ({"0": 1}, "body.items.0"),
        ({"424242": 1}, "424242"),
    ],
)
async def test_patch_with_an_invalid_item_is_422_and_changes_nothing(
    client: httpx.AsyncClient, items: dict[str, object], fragment: str
) -> None:
    drill, saw = await create_item(client, "Drill"), await create_item(client, "Saw")
    point = await create_point(client)
    before = await set_items(client, point["id"], {drill["id"]: 4})
    items = {key.replace("DRILL", str(drill["id"])): value for key, value in items.items()}
    response = await client.patch(
        f"/api/inventory/{point['id']}",
        json={"name": "Renamed", "items": {**items, str(saw["id"]): 9}},
    )
    body = assert_error(response, 422, fragment)
    assert body["errors"]
    assert await get_point(client, point["id"]) == before


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"id": 999}, "does not match the path's id"),
        ({"name": None}, "cannot be null"),
        ({"items": None}, "cannot be null"),
        ({"id": None}, "cannot be null"),
        ({"name": ""}, "body.name"),
        ({"colour": "red"}, "body.colour: extra inputs are not permitted"),
        ({"items": []}, "body.items"),
    ],
)
async def test_patch_with_an_invalid_body_is_422(
    client: httpx.AsyncClient, body: dict[str, object], fragment: str
) -> None:
    point = await create_point(client)
    assert_error(await client.patch(f"/api/inventory/{point['id']}", json=body), 422, fragment)
    assert await get_point(client, point["id"]) == point


async def test_patch_lists_every_unknown_item(client: httpx.AsyncClient) -> None:
    point = await create_point(client)
    response = await client.patch(
        f"/api/inventory/{point['id']}", json={"items": {"9001": 1, "9002": None}}
    )
    body = assert_error(response, 422, "9001", "9002", "create the items first")
    assert [e["loc"] for e in body["errors"]] == [
        ["body", "items", "9001"],
        ["body", "items", "9002"],
    ]


async def test_patch_unknown_point_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.patch("/api/inventory/4242", json={"name": "X"}), 404, "4242")


async def test_patch_with_too_many_items_is_422(client: httpx.AsyncClient) -> None:
    point = await create_point(client)
    items = {str(i): 1 for i in range(1, 10_002)}
    response = await client.patch(f"/api/inventory/{point['id']}", json={"items": items})
    assert_error(response, 422, "at most 10000")


async def test_delete_removes_the_point_and_its_quantities_not_the_items(
    client: httpx.AsyncClient,
) -> None:
    drill = await create_item(client)
    point = await create_point(client)
    await set_items(client, point["id"], {drill["id"]: 4})
    response = await client.delete(f"/api/inventory/{point['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert_error(await client.get(f"/api/inventory/{point['id']}"), 404)
    assert (await client.get(f"/api/items/{drill['id']}")).status_code == 200
    # No point lists the item any more, so the catalog lets it go.
    assert (await client.delete(f"/api/items/{drill['id']}")).status_code == 204


async def test_delete_unknown_point_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.delete("/api/inventory/4242"), 404, "4242")


async def test_concurrent_creates_of_one_name_let_exactly_one_win(
    committing_client: httpx.AsyncClient,
) -> None:
    names = ["Crib A", "crib a", "CRIB A", " Crib  A", "crib A", "Crib a"]
    responses = await asyncio.gather(
        *(committing_client.put("/api/inventory/", json={"name": name}) for name in names)
    )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (len(names) - 1), [r.text for r in responses]
    assert len((await committing_client.get("/api/inventory/")).json()) == 1


async def test_a_body_over_the_limit_is_413_and_changes_nothing(
    make_client: ClientFactory,
) -> None:
    async with make_client(max_body_bytes=2048) as client:
        point = await create_point(client)
        large = {"name": "x" * 100, "items": {str(n): 1 for n in range(1, 400)}}
        response = await client.patch(f"/api/inventory/{point['id']}", json=large)
        assert_error(response, 413, "larger than 2,048 bytes")

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted on arrival
            yield b'{"name": "'
            for _ in range(10):
                yield b"y" * 500
            yield b'"}'

        streamed = await client.put(
            "/api/inventory/", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert_error(streamed, 413, "larger than 2,048 bytes")
        assert len((await client.get("/api/inventory/")).json()) == 1


async def test_a_deadlock_victim_is_told_to_send_the_request_again(
    committing_client: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    """A real PostgreSQL deadlock: another transaction renames point B and then wants point
    A's row, which the PATCH renaming A to B's old name holds while it waits on that name.
    The PATCH, which waits longer, is the victim: a 409 saying to retry, not a 500."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers: no deadlock")
    a = (await create_point(committing_client, "A"))["id"]
    b = (await create_point(committing_client, "B"))["id"]
    async with engine.connect() as other:
        await other.execute(text("SET deadlock_timeout = '10s'"))  # so the PATCH's check wins
        await other.execute(
            text("UPDATE inventory_point SET name = 'B2', name_key = 'b2' WHERE id = :b"), {"b": b}
        )
        patch = asyncio.create_task(
            committing_client.patch(f"/api/inventory/{a}", json={"name": "B"})
        )
        await asyncio.sleep(0.5)  # the PATCH holds A's row and waits on the name B
        await other.execute(
            text("SELECT id FROM inventory_point WHERE id = :a FOR UPDATE"), {"a": a}
        )
        answer = await patch
        await other.rollback()
    assert_error(answer, 409, "send it again")
    assert (await get_point(committing_client, a))["name"] == "A"
