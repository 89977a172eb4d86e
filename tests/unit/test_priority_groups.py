"""Priority groups (issue 11, item 8) and `group.level` / `edu_level` of `vypusk metrics --by program`
(item 9), hand-computed; the CLI is run as a subprocess and its JSON parsed.

Cohort 2024, graduation 28.06.2024; snapshots 02.08, 04.10 and 06.12.2024 (statuses carry on):
  P001 / 09.02.07 (ППССЗ): a ОВЗ employed; b ОВЗ + инвалид informal; c инвалид employed;
      d целевое employed; e Профессионалитет undetermined;
      f conscript, then undetermined on 04.10 with discharge 01.10.2024;
      g conscript, then undetermined on 06.12 with discharge 01.12.2024;
  P003 / 15.01.05 (ППКРС): h ОВЗ employed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from data_layer import db
from data_layer.scope import OPERATOR
from metrics import groups
from metrics.indicators import BUILTIN_BY_ID
from metrics.settings import RiskThresholds
from tests.factories import D, Region

VYPUSK = str(Path(sys.executable).parent / "vypusk")
AT = D(2024, 11, 1)
LATER = D(2024, 12, 6)


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    p = tmp_path_factory.mktemp("groups") / "g.duckdb"
    r = Region(p)

    def grad(college: str, program: str, status: str, **flags: bool) -> str:
        k = r.graduate(college=college, program=program, **flags)
        r.status(k, D(2024, 8, 2), status, college=college)
        return k

    grad("P001", "09.02.07", "employed", is_ovz=True)  # a
    grad("P001", "09.02.07", "informal", is_ovz=True, is_disabled=True)  # b
    grad("P001", "09.02.07", "employed", is_disabled=True)  # c
    grad("P001", "09.02.07", "employed", is_target=True)  # d
    grad("P001", "09.02.07", "undetermined", is_professionalitet=True)  # e
    f = grad("P001", "09.02.07", "military_conscript")
    r.status(f, D(2024, 10, 4), "undetermined", discharge=D(2024, 10, 1))
    g = grad("P001", "09.02.07", "military_conscript")
    r.status(g, D(2024, 12, 6), "undetermined", discharge=D(2024, 12, 1))
    grad("P003", "15.01.05", "employed", is_ovz=True)  # h
    r.done().close()
    db.close_all()
    return p


def _metrics(path: Path, *args: str) -> list[dict[str, Any]]:
    p = subprocess.run(
        [VYPUSK, "metrics", "--cohort", "2024", "--db", str(path), *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=120,
    )
    assert p.returncode == 0, p.stderr
    out: list[dict[str, Any]] = json.loads(p.stdout)
    return out


def _brief(groups_: list[dict[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {
        g["group"]["code"]: (g["total"], g["numerator"], g["denominator"], g["risk_count"], g["small_group"])
        for g in groups_
    }


@pytest.mark.parametrize(
    ("group", "by", "expected"),
    [
        # ОВЗ: a employed, b informal (risk), h employed -> 2 of 3, one at risk; all small groups
        ("ovz", "region", {"63": (3, 2, 3, 1, True)}),
        ("ovz", "college", {"P001": (2, 1, 2, 1, True), "P003": (1, 1, 1, 0, True)}),
        ("disabled", "region", {"63": (2, 1, 2, 1, True)}),  # b, c
        ("target", "college", {"P001": (1, 1, 1, 0, True)}),  # d
        ("professionalitet", "region", {"63": (1, 0, 1, 1, True)}),  # e, undetermined > N1 weeks
        # f discharged 01.10 (reported 04.10), idle more than N2 weeks; g not yet discharged on 01.11
        ("army_return", "region", {"63": (1, 0, 1, 1, True)}),
    ],
)
def test_cli_group_restricts_every_figure(
    path: Path, group: str, by: str, expected: dict[str, tuple[Any, ...]]
) -> None:
    got = _metrics(path, "--as-of", AT.isoformat(), "--group", group, "--by", by)
    assert _brief(got) == expected
    assert all(g["group"]["level"] == by for g in got)


def test_army_return_is_by_discharge_on_or_before_the_date(path: Path) -> None:
    got = _metrics(path, "--as-of", LATER.isoformat(), "--group", "army_return")
    # 06.12: f and g; g was discharged 01.12 (5 days ago: not yet at risk by N2, but undetermined
    # more than N1 weeks after graduation -> at risk anyway); f at risk
    assert _brief(got) == {"63": (2, 0, 2, 2, True)}
    everyone = _metrics(path, "--as-of", AT.isoformat())
    assert everyone[0]["total"] == 8


def test_by_program_keeps_the_level_and_names_the_education_level(path: Path) -> None:
    got = _metrics(path, "--as-of", AT.isoformat(), "--by", "program")
    assert [(g["group"]["level"], g["group"]["code"], g["group"]["edu_level"]) for g in got] == [
        ("program", "09.02.07", "ППССЗ"),
        ("program", "15.01.05", "ППКРС"),
    ]
    ovz = _metrics(path, "--as-of", AT.isoformat(), "--by", "program", "--group", "ovz")
    assert _brief(ovz) == {"09.02.07": (2, 1, 2, 1, True), "15.01.05": (1, 1, 1, 0, True)}


def test_group_table_matches_the_cli(path: Path) -> None:
    con = db.open_database(path, read_only=True)
    try:
        with con.cursor() as cur:
            t = groups.group_table(
                cur,
                OPERATOR,
                2024,
                AT,
                BUILTIN_BY_ID["employment_federal"],
                RiskThresholds(8, 4, 12),
                "region",
            )
    finally:
        con.close()
    assert t.select("group", "total", "numerator", "risk_count").rows() == [
        ("ovz", 3, 2, 1),
        ("disabled", 2, 1, 1),
        ("target", 1, 1, 0),
        ("professionalitet", 1, 0, 1),
        ("army_return", 1, 0, 1),
    ]
    assert t["group_label"].to_list()[0] == "Лица с ОВЗ"
