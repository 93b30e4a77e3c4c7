"""HTTP benchmark: GET list, GET one point with 100 items, PATCH and a small import at 32
connections (wrk, from Debian's packages), next to a minimal FastAPI app reading one row.

    scripts/bench-http [--seconds 10]

Prints req/s and p50/p99 latency for each, the ratio of GET one point to the minimal app,
and what request logging costs (the same GET with INVENTORY_LOG_REQUESTS=false).
"""

import argparse
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.databases import migrate  # noqa: E402
from tests.live_server import AUTH, free_port, running_service  # noqa: E402

POINTS, ITEMS = 10, 100
CONNECTIONS = 32


def seed(database: Path) -> None:
    """Ten points holding the same 100 items each."""
    with sqlite3.connect(database) as connection:
        connection.executemany(
            "INSERT INTO inventory_item (name, name_key, description) VALUES (?, ?, '')",
            [(f"Item {n:03d}", f"item {n:03d}") for n in range(ITEMS)],
        )
        connection.executemany(
            "INSERT INTO inventory_point (name, name_key) VALUES (?, ?)",
            [(f"Crib {n}", f"crib {n}") for n in range(POINTS)],
        )
        connection.execute(
            "INSERT INTO stock SELECT p.id, i.id, i.id * 3 FROM inventory_point p, inventory_item i"
        )


def wrk(
    url: str, seconds: int, script: Path | None = None, token: str | None = None
) -> tuple[float, str, str]:
    """Requests per second, p50 and p99 latency."""
    command = ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url]
    if token is not None:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    if script is not None:
        command[1:1] = ["-s", str(script)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    distribution = output.split("Latency Distribution", 1)[1]
    p50 = re.search(r"^\s*50%\s+(\S+)", distribution, re.MULTILINE).group(1)  # type: ignore[union-attr]
    p99 = re.search(r"^\s*99%\s+(\S+)", distribution, re.MULTILINE).group(1)  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if errors:
        raise SystemExit(f"{url}: {errors.group(1)} error responses\n{output}")
    return rate, p50, p99


def scripts(directory: Path) -> dict[str, Path]:
    patch = directory / "patch.lua"
    patch.write_text(
        'wrk.method = "PATCH"\nwrk.headers["Content-Type"] = "application/json"\n'
        "n = 0\nrequest = function()\n  n = n + 1\n"
        "  return wrk.format(nil, nil, nil, '{\"items\": {\"1\": ' .. n .. '}}')\nend\n"
    )
    boundary = "benchboundary"
    rows = "\r\n".join(f"Item {n:03d},{n}" for n in range(10))
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\nName,Qty\r\n{rows}\r\n--{boundary}--\r\n"
    )
    upload = directory / "import.lua"
    upload.write_text(
        'wrk.method = "POST"\n'
        f'wrk.headers["Content-Type"] = "multipart/form-data; boundary={boundary}"\n'
        f"wrk.body = {lua_string(body)}\n"
    )
    return {"patch": patch, "import": upload}


def lua_string(text: str) -> str:
    return (
        '"'
        + text.replace("\\", "\\\\").replace('"', '\\"').replace("\r", "\\r").replace("\n", "\\n")
        + '"'
    )


def make_token(base_url: str, name: str, scopes: list[str]) -> str:
    answer = httpx.post(
        base_url + "/api/tokens", json={"name": name, "scopes": scopes}, headers=AUTH
    )
    answer.raise_for_status()
    token: str = answer.json()["token"]
    return token


def minimal_app(url: str) -> "subprocess.Popen[bytes]":
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.minimal_app:app",
            "--port",
            str(port),
            "--no-access-log",
        ],
        cwd=ROOT,
        env={**os.environ, "INVENTORY_DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    process.url = f"http://127.0.0.1:{port}"  # type: ignore[attr-defined]
    for _ in range(100):
        try:
            httpx.get(process.url + "/row/1", timeout=1)  # type: ignore[attr-defined]
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    raise SystemExit("the minimal app did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    seconds = parser.parse_args().seconds
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    with tempfile.TemporaryDirectory(prefix="inventory-http-bench-") as work:
        directory = Path(work)
        url = f"sqlite+aiosqlite:///{directory / 'bench.db'}"
        migrate(url)
        seed(directory / "bench.db")
        lua = scripts(directory)
        results: dict[str, tuple[float, str, str]] = {}
        minimal = minimal_app(url)
        try:
            with (
                running_service(url, INVENTORY_LOG_REQUESTS="false") as quiet,
                running_service(url) as service,
            ):
                # What a client would hold: tokens made through the API, not the admin's.
                reader = make_token(service.url, "bench-reader", ["read"])
                writer = make_token(service.url, "bench-writer", ["write"])
                # The three GETs compared are run in turns, three rounds, and the median
                # kept: this machine's speed drifts more from minute to minute than they differ.
                rounds: dict[str, list[tuple[float, str, str]]] = {
                    "minimal app: one row": [],
                    "GET one point, no request log": [],
                    "GET one point (100 items)": [],
                }
                targets = [
                    minimal.url + "/row/1",  # type: ignore[attr-defined]
                    quiet.url + "/api/inventory/1",
                    service.url + "/api/inventory/1",
                ]
                for _ in range(3):
                    for label, target in zip(rounds, targets, strict=True):
                        rounds[label].append(wrk(target, seconds, token=reader))
                for label, runs in rounds.items():
                    results[label] = sorted(runs)[1]
                results["GET list (10 points)"] = wrk(
                    service.url + "/api/inventory/", seconds, token=reader
                )
                results["PATCH one item"] = wrk(
                    service.url + "/api/inventory/2", seconds, lua["patch"], token=writer
                )
                results["import, 10 rows"] = wrk(
                    service.url + "/api/inventory/3/import", seconds, lua["import"], token=writer
                )
        finally:
            minimal.terminate()
            minimal.wait()
        print(f"\n{CONNECTIONS} connections, {seconds} s each, SQLite, request log on unless said")
        for label, (rate, p50, p99) in results.items():
            print(f"  {label:<32} {rate:8.0f} req/s   p50 {p50:>8}   p99 {p99:>8}")
        point = results["GET one point (100 items)"][0]
        print(f"\n  GET one point / minimal app: {point / results['minimal app: one row'][0]:.2f}")
        quiet_rate = results["GET one point, no request log"][0]
        print(
            f"  request log costs: {(quiet_rate - point) / quiet_rate * 100:.1f}% of GET one point"
        )


if __name__ == "__main__":
    main()
