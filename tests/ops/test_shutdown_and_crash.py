"""SIGTERM during an import: it finishes (within the grace period) or rolls back, never half;
SIGKILL during one: after a restart the point holds its quantities from before, the database
is intact, and the next import works."""

import os
import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.databases import fresh_postgres_database
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


@contextmanager
def _database(kind: str, directory: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{directory / 'inventory.db'}"
        return
    with fresh_postgres_database() as url:
        yield url


def _quantities(service: Service, point: int) -> set[int]:
    items = httpx.get(f"{service.url}/api/inventory/{point}", headers=AUTH, timeout=30).json()
    return set(items["items"].values())


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_server_killed_mid_import_restarts_with_the_quantities_from_before(
    tmp_path: Path, kind: str
) -> None:
    with _database(kind, tmp_path) as url:
        with running_service(url) as service:
            point, _ = _stock_a_catalog(service)
            first = csv_bytes([["Name", "Qty"]] + [[f"Bolt {n:06d}", 5] for n in range(ROWS)])
            applied = httpx.post(
                f"{service.url}/api/inventory/{point}/import",
                files={"file": ("first.csv", first)},
                headers=AUTH,
                timeout=120,
            )
            assert applied.status_code == 200
            second = csv_bytes([["Name", "Qty"]] + [[f"Bolt {n:06d}", 7] for n in range(ROWS)])
            outcome: list[httpx.Response | Exception] = []

            def send() -> None:
                try:
                    outcome.append(
                        httpx.post(
                            f"{service.url}/api/inventory/{point}/import",
                            files={"file": ("second.csv", second)},
                            headers=AUTH,
                            timeout=120,
                        )
                    )
                except httpx.HTTPError as exc:
                    outcome.append(exc)

            sender = threading.Thread(target=send)
            sender.start()
            time.sleep(0.4)  # the import is under way
            os.kill(service.pid, signal.SIGKILL)
            sender.join(timeout=60)
            assert service.process.wait(timeout=30) == -signal.SIGKILL
            assert isinstance(outcome[0], Exception), outcome[0]  # it never answered
        with running_service(url) as again:
            assert _quantities(again, point) == {5}
            imports = httpx.get(f"{again.url}/api/inventory/{point}/imports", headers=AUTH).json()
            assert [record["file_name"] for record in imports["imports"]] == ["first.csv"]
            third = csv_bytes([["Name", "Qty"]] + [[f"Bolt {n:06d}", 9] for n in range(ROWS)])
            redone = httpx.post(
                f"{again.url}/api/inventory/{point}/import",
                files={"file": ("third.csv", third)},
                headers=AUTH,
                timeout=120,
            )
            assert redone.status_code == 200, redone.text
            assert _quantities(again, point) == {9}
        if kind == "sqlite":
            assert _stock_rows(tmp_path / "inventory.db", point) == ROWS  # integrity checked
