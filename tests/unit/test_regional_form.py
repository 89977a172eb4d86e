"""The regional report in the federal layout (issue 11, items 2–3): rows 01–05, control rules,
draft vs final, approval and the register of issued reports, the CLI exactly as specified.

Hand-made region, cohort 2024, graduation 28.06.2024 unless said otherwise:
  P001 / 09.02.07: a ОВЗ + инвалид employed; b ОВЗ studying; c инвалид without ОВЗ, conscript;
                   d целевое, undetermined on 02.08 and employed from 06.09; e employed;
  P003 / 15.01.05: f целевое + Профессионалитет, self-employed; g no status on 02.08, informal
                   from 06.09; h graduates 20.12.2024 (December) and never has a status.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import polars as pl
import pytest

from data_layer import audit, db, issued_reports, users
from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import OPERATOR, Scope
from ops.reports import issue_regional
from reports import build_report, regional_json
from reports.base import ReportContext
from reports.regional import _status_columns, form_counts, violations
from tests.factories import D, Region

COHORT = 2024
S1, S2 = D(2024, 8, 2), D(2024, 9, 6)
DEC = D(2024, 12, 20)
BASE = Scope("base_centre", None, "bc1")
VYPUSK = str(Path(sys.executable).parent / "vypusk")
COLS = ["05", *[f"{n:02d}" for n in range(6, 28)]]


def _build(path: Path) -> None:
    r = Region(path)

    def grad(college: str, program: str, status1: str | None, status2: str | None, **kw: Any) -> None:
        graduation = kw.pop("graduation", None)
        k = r.graduate(college=college, cohort=COHORT, program=program, graduation=graduation, **kw)
        for snap, status in ((S1, status1), (S2, status2)):
            if status:
                r.status(k, snap, status, college=college, cohort=COHORT)

    grad("P001", "09.02.07", "employed", "employed", is_ovz=True, is_disabled=True)  # a
    grad("P001", "09.02.07", "continuing_education", "continuing_education", is_ovz=True)  # b
    grad("P001", "09.02.07", "military_conscript", "military_conscript", is_disabled=True)  # c
    grad("P001", "09.02.07", "undetermined", "employed", is_target=True)  # d
    grad("P001", "09.02.07", "employed", "employed")  # e
    grad("P003", "15.01.05", "self_employed", "self_employed", is_target=True, is_professionalitet=True)  # f
    grad("P003", "15.01.05", None, "informal")  # g
    grad("P003", "15.01.05", None, None, graduation=DEC)  # h
    r.done().close()
    db.close_all()


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    p = tmp_path / "f.duckdb"
    _build(p)
    cred = tmp_path / "credentials.yaml"
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(cred))
    users.add_user("bc1", "secret-password-1", "base_centre", path=cred)
    users.add_user("min1", "secret-password-2", "ministry", path=cred)
    users.add_user("poo1", "secret-password-3", "college", "P001", path=cred)
    users.add_user("tu2", "secret-password-4", "territory", "TU02", path=cred)
    return p


@pytest.fixture
def cur(path: Path) -> duckdb.DuckDBPyConnection:
    con = db.open_database(path)
    with con.cursor() as c:
        yield c
    con.close()


def _cols(**kw: int) -> dict[str, int]:
    return {c: 0 for c in COLS} | {k.removeprefix("g"): v for k, v in kw.items()}


def _rows(result: dict[str, Any]) -> dict[tuple[Any, Any, str], dict[str, int]]:
    return {(r["college"], r["program"], r["row"]): r["columns"] for r in result["rows"]}


# ---------------------------------------------------------------- rows and rules, hand-computed


def test_form_rows_hand_computed_with_violations(cur: duckdb.DuckDBPyConnection) -> None:
    res = regional_json(cur, OPERATOR, COHORT, S1)
    rows = _rows(res)
    # every college × specialty block has all five rows, zeros included; totals only with college null
    assert sorted(k for k in rows if k[0] is not None) == [
        (c, p, r)
        for c, p in (("P001", "09.02.07"), ("P003", "15.01.05"))
        for r in ("01", "02", "03", "04", "05")
    ]
    assert sorted(k for k in rows if k[0] is None) == [
        (None, None, r) for r in ("01", "02", "03", "04", "05")
    ]
    # P001 / 09.02.07: 5 graduates — employed a, e; study b; conscript c; d undetermined (no column)
    assert rows[("P001", "09.02.07", "01")] == _cols(g05=5, g06=2, g09=1, g10=1)
    assert rows[("P001", "09.02.07", "02")] == _cols(g05=2, g06=1, g09=1)  # ОВЗ: a, b
    assert rows[("P001", "09.02.07", "03")] == _cols(g05=1, g06=1)  # of row 02 disabled: a
    assert rows[("P001", "09.02.07", "04")] == _cols(g05=1, g10=1)  # disabled without ОВЗ: c
    assert rows[("P001", "09.02.07", "05")] == _cols(g05=1)  # целевое: d, undetermined
    # P003: f self-employed, g no status; h (December graduate) is not a graduate yet
    assert rows[("P003", "15.01.05", "01")] == _cols(g05=2, g08=1)
    assert rows[("P003", "15.01.05", "02")] == _cols()
    assert rows[("P003", "15.01.05", "05")] == _cols(g05=1, g08=1)
    assert rows[(None, None, "01")] == _cols(g05=7, g06=2, g08=1, g09=1, g10=1)
    assert res["final"] is False
    got = {(v["college"], v["program"], v["row"], v["rule"]) for v in res["violations"]}
    assert got == {
        ("P001", "09.02.07", "01", "sum_05_27"),
        ("P001", "09.02.07", "05", "sum_05_27"),
        ("P003", "15.01.05", "01", "sum_05_27"),
    }
    msg = next(v["message"] for v in res["violations"] if v["college"] == "P003")
    assert "гр.05 = 2, сумма гр.06–27 = 1" in msg and "«Нет данных» — 1" in msg


def test_form_passes_then_a_december_graduate_breaks_it(cur: duckdb.DuckDBPyConnection) -> None:
    res = regional_json(cur, OPERATOR, COHORT, S2)
    assert res["final"] is True and res["violations"] == []
    rows = _rows(res)
    assert rows[("P001", "09.02.07", "05")] == _cols(g05=1, g06=1)
    assert rows[("P003", "15.01.05", "01")] == _cols(g05=2, g08=1, g13=1)
    assert regional_json(cur, OPERATOR, COHORT, D(2024, 12, 19))["final"] is True
    # 20.12: h graduates without a status — in row 01 and against the sum rule
    dec = regional_json(cur, OPERATOR, COHORT, DEC)
    assert _rows(dec)[("P003", "15.01.05", "01")] == _cols(g05=3, g08=1, g13=1)
    assert [(v["college"], v["row"], v["rule"]) for v in dec["violations"]] == [("P003", "01", "sum_05_27")]


def _form(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return form_counts(ReportContext(cur, OPERATOR, COHORT, S2))


def _set(form: pl.DataFrame, college: str, row: str, status: str, value: int) -> pl.DataFrame:
    """Change one status count of one row; гр.05 and the sum of гр.06–27 follow (the sum rule holds)."""
    hit = (pl.col("college_code") == college) & (pl.col("row_code") == row)
    form = form.with_columns(pl.when(hit).then(pl.lit(value)).otherwise(pl.col(status)).alias(status))
    return _status_columns(form.drop("total", "federal_sum"))


@pytest.mark.parametrize(
    ("row", "status", "value", "rule"),
    [
        ("03", "employed", 2, "r03_le_r02"),  # row 03 (2 employed) > row 02 (1)
        ("02", "continuing_education", 2, "r02_le_r01"),  # row 02 (2 in study) > row 01 (1)
        ("04", "employed", 4, "r04_le_r01"),  # row 04 (4 employed) > row 01 (3: a, d, e)
        ("05", "employed", 4, "r05_le_r01"),  # row 05 (4) > row 01 (3)
    ],
)
def test_each_row_rule_fails_and_names_its_left_row(
    cur: duckdb.DuckDBPyConnection, row: str, status: str, value: int, rule: str
) -> None:
    form = _form(cur)
    assert violations(form).is_empty()
    bad = violations(_set(form, "P001", row, status, value))
    assert bad.select("college_code", "program_code", "row", "rule").rows() == [
        ("P001", "09.02.07", row, rule)
    ]
    msg = bad["message"][0]
    assert msg.startswith("«СПК» (P001), 09.02.07") and "не выполняется «стр." in msg


def test_sum_rule_fails_on_any_row_with_a_status_outside_the_columns(cur: duckdb.DuckDBPyConnection) -> None:
    form = _form(cur)
    hit = (pl.col("college_code") == "P003") & (pl.col("row_code") == "02")
    broken = form.with_columns(
        undetermined=pl.when(hit).then(1).otherwise(pl.col("undetermined")),
        total=pl.when(hit).then(pl.col("total") + 1).otherwise(pl.col("total")),
    )
    bad = violations(broken)
    assert bad.select("row", "rule", "left", "right", "excess").rows() == [("02", "sum_05_27", 1, 0, 1)]


# ---------------------------------------------------------------- draft, final, approval, register


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_draft_is_marked_on_every_sheet_and_lists_violations_and_graduates(
    cur: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises(UserFacingError, match="Выгрузка остановлена"):
        build_report(cur, BASE, "regional", COHORT, S1)
    data, name = build_report(cur, BASE, "regional", COHORT, S1, draft=True)
    assert name.startswith("ЧЕРНОВИК_")
    wb = _book(data)
    assert wb.sheetnames[-1] == "Нарушения"
    for ws in wb.worksheets:
        assert str(ws["A1"].value).startswith("ЧЕРНОВИК"), ws.title
        assert "ЧЕРНОВИК" in ws.oddHeader.center.text
    viol = [list(r) for r in wb["Нарушения"].iter_rows(values_only=True)]
    found = {(r[0], r[2], r[4]) for r in viol if r[5] == "гр.05 = сумма гр.06–27"}
    assert found == {("P001", "09.02.07", "01"), ("P001", "09.02.07", "05"), ("P003", "15.01.05", "01")}
    # for the base centre: the graduates who cause them (d undetermined in rows 01, 05; g without status)
    people = [r for r in viol if r[4] and str(r[4]).startswith("***-***-")]
    assert sorted((r[0], r[2], r[5]) for r in people) == [
        ("P001", "01, 05", "Не определился (временно не занят)"),
        ("P003", "01", "Нет данных"),
    ]
    assert audit.read_log(cur, action="download_pd").height == 1  # the draft names graduates
    # the ministry's draft has the violations, not the graduates
    min_draft = _book(build_report(cur, Scope("ministry", None, "m"), "regional", COHORT, S1, draft=True)[0])
    assert not any(
        str(r[4]).startswith("***") for r in min_draft["Нарушения"].iter_rows(values_only=True) if r[4]
    )
    # a draft on a date where every rule passes is still marked, with an empty violations sheet
    ok = _book(build_report(cur, BASE, "regional", COHORT, S2, draft=True)[0])
    assert str(ok["Форма по ПОО"]["A1"].value) == "ЧЕРНОВИК — не является официальным отчётом"
    final = _book(build_report(cur, BASE, "regional", COHORT, S2)[0])
    assert "Нарушения" not in final.sheetnames
    # every sheet's header names the data used (issue 11 item 6): the newest snapshot on or before 06.09
    for ws in final.worksheets:
        head = [str(r[0]) for r in ws.iter_rows(max_row=12, values_only=True) if r[0]]
        assert any(h.startswith("Данные расчёта: последний срез статусов ПОО — на 06.09.2024") for h in head)
    assert str(final["Форма по ПОО"]["A1"].value).startswith("Мониторинг трудоустройства")


def test_issue_stores_the_workbook_and_downloads_it_byte_identical(cur: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(UserFacingError, match="Выгрузка остановлена"):
        issue_regional(cur, BASE, COHORT, S1)
    assert issued_reports.register(cur, BASE).is_empty()
    with pytest.raises(ScopeError):
        issue_regional(cur, Scope("ministry", None, "m"), COHORT, S2)
    version = db.dataset_version(cur)
    rec = issue_regional(cur, BASE, COHORT, S2, now=dt.datetime(2024, 9, 10, 12, 0))
    data, name, checksum = issued_reports.content(cur, BASE, rec.report_id)
    assert checksum == hashlib.sha256(data).hexdigest() == rec.checksum
    assert rec.dataset_version == version and rec.approved_by == "bc1"
    assert name == "Региональный_отчёт_2024_06.09.2024.xlsx"
    reg = issued_reports.register(cur, Scope("college", "P001", "poo1"))
    assert reg.select("report_id", "approved_by", "checksum").rows() == [(rec.report_id, "bc1", checksum)]
    assert reg["data_used"][0].startswith("Данные расчёта: последний срез статусов ПОО — на 06.09.2024")
    log = audit.read_log(cur, action="report_issue")
    assert log.height == 1 and checksum in log["details"][0]
    # newer data arrives: the stored workbook does not change
    cur.execute("UPDATE status_rows SET status = 'employed' WHERE status = 'informal'")
    from data_layer.spells import rebuild_spells

    rebuild_spells(cur)
    again, _, _ = issued_reports.content(cur, Scope("ministry", None, "m"), rec.report_id)
    assert again == data
    assert _rows(regional_json(cur, OPERATOR, COHORT, S2))[("P003", "15.01.05", "01")] == _cols(
        g05=2, g06=1, g08=1
    )
    # colleges and territories read their own part, not the workbook
    with pytest.raises(ScopeError):
        issued_reports.content(cur, Scope("college", "P001", "poo1"), rec.report_id)
    part = issued_reports.part(cur, Scope("territory", "TU02", "tu2"), rec.report_id)
    assert {r["college"] for r in part} == {"P003"} and len(part) == 5
    assert next(r for r in part if r["row"] == "01")["columns"]["13"] == 1  # as issued, not as now
    assert {r["college"] for r in issued_reports.part(cur, Scope("college", "P001", "p"), rec.report_id)} == {
        "P001"
    }


# ---------------------------------------------------------------- the CLI, as a subprocess


def _vypusk(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [VYPUSK, *args, "--db", str(path)], capture_output=True, text=True, env=os.environ.copy(), timeout=120
    )


def test_cli_json_out_draft_and_issue(path: Path, tmp_path: Path) -> None:
    p = _vypusk(path, "report", "regional", "--cohort", "2024", "--as-of", "2024-08-02", "--format", "json")
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout)
    assert set(res) == {"final", "violations", "rows"} and res["final"] is False
    assert {v["rule"] for v in res["violations"]} == {"sum_05_27"}
    assert all(set(v) == {"college", "program", "row", "rule", "message"} for v in res["violations"])
    assert all(set(r["columns"]) == set(COLS) for r in res["rows"])
    assert _rows(res)[("P001", "09.02.07", "04")] == _cols(g05=1, g10=1)

    out = tmp_path / "final.xlsx"
    p = _vypusk(path, "report", "regional", "--cohort", "2024", "--as-of", "2024-08-02", "--out", str(out))
    assert p.returncode != 0 and not out.exists()
    assert "Выгрузка остановлена" in p.stderr and not list(tmp_path.glob("final.xlsx*"))
    draft = tmp_path / "draft.xlsx"
    p = _vypusk(
        path,
        "report",
        "regional",
        "--cohort",
        "2024",
        "--as-of",
        "2024-08-02",
        "--out",
        str(draft),
        "--draft",
    )
    assert p.returncode == 0, p.stderr
    assert str(_book(draft.read_bytes())["Форма по ПОО"]["A1"].value).startswith("ЧЕРНОВИК")

    p = _vypusk(path, "report", "regional", "--cohort", "2024", "--as-of", "2024-09-06", "--format", "json")
    assert p.returncode == 0 and json.loads(p.stdout)["final"] is True
    p = _vypusk(path, "report", "regional", "--cohort", "2024", "--as-of", "2024-09-06", "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "Нарушения" not in _book(out.read_bytes()).sheetnames
    con = db.open_database(path, read_only=True)
    assert con.execute("SELECT count(*) FROM issued_reports").fetchall() == [(0,)]  # written, not registered
    con.close()

    # a ministry or college user cannot issue; a base-centre user approves and registers it
    issued = tmp_path / "issued.xlsx"
    args = [
        "report",
        "regional",
        "--cohort",
        "2024",
        "--as-of",
        "2024-09-06",
        "--issue",
        "--out",
        str(issued),
    ]
    assert _vypusk(path, *args, "--user", "min1").returncode != 0
    p = _vypusk(path, *args, "--user", "bc1")
    assert p.returncode == 0, p.stderr
    assert "зарегистрирован" in p.stdout
    con = db.open_database(path, read_only=True)
    stored = con.execute(
        "SELECT content, checksum, approved_by FROM issued_reports ORDER BY report_id DESC"
    ).fetchall()
    con.close()
    assert bytes(stored[0][0]) == issued.read_bytes()
    assert stored[0][1] == hashlib.sha256(issued.read_bytes()).hexdigest() and stored[0][2] == "bc1"
    # a rule fails: nothing is issued
    p = _vypusk(
        path, "report", "regional", "--cohort", "2024", "--as-of", "2024-08-02", "--issue", "--user", "bc1"
    )
    assert p.returncode != 0 and "Выгрузка остановлена" in p.stderr
