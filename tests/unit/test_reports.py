"""Official Excel reports (reports): figures read back with openpyxl against the metrics
registry and hand-computed values, the control rule, scope refusals, formula injection, workbook
design, the CLI, the zip and LibreOffice opening every report.

The region (tests/factories.Region): TU01 = P001 «СПК» + P002 «СМК», TU02 = P003 «ТТК»; cohort
2024, graduation 28.06.2024, snapshots 02.08 and 01.11.2024. At AS_OF (29.11.2024) every graduate
has a federal status; at EARLY (01.10.2024) two P001 graduates have none (undetermined, unknown).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import shutil
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import polars as pl
import pytest

from cli import main as cli
from data_layer import audit
from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import OPERATOR, Scope
from metrics import criteria, engine, indicators, risk, settings
from metrics.statuses import FEDERAL_COLUMNS
from metrics.views import month_before
from reports import (
    REPORT_KINDS,
    allowed_kinds,
    build_report,
    build_scorecards_zip,
    control_problem,
    default_code,
    report_file_name,
)
from reports.csv import to_csv_bytes
from tests.factories import D, Region

COHORT = 2024
AS_OF = D(2024, 11, 29)
EARLY = D(2024, 10, 1)
S1, S2 = D(2024, 8, 2), D(2024, 11, 1)
INJECTED_NAME = '=HYPERLINK("http://evil.example","СПК")'
INJECTED_EMPLOYER = "=1+2"
FIXED_TIME = dt.datetime(2024, 11, 29, 12, 0)

BASE = OPERATOR
MINISTRY = Scope("ministry", None, "min")
TU01 = Scope("territory", "TU01", "tu1")
COLLEGE = Scope("college", "P001", "spk")


def _build_region(path: Path) -> duckdb.DuckDBPyConnection:
    r = Region(path)
    # (college, program, statuses at S1 / S2 (None: no row), flags)
    people: list[tuple[str, str, str | None, str | None, dict[str, bool]]] = [
        ("P001", "09.02.07", "employed", "employed", {"is_ovz": True}),
        ("P001", "09.02.07", "employed", "employed", {"is_target": True}),
        ("P001", "09.02.07", "undetermined", "self_employed", {}),
        ("P001", "09.02.07", "continuing_education", "continuing_education", {}),
        ("P001", "09.02.07", "military_conscript", "military_conscript", {"is_disabled": True}),
        ("P001", "09.02.07", "informal", "informal", {}),
        ("P001", "15.01.05", None, "employed", {"is_professionalitet": True}),
        ("P001", "15.01.05", "forecast_employed", "forecast_employed", {}),
        ("P002", "15.01.05", "entrepreneur", "entrepreneur", {"is_target": True}),
        ("P002", "15.01.05", "czn_unemployed", "czn_unemployed", {}),
        ("P003", "09.02.07", "employed", "employed", {}),
        ("P003", "09.02.07", "parental_leave", "parental_leave", {"is_ovz": True, "is_disabled": True}),
    ]
    for i, (college, program, s1, s2, flags) in enumerate(people):
        # P003 graduates later (a Wednesday): its weekly points start later than the region's.
        late = D(2024, 7, 10) if college == "P003" else None
        key = r.graduate(college=college, cohort=COHORT, program=program, graduation=late, **flags)
        for snap, status in ((S1, s1), (S2, s2)):
            if status is not None:
                r.status(key, snap, status, college=college, cohort=COHORT, by_specialty=(i == 0))
    con = r.done()
    # Formula injection: a college short name and a declared employer that start with '='.
    con.execute("UPDATE colleges SET short_name = ? WHERE college_code = 'P003'", [INJECTED_NAME])
    con.execute(
        "UPDATE status_rows SET employer_name = ? WHERE college_code = 'P002' AND status = 'czn_unemployed'",
        [INJECTED_EMPLOYER],
    )
    return con


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, duckdb.DuckDBPyConnection]:
    path = tmp_path_factory.mktemp("reports") / "reports.duckdb"
    con = _build_region(path)
    yield path, con
    con.close()


@pytest.fixture
def cur(region: tuple[Path, duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    with region[1].cursor() as c:
        yield c


CODES = {"territory": "TU01", "scorecard": "P001", "risk_list": "P002"}


@pytest.fixture(scope="module")
def built(region: tuple[Path, duckdb.DuckDBPyConnection]) -> dict[str, tuple[bytes, str]]:
    """Every report as the base centre builds it at AS_OF."""
    with region[1].cursor() as c:
        return {
            kind: build_report(c, BASE, kind, COHORT, AS_OF, CODES.get(kind), generated_at=FIXED_TIME)
            for kind in REPORT_KINDS
        }


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _rows(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def _find(ws: Any, **cols: Any) -> list[Any]:
    """The first row whose cells at the given 0-based positions (c0=..., c2=...) equal the values."""
    want = {int(k[1:]): v for k, v in cols.items()}
    for row in _rows(ws):
        if all(i < len(row) and row[i] == v for i, v in want.items()):
            return row
    raise AssertionError(f"no row with {cols} in {ws.title}")


def _col(ws: Any, label: str) -> int:
    """0-based column of the first header cell with this text."""
    for row in ws.iter_rows(max_row=40):
        for cell in row:
            if cell.value == label:
                return cell.column - 1
    raise AssertionError(f"no header «{label}» in {ws.title}")


def _counts(cur: duckdb.DuckDBPyConnection, by: str, filters: dict[str, Any], as_of: dt.date = AS_OF) -> dict:
    frame = engine.status_counts(cur, BASE, COHORT, as_of, by, filters)
    return {r["code"]: r for r in frame.iter_rows(named=True)}


# ---------------------------------------------------------------- regional report


def test_regional_form_hand_computed_and_control_rule_note(built: dict[str, tuple[bytes, str]]) -> None:
    wb = _book(built["regional"][0])
    assert wb.sheetnames == ["Форма по ПОО", "Свод по региону", "Профессионалитет", "Показатели"]
    ws = wb["Форма по ПОО"]
    num = {v: i for i, v in enumerate(_find(ws, c0="А")) if v}
    row = _find(ws, c0="P001", c2="09.02.07", c4="01")
    # P001 / 09.02.07 at 29.11: employed 2, self-employed 1, study 1, conscript 1, informal 1.
    assert row[num["гр.05"]] == 6
    assert [row[num[g]] for g in ("гр.06", "гр.07", "гр.08", "гр.09", "гр.10", "гр.13")] == [2, 0, 1, 1, 1, 1]
    assert _find(ws, c0="P001", c2="09.02.07", c4="02")[num["гр.05"]] == 1  # ОВЗ (employed)
    # the conscript is disabled without ОВЗ: row 04, not row 03
    assert _find(ws, c0="P001", c2="09.02.07", c4="03")[num["гр.05"]] == 0
    assert _find(ws, c0="P001", c2="09.02.07", c4="04")[num["гр.10"]] == 1
    assert _find(ws, c0="P001", c2="09.02.07", c4="05")[num["гр.06"]] == 1  # целевое обучение, employed
    # P003: ОВЗ and disabled on parental leave — rows 02 and 03 (of row 02), not 04
    assert _find(ws, c0="P003", c2="09.02.07", c4="02")[num["гр.12"]] == 1
    assert _find(ws, c0="P003", c2="09.02.07", c4="03")[num["гр.12"]] == 1
    assert _find(ws, c0="P003", c2="09.02.07", c4="04")[num["гр.05"]] == 0
    assert _find(ws, c0="P001", c2="15.01.05", c4="01")[num["гр.22"]] == 1  # forecast employed
    # Профессионалитет is a breakdown sheet of its own, not a form row
    prof = wb["Профессионалитет"]
    pnum = {v: i for i, v in enumerate(_find(prof, c0="А")) if v}
    assert _find(prof, c0="P001", c2="15.01.05")[pnum["гр.06"]] == 1
    assert _find(prof, c0="P001", c2="15.01.05")[pnum["гр.05"]] == 1
    total = _find(ws, c1="Всего: Самарская область", c4="01")
    assert total[num["гр.05"]] == 12
    college_total = _find(ws, c0="P001", c3="Итого по ПОО", c4="01")
    assert college_total[num["гр.05"]] == 8
    # The control rule holds in every written row, and the sheet says it was checked.
    fed = [num[f"гр.{c}"] for c, _ in FEDERAL_COLUMNS]
    data_rows = [r for r in _rows(ws) if r[4] in {"01", "02", "03", "04", "05"}]
    assert len(data_rows) == (4 + 3 + 1) * 5  # 4 college×program pairs + 3 college totals + region
    assert all(r[num["гр.05"]] == sum(r[i] for i in fed) for r in data_rows)
    assert any(
        r[0] and str(r[0]).startswith("Контрольные соотношения") and "выполнены во всех" in r[0]
        for r in _rows(ws)
    )


def test_regional_form_matches_registry(
    built: dict[str, tuple[bytes, str]], cur: duckdb.DuckDBPyConnection
) -> None:
    ws = _book(built["regional"][0])["Форма по ПОО"]
    num = {v: i for i, v in enumerate(_find(ws, c0="А")) if v}
    flags: dict[str, dict[str, bool]] = {
        "01": {},
        "02": {"is_ovz": True},
        "03": {"is_ovz": True, "is_disabled": True},
        "04": {"is_ovz": False, "is_disabled": True},
        "05": {"is_target": True},
    }
    checked = 0
    for college in ("P001", "P002", "P003"):
        for row_code, flag in flags.items():
            filters: dict[str, Any] = {"college": college} | flag
            expected = _counts(cur, "program", filters)
            for program in ("09.02.07", "15.01.05"):
                try:
                    row = _find(ws, c0=college, c2=program, c4=row_code)
                except AssertionError:
                    assert program not in _counts(cur, "program", {"college": college})
                    continue
                want = expected.get(program)
                assert row[num["гр.05"]] == (want["total"] if want else 0)
                for col, status in FEDERAL_COLUMNS:
                    assert row[num[f"гр.{col}"]] == (want[status] if want else 0), (
                        college,
                        program,
                        row_code,
                        col,
                    )
                checked += 1
    assert checked == 4 * 5


def test_regional_indicators_sheet_matches_registry(
    built: dict[str, tuple[bytes, str]], cur: duckdb.DuckDBPyConnection
) -> None:
    ws = _book(built["regional"][0])["Показатели"]
    region = _counts(cur, "region", {})["63"]
    for ind in indicators.registry(cur).values():
        num, den, rate = indicators.compute(region, ind)
        row = _find(ws, c1=ind.id)
        assert row[2:5] == [num, den, "—" if rate is None else pytest.approx(rate)]
    head = _find(ws, c1="employment_federal")
    # Hand-computed: work 6 of 9 (12 minus study, conscript, parental leave); seed target 62.5 %.
    assert head[2:6] == [6, 9, pytest.approx(6 / 9), 0.625]
    assert head[7] == pytest.approx((6 / 9 - 0.625) * 100)
    assert head[0] == "Доля трудоустроенных выпускников (основной)"
    tu = _find(ws, c0="TU01")
    assert tu[3:6] == [5, 8, pytest.approx(0.625)]


def test_regional_control_rule_fails_with_actionable_message(
    cur: duckdb.DuckDBPyConnection,
) -> None:
    before = audit.read_log(cur).height
    with pytest.raises(UserFacingError) as exc:
        build_report(cur, BASE, "regional", COHORT, EARLY)
    msg = str(exc.value)
    assert msg.startswith(
        "Выгрузка остановлена: не выполняется контрольное соотношение «гр.05 = сумма гр.06–27»"
    )
    assert "«СПК» (P001), 09.02.07" in msg and "«СПК» (P001), 15.01.05" in msg
    assert "гр.05 = 6, сумма гр.06–27 = 5, без статуса — 1" in msg
    assert "гр.05 = 2, сумма гр.06–27 = 1, без статуса — 1" in msg
    assert "У 2 выпускников нет статуса из гр.06–27" in msg
    assert "— 1, «Нет данных» (статус не загружен) — 1" in msg
    assert "P002" not in msg and "P003" not in msg
    assert control_problem(cur, BASE, COHORT, EARLY) == msg
    assert control_problem(cur, BASE, COHORT, AS_OF) is None
    assert audit.read_log(cur).height == before  # nothing exported, nothing logged
    with pytest.raises(UserFacingError, match="контрольное соотношение"):
        build_report(cur, BASE, "regional", COHORT, EARLY, fmt="csv")


# ---------------------------------------------------------------- territory, scorecard, rating, risk list


def test_territory_report_matches_registry(
    built: dict[str, tuple[bytes, str]], cur: duckdb.DuckDBPyConnection
) -> None:
    wb = _book(built["territory"][0])
    assert wb.sheetnames == ["Показатели ТУ", "ПОО", "Группа риска", "Сверка"]
    ind = indicators.get_indicator(cur, "employment_federal")
    prev = month_before(AS_OF)
    assert prev == D(2024, 10, 29)
    now = engine.indicator_table(cur, BASE, COHORT, AS_OF, ind, "college", {"territory": "TU01"})
    before = engine.indicator_table(cur, BASE, COHORT, prev, ind, "college", {"territory": "TU01"})
    risks = risk.risk_counts(
        cur, BASE, COHORT, AS_OF, settings.risk_thresholds(cur), "college", {"territory": "TU01"}
    )
    ws = wb["ПОО"]
    codes = [r[0] for r in _rows(ws) if r[0] in {"P001", "P002", "P003"}]
    assert sorted(codes) == ["P001", "P002"]  # TU02's college is not in the TU01 report
    for r in now.iter_rows(named=True):
        row = _find(ws, c0=r["code"])
        b = before.filter(pl.col("code") == r["code"]).row(0, named=True)
        assert row[2:7] == [
            r["total"],
            r["numerator"],
            r["denominator"],
            pytest.approx(r["rate"]),
            pytest.approx(b["rate"]),
        ]
        assert row[7] == pytest.approx((r["rate"] - b["rate"]) * 100)
        rc = risks.filter(pl.col("code") == r["code"])["risk_count"]
        assert row[_col(ws, f"Группа риска на {AS_OF:%d.%m.%Y}")] == (int(rc[0]) if rc.len() else 0)
    # Hand-computed: on 29.10 P001 had 2 working of 6 (the later self-employed graduate was still
    # undetermined and one had no status: both stay in the denominator).
    p001 = _find(ws, c0="P001")
    assert p001[3:7] == [4, 6, pytest.approx(4 / 6), pytest.approx(2 / 6)]
    summary = _find(wb["Показатели ТУ"], c0="Доля трудоустроенных выпускников (основной)")
    assert summary[1:4] == [5, 8, pytest.approx(0.625)]
    assert _find(wb["Группа риска"], c0="P002")[2] == 1


def test_scorecard_matches_registry(
    built: dict[str, tuple[bytes, str]], cur: duckdb.DuckDBPyConnection
) -> None:
    wb = _book(built["scorecard"][0])
    assert wb.sheetnames == ["Карточка", "Динамика", "Специальности"]
    ws = wb["Карточка"]
    college = _counts(cur, "college", {"college": "P001"})["P001"]
    tu = engine.comparison_counts(cur, COLLEGE, COHORT, AS_OF, "territory", "TU01").row(0, named=True)
    region = _counts(cur, "region", {})["63"]
    for ind in indicators.registry(cur).values():
        label = ind.name + (" (основной)" if ind.id == "employment_federal" else "")
        row = _find(ws, c0=label)
        num, den, rate = indicators.compute(college, ind)
        assert row[1:3] == [num, den]
        for got, want in zip(
            row[3:6], (rate, indicators.compute(tu, ind)[2], indicators.compute(region, ind)[2]), strict=True
        ):
            assert got == ("—" if want is None else pytest.approx(want))
    # Risk group of P001 at 29.11: one informal graduate.
    assert _find(ws, c0="В группе риска — всего")[1] == 1
    rated = (
        criteria.rating(cur, BASE, COHORT, AS_OF).filter(pl.col("college_code") == "P001").row(0, named=True)
    )
    cs = criteria.published(cur, COHORT)
    for c in cs.criteria:
        assert _find(ws, c0=c.name)[5] == pytest.approx(rated[f"pts:{c.id}"])
    summary = _find(ws, c0=pytest.approx(rated["score"]))
    assert summary[2:5] == [rated["rank"], 3, criteria.CATEGORY_LABELS[rated["category"]]]
    # Weekly trend: every Friday from graduation to the as-of date, the last point equals the card.
    trend = wb["Динамика"]
    series = engine.weekly_series(
        cur, BASE, COHORT, AS_OF, indicators.get_indicator(cur, "employment_federal"), {"college": "P001"}
    )
    dates = [r[0].date() for r in _rows(trend) if isinstance(r[0], dt.datetime)]
    assert dates == series["date"].to_list()
    last = _find(trend, c0=dt.datetime(2024, 11, 29))
    assert last[1:5] == [8, 4, 6, pytest.approx(4 / 6)]
    spec = wb["Специальности"]
    rc = risk.risk_counts(
        cur, BASE, COHORT, AS_OF, settings.risk_thresholds(cur), "program", {"college": "P001"}
    )
    for r in rc.iter_rows(named=True):
        assert _find(spec, c0=r["code"])[_col(spec, "В группе риска")] == r["risk_count"]
    assert _find(spec, c0="09.02.07")[3:7] == [6, 3, 4, pytest.approx(0.75)]
    assert _find(spec, c0="15.01.05")[3:7] == [2, 1, 2, pytest.approx(0.5)]


def test_rating_matches_registry(built: dict[str, tuple[bytes, str]], cur: duckdb.DuckDBPyConnection) -> None:
    wb = _book(built["rating"][0])
    ws = wb["Рейтинг"]
    rated = criteria.rating(cur, BASE, COHORT, AS_OF)
    cs = criteria.published(cur, COHORT)
    cols = {c.id: _col(ws, c.name) for c in cs.criteria}
    for r in rated.iter_rows(named=True):
        row = _find(ws, c1=r["college_code"])
        assert row[0] == r["rank"]
        assert row[_col(ws, "Итого баллов")] == pytest.approx(r["score"])
        assert row[_col(ws, "Категория")] == criteria.CATEGORY_LABELS[r["category"]]
        for cid, i in cols.items():
            assert row[i] == pytest.approx(r[f"pts:{cid}"])
    assert f"версия {cs.version}" in " ".join(str(v) for r in _rows(ws)[:12] for v in r if v)


def test_risk_list_rows_and_audit(
    region: tuple[Path, duckdb.DuckDBPyConnection],
    built: dict[str, tuple[bytes, str]],
    cur: duckdb.DuckDBPyConnection,
) -> None:
    wb = _book(built["risk_list"][0])
    ws = wb["В группе риска"]
    reg = risk.risk_register(cur, BASE, COHORT, AS_OF, settings.risk_thresholds(cur), {"college": "P002"})
    in_group = reg.filter(pl.col("in_group"))
    people = [r for r in _rows(ws) if isinstance(r[0], int)]
    assert len(people) == in_group.height == 1
    row = people[0]
    assert row[1] == "Иванов Иван"
    assert row[2].startswith("***-***-")  # СНИЛС masked
    assert row[_col(ws, "Причины")] == risk.REASONS["risk_status"]
    log = audit.read_log(cur)
    assert "download_pd" in log.filter(pl.col("object") == "risk_list:P002")["action"].to_list()
    assert "download" in log.filter(pl.col("object") == "rating")["action"].to_list()


# ---------------------------------------------------------------- safety and design


def test_formula_injection_is_written_as_text(built: dict[str, tuple[bytes, str]]) -> None:
    for kind in ("regional", "rating", "risk_list"):
        data = built[kind][0]
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            xml = "".join(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/"))
        assert "<f>" not in xml and "<f " not in xml, kind  # no formula anywhere
    ws = _book(built["regional"][0])["Форма по ПОО"]
    cell = next(c for r in ws.iter_rows() for c in r if c.value == INJECTED_NAME)
    assert cell.data_type == "s"
    ws = _book(built["risk_list"][0])["В группе риска"]
    cell = next(c for r in ws.iter_rows() for c in r if c.value == INJECTED_EMPLOYER)
    assert cell.data_type == "s"
    ws = _book(built["rating"][0])["Рейтинг"]
    assert any(c.value == INJECTED_NAME and c.data_type == "s" for r in ws.iter_rows() for c in r)


def test_csv_bytes_bom_labels_and_injection() -> None:
    df = pl.DataFrame(
        {
            "name": ["=cmd|' /C calc'!A0", "-2", "@x", "+7", "СПК"],
            "n": [1, -2, 3, 4, 1234],
            "r": [0.625, None, 1.0, 0.0, 0.5],
        }
    )
    out = to_csv_bytes(df, {"name": "ПОО", "n": "Выпускников", "r": "Доля"})
    assert out.startswith(b"\xef\xbb\xbf")
    lines = out.decode("utf-8-sig").split("\r\n")
    assert lines[0] == "ПОО;Выпускников;Доля"
    assert lines[1] == "'=cmd|' /C calc'!A0;1;0,625"
    assert lines[2:6] == ["'-2;-2;", "'@x;3;1,0", "'+7;4;0,0", "СПК;1234;0,5"]
    assert to_csv_bytes(df.select("n"), None).decode("utf-8-sig").split("\r\n")[0] == "n"


def test_csv_report_is_the_main_table(cur: duckdb.DuckDBPyConnection) -> None:
    data, name = build_report(cur, BASE, "rating", COHORT, AS_OF, fmt="csv")
    assert name == "Рейтинг_ЦСТВ_2024_29.11.2024.csv"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Место", "Код ПОО", "ПОО"]
    assert "'" + INJECTED_NAME in [r[2] for r in rows[1:]]


def test_workbook_design(built: dict[str, tuple[bytes, str]], cur: duckdb.DuckDBPyConnection) -> None:
    formula = indicators.get_indicator(cur, "employment_federal").formula()
    for kind, (data, _name) in built.items():
        wb = _book(data)
        assert wb.properties.creator == "operator"
        assert wb.properties.title.startswith(wb.worksheets[0]["A1"].value)  # report name
        assert wb.properties.subject == wb.worksheets[0]["A2"].value  # whom it is about
        assert wb.properties.created == FIXED_TIME
        for ws in wb.worksheets:
            texts = [str(v) for r in _rows(ws)[:20] for v in r if isinstance(v, str)]
            head = " ".join(texts)
            assert "Выпуск 2024 г. Дата расчёта" in head and "29.11.2024" in head, (kind, ws.title)
            assert "Критерии эффективности ЦСТВ: набор 2024 г., версия 1" in head
            assert "Даты данных: Статусы выпускников (мониторинг ПОО) — 01.11.2024" in head
            if kind != "risk_list":
                assert formula in head, (kind, ws.title)
            assert ws.freeze_panes is not None
            assert ws.page_setup.orientation == "landscape"
            assert ws.page_setup.fitToWidth in (1, None) and ws.page_setup.fitToHeight == 0
            assert ws.sheet_properties.pageSetUpPr.fitToPage
            assert all("а" <= ch <= "я" or not ch.isalpha() for ch in ws.title.lower())  # Russian names
    form = _book(built["regional"][0])["Форма по ПОО"]
    assert form.print_title_rows is not None
    assert form.page_setup.paperSize == 8  # A3
    assert len(form.merged_cells.ranges) > 10  # multi-level header
    row = next(r for r in form.iter_rows() if r[0].value == "P001")
    assert row[6].number_format == "#,##0"
    ind = _book(built["regional"][0])["Показатели"]
    rate_cell = next(r for r in ind.iter_rows() if r[1].value == "employment_federal")[4]
    assert rate_cell.number_format == "0.0%"
    assert isinstance(rate_cell.value, float) and rate_cell.value == pytest.approx(6 / 9)  # full precision


def test_reports_of_a_demo_database_say_so(cur: duckdb.DuckDBPyConnection) -> None:
    """On a demo database every sheet of every report carries DEMO_NOTICE under its subject (and in
    the printed footer and the document comments), and a CSV report starts with it; on a working
    database nothing of it appears."""
    from data_layer.db import DEMO_NOTICE, set_meta

    plain = build_report(cur, BASE, "rating", COHORT, AS_OF, fmt="csv")[0].decode("utf-8-sig")
    assert "Демонстрационные" not in plain
    assert DEMO_NOTICE not in " ".join(str(v) for r in _rows(_book(built_rating(cur))["Рейтинг"]) for v in r)
    cur.execute("BEGIN TRANSACTION")
    try:
        set_meta(cur, "is_demo", "1")
        for kind in REPORT_KINDS:
            data, _ = build_report(cur, BASE, kind, COHORT, AS_OF, CODES.get(kind), generated_at=FIXED_TIME)
            wb = _book(data)
            assert DEMO_NOTICE in wb.properties.description, kind
            for ws in wb.worksheets:
                assert ws["A3"].value == DEMO_NOTICE, (kind, ws.title)
                assert DEMO_NOTICE in ws.oddFooter.left.text, (kind, ws.title)
            text, _ = build_report(cur, BASE, kind, COHORT, AS_OF, CODES.get(kind), fmt="csv")
            lines = text.decode("utf-8-sig").split("\r\n")
            assert lines[0] == DEMO_NOTICE and ";" in lines[1], kind
    finally:
        cur.execute("ROLLBACK")


def built_rating(cur: duckdb.DuckDBPyConnection) -> bytes:
    return build_report(cur, BASE, "rating", COHORT, AS_OF, generated_at=FIXED_TIME)[0]


def test_file_names() -> None:
    assert (
        report_file_name("scorecard", 2025, D(2026, 11, 26), "P001")
        == "Карточка_ПОО_P001_2025_26.11.2026.xlsx"
    )
    assert report_file_name("regional", 2025, D(2026, 11, 26)) == "Региональный_отчёт_2025_26.11.2026.xlsx"
    assert (
        report_file_name("territory", 2025, D(2026, 11, 26), "../ТУ 01")
        == "Отчёт_ТУ_ТУ_01_2025_26.11.2026.xlsx"
    )
    assert month_before(D(2024, 3, 31)) == D(2024, 2, 29)
    assert month_before(D(2024, 1, 15)) == D(2023, 12, 15)


# ---------------------------------------------------------------- scope


ALLOWED: dict[str, set[str]] = {
    "ministry": {"regional", "territory", "rating"},
    "territory": {"territory", "scorecard", "rating"},
    "base_centre": set(REPORT_KINDS),
    "college": {"scorecard", "rating", "risk_list"},
}
SCOPES = {"ministry": MINISTRY, "territory": TU01, "base_centre": BASE, "college": COLLEGE}
# The code each role names for each kind when allowed (None: none needed or the role's own).
OWN_CODE = {
    "ministry": {"territory": "TU02"},
    "territory": {"scorecard": "P002"},
    "base_centre": {"territory": "TU02", "scorecard": "P003", "risk_list": "P001"},
    "college": {},
}


@pytest.mark.parametrize("role", list(SCOPES))
@pytest.mark.parametrize("kind", list(REPORT_KINDS))
def test_scope_matrix(role: str, kind: str, cur: duckdb.DuckDBPyConnection) -> None:
    scope = SCOPES[role]
    assert (kind in {k.kind for k in allowed_kinds(scope)}) == (kind in ALLOWED[role])
    if kind not in ALLOWED[role]:
        with pytest.raises(ScopeError, match="недоступен для роли"):
            build_report(cur, scope, kind, COHORT, AS_OF, CODES.get(kind))
        return
    data, name = build_report(cur, scope, kind, COHORT, AS_OF, OWN_CODE[role].get(kind))
    wb = _book(data)
    assert name.endswith(".xlsx")
    if kind == "rating":
        codes = {r[1] for r in _rows(wb["Рейтинг"]) if r[1] in {"P001", "P002", "P003"}}
        assert codes == {
            "ministry": {"P001", "P002", "P003"},
            "territory": {"P001", "P002"},
            "college": {"P001"},
        }.get(role, {"P001", "P002", "P003"})


@pytest.mark.parametrize(
    ("scope", "kind", "code", "error"),
    [
        (TU01, "territory", "TU02", ScopeError),  # another territory
        (TU01, "scorecard", "P003", ScopeError),  # a college of another territory
        (TU01, "scorecard", None, UserFacingError),  # which college?
        (COLLEGE, "scorecard", "P002", ScopeError),
        (COLLEGE, "risk_list", "P002", ScopeError),
        (MINISTRY, "territory", None, UserFacingError),
        (BASE, "risk_list", None, UserFacingError),
        (BASE, "scorecard", "P999", UserFacingError),
        (BASE, "territory", "TU99", UserFacingError),
        (BASE, "rating", "P001", UserFacingError),  # the rating names no code
        (BASE, "nonsense", None, UserFacingError),
    ],
)
def test_scope_refusals_by_code(
    scope: Scope, kind: str, code: str | None, error: type[Exception], cur: duckdb.DuckDBPyConnection
) -> None:
    with pytest.raises(error) as exc:
        build_report(cur, scope, kind, COHORT, AS_OF, code)
    assert exc.type is error or issubclass(exc.type, error)
    assert any("а" <= ch <= "я" for ch in str(exc.value).lower())  # a Russian message


def test_default_codes_and_unknown_cohort(cur: duckdb.DuckDBPyConnection) -> None:
    assert default_code(TU01, "territory") == "TU01"
    assert default_code(COLLEGE, "risk_list") == "P001"
    assert default_code(BASE, "scorecard") is None
    _, name = build_report(cur, COLLEGE, "risk_list", COHORT, AS_OF)
    assert name == "Группа_риска_P001_2024_29.11.2024.xlsx"
    with pytest.raises(UserFacingError, match="Нет данных о выпуске 2030"):
        build_report(cur, BASE, "rating", 2030, AS_OF)


def test_scorecards_zip(cur: duckdb.DuckDBPyConnection) -> None:
    data = build_scorecards_zip(cur, BASE, COHORT, AS_OF, generated_at=FIXED_TIME)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = sorted(zf.namelist())
        assert names == sorted(
            report_file_name("scorecard", COHORT, AS_OF, c) for c in ("P001", "P002", "P003")
        )
        for n in names:
            wb = _book(zf.read(n))
            assert wb.sheetnames == ["Карточка", "Динамика", "Специальности"]
    for scope in (MINISTRY, TU01, COLLEGE):
        with pytest.raises(ScopeError):
            build_scorecards_zip(cur, scope, COHORT, AS_OF)


def _cells(ws: Any) -> list[tuple[str, Any, str, bool]]:
    """Every cell of a sheet: (coordinate, value, number format, bold)."""
    return [
        (c.coordinate, c.value, c.number_format, bool(c.font and c.font.b))
        for row in ws.iter_rows()
        for c in row
    ]


@pytest.mark.parametrize("as_of", [AS_OF, EARLY])
def test_scorecards_zip_cards_equal_cards_built_alone(cur: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
    """The zip computes region-wide figures once and cuts each college's from them: every card must
    be the card built alone for that college, cell by cell (value, number format, bold), with the
    same merged ranges and sheets. P003 graduates later than the others (its own weekly points);
    at EARLY two P001 graduates have no status yet."""
    data = build_scorecards_zip(cur, BASE, COHORT, as_of, generated_at=FIXED_TIME)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for code in ("P001", "P002", "P003"):
            alone, name = build_report(cur, BASE, "scorecard", COHORT, as_of, code, generated_at=FIXED_TIME)
            zipped, single = _book(zf.read(name)), _book(alone)
            assert zipped.sheetnames == single.sheetnames
            for ws in single.worksheets:
                other = zipped[ws.title]
                assert _cells(other) == _cells(ws), (code, ws.title)
                assert sorted(map(str, other.merged_cells.ranges)) == sorted(map(str, ws.merged_cells.ranges))


def test_data_dates_by_college_equal_per_college_dates(cur: duckdb.DuckDBPyConnection) -> None:
    """The zip's data dates of every college from grouped queries: those of data_dates with the
    college's own scope. Hand-checked: every college's newest snapshot is 01.11.2024 (S2); no УФНС,
    ЦЗН, ФИС ФРДО or events data (and no loads: the factory writes graduates directly)."""
    by_college = engine.data_dates_by_college(cur)
    assert sorted(by_college) == ["P001", "P002", "P003"]
    for code, dates in by_college.items():
        assert dates == engine.data_dates(cur, Scope("college", code, "x")), code
        assert dates[engine.DATES_STATUSES] == S2
        assert dates[engine.DATES_UFNS] is None and dates[engine.DATES_EVENTS] is None


# ---------------------------------------------------------------- CLI


def test_cli_report(
    region: tuple[Path, duckdb.DuckDBPyConnection], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = region[0]

    def report(kind: str, out: Path, *options: str) -> int:
        """`vypusk report KIND --cohort 2024 OPTIONS --out OUT` on the test region."""
        return cli.main(["report", kind, "--cohort", "2024", *options, "--out", str(out), "--db", str(path)])

    out = tmp_path / "card.xlsx"
    assert report("scorecard", out, "--as-of", "29.11.2024", "--scope", "P001") == 0 and out.exists()
    assert _book(out.read_bytes())["Карточка"]["A1"].value.startswith("Карточка ПОО")
    folder = tmp_path / "reports"
    folder.mkdir()
    rc = report("rating", folder, "--as-of", "2024-11-29")
    assert rc == 0 and (folder / "Рейтинг_ЦСТВ_2024_29.11.2024.xlsx").exists()
    capsys.readouterr()
    rc = report("regional", tmp_path / "r.xlsx", "--as-of", "2024-10-01")
    assert rc == 2 and not (tmp_path / "r.xlsx").exists()
    assert "контрольное соотношение «гр.05 = сумма гр.06–27»" in capsys.readouterr().err
    rc = report("territory", tmp_path / "t.xlsx")
    assert rc == 2 and "укажите код территориального управления" in capsys.readouterr().err
    rc = report("scorecards_zip", folder, "--as-of", "2024-11-29")
    assert rc == 0 and (folder / "Карточки_ПОО_2024_29.11.2024.zip").exists()


# ---------------------------------------------------------------- LibreOffice


def test_every_report_opens_in_libreoffice(built: dict[str, tuple[bytes, str]], tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        if os.environ.get("VYPUSK_SOFFICE_REQUIRED") == "1":
            pytest.fail("VYPUSK_SOFFICE_REQUIRED=1, but LibreOffice (soffice) is not installed")
        pytest.skip(
            "LibreOffice (soffice) is not installed: install libreoffice-calc-nogui to run this check"
        )
    files = []
    for data, name in built.values():
        f = tmp_path / name
        f.write_bytes(data)
        files.append(f)
    out = tmp_path / "pdf"
    # A private profile: parallel soffice runs with one profile block each other.
    profile = (tmp_path / "lo_profile").as_uri()
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    for f in files:
        pdf = out / (f.stem + ".pdf")
        assert pdf.exists() and pdf.stat().st_size > 1000, (f.name, proc.stdout, proc.stderr)
        assert pdf.read_bytes().startswith(b"%PDF")


def test_deterministic_bytes_and_cached_metric_values(cur: duckdb.DuckDBPyConnection) -> None:
    first, _ = build_report(cur, BASE, "rating", COHORT, AS_OF, generated_at=FIXED_TIME)
    values = criteria.college_metric_values(cur, COHORT, AS_OF)
    again, _ = build_report(cur, BASE, "rating", COHORT, AS_OF, generated_at=FIXED_TIME, metric_values=values)
    assert first == again  # same request, same bytes (document properties carry the fixed time)
