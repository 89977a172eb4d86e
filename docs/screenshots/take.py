"""Retake the README screenshots on a demo database (Debian Chromium, as the browser tests).

    .venv/bin/vypusk init --sample --db /tmp/demo.duckdb
    .venv/bin/python -m docs.screenshots.take --db /tmp/demo.duckdb

Writes overview_demo_ministry.png, ranking_demo_ministry.png, college_demo_college.png and
risk_demo_college.png next to this file (1440×1000, the default context of each account).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from pathlib import Path

from tests.browser import pw
from tests.server import AppServer

HERE = Path(__file__).resolve().parent
SHOTS: tuple[tuple[str, str], ...] = (
    ("demo_ministry", "overview"),
    ("demo_ministry", "ranking"),
    ("demo_college", "college"),
    ("demo_college", "risk"),
)


async def _take(url: str) -> list[Path]:
    out = []
    async with pw.chromium() as browser:
        for user in dict.fromkeys(u for u, _ in SHOTS):
            context = await browser.new_context(viewport={"width": 1440, "height": 1000})
            page = await context.new_page()
            await pw.login(page, url, user)
            for who, url_path in SHOTS:
                if who != user:
                    continue
                await pw.open_page(page, url_path)
                await pw.settle(page)
                await page.wait_for_timeout(3_000)  # charts and the map finish drawing
                target = HERE / f"{url_path}_{user}.png"
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
