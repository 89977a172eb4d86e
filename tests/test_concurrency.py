"""Twenty sessions click through their pages while a ~100k-row status file loads.

The load must run inside the app process (DuckDB locks the file against other processes), so one
session loads the file through the upload page, in Chromium, like a user. Three more sessions
browse in Chromium; the other sixteen are headless websocket sessions (tests/st_client.py) that
speak the browser's protocol: twenty Chromium renderers would starve the server of the test
machine's two cores and measure the test machine instead of the app. Every browsing session logs
in as a demo user through the login form and keeps clicking through up to four pages of its menu
until the load has finished (at least one round). Afterwards: no session saw an exception or an
error box, each reached every page it clicked, and the load is in the database.
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from data_layer import db
from data_layer.statuses import BY_CODE
from data_layer.users import DEMO_USERNAMES
from tests.browser import pw
from tests.server import PROJECT_DIR, AppServer, demo_db_copy, demo_scopes
from tests.st_client import StSession
from ui.registry import specs_for_role

if TYPE_CHECKING:
    from playwright.async_api import Browser, Page

# On its own: `pytest -m concurrency`. It once failed 2 runs in 4 on CI: under load the server took
# more than 10 s to start the login run, the harness took the click for lost and repeated it on a
# form that was already going away (tests/browser/pw.py::login now only repeats on a form still there).
pytestmark = [pytest.mark.slow, pytest.mark.concurrency, pytest.mark.timeout(900)]

SESSIONS = 20
BROWSER_USERS = ("demo_ministry", "demo_territory", "demo_college")  # plus the uploading demo_base
STATUS_ROWS = 100_000
PAGES_PER_ROUND = 4
LOAD_TIMEOUT_S = 300
BROWSE_DEADLINE_S = 300
STEP_TIMEOUT_MS = 120_000
FILE_NAME = "statuses_concurrency.csv"
SCREENSHOT_DIR = Path(tempfile.gettempdir()) / "vypusk_concurrency"
LABELS = [BY_CODE[c].label for c in ("employed", "continuing_education", "undetermined", "self_employed")]


def write_status_file(
    db_file: Path, out: Path, rows: int = STATUS_ROWS, *, whole_colleges: bool = False
) -> tuple[int, list[dt.date], list[str]]:
    """A status file of at least `rows` rows: the latest cohort's graduates with a СНИЛС, one
    snapshot a day going back from the newest stored snapshot, all after that cohort's last
    graduation date (so every row belongs to that cohort). `whole_colleges`: when the cohort has
    more than `rows` such graduates (federal scale), one snapshot of the first colleges' (whole
    colleges, at most `rows` graduates, at least one college): about `rows` rows at any scale.
    Returns (rows written, snapshot dates, colleges)."""
    con = db.open_database(db_file)
    try:
        with con.cursor() as cur:
            cohort, last_grad = cur.execute(
                "SELECT cohort, max(graduation_date) FROM graduates "
                "WHERE cohort = (SELECT max(cohort) FROM graduates) GROUP BY cohort"
            ).fetchall()[0]
            newest = cur.execute("SELECT max(snapshot_date) FROM status_rows").fetchall()[0][0]
            people = cur.execute(
                "SELECT snils, college_code FROM graduates WHERE cohort = ? AND snils IS NOT NULL "
                "ORDER BY college_code, snils",
                [cohort],
            ).fetchall()
    finally:
        con.close()
    days = -(-rows // len(people))
    if whole_colleges and len(people) > rows:
        people = _first_colleges(people, rows)  # one day of them: at most `rows` rows
    dates = [newest - dt.timedelta(days=i) for i in range(days)]
    assert dates[-1] > last_grad, f"{days} daily snapshots do not fit after {last_grad}"
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["СНИЛС", "Код ПОО", "Дата актуализации", "Статус"])
        n = 0
        for d_i, d in enumerate(dates):
            for p_i, (snils, college) in enumerate(people):
                w.writerow([snils, college, d.strftime("%d.%m.%Y"), LABELS[(d_i + p_i) % len(LABELS)]])
                n += 1
    return n, dates, sorted({college for _, college in people})


def _first_colleges(people: list[tuple[str, str]], rows: int) -> list[tuple[str, str]]:
    """The (snils, college) pairs of the first colleges (in the list's order) up to `rows` pairs, whole
    colleges only (at least the first college)."""
    sizes: dict[str, int] = {}
    for _, college in people:
        sizes[college] = sizes.get(college, 0) + 1
    keep: set[str] = set()
    total = 0
    for college, n in sizes.items():
        if keep and total + n > rows:
            break
        keep.add(college)
        total += n
    return [p for p in people if p[1] in keep]


@dataclass
class SessionLog:
    name: str
    visited: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    times: list[float] = field(default_factory=list)  # when each visited page had been drawn
    repeated_clicks: int = 0  # clicks swallowed by a concurrent rerun and repeated (pw.click_until)

    def reached(self, url_path: str) -> None:
        self.visited.append(url_path)
        self.times.append(time.monotonic())


@dataclass
class LoadRun:
    message: str = ""
    started: float = 0.0
    finished: float = 0.0


def round_of_pages(role: str) -> list[str]:
    """Up to four menu entries of the role (url paths; "" is the default page), the upload page left
    out; the default page comes last because it is the one open after login."""
    paths = [s.url_path for s in specs_for_role(role, PROJECT_DIR)]
    menu = ["", *paths[1:]] if len(paths) > 1 else []
    chosen = [p for p in menu if p != "upload"][:PAGES_PER_ROUND]
    return [*chosen[1:], *chosen[:1]]


def _keep_browsing(done: asyncio.Event, started: float) -> bool:
    return not done.is_set() and time.monotonic() - started < BROWSE_DEADLINE_S


async def _what_it_shows(page: Page) -> str:
    """What a stuck tab shows (for the failure message): its text and a screenshot next to the test."""
    try:
        shot = SCREENSHOT_DIR / f"stuck_{int(time.time() * 1000)}.png"
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(shot), full_page=True, timeout=10_000)
        text = (await page.locator("body").inner_text(timeout=10_000))[-600:]
        app = page.locator("[data-testid='stApp']")
        state = [await app.get_attribute(a) for a in ("data-test-connection-state", "data-test-script-state")]
        logout = await page.get_by_role("button", name="Выйти").count()
        return f"state {state}, «Выйти» buttons: {logout}; the tab ends with: {text!r} (screenshot {shot})"
    except Exception as exc:
        return f"(could not read the tab: {exc})"


@asynccontextmanager
async def _chromium_tab(
    browser: Browser, url: str, username: str, log: SessionLog
) -> AsyncIterator[Page | None]:
    """A fresh browser context logged in as `username`; errors and console problems go to `log`."""
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    watch = pw.Watch(page)
    try:
        try:
            log.repeated_clicks += await pw.login(page, url, username, timeout_ms=STEP_TIMEOUT_MS) - 1
        except Exception as exc:  # report the failed login instead of hiding it behind "didn't yield"
            log.failures.append(
                f"login {username}: {type(exc).__name__}: {exc}; {await _what_it_shows(page)}"
            )
            yield None
            return
        yield page
        log.failures += watch.problems
    except Exception as exc:  # one stuck session must not hide what the others saw
        log.failures.append(f"{type(exc).__name__}: {exc}")
    finally:
        await context.close()


async def _browse_in_chromium(
    browser: Browser, url: str, username: str, role: str, log: SessionLog, done: asyncio.Event
) -> None:
    async with _chromium_tab(browser, url, username, log) as page:
        if page is None:
            return
        started = time.monotonic()
        while True:
            for url_path in round_of_pages(role):
                log.repeated_clicks += await pw.open_page(page, url_path, timeout_ms=STEP_TIMEOUT_MS) - 1
                log.reached(url_path)
                log.failures += [f"/{url_path}: {p}" for p in await pw.page_problems(page)]
            if not _keep_browsing(done, started):
                break


async def _browse_over_websocket(
    url: str, username: str, role: str, log: SessionLog, done: asyncio.Event
) -> None:
    try:
        async with StSession(url, timeout_s=STEP_TIMEOUT_MS / 1000) as s:
            await s.run()
            await s.submit_form({"Имя пользователя": username, "Пароль": pw.PASSWORD}, "Войти")
            if not s.has_button("Выйти"):
                raise AssertionError("not logged in after the form was sent")
            expected = sorted(["", *[sp.url_path for sp in specs_for_role(role, PROJECT_DIR)][1:]])
            if sorted(s.pages) != expected:
                log.failures.append(f"menu {sorted(s.pages)}, expected {expected}")
            started = time.monotonic()
            while True:
                for url_path in round_of_pages(role):
                    drawn = await s.open(url_path)
                    log.reached(url_path)
                    if not drawn.main_count():
                        log.failures.append(f"/{url_path}: the page drew nothing")
                    log.failures += [f"/{url_path}: {p}" for p in s.problems()]
                if not _keep_browsing(done, started):
                    break
    except Exception as exc:
        log.failures.append(f"{type(exc).__name__}: {exc}")


async def _upload(
    browser: Browser, url: str, file: Path, log: SessionLog, load: LoadRun, done: asyncio.Event
) -> None:
    """demo_base loads `file` through the upload page; `load` gets the result message and its time."""
    try:
        async with _chromium_tab(browser, url, "demo_base", log) as page:
            if page is None:
                return
            log.repeated_clicks += await pw.open_page(page, "upload", timeout_ms=STEP_TIMEOUT_MS) - 1
            log.reached("upload")
            load.started = time.monotonic()
            load.message = await pw.upload_file(page, file, timeout_ms=LOAD_TIMEOUT_S * 1000)
            load.finished = time.monotonic()
            log.failures += await pw.page_problems(page)
    finally:
        done.set()


async def _run(url: str, file: Path, roles: dict[str, str]) -> tuple[LoadRun, list[SessionLog]]:
    done = asyncio.Event()
    n_ws = SESSIONS - 1 - len(BROWSER_USERS)
    ws_users = [DEMO_USERNAMES[i % len(DEMO_USERNAMES)] for i in range(n_ws)]
    loader = SessionLog("demo_base (upload, Chromium)")
    load = LoadRun()
    b_logs = [SessionLog(f"{u} (Chromium)") for u in BROWSER_USERS]
    ws_logs = [SessionLog(f"{u} (websocket #{i + 1})") for i, u in enumerate(ws_users)]
    async with pw.chromium() as browser:
        await asyncio.gather(
            _upload(browser, url, file, loader, load, done),
            *[
                _browse_in_chromium(browser, url, u, roles[u], log, done)
                for u, log in zip(BROWSER_USERS, b_logs, strict=True)
            ],
            *[
                _browse_over_websocket(url, u, roles[u], log, done)
                for u, log in zip(ws_users, ws_logs, strict=True)
            ],
        )
    return load, [loader, *b_logs, *ws_logs]


def test_twenty_sessions_browse_while_a_big_status_file_loads(tmp_path: Path) -> None:
    pw.require_browser()
    db_file = demo_db_copy(tmp_path / "demo.duckdb")
    roles: dict[str, str] = {name: scope.role for name, scope in demo_scopes(db_file).items()}
    file = tmp_path / FILE_NAME
    rows, dates, colleges = write_status_file(db_file, file)
    started = time.monotonic()
    with AppServer(db_file, tmp_path) as server:
        load, logs = asyncio.run(_run(server.url, file, roles))
        server_log = server.log_text(5000)
    load_s = load.finished - load.started
    during = [log for log in logs[1:] if any(load.started < t < load.finished for t in log.times)]
    print(f"{len(logs)} sessions, {rows} status rows, {time.monotonic() - started:.0f} s in all")
    print(f"load: {load_s:.0f} s; sessions that drew a page meanwhile: {len(during)} of {len(logs) - 1}")
    for log in logs:
        print(f"  {log.name}: {len(log.visited)} pages, repeated clicks: {log.repeated_clicks}")

    assert len(logs) == SESSIONS
    failures = [f"{log.name}: {f}" for log in logs for f in log.failures]
    failures += [f"{log.name}: visited no page" for log in logs if not log.visited]
    assert not failures, "\n".join(failures) + "\n--- server log ---\n" + server_log
    assert f"Файл «{FILE_NAME}» загружен" in load.message, load.message
    if load_s > 10:
        # The app stays usable during a long load: most sessions got pages drawn meanwhile.
        assert len(during) >= (len(logs) - 1) // 2, f"only {len(during)} sessions drew a page during the load"

    con = db.open_database(db_file, read_only=True)
    try:
        with con.cursor() as cur:
            loaded = cur.execute(
                "SELECT rows FROM loads WHERE file_name = ? AND kind = 'statuses'", [FILE_NAME]
            ).fetchall()
            # The file replaced these (college, date) snapshots entirely (docs/data_contract.md §5).
            stored = cur.execute(
                "SELECT count(*) FROM status_rows WHERE snapshot_date >= ? AND list_contains(?, college_code)",
                [min(dates), colleges],
            ).fetchall()[0][0]
    finally:
        con.close()
    assert loaded == [(rows,)]
    assert stored == rows


def test_first_colleges_keeps_whole_colleges() -> None:
    """The federal-scale cut of the load test's file: whole colleges in order up to `rows` people,
    at least the first college (hand-made list: A has 3, B 2, C 4)."""
    people = [
        ("1", "A"),
        ("2", "A"),
        ("3", "A"),
        ("4", "B"),
        ("5", "B"),
        ("6", "C"),
        ("7", "C"),
        ("8", "C"),
        ("9", "C"),
    ]
    assert _first_colleges(people, 5) == people[:5]
    assert _first_colleges(people, 6) == people[:5]
    assert _first_colleges(people, 9) == people
    assert _first_colleges(people, 2) == people[:3]
