"""Frozen ratings and objections (metrics/criteria/publication.py, ops/rating.py, `vypusk report
rating --format json [--published]`): hand-computed on a two-college region."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from cli import main as cli
from data_layer import db
from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import OPERATOR, Scope
from data_layer.spells import rebuild_spells
from metrics import criteria
from metrics.criteria import publication as pubs
from metrics.criteria.model import CriteriaSet, Criterion, Scale, StepRule
from ops import criteria as ops_criteria
from ops import rating as ops_rating
from tests.factories import D, Region

BASE = Scope("base_centre", None, "bc")
POO2 = Scope("college", "P002", "poo2")
AS_OF = D(2024, 7, 26)
# employment_federal, weight 2: >= 80 % -> 10, >= 50 % -> 4, else 0; categories: high from 15,
# medium from 5
EMPLOYMENT = Criterion(
    "employment",
    "Трудоустройство",
    "employment_federal",
    2.0,
    Scale("step", (StepRule(">=", 0.8, 10), StepRule(">=", 0.5, 4), StepRule("else", None, 0))),
)


@pytest.fixture
def region(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, Path, list[str]]:
    path = tmp_path / "r.duckdb"
    r = Region(path)
    keys = []
    for college in ("P001", "P001", "P002", "P002"):
        keys.append(r.graduate(college=college, graduation=D(2024, 6, 28)))
    # 05.07: both of P001 employed (100 % -> 10 x 2 = 20), one of P002 (50 % -> 4 x 2 = 8)
    for k, college in zip(keys[:3], ("P001", "P001", "P002"), strict=True):
        r.status(k, D(2024, 7, 5), "employed", college=college)
    r.status(keys[3], D(2024, 7, 5), "undetermined", college="P002")
    con = r.done()
    ops_criteria.publish(con, BASE, CriteriaSet(2024, (EMPLOYMENT,), 15, 5, comment="один критерий"))
    return con, path, keys


def _new_load(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Newer data: P002's second graduate employed on 19.07 (before the evaluation date)."""
    con.execute(
        "INSERT INTO status_rows (college_code, snapshot_date, cohort, person_key, status) "
        "VALUES ('P002', DATE '2024-07-19', 2024, ?, 'employed')",
        [key],
    )
    rebuild_spells(con, [("P002", 2024)])


def test_published_rating_survives_a_new_load(
    region: tuple[duckdb.DuckDBPyConnection, Path, list[str]],
) -> None:
    con, _, keys = region
    pub = ops_rating.publish(con, BASE, 2024, AS_OF, "первый рейтинг")
    assert (pub.criteria_version, pub.version, pub.as_of, pub.colleges_total) == (2, 1, AS_OF, 2)
    frozen = pubs.published_rating(con, OPERATOR, pub)
    assert frozen.select("college_code", "pts:employment", "score", "rank", "category").rows() == [
        ("P001", 20.0, 20.0, 1, "high"),
        ("P002", 8.0, 8.0, 2, "medium"),
    ]
    assert frozen["employment_federal"].to_list() == [1.0, 0.5]  # the inputs are stored too
    _new_load(con, keys[3])
    now = criteria.rating(con, OPERATOR, 2024, AS_OF)
    assert dict(zip(now["college_code"], now["score"], strict=True)) == {"P001": 20.0, "P002": 20.0}
    again = pubs.published_rating(con, OPERATOR, pubs.latest_publication(con, 2024, AS_OF))  # type: ignore[arg-type]
    assert again.select("college_code", "score", "rank").rows() == [("P001", 20.0, 1), ("P002", 8.0, 2)]
    diff = pubs.differences(again, now).filter(college_code="P002").row(0, named=True)
    assert (diff["score_change"], diff["rank_change"], diff["category_changed"]) == (12.0, 1, True)
    # the scope filters rows, ranks stay region-wide
    assert pubs.published_rating(con, POO2, pub).select("college_code", "rank").rows() == [("P002", 2)]
    assert pubs.latest_publication(con, 2024, D(2024, 7, 25)) is None


def test_objection_rejected_then_accepted_republishes(
    region: tuple[duckdb.DuckDBPyConnection, Path, list[str]],
) -> None:
    con, _, keys = region
    pub = ops_rating.publish(con, BASE, 2024, AS_OF)
    with pytest.raises(ScopeError):
        ops_rating.file_objection(con, BASE, pub.publication_id, "не согласны")
    with pytest.raises(UserFacingError):
        ops_rating.file_objection(con, POO2, pub.publication_id, "  ")
    first = ops_rating.file_objection(con, POO2, pub.publication_id, "Статус выпускника устарел")
    assert ops_rating.answer_objection(con, BASE, first, "rejected", "Срез 19.07 не загружен") is None
    with pytest.raises(UserFacingError, match="уже дан ответ"):
        ops_rating.answer_objection(con, BASE, first, "accepted", "передумали")
    _new_load(con, keys[3])  # the college loads the missing snapshot
    second = ops_rating.file_objection(con, POO2, pub.publication_id, "Срез 19.07 загружен")
    with pytest.raises(UserFacingError, match="причину"):
        ops_rating.answer_objection(con, BASE, second, "accepted", "")
    new = ops_rating.answer_objection(con, BASE, second, "accepted", "Срез 19.07 учтён")
    assert new is not None and (new.version, new.as_of, new.reason, new.objection_id) == (
        2,
        AS_OF,
        "Срез 19.07 учтён",
        second,
    )
    latest = pubs.latest_publication(con, 2024, AS_OF)
    assert latest is not None and latest.publication_id == new.publication_id
    rated = pubs.published_rating(con, OPERATOR, latest)
    assert rated.sort("college_code").select("college_code", "score", "rank").rows() == [
        ("P001", 20.0, 1),
        ("P002", 20.0, 1),
    ]
    # the first version is kept unchanged
    assert pubs.published_rating(con, OPERATOR, pub)["score"].to_list() == [20.0, 8.0]
    # every step is visible to the college, its territory and the ministry; not to another college
    for scope in (POO2, Scope("territory", "TU01", "tu"), Scope("ministry", None, "m")):
        log = pubs.objections(con, scope, 2024)
        assert log.select("objection_id", "state", "reason").rows() == [
            (second, "accepted", "Срез 19.07 учтён"),
            (first, "rejected", "Срез 19.07 не загружен"),
        ]
    assert pubs.objections(con, Scope("college", "P001", "p1"), 2024).is_empty()
    actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY event_id").fetchall()]
    assert actions[-5:] == [
        "rating_publish",
        "rating_objection",
        "rating_objection_answer",
        "rating_objection",
        "rating_objection_answer",
    ]


def _json(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, object]:
    rc = cli.main(
        [
            "report",
            "rating",
            "--cohort",
            "2024",
            "--as-of",
            "2024-07-26",
            "--format",
            "json",
            "--db",
            str(path),
            *extra,
        ]
    )
    out = capsys.readouterr()
    return rc, (json.loads(out.out) if rc == 0 else out.err)


def test_cli_rating_json_current_and_published(
    region: tuple[duckdb.DuckDBPyConnection, Path, list[str]], capsys: pytest.CaptureFixture[str]
) -> None:
    con, path, keys = region
    con.close()
    db.close_all()
    rc, err = _json(path, capsys, "--published")
    assert rc == 2 and "Опубликованного рейтинга выпуска 2024 г." in str(err)
    rc, rows = _json(path, capsys)
    assert rc == 0
    assert rows == [
        {
            "college": "P001",
            "criteria": {"employment": {"value": 1.0, "points": 20.0}},
            "total": 20.0,
            "rank": 1,
            "category": "Высокая",
            "version": 2,
        },
        {
            "college": "P002",
            "criteria": {"employment": {"value": 0.5, "points": 8.0}},
            "total": 8.0,
            "rank": 2,
            "category": "Средняя",
            "version": 2,
        },
    ]
    assert (
        cli.main(["rating", "publish", "--cohort", "2024", "--as-of", "2024-07-26", "--db", str(path)]) == 0
    )
    capsys.readouterr()
    con = db.open_database(path)
    _new_load(con, keys[3])
    con.close()
    db.close_all()
    rc, current = _json(path, capsys)
    assert [r["total"] for r in current] == [20.0, 20.0]  # type: ignore[union-attr, index]
    rc, published = _json(path, capsys, "--published")
    assert rc == 0 and published == rows


def test_reports_show_the_published_rating_and_the_current_one_beside(
    region: tuple[duckdb.DuckDBPyConnection, Path, list[str]],
) -> None:
    import io

    import openpyxl

    from reports import build_report

    con, _, keys = region
    ops_rating.publish(con, BASE, 2024, AS_OF)
    _new_load(con, keys[3])
    data, _ = build_report(con, BASE, "rating", 2024, AS_OF)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:2] == ["Рейтинг", "Текущий расчёт"]

    def row_of(ws: object, code: str) -> list[object]:
        for row in ws.iter_rows(values_only=True):  # type: ignore[attr-defined]
            if code in row:
                return list(row)
        raise AssertionError(code)

    assert 8.0 in row_of(wb["Рейтинг"], "P002") and 20.0 not in row_of(wb["Рейтинг"], "P002")
    # published 8 (2nd), current 20 (1st), difference +12 and one place up
    assert [v for v in row_of(wb["Текущий расчёт"], "P002") if isinstance(v, int | float)] == [
        8.0,
        2,
        20.0,
        1,
        12.0,
        1,
    ]
    header = " ".join(str(v) for r in wb["Рейтинг"].iter_rows(max_row=12, values_only=True) for v in r if v)
    assert f"Опубликованный рейтинг на {AS_OF:%d.%m.%Y}" in header
    card, _ = build_report(con, POO2, "scorecard", 2024, AS_OF, "P002")
    text = " ".join(
        str(v)
        for ws in openpyxl.load_workbook(io.BytesIO(card)).worksheets
        for r in ws.iter_rows(values_only=True)
        for v in r
        if v is not None
    )
    assert "Текущий расчёт" in text and f"опубликованный рейтинг на {AS_OF:%d.%m.%Y}" in text
