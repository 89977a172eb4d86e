"""The re-authentication cookie in a real browser: set at login, kept across a reload, gone after logout,
and a copy of it refused once the user logged out (server-side revocation).

AppTest cannot run the cookie component's JavaScript, so this one flow is checked in headless Chromium
against a real `streamlit run` server on a small demo database.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pytest

from data_layer import users
from tests.browser import pw
from tests.helpers import APP_FILE, reference_db
from ui.auth import COOKIE_NAME

USERNAME, PASSWORD = "ivanov", "Secret-pass-1"

if TYPE_CHECKING:
    from playwright._impl._api_structures import SetCookieParam
    from playwright.async_api import BrowserContext, Cookie, Page

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")


def _require_browser() -> None:
    if CHROMIUM is None:
        if os.environ.get("VYPUSK_BROWSER_TESTS_REQUIRED"):
            pytest.fail("chromium is required for browser tests")
        pytest.skip("chromium is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    _require_browser()
    db_file = reference_db(tmp_path / "demo.duckdb", demo=True)
    # a file account: a demo account's logout ends only its own session (demo accounts are shared)
    users.add_user(USERNAME, PASSWORD, "base_centre", path=tmp_path / "credentials.yaml")
    port = _free_port()
    env = dict(os.environ, VYPUSK_DB=str(db_file), VYPUSK_CREDENTIALS=str(tmp_path / "credentials.yaml"))
    env.pop("VYPUSK_COOKIE_KEY", None)
    streamlit = Path(APP_FILE).parent / ".venv" / "bin" / "streamlit"
    cmd = [
        str(streamlit) if streamlit.exists() else "streamlit",
        "run",
        APP_FILE,
        "--server.headless",
        "true",
    ]
    cmd += [
        "--server.port",
        str(port),
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]
    log = (tmp_path / "server.log").open("w")
    proc = subprocess.Popen(cmd, env=env, cwd=Path(APP_FILE).parent, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("streamlit server did not start:\n" + (tmp_path / "server.log").read_text())
                time.sleep(0.2)
        yield f"http://localhost:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


async def _loaded(page: Page) -> None:
    """After a reload: wait for the app's first run and the cookie component's rerun to be over."""
    await page.locator(pw.COOKIE_FRAME).first.wait_for(state="attached", timeout=pw.RUN_TIMEOUT_MS)
    await pw.settle(page)


async def _cookie(context: BrowserContext, present: bool) -> Cookie | None:
    """The re-authentication cookie once it is `present` (or gone): the cookie component writes it
    from the browser after the run."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + pw.RUN_TIMEOUT_MS / 1000
    while True:
        found = {c.get("name"): c for c in await context.cookies()}.get(COOKIE_NAME)
        if (found is not None) == present or loop.time() > deadline:
            return found
        await asyncio.sleep(0.1)


async def _cookie_flow(server: str) -> None:
    from playwright.async_api import expect

    async with pw.chromium() as browser:
        context = await browser.new_context()
        page = await context.new_page()
        await pw.login(page, server, USERNAME, PASSWORD)
        cookie = await _cookie(context, present=True)
        assert cookie is not None
        # half a day by default, give or take the test's own duration
        assert abs(cookie.get("expires", 0) - (time.time() + 12 * 3600)) < 600
        # SameSite=Strict always; Secure only over https (this server is plain http on localhost);
        # never HttpOnly: JavaScript writes it (README «Сеансы и cookie»)
        assert cookie.get("sameSite") == "Strict"
        assert (cookie.get("secure"), cookie.get("httpOnly")) == (False, False)
        stolen = await browser.new_context()  # a copy of the cookie in another browser
        await stolen.add_cookies([cast("SetCookieParam", cookie)])

        await page.reload()  # a new Streamlit session: only the cookie can log it in
        await _loaded(page)
        await expect(page.get_by_role("button", name="Выйти")).to_be_visible(timeout=pw.RUN_TIMEOUT_MS)

        await pw.logout(page)
        assert await _cookie(context, present=False) is None

        await page.reload()
        await _loaded(page)
        assert await page.get_by_role("button", name="Войти").is_visible()
        assert await page.get_by_role("button", name="Выйти").count() == 0

        # the logout revoked the login on the server: the copied cookie no longer opens a session
        other = await stolen.new_page()
        await pw.watch_runs(other)
        await other.goto(server + "/", timeout=pw.RUN_TIMEOUT_MS)
        await _loaded(other)
        assert await other.get_by_role("button", name="Войти").is_visible()
        assert not await other.get_by_role("button", name="Выйти").is_visible()
        assert await other.get_by_text("Сеанс завершён").is_visible()


def test_cookie_survives_reload_and_logout_removes_it(server: str) -> None:
    asyncio.run(_cookie_flow(server))
