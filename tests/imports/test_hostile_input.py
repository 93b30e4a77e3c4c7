"""Hostile and odd input, made at test time: each gets a clear 4xx, changes nothing and
brings back nothing of the file; against a running server, each is answered within seconds
with its whole process tree's memory bounded."""

import codecs
import gzip
import sys
import time
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import httpx
import pytest

from tests.builders import assert_error, set_items
from tests.imports.sheets import (
    FIXTURES,
    csv_bytes,
    point_with_catalog,
    quantities,
    upload,
    xlsx_bytes,
)
from tests.live_server import AUTH, Service, running_service
from tests.process_memory import PeakMemory, tree_rss

MB = 1 << 20


def _zip_with(name: str, data: bytes) -> bytes:
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(name, data)
    return buffer.getvalue()


HOSTILE = {
    "a 10 MB line": (b"Name,Qty\r\n" + b"x" * (10 * MB) + b",1\r\n", 422, "cell_too_long"),
    "a million columns": (
        b"Name,Qty" + b",c" * 1_000_000 + b"\r\nDrill 6 mm HSS,1\r\n",
        422,
        "too_many_columns",
    ),
    "a gzip file": (gzip.compress(b"Name,Qty\n" * 1000), 415, None),
    "an executable": (Path(sys.executable).read_bytes()[:4096], 415, None),
    "a PDF": (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x00\x00",
        415,
        None,
    ),
    "a zip that is no workbook": (_zip_with("readme.txt", b"hello"), 415, None),
    "an unclosed quote": (
        b'Name,Qty\r\n"Drill 6 mm HSS,1\r\nHammer 500 g,2\r\n',
        422,
        "malformed_csv",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
async def test_hostile_uploads_get_a_clear_4xx_and_change_nothing(
    client: httpx.AsyncClient, case: str
) -> None:
    content, status, code = HOSTILE[case]
    point, ids = await point_with_catalog(client)
    await set_items(client, point, {ids["drill"]: 40})
    body = assert_error(await upload(client, point, content), status)
    if code is not None:
        assert body["errors"][0]["code"] == code
    assert await quantities(client, point, ids) == {"drill": 40}
    assert len(body["detail"]) < 500  # an explanation, not the file


BOMBS = {
    "zip_bomb.xlsx": (413, "unpacks"),
    "billion_laughs.xlsx": (422, "DTD"),
    "external_entity.xlsx": (422, "DTD"),
    "far_cell.xlsx": (413, "memory"),
}


@pytest.mark.parametrize("fixture", list(BOMBS))
async def test_bombs_are_refused_and_change_nothing(
    client: httpx.AsyncClient, fixture: str
) -> None:
    status, fragment = BOMBS[fixture]
    point, ids = await point_with_catalog(client)
    await set_items(client, point, {ids["drill"]: 40})
    response = await upload(client, point, (FIXTURES / fixture).read_bytes(), filename=fixture)
    assert_error(response, status, fragment)
    # The external entity names /etc/passwd: nothing of it may come back.
    assert "root:" not in response.text
    assert await quantities(client, point, ids) == {"drill": 40}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    database = tmp_path_factory.mktemp("hostile") / "inventory.db"
    with running_service(f"sqlite+aiosqlite:///{database}") as service:
        point = httpx.put(f"{service.url}/api/inventory/", json={"name": "A"}, headers=AUTH)
        assert point.json()["id"] == 1
        yield service


LIVE_CASES = {name: content for name, (content, _, _) in HOSTILE.items()} | {
    name: (FIXTURES / name).read_bytes() for name in BOMBS
}


@pytest.mark.parametrize("case", list(LIVE_CASES))
def test_hostile_uploads_are_answered_in_seconds_with_the_servers_memory_bounded(
    live: Service, case: str
) -> None:
    """Against a running server, measuring its whole process tree (the server, the fork
    server and the reader it starts for the file) every 10 ms while the upload is answered."""
    memory = PeakMemory(live.pid)
    baseline = tree_rss(live.pid)
    started = time.monotonic()
    with memory.measure() as peak:
        response = httpx.post(
            f"{live.url}/api/inventory/1/import",
            files={"file": (case, LIVE_CASES[case], "application/octet-stream")},
            headers=AUTH,
            timeout=60,
        )
    elapsed = time.monotonic() - started
    assert 400 <= response.status_code < 500, response.text
    assert elapsed < 15, f"{case}: answered after {elapsed:.1f} s"
    grown = (peak.bytes - baseline) / MB
    assert grown < 200, f"{case}: the server's process tree grew by {grown:.0f} MB"
    assert len(response.content) < 2000  # an explanation, not the file


ODD_NAMES = [
    "Drill\u202e6 mm HSS",  # right-to-left override
    "D\u0336r\u0336i\u0336l\u0336l\u0336" * 50,  # combining strikes (zalgo)
    "\ufdfa" * 2000,  # one character that NFKC makes eighteen
    "👩‍👩‍👧‍👦 kit",  # a joined emoji family
    "\u200b\u200c\u200d\ufeff",  # only zero-width characters
    "Ｄｒｉｌｌ ６ ｍｍ ＨＳＳ",  # full width: NFKC matches it to the drill
]


async def test_odd_unicode_is_matched_by_its_normal_form_or_reported_never_a_500(
    client: httpx.AsyncClient,
) -> None:
    point, ids = await point_with_catalog(client)
    sheet = csv_bytes([["Name", "Qty"]] + [[name, 1] for name in ODD_NAMES])
    response = await upload(client, point, sheet)
    assert response.status_code == 200, response.text
    assert response.json()["summary"]["not_matched"] == len(ODD_NAMES) - 1
    assert await quantities(client, point, ids) == {"drill": 1}


async def test_bytes_that_are_not_utf8_are_read_as_windows_1252_or_refused(
    client: httpx.AsyncClient,
) -> None:
    point, _ = await point_with_catalog(client)
    surrogate = b"Name,Qty\r\n\xed\xa0\x80 lone surrogate,1\r\n"  # invalid UTF-8, valid cp1252
    assert (await upload(client, point, surrogate)).status_code == 200
    undefined = b"Name,Qty\r\n\x81\x8d\x8f\x90\x9d,1\r\n"  # undefined in cp1252 too
    assert_error(await upload(client, point, undefined), 415, "utf-8, utf-16 or windows-1252")
    # UTF-16 with half a surrogate pair: no text at all.
    broken = codecs.BOM_UTF16_LE + "Name,Qty\r\nDrill ".encode("utf-16-le") + b"\x00\xd8,\x001\x00"
    assert_error(await upload(client, point, broken), 422, "not valid UTF-16")


def _xlsx_escaping(rows: list[list[object]], plain: str, escaped: str) -> bytes:
    """An XLSX whose text *plain* is written as OOXML's escape *escaped* (``_x0000_``): the
    one way a workbook's XML carries characters XML itself cannot."""
    source = zipfile.ZipFile(BytesIO(xlsx_bytes(rows)))
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            package.writestr(info, source.read(info).replace(plain.encode(), escaped.encode()))
    return buffer.getvalue()


def _xlsx_with_a_utf16_dtd() -> bytes:
    """A workbook whose sheet is UTF-16 XML declaring entities: invisible to a byte scan for
    "<!DOCTYPE"."""
    source = zipfile.ZipFile(BytesIO(xlsx_bytes([["Name", "Qty"], ["Drill 6 mm HSS", 1]])))
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                if text.startswith("<?xml"):
                    text = text.split("?>", 1)[1]
                declaration = '<?xml version="1.0" encoding="UTF-16"?>'
                dtd = '<!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
                data = (declaration + dtd + text).encode("utf-16")
            package.writestr(info, data)
    return buffer.getvalue()


async def test_workbook_xml_in_utf16_is_refused(client: httpx.AsyncClient) -> None:
    point, ids = await point_with_catalog(client)
    response = await upload(client, point, _xlsx_with_a_utf16_dtd(), filename="count.xlsx")
    body = assert_error(response, 422, "UTF-16")
    assert body["errors"][0]["code"] == "xml_not_utf8"
    assert await quantities(client, point, ids) == {}


@pytest.mark.parametrize("escape", ["_x0000_", "_x0007_", "_x007F_"])
async def test_workbook_cells_with_nul_or_other_control_characters_are_row_errors(
    client: httpx.AsyncClient, escape: str
) -> None:
    point, ids = await point_with_catalog(client)
    rows: list[list[object]] = [["Name", "Qty"], ["Drill 6 mm HSS", 3], ["Hammer BAD", 2]]
    sheet = _xlsx_escaping(rows, "BAD", escape)
    body = assert_error(await upload(client, point, sheet, filename="count.xlsx"), 422)
    assert [(e["row"], e["code"]) for e in body["errors"]] == [(3, "control_characters")]
    assert await quantities(client, point, ids) == {}
    catalog = await client.post(
        "/api/items/import", files={"file": ("catalog.xlsx", sheet, "application/octet-stream")}
    )
    assert [(e["row"], e["code"]) for e in assert_error(catalog, 422)["errors"]] == [
        (3, "control_characters")
    ]
