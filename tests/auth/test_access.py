"""Access control: every /api call needs a token with the right scope (and point), tokens are
made, listed and revoked by an admin, and the plain token is never kept or logged."""

import asyncio
import hashlib
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.settings import Settings
from app.main import create_app
from app.models import ApiToken
from tests.builders import assert_error, create_item, create_point, set_items
from tests.conftest import ClientFactory
from tests.databases import migrate
from tests.imports.sheets import csv_bytes
from tests.live_server import AUTH, running_service


async def make_token(
    client: httpx.AsyncClient, name: str, scopes: list[str], points: list[int] | None = None
) -> str:
    response = await client.post(
        "/api/tokens", json={"name": name, "scopes": scopes, "points": points}
    )
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _fixtures(client: httpx.AsyncClient) -> dict[str, int]:
    point = (await create_point(client, "Crib A"))["id"]
    other = (await create_point(client, "Van 2"))["id"]
    item = (await create_item(client, "Drill", "DR-1"))["id"]
    await set_items(client, point, {item: 3})
    sheet = csv_bytes([["Name", "Qty"], ["Drill", 4]])
    imported = await client.post(f"/api/inventory/{point}/import", files={"file": ("c.csv", sheet)})
    token = (await client.post("/api/tokens", json={"name": "spare", "scopes": ["read"]})).json()
    return {
        "inv_pt_id": point,
        "ipt_id": point,
        "item_id": item,
        "import_id": imported.json()["import_id"],
        "token_id": token["id"],
        "other": other,
    }


def _operations(openapi: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, methods in openapi["paths"].items()
        for method in methods
        if path.startswith("/api")
    ]


async def _call(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    ids: dict[str, int],
    headers: dict[str, str],
    body: bytes | None = None,
) -> httpx.Response:
    url = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)
    return await client.request(method.upper(), url, headers=headers, content=body)


async def test_every_api_operation_refuses_a_missing_or_wrong_token(
    make_client: ClientFactory,
) -> None:
    async with make_client() as admin:
        ids = await _fixtures(admin)
        operations = _operations((await admin.get("/openapi.json")).json())
    assert len(operations) >= 20
    # A malformed body too: the token is checked before anything reads the body.
    malformed = {"Content-Type": "application/json"}, b"{\xff"
    async with make_client(headers={}) as anonymous:
        for method, path in operations:
            for headers, body in (
                ({}, None),
                (bearer("inv_not-a-token"), None),
                ({"Authorization": "Basic eDp5"}, None),
                malformed,
            ):
                response = await _call(anonymous, method, path, ids, headers, body)
                assert response.status_code == 401, (method, path, headers, response.text)
                assert response.headers["www-authenticate"] == "Bearer"
                assert response.json()["detail"]


async def test_every_api_operation_refuses_a_token_without_the_scope_or_the_point(
    make_client: ClientFactory,
) -> None:
    async with make_client() as admin:
        ids = await _fixtures(admin)
        operations = _operations((await admin.get("/openapi.json")).json())
        read = await make_token(admin, "reader", ["read"])
        write = await make_token(admin, "writer", ["write"])
        crib = await make_token(admin, "crib-b", ["write"], [ids["other"]])
    async with make_client(headers={}) as client:
        for method, path in operations:
            names_a_point = re.search(r"\{(inv_pt_id|ipt_id|import_id)\}", path)
            if path.startswith("/api/tokens"):
                refused = [read, write, crib]  # admin only
            elif method == "get":
                refused = [crib] if names_a_point else []  # its only point is another one
            else:
                refused = [read, crib]  # another point, or the catalog, or a new point
            for token in refused:
                response = await _call(client, method, path, ids, bearer(token))
                assert response.status_code == 403, (method, path, response.text)
                assert "token" in response.json()["detail"]


async def test_an_admin_makes_lists_and_revokes_tokens(
    client: httpx.AsyncClient, connection: AsyncConnection
) -> None:
    made = await client.post("/api/tokens", json={"name": "crib-a reader", "scopes": ["read"]})
    assert made.status_code == 201
    body = made.json()
    token = body["token"]
    assert token.startswith("inv_")
    assert len(token) >= 40
    assert body["scopes"] == ["read"]
    assert body["points"] is None
    assert body["revoked_at"] is None
    listed = (await client.get("/api/tokens")).json()
    assert listed[str(body["id"])]["name"] == "crib-a reader"
    assert all("token" not in entry for entry in listed.values())
    stored = (
        await connection.execute(select(ApiToken.token_hash).where(ApiToken.id == body["id"]))
    ).scalar_one()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(listed)
    assert (await client.get("/api/inventory/", headers=bearer(token))).status_code == 200
    assert_error(
        await client.put("/api/inventory/", json={"name": "X"}, headers=bearer(token)), 403, "write"
    )
    assert (await client.delete(f"/api/tokens/{body['id']}")).status_code == 204
    assert_error(await client.get("/api/inventory/", headers=bearer(token)), 401, "not valid")
    assert (await client.get("/api/tokens")).json()[str(body["id"])]["revoked_at"]
    assert (await client.delete(f"/api/tokens/{body['id']}")).status_code == 204  # again: same
    assert_error(
        await client.post("/api/tokens", json={"name": "crib-a reader", "scopes": ["read"]}),
        409,
        "exists",
    )
    assert_error(await client.post("/api/tokens", json={"name": "x", "scopes": []}), 422, "scopes")
    assert_error(
        await client.post("/api/tokens", json={"name": "x", "scopes": ["root"]}), 422, "scopes"
    )
    assert_error(
        await client.post(
            "/api/tokens", json={"name": "x", "scopes": ["read"], "points": [424242]}
        ),
        422,
        "424242",
    )
    assert_error(await client.delete("/api/tokens/424242"), 404, "does not exist")


async def test_a_token_limited_to_a_point_counts_only_that_point(client: httpx.AsyncClient) -> None:
    mine = (await create_point(client, "Crib A"))["id"]
    theirs = (await create_point(client, "Crib B"))["id"]
    drill = (await create_item(client, "Drill"))["id"]
    await set_items(client, theirs, {drill: 9})
    token = await make_token(client, "crib-a attendant", ["write"], [mine])
    as_attendant = bearer(token)
    listed = (await client.get("/api/inventory/", headers=as_attendant)).json()
    assert list(listed) == [str(mine)]
    sheet = csv_bytes([["Name", "Qty"], ["Drill", 4]])
    counted = await client.post(
        f"/api/inventory/{mine}/import", files={"file": ("c.csv", sheet)}, headers=as_attendant
    )
    assert counted.status_code == 200
    movement = (await client.get(f"/api/inventory/{mine}/history")).json()["movements"][0]
    assert movement["actor"] == "crib-a attendant"
    assert_error(
        await client.post(
            f"/api/inventory/{theirs}/import",
            files={"file": ("c.csv", sheet)},
            headers=as_attendant,
        ),
        403,
        f"point {theirs}",
    )
    assert_error(
        await client.get(f"/api/inventory/{theirs}", headers=as_attendant), 403, "may not use"
    )
    assert (await client.get("/api/items/", headers=as_attendant)).status_code == 200
    assert_error(
        await client.put("/api/items/", json={"name": "Saw"}, headers=as_attendant), 403, "catalog"
    )
    assert_error(
        await client.put("/api/inventory/", json={"name": "Crib C"}, headers=as_attendant),
        403,
        "create points",
    )
    theirs_import = await client.post(
        f"/api/inventory/{theirs}/import", files={"file": ("c.csv", sheet)}
    )
    import_id = theirs_import.json()["import_id"]
    assert_error(
        await client.get(f"/api/imports/{import_id}", headers=as_attendant), 403, f"point {theirs}"
    )
    assert_error(
        await client.post(f"/api/imports/{import_id}/revert", headers=as_attendant),
        403,
        f"point {theirs}",
    )


async def test_docs_health_and_metrics_are_public(make_client: ClientFactory) -> None:
    async with make_client(headers={}) as anonymous:
        for path in (
            "/docs",
            "/redoc",
            "/openapi.json",
            "/health/live",
            "/health/ready",
            "/metrics",
        ):
            assert (await anonymous.get(path)).status_code == 200, path


async def test_swagger_ui_offers_bearer_authorization(client: httpx.AsyncClient) -> None:
    schemes = (await client.get("/openapi.json")).json()["components"]["securitySchemes"]
    assert schemes == {
        "HTTPBearer": {
            "type": "http",
            "scheme": "bearer",
            "description": schemes["HTTPBearer"]["description"],
        }
    }


async def test_cors_is_off_unless_origins_are_configured(make_client: ClientFactory) -> None:
    preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    async with make_client() as client:
        answer = await client.options("/api/inventory/", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers
    async with make_client(cors_origins=["https://crib.example"]) as client:
        allowed = await client.options(
            "/api/inventory/", headers={**preflight, "Origin": "https://crib.example"}
        )
        assert allowed.headers["access-control-allow-origin"] == "https://crib.example"
        refused = await client.options("/api/inventory/", headers=preflight)
        assert "access-control-allow-origin" not in refused.headers


async def test_the_first_start_without_tokens_makes_an_admin_token_and_logs_it_once(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    await asyncio.to_thread(migrate, url)  # Alembic runs an event loop of its own
    printed: list[str] = []
    for _ in range(2):  # the second start finds a token and makes none
        app = create_app(Settings(database_url=url))
        async with app.router.lifespan_context(app):
            pass  # the log is written out when the app stops
        printed += re.findall(r"inv_[\w-]{40,}", capfd.readouterr().err)
    assert len(printed) == 1
    app = create_app(Settings(database_url=url))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        answer = await client.get("/api/tokens", headers=bearer(printed[0]))
        assert answer.status_code == 200
        assert [t["name"] for t in answer.json().values()] == ["bootstrap-admin"]


async def test_with_inventory_admin_token_set_no_bootstrap_token_is_made(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
    await asyncio.to_thread(migrate, url)
    app = create_app(Settings(database_url=url, admin_token=SecretStr("inv_" + "x" * 40)))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client,
    ):
        answer = await client.get("/api/tokens", headers=bearer("inv_" + "x" * 40))
        assert answer.status_code == 200
        assert answer.json() == {}  # no token was made
    assert not re.findall(r"inv_[\w-]{40,}", capfd.readouterr().err)


def test_a_guessable_inventory_admin_token_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings(admin_token=SecretStr("admin"))


def test_tokens_never_appear_in_the_log(tmp_path: Path) -> None:
    with running_service(
        f"sqlite+aiosqlite:///{tmp_path / 'inventory.db'}", INVENTORY_LOG_LEVEL="DEBUG"
    ) as service:
        made = httpx.post(
            service.url + "/api/tokens", json={"name": "n", "scopes": ["read"]}, headers=AUTH
        ).json()
        httpx.get(service.url + "/api/inventory/", headers=bearer(made["token"]))
        httpx.get(service.url + "/api/inventory/", headers=bearer("inv_wrong-token-value"))
        log = service.log.read_text()
    assert "/api/tokens" in log  # the requests were logged
    for secret in (AUTH["Authorization"].split()[1], made["token"], "inv_wrong-token-value"):
        assert secret not in log
