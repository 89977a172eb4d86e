"""The re-authentication cookie in a real browser: set at login, kept across a reload, gone after logout,
and a copy of it refused once the user logged out (server-side revocation).

AppTest cannot run the cookie component's JavaScript, so this one flow is checked in headless Chromium
against a real `streamlit run` server on a small demo database.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from data_layer import users
from tests.helpers import APP_FILE, reference_db
from ui.auth import COOKIE_NAME

USERNAME, PASSWORD = "ivanov", "Secret-pass-1"

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


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the script run (and the rerun a component may trigger) has finished."""
    for _ in range(2):
        page.wait_for_timeout(300)
        page.wait_for_selector(
            "[data-testid='stApp'][data-test-connection-state='CONNECTED'][data-test-script-state='notRunning']",
            timeout=30_000,
        )
    page.wait_for_timeout(700)


def test_cookie_survives_reload_and_logout_removes_it(server: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            context = browser.new_context()
            page = context.new_page()
            page.goto(server + "/")
            _settle(page)
            page.get_by_label("Имя пользователя").fill(USERNAME)
            page.get_by_label("Пароль", exact=True).fill(PASSWORD)
            page.get_by_role("button", name="Войти").click()
            _settle(page)
            assert page.get_by_role("button", name="Выйти").is_visible()
            cookies = {c["name"]: c for c in context.cookies()}
            assert COOKIE_NAME in cookies
            # half a day by default, give or take the test's own duration
            assert abs(cookies[COOKIE_NAME]["expires"] - (time.time() + 12 * 3600)) < 600
            # SameSite=Strict always; Secure only over https (this server is plain http on localhost);
            # never HttpOnly: JavaScript writes it (README «Сеансы и cookie»)
            assert cookies[COOKIE_NAME]["sameSite"] == "Strict"
            assert (cookies[COOKIE_NAME]["secure"], cookies[COOKIE_NAME]["httpOnly"]) == (False, False)
            stolen = browser.new_context()  # a copy of the cookie in another browser
            stolen.add_cookies([cookies[COOKIE_NAME]])

            page.reload()  # a new Streamlit session: only the cookie can log it in
            _settle(page)
            assert page.get_by_role("button", name="Выйти").is_visible()

            page.get_by_role("button", name="Выйти").click()
            _settle(page)
            assert page.get_by_role("button", name="Войти").is_visible()
            assert COOKIE_NAME not in {c["name"] for c in context.cookies()}

            page.reload()
            _settle(page)
            assert page.get_by_role("button", name="Войти").is_visible()

            # the logout revoked the login on the server: the copied cookie no longer opens a session
            other = stolen.new_page()
            other.goto(server + "/")
            _settle(other)
            assert other.get_by_role("button", name="Войти").is_visible()
            assert not other.get_by_role("button", name="Выйти").is_visible()
            assert other.get_by_text("Сеанс завершён").is_visible()
        finally:
            browser.close()
