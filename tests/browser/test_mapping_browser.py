"""A foreign file in headless Chromium (issue 13, item 1), on the demo region: the college's weekly
template re-shaped as an export of АИС «Трудовые ресурсы» (other headers, other labels) is refused
as it is, mapped in the editor (every column and label guessed), saved by name, previewed and
loaded; the next such file is checked with the saved mapping pre-selected.

With VYPUSK_SCREENSHOTS=docs/screenshots the editor's screenshots are also written there (README).
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import TYPE_CHECKING

import openpyxl
import pytest

from tests.browser import pw
from tests.browser.conftest import DemoApp

if TYPE_CHECKING:
    from playwright.async_api import Page

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

VIEWPORT = {"width": 1366, "height": 768}
AIS_COLUMNS = {  # template header -> АИС header
    "ФИО": "ФИО выпускника",
    "СНИЛС": "СНИЛС выпускника",
    "Код ПОО": "Код ОО",
    "Дата актуализации": "Дата сведений",
    "Статус": "Состояние занятости",
    "Дата начала статуса": "Дата изменения состояния",
    "По специальности": "Работа по профилю",
}
AIS_LABELS = {  # contract label -> АИС label
    "Служба в армии по призыву": "Призван в ВС РФ",
    "Отпуск по уходу за ребёнком": "Декрет",
    "Самозанятый (налог на профессиональный доход)": "Самозанятость",
    "Зарегистрирован в ЦЗН как безработный": "Состоит на учёте в ЦЗН",
    "Служба по контракту (ВС РФ, МВД, МЧС и др.)": "Служба по контракту",
}
EMPLOYED = "Трудоустроен (трудовой договор, договор ГПХ)"


def as_ais_export(template: bytes, out: Path) -> int:
    """The weekly template's rows as an АИС «Трудовые ресурсы» export; returns the row count."""
    ws = openpyxl.load_workbook(io.BytesIO(template))["Статусы"]
    head = [c.value for c in ws[1]]
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["АИС «Трудовые ресурсы». Сведения о занятости выпускников"])
    sheet.append([])
    sheet.append(["№ п/п", *AIS_COLUMNS.values()])
    n = 0
    for row in ws.iter_rows(min_row=2, values_only=True):
        cell = dict(zip(head, row, strict=False))
        if not cell.get("СНИЛС"):
            continue
        n += 1
        label = cell["Статус"] or "Не определился (временно не занят)"
        by_profile = cell["По специальности"]
        if label == EMPLOYED:
            label = "Трудоустроен по специальности" if by_profile else "Трудоустроен не по специальности"
        profile = "" if by_profile is None else ("по профилю" if by_profile else "не по профилю")
        values = {**cell, "Статус": AIS_LABELS.get(label, label), "По специальности": profile}
        sheet.append([n, *(values[h] for h in AIS_COLUMNS)])
    book.save(out)
    return n


async def check(page: Page, file: Path, wait_for: str) -> None:
    await page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(file))
    await pw.wait_enabled(page, "Проверить файлы", pw.RUN_TIMEOUT_MS)
    await pw.settle(page)
    await page.get_by_role("button", name="Проверить файлы").click()
    await page.locator(pw.keyed(wait_for)).first.wait_for(timeout=pw.RUN_TIMEOUT_MS)
    await pw.settle(page)


async def _mapping_round(app: DemoApp, shots: Path, tmp: Path) -> list[str]:
    async with pw.chromium() as browser:
        context = await browser.new_context(viewport=VIEWPORT, locale="ru-RU", accept_downloads=True)
        page = await context.new_page()
        watch = pw.Watch(page)
        await pw.login(page, app.url, "demo_college")
        await pw.open_page(page, "upload")
        async with page.expect_download(timeout=pw.RUN_TIMEOUT_MS) as info:
            await page.get_by_role("button", name="Скачать шаблон на неделю").first.click()
        template = Path(await (await info.value).path()).read_bytes()
        file = tmp / "выгрузка_АИС.xlsx"
        assert as_ais_export(template, file) > 0
        await check(page, file, "map_save_0")
        main = await page.locator("[data-testid='stMain']").inner_text()
        assert "Заголовки или значения файла отличаются" in main, main[:2000]
        assert "Значения столбца «Состояние занятости»" in main
        await pw.shot(page, shots, "mapping_editor_college", "Заголовки или значения файла")
        await pw.shot(page, shots, "mapping_labels_college", "Значения столбца «Состояние занятости»")
        name = page.locator(f"{pw.keyed('map_name_0')} input")
        await name.fill("АИС «Трудовые ресурсы»")
        await pw.act(page, lambda: name.press("Enter"))
        await page.get_by_role("button", name="Сохранить и проверить файл").click()
        await page.get_by_text("Файл прочитан с сопоставлением").first.wait_for(timeout=pw.RUN_TIMEOUT_MS)
        await page.locator(f"{pw.keyed('upload_confirm')} button").wait_for(timeout=pw.RUN_TIMEOUT_MS)
        await pw.settle(page)
        message = await pw.confirm_upload(page, file.name)
        assert "загружен" in message or "совпадают" in message, message
        # the next such file: the saved mapping is offered, pre-selected
        await check(page, file, "map_apply_0")
        box = page.locator(pw.keyed("map_pick_0"))
        picked = await box.evaluate(
            "e => e.innerText + ' ' + Array.from(e.querySelectorAll('input')).map(i => i.value).join(' ')"
        )
        assert "АИС «Трудовые ресурсы»" in picked, picked
        await page.get_by_role("button", name="Проверить с сопоставлением").click()
        await page.get_by_text("Файл прочитан с сопоставлением").first.wait_for(timeout=pw.RUN_TIMEOUT_MS)
        await pw.settle(page)
        problems = await pw.page_problems(page) + watch.problems
        await context.close()
    return problems


def test_foreign_file_is_mapped_saved_and_reused(
    demo_app: DemoApp, screenshots: Path, tmp_path: Path
) -> None:
    failures = asyncio.run(_mapping_round(demo_app, screenshots, tmp_path))
    assert not failures, failures
