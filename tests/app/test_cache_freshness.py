"""A page never shows figures older than the last load, and a college's load leaves the cached
figures of other colleges' views alone (ui/cached.py keys by (college, cohort) data versions).

A status snapshot of P015 (cohort 2025) is loaded through the importer in the test process, on the
connection the pages use, between two runs of the same pages, as the upload page does.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from data_layer import db, graduates, identity
from data_layer.importer import load_file
from data_layer.scope import OPERATOR, Role, Scope
from data_layer.spells import rebuild_spells
from data_layer.statuses import BY_CODE
from metrics import army, cases, criteria, engine, indicators, quality, quotas, risk, settings, verification
from metrics.formatting import fmt_int, fmt_pct
from ops import cases as case_ops
from ops import identity as identity_ops
from tests.helpers import APP_FILE, login_as, use_copy_of
from ui import cached, parts, quality_ministry

COHORT = 2025
IND = "employment_federal"


@pytest.fixture
def live_db(monitoring_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = use_copy_of(monitoring_db, tmp_path, monkeypatch)
    db.close_all()
    yield path
    db.close_all()


def _open(page: str, role: Role, code: str | None = None, **drill: str) -> AppTest:
    at = login_as(AppTest.from_file(APP_FILE, default_timeout=60), "tester", role, code)
    if drill:
        at.session_state["_vyp_ctx"] = {"cohort": str(COHORT), "ind": IND, **drill}
    at.run()
    at.switch_page(f"pages/screens/{page}.py").run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    return at


def _kpi(at: AppTest, label: str) -> str:
    return str({m.label: m for m in at.metric}[label].value)


def _rate(scope: Scope, college: str | None = None) -> str:
    """The engine's rate now, for the page's default date."""
    with db.cursor() as cur:
        as_of = engine.default_as_of(cur, scope, COHORT)
        ind = indicators.get_indicator(cur, IND)
        filters = {"college": college} if college else None
        row = engine.indicator_table(cur, scope, COHORT, as_of, ind, "region", filters).row(0, named=True)
    return fmt_pct(row["rate"])


def _load_snapshot(tmp: Path, college: str, status: str) -> None:
    """Replace the newest snapshot of `college` (cohort 2025) with every graduate in `status`."""
    with db.cursor() as cur:
        date = cur.execute(
            "SELECT max(snapshot_date) FROM status_rows WHERE college_code = ? AND cohort = ?",
            [college, COHORT],
        ).fetchall()[0][0]
        people = [
            r[0]
            for r in cur.execute(
                "SELECT snils FROM graduates WHERE college_code = ? AND cohort = ? AND snils IS NOT NULL",
                [college, COHORT],
            ).fetchall()
        ]
    file = tmp / f"statuses_{college}_{status}.csv"
    with file.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["СНИЛС", "Код ПОО", "Дата актуализации", "Статус"])
        for snils in people:
            w.writerow([snils, college, date.strftime("%d.%m.%Y"), BY_CODE[status].label])
    res = load_file(db.get_connection(), file, file.name, scope=OPERATOR)
    assert res.ok, (res.message, res.errors[:3])


def test_pages_show_the_figures_of_the_last_load(live_db: Path, tmp_path: Path) -> None:
    region = _open("overview", "ministry")
    own = _open("college", "college", "P015")
    before_region, before_own = _kpi(region, "Значение показателя"), _kpi(own, "Показатель ПОО")
    assert before_region == _rate(Scope("ministry"))

    for status in ("employed", "czn_unemployed", "employed"):
        _load_snapshot(tmp_path, "P015", status)
        region.run()
        own.run()
        assert _kpi(region, "Значение показателя") == _rate(Scope("ministry"))
        assert _kpi(own, "Показатель ПОО") == _rate(Scope("college", "P015"), "P015")
        if status == "czn_unemployed":
            assert _kpi(own, "Показатель ПОО") == fmt_pct(0.0)
    assert _kpi(own, "Показатель ПОО") != before_own  # the loads did change what the page shows
    assert _kpi(region, "Значение показателя") != before_region


def test_a_college_load_does_not_recompute_other_colleges_views(
    live_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, str | None]] = []
    real = engine.indicator_table

    def counting(cur: Any, scope: Scope, *args: Any, **kwargs: Any) -> pl.DataFrame:
        calls.append((scope.role, scope.code))
        return real(cur, scope, *args, **kwargs)

    monkeypatch.setattr(engine, "indicator_table", counting)
    other = _open("college", "college", "P001")
    assert ("college", "P001") in calls
    calls.clear()

    _load_snapshot(tmp_path, "P015", "employed")
    other.run()
    assert ("college", "P001") not in calls  # P001's figures came from the cache
    own = _open("college", "college", "P015")
    assert ("college", "P015") in calls  # P015's were recomputed
    assert _kpi(own, "Показатель ПОО") == fmt_pct(1.0) == _rate(Scope("college", "P015"), "P015")

    # a change not limited to some colleges (a setting, reference data, УФНС) recomputes everything
    calls.clear()
    with db.cursor() as cur:
        db.bump_dataset_version(cur)
    other.run()
    assert ("college", "P001") in calls


def test_a_status_load_keeps_views_of_lists_cached_and_a_list_change_refreshes_them(
    live_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Views that read no status data (graduation lists, ФИС ФРДО, decisions) are keyed by the base
    version: a college's status load leaves them cached, a graduation list change recomputes them."""
    calls: list[int] = []
    real = graduates.graduate_list

    def counting(cur: Any, scope: Scope, *args: Any, **kwargs: Any) -> pl.DataFrame:
        calls.append(1)
        return real(cur, scope, *args, **kwargs)

    monkeypatch.setattr(graduates, "graduate_list", counting)

    def own_list_count() -> int:
        table = cached.reconciliation_table(cached.version(), OPERATOR, COHORT)
        return int(table.filter(pl.col("college_code") == "P015")["list_count"][0])

    people, listed = cached.case_people(cached.version(), OPERATOR, COHORT), own_list_count()
    assert calls == [1]
    _load_snapshot(tmp_path, "P015", "employed")
    assert_frame_equal(cached.case_people(cached.version(), OPERATOR, COHORT), people)
    assert own_list_count() == listed and calls == [1]  # nothing recomputed

    with db.cursor() as cur:  # one more graduate in P015's list (a graduation list load moves the base)
        cur.execute(
            """INSERT INTO graduates SELECT * REPLACE ('99999999999' AS person_key, '99999999999' AS snils,
                      'Новикова' AS last_name)
               FROM graduates WHERE college_code = 'P015' AND cohort = ? LIMIT 1""",
            [COHORT],
        )
        db.bump_dataset_version(cur)
    fresh = cached.case_people(cached.version(), OPERATOR, COHORT)
    assert calls == [1, 1] and fresh.height == people.height + 1
    assert own_list_count() == listed + 1


def _case_totals(scope: Scope) -> dict[str, str]:
    """The case figures the page heads with, computed from the store (no cache)."""
    with db.cursor() as cur:
        as_of = engine.default_as_of(cur, scope, COHORT)
        counts = cases.case_counts(cases.cases(cur, scope, COHORT, as_of, settings.risk_thresholds(cur)))
    return {k: fmt_int(int(counts[k].sum())) for k in ("open", "open_with_overdue", "stale")}


def _case_kpis(at: AppTest) -> dict[str, str]:
    return {
        "open": _kpi(at, "Открытых случаев"),
        "open_with_overdue": _kpi(at, "С просроченной мерой"),
        "stale": next(str(m.value) for m in at.metric if m.label.startswith("Без мер дольше")),
    }


def test_cases_page_follows_loads_and_measures(live_db: Path, tmp_path: Path) -> None:
    """«Работа с группой риска» keeps its cases in process memory (ui/cases_data.py): a load and a
    recorded measure or outcome (which bump no dataset version) show on the next run."""
    region, own = _open("cases", "base_centre"), _open("cases", "college", "P015")
    mine = Scope("college", "P015", "tester")
    assert _case_kpis(region) == _case_totals(OPERATOR) and _case_kpis(own) == _case_totals(mine)
    before = _case_kpis(own)
    _load_snapshot(tmp_path, "P015", "informal")
    region.run()
    own.run()
    assert _case_kpis(region) == _case_totals(OPERATOR) and _case_kpis(own) == _case_totals(mine)
    assert _case_kpis(own) != before  # the load did change the cases
    loaded = _case_kpis(own)

    with db.cursor() as cur:
        as_of = engine.default_as_of(cur, mine, COHORT)
        frame = cases.cases(cur, mine, COHORT, as_of, settings.risk_thresholds(cur))
        person = frame.filter(pl.col("state") == "open")["person_key"][0]
        start = frame.filter(pl.col("person_key") == person)["entry_date"].max()
        measure = case_ops.add_measure(
            cur, mine, "P015", COHORT, person, "consultation", "Петрова", start, start
        )
    region.run()
    own.run()
    # due on the day it was taken, no outcome: one more open case with an overdue measure
    assert _case_kpis(own)["open_with_overdue"] == fmt_int(int(loaded["open_with_overdue"]) + 1)
    assert _case_kpis(region) == _case_totals(OPERATOR) and _case_kpis(own) == _case_totals(mine)
    with db.cursor() as cur:
        case_ops.record_outcome(cur, mine, measure, "done", start, today=as_of)
    own.run()
    assert _case_kpis(own) == _case_totals(mine) == loaded


def _contest_and_discharge() -> None:
    """Make the region exercise every input of the risk group: a СНИЛС of P015 also listed by P003
    (a contested pair: its external facts withheld) and conscripts of P015 and P001 discharged."""
    with db.cursor() as cur:
        cur.execute(
            """INSERT INTO graduates SELECT * REPLACE ('P003' AS college_code, 2024 AS cohort)
               FROM graduates WHERE college_code = 'P015' AND cohort = ? AND snils IS NOT NULL
               ORDER BY snils LIMIT 1""",
            [COHORT],
        )
        cur.execute(
            """UPDATE status_rows SET discharge_date = snapshot_date - 60
               WHERE cohort = ? AND college_code IN ('P015', 'P001') AND status = 'military_conscript'
                 AND snapshot_date >= DATE '2026-03-01'""",
            [COHORT],
        )
        rebuild_spells(cur)
        db.bump_dataset_version(cur)


def _allow_contested(college: str) -> None:
    """The base centre decides the contested pairs of `college` are its graduates (their external
    facts shown from now on): a change of the base data (metrics.verification.ExternalFacts)."""
    with db.cursor() as cur:
        pairs = cur.sql(
            f"SELECT DISTINCT snils FROM ({identity.CONTESTED_SQL}) WHERE college_code = ?", params=[college]
        ).fetchall()
        assert pairs
        for (snils,) in pairs:
            identity_ops.decide(cur, OPERATOR, snils, college, "allowed")


def test_region_views_assembled_from_college_parts_equal_the_region_computation(
    live_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ui/parts.py: after each college's load the register, stays, risk counts and verification
    assembled from per-college parts equal the region-wide computation (and the criteria values
    built on them), and only the loaded college is recomputed; a change of the base data (a decision
    on a contested СНИЛС) refreshes the external facts the parts share."""
    parts.clear()
    _contest_and_discharge()
    computed: list[object] = []
    real = risk.risk_register

    def recording(
        cur: Any, scope: Scope, cohort: int, as_of: Any, thr: Any, filters: Any = None, *a: Any
    ) -> Any:
        computed.append((filters or {}).get("college"))
        return real(cur, scope, cohort, as_of, thr, filters, *a)

    monkeypatch.setattr(risk, "risk_register", recording)
    territory = Scope("territory", _territory_of("P015"))
    own_returnees: list[int] = []
    for college, status in [
        (None, None),
        ("P015", "czn_unemployed"),
        ("P001", "informal"),
        (None, "allow"),
        ("P015", "employed"),
    ]:
        if college:
            _load_snapshot(tmp_path, college, status)
        elif status:
            _allow_contested("P015")
        computed.clear()
        with db.cursor() as cur:
            as_of = engine.default_as_of(cur, OPERATOR, COHORT)
            thr = settings.risk_thresholds(cur)
            assert_frame_equal(cached._register(COHORT, as_of, None), real(cur, OPERATOR, COHORT, as_of, thr))
            if college:
                assert computed == [[college]]  # one query, for the loaded college only
            assert_frame_equal(
                cached._stays(COHORT, as_of, None), risk.risk_stays(cur, OPERATOR, COHORT, as_of, thr)
            )
            returnees = cached._returnees(COHORT, as_of, None)
            assert_frame_equal(returnees, army.returnee_list(cur, OPERATOR, COHORT, as_of))
            own_returnees.append(returnees.filter(pl.col("college_code") == "P015").height)
            for scope in (territory, Scope("college", "P015")):
                colleges = cached.view_colleges(cached.version(), scope)
                assert_frame_equal(
                    army.count_returnees(cached._returnees(COHORT, as_of, colleges)),
                    army.returnee_counts(cur, scope, COHORT, as_of),
                )
                assert_frame_equal(
                    cached._register(COHORT, as_of, colleges), real(cur, scope, COHORT, as_of, thr)
                )
                assert_frame_equal(
                    cached._stays(COHORT, as_of, colleges), risk.risk_stays(cur, scope, COHORT, as_of, thr)
                )
            program = cur.execute(
                "SELECT min(program_code) FROM graduates WHERE college_code = 'P015'"
            ).fetchall()[0][0]
            for by in ("region", "territory", "college", "program"):
                for f in ((), (("is_target", True),), (("army_return_by", as_of),), (("program", program),)):
                    assert_frame_equal(
                        cached._risk_counts(COHORT, as_of, by, None, f),
                        risk.risk_counts(cur, OPERATOR, COHORT, as_of, thr, by, dict(f)),
                    )
            f = (("program", program),)
            assert_frame_equal(
                cached._restrict(cached._register(COHORT, as_of, None), COHORT, None, f),
                real(cur, OPERATOR, COHORT, as_of, thr, dict(f)),
            )
            assert_frame_equal(
                cached._restrict(cached._stays(COHORT, as_of, None), COHORT, None, f),
                risk.risk_stays(cur, OPERATOR, COHORT, as_of, thr, dict(f)),
            )
            keys = ["college_code", "person_key"]
            assert_frame_equal(
                cached._verification(COHORT, as_of, None).sort(keys),
                verification.verification_frame(cur, OPERATOR, COHORT, as_of).sort(keys),
            )
            assert_frame_equal(
                cached.college_metric_values(cached.version(), COHORT, as_of),
                criteria.college_metric_values(cur, COHORT, as_of),
            )
            for scope in (Scope("ministry"), territory):
                assert_frame_equal(
                    quality_ministry.colleges(cached.version(), scope, COHORT, as_of),
                    quality.college_quality(cur, scope, COHORT, as_of),
                )
                quota, years = quality_ministry.quota(cached.version(), scope, COHORT, as_of, IND)
                expected, expected_years = quotas.quota_table(
                    cur, scope, COHORT, as_of, indicators.get_indicator(cur, IND)
                )
                assert years == expected_years and len(years) > 1
                assert_frame_equal(quota, expected)
    with db.cursor() as cur:  # the injected inputs did reach the figures
        reasons = (
            risk.risk_register(cur, OPERATOR, COHORT, as_of, thr)["reasons"].explode().unique().to_list()
        )
    assert "army_return" in reasons
    # P015's conscripts were listed, then its loads reported nobody in the army: a stale part shows them
    assert own_returnees[0] > 0 and own_returnees[1] == 0, own_returnees


def _territory_of(college: str) -> str:
    with db.cursor() as cur:
        return str(engine.college_territory(cur, college))
