"""data_layer.graduates.graduate_statuses: the college card's graduate list — scoped, personal data
only for the college itself and the base centre, СНИЛС masked, the status at the as-of date."""

from __future__ import annotations

from pathlib import Path

import pytest

from data_layer.errors import ScopeError
from data_layer.graduates import graduate_statuses
from data_layer.scope import Scope
from tests.factories import D, Region


@pytest.fixture
def con(tmp_path: Path):  # type: ignore[no-untyped-def]
    r = Region(tmp_path / "g.duckdb")
    a = r.graduate(college="P001", program="09.02.07", snils="11223344595")
    b = r.graduate(college="P001", program="15.01.05")
    r.graduate(college="P002")
    r.status(a, D(2024, 7, 5), "undetermined")
    r.status(a, D(2024, 8, 2), "employed", start=D(2024, 7, 20))
    r.status(b, D(2024, 8, 2), "continuing_education")
    yield r.done()


def test_status_at_the_date_with_masked_snils(con) -> None:  # type: ignore[no-untyped-def]
    out = graduate_statuses(con, Scope("college", "P001", "u"), "P001", 2024, D(2024, 8, 10))
    rows = {r["program_code"]: r for r in out.iter_rows(named=True)}
    assert set(out.columns) == {
        "fio",
        "snils_masked",
        "program_code",
        "program_name",
        "status",
        "status_label",
        "status_date",
    }
    first = rows["09.02.07"]
    assert first["snils_masked"] == "***-***-445 95"
    assert (first["status"], first["status_date"]) == ("employed", D(2024, 7, 20))  # the declared start
    assert first["status_label"].startswith("Трудоустроен")
    assert rows["15.01.05"]["status_date"] == D(2024, 8, 2)  # no start given: the first snapshot
    assert "11223344595" not in str(out.to_dicts())


def test_before_any_snapshot_the_status_is_unknown_without_a_date(con) -> None:  # type: ignore[no-untyped-def]
    out = graduate_statuses(con, Scope("base_centre"), "P001", 2024, D(2024, 7, 1))
    assert out["status"].to_list() == ["unknown", "unknown"]
    assert out["status_date"].to_list() == [None, None]


def test_program_filter(con) -> None:  # type: ignore[no-untyped-def]
    out = graduate_statuses(con, Scope("base_centre"), "P001", 2024, D(2024, 8, 10), program="15.01.05")
    assert out["status"].to_list() == ["continuing_education"]


@pytest.mark.parametrize(
    "scope",
    [Scope("ministry"), Scope("territory", "TU01", "u"), Scope("college", "P002", "u")],
    ids=["ministry", "territory", "other college"],
)
def test_refused_outside_personal_data_scope(con, scope: Scope) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ScopeError):
        graduate_statuses(con, scope, "P001", 2024, D(2024, 8, 10))
