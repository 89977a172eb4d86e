"""Drill-down clicks on the monitoring pages in headless Chromium (AppTest cannot click charts,
maps or table rows): a ranking bar opens the college card, a specialty row opens its graduates, a
territory row and a click on the map open the territory, a heat-map cell opens the college card.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from tests.browser import pw
from tests.browser.conftest import DemoApp

if TYPE_CHECKING:
    from playwright.async_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(420)]

ROW_HEIGHT = 35  # st.dataframe's default row height in pixels (header row included)


async def _click(
    page: Page, x: float, y: float, lands_on: str, *, plotly: bool = False, attempts: int = 1
) -> None:
    """Hover, click, then wait for the drill to land on the page whose URL matches `lands_on` (no
    fixed pauses: each wait ends as soon as its condition holds). Plotly takes a click only on the
    point it hovers, so on a plotly chart the click waits for the hover label first. deck.gl shows
    its canvas before it can pick objects, so a map click may be swallowed on a busy machine:
    `attempts` > 1 repeats a click that led nowhere (each repeat waits a bounded time)."""
    for attempt in range(attempts):
        await page.mouse.move(x - 2, y - 2)
        await page.mouse.move(x, y)
        if plotly:
            await page.locator(".hoverlayer .hovertext").first.wait_for(
                state="visible", timeout=pw.RUN_TIMEOUT_MS
            )
        await page.mouse.click(x, y)
        last = attempt == attempts - 1
        try:
            await page.wait_for_url(
                re.compile(lands_on), timeout=pw.RUN_TIMEOUT_MS if last else pw.RUN_TIMEOUT_MS // 4
            )
        except PlaywrightTimeoutError:
            if last:
                return  # the caller reports the URL it finds
            continue
        await pw.settle(page)
        return


async def _click_table_row(page: Page, row: int, lands_on: str) -> None:
    """Tick the selection box of data row `row` (0-based) of the first table on the page (the grid is a
    canvas: its rows have no elements to click, so the box is clicked by position)."""
    box = await page.get_by_test_id("stDataFrame").first.bounding_box()
    assert box is not None
    await _click(page, box["x"] + 18, box["y"] + ROW_HEIGHT * (row + 1) + ROW_HEIGHT / 2, lands_on)


def _param(url: str, name: str) -> str | None:
    m = re.search(rf"[?&]{name}=([^&]+)", url)
    return m.group(1) if m else None


async def _drill(app: DemoApp, shots: Path) -> list[str]:
    failures: list[str] = []
    async with pw.chromium() as browser:
        context = await browser.new_context(viewport={"width": 1400, "height": 2000}, locale="ru-RU")
        page = await context.new_page()
        watch = pw.Watch(page)
        await pw.login(page, app.url, "demo_base")

        await pw.open_page(page, "ranking")
        bar = await page.locator("[data-testid='stPlotlyChart'] .bars .point").nth(1).bounding_box()
        assert bar is not None
        await _click(
            page,
            bar["x"] + bar["width"] / 2,
            bar["y"] + bar["height"] / 2,
            r"/college.*[?&]poo=",
            plotly=True,
        )
        college = _param(page.url, "poo")
        if "/college" not in page.url or not college:
            failures.append(f"ranking bar: {page.url}")
        await page.screenshot(path=str(shots / "drill-ranking-to-college.png"))

        await _click_table_row(page, 0, r"[?&]spec=")  # the first specialty of the card
        if not _param(page.url, "spec") or "Выпускники" not in await page.locator("h3").all_inner_texts():
            failures.append(f"specialty row: {page.url}")
        await page.screenshot(path=str(shots / "drill-specialty.png"))

        await pw.open_page(page, "territories")
        await _click_table_row(page, 0, r"[?&]tu=")
        if not _param(page.url, "tu"):
            failures.append(f"territory row: {page.url}")

        await pw.open_page(page, "overview")
        x, y = await pw.map_centre(page)
        await _click(
            page,
            x,
            y,
            r"/territories.*[?&]tu=",
            attempts=4,
        )
        if "/territories" not in page.url or not _param(page.url, "tu"):
            failures.append(f"map click: {page.url}")
        await page.screenshot(path=str(shots / "drill-map-to-territory.png"))

        await pw.open_page(page, "specialties")
        cells = page.locator("[data-testid='stPlotlyChart'] .scatterlayer .point")
        first = await cells.first.bounding_box()
        assert first is not None
        await _click(
            page, first["x"] + first["width"] / 2, first["y"] + first["height"] / 2, r"/college.*[?&]poo="
        )
        if "/college" not in page.url or not _param(page.url, "poo"):
            failures.append(f"heat map cell: {page.url}")

        failures += await pw.page_problems(page)
        failures += watch.problems
        await context.close()
    return failures


def test_drill_down_by_clicking(demo_app: DemoApp, screenshots: Path) -> None:
    failures = asyncio.run(_drill(demo_app, screenshots))
    assert not failures, "\n".join(failures) + "\n--- server log ---\n" + demo_app.server.log_text(5000)
