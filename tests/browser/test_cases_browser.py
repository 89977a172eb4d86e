"""The work with one risk case in headless Chromium (issue 14): the demo college opens a case on the
page «Работа с группой риска», offers the best matched vacancy in one click, records the measure's
outcome, then uploads its next status snapshot (dated today) with the graduate employed; on that snapshot the
graduate has left the risk group and his case is closed into work."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

from data_layer import db
from data_layer.graduates import graduate_list
from data_layer.scope import Scope
from metrics import cases, engine, risk, settings
from metrics import vacancies as vm
from tests.browser import pw
from tests.server import AppServer, demo_db_copy, demo_scopes
from ui import case_view

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

COLLEGE_USER = "demo_college"


@dataclass(frozen=True)
class Target:
    college: str
    cohort: int
    as_of: dt.date
    person_key: str
    row: int  # the case's row in the page's table of open cases
    vacancy: str  # the best matched vacancy's title


def _pick(db_file: Path) -> Target:
    """An open case of the demo college whose only reasons a work status ends (a risk status or no
    status) and which has a matched vacancy; its row as the page orders the table."""
    scope = demo_scopes(db_file)[COLLEGE_USER]
    assert scope.role == "college" and scope.code
    con = db.open_database(db_file)
    try:
        with con.cursor() as cur:
            cohort = max(engine.cohorts(cur, scope))
            as_of = engine.default_as_of(cur, scope, cohort)
            frame = cases.case_list(cur, scope, cohort, as_of, settings.risk_thresholds(cur))
            people = graduate_list(cur, scope, cohort).select(
                "college_code", "person_key", "fio", "snils_masked", "program_code", "program_name"
            )
            view = case_view.case_view(frame, people, {}).filter(pl.col("state") == "open")
            simple = view.filter(
                pl.col("last_reasons").list.eval(pl.element().is_in(["risk_status", "no_status"])).list.all()
            )
            ranked = vm.matches(cur, scope, cohort, simple.select("college_code", "person_key"))
    finally:
        con.close()
    assert ranked.height, "the demo has no open case with a matched vacancy"
    key = ranked.sort("person_key")["person_key"][0]
    best = ranked.filter((pl.col("person_key") == key) & (pl.col("rank") == 1))
    row = view["person_key"].to_list().index(key)
    return Target(scope.code, cohort, as_of, key, row, str(best["title"][0]))


async def _work_the_case(url: str, t: Target, snapshot: Path, shots: Path) -> list[str]:
    async with pw.chromium() as browser:
        context = await browser.new_context(viewport={"width": 1400, "height": 1000}, locale="ru-RU")
        page = await context.new_page()
        watch = pw.Watch(page)
        await pw.login(page, url, COLLEGE_USER)
        await pw.open_page(page, "cases")
        await pw.settle(page)
        await pw.select_table_row(page, "cases_table", t.row)
        offer = page.locator(pw.keyed("cases_panel_offer_1")).get_by_role("button")
        await offer.wait_for(timeout=pw.RUN_TIMEOUT_MS)
        main = page.locator("[data-testid='stMain']")
        assert t.vacancy.split(" ")[0] in await main.inner_text()
        await pw.act(page, offer.click)
        await page.get_by_text("Вакансия предложена: мера записана.").wait_for(timeout=pw.RUN_TIMEOUT_MS)
        # the outcome of the measure just recorded (the newest open one comes first)
        await pw.settle(page)
        await page.screenshot(path=str(shots / "case-offered.png"), full_page=True)
        select = page.locator(pw.keyed("cases_panel_outcome_value")).get_by_role("combobox").first
        await select.scroll_into_view_if_needed()
        await select.click()
        await page.get_by_role("option", name="Трудоустроен").click()
        await pw.act(page, page.get_by_role("button", name="Записать результат").click)
        await page.get_by_text("Результат записан.").wait_for(timeout=pw.RUN_TIMEOUT_MS)
        await page.screenshot(path=str(shots / "case-outcome.png"))
        # the next weekly snapshot: the graduate is employed
        await pw.open_page(page, "upload")
        await pw.settle(page)
        message = await pw.upload_file(page, snapshot)
        assert "загружен" in message, message
        await page.screenshot(path=str(shots / "case-snapshot.png"))
        problems = [*watch.problems, *await pw.page_problems(page)]
        await context.close()
    return problems


def test_college_works_a_case_until_the_graduate_leaves_the_group(tmp_path: Path, screenshots: Path) -> None:
    pw.require_browser()
    db_file = demo_db_copy(tmp_path / "demo.duckdb")
    t = _pick(db_file)
    # the college's next update, dated today: the measure recorded today belongs to the case then
    next_snapshot = max(dt.date.today(), t.as_of + dt.timedelta(days=1))
    snapshot = tmp_path / "statuses_next.csv"
    snapshot.write_text(
        "СНИЛС;Код ПОО;Дата актуализации;Статус;Дата начала статуса\n"
        f"{t.person_key};{t.college};{next_snapshot:%d.%m.%Y};Трудоустроен (трудовой договор, договор ГПХ);"
        f"{next_snapshot - dt.timedelta(days=2):%d.%m.%Y}\n",
        encoding="utf-8",
    )
    with AppServer(db_file, tmp_path) as server:
        problems = asyncio.run(_work_the_case(server.url, t, snapshot, screenshots))
    assert not problems, problems
    scope = Scope("college", t.college, COLLEGE_USER)
    con = db.open_database(db_file)
    try:
        with con.cursor() as cur:
            measures = cases.measure_list(cur, scope, t.cohort, person_key=t.person_key)
            offered = measures.filter(pl.col("measure_type") == "vacancy_offered").sort("measure_id").tail(1)
            assert offered.select("outcome", "created_by").rows() == [("employed", COLLEGE_USER)]
            assert offered["vacancy_id"][0] is not None
            thr = settings.risk_thresholds(cur)
            before = risk.membership(cur, scope, t.cohort, [t.as_of], thr)
            after = risk.membership(cur, scope, t.cohort, [next_snapshot], thr)
            assert t.person_key in before["person_key"].to_list()
            assert t.person_key not in after["person_key"].to_list()
            mine = cases.case_list(cur, scope, t.cohort, next_snapshot, thr).filter(
                pl.col("person_key") == t.person_key
            )
            last = mine.sort("stay_no").tail(1)
            assert last.select("state", "exit_date").rows() == [("closed_work", next_snapshot)]
            assert "vacancy_offered" in last["measure_types"][0]
    finally:
        con.close()
