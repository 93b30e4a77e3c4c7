"""Import benchmark: 100k-row stock counts through HTTP against a running service, next to a
bare in-process pipeline doing the same steps; and a 1,000,000-row CSV with reads probed
while it runs.

    scripts/bench                       # SQLite, and PostgreSQL when it answers
    scripts/bench --rows 20000 --no-million

For each database it starts the service the way the container does (scripts/entrypoint.sh
on a fresh database), loads a catalog through POST /api/items/import, then times each
import through HTTP (median of --repeat runs, each into a fresh point) and prints rows/s,
wall time and the service's peak memory (its whole process tree, the workbook reader
included). The bare pipeline parses the sheet, loads the catalog's keys, matches in dicts,
does one core upsert and commits, in this process: the floor an HTTP import is compared to.
"""

import argparse
import asyncio
import csv
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx
import xlsxwriter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.pipeline import bare_pipeline  # noqa: E402
from tests.databases import fresh_postgres_database  # noqa: E402
from tests.live_server import AUTH, running_service  # noqa: E402
from tests.process_memory import PeakMemory  # noqa: E402


@dataclass
class Sheets:
    catalog_csv: Path
    count_csv: Path
    count_xlsx: Path


def item_name(number: int, *, short: bool = False) -> str:
    if short:  # a million rows must fit the default 50 MB upload limit
        return f"Bolt M{number % 30 + 3} #{number:07d}"
    return f"Hex bolt M{number % 30 + 3} x {number % 200 + 10} mm, zinc #{number:07d}"


def part_number(number: int, *, short: bool = False) -> str:
    return f"B{number:07d}" if short else f"HB-{number:08d}"


def write_sheets(directory: Path, rows: int, *, seed: int = 7, short: bool = False) -> Sheets:
    random_quantities = random.Random(seed)
    sheets = Sheets(
        directory / f"catalog_{rows}.csv",
        directory / f"count_{rows}.csv",
        directory / f"count_{rows}.xlsx",
    )
    with sheets.catalog_csv.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Name", "Part Number", "Description"])
        writer.writerows(
            (item_name(n, short=short), part_number(n, short=short), "" if short else "steel")
            for n in range(rows)
        )
    counts = [
        (item_name(n, short=short), part_number(n, short=short), random_quantities.randint(0, 500))
        for n in range(rows)
    ]
    with sheets.count_csv.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["Name", "Part Number", "Qty"])
        writer.writerows(counts)
    if short:
        return sheets  # the million-row run imports only the CSV
    workbook = xlsxwriter.Workbook(str(sheets.count_xlsx), {"constant_memory": True})
    sheet = workbook.add_worksheet("Count")
    sheet.write_row(0, 0, ["Name", "Part Number", "Qty"])
    for row, values in enumerate(counts, start=1):
        sheet.write_row(row, 0, values)
    workbook.close()
    return sheets


@dataclass
class Run:
    seconds: float
    peak_bytes: int
    summary: dict[str, int]


def post_file(client: httpx.Client, path: str, file: Path) -> dict[str, object]:
    with file.open("rb") as content:
        response = client.post(path, files={"file": (file.name, content)})
    if response.status_code != 200:
        raise SystemExit(f"{path} answered {response.status_code}: {response.text[:500]}")
    body: dict[str, object] = response.json()
    return body


def timed(memory: PeakMemory, action: Callable[[], dict[str, object]]) -> Run:
    with memory.measure() as peak:
        start = time.perf_counter()
        body = action()
        seconds = time.perf_counter() - start
    summary = body.get("summary", {})
    assert isinstance(summary, dict)
    return Run(seconds, peak.bytes, summary)


def new_point(client: httpx.Client) -> int:
    response = client.put("/api/inventory/", json={"name": f"Bench {uuid.uuid4().hex[:10]}"})
    response.raise_for_status()
    point_id: int = response.json()["id"]
    return point_id


def report(label: str, rows: int, runs: list[Run], floor: float | None = None) -> float:
    median = statistics.median(run.seconds for run in runs)
    peak = max(run.peak_bytes for run in runs) / 2**20
    ratio = f"  {median / floor:4.2f}x bare" if floor else ""
    print(
        f"  {label:<28} {median:7.2f} s  {rows / median:>10,.0f} rows/s  peak {peak:6.0f} MB{ratio}"
    )
    return median


@contextmanager
def probing(client_url: str, path: str) -> Iterator[list[float]]:
    """GET ``path`` in a loop while the block runs; the latencies, in seconds."""
    latencies: list[float] = []
    stop = threading.Event()

    def probe() -> None:
        with httpx.Client(base_url=client_url, timeout=30, headers=AUTH) as client:
            while not stop.is_set():
                start = time.perf_counter()
                client.get(path).raise_for_status()
                latencies.append(time.perf_counter() - start)
                time.sleep(0.02)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    try:
        yield latencies
    finally:
        stop.set()
        thread.join()


def bench_database(label: str, url: str, sheets: Sheets, rows: int, repeat: int) -> None:
    print(f"\n{label}: {rows:,}-item catalog, {rows:,}-row sheets")
    with (
        running_service(url) as service,
        httpx.Client(base_url=service.url, timeout=600, headers=AUTH) as client,
    ):
        memory = PeakMemory(service.pid)
        load = timed(memory, lambda: post_file(client, "/api/items/import", sheets.catalog_csv))
        assert load.summary["created"] == rows, load.summary
        report("catalog load (CSV)", rows, [load])
        for name, sheet in (("CSV", sheets.count_csv), ("XLSX", sheets.count_xlsx)):
            bare = [
                asyncio.run(bare_pipeline(url, sheet, new_point(client))) for _ in range(repeat)
            ]
            floor = report(f"bare pipeline ({name})", rows, [Run(s, 0, {}) for s in bare])
            runs = []
            for _ in range(repeat):
                point_id = new_point(client)
                path = f"/api/inventory/{point_id}/import"
                runs.append(timed(memory, partial(post_file, client, path, sheet)))
                assert runs[-1].summary["added"] == rows, runs[-1].summary
            report(f"HTTP import ({name}, new)", rows, runs, floor)
            again = [timed(memory, partial(post_file, client, path, sheet)) for _ in range(repeat)]
            report(f"HTTP import ({name}, again)", rows, again, floor)
        bench_undo(client, point_id, sheets.count_csv)


def bench_undo(client: httpx.Client, point_id: int, sheet: Path) -> None:
    """A delivery (mode=add) of the whole sheet, its changes paged through, then reverted:
    the point must hold exactly its quantities from before, item by item."""
    before = client.get(f"/api/inventory/{point_id}").json()["items"]
    start = time.perf_counter()
    with sheet.open("rb") as content:
        answer = client.post(
            f"/api/inventory/{point_id}/import",
            params={"mode": "add"},
            files={"file": (sheet.name, content)},
        ).json()
    imported = time.perf_counter() - start
    start, changes, pages, cursor = time.perf_counter(), 0, 0, None
    while True:
        params: dict[str, str | int] = {"limit": 1000}
        if cursor:
            params["cursor"] = cursor
        page = client.get(f"/api/imports/{answer['import_id']}", params=params).json()
        changes, pages, cursor = changes + len(page["changes"]), pages + 1, page["next_cursor"]
        if cursor is None:
            break
    paged = time.perf_counter() - start
    assert changes == answer["summary"]["updated"], (changes, answer["summary"])
    start = time.perf_counter()
    reverted = client.post(f"/api/imports/{answer['import_id']}/revert")
    reverting = time.perf_counter() - start
    assert reverted.status_code == 200, reverted.text
    after = client.get(f"/api/inventory/{point_id}").json()["items"]
    restored = after == before
    print(
        f"  delivery (mode=add) {imported:.2f} s; its {changes:,} changes in {pages} pages "
        f"{paged:.2f} s; revert {reverting:.2f} s; quantities restored item by item: "
        f"{'yes' if restored else 'NO'}"
    )
    assert restored


def bench_million(url: str, directory: Path) -> None:
    rows = 1_000_000
    print(f"\nSQLite: {rows:,}-item catalog, {rows:,}-row CSV, GET probed during the import")
    sheets = write_sheets(directory, rows, short=True)
    print(
        f"  sheets: catalog {sheets.catalog_csv.stat().st_size / 2**20:.0f} MB, "
        f"count {sheets.count_csv.stat().st_size / 2**20:.0f} MB"
    )
    with (
        running_service(url) as service,
        httpx.Client(base_url=service.url, timeout=1200, headers=AUTH) as client,
    ):
        memory = PeakMemory(service.pid)
        load = timed(memory, lambda: post_file(client, "/api/items/import", sheets.catalog_csv))
        report("catalog load (CSV)", rows, [load])
        point_id = new_point(client)
        probe_point = new_point(client)
        with probing(service.url, f"/api/inventory/{probe_point}") as latencies:
            run = timed(
                memory,
                lambda: post_file(client, f"/api/inventory/{point_id}/import", sheets.count_csv),
            )
        report("HTTP import (CSV)", rows, [run])
        print(
            f"  GET /api/inventory/{{id}} during the import: {len(latencies)} requests, "
            f"median {statistics.median(latencies) * 1000:.0f} ms, "
            f"max {max(latencies) * 1000:.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-million", action="store_true", help="skip the 1,000,000-row run")
    parser.add_argument("--no-postgres", action="store_true")
    arguments = parser.parse_args()
    os.environ.setdefault(
        "INVENTORY_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    with tempfile.TemporaryDirectory(prefix="inventory-bench-") as work:
        directory = Path(work)
        sheets = write_sheets(directory, arguments.rows)
        bench_database(
            "SQLite",
            f"sqlite+aiosqlite:///{directory / 'bench.db'}",
            sheets,
            arguments.rows,
            arguments.repeat,
        )
        if not arguments.no_postgres:
            try:
                with fresh_postgres_database() as url:
                    bench_database("PostgreSQL", url, sheets, arguments.rows, arguments.repeat)
            except BaseException as exc:  # pytest.skip raises a BaseException subclass
                if type(exc).__name__ != "Skipped":
                    raise
                print(f"\nPostgreSQL: skipped ({exc})")
        if not arguments.no_million:
            bench_million(f"sqlite+aiosqlite:///{directory / 'million.db'}", directory)


if __name__ == "__main__":
    main()
