"""SIGTERM during an import: it finishes (within the grace period) or rolls back, never half."""

import os
import signal
import sqlite3
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.imports.sheets import csv_bytes
from tests.live_server import AUTH, Service, running_service

ROWS = 60_000


def _stock_a_catalog(service: Service) -> tuple[int, bytes]:
    catalog = csv_bytes([["Name"]] + [[f"Bolt {n:06d}"] for n in range(ROWS)])
    loaded = httpx.post(
        service.url + "/api/items/import",
        files={"file": ("c.csv", catalog)},
        headers=AUTH,
        timeout=120,
    )
    assert loaded.status_code == 200, loaded.text
    point = httpx.put(
        service.url + "/api/inventory/", json={"name": "Crib A"}, headers=AUTH
    ).json()["id"]
    return point, csv_bytes([["Name", "Qty"]] + [[f"Bolt {n:06d}", 5] for n in range(ROWS)])


def _import_then_terminate(
    service: Service, point: int, sheet: bytes
) -> httpx.Response | Exception:
    """Send the import, and SIGTERM the server while it runs; the import's answer."""
    outcome: list[httpx.Response | Exception] = []

    def send() -> None:
        try:
            outcome.append(
                httpx.post(
                    f"{service.url}/api/inventory/{point}/import",
                    headers=AUTH,
                    files={"file": ("s.csv", sheet)},
                    timeout=120,
                )
            )
        except httpx.HTTPError as exc:
            outcome.append(exc)

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(0.4)  # the upload is in; the import has begun
    os.kill(service.pid, signal.SIGTERM)
    sender.join(timeout=120)
    # A clean exit: uvicorn shuts down, then re-raises the signal it caught.
    assert service.process.wait(timeout=120) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in service.log.read_text()
    return outcome[0]


def _stock_rows(database: Path, point: int) -> int:
    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        return int(
            connection.execute(
                "SELECT count(*) FROM stock WHERE point_id = ?", (point,)
            ).fetchone()[0]
        )


def test_an_import_in_flight_finishes_before_the_server_stops(tmp_path: Path) -> None:
    database = tmp_path / "inventory.db"
    with running_service(f"sqlite+aiosqlite:///{database}") as service:
        point, sheet = _stock_a_catalog(service)
        answer = _import_then_terminate(service, point, sheet)
        log = service.log.read_text()
    assert isinstance(answer, httpx.Response), answer
    assert answer.status_code == 200, answer.text
    assert answer.json()["summary"]["added"] == ROWS
    # The signal came while the import ran: the server said so before answering it.
    assert log.index("Shutting down") < log.index("POST /api/inventory/{ipt_id}/import 200")
    assert _stock_rows(database, point) == ROWS


@pytest.mark.parametrize("grace", ["0"])
def test_an_import_cut_off_by_the_grace_period_rolls_back_whole(tmp_path: Path, grace: str) -> None:
    database = tmp_path / "inventory.db"
    with running_service(
        f"sqlite+aiosqlite:///{database}", INVENTORY_SHUTDOWN_TIMEOUT=grace
    ) as service:
        point, sheet = _stock_a_catalog(service)
        answer = _import_then_terminate(service, point, sheet)
    assert isinstance(answer, Exception) or answer.status_code >= 500, answer
    assert _stock_rows(database, point) == 0
