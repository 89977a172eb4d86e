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

import os
import re
import shutil
from collections.abc import AsyncIterator
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
    # WebGL for the pydeck map without a GPU (stack_notes §7).
    "--use-gl=swiftshader",
    "--enable-unsafe-swiftshader",
]
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
PASSWORD = "demo"
RUN_TIMEOUT_MS = 60_000

APP_IDLE = (
    "[data-testid='stApp'][data-test-connection-state='CONNECTED'][data-test-script-state='notRunning']"
)
NAV_LINK = "[data-testid='stSidebarNav'] a[data-testid='stSidebarNavLink']"
EXCEPTION = "[data-testid='stException']"
ERROR_ALERT = "[data-testid='stAlertContentError']"
# Our own failure boxes (pages/_ui/guard.py INTERNAL_ERROR etc.) say «ошибка/ошибки».
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


async def settle(page: Page, timeout_ms: int = RUN_TIMEOUT_MS) -> None:
    """Wait until the script run, and a rerun it may trigger (cookie component, st.rerun), is over."""
    for pause in (250, 400):
        await page.wait_for_timeout(pause)
        await page.wait_for_selector(APP_IDLE, timeout=timeout_ms)
    await page.wait_for_timeout(300)
    await page.wait_for_selector(APP_IDLE, timeout=timeout_ms)


async def page_problems(page: Page) -> list[str]:
    """Exceptions and our error boxes shown on the page."""
    found = [f"exception shown: {t[:500]}" for t in await page.locator(EXCEPTION).all_inner_texts()]
    for text in await page.locator(ERROR_ALERT).all_inner_texts():
        if ERROR_WORD.search(text):
            found.append(f"error box shown: {text[:500]}")
    return found


async def login(page: Page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the real form and wait for the logged-in app (the «Выйти» button)."""
    await page.goto(base_url + "/", timeout=RUN_TIMEOUT_MS)
    await settle(page)
    await page.get_by_label("Имя пользователя").fill(username)
    await page.get_by_label("Пароль", exact=True).fill(password)
    await page.get_by_role("button", name="Войти").click()
    await settle(page)
    await page.get_by_role("button", name="Выйти").wait_for(timeout=RUN_TIMEOUT_MS)


async def logout(page: Page) -> None:
    await page.get_by_role("button", name="Выйти").click()
    await settle(page)
    await page.get_by_role("button", name="Войти").wait_for(timeout=RUN_TIMEOUT_MS)


def url_path_of(href: str) -> str:
    return urlparse(href).path.strip("/").rsplit("/", 1)[-1]


async def nav_url_paths(page: Page) -> list[str]:
    """The url paths of the sidebar navigation links, in menu order."""
    links = page.locator(NAV_LINK)
    return [url_path_of(await links.nth(i).get_attribute("href") or "") for i in range(await links.count())]


async def open_page(page: Page, url_path: str) -> None:
    """Click the navigation link of `url_path` ("" for the default page) and wait for the page."""
    links = page.locator(NAV_LINK)
    for i in range(await links.count()):
        if url_path_of(await links.nth(i).get_attribute("href") or "") == url_path:
            await links.nth(i).click()
            break
    else:
        raise AssertionError(f"no navigation link to /{url_path}")
    await page.wait_for_url(re.compile(rf"//[^/]+/{re.escape(url_path)}(\?|$)"), timeout=RUN_TIMEOUT_MS)
    await settle(page)
