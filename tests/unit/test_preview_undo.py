"""Preview before a load and undo after it (data_layer.importer.preview / undo).

Region: P001 has graduates 1 Иванов, 2 Петров, 3 Сидоров (cohort 2024), P002 has 4; P001's snapshot
of 06.09.2024: 1 employed (06), 2 continuing education (09), 3 without status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from data_layer import audit
from data_layer.errors import ScopeError, UserFacingError
from data_layer.importer import load_file
from data_layer.importer.preview import Preview, preview_file
from data_layer.importer.undo import blocker, undoable_ids
from data_layer.scope import Scope
from ops.loads import undo_load as ops_undo
from tests.fixtures.import_helpers import (
    COLLEGES_HEADER,
    COLLEGES_ROWS,
    GRAD_HEADER,
    STATUS_HEADER,
    audit_actions,
    csv_bytes,
    digest,
    digits,
    grad_row,
    must_load,
    region_with_a_snapshot,
    rows,
    snils,
)
from ui import audit_log

BASE = Scope("base_centre", None, "base")
P001 = Scope("college", "P001", "col1")


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = region_with_a_snapshot(tmp_path / "t.duckdb")
    yield c
    c.close()


def _preview(con: duckdb.DuckDBPyConnection, data: bytes, name: str, scope: Scope = P001) -> Preview:
    p = preview_file(con, data, name, scope=scope)
    assert isinstance(p, Preview), getattr(p, "errors", p)
    return p


def test_graduation_list_preview_names_who_disappears_and_stores_nothing(
    con: duckdb.DuckDBPyConnection,
) -> None:
    before = digest(con)
    # 1 renamed (changed), 2 as is (unchanged), 3 dropped (removed), 5 added (new)
    new_list = [grad_row(1, last="Иванова"), grad_row(2, last="Петров"), grad_row(5, last="Новиков")]
    p = _preview(con, csv_bytes(GRAD_HEADER, new_list), "g.csv")
    assert (p.new, p.changed, p.unchanged, p.removed) == (1, 1, 1, 1)
    assert p.removed_people.get_column("ФИО").to_list() == ["Сидоров Иван"]
    assert p.removed_people.get_column("СНИЛС").to_list() == [f"***-***-{digits(3)[6:9]} {digits(3)[9:]}"]
    assert digest(con) == before  # a preview writes nothing (not even the audit log)


def test_new_snapshot_is_compared_with_each_graduates_previous_status(con: duckdb.DuckDBPyConnection) -> None:
    st = [
        [snils(1), "P001", "13.09.2024", "06"],  # same as before
        [snils(2), "P001", "13.09.2024", "06"],  # 09 -> 06
        [snils(3), "P001", "13.09.2024", "08"],  # first status
    ]
    p = _preview(con, csv_bytes(STATUS_HEADER, st), "s.csv")
    assert (p.new, p.changed, p.unchanged, p.removed) == (1, 1, 1, 0)
    assert p.changed_people.rows() == [
        ("Петров Иван", "Продолжает обучение", "Трудоустроен (трудовой договор, договор ГПХ)")
    ]


def test_replacing_a_snapshot_counts_removed_rows(con: duckdb.DuckDBPyConnection) -> None:
    p = _preview(con, csv_bytes(STATUS_HEADER, [[snils(1), "P001", "06.09.2024", "06"]]), "s.csv")
    assert (p.new, p.changed, p.unchanged, p.removed) == (0, 0, 1, 1)


def test_identical_file_is_reported_as_such(con: duckdb.DuckDBPyConnection) -> None:
    st = [[snils(1), "P001", "06.09.2024", "06"], [snils(2), "P001", "06.09.2024", "09"]]
    p = _preview(con, csv_bytes(STATUS_HEADER, st), "s.csv")
    assert p.identical and (p.new, p.changed, p.removed) == (0, 0, 0)


def test_refused_file_previews_as_the_refusal(con: duckdb.DuckDBPyConnection) -> None:
    res = preview_file(
        con, csv_bytes(STATUS_HEADER, [[snils(1), "P001", "06.09.2024", "нет такого"]]), "s.csv", scope=P001
    )
    assert not isinstance(res, Preview)
    assert not res.ok and "Неизвестный статус" in res.errors[0].message


def _spells(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    return rows(con, "SELECT * FROM status_spells ORDER BY ALL")


def test_undo_brings_back_what_the_load_replaced(con: duckdb.DuckDBPyConnection) -> None:
    grads_before = rows(con, "SELECT * EXCLUDE (load_id) FROM graduates ORDER BY ALL")
    spells_before = _spells(con)
    res = must_load(con, csv_bytes(GRAD_HEADER, [grad_row(1)]), "short.csv", scope=P001)  # drops 2 and 3
    assert rows(con, "SELECT count(*) FROM graduates WHERE college_code = 'P001'") == [(1,)]
    assert res.load_id is not None
    with pytest.raises(ScopeError):
        undo_load(con, P001, res.load_id)  # colleges cannot undo
    out = undo_load(con, BASE, res.load_id)
    assert (out.removed, out.restored) == (1, 3)
    assert rows(con, "SELECT * EXCLUDE (load_id) FROM graduates ORDER BY ALL") == grads_before
    assert _spells(con) == spells_before
    assert rows(con, "SELECT undone_by FROM loads WHERE load_id = ?", [res.load_id]) == [("base",)]
    assert ("upload_undone", f"№ {res.load_id} «short.csv»") in audit_actions(con)
    # the journal names it in Russian, with what was removed and restored
    shown = audit_log.display(audit.read_log(con.cursor(), action="upload_undone"))
    assert shown.select("Действие", "Подробности").rows() == [
        ("Отмена загрузки", "удалено строк: 1; восстановлено: 3")
    ]
    with pytest.raises(UserFacingError, match="уже отменена"):
        undo_load(con, BASE, res.load_id)
    # the same file can be loaded again after its undo (it is no longer «уже загружен»)
    again = load_file(con, csv_bytes(GRAD_HEADER, [grad_row(1)]), "short.csv", scope=P001)
    assert again.ok and not again.unchanged


def test_only_the_latest_load_of_a_college_and_kind_can_be_undone(con: duckdb.DuckDBPyConnection) -> None:
    first = must_load(con, csv_bytes(STATUS_HEADER, [[snils(1), "P001", "13.09.2024", "08"]]), "a.csv")
    second = must_load(con, csv_bytes(STATUS_HEADER, [[snils(1), "P001", "20.09.2024", "09"]]), "b.csv")
    assert first.load_id is not None and second.load_id is not None
    assert "сначала отмените её" in (blocker(con.cursor(), first.load_id) or "")
    assert blocker(con.cursor(), second.load_id) is None
    assert second.load_id in _undoable(con) and first.load_id not in _undoable(con)
    assert rows(con, "SELECT count(*) FROM snapshot_arrivals WHERE load_id = ?", [second.load_id]) == [(1,)]
    undo_load(con, BASE, second.load_id)
    assert rows(con, "SELECT count(*) FROM status_rows WHERE snapshot_date = DATE '2024-09-20'") == [(0,)]
    # an undone snapshot did not arrive: timeliness does not count it
    assert rows(con, "SELECT count(*) FROM snapshot_arrivals WHERE load_id = ?", [second.load_id]) == [(0,)]
    assert blocker(con.cursor(), first.load_id) is None  # now it is the latest
    assert first.load_id in _undoable(con) and second.load_id not in _undoable(con)  # undone


def _undoable(con: duckdb.DuckDBPyConnection) -> set[int]:
    """undoable_ids of every load of the register, checked against `blocker` load by load."""
    cur = con.cursor()
    ids = [int(r[0]) for r in rows(con, "SELECT load_id FROM loads")]
    one_by_one = {i for i in ids if blocker(cur, i) is None}
    assert undoable_ids(cur, ids) == one_by_one
    return one_by_one


def test_reference_loads_cannot_be_undone(con: duckdb.DuckDBPyConnection) -> None:
    rows3 = [[*r[:2], r[2] + " (новое)", *r[3:]] for r in COLLEGES_ROWS]
    res = must_load(con, csv_bytes(COLLEGES_HEADER, rows3), "colleges2.csv")
    assert res.load_id is not None
    with pytest.raises(UserFacingError, match="справочника"):
        undo_load(con, BASE, res.load_id)
    assert res.load_id not in _undoable(con)


def undo_load(con: duckdb.DuckDBPyConnection, scope: Scope, load_id: int):  # type: ignore[no-untyped-def]
    with con.cursor() as cur:
        return ops_undo(cur, scope, load_id)
