"""schemathesis fuzzes a running service from its own OpenAPI, every operation, with the
admin's token, through all its phases (examples, coverage, fuzzing, stateful): no server
error, no status, header or body the schema does not document.

The checks are those of the service's promise. ``positive_data_acceptance`` and
``negative_data_rejection`` are left out: they take any schema-valid body for one that must
succeed (an unknown item id or a taken name is schema-valid, and rightly refused).
"""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.imports.sheets import csv_bytes
from tests.live_server import ADMIN_TOKEN, AUTH, service_on

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


def _seed(url: str) -> int:
    """Something for the ids schemathesis tries: a point (its id returned), items, an import."""
    created = httpx.put(url + "/api/inventory/", json={"name": "Crib A"}, headers=AUTH)
    point: int = created.json()["id"]
    for name in ("Drill 6 mm HSS", "Hammer 500 g"):
        httpx.put(url + "/api/items/", json={"name": name}, headers=AUTH)
    sheet = csv_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 3]])
    httpx.post(
        f"{url}/api/inventory/{point}/import", files={"file": ("c.csv", sheet)}, headers=AUTH
    )
    return point


if shutil.which(str(SCHEMATHESIS)) is None:
    if os.environ.get("CI"):
        pytest.fail("schemathesis is required in CI (scripts/bootstrap.sh dev)", pytrace=False)
    pytest.skip("schemathesis is not installed", allow_module_level=True)


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_schemathesis_finds_no_server_error_and_no_schema_violation(
    tmp_path: Path, kind: str
) -> None:
    seconds = os.environ.get("INVENTORY_SCHEMATHESIS_SECONDS", "60")
    with service_on(kind, tmp_path, INVENTORY_LOG_REQUESTS="false") as service:
        # The stock count's path names its point ipt_id, which no response links to: give
        # it the seeded point, or every upload the fuzzer makes would stop at a 404.
        config = tmp_path / "schemathesis.toml"
        config.write_text(f"[parameters]\nipt_id = {_seed(service.url)}\n")
        run = subprocess.run(
            [
                str(SCHEMATHESIS),
                "--config-file",
                str(config),
                "run",
                f"{service.url}/openapi.json",
                "--header",
                f"Authorization: Bearer {ADMIN_TOKEN}",
                "--checks",
                ",".join(CHECKS),
                "--phases",
                "examples,coverage,fuzzing,stateful",
                "--max-time",
                seconds,
                # One worker: CPython 3.11 can fail ast.parse in concurrent threads (as
                # hypothesis does to describe its filters), a crash of the fuzzer's own.
                "--workers",
                "1",
                "--seed",
                "20261203",
                "--no-color",
            ],
            capture_output=True,
            text=True,
            timeout=int(seconds) * 3 + 120,
            env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        )
        server_log = service.log.read_text(errors="replace")
    summary = run.stdout[run.stdout.rfind("SUMMARY") :]
    print(summary)
    failures = run.stdout[run.stdout.find("FAILURES") :][:6000]
    # The server's traceback, which the fuzzer cannot see, next to the case that caused it.
    traceback = (
        server_log[server_log.find("Traceback") :][-4000:] if "Traceback" in server_log else ""
    )
    assert run.returncode == 0, failures + run.stderr[-2000:] + traceback
    # Every operation selected was tested, and every phase ran (stateful included).
    selected = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", summary)
    assert selected is not None, summary
    assert len(set(selected.groups())) == 1, summary
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in summary, summary
    if kind == "sqlite":  # the fuzzing left an intact database
        with sqlite3.connect(tmp_path / "inventory.db") as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
