"""What the figures rest on (issue 11, item 6): every external extract (kind, «Дата выгрузки», when
loaded) and the newest college snapshot, in one line for pages and report headers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from data_layer.scope import OPERATOR, Scope
from metrics import provenance
from tests.factories import D, Region


def _load(con, load_id: int, at: dt.datetime, kind: str) -> None:  # type: ignore[no-untyped-def]
    con.execute(
        "INSERT INTO loads (load_id, loaded_at, username, file_name, checksum, kind, rows) VALUES (?, ?, 'bc', 'f', 'x', ?, 1)",
        [load_id, at, kind],
    )


def test_extracts_and_newest_snapshot(tmp_path: Path) -> None:
    r = Region(tmp_path / "p.duckdb")
    k1 = r.graduate()
    k3 = r.graduate(college="P003")
    r.status(k1, D(2024, 8, 2), "employed")
    r.status(k1, D(2024, 9, 6), "employed")
    r.status(k3, D(2024, 10, 4), "employed", college="P003")
    r.ufns(k1, start=D(2024, 7, 1), extract=D(2024, 9, 1))
    r.ufns(k3, start=D(2024, 7, 1), extract=D(2024, 10, 1))
    r.czn(k1, reg=D(2024, 8, 1), extract=D(2024, 9, 15))
    con = r.done()
    con.execute("UPDATE status_rows SET load_id = 1 WHERE snapshot_date = DATE '2024-09-06'")
    con.execute("UPDATE ufns_records SET load_id = 2 WHERE extract_date = DATE '2024-09-01'")
    con.execute("UPDATE ufns_records SET load_id = 3 WHERE extract_date = DATE '2024-10-01'")
    _load(con, 1, dt.datetime(2024, 9, 6, 17, 5), "statuses")
    _load(con, 2, dt.datetime(2024, 9, 3, 9, 30), "ufns")
    _load(con, 3, dt.datetime(2024, 10, 2, 11, 0), "ufns")

    used = provenance.data_used(con, OPERATOR, D(2024, 9, 30))
    assert used.snapshot_date == D(2024, 9, 6) and used.snapshot_loaded_at == dt.datetime(2024, 9, 6, 17, 5)
    assert [(e.kind, e.extract_date, e.loaded_at) for e in used.extracts] == [
        ("УФНС", D(2024, 10, 1), dt.datetime(2024, 10, 2, 11, 0)),
        ("УФНС", D(2024, 9, 1), dt.datetime(2024, 9, 3, 9, 30)),
        ("ЦЗН", D(2024, 9, 15), None),
    ]
    line = provenance.data_used_line(used)
    assert line == (
        "Данные расчёта: последний срез статусов ПОО — на 06.09.2024, загружен 06.09.2024 17:05; "
        "УФНС: выгрузка от 01.10.2024, загружена 02.10.2024 11:00; выгрузка от 01.09.2024, загружена "
        "03.09.2024 09:30; ЦЗН: выгрузка от 15.09.2024."
    )
    # the snapshot is the newest in the user's scope and on or before the date
    assert provenance.data_used(con, Scope("college", "P003", "c"), D(2024, 12, 1)).snapshot_date == D(
        2024, 10, 4
    )
    assert provenance.data_used(con, Scope("college", "P003", "c"), D(2024, 9, 30)).snapshot_date is None
    assert "срезов статусов ПОО на эту дату нет" in provenance.data_used_line(
        provenance.data_used(con, OPERATOR, D(2024, 7, 1))
    )
