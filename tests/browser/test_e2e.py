"""End to end in headless Chromium: every demo user logs in through the real form, sees exactly its
role's menu, opens every page of it without an exception, an error box, a console error or a request
leaving this machine, and logs out. A drill-down is clicked through; deep links on a fresh server
must not show a page before login.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from data_layer.users import DEMO_USERNAMES
from tests.browser import pw
from tests.browser.conftest import DemoApp
from tests.server import PROJECT_DIR, AppServer, demo_db_copy
from ui.registry import specs_for_role

if TYPE_CHECKING:
    from playwright.async_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]

MAIN = "[data-testid='stMain']"


def expected_nav(role: str) -> list[str]:
    """The menu's url paths for a role, in order; the first (default) page is the site root.
    Streamlit draws no menu for a single page."""
    paths = [spec.url_path for spec in specs_for_role(role, PROJECT_DIR)]
    return ["", *paths[1:]] if len(paths) > 1 else []


async def _browse_role(app: DemoApp, username: str, shots: Path) -> list[str]:
    scope = app.accounts[username]
    failures: list[str] = []
    async with pw.chromium() as browser:
        context = await browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
        page = await context.new_page()
        watch = pw.Watch(page)
        await pw.login(page, app.url, username)

        menu = await pw.nav_url_paths(page)
        want = expected_nav(scope.role)
        assert menu == want, f"{username} ({scope.role}): menu {menu}, expected {want}"

        for url_path in menu or [""]:
            started = time.monotonic()
            if menu and await pw.open_page(page, url_path) > 1:
                print(f"{username} /{url_path}: the first click on the menu link was lost")
            print(f"{username} /{url_path}: {time.monotonic() - started:.1f} s")
            name = url_path or "home"
            await page.screenshot(path=str(shots / f"{username}-{name}.png"))
            text = (await page.locator(MAIN).inner_text()).strip()
            if not text:
                failures.append(f"{username} /{url_path}: the page drew nothing")
            failures += [f"{username} /{url_path}: {p}" for p in await pw.page_problems(page)]
            failures += [f"{username} /{url_path}: {p}" for p in watch.problems]
            watch.clear()

        await pw.logout(page)
        await page.screenshot(path=str(shots / f"{username}-logged-out.png"))
        failures += [f"{username} logout: {p}" for p in watch.problems]
        await context.close()
    return failures


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_demo_user_sees_and_opens_exactly_its_pages(
    demo_app: DemoApp, username: str, screenshots: Path
) -> None:
    assert username in demo_app.accounts, f"the demo database has no account {username}"
    failures = asyncio.run(_browse_role(demo_app, username, screenshots))
    assert not failures, "\n".join(failures) + "\n--- server log ---\n" + demo_app.server.log_text(5000)


LOGIN_HEADINGS = frozenset({"Выпускник", "Вход в систему", "Демонстрационные учётные записи"})


@dataclass
class FirstVisit:
    login_form: bool
    headings: set[str]
    errors: list[str]
    text: str
    external: list[str]


async def _first_visit(url: str, shots: Path, name: str) -> FirstVisit:
    async with pw.chromium() as browser:
        page = await browser.new_page()
        watch = pw.Watch(page)
        await pw.watch_runs(page)
        await page.goto(url, timeout=pw.RUN_TIMEOUT_MS)
        await pw.settle(page)
        await page.screenshot(path=str(shots / f"fresh-{name}.png"))
        main = page.locator(MAIN)
        return FirstVisit(
            login_form=await page.get_by_role("button", name="Войти").count() > 0,
            headings={h.strip() for h in await main.locator("h1, h2, h3").all_inner_texts()} - {""},
            errors=await main.locator(pw.ERROR_ALERT).all_inner_texts(),
            text=await main.inner_text(),
            external=watch.external_requests,
        )


@pytest.mark.parametrize("url_path", ["journal", "overview"])
def test_first_request_to_a_sub_page_shows_only_the_login_form(
    url_path: str, tmp_path: Path, screenshots: Path
) -> None:
    """A fresh server (no session has run app.py yet) must gate a deep link behind the login too:
    the login page and nothing the page file draws (not even its own role refusal)."""
    pw.require_browser()
    db_file = demo_db_copy(tmp_path / "demo.duckdb")
    with AppServer(db_file, tmp_path) as server:
        seen = asyncio.run(_first_visit(f"{server.url}/{url_path}", screenshots, url_path))
    assert not seen.external, f"requests left the machine: {seen.external}"
    shown = f"/{url_path} on a fresh server showed:\n{seen.text[:1000]}"
    assert seen.login_form, shown
    assert seen.headings <= LOGIN_HEADINGS, shown
    assert not seen.errors, shown


def _biggest(headers: list[str], rows: list[list[str]], column: str = "Выпускников") -> int:
    """The row with the most graduates (a drill into it has data to show)."""
    col = headers.index(column)
    return max(range(len(rows)), key=lambda i: int(rows[i][col] or 0))


async def _crumbs(page: Page) -> list[str]:
    """The breadcrumb as shown: region, territory, college (buttons), current level (bold)."""
    buttons = await page.locator(f"{MAIN} {pw.keyed('crumb_')} button").all_inner_texts()
    return [b.strip() for b in buttons]


async def _drill_down(app: DemoApp, shots: Path) -> list[str]:
    """demo_ministry: Территории → a territory (table row) → a college (table row, opens its card)
    → a specialty (table row on the card); the breadcrumb grows at each step."""
    failures: list[str] = []
    async with pw.chromium() as browser:
        context = await browser.new_context(viewport={"width": 1400, "height": 900}, locale="ru-RU")
        page = await context.new_page()
        watch = pw.Watch(page)
        await pw.login(page, app.url, "demo_ministry")
        await pw.open_page(page, "territories")

        headers, rows = await pw.table_data(page, "territories_table__")
        i = _biggest(headers, rows)
        territory = rows[i][0]
        await pw.select_table_row(page, "territories_table__", i)
        await page.wait_for_url(re.compile(r"[?&]tu=\w+"), timeout=pw.RUN_TIMEOUT_MS)
        await pw.settle(page)
        await page.screenshot(path=str(shots / "drill-1-territory.png"))
        assert await _crumbs(page) == ["Самарская область", "← Назад"], await _crumbs(page)
        assert territory in await page.locator(MAIN).inner_text()

        headers, rows = await pw.table_data(page, "territories_colleges__")
        j = _biggest(headers, rows)
        college = rows[j][0]
        await pw.select_table_row(page, "territories_colleges__", j)
        await page.wait_for_url(re.compile(r"/college\?.*poo=\w+"), timeout=pw.RUN_TIMEOUT_MS)
        await pw.settle(page)
        await page.screenshot(path=str(shots / "drill-2-college.png"))
        # the table names the college in full with its abbreviation, «ГБПОУ «…» (ПК-1 Самара)»; the card's
        # heading and the breadcrumb by the abbreviation
        short = await page.locator(f"{MAIN} h1").first.inner_text()
        assert college.endswith(f"({short})"), (college, short)
        college = short
        assert await _crumbs(page) == ["Самарская область", territory, "← Назад"], await _crumbs(page)

        headers, rows = await pw.table_data(page, "college_programs__")
        k = _biggest(headers, rows)
        code, name = rows[k][0], rows[k][1]
        await pw.select_table_row(page, "college_programs__", k)
        await page.wait_for_url(re.compile(r"[?&]spec="), timeout=pw.RUN_TIMEOUT_MS)
        await pw.settle(page)
        await page.screenshot(path=str(shots / "drill-3-specialty.png"))
        assert await _crumbs(page) == ["Самарская область", territory, college, "← Назад"], await _crumbs(
            page
        )
        assert f"{code} {name}" in await page.locator(MAIN).inner_text()

        # One step back: the college card again, no specialty in the URL.
        await page.locator(f"{MAIN} {pw.keyed('crumb_back')} button").click()
        await page.wait_for_url(lambda url: "spec=" not in url and "poo=" in url, timeout=pw.RUN_TIMEOUT_MS)
        await pw.settle(page)
        assert await _crumbs(page) == ["Самарская область", territory, "← Назад"], await _crumbs(page)

        failures += await pw.page_problems(page)
        failures += watch.problems
        await pw.logout(page)
        await context.close()
    return failures


def test_drill_down_region_territory_college_specialty(demo_app: DemoApp, screenshots: Path) -> None:
    failures = asyncio.run(_drill_down(demo_app, screenshots))
    assert not failures, "\n".join(failures) + "\n--- server log ---\n" + demo_app.server.log_text(5000)
