"""/api/items: the catalog, with the same conventions as the inventory points."""

import asyncio

import httpx
import pytest

from tests.builders import assert_error, create_item, create_point, get_point, set_items
from tests.imports.sheets import csv_bytes


async def test_create_keeps_part_numbers_as_text(client: httpx.AsyncClient) -> None:
    response = await client.put(
        "/api/items/",
        json={"name": " Drill 6 mm HSS ", "part_number": " 000123 ", "description": "Cobalt"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body == {
        "id": body["id"],
        "name": "Drill 6 mm HSS",
        "part_number": "000123",
        "description": "Cobalt",
    }
    assert response.headers["location"] == f"/api/items/{body['id']}"
    assert (await client.get(f"/api/items/{body['id']}")).json() == body


@pytest.mark.parametrize("part_number", [None, "", "   "])
async def test_a_blank_or_missing_part_number_is_null(
    client: httpx.AsyncClient, part_number: str | None
) -> None:
    first = await create_item(client, "Hammer", part_number=part_number)
    second = await create_item(client, "Saw", part_number=part_number)
    assert first["part_number"] is None
    assert second["part_number"] is None
    assert first["description"] == ""


async def test_list_maps_each_id_to_its_item(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/items")).json() == {}
    drill = await create_item(client, "Drill", "DR-1")
    saw = await create_item(client, "Saw")
    response = await client.get("/api/items/")
    assert response.status_code == 200
    assert response.json() == {str(drill["id"]): drill, str(saw["id"]): saw}
    assert (await client.get("/api/items")).json() == response.json()


@pytest.mark.parametrize("taken", ["drill 6 mm hss", " DRILL  6 MM HSS ", "Ｄｒｉｌｌ 6 mm HSS"])
async def test_a_taken_name_is_409(client: httpx.AsyncClient, taken: str) -> None:
    drill = await create_item(client, "Drill 6 mm HSS")
    response = await client.put("/api/items/", json={"name": taken})
    assert_error(response, 409, "name is taken", f"item {drill['id']}")
    assert len((await client.get("/api/items/")).json()) == 1


@pytest.mark.parametrize("taken", ["dr-0006", " DR-0006 ", "ＤＲ-0006"])
async def test_a_taken_part_number_is_409(client: httpx.AsyncClient, taken: str) -> None:
    drill = await create_item(client, "Drill", "DR-0006")
    response = await client.put("/api/items/", json={"name": "Other", "part_number": taken})
    assert_error(response, 409, "part number is taken", f"item {drill['id']}")


async def test_part_numbers_differing_in_leading_zeros_are_different(
    client: httpx.AsyncClient,
) -> None:
    padded = await create_item(client, "Padded", "000123")
    plain = await create_item(client, "Plain", "123")
    assert (padded["part_number"], plain["part_number"]) == ("000123", "123")


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"name": ""}, "body.name"),
        ({"name": "x" * 201}, "at most 200"),
        ({"name": "Drill", "part_number": "p" * 101}, "at most 100"),
        ({"name": "Drill", "part_number": "A\tB"}, "control characters"),
        ({"name": "Drill", "part_number": 123}, "body.part_number"),
        ({"name": "Drill", "description": "d" * 4001}, "at most 4000"),
        ({"name": "Drill", "description": None}, "body.description"),
        ({"name": "Drill", "barcode": "1"}, "body.barcode: extra inputs are not permitted"),
        ({"part_number": "DR-1"}, "body.name: field required"),
    ],
)
async def test_create_with_an_invalid_body_is_422_and_creates_nothing(
    client: httpx.AsyncClient, body: dict[str, object], fragment: str
) -> None:
    assert_error(await client.put("/api/items/", json=body), 422, fragment)
    assert (await client.get("/api/items/")).json() == {}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (rb'{"name": "Drill", "description": "a\u0000b"}', "NUL"),
        (rb'{"name": "Drill\ud800"}', "lone surrogate"),
        (rb'{"name": "Drill", "part_number": "\udfff1"}', "lone surrogate"),
        (rb'{"name": "Drill", "description": "\ud83d"}', "body.description"),
    ],
)
async def test_text_no_database_stores_is_422(
    client: httpx.AsyncClient, body: bytes, fragment: str
) -> None:
    """JSON can spell NUL and half a UTF-16 pair; PostgreSQL stores neither, UTF-8 has no
    surrogates at all."""
    headers = {"Content-Type": "application/json"}
    assert_error(await client.put("/api/items/", content=body, headers=headers), 422, fragment)
    assert (await client.get("/api/items/")).json() == {}
    item = (await create_item(client, "Saw"))["id"]
    patch = body.replace(b'"Drill', b'"Saw')
    assert_error(
        await client.patch(f"/api/items/{item}", content=patch, headers=headers), 422, fragment
    )


async def test_get_unknown_item_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/items/777"), 404, "Inventory item 777 does not exist")


async def test_patch_changes_only_the_fields_given(client: httpx.AsyncClient) -> None:
    drill = await create_item(client, "Drill", "DR-1", "Cobalt")
    response = await client.patch(f"/api/items/{drill['id']}", json={"description": "HSS"})
    assert response.status_code == 200
    assert response.json() == {**drill, "description": "HSS"}
    response = await client.patch(f"/api/items/{drill['id']}", json={"name": "Drill 6 mm"})
    assert response.json() == {**drill, "description": "HSS", "name": "Drill 6 mm"}


async def test_patch_null_removes_part_number_and_clears_description(
    client: httpx.AsyncClient,
) -> None:
    drill = await create_item(client, "Drill", "DR-1", "Cobalt")
    response = await client.patch(
        f"/api/items/{drill['id']}", json={"part_number": None, "description": None}
    )
    assert response.status_code == 200
    assert response.json() == {**drill, "part_number": None, "description": ""}
    # The freed part number can be given to another item.
    await create_item(client, "Other drill", "DR-1")


async def test_patch_to_a_taken_name_or_part_number_is_409_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    await create_item(client, "Drill", "DR-1")
    saw = await create_item(client, "Saw", "SA-1")
    for body, fragment in (
        ({"name": "DRILL", "description": "new"}, "name is taken"),
        ({"part_number": "dr-1", "description": "new"}, "part number is taken"),
    ):
        assert_error(await client.patch(f"/api/items/{saw['id']}", json=body), 409, fragment)
        assert (await client.get(f"/api/items/{saw['id']}")).json() == saw


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"id": 999}, "does not match the path's id"),
        ({"name": None}, "cannot be null"),
        ({"name": "  "}, "body.name"),
        ({"colour": "red"}, "extra inputs are not permitted"),
    ],
)
async def test_patch_with_an_invalid_body_is_422(
    client: httpx.AsyncClient, body: dict[str, object], fragment: str
) -> None:
    drill = await create_item(client, "Drill", "DR-1")
    assert_error(await client.patch(f"/api/items/{drill['id']}", json=body), 422, fragment)
    assert (await client.get(f"/api/items/{drill['id']}")).json() == drill


async def test_patch_unknown_item_is_404(client: httpx.AsyncClient) -> None:
    assert_error(await client.patch("/api/items/777", json={"name": "X"}), 404, "777")


async def test_delete_removes_the_item(client: httpx.AsyncClient) -> None:
    drill = await create_item(client)
    response = await client.delete(f"/api/items/{drill['id']}")
    assert response.status_code == 204
    assert_error(await client.get(f"/api/items/{drill['id']}"), 404)
    assert_error(await client.delete(f"/api/items/{drill['id']}"), 404)


async def test_delete_of_a_listed_item_is_409_naming_the_points(
    client: httpx.AsyncClient,
) -> None:
    drill = await create_item(client)
    crib, van = await create_point(client, "Crib A"), await create_point(client, "Van 1")
    await set_items(client, crib["id"], {drill["id"]: 0})
    await set_items(client, van["id"], {drill["id"]: 3})
    body = assert_error(
        await client.delete(f"/api/items/{drill['id']}"), 409, "'Crib A'", "'Van 1'"
    )
    assert body["points"] == [crib["id"], van["id"]]
    assert (await client.get(f"/api/items/{drill['id']}")).status_code == 200

    await set_items(client, crib["id"], {drill["id"]: None})
    await set_items(client, van["id"], {drill["id"]: None})
    assert (await client.delete(f"/api/items/{drill['id']}")).status_code == 204


async def test_concurrent_creates_of_one_part_number_let_exactly_one_win(
    committing_client: httpx.AsyncClient,
) -> None:
    responses = await asyncio.gather(
        *(
            committing_client.put(
                "/api/items/", json={"name": f"Drill {n}", "part_number": f" dr-{'0' * 3}6 "}
            )
            for n in range(6)
        )
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 5


async def test_deleting_an_item_while_points_take_it_is_a_409_or_a_422_never_a_500(
    committing_client: httpx.AsyncClient,
) -> None:
    """PostgreSQL checks a foreign key only at the write: between a request's check that the
    item exists (or is listed nowhere) and its write, another may change that."""
    client = committing_client
    points = [(await create_point(client, f"Crib {n}"))["id"] for n in range(4)]
    for round_ in range(8):
        item = (await create_item(client, f"Drill {round_}"))["id"]
        sheet = csv_bytes([["Name", "Qty"], [f"Drill {round_}", 3]])
        answers = await asyncio.gather(
            client.patch(f"/api/inventory/{points[0]}", json={"items": {str(item): 5}}),
            client.delete(f"/api/items/{item}"),
            client.patch(f"/api/inventory/{points[1]}", json={"items": {str(item): 7}}),
            client.post(f"/api/inventory/{points[2]}/import", files={"file": ("c.csv", sheet)}),
        )
        assert all(answer.status_code < 500 for answer in answers), [a.text for a in answers]
        deleted = answers[1].status_code == 204
        assert answers[1].status_code in (204, 409), answers[1].text
        listed = {p for p in points if str(item) in (await get_point(client, p))["items"]}
        # Serial: either the delete came first (nobody lists the item) or it was refused.
        assert not (deleted and listed), (answers, listed)
        for point in listed:
            await set_items(client, point, {item: None})


async def test_editing_an_item_while_it_is_deleted_is_a_404_never_a_500(
    committing_client: httpx.AsyncClient,
) -> None:
    client = committing_client
    for round_ in range(8):
        item = (await create_item(client, f"Saw {round_}"))["id"]
        edited, deleted = await asyncio.gather(
            client.patch(f"/api/items/{item}", json={"description": "Hand saw"}),
            client.delete(f"/api/items/{item}"),
        )
        assert deleted.status_code == 204, deleted.text
        # Serial either way: the edit came first (200), or found no item (404).
        assert edited.status_code in (200, 404), edited.text
