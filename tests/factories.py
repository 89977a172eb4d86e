"""Tiny hand-made databases for metric tests: rows are inserted directly (bypassing the importer),
so expected values can be computed by hand from what each test writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb

from data_layer import db
from data_layer.spells import rebuild_spells

D = dt.date


def snils_with_checksum(nine: int) -> str:
    """A valid 11-digit СНИЛС from a 9-digit number (standard checksum)."""
    digits = f"{nine:09d}"
    s = sum(int(ch) * (9 - i) for i, ch in enumerate(digits))
    if s < 100:
        cs = s
    elif s in (100, 101):
        cs = 0
    else:
        cs = s % 101
        cs = 0 if cs == 100 else cs
    return f"{digits}{cs:02d}"


class Region:
    """Builder of a small region: two territories, three colleges, two programmes."""

    def __init__(self, path: Path) -> None:
        self.con: duckdb.DuckDBPyConnection = db.open_database(path)
        c = self.con
        c.execute(
            "INSERT INTO territories VALUES ('TU01','Самарское управление','Самара',NULL),"
            "('TU02','Тольяттинское управление','Тольятти',NULL)"
        )
        c.execute(
            "INSERT INTO municipalities VALUES ('36701000','городской округ Самара','городской округ','TU01'),"
            "('36740000','городской округ Тольятти','городской округ','TU02')"
        )
        c.execute(
            "INSERT INTO colleges (college_code, short_name, full_name, oktmo, founder, college_type, lat, lon) VALUES ('P001','СПК','Самарский политехнический колледж','36701000',NULL,"
            "'региональная',53.2,50.1), ('P002','СМК','Самарский медицинский колледж','36701000',NULL,"
            "'региональная',53.2,50.2), ('P003','ТТК','Тольяттинский технический колледж','36740000',NULL,"
            "'региональная',53.5,49.3)"
        )
        c.execute(
            "INSERT INTO programs VALUES ('09.02.07','Информационные системы и программирование','ППССЗ',"
            "'09.00.00','Информатика'), ('15.01.05','Сварщик','ППКРС','15.00.00','Машиностроение')"
        )
        self._n = 0
        self.pairs: set[tuple[str, int]] = set()

    def graduate(
        self,
        college: str = "P001",
        cohort: int = 2024,
        program: str = "09.02.07",
        graduation: dt.date | None = None,
        sex: str = "М",
        snils: str | None = None,
        foreign: bool = False,
        **flags: bool,
    ) -> str:
        """Insert one graduate; returns its person_key."""
        self._n += 1
        if foreign:
            key, snils_v, doc = f"D:DOC{self._n}", None, f"DOC{self._n}"
        else:
            snils_v = snils or snils_with_checksum(100_000_000 + self._n)
            key, doc = snils_v, None
        self.con.execute(
            """INSERT INTO graduates (person_key, snils, doc_number, last_name, first_name, birth_date, sex,
                 college_code, program_code, study_form, graduation_date, cohort, is_target, is_ovz, is_disabled,
                 is_professionalitet, is_foreign)
               VALUES (?, ?, ?, 'Иванов', 'Иван', DATE '2003-01-01', ?, ?, ?, 'очная', ?, ?, ?, ?, ?, ?, ?)""",
            [
                key,
                snils_v,
                doc,
                sex,
                college,
                program,
                graduation or D(cohort, 6, 28),
                cohort,
                flags.get("is_target", False),
                flags.get("is_ovz", False),
                flags.get("is_disabled", False),
                flags.get("is_professionalitet", False),
                foreign,
            ],
        )
        self.pairs.add((college, cohort))
        return key

    def status(
        self,
        key: str,
        snapshot: dt.date,
        status: str,
        college: str = "P001",
        cohort: int = 2024,
        by_specialty: bool = False,
        start: dt.date | None = None,
        discharge: dt.date | None = None,
        conscription: dt.date | None = None,
    ) -> None:
        self.con.execute(
            """INSERT INTO status_rows (college_code, snapshot_date, cohort, person_key, status, status_start,
                 by_specialty, discharge_date, conscription_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [college, snapshot, cohort, key, status, start, by_specialty, discharge, conscription],
        )
        self.pairs.add((college, cohort))

    def ufns(
        self,
        snils: str,
        start: dt.date,
        extract: dt.date,
        end: dt.date | None = None,
        kind: str = "labour_contract",
    ) -> None:
        self.con.execute(
            "INSERT INTO ufns_records VALUES (?, ?, ?, ?, NULL, ?, NULL)", [snils, kind, start, end, extract]
        )

    def czn(
        self,
        snils: str,
        reg: dt.date,
        extract: dt.date,
        dereg: dt.date | None = None,
        category: str = "unemployed",
    ) -> None:
        self.con.execute(
            "INSERT INTO czn_records VALUES (?, ?, ?, ?, ?, NULL)", [snils, reg, category, dereg, extract]
        )

    def frdo(self, snils: str, college: str, issue: dt.date, program: str = "09.02.07") -> None:
        self.con.execute(
            "INSERT INTO frdo_records VALUES (?, ?, ?, ?, NULL, NULL)", [snils, college, program, issue]
        )

    def done(self) -> duckdb.DuckDBPyConnection:
        rebuild_spells(self.con, self.pairs)
        return self.con
