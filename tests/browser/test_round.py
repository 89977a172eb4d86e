"""The weekly round in headless Chromium (issue 13), on the demo region:

- a college downloads «шаблон на неделю», changes a status in it (openpyxl), uploads it, sees the
  preview, confirms, and the week is counted on «Сдача данных»;
- the base centre uploads a shortened graduation list (the removal in red needs a tick), then undoes
  that load from the load register;
- the ministry's discipline page: «N из 55», the late colleges with contacts, the heat map.

With VYPUSK_SCREENSHOTS=docs/screenshots the screenshots are also written there (README links them).
"""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest

from tests.browser import pw
from tests.browser.conftest import DemoApp

if TYPE_CHECKING:
    from playwright.async_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

MAIN = "[data-testid='stMain']"
VIEWPORT = {"width": 1366, "height": 768}


async def download(page: Page, label: str) -> bytes:
    async with page.expect_download(timeout=pw.RUN_TIMEOUT_MS) as info:
        await page.get_by_role("button", name=label).first.click()
    path = await (await info.value).path()
    return Path(path).read_bytes()


async def upload_and_preview(page: Page, file: Path) -> str:
    await page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(file))
    await pw.wait_enabled(page, "Проверить файлы", pw.RUN_TIMEOUT_MS)
    await pw.settle(page)
    await page.get_by_role("button", name="Проверить файлы").click()
    await page.locator(f"{pw.keyed('upload_confirm')} button").wait_for(timeout=pw.RUN_TIMEOUT_MS)
    await pw.settle(page)
    return await page.locator(MAIN).inner_text()


async def confirm(page: Page, file_name: str) -> str:
    await page.locator(f"{pw.keyed('upload_confirm')} button").click()
    result = page.locator(pw.RESULT_ALERTS).filter(has_text=f"«{file_name}»").first
    await result.wait_for(timeout=pw.RUN_TIMEOUT_MS)
    await pw.settle(page)
    return await result.inner_text()


def _edit_template(data: bytes, out: Path) -> str:
    """Change the first graduate's status and fill every empty one; returns the new status."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Статусы"]
    head = [c.value for c in ws[1]]
    col = head.index("Статус") + 1
    first = ws.cell(2, col).value
    new = (
        "Продолжает обучение"
        if first != "Продолжает обучение"
        else "Самозанятый (налог на профессиональный доход)"
    )
    ws.cell(2, col).value = new
    for r in range(3, ws.max_row + 1):
        if ws.cell(r, 1).value and not ws.cell(r, col).value:
            ws.cell(r, col).value = "Не определился (временно не занят)"
    wb.save(out)
    return new


async def _college_round(app: DemoApp, shots: Path, tmp: Path) -> list[str]:
    async with pw.chromium() as browser:
        context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU", accept_downloads=True)
        page = await context.new_page()
        watch = pw.Watch(page)
        await pw.login(page, app.url, "demo_college")
        await pw.open_page(page, "upload")
        await pw.shot(page, shots, "round_upload_college")
        data = await download(page, "Скачать шаблон на неделю")
        file = tmp / "неделя.xlsx"
        _edit_template(data, file)
        text = await upload_and_preview(page, file)
        assert "Что изменится" in text and "Изменится" in text, text[:2000]
        changed = page.locator("[data-testid='stMetric']").filter(has_text="Изменится")
        assert int(re.sub(r"\D", "", (await changed.first.inner_text()).split("\n")[-1]) or 0) >= 1
        await pw.shot(page, shots, "round_preview_college", focus="Что изменится")
        message = await confirm(page, file.name)
        assert "загружен" in message, message
        await pw.open_page(page, "discipline")
        week = page.locator("[data-testid='stMetric']").filter(has_text="Неделя до")
        await week.first.wait_for(timeout=pw.RUN_TIMEOUT_MS)
        sent = await week.first.inner_text()
        assert re.search(r"(^|\n)прислано \d\d\.\d\d \d\d:\d\d", sent), sent  # not «ещё не прислано»
        await pw.shot(page, shots, "round_discipline_college")
        problems = await pw.page_problems(page) + watch.problems
        await context.close()
    return problems


def test_college_round_trip(demo_app: DemoApp, screenshots: Path, tmp_path: Path) -> None:
    failures = asyncio.run(_college_round(demo_app, screenshots, tmp_path))
    assert not failures, "\n".join(failures) + "\n--- server log ---\n" + demo_app.server.log_text(5000)


async def _undo(app: DemoApp, shots: Path, tmp: Path) -> list[str]:
    from playwright.async_api import expect

    async with pw.chromium() as browser:
        context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU", accept_downloads=True)
        page = await context.new_page()
        watch = pw.Watch(page)
        await pw.login(page, app.url, "demo_base")
        await pw.open_page(page, "templates")
        await pw.shot(page, shots, "round_templates_base")
        data = await download(page, "Скачать список выпуска")
        wb = openpyxl.load_workbook(io.BytesIO(data))
        ws = wb["Выпуск"]
        before = sum(1 for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value)
        ws.delete_rows(2, 2)  # two graduates leave the list
        file = tmp / "выпуск.xlsx"
        wb.save(file)
        await pw.open_page(page, "upload")
        text = await upload_and_preview(page, file)
        assert "2 выпускников выбудут из списка выпуска" in text, text[:2000]
        assert await page.locator(f"{pw.keyed('upload_confirm')} button").is_disabled()
        await pw.act(page, page.locator(f"{pw.keyed('upload_ack_0')} label").click)
        await pw.shot(page, shots, "round_preview_removal_base", focus="Что изменится")
        message = await confirm(page, file.name)
        assert "загружен" in message and "заменено прежних записей" in message, message
        # Undo from the register: the newest load is offered first.
        await pw.settle(page)  # the confirmation's rerun must end before the register is clicked
        await page.get_by_text("Отменить загрузку").first.click()  # an expander: no script run
        sure = page.locator(f"{pw.keyed('undo_sure_')} label").first
        await sure.wait_for(state="visible", timeout=pw.RUN_TIMEOUT_MS)
        await pw.act(page, sure.click)
        go = page.locator(f"{pw.keyed('undo_go')} button").first
        await expect(go).to_be_enabled(timeout=pw.RUN_TIMEOUT_MS)
        await pw.shot(page, shots, "round_undo_base", focus="Да, отменить эту загрузку")
        await go.click()
        done = page.locator(pw.RESULT_ALERTS).filter(has_text="отменена").first
        await done.wait_for(timeout=pw.RUN_TIMEOUT_MS)
        undone = await done.inner_text()
        assert "выпуск.xlsx" in undone and f"восстановлено прежних — {before}" in undone, undone
        problems = await pw.page_problems(page) + watch.problems
        await context.close()
    return problems


def test_base_centre_undoes_a_removing_load(demo_app: DemoApp, screenshots: Path, tmp_path: Path) -> None:
    failures = asyncio.run(_undo(demo_app, screenshots, tmp_path))
    assert not failures, "\n".join(failures) + "\n--- server log ---\n" + demo_app.server.log_text(5000)


async def _ministry(app: DemoApp, shots: Path) -> list[str]:
    async with pw.chromium() as browser:
        context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU")
        page = await context.new_page()
        watch = pw.Watch(page)
        await pw.login(page, app.url, "demo_ministry")
        await pw.open_page(page, "discipline")
        counted = page.locator("[data-testid='stMetric']").filter(has_text="Прислали к сроку")
        await counted.first.wait_for(timeout=pw.RUN_TIMEOUT_MS)
        value = await counted.first.inner_text()
        assert re.search(r"\d+ из \d+", value), value
        # The week before the last passed deadline: its date depends on today (the newest passed
        # deadline comes first), so it is read from the option's label, not assumed.
        await page.locator(pw.keyed("discipline_week")).first.click()
        option = page.get_by_role("option").nth(1)
        found = re.search(r"\d\d\.\d\d\.\d{4}", await option.inner_text())
        assert found, await option.inner_text()
        await pw.act(page, option.click)
        await page.get_by_text(f"Прислали к сроку {found.group(0)}").first.wait_for(timeout=pw.RUN_TIMEOUT_MS)
        await pw.shot(page, shots, "round_discipline_ministry")
        await page.locator(pw.keyed("discipline_late")).first.scroll_into_view_if_needed()
        headers, _ = await pw.table_data(page, "discipline_late")
        assert {"ПОО", "Ответственный ЦСТВ", "Телефон", "E-mail", "Дней опоздания"} <= set(headers), headers
        assert await page.locator(f"{pw.keyed('discipline_heatmap')} .js-plotly-plot").count() == 1
        await pw.shot(page, shots, "round_discipline_heatmap", focus="История по неделям")
        problems = await pw.page_problems(page) + watch.problems
        await context.close()
    return problems


def test_ministry_discipline_page(demo_app: DemoApp, screenshots: Path) -> None:
    failures = asyncio.run(_ministry(demo_app, screenshots))
    assert not failures, "\n".join(failures) + "\n--- server log ---\n" + demo_app.server.log_text(5000)
