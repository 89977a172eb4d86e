"""Helpers shared by AppTests.

`login_as(at, username, role, code)` pre-seeds an AppTest session as logged in, so the test skips the
login form (docs/architecture.md §5.4) and lands on the role's navigation:

    at = AppTest.from_file("app.py", default_timeout=30)
    login_as(at, "ivanov", "college", "P001")
    at.run()
    at.switch_page("pages/screens/college.py").run()

It also sets a valid cookie signing key in `at.secrets`, because outside demo mode the app refuses to
start without one. Point VYPUSK_DB at your test database before `run()` (monkeypatch.setenv), and
VYPUSK_CREDENTIALS at a file under tmp_path so a developer's real accounts file is never read.

Every AppTest of app.py should call `navigation_only()` first (login_as does it). Because the app's
page files live in a folder named `pages/`, Streamlit 1.67 starts every process in its old
"pages directory" mode, where a rerun on a file page runs that file *without app.py* until some run
has called st.navigation; AppTest resets that switch before every run, so without the patch the
second run on a file page would skip app.py (authentication, sidebar, logout) entirely.

Rules: the user name must not be a disabled account of the credentials file (disabling ends
sessions); on a demo database a demo name (demo_college, ...) gets the demo account's scope, and
outside demo mode demo names are refused.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from data_layer import db
from data_layer.scope import Role, Scope
from tests.factories import Region

APP_FILE = str(Path(__file__).resolve().parent.parent / "app.py")
TEST_COOKIE_KEY = "test-only-cookie-key-0123456789-abcdefghijklmnop"


def navigation_only() -> None:
    """Make AppTest behave like a server that has run app.py once: st.navigation mode, never the
    legacy `pages/` directory mode (see the module docstring). Idempotent, process-wide, test-only."""
    if getattr(PagesManager.__init__, "_vypusk_patched", False):
        return
    original = PagesManager.__init__

    def init(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    init._vypusk_patched = True  # type: ignore[attr-defined]
    PagesManager.__init__ = init  # type: ignore[method-assign]


def login_as(at: AppTest, username: str, role: Role, code: str | None = None) -> AppTest:
    """Mark the session as logged in as `username` with the given role scope; returns `at`."""
    navigation_only()
    at.secrets["auth"] = {"cookie_key": TEST_COOKIE_KEY}
    at.session_state["authentication_status"] = True
    at.session_state["username"] = username
    at.session_state["name"] = username
    at.session_state["roles"] = [role]
    at.session_state["logout"] = None
    at.session_state["scope"] = Scope(role=role, code=code, username=username)
    return at


def open_page(
    page: str,
    role: Role,
    code: str | None = None,
    *,
    username: str = "tester",
    query_params: Mapping[str, str] | None = None,
    state: Mapping[str, object] | None = None,
    timeout: float = 60,
) -> AppTest:
    """Log in as `username` (login_as), set the query parameters and session state, run app.py and
    switch to `page` (a file under pages/screens/); the caller checks what the page shows."""
    at = login_as(AppTest.from_file(APP_FILE, default_timeout=timeout), username, role, code)
    for name, text in (query_params or {}).items():
        at.query_params[name] = text
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()
    at.switch_page(page).run()
    return at


def use_database(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the app at the database `path` and at an accounts file under tmp_path (a developer's
    real accounts file is never read)."""
    monkeypatch.setenv("VYPUSK_DB", str(path))
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(tmp_path / "credentials.yaml"))
    return path


def use_copy_of(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test's own copy of a database built once per module (use_database on the copy)."""
    path = tmp_path / "work.duckdb"
    shutil.copyfile(template, path)
    return use_database(path, tmp_path, monkeypatch)


def reference_db(path: Path, *, demo: bool) -> Path:
    """A small database for app tests (tests/factories.Region: TU01 holds P001 and P002, TU02 holds
    P003) with graduates of cohort 2024 (P001: 3, P002: 1, P003: 2) and an older, bigger cohort 2023
    (P002: 4) that must not decide the median college. `demo` sets the demo flag."""
    region = Region(path)
    for college in ("P001", "P001", "P001", "P002", "P003", "P003"):
        region.graduate(college=college, cohort=2024)
    for _ in range(4):
        region.graduate(college="P002", cohort=2023)
    con = region.done()
    if demo:
        db.set_meta(con, "is_demo", "1")
    con.close()
    return path


def column_config(element: Any) -> dict[str, dict[str, Any]]:
    """The column configuration an AppTest dataframe/data_editor element sends to the browser:
    column name -> its settings (``type_config`` holds the column type and number format)."""
    import json

    return dict(json.loads(element.proto.columns))


def accounts_in(tmp_path: Path, monkeypatch: Any) -> Path:
    """Point the credentials file into `tmp_path` and make bcrypt fast (cost 4) for the test; returns the
    file's path. `monkeypatch` is pytest's fixture (undone after the test)."""
    import bcrypt

    real_gensalt = bcrypt.gensalt
    monkeypatch.setattr(bcrypt, "gensalt", lambda: real_gensalt(4))
    path = tmp_path / "credentials.yaml"
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(path))
    return path
