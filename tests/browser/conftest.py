"""Fixtures of the browser tests: one demo-database server for the session, a screenshot folder.

The screenshot folder's path is printed in the test summary, for a look at what the pages drew.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from data_layer.scope import Scope
from tests.browser.pw import require_browser
from tests.server import AppServer, demo_db_copy, demo_scopes

_shots: list[Path] = []


@dataclass(frozen=True)
class DemoApp:
    url: str
    accounts: dict[str, Scope]  # demo user name -> its scope
    server: AppServer


@pytest.fixture(scope="session")
def demo_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoApp]:
    """`streamlit run app.py` on a small demo database, shared by the session's browser tests."""
    require_browser()
    workdir = tmp_path_factory.mktemp("demo_server")
    db_file = demo_db_copy(workdir / "demo.duckdb")
    accounts = demo_scopes(db_file)
    with AppServer(db_file, workdir) as server:
        yield DemoApp(server.url, accounts, server)


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("e2e_screenshots")
    _shots.append(folder)
    return folder


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for folder in _shots:
        count = len(list(folder.glob("*.png")))
        terminalreporter.write_line(f"browser tests: {count} screenshots in {folder}")
