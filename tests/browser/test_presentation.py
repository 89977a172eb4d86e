"""Presentation in a real browser (issue 13 item 5): on a 1366-wide laptop screen the sidebar's
context (cohort, date, indicator) is above the fold at 900 px height for the longest menu (base
centre); a single click on the overview map opens the territory. (The grid draws its cells on a
canvas and its accessibility table holds raw values, so the Russian number format is checked by
AppTest on the column configuration and seen on the screenshots.)
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.browser import pw
from tests.browser.conftest import DemoApp

if TYPE_CHECKING:
    from playwright.async_api import Page, ViewportSize

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

LAPTOP: ViewportSize = {"width": 1366, "height": 900}
TOOLTIP = ".deck-tooltip"


async def _sidebar_bottoms(page: Page) -> dict[str, float]:
    """Bottom edge (px from the top of the viewport) of each context widget in the sidebar."""
    out = {}
    for label in ("Выпуск", "Дата расчёта", "Показатель"):
        widget = page.locator("[data-testid='stSidebar'] [data-testid='stWidgetLabel']", has_text=label).first
        box = await widget.locator("xpath=../..").bounding_box()
        assert box is not None, label
        out[label] = box["y"] + box["height"]
    return out


async def _layout(app: DemoApp, shots: Path) -> list[str]:
    failures: list[str] = []
    async with pw.chromium() as browser:
        context = await browser.new_context(viewport=LAPTOP, locale="ru-RU")
        page = await context.new_page()
        await pw.login(page, app.url, "demo_base")  # the longest menu of all roles
        await pw.open_page(page, "territories")
        for label, bottom in (await _sidebar_bottoms(page)).items():
            if bottom > LAPTOP["height"]:
                failures.append(f"«{label}» ends at {bottom:.0f} px, below the fold of {LAPTOP['height']} px")
        await page.screenshot(path=str(shots / "laptop-territories.png"))
        failures += await pw.page_problems(page)
        await context.close()
    return failures


async def _one_click(app: DemoApp, shots: Path) -> list[str]:
    async with pw.chromium() as browser:
        context = await browser.new_context(viewport=LAPTOP, locale="ru-RU")
        page = await context.new_page()
        await pw.login(page, app.url, "demo_ministry")
        await pw.open_page(page, "overview")
        x, y = await pw.map_centre(page)
        # What a person does: the map answers the pointer (its tooltip shows the territory), then one click.
        for _ in range(60):
            await page.mouse.move(x - 3, y - 3)
            await page.mouse.move(x, y)
            if await page.locator(TOOLTIP).filter(has_text="Выпускников").count():
                break
            await page.wait_for_timeout(500)
        else:
            return ["the map never answered the pointer (no tooltip)"]
        await page.mouse.click(x, y)
        try:
            await page.wait_for_url(re.compile(r"/territories.*[?&]tu="), timeout=pw.RUN_TIMEOUT_MS)
        except Exception:
            await page.screenshot(path=str(shots / "map-one-click-failed.png"))
            return [f"one click on the map did not open the territory: {page.url}"]
        await pw.settle(page)
        failures = await pw.page_problems(page)
        await context.close()
        return failures


def test_laptop_sidebar_context_above_the_fold(demo_app: DemoApp, screenshots: Path) -> None:
    failures = asyncio.run(_layout(demo_app, screenshots))
    assert not failures, "\n".join(failures)


def test_map_drills_on_one_click(demo_app: DemoApp, screenshots: Path) -> None:
    failures = asyncio.run(_one_click(demo_app, screenshots))
    assert not failures, "\n".join(failures) + "\n--- server log ---\n" + demo_app.server.log_text(5000)
