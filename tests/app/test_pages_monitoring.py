"""The monitoring pages (home, overview, territories, ranking, college card, specialties) under every
role that may open them, on the small demo region of tests/monitoring_db.py: they render without an
exception or an error box, and the figures they show equal the metrics engine's for the same view.

Region layout (tests/conftest.MONITORING_SIZES): P001, P007, P013 have 3 graduates (small groups),
P002, P008, P014 have 8 (unreliable); TU01 holds P001, P014, P016; TU02 holds P002 and P015; TU13
holds only P013.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from data_layer import db
from data_layer.scope import Role, Scope
from metrics import engine, indicators, risk, settings, verification
from metrics.formatting import fmt_int, fmt_pct, fmt_pp
from tests import helpers
from tests.helpers import APP_FILE, column_config, login_as, use_database

COHORT = 2025
IND = "employment_federal"
TARGET = 0.625  # the seed target of employment_federal (no target stored in the test region)
PAGES = ("home", "overview", "territories", "ranking", "college", "specialties")
AGG_ROLES: tuple[tuple[Role, str | None], ...] = (
    ("ministry", None),
    ("territory", "TU02"),
    ("base_centre", None),
)
ALL_ROLES = (*AGG_ROLES, ("college", "P015"))
ALLOWED: dict[str, tuple[tuple[Role, str | None], ...]] = {
    "home": ALL_ROLES,
    "overview": AGG_ROLES,
    "territories": AGG_ROLES,
    "ranking": AGG_ROLES,
    "college": ALL_ROLES,
    "specialties": ALL_ROLES,
}


@pytest.fixture(autouse=True)
def env(monitoring_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    yield use_database(monitoring_db, tmp_path, monkeypatch)


def open_page(page: str, role: Role, code: str | None = None, **drill: str) -> AppTest:
    """Log in, open `page` with the default context (plus drill codes: tu, poo, spec) and check that
    nothing failed on screen."""
    state = {"_vyp_ctx": {"cohort": str(COHORT), "ind": IND, **drill}} if drill else None
    at = helpers.open_page(f"pages/screens/{page}.py", role, code, state=state)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def scope_of(role: Role, code: str | None) -> Scope:
    return Scope(role, code, "tester")


def as_of(scope: Scope) -> dt.date:
    with db.cursor() as cur:
        return engine.default_as_of(cur, scope, COHORT)


def table(scope: Scope, by: str = "region", filters: dict[str, Any] | None = None) -> pl.DataFrame:
    with db.cursor() as cur:
        ind = indicators.get_indicator(cur, IND)
        return engine.indicator_table(cur, scope, COHORT, as_of(scope), ind, by, filters)


def metrics_of(at: AppTest) -> dict[str, Any]:
    return {m.label: m for m in at.metric}


def shown_rate(rate: float | None, total: int, masked: bool) -> float | None:
    """The number an indicator table shows for a rate: a fraction rounded to 0,1 % (the browser
    formats it as «62,5 %»), nothing for a small group hidden in an aggregate view."""
    return None if (masked and total < 5) or rate is None else round(rate, 3)


def shown_values(frame: Any, column: str) -> list[float | None]:
    """A numeric column of a shown table as Python floats (None for an empty cell)."""
    return [None if v != v else float(v) for v in frame[column].tolist()]  # NaN != NaN


def assert_numeric_table(element: Any) -> None:
    """An indicator table shows numbers, not pre-formatted strings: every value column it shows is
    numeric with a Russian-capable browser format («percent» or «localized», never printf)."""
    config = column_config(element)
    frame = element.value
    shown = list(element.proto.column_order)
    assert "rate_shown" in shown and not any(c in shown for c in ("rate_label", "gap_label", "change_label"))
    for column in shown:
        if column.endswith("_shown") and column != "name_shown":
            assert frame[column].dtype.kind in "fi", (column, frame[column].dtype)
            fmt = config[column]["type_config"]["format"]
            assert fmt in ("percent", "localized"), (column, fmt)


# ---------------------------------------------------------------- every page, every allowed role


@pytest.mark.parametrize(
    ("page", "role", "code"), [(p, r, c) for p in PAGES for r, c in ALLOWED[p]], ids=lambda x: str(x)
)
def test_page_renders_for_every_allowed_role(page: str, role: Role, code: str | None) -> None:
    at = open_page(page, role, code)
    assert at.title, "every page has a title"
    assert_russian_headers(at)


def assert_russian_headers(at: AppTest) -> None:
    """Every column a table shows has a Russian header (no raw column names such as rate_label)."""
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        for column in frame.proto.column_order:
            label = config.get(column, {}).get("label", column)
            assert not re.search(r"[A-Za-z_]", label), f"column {column!r} is shown as {label!r}"


@pytest.mark.parametrize("page", ["overview", "territories", "ranking"])
def test_college_role_cannot_open_aggregate_pages(page: str) -> None:
    at = login_as(AppTest.from_file(APP_FILE, default_timeout=60), "tester", "college", "P015").run()
    with pytest.raises(ValueError):
        at.switch_page(f"pages/screens/{page}.py")


# ---------------------------------------------------------------- headline figures


@pytest.mark.parametrize(("role", "code"), AGG_ROLES)
def test_overview_kpis_equal_the_engine(role: Role, code: str | None) -> None:
    scope = scope_of(role, code)
    at = open_page("overview", role, code)
    region = table(scope).row(0, named=True)
    kpi = metrics_of(at)
    assert kpi["Значение показателя"].value == fmt_pct(region["rate"])
    assert kpi["Значение показателя"].delta == f"{fmt_pp(region['rate'] - TARGET)} к цели"
    assert kpi["Выпускников"].value == fmt_int(region["total"])
    with db.cursor() as cur:
        d = as_of(scope)
        n_risk = risk.risk_counts(cur, scope, COHORT, d, settings.risk_thresholds(cur))["risk_count"].sum()
        ver = verification.verification_summary(verification.verification_frame(cur, scope, COHORT, d), "")
    assert kpi["Группа риска"].value == fmt_int(n_risk)
    assert kpi["Подтверждено УФНС"].value == fmt_pct(ver["confirmed_share"][0])
    # the ten-second verdict names the same figure
    verdict = (at.warning or at.success)[0].value
    assert f"**{fmt_pct(region['rate'])}** при цели {fmt_pct(TARGET)}" in verdict


def test_overview_for_a_territory_counts_only_its_colleges() -> None:
    at = open_page("overview", "territory", "TU02")
    assert at.title[0].value == "Обзор территории"
    expected = table(Scope("ministry"), "college").filter(pl.col("tu_code") == "TU02")["total"].sum()
    assert metrics_of(at)["Выпускников"].value == fmt_int(expected)


def test_overview_worst_colleges_are_reliable_and_below_target() -> None:
    at = open_page("overview", "ministry")
    worst = at.dataframe[0].value
    colleges = table(Scope("ministry"), "college")
    expected = (
        colleges.filter((pl.col("total") >= 10) & (pl.col("rate") < TARGET))
        .sort("rate")
        .head(10)["code"]
        .to_list()
    )
    assert worst["code"].tolist() == expected
    rates = dict(zip(colleges["code"], colleges["rate"], strict=True))
    assert shown_values(worst, "rate_shown") == [round(rates[c], 3) for c in expected]
    gaps = dict(zip(colleges["code"], colleges["rate"] - TARGET, strict=True))
    assert shown_values(worst, "gap_shown") == [round(gaps[c] * 100, 1) + 0.0 for c in expected]
    assert_numeric_table(at.dataframe[0])
    # Colleges are listed by their full name with the abbreviation.
    names = dict(
        zip(colleges["code"], zip(colleges["full_name"], colleges["name"], strict=True), strict=True)
    )
    assert worst["name_shown"].tolist() == [f"{names[c][0]} ({names[c][1]})" for c in expected]


@pytest.mark.parametrize(("role", "masked"), [("ministry", True), ("base_centre", False)])
def test_territory_table_equals_the_engine_and_masks_small_groups(role: Role, masked: bool) -> None:
    at = open_page("territories", role)
    shown = at.dataframe[0].value
    expected = table(scope_of(role, None), "territory")
    want = {r["code"]: shown_rate(r["rate"], r["total"], masked) for r in expected.iter_rows(named=True)}
    assert dict(zip(shown["code"], shown_values(shown, "rate_shown"), strict=True)) == want
    assert (want["TU13"] is None) is masked  # TU13 has one college of 3 graduates
    reliability = dict(zip(shown["code"], shown["reliability"], strict=True))
    assert (reliability["TU13"] == "<5: скрыто") is masked
    assert_numeric_table(at.dataframe[0])


def test_territory_drill_shows_its_colleges() -> None:
    at = open_page("territories", "ministry", tu="TU02")
    tu = table(Scope("ministry"), "territory").filter(pl.col("code") == "TU02").row(0, named=True)
    assert metrics_of(at)["Значение показателя"].value == fmt_pct(tu["rate"])
    colleges = at.dataframe[0].value
    assert sorted(colleges["code"]) == ["P002", "P015"]
    assert dict(zip(colleges["code"], colleges["reliability"], strict=True))["P002"] == "мало данных"


def test_territory_role_lands_on_its_own_territory() -> None:
    at = open_page("territories", "territory", "TU02")
    assert sorted(at.dataframe[0].value["code"]) == ["P002", "P015"]


def test_ranking_equals_the_engine_and_marks_small_and_unreliable_groups() -> None:
    at = open_page("ranking", "ministry")
    shown = at.dataframe[0].value
    colleges = table(Scope("ministry"), "college")
    assert metrics_of(at)["ПОО в рейтинге"].value == fmt_int(colleges.height)
    assert metrics_of(at)["Мало данных"].value == fmt_int(colleges.filter(pl.col("total") < 10).height)
    want = {r["code"]: shown_rate(r["rate"], r["total"], True) for r in colleges.iter_rows(named=True)}
    assert dict(zip(shown["code"], shown_values(shown, "rate_shown"), strict=True)) == want
    assert_numeric_table(at.dataframe[0])
    # «Место за месяц»: the rank change as a signed integer (sorted as a number), no arrow labels
    assert "rank_change_shown" in at.dataframe[0].proto.column_order
    assert "rank_change_label" not in at.dataframe[0].proto.column_order
    assert column_config(at.dataframe[0])["rank_change_shown"]["type_config"]["format"] == "localized"
    # places go to colleges with 10 or more graduates only, best first
    reliable = colleges.filter(pl.col("total") >= 10).sort("rate", descending=True)
    assert shown["code"].tolist()[0] == reliable["code"][0]
    assert shown["rank"].tolist()[0] == 1
    unranked = set(shown[shown["rank"].isna()]["code"])
    assert unranked == set(colleges.filter(pl.col("total") < 10)["code"])
    assert set(shown[shown["reliability"] == "мало данных"]["code"]) == set(
        colleges.filter(pl.col("total").is_between(5, 9))["code"]
    )
    assert set(shown[shown["reliability"] == "<5: скрыто"]["code"]) == set(
        colleges.filter(pl.col("total") < 5)["code"]
    )


def test_ranking_chart_shows_the_first_bars_and_the_table_every_college(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """More colleges than charts.RANKING_MAX_BARS (federal scale): the chart draws the first ones in
    the table's order and says so; the table keeps them all."""
    from ui import charts

    monkeypatch.setattr(charts, "RANKING_MAX_BARS", 3)
    at = open_page("ranking", "ministry")
    shown = at.dataframe[0].value
    bars = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]
    assert [c[0] for c in bars["customdata"]] == shown["code"].tolist()[:3]
    assert len(shown) == table(Scope("ministry"), "college").height > 3
    assert any(f"первые 3 ПОО из {len(shown)}" in c.value for c in at.caption)


def test_ranking_territory_filter_keeps_regional_places() -> None:
    at = open_page("ranking", "ministry")
    everyone = at.dataframe[0].value
    at.selectbox(key="ranking_territory").set_value("TU02").run()
    only = at.dataframe[0].value
    assert sorted(only["code"]) == ["P002", "P015"]
    place = dict(zip(everyone["code"], everyone["rank"], strict=True))["P015"]
    assert only[only["code"] == "P015"]["rank"].tolist() == [place]


@pytest.mark.parametrize(("role", "code"), [("ministry", None), ("territory", "TU02"), ("base_centre", None)])
def test_college_card_compares_with_territory_and_region(role: Role, code: str | None) -> None:
    at = open_page("college", role, code, poo="P015")
    kpi = metrics_of(at)
    ministry = Scope("ministry")
    own = table(ministry, "college").filter(pl.col("code") == "P015").row(0, named=True)
    tu = table(ministry, "territory").filter(pl.col("code") == "TU02").row(0, named=True)
    region = table(ministry).row(0, named=True)
    assert at.title[0].value == own["name"]
    assert kpi["Показатель ПОО"].value == fmt_pct(own["rate"])
    assert kpi["Территория"].value == fmt_pct(tu["rate"])
    assert kpi["Регион"].value == fmt_pct(region["rate"])
    assert kpi["Территория"].delta == f"ПОО {fmt_pp(own['rate'] - tu['rate'])}"
    assert kpi["Выпускников"].value == fmt_int(own["total"])
    programs = at.dataframe[0].value
    expected = table(ministry, "program", {"college": "P015"})
    assert dict(zip(programs["code"], shown_values(programs, "rate_shown"), strict=True)) == {
        r["code"]: shown_rate(r["rate"], r["total"], role != "base_centre")
        for r in expected.iter_rows(named=True)
    }
    assert_numeric_table(at.dataframe[0])


def test_college_sees_only_its_own_card() -> None:
    # a link to another college's card falls back to the user's own college
    at = open_page("college", "college", "P015", poo="P016")
    assert (
        at.title[0].value == table(Scope("ministry"), "college").filter(pl.col("code") == "P015")["name"][0]
    )
    assert all(sb.label != "ПОО" for sb in at.selectbox)  # no college selector


def test_small_college_is_hidden_from_aggregate_roles() -> None:
    at = open_page("college", "ministry", poo="P001")
    kpi = metrics_of(at)
    assert kpi["Показатель ПОО"].value == "<5"
    assert kpi["Группа риска"].value == "<5"
    assert any("меньше 5 выпускников" in i.value for i in at.info)
    assert not at.dataframe


def _first_program(college: str) -> str:
    return str(
        table(Scope("ministry"), "program", {"college": college}).sort("total", descending=True)["code"][0]
    )


@pytest.mark.parametrize(("role", "code"), [("base_centre", None), ("college", "P015")])
def test_specialty_detail_lists_graduates_with_masked_snils(role: Role, code: str | None) -> None:
    program = _first_program("P015")
    at = open_page("college", role, code, tu="TU02", poo="P015", spec=program)
    people = at.dataframe[0].value
    expected = table(Scope("ministry"), "region", {"college": "P015", "program": program})
    assert len(people) == expected["total"][0]
    assert list(people.columns) == ["ФИО", "СНИЛС", "Статус", "С даты"]
    assert people["СНИЛС"].str.fullmatch(r"\*\*\*-\*\*\*-\d{3} \d{2}").all()
    assert metrics_of(at)["Значение показателя"].value == fmt_pct(expected["rate"][0])


def test_specialty_detail_has_no_graduates_for_aggregate_roles() -> None:
    program = _first_program("P015")
    at = open_page("college", "ministry", tu="TU02", poo="P015", spec=program)
    assert "Выпускники" not in [h.value for h in at.subheader]
    assert not at.dataframe


def test_specialties_table_equals_the_engine() -> None:
    at = open_page("specialties", "ministry")
    programs = at.dataframe[0].value
    expected = table(Scope("ministry"), "program")
    assert dict(zip(programs["code"], shown_values(programs, "rate_shown"), strict=True)) == {
        r["code"]: shown_rate(r["rate"], r["total"], True) for r in expected.iter_rows(named=True)
    }
    assert_numeric_table(at.dataframe[0])


def test_home_lists_cohorts_with_graduate_counts() -> None:
    at = open_page("home", "ministry")
    cohorts = at.dataframe[0].value
    with db.cursor() as cur:
        counts = {f"{c} г.": _total(cur, c) for c in engine.cohorts(cur, Scope("ministry"))}
    assert dict(zip(cohorts["Выпуск"], cohorts["Выпускников"].tolist(), strict=True)) == counts
    assert column_config(at.dataframe[0])["Выпускников"]["type_config"]["format"] == "localized"
    links = [p.label for p in at.get("page_link")]
    assert "Обзор региона" in links and "Рейтинг ПОО" in links


def _total(cur: Any, cohort: int) -> int:
    return int(cur.sql("SELECT count(*) FROM graduates WHERE cohort = ?", params=[cohort]).fetchall()[0][0])


# ---------------------------------------------------------------- no data


def test_pages_render_without_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty.duckdb"
    db.open_database(empty).close()
    monkeypatch.setenv("VYPUSK_DB", str(empty))
    for page in ("home", "overview", "college"):
        at = open_page(page, "base_centre")
        assert any("Данных о выпускниках пока нет" in i.value for i in at.info), page
    at = open_page("home", "ministry")
    assert any("Данных о выпускниках пока нет" in i.value for i in at.info)


@pytest.mark.parametrize(
    ("role", "code", "by"), [("ministry", None, "territory"), ("territory", "TU01", "college")]
)
def test_verdict_names_who_is_furthest_from_the_target(role: Role, code: str | None, by: str) -> None:
    at = open_page("overview", role, code)
    parts = table(scope_of(role, code), by).filter((pl.col("total") >= 5) & (pl.col("rate") < TARGET))
    needed = {
        r["name"]: indicators.places_needed(r["numerator"], r["denominator"], TARGET)
        for r in parts.iter_rows(named=True)
    }
    verdict = (at.warning or at.success)[0].value
    if not needed:
        assert "не хватает" not in verdict
        return
    first = verdict.split("не хватает: ", 1)[1].split(",")[0]
    name, count = first.rstrip(".").rsplit(" — ", 1)
    assert count == fmt_int(needed[name]) == fmt_int(max(needed.values()))  # ties may come in any order


def test_every_page_of_a_demo_database_says_so(
    monitoring_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sidebar of every page carries DEMO_NOTICE on a demo database, and nothing of it on a
    working one."""
    import shutil

    at = open_page("home", "ministry")
    assert not any(db.DEMO_NOTICE in i.value for i in at.sidebar.info)
    demo = tmp_path / "demo.duckdb"
    shutil.copyfile(monitoring_db, demo)
    con = db.open_database(demo)
    try:
        with con.cursor() as cur:
            db.set_meta(cur, "is_demo", "1")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    monkeypatch.setenv("VYPUSK_DB", str(demo))
    for page in ("home", "overview", "ranking"):
        at = open_page(page, "ministry")
        assert any(i.value == db.DEMO_NOTICE for i in at.sidebar.info), page


@pytest.mark.parametrize(("role", "code"), AGG_ROLES)
def test_overview_shows_the_learned_forecast_with_its_range(role: Role, code: str | None) -> None:
    from metrics import forecast
    from ui import charts

    scope = scope_of(role, code)
    at = open_page("overview", role, code)
    with db.cursor() as cur:
        ind = indicators.get_indicator(cur, IND)
        series = engine.weekly_series(cur, scope, COHORT, as_of(scope), ind)
        p = forecast.project_series(cur, series, COHORT, ind, TARGET)
    # cohort 2024 closed on 31.12.2025: the forecast for 31.12.2026 is learned from it
    assert p.projected_rate is not None and p.cohorts == (2024,) and p.low is not None and p.high is not None
    text = charts.forecast_text(p)
    assert "диапазон" in text
    verdict = (at.warning or at.success)[0].value
    assert f"Прогноз на 31.12.2026: **{text}**" in verdict
    assert any(text in c.value and "2024" in c.value for c in at.caption)


def test_sidebar_data_dates_follow_the_chosen_date() -> None:
    at = open_page("overview", "ministry")
    scope = scope_of("ministry", None)
    d = as_of(scope)
    labels = [e.label for e in at.sidebar.expander]
    assert f"Данные на {d.strftime('%d.%m.%Y')} · выпуск {COHORT} г." in labels
    earlier = d - dt.timedelta(days=28)
    at.date_input(key=f"ctx_asof_{COHORT}").set_value(earlier).run()
    labels = [e.label for e in at.sidebar.expander]
    assert f"Данные на {earlier.strftime('%d.%m.%Y')} · выпуск {COHORT} г." in labels
    with db.cursor() as cur:
        want = engine.data_dates(cur, scope, COHORT, earlier)["Статусы выпускников (мониторинг ПОО)"]
    shown = [c.value for c in at.sidebar.caption if c.value.startswith("Статусы выпускников")]
    assert shown == [f"Статусы выпускников (мониторинг ПОО): **{want.strftime('%d.%m.%Y')}**"]


def test_two_risk_figures_are_each_named_for_what_they_count() -> None:
    """With the indicator «Доля выпускников под риском нетрудоустройства» (statuses гр.13–16) the
    overview also shows «Группа риска» (all five reasons of §6): a note says which counts what, and
    each figure equals its own definition."""
    scope = scope_of("ministry", None)
    at = open_page("overview", "ministry", ind="risk_share")
    kpi = metrics_of(at)
    with db.cursor() as cur:
        share = engine.indicator_table(
            cur, scope, COHORT, as_of(scope), indicators.get_indicator(cur, "risk_share"), "region"
        )["rate"][0]
        group = risk.risk_counts(cur, scope, COHORT, as_of(scope), settings.risk_thresholds(cur))[
            "risk_count"
        ].sum()
    assert kpi["Значение показателя"].value == fmt_pct(share)
    assert kpi["Группа риска"].value == fmt_int(group)
    assert any(c.value == risk.RISK_SHARE_NOTE for c in at.caption)
    assert "учёт в ЦЗН" in kpi["Группа риска"].help
    # with another indicator there is one risk figure and no note
    assert not any(c.value == risk.RISK_SHARE_NOTE for c in open_page("overview", "ministry").caption)


def test_breadcrumb_names_the_college_territory_when_reached_without_it() -> None:
    """From the ranking or the overview a college is opened with no territory in the drill path: the
    breadcrumb still reads region › its territory › college (never a stale or missing territory)."""
    tu_name = table(Scope("ministry"), "territory").filter(pl.col("code") == "TU02")["name"][0]
    for start in ({"poo": "P015"}, {"tu": "TU01", "poo": "P015"}):
        at = open_page("college", "ministry", **start)
        crumbs = [
            b.label for b in at.button if b.key and b.key.startswith("crumb_") and b.key != "crumb_back"
        ]
        assert crumbs == ["Самарская область", tu_name], (start, crumbs)
        assert at.query_params["tu"] in ("TU02", ["TU02"])
