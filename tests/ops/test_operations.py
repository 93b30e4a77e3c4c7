"""Health probes, metrics, request ids and logs, on the app and on a running service."""

import json
import re
import time

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.databases import fresh_postgres_database, migrate
from tests.imports.sheets import csv_bytes, point_with_catalog, upload
from tests.live_server import AUTH, running_service
from tests.ops.tcp_proxy import tcp_proxy


async def test_liveness_asks_nothing_and_readiness_asks_the_database(
    client: httpx.AsyncClient,
) -> None:
    assert (await client.get("/health/live")).json() == {"status": "live", "detail": None}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the Prometheus text exposition."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith(name + "{"):
            found = line[len(name) + 1 : line.rindex("} ")]
            if ",".join(sorted(found.split(","))) == wanted:
                return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_metrics_show_the_requests_and_imports_just_made(
    client: httpx.AsyncClient,
) -> None:
    point, _ = await point_with_catalog(client)
    before = (await client.get("/metrics")).text
    sheet = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 4], ["Ghost", 1]])
    assert (await upload(client, point, sheet)).status_code == 200
    assert (await upload(client, point, b"\x00\x01binary")).status_code == 415
    for _ in range(3):
        await client.get(f"/api/inventory/{point}")
    after = (await client.get("/metrics")).text
    assert after.startswith("# HELP")

    def grew(name: str, **labels: str) -> float:
        return _sample(after, name, **labels) - _sample(before, name, **labels)

    route = {"method": "GET", "route": "/api/inventory/{inv_pt_id}", "status": "200"}
    assert grew("inventory_http_requests_total", **route) == 3
    assert grew("inventory_http_request_duration_seconds_count", **route) == 3
    applied = {"kind": "stock_count", "format": "csv", "outcome": "applied"}
    assert grew("inventory_imports_total", **applied) == 1
    assert grew("inventory_import_rows_total", **applied) == 2
    assert grew("inventory_import_duration_seconds_count", **applied) == 1
    refused = {"kind": "stock_count", "format": "unknown", "outcome": "refused"}
    assert grew("inventory_imports_total", **refused) == 1
    assert "inventory_db_pool_checkedout" in after


async def test_a_request_id_is_made_or_kept_and_returned(client: httpx.AsyncClient) -> None:
    made = (await client.get("/health/live")).headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    kept = await client.get("/health/live", headers={"X-Request-ID": "crib-a.count:42"})
    assert kept.headers["x-request-id"] == "crib-a.count:42"
    odd = await client.get("/health/live", headers={"X-Request-ID": "evil\tid {injected}"})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])


def test_a_running_service_logs_one_json_line_per_request_with_its_id(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    database = tmp_path_factory.mktemp("logs") / "inventory.db"
    with running_service(f"sqlite+aiosqlite:///{database}", INVENTORY_LOG_FORMAT="json") as service:
        httpx.get(
            service.url + "/api/inventory/424242", headers={"X-Request-ID": "probe-7", **AUTH}
        )
        httpx.put(service.url + "/api/inventory/", json={"name": "Crib A"}, headers=AUTH)
        time.sleep(0.3)
        lines = [
            json.loads(line)
            for line in service.log.read_text().splitlines()
            if line.startswith("{")
        ]
    mine = [line for line in lines if line.get("request_id") == "probe-7"]
    assert [
        (line["method"], line["route"], line["status"]) for line in mine if "status" in line
    ] == [("GET", "/api/inventory/{inv_pt_id}", 404)]
    assert all(line["logger"] and line["time"] and line["level"] for line in lines)
    created = [line for line in lines if line.get("method") == "PUT"]
    assert created[0]["status"] == 201
    assert created[0]["duration_ms"] >= 0
    assert created[0]["request_id"] != "probe-7"


def test_readiness_follows_the_database_without_a_restart() -> None:
    """PostgreSQL behind a proxy the test can cut: 503 while it is gone, 200 once back."""
    with fresh_postgres_database() as url:
        migrate(url)
        real = make_url(url)
        with tcp_proxy(real.host or "127.0.0.1", real.port or 5432) as proxy:
            proxied = real.set(host="127.0.0.1", port=proxy.port).render_as_string(
                hide_password=False
            )
            with running_service(proxied) as service:
                ready = service.url + "/health/ready"
                assert httpx.get(ready, timeout=10).status_code == 200
                proxy.cut()
                gone = httpx.get(ready, timeout=10)
                assert gone.status_code == 503
                assert gone.json()["status"] == "unavailable"
                assert httpx.get(service.url + "/health/live", timeout=10).status_code == 200
                proxy.restore()
                assert httpx.get(ready, timeout=10).status_code == 200
