"""An XLSX status file made of stored status rows, for timing the XLSX path of the importer.

The newest snapshot dates' rows are written back, whole (college, date) partitions only, so loading
the file replaces exactly those rows by themselves (identical values): the figures measured after
it do not change.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import xlsxwriter

from data_layer.statuses import BY_CODE

HEADERS = [
    "СНИЛС",
    "Номер документа",
    "Код ПОО",
    "Дата актуализации",
    "Статус",
    "Дата начала статуса",
    "По специальности",
    "ИНН работодателя",
    "Работодатель",
    "Муниципалитет трудоустройства",
    "Карьерный трек",
    "Дата призыва",
    "Дата увольнения с военной службы",
    "Меры поддержки",
]

_PARTITIONS = """
SELECT college_code, snapshot_date, count(*) AS n FROM status_rows
GROUP BY ALL ORDER BY snapshot_date DESC, n DESC, college_code
"""

_ROWS = """
SELECT CASE WHEN r.person_key LIKE 'D:%' THEN NULL ELSE r.person_key END,
       CASE WHEN r.person_key LIKE 'D:%' THEN substr(r.person_key, 3) END,
       r.college_code, strftime(r.snapshot_date, '%d.%m.%Y'), r.status,
       strftime(r.status_start, '%d.%m.%Y'), CASE WHEN r.by_specialty THEN 'да' ELSE 'нет' END,
       r.employer_inn, r.employer_name, r.work_municipality, r.career_track,
       strftime(r.conscription_date, '%d.%m.%Y'), strftime(r.discharge_date, '%d.%m.%Y'), r.support_measures
FROM status_rows r JOIN _bench_parts p ON p.college_code = r.college_code AND p.snapshot_date = r.snapshot_date
ORDER BY r.college_code, r.person_key
"""


def snapshot_workbook(con: Any, path: Path, limit: int) -> tuple[Path, int]:
    """Write up to `limit` stored status rows (whole partitions, newest dates first) as a workbook
    with a title row above the header, as the weekly template has. Returns (path, rows)."""
    parts, total = [], 0
    for code, date, n in con.execute(_PARTITIONS).fetchall():
        if total + n > limit:
            continue
        parts.append((code, date))
        total += n
    con.execute("CREATE OR REPLACE TEMP TABLE _bench_parts (college_code VARCHAR, snapshot_date DATE)")
    con.executemany("INSERT INTO _bench_parts VALUES (?, ?)", parts)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Статусы")
    ws.write(0, 0, "Оперативный мониторинг трудоустройства выпускников")
    ws.write_row(2, 0, HEADERS)
    r = 3
    cur = con.execute(_ROWS)
    while batch := cur.fetchmany(50_000):
        for row in batch:
            values = list(row)
            values[4] = BY_CODE[values[4]].label
            ws.write_row(r, 0, values)
            r += 1
    wb.close()
    con.execute("DROP TABLE _bench_parts")
    return path, r - 3
