"""Swagger UI and ReDoc render in a real headless Chromium with no internet access: every
asset they load comes from the service itself; Swagger UI's Authorize button works."""

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Locator, Page, sync_playwright

from tests.live_server import ADMIN_TOKEN, running_service

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    if os.environ.get("CI"):
        pytest.fail("Chromium is required in CI (apt-get install chromium)", pytrace=False)
    pytest.skip("Chromium is not installed", allow_module_level=True)

OPERATIONS = [
    "List all inventory points",
    "Get one inventory point",
    "Create an inventory point",
    "Edit an inventory point",
    "Delete an inventory point",
    "List all items",
    "Get one item",
    "Create an item",
    "Edit an item",
    "Delete an item",
    "Import a stock count into an inventory point",
    "Import items into the catalog",
    "The ledger of an inventory point",
    "The imports applied to an inventory point",
    "One import, with the quantities it changed",
    "Revert an import",
    "Export an inventory point's stock as a sheet",
    "The empty stock-count sheet",
    "Is the process up",
    "Can the service serve requests",
    "Prometheus metrics",
    "Make an API token",
    "List the API tokens",
    "Revoke an API token",
]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    database = tmp_path_factory.mktemp("docs") / "inventory.db"
    with running_service(f"sqlite+aiosqlite:///{database}") as running:
        yield running.url


# Without the background-networking flags Chromium keeps trying the (closed) network.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Everything off the loopback host fails, as it would in an air-gapped factory.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


def _render(url: str, tmp_path: Path, *extra: str) -> str:
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            *FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=20000",
            *extra,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_docs_pages_load_nothing_from_a_cdn(service: str) -> None:
    for page in ("/docs", "/redoc"):
        html = httpx.get(service + page).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources, html
        assert all(src.startswith("/") for src in sources), sources
        for src in sources:
            assert httpx.get(service + src).status_code == 200, src


def test_swagger_ui_renders_every_operation(service: str, tmp_path: Path) -> None:
    dom = _render(f"{service}/docs", tmp_path, "--dump-dom")
    assert 'class="swagger-ui' in dom
    rendered = re.findall(r'class="opblock-summary-description"[^>]*>([^<]+)<', dom)
    assert sorted(rendered) == sorted(OPERATIONS)
    for path in (
        "/api/inventory/{inv_pt_id}",
        "/api/items/{item_id}",
        "/api/inventory/{ipt_id}/import",
    ):
        assert path.replace("{", "").replace("}", "") in re.sub(r"[{}]|<[^>]+>|\u200b", "", dom)
    screenshot = tmp_path / "docs.png"
    _render(f"{service}/docs", tmp_path, f"--screenshot={screenshot}", "--window-size=1280,2000")
    assert screenshot.stat().st_size > 10_000


def test_redoc_renders_every_operation(service: str, tmp_path: Path) -> None:
    dom = _render(f"{service}/redoc", tmp_path, "--dump-dom")
    for summary in OPERATIONS:
        assert summary in dom, summary


def _execute(page: Page, summary: str) -> str:
    """Try out the operation with this summary; the status code Swagger UI shows."""
    block: Locator = page.locator(".opblock").filter(has_text=summary).first
    if not block.get_by_role("button", name="Execute").is_visible():
        if not block.get_by_role("button", name="Try it out").is_visible():
            block.locator(".opblock-summary").click()
        block.get_by_role("button", name="Try it out").click()
    clear = block.get_by_role("button", name="Clear")
    if clear.is_visible():
        clear.click()
    block.get_by_role("button", name="Execute").click()
    status = block.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=20_000)
    return status.inner_text().strip()


def test_swagger_ui_authorize_button_sends_the_token(service: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(f"{service}/docs")
            assert _execute(page, "List all inventory points") == "401"
            page.get_by_role("button", name="Authorize").first.click()
            dialog = page.locator(".modal-ux")
            dialog.locator("input").fill(ADMIN_TOKEN)
            dialog.locator("button.authorize").click()
            dialog.locator("button.btn-done").click()
            assert _execute(page, "List all inventory points") == "200"
            assert _execute(page, "List the API tokens") == "200"
        finally:
            browser.close()
