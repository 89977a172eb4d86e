"""Playwright helpers (async API) for the browser and concurrency tests.

Debian's Chromium is driven directly (no `playwright install`: no browser downloads offline).
Without it the tests skip, unless VYPUSK_BROWSER_TESTS_REQUIRED=1 (CI), where they fail.

    require_browser()
    async with chromium() as browser:
        page = await (await browser.new_context()).new_page()
        watch = Watch(page)                   # console errors, page errors, non-local requests
        await login(page, server.url, "demo_base")
        await open_page(page, "journal")
        assert not watch.problems + await page_problems(page)
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest

if TYPE_CHECKING:
    from playwright.async_api import Browser, ConsoleMessage, Page, Request

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    # WebGL for the pydeck map without a GPU (docs/architecture.md §5.6).
    "--use-gl=swiftshader",
    "--enable-unsafe-swiftshader",
]
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
PASSWORD = "demo"
RUN_TIMEOUT_MS = 60_000
LOST_CLICK_S = 10.0  # idle this long after a click without its effect: the click was lost
LOST_LOGIN_S = 30.0  # the login run (bcrypt, then a rerun) can wait longest for a busy server

APP_IDLE = (
    "[data-testid='stApp'][data-test-connection-state='CONNECTED'][data-test-script-state='notRunning']"
)
COOKIE_FRAME = "iframe[title='extra_streamlit_components.CookieManager.cookie_manager']"
NAV_LINK = "[data-testid='stSidebarNav'] a[data-testid='stSidebarNavLink']"
EXCEPTION = "[data-testid='stException']"
ERROR_ALERT = "[data-testid='stAlertContentError']"
RESULT_ALERTS = ", ".join(f"[data-testid='stAlertContent{k}']" for k in ("Success", "Info", "Error"))
# Our own failure boxes (ui/widgets.py etc.) say «ошибка/ошибки».
ERROR_WORD = re.compile(r"ошибк", re.IGNORECASE)


def chromium_path() -> str | None:
    found = os.environ.get("VYPUSK_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    return found if found and Path(found).exists() else None


def require_browser() -> str:
    """The Chromium executable; skip (or fail, when VYPUSK_BROWSER_TESTS_REQUIRED=1) without it."""
    path = chromium_path()
    reason = None
    if path is None:
        reason = "Chromium not found (apt-get install chromium, or set VYPUSK_CHROMIUM)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -e '.[dev]')"
    if reason is not None:
        if os.environ.get("VYPUSK_BROWSER_TESTS_REQUIRED") == "1":
            pytest.fail(f"browser tests are required here (VYPUSK_BROWSER_TESTS_REQUIRED=1): {reason}")
        pytest.skip(f"browser tests skipped: {reason}")
    assert path is not None
    return path


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    """Headless Debian Chromium with a fresh profile."""
    from playwright.async_api import async_playwright

    path = require_browser()
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield browser
        finally:
            await browser.close()


class Watch:
    """Collects what must never happen on a page: console errors, uncaught page errors, requests to
    any host other than this machine."""

    def __init__(self, page: Page) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.external_requests: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on("request", self._request)

    def _console(self, msg: ConsoleMessage) -> None:
        if msg.type == "error":
            self.console_errors.append(f"{msg.text} @ {msg.location.get('url', '')}")

    def _request(self, request: Request) -> None:
        url = urlparse(request.url)
        if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
            self.external_requests.append(request.url)

    def clear(self) -> None:
        self.console_errors.clear()
        self.page_errors.clear()
        self.external_requests.clear()

    @property
    def problems(self) -> list[str]:
        return (
            [f"console error: {m}" for m in self.console_errors]
            + [f"page error: {m}" for m in self.page_errors]
            + [f"external request: {u}" for u in self.external_requests]
        )


# Installed in the page before the app loads (login() does it): counts the script runs the app
# reports through data-test-script-state (every stApp element, should React re-mount it) and notes
# when that state last changed, so a wait can ask "has a run started since, and is it over?".
RUN_OBSERVER = """
(() => {
  if (window.__vypRuns) return;
  const s = (window.__vypRuns = { runs: 0, changed: performance.now() });
  const watch = () =>
    new MutationObserver((records) => {
      for (const r of records) {
        s.changed = performance.now();
        if (r.target.getAttribute('data-test-script-state') === 'running') s.runs += 1;
      }
    }).observe(document.documentElement, {
      attributes: true,
      subtree: true,
      attributeFilter: ['data-test-script-state', 'data-test-connection-state'],
    });
  if (document.documentElement) watch();
  else document.addEventListener('readystatechange', watch, { once: true });
})();
"""
# The app is connected, not running, has not changed state for `quiet` ms (a rerun that the run
# triggers — the cookie component, st.rerun — starts well within that) and, with `since`, has
# started a run since the count `since` was read.
IDLE_AFTER = """
({ quiet, since }) => {
  const s = window.__vypRuns;
  const app = document.querySelector("[data-testid='stApp']");
  if (!s || !app) return false;
  const idle = app.getAttribute('data-test-connection-state') === 'CONNECTED'
    && app.getAttribute('data-test-script-state') === 'notRunning';
  return idle && performance.now() - s.changed >= quiet && (since === null || s.runs > since);
}
"""
QUIET_MS = 400


async def watch_runs(page: Page) -> None:
    """Count the app's script runs in `page` from its next navigation on (see RUN_OBSERVER)."""
    await page.add_init_script(RUN_OBSERVER)


async def run_count(page: Page) -> int:
    """Script runs the page has seen so far (0 before the observer is in place)."""
    return int(await page.evaluate("() => (window.__vypRuns ? window.__vypRuns.runs : 0)"))


async def settle(page: Page, timeout_ms: int = RUN_TIMEOUT_MS, *, since: int | None = None) -> None:
    """Wait until the app is idle and quiet (IDLE_AFTER); with `since` (a run_count taken before an
    action), until a run has started after it and everything it triggered is over."""
    await page.wait_for_function(
        IDLE_AFTER, arg={"quiet": QUIET_MS, "since": since}, timeout=timeout_ms, polling=50
    )


async def act(page: Page, action: Callable[[], Awaitable[None]], timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Do something that makes the app run its script (a click on a button, a checkbox, an option)
    and wait until that run, and any rerun it triggers, is over."""
    before = await run_count(page)
    await action()
    await settle(page, timeout_ms, since=before)


async def drawn(page: Page) -> None:
    """Wait until the browser has drawn two more frames (a scroll or a resize is on screen)."""
    await page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


async def shot(page: Page, shots: Path, name: str, focus: str | None = None) -> None:
    """Screenshot of the viewport (Streamlit scrolls inside the page), scrolled to `focus` text; also
    into VYPUSK_SCREENSHOTS when set (the README's pictures)."""
    if focus:
        await page.get_by_text(focus).first.evaluate("e => e.scrollIntoView({block: 'start'})")
        await drawn(page)
    await page.screenshot(path=str(shots / f"{name}.png"))
    docs = os.environ.get("VYPUSK_SCREENSHOTS")
    if docs:
        Path(docs).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(docs) / f"{name}.png"))


async def page_problems(page: Page) -> list[str]:
    """Exceptions and our error boxes shown on the page."""
    found = [f"exception shown: {t[:500]}" for t in await page.locator(EXCEPTION).all_inner_texts()]
    for text in await page.locator(ERROR_ALERT).all_inner_texts():
        if ERROR_WORD.search(text):
            found.append(f"error box shown: {text[:500]}")
    return found


async def click_until(
    page: Page,
    click: Callable[[], Awaitable[None]],
    reached: Callable[[], Awaitable[bool]],
    what: str,
    timeout_ms: int,
    refused: Callable[[], Awaitable[str | None]] | None = None,
    lost_click_s: float = LOST_CLICK_S,
) -> int:
    """`click()`, then wait until `reached()`; returns the number of clicks it took.

    A click can be swallowed: the cookie component reruns the script once it has loaded in the
    browser, and under load that rerun may land after the click and replace its request (the app
    then sits idle as if nothing was clicked). So an unanswered click is repeated, at most three
    times. `refused()` names a visible refusal (e.g. a login error), which fails at once.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_ms / 1000
    for attempt in range(1, 4):
        await click()
        idle_since = None
        while loop.time() < deadline:
            await page.wait_for_timeout(250)
            if await reached():
                await settle(page, timeout_ms)
                return attempt
            message = await refused() if refused else None
            if message:
                raise AssertionError(f"{what}: {message}")
            if await page.locator(APP_IDLE).count():
                idle_since = idle_since or loop.time()
                if loop.time() - idle_since > lost_click_s:
                    break
            else:
                idle_since = None
        else:
            raise AssertionError(f"{what}: no answer within {timeout_ms / 1000:.0f} s")
    raise AssertionError(f"{what}: three clicks went unanswered")


async def login(
    page: Page, base_url: str, username: str, password: str = PASSWORD, *, timeout_ms: int = RUN_TIMEOUT_MS
) -> int:
    """Log in through the real form and wait for the logged-in app (the «Выйти» button); returns
    the number of clicks on «Войти» it took."""
    await watch_runs(page)
    await page.goto(base_url + "/", timeout=timeout_ms)
    # `.first`: while Streamlit re-renders the login run, the cookie component can briefly be on the
    # page twice, and a strict locator then fails instead of waiting.
    await page.locator(COOKIE_FRAME).first.wait_for(state="attached", timeout=timeout_ms)
    await settle(page, timeout_ms)

    from playwright.async_api import TimeoutError as PlaywrightTimeoutError

    first = True

    async def submit() -> None:
        nonlocal first
        # Under load the server can take a long while to start the run a click asked for, and the app
        # looks idle meanwhile; the click may be answered while it is being repeated. So a repeat
        # only acts on a form still on screen, with short waits: a form that went away (the earlier
        # click got through) is not an error, the wait for the logged-in app goes on.
        was_first, first = first, False
        try:
            if not was_first and (
                await logged_in() or not await page.get_by_label("Имя пользователя").count()
            ):
                return
            await page.get_by_label("Имя пользователя").fill(
                username, timeout=timeout_ms if was_first else 5_000
            )
            await page.get_by_label("Пароль", exact=True).fill(password, timeout=5_000)
            await page.get_by_role("button", name="Войти").click(timeout=5_000)
        except PlaywrightTimeoutError:
            return

    async def logged_in() -> bool:
        return await page.get_by_role("button", name="Выйти").count() > 0

    async def refused() -> str | None:
        errors = await page.locator(ERROR_ALERT).all_inner_texts()
        return f"refused: {errors}" if errors else None

    return await click_until(
        page, submit, logged_in, f"login as {username}", timeout_ms, refused, lost_click_s=LOST_LOGIN_S
    )


async def logout(page: Page) -> None:
    await page.get_by_role("button", name="Выйти").click()
    await page.get_by_role("button", name="Войти").wait_for(timeout=RUN_TIMEOUT_MS)
    await settle(page)


def url_path_of(href: str) -> str:
    return urlparse(href).path.strip("/").rsplit("/", 1)[-1]


async def nav_url_paths(page: Page) -> list[str]:
    """The url paths of the sidebar navigation links, in menu order."""
    links = page.locator(NAV_LINK)
    return [url_path_of(await links.nth(i).get_attribute("href") or "") for i in range(await links.count())]


async def open_page(page: Page, url_path: str, *, timeout_ms: int = RUN_TIMEOUT_MS) -> int:
    """Click the navigation link of `url_path` ("" for the default page) and wait for the page;
    returns the number of clicks it took (see click_until)."""
    links = page.locator(NAV_LINK)
    for i in range(await links.count()):
        if url_path_of(await links.nth(i).get_attribute("href") or "") == url_path:
            link = links.nth(i)
            break
    else:
        raise AssertionError(f"no navigation link to /{url_path}")
    target = re.compile(rf"//[^/]+/{re.escape(url_path)}(\?|$)")

    async def arrived() -> bool:
        return bool(target.search(page.url))

    return await click_until(page, link.click, arrived, f"open /{url_path}", timeout_ms)


async def wait_enabled(page: Page, button: str, timeout_ms: int) -> None:
    from playwright.async_api import expect

    await expect(page.get_by_role("button", name=button).first).to_be_enabled(timeout=timeout_ms)


async def upload_file(page: Page, file: Path, *, timeout_ms: int = RUN_TIMEOUT_MS) -> str:
    """On the upload page: choose `file`, click «Проверить файлы», then «Загрузить» under the preview
    (ticking the removal acknowledgement when there is one), return the result message."""
    await page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(file))
    await wait_enabled(page, "Проверить файлы", timeout_ms)
    await settle(page, timeout_ms)
    await page.get_by_role("button", name="Проверить файлы").click()
    confirm = page.locator(f"{keyed('upload_confirm')} button")
    refused = page.locator(RESULT_ALERTS).filter(has_text=f"«{file.name}» не загружен")
    await confirm.or_(refused).first.wait_for(timeout=timeout_ms)
    await settle(page, timeout_ms)
    if await refused.count():
        return await refused.first.inner_text()
    return await confirm_upload(page, file.name, timeout_ms=timeout_ms)


async def confirm_upload(page: Page, file_name: str, *, timeout_ms: int = RUN_TIMEOUT_MS) -> str:
    """Under the upload preview: tick the removal acknowledgement when there is one, click
    «Загрузить» and return the result message."""
    ack = page.locator(f"{keyed('upload_ack_')} label")
    if await ack.count():
        await act(page, ack.first.click, timeout_ms)
    await wait_enabled(page, "Загрузить", timeout_ms)
    await page.locator(f"{keyed('upload_confirm')} button").click()
    result = page.locator(f"{RESULT_ALERTS}").filter(has_text=f"«{file_name}»").first
    await result.wait_for(timeout=timeout_ms)
    await settle(page, timeout_ms)
    return await result.inner_text()


def keyed(key_prefix: str) -> str:
    """CSS for the element whose widget key starts with `key_prefix` (Streamlit adds st-key-<key>)."""
    return f"[class*='st-key-{key_prefix}']"


async def table_data(page: Page, key_prefix: str) -> tuple[list[str], list[list[str]]]:
    """Headers and raw cell values of a keyed st.dataframe, from the grid's accessibility table."""
    table = page.locator(f"{keyed(key_prefix)} [data-testid='stDataFrame'] table").first
    await table.wait_for(state="attached", timeout=RUN_TIMEOUT_MS)
    headers = await table.locator("thead th").all_inner_texts()
    rows = table.locator("tbody tr")
    return headers, [await rows.nth(i).locator("td").all_inner_texts() for i in range(await rows.count())]


async def select_table_row(page: Page, key_prefix: str, row: int) -> None:
    """Tick the row-selection box of data row `row` (0-based) of a keyed st.dataframe. The grid is a
    canvas: the box sits in the marker column at the left, rows are 35 px high under a 35 px header."""
    grid = page.locator(f"{keyed(key_prefix)} [data-testid='stDataFrame']").first
    await grid.scroll_into_view_if_needed()
    box = await grid.bounding_box()
    assert box is not None, f"table {key_prefix} is not visible"
    x, y = box["x"] + 15, box["y"] + 35 + 35 * row + 17
    await page.mouse.move(x, y)
    await act(page, lambda: page.mouse.click(x, y))


async def map_centre(page: Page) -> tuple[float, float]:
    """The centre of the first pydeck map on the page, scrolled into view once its canvas shows.

    deck.gl draws through software WebGL (SwiftShader) here; on a loaded CI machine its first frame
    has once not come within a minute while the same test alone passes in 28 s. Leaving the page and
    coming back mounts the map anew with a fresh WebGL context (a browser reload would too, but
    Streamlit's client then logs 404s for page-relative health URLs); a map that fails twice fails
    the test, and a WebGL error the first attempt logged still reaches the page watch."""
    from playwright.async_api import TimeoutError as PlaywrightTimeoutError

    deck = page.get_by_test_id("stDeckGlJsonChart").first
    canvas = deck.locator("canvas").first
    try:
        await canvas.wait_for(state="visible", timeout=RUN_TIMEOUT_MS // 2)
    except PlaywrightTimeoutError:
        here = url_path_of(page.url)
        await open_page(page, next(p for p in await nav_url_paths(page) if p != here))
        await open_page(page, here)
        await canvas.wait_for(state="visible", timeout=RUN_TIMEOUT_MS)
    await deck.scroll_into_view_if_needed()
    box = await deck.bounding_box()
    assert box is not None, "the map is not visible"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
