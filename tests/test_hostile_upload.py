"""The hostile corpus through the upload page of a real server (issue 12, «Must show»).

A `streamlit run app.py` server on a small demo region; one session logs in as the base centre
(demo_base) through the login form and, on the upload page, chooses each file of
`tests.fixtures.hostile.PAGE_CASES` (the nastiest: a cell at XFD1048576 with true, lying and no
declared dimension, zip bombs, a lying shared-strings count, a megabyte surname, NUL bytes, bidi
overrides, malformed and wrongly encoded CSV, byte-flipped and cut workbooks, JSON nesting …) in
the file uploader exactly as a browser does (upload URLs over the websocket, HTTP PUT to
/_stcore/upload_file/…, the uploader's state in a rerun), then clicks «Проверить файлы».

After each file: the page shows the Russian refusal for that file, no exception, and
GET /_stcore/health answers «ok». At the end a valid file still gets its preview (the app still
works), no table changed (the digest of every table but the audit log equals the one before the
server started) and the journal holds one `upload_rejected` per file, without a full СНИЛС.

Websocket sessions instead of Chromium: thirty uploads in a browser would measure the test machine's
two cores rather than the server (tests/st_client.py); tests/browser covers the real uploader.
"""

from __future__ import annotations

import asyncio
import re
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from data_layer import db
from data_layer.users import DEMO_PASSWORD
from tests.fixtures.hostile import PAGE_CASES, Case, grads_xlsx
from tests.fixtures.import_helpers import GRAD_HEADER, csv_bytes, digest, grad_row, must_load, region
from tests.server import AppServer
from tests.st_client import Drawn, StSession
from tests.unit.test_hostile_files import russian
from ui.upload_view import PROBLEM_COLUMNS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

UPLOADER = "Файлы для загрузки"
CHECK = "Проверить файлы"
STEP_TIMEOUT_S = 120.0
_MD_ESCAPE = re.compile(r"\\(.)")
# Only a client that skips the browser's checks sends these; Streamlit's own extension check used to
# fail the page before it ran (an English error). The importer refuses them in Russian.
ON_THE_PAGE_ONLY = [
    Case("pdf_extension", lambda: b"%PDF-1.4\n" + b"x" * 300, "doc.pdf", "не является таблицей"),
    Case("exe_extension", lambda: b"MZ\x90\x00" + b"\x00" * 300, "setup.exe", "не является таблицей"),
    Case("workbook_as_txt", grads_xlsx, "grads.txt", "не является таблицей CSV"),
    Case("no_extension", lambda: b"\x00\x01\x02" * 100, "README", "не является таблицей"),
]
_SNILS_FULL = re.compile(r"\d{3}-?\d{3}-?\d{3}[ -]?\d{2}")


@dataclass
class Outcome:
    case: Case
    refusals: list[str] = field(default_factory=list)  # error boxes naming the file
    errors: list[str] = field(default_factory=list)  # the listed errors (the table under the box)
    exceptions: list[str] = field(default_factory=list)
    health: str = ""
    seconds: float = 0.0


def _build_db(path: Path) -> None:
    """Reference data, three colleges, five graduates (tests/fixtures/import_helpers), demo flag on:
    the demo accounts log in with the demo password."""
    con = region(path)
    try:
        must_load(con, csv_bytes(GRAD_HEADER, [grad_row(i) for i in range(1, 6)]), "grads.csv")
        with con.cursor() as cur:
            db.set_meta(cur, "is_demo", "1")
        con.execute("CHECKPOINT")
    finally:
        con.close()


def _state(path: Path) -> tuple[dict[str, tuple[object, ...]], list[tuple[str, str, str]]]:
    """(row count and hash of every table but the audit log, the audit log's rejections)."""
    con = db.open_database(path)
    try:
        tables = {t: v for t, v in digest(con).items() if t != "audit_log"}
        with con.cursor() as cur:
            rejected = cur.execute(
                "SELECT action, object, coalesce(details, '') FROM audit_log "
                "WHERE action = 'upload_rejected' ORDER BY event_id"
            ).fetchall()
    finally:
        con.close()
    return tables, rejected


def _health(url: str) -> str:
    try:
        with urllib.request.urlopen(url + "/_stcore/health", timeout=30) as resp:
            return resp.read().decode(errors="replace").strip()
    except OSError as exc:
        return f"no answer: {exc}"


def _refusal(drawn: Drawn, file_name: str) -> tuple[list[str], list[str]]:
    boxes = [_MD_ESCAPE.sub(r"\1", e.alert.body) for e in drawn.of_type("alert")]
    return [b for b in boxes if f"«{file_name}» не загружен" in b], drawn.table_column(PROBLEM_COLUMNS[3])


async def _upload_all(url: str, cases: list[Case], good: bytes) -> tuple[list[Outcome], bool]:
    out = []
    async with StSession(url, timeout_s=STEP_TIMEOUT_S) as s:
        await s.run()
        await s.submit_form({"Имя пользователя": "demo_base", "Пароль": DEMO_PASSWORD}, "Войти")
        assert s.has_button("Выйти"), "not logged in"
        await s.open("upload")
        for case in cases:
            started = time.monotonic()
            seen = len(s.exceptions)
            await s.upload(UPLOADER, [(case.file_name, case.make())])
            drawn = await s.click(CHECK)
            refusals, errors = _refusal(drawn, case.file_name)
            health = await asyncio.to_thread(_health, url)
            out.append(
                Outcome(case, refusals, errors, s.exceptions[seen:], health, time.monotonic() - started)
            )
        # the server still does its work: a valid list gets its preview (not loaded)
        await s.upload(UPLOADER, [("good.csv", good)])
        drawn = await s.click(CHECK)
        previewed = any(e.heading.body == "Что изменится" for e in drawn.of_type("heading")) and not any(
            "не загружен" in e.alert.body for e in drawn.of_type("alert")
        )
    return out, previewed


def _problems(o: Outcome) -> list[str]:
    found = [f"exception on the page: {e}" for e in o.exceptions]
    if o.health != "ok":
        found.append(f"/_stcore/health answered {o.health!r}")
    if not o.refusals:
        found.append("no refusal naming the file on the page")
    texts = o.refusals + o.errors
    if not any(re.search(o.case.expect, t) for t in texts):
        found.append(f"no message matching {o.case.expect!r}: {[t[:200] for t in texts[:4]]}")
    found += [f"not Russian: {t[:200]}" for t in texts if not russian(t)]
    return found


def test_hostile_files_through_the_upload_page(tmp_path: Path) -> None:
    cases = [*PAGE_CASES, *ON_THE_PAGE_ONLY]
    assert len(PAGE_CASES) >= 20
    db_file = tmp_path / "region.duckdb"
    _build_db(db_file)
    tables_before, rejected_before = _state(db_file)
    good = csv_bytes(GRAD_HEADER, [grad_row(i) for i in range(1, 7)])
    started = time.monotonic()
    with AppServer(db_file, tmp_path) as server:
        outcomes, previewed = asyncio.run(_upload_all(server.url, cases, good))
        log = server.log_text(5000)
    print(f"{len(outcomes)} files through the page in {time.monotonic() - started:.0f} s")
    for o in outcomes:
        print(f"  {o.case.id}: {o.seconds:.1f} s, health {o.health!r}")

    failures = [f"{o.case.id}: {p}" for o in outcomes for p in _problems(o)]
    assert not failures, "\n".join(failures) + "\n--- server log ---\n" + log
    assert previewed, "a valid file got no preview after the corpus\n--- server log ---\n" + log

    tables_after, rejected_after = _state(db_file)
    changed = sorted(
        t for t in tables_before.keys() | tables_after.keys() if tables_before.get(t) != tables_after.get(t)
    )
    assert not changed, f"tables changed: {changed}"
    new = rejected_after[len(rejected_before) :]
    assert [obj for _, obj, _ in new] == [c.file_name for c in cases]
    assert not [d for _, _, d in new if _SNILS_FULL.search(d)], "a full СНИЛС in the audit log"
