"""Risk group (docs/domain.md §6): each reason by hand, with the N1–N3 edges; entry and exit dates."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest

from data_layer.scope import OPERATOR, Scope
from metrics import risk
from metrics.settings import RiskThresholds
from tests.factories import D, Region

GRAD = D(2024, 6, 28)
T = RiskThresholds(n1_weeks=8, n2_weeks=4, n3_weeks=12)


@pytest.fixture
def region(tmp_path: Path) -> Region:
    return Region(tmp_path / "r.duckdb")


def reasons_at(con, when, thresholds=T, scope=OPERATOR) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    m = risk.reason_list(risk.membership(con, scope, 2024, [when], thresholds))
    return dict(zip(m["person_key"].to_list(), m["reasons"].to_list(), strict=True))


def test_risk_status(region: Region) -> None:
    k = region.graduate(graduation=GRAD)
    region.status(k, D(2024, 7, 5), "no_motivation")
    assert reasons_at(region.done(), D(2024, 7, 5)) == {k: ["risk_status"]}


def test_no_status_exactly_n1_weeks_is_not_yet_risk(region: Region) -> None:
    unknown = region.graduate(graduation=GRAD)  # never in any snapshot
    undetermined = region.graduate(graduation=GRAD)
    region.status(undetermined, D(2024, 7, 5), "undetermined")
    con = region.done()
    exactly = GRAD + (D(2024, 1, 1) - D(2023, 12, 25)) * 8  # 8 weeks = 56 days after graduation
    assert exactly == D(2024, 8, 23)
    assert reasons_at(con, exactly) == {}
    assert reasons_at(con, D(2024, 8, 24)) == {unknown: ["no_status"], undetermined: ["no_status"]}
    # N1 is a setting: with N1 = 9 weeks the same day is fine
    assert reasons_at(con, D(2024, 8, 24), RiskThresholds(9, 4, 12)) == {}


def test_army_return(region: Region) -> None:
    back_idle = region.graduate(graduation=GRAD)
    back_working = region.graduate(graduation=GRAD)
    for k in (back_idle, back_working):
        region.status(k, D(2024, 11, 1), "military_conscript")
        region.status(k, D(2025, 11, 7), "undetermined", discharge=D(2025, 11, 3))
    region.status(back_working, D(2025, 11, 21), "employed", start=D(2025, 11, 17))
    con = region.done()
    # 4 weeks after discharge (03.11 + 28 days = 01.12): not yet; 02.12: the idle one is at risk
    # (an undetermined graduate this long after graduation is also in the group for "no_status")
    r1 = reasons_at(con, D(2025, 12, 1))
    assert r1.get(back_idle) == ["no_status"]
    assert back_working not in r1
    r2 = reasons_at(con, D(2025, 12, 2))
    assert r2.get(back_idle) == ["no_status", "army_return"]
    assert back_working not in r2


def test_czn_registered(region: Region) -> None:
    k = region.graduate(graduation=GRAD)
    region.status(k, D(2024, 7, 5), "continuing_education")
    region.czn(k, reg=D(2024, 8, 1), extract=D(2024, 11, 1), dereg=D(2024, 9, 1))
    con = region.done()
    assert reasons_at(con, D(2024, 7, 31)) == {}
    assert reasons_at(con, D(2024, 8, 1)) == {k: ["czn_registered"]}
    assert reasons_at(con, D(2024, 9, 1)) == {}  # deregistered


def test_unconfirmed_work_after_n3_weeks(region: Region) -> None:
    unconfirmed = region.graduate(graduation=GRAD)
    confirmed = region.graduate(graduation=GRAD)
    for k in (unconfirmed, confirmed):
        region.status(k, D(2024, 7, 5), "employed", start=D(2024, 7, 1))
    region.ufns(confirmed, start=D(2024, 7, 1), extract=D(2024, 12, 1))
    con = region.done()
    # the clock starts at the first declaration (snapshot 05.07), not at the job start 01.07:
    # 12 weeks after 05.07 = 27.09: not yet; 28.09: unconfirmed
    assert reasons_at(con, D(2024, 9, 27)) == {}
    assert reasons_at(con, D(2024, 9, 28)) == {unconfirmed: ["unconfirmed_work"]}


def test_n3_clock_starts_at_first_declaration_not_at_an_old_job_start(region: Region) -> None:
    """Issue 11 item 9. A job declared with a start date long before graduation used to put the
    graduate in the group at once; a change of «по специальности» does not restart the clock, a
    change of the work status does."""
    old_job = region.graduate(graduation=GRAD)
    region.status(old_job, D(2024, 8, 2), "employed", start=D(2022, 9, 1))
    region.status(old_job, D(2024, 8, 30), "employed", start=D(2022, 9, 1), by_specialty=True)
    changed = region.graduate(graduation=GRAD)
    region.status(changed, D(2024, 7, 5), "employed", start=D(2024, 7, 1))
    region.status(changed, D(2024, 9, 6), "self_employed", start=D(2024, 9, 1))
    region.ufns(region.graduate(graduation=GRAD), start=D(2024, 1, 1), extract=D(2025, 6, 1))  # coverage
    con = region.done()
    spells = con.execute(
        "SELECT status, by_specialty, valid_from, declared_from FROM status_spells WHERE person_key = ? "
        "ORDER BY valid_from",
        [old_job],
    ).fetchall()
    # unknown from graduation 28.06 to the first snapshot; the by_specialty change splits the spell
    assert spells == [
        ("unknown", False, GRAD, None),
        ("employed", False, D(2024, 8, 2), D(2024, 8, 2)),
        ("employed", True, D(2024, 8, 30), D(2024, 8, 2)),
    ]
    # old_job: 02.08 + 84 days = 25.10 -> in from 26.10 (not at graduation, not from 30.08 + 12 weeks)
    assert old_job not in reasons_at(con, D(2024, 10, 25))
    assert reasons_at(con, D(2024, 10, 26)).get(old_job) == ["unconfirmed_work"]
    # changed: self-employed declared 06.09 -> clock restarts: in from 06.09 + 85 days = 30.11;
    # as employed it would have been in from 28.09
    assert changed not in reasons_at(con, D(2024, 9, 28))
    assert changed not in reasons_at(con, D(2024, 11, 29))
    assert reasons_at(con, D(2024, 11, 30)).get(changed) == ["unconfirmed_work"]


def test_unconfirmed_work_follows_the_ufns_records_over_time(region: Region) -> None:
    """Records are checked at least(D, coverage); coverage = newest extract = 01.12.2024.
    All four declared work on 05.07 (N3 = 12 weeks from the declaration: unconfirmed possible
    from 28.09)."""
    ended = region.graduate(graduation=GRAD)  # job 01.07–30.09, then nothing
    gap = region.graduate(graduation=GRAD)  # 01.07–30.09 and again from 15.10 (overlapping records)
    late = region.graduate(graduation=GRAD)  # only a record starting after coverage
    open_ = region.graduate(graduation=GRAD)  # record still open at coverage: confirmed ever after
    for k in (ended, gap, late, open_):
        region.status(k, D(2024, 7, 5), "employed", start=D(2024, 7, 1))
    region.ufns(ended, start=D(2024, 7, 1), end=D(2024, 9, 30), extract=D(2024, 12, 1))
    region.ufns(gap, start=D(2024, 7, 1), end=D(2024, 9, 30), extract=D(2024, 12, 1))
    region.ufns(gap, start=D(2024, 10, 15), end=D(2024, 11, 20), extract=D(2024, 12, 1), kind="self_employed")
    region.ufns(gap, start=D(2024, 11, 1), extract=D(2024, 12, 1), kind="entrepreneur")
    region.ufns(late, start=D(2024, 12, 2), extract=D(2024, 12, 1))
    region.ufns(open_, start=D(2024, 7, 1), extract=D(2024, 12, 1))
    con = region.done()
    assert reasons_at(con, D(2024, 9, 30)) == {late: ["unconfirmed_work"]}
    # 01.10: ended and gap have no active record; late never has one before coverage
    assert set(reasons_at(con, D(2024, 10, 1))) == {ended, gap, late}
    assert set(reasons_at(con, D(2024, 10, 14))) == {ended, gap, late}
    assert set(reasons_at(con, D(2024, 10, 15))) == {ended, late}  # gap: self-employed from 15.10
    # gap after coverage: the entrepreneur record is open at 01.12, so it counts for ever after
    assert set(reasons_at(con, D(2025, 3, 1))) == {ended, late}
    reg = risk.risk_register(con, OPERATOR, 2024, D(2024, 11, 29), T)
    rows = {r["person_key"]: r for r in reg.iter_rows(named=True)}
    assert (rows[gap]["entry_date"], rows[gap]["exit_date"]) == (D(2024, 10, 4), D(2024, 10, 18))
    assert (rows[ended]["entry_date"], rows[ended]["in_group"]) == (D(2024, 10, 4), True)
    assert rows[late]["entry_date"] == D(2024, 10, 4)  # first Friday after 28.09
    assert open_ not in rows


def test_unconfirmed_work_needs_external_data(region: Region) -> None:
    k = region.graduate(graduation=GRAD)
    region.status(k, D(2024, 7, 5), "employed", start=D(2024, 7, 1))
    con = region.done()
    assert reasons_at(con, D(2024, 12, 1)) == {}  # no УФНС extract at all: nothing to confirm against


def test_several_reasons_and_counts(region: Region) -> None:
    k = region.graduate(graduation=GRAD)
    region.status(k, D(2024, 7, 5), "czn_unemployed")
    region.czn(k, reg=D(2024, 7, 2), extract=D(2024, 11, 1))
    other = region.graduate(college="P003", graduation=GRAD)
    region.status(other, D(2024, 7, 5), "informal", college="P003")
    con = region.done()
    assert reasons_at(con, D(2024, 7, 10)) == {k: ["risk_status", "czn_registered"], other: ["risk_status"]}
    c = risk.risk_counts(con, OPERATOR, 2024, D(2024, 7, 10), T, "college")
    assert dict(zip(c["code"], c["risk_count"], strict=True)) == {"P001": 1, "P003": 1}
    assert c.filter(c["code"] == "P001")["czn_registered"][0] == 1
    # scope: a college counts only its own
    own = risk.risk_counts(con, Scope("college", "P003", "c"), 2024, D(2024, 7, 10), T, "region")
    assert own["risk_count"].to_list() == [1]


def test_register_entry_exit_and_resolution(region: Region) -> None:
    k = region.graduate(graduation=GRAD)
    region.status(k, D(2024, 7, 5), "informal")
    region.status(k, D(2024, 8, 2), "employed", start=D(2024, 7, 29))
    stay = region.graduate(graduation=GRAD)
    region.status(stay, D(2024, 7, 12), "other_risk")
    con = region.done()
    reg = risk.risk_register(con, OPERATOR, 2024, D(2024, 8, 9), T)
    rows = {r["person_key"]: r for r in reg.iter_rows(named=True)}
    assert rows[k]["in_group"] is False
    assert rows[k]["entry_date"] == D(2024, 7, 5)
    assert rows[k]["exit_date"] == D(2024, 8, 2)
    assert rows[k]["left_for_work_study"] is True
    assert rows[stay]["in_group"] is True
    assert rows[stay]["entry_date"] == D(2024, 7, 12)
    assert rows[stay]["exit_date"] is None
    assert rows[stay]["weeks_in_group"] == 4  # 12.07 -> 09.08
    res = risk.resolved_share_by_college(con, OPERATOR, 2024, D(2024, 8, 9), T)
    assert res.row(0, named=True)["resolved_share"] == pytest.approx(0.5)


def test_newest_extract_closes_a_registration(region: Region) -> None:
    k = region.graduate(graduation=GRAD)
    region.status(k, D(2024, 7, 5), "continuing_education")
    # the October extract shows the registration open, the November one closed on 15.10
    region.czn(k, reg=D(2024, 9, 1), extract=D(2024, 10, 1))
    region.czn(k, reg=D(2024, 9, 1), extract=D(2024, 11, 1), dereg=D(2024, 10, 15))
    con = region.done()
    assert reasons_at(con, D(2024, 10, 1)) == {k: ["czn_registered"]}
    assert reasons_at(con, D(2024, 10, 20)) == {}


def test_register_keeps_the_last_of_two_stays(region: Region) -> None:
    back = region.graduate(graduation=GRAD)  # in, out, in again
    region.status(back, D(2024, 7, 5), "informal")
    region.status(back, D(2024, 7, 19), "employed", start=D(2024, 7, 15))
    region.status(back, D(2024, 8, 2), "no_motivation")
    twice = region.graduate(graduation=GRAD)  # in, out, in, out
    region.status(twice, D(2024, 7, 5), "other_risk")
    region.status(twice, D(2024, 7, 12), "continuing_education")
    region.status(twice, D(2024, 7, 26), "informal")
    region.status(twice, D(2024, 8, 9), "employed", start=D(2024, 8, 5))
    con = region.done()
    reg = risk.risk_register(con, OPERATOR, 2024, D(2024, 8, 16), T)
    rows = {r["person_key"]: r for r in reg.iter_rows(named=True)}
    assert (rows[back]["in_group"], rows[back]["entry_date"], rows[back]["exit_date"]) == (
        True,
        D(2024, 8, 2),
        None,
    )
    assert rows[back]["reasons"] == ["risk_status"]
    assert rows[back]["weeks_in_group"] == 2  # 02.08 -> 16.08
    # second stay: 26.07 and 02.08 (informal), left at the 09.08 checkpoint
    assert (rows[twice]["in_group"], rows[twice]["entry_date"], rows[twice]["exit_date"]) == (
        False,
        D(2024, 7, 26),
        D(2024, 8, 9),
    )
    assert rows[twice]["weeks_in_group"] == 2
    assert rows[twice]["left_for_work_study"] is True


def _register_from_membership(con, as_of):  # type: ignore[no-untyped-def]
    """Straightforward reference: membership at every checkpoint, stays walked in Python."""
    dates = risk.history_dates(con, OPERATOR, 2024, as_of)
    m = risk.reason_list(risk.membership(con, OPERATOR, 2024, dates, T))
    at: dict[tuple[str, str], dict[dt.date, list[str]]] = {}
    for r in m.iter_rows(named=True):
        at.setdefault((r["college_code"], r["person_key"]), {})[r["d"]] = r["reasons"]
    out = {}
    for key, seen in at.items():
        idx = [dates.index(d) for d in sorted(seen)]
        first = idx[-1]
        while first - 1 in idx:
            first -= 1
        last = idx[-1]
        exit_date = dates[last + 1] if last < len(dates) - 1 else None
        out[key] = (dates[first], exit_date, seen[dates[last]])
    return out


def test_register_equals_a_walk_over_weekly_membership(region: Region) -> None:
    rnd = random.Random(11)
    statuses = [
        "employed",
        "informal",
        "undetermined",
        "continuing_education",
        "no_motivation",
        "self_employed",
    ]
    for _ in range(40):
        k = region.graduate(college=rnd.choice(["P001", "P003"]), graduation=GRAD)
        college = region.con.execute(
            "SELECT college_code FROM graduates WHERE person_key = ?", [k]
        ).fetchone()
        assert college is not None
        day = D(2024, 7, 5)
        while day < D(2024, 12, 1):
            if rnd.random() < 0.6:
                region.status(k, day, rnd.choice(statuses), college=college[0])
            day += dt.timedelta(days=7 * rnd.randint(1, 3))
        if rnd.random() < 0.3:
            region.czn(k, reg=D(2024, 9, rnd.randint(1, 28)), extract=D(2024, 11, 1))
    con = region.done()
    as_of = D(2024, 11, 29)
    reg = risk.risk_register(con, OPERATOR, 2024, as_of, T)
    ours = {
        (r["college_code"], r["person_key"]): (r["entry_date"], r["exit_date"], r["reasons"])
        for r in reg.iter_rows(named=True)
    }
    expected = _register_from_membership(con, as_of)
    assert len(expected) > 10
    assert ours == expected
