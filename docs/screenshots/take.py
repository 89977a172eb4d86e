"""Retake the README screenshots on a demo database (Debian Chromium, as the browser tests).

    .venv/bin/vypusk init --sample --db /tmp/demo.duckdb
    .venv/bin/python -m docs.screenshots.take --db /tmp/demo.duckdb

Writes <page>_<account>.png next to this file for every screen of SHOTS: 1366×768 (the smallest
laptop screen the ministry uses), a Russian browser (numbers in tables are formatted by the browser's
locale: «62,5 %», «1 234»), the default context of each account.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from tests.browser import pw
from tests.server import AppServer

if TYPE_CHECKING:
    from playwright.async_api import ViewportSize

HERE = Path(__file__).resolve().parent
# (account, page, file name, text to scroll to first: None keeps the top of the page)
SHOTS: tuple[tuple[str, str, str, str | None], ...] = (
    ("demo_ministry", "overview", "overview_demo_ministry", None),
    ("demo_ministry", "overview", "overview_table_demo_ministry", "ПОО дальше всего от цели"),
    ("demo_ministry", "territories", "territories_demo_ministry", None),
    ("demo_ministry", "ranking", "ranking_demo_ministry", None),
    ("demo_ministry", "ranking", "ranking_table_demo_ministry", "Таблица рейтинга"),
    ("demo_ministry", "specialties", "specialties_demo_ministry", None),
    ("demo_college", "college", "college_demo_college", None),
    ("demo_college", "risk", "risk_demo_college", None),
    ("demo_base", "criteria", "criteria_demo_base", None),
)
VIEWPORT: ViewportSize = {"width": 1366, "height": 768}


async def _take(url: str) -> list[Path]:
    out = []
    async with pw.chromium() as browser:
        for user in dict.fromkeys(shot[0] for shot in SHOTS):
            context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU")
            page = await context.new_page()
            await pw.login(page, url, user)
            for who, url_path, name, focus in SHOTS:
                if who != user:
                    continue
                await pw.open_page(page, url_path)
                await pw.settle(page)
                await page.wait_for_timeout(3_000)  # charts and the map finish drawing
                if focus:
                    await page.get_by_text(focus).first.evaluate("e => e.scrollIntoView({block: 'start'})")
                    await page.wait_for_timeout(500)
                target = HERE / f"{name}.png"
                await page.screenshot(path=str(target))
                out.append(target)
            await context.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, type=Path, help="a demo database (vypusk init --sample)")
    args = parser.parse_args()
    pw.require_browser()
    with tempfile.TemporaryDirectory(prefix="vypusk_shots_") as tmp:
        db_copy = Path(tmp) / "demo.duckdb"
        shutil.copyfile(args.db, db_copy)  # the server locks its file; the original stays free
        with AppServer(db_copy, Path(tmp)) as server:
            for path in asyncio.run(_take(server.url)):
                print(path)


if __name__ == "__main__":
    main()
