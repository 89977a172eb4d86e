"""Write operations (ops/): each is one transaction with its audit entry and, where a cached figure
depends on it, the dataset-version bump. A failing audit entry rolls the write back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import bcrypt
import duckdb
import pytest

from data_layer import audit, db, users
from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import Scope
from metrics import criteria, indicators, settings
from ops import cases as ops_cases
from ops import criteria as ops_criteria
from ops import reconciliation as ops_reconciliation
from ops import settings as ops_settings
from ops import users as ops_users
from tests.factories import D, Region
from tests.helpers import accounts_in

BASE = Scope("base_centre", None, "bc")


class AuditDownError(RuntimeError):
    pass


@pytest.fixture
def region(tmp_path: Path) -> tuple[duckdb.DuckDBPyConnection, str]:
    r = Region(tmp_path / "ops.duckdb")
    key = r.graduate("P001", 2024)
    r.graduate("P001", 2024)
    r.frdo(key, "P001", D(2024, 6, 28))
    return r.done(), key


def _fail(*_args: object, **_kw: object) -> None:
    raise AuditDownError("audit log unavailable")


def _state(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(dataset version, audit entries)."""
    return db.dataset_version(con), con.execute("SELECT count(*) FROM audit_log").fetchall()[0][0]


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    return int(con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])  # test-only constant names


def _draft(con: duckdb.DuckDBPyConnection) -> criteria.CriteriaSet:
    pub = criteria.published(con, 2024)
    return criteria.CriteriaSet(2024, pub.criteria[:2], 10, 5, comment="два критерия")


# ---------------------------------------------------------------- success: entry and bump as documented


def test_publish_saves_publishes_audits_and_bumps_in_one_go(region: tuple) -> None:  # type: ignore[type-arg]
    con, _ = region
    v0, n0 = _state(con)
    assert ops_criteria.publish(con, BASE, _draft(con)) == 2
    assert criteria.published(con, 2024).version == 2
    assert criteria.draft(con, 2024) is None
    actions = [r[0] for r in con.execute("SELECT action, object FROM audit_log ORDER BY event_id").fetchall()]
    assert actions == ["criteria_draft", "criteria_publish"]
    assert con.execute("SELECT object FROM audit_log WHERE action = 'criteria_publish'").fetchall() == [
        ("критерии 2024 г., версия 2",)
    ]
    assert _state(con) == (v0 + 1, n0 + 2)


def test_publish_of_an_unchanged_draft_writes_no_second_draft_entry(region: tuple) -> None:  # type: ignore[type-arg]
    con, _ = region
    assert ops_criteria.save_draft(con, BASE, _draft(con)) == 2
    v0, n0 = _state(con)
    assert v0 == db.dataset_version(con)  # a draft feeds no cached figure: no bump
    assert ops_criteria.publish_draft(con, BASE, 2024) == 2
    assert _state(con) == (v0 + 1, n0 + 1)


def test_discard_is_audited_and_needs_a_draft(region: tuple) -> None:  # type: ignore[type-arg]
    con, _ = region
    ops_criteria.save_draft(con, BASE, _draft(con))
    ops_criteria.discard_draft(con, BASE, 2024)
    assert criteria.draft(con, 2024) is None
    assert con.execute(
        "SELECT action, object, details FROM audit_log ORDER BY event_id DESC LIMIT 1"
    ).fetchall() == [("criteria_draft", "критерии 2024 г., версия 2", "черновик удалён")]
    with pytest.raises(ScopeError):
        ops_criteria.discard_draft(con, Scope("ministry", None, "m"), 2024)


def test_settings_writes_bump_and_are_base_centre_only(region: tuple) -> None:  # type: ignore[type-arg]
    con, _ = region
    v0, n0 = _state(con)
    ops_settings.set_target(con, BASE, "employment_federal", 2024, 0.7)
    assert indicators.get_target(con, "employment_federal", 2024) == (0.7, 2024)
    assert ops_settings.change_settings(con, BASE, {"risk_n1_weeks": "10", "risk_n2_weeks": "4"}) == {
        "risk_n1_weeks": "10"
    }
    assert ops_settings.change_settings(con, BASE, {"risk_n1_weeks": "10"}) == {}  # nothing to write
    v = ops_settings.save_custom_indicator(con, BASE, "my_ind", "Мой", "", ["employed"], [])
    assert v == 1
    assert _state(con) == (v0 + 3, n0 + 3)
    details = con.execute("SELECT details FROM audit_log ORDER BY event_id").fetchall()
    assert details[0] == ("не задана → 70,0\u00a0%",)
    assert details[1] == ("risk_n1_weeks: 8 → 10",)
    with pytest.raises(ScopeError):
        ops_settings.set_target(con, Scope("ministry", None, "m"), "employment_federal", 2024, 0.5)


def test_decision_and_measure_are_audited_without_a_bump(region: tuple) -> None:  # type: ignore[type-arg]
    con, key = region
    v0, n0 = _state(con)
    ops_reconciliation.decide(con, Scope("college", "P001", "poo"), "P001", 2024, "confirmed")
    mid = ops_cases.add_measure(
        con,
        Scope("college", "P001", "poo"),
        "P001",
        2024,
        key,
        "consultation",
        "Петрова",
        D(2024, 10, 1),
        D(2024, 10, 8),
        " Звонок ",
        today=D(2025, 1, 1),
    )
    assert _state(con) == (v0, n0 + 2)
    assert con.execute("SELECT description FROM case_measures").fetchall() == [("Звонок",)]
    last = con.execute(
        "SELECT action, object, details FROM audit_log ORDER BY event_id DESC LIMIT 1"
    ).fetchall()
    assert last == [("case_measure", "P001/2024", f"мера № {mid} (consultation)")]


# ---------------------------------------------------------------- atomicity: a failing audit entry rolls back


WRITES: dict[str, tuple[Callable[[duckdb.DuckDBPyConnection, str], object], str]] = {
    "save_draft": (lambda con, _k: ops_criteria.save_draft(con, BASE, _draft(con)), "criteria_sets"),
    "publish": (lambda con, _k: ops_criteria.publish(con, BASE, _draft(con)), "criteria_sets"),
    "set_target": (
        lambda con, _k: ops_settings.set_target(con, BASE, "employment_federal", 2024, 0.7),
        "targets",
    ),
    "change_settings": (
        lambda con, _k: ops_settings.change_settings(con, BASE, {"risk_n1_weeks": "9"}),
        "settings",
    ),
    "custom_indicator": (
        lambda con, _k: ops_settings.save_custom_indicator(con, BASE, "x1", "X", "", ["employed"], []),
        "custom_indicators",
    ),
    "decide": (
        lambda con, _k: ops_reconciliation.decide(
            con, Scope("college", "P001", "p"), "P001", 2024, "confirmed"
        ),
        "reconciliation_decisions",
    ),
    "measure": (
        lambda con, k: ops_cases.add_measure(
            con,
            Scope("college", "P001", "p"),
            "P001",
            2024,
            k,
            "consultation",
            "Петрова",
            D(2024, 10, 1),
            D(2024, 10, 8),
            today=D(2025, 1, 1),
        ),
        "case_measures",
    ),
}


@pytest.mark.parametrize("name", list(WRITES))
def test_a_failing_audit_entry_rolls_the_write_back(
    name: str,
    region: tuple,  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    con, key = region
    write, table = WRITES[name]
    criteria.ensure_seeded(con, 2024)  # the seed row is not what is being tested
    before = (_count(con, table), _state(con), settings.get_setting(con, "risk_n1_weeks"))
    with monkeypatch.context() as m:
        m.setattr(audit, "record", _fail)
        with pytest.raises(AuditDownError):
            write(con, key)
    assert (_count(con, table), _state(con), settings.get_setting(con, "risk_n1_weeks")) == before
    # and the same write goes through once the audit log works again
    write(con, key)
    assert _count(con, table) == before[0] + 1
    assert _state(con)[1] > before[1][1]


def test_a_failing_audit_entry_leaves_the_credentials_file_alone(
    region: tuple,  # type: ignore[type-arg]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    con, _ = region
    con.close()
    real_record = audit.record
    creds = tmp_path / "creds.yaml"
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(creds))
    real_gensalt = bcrypt.gensalt
    monkeypatch.setattr(bcrypt, "gensalt", lambda: real_gensalt(4))
    monkeypatch.setattr(audit, "record", _fail)
    with pytest.raises(AuditDownError):
        ops_users.add_user(str(tmp_path / "ops.duckdb"), "ivanov", "Secret-pass-1", "ministry", None, None)
    assert users.load_users() == {}
    monkeypatch.setattr(audit, "record", real_record)
    rec, was_audited = ops_users.add_user(
        str(tmp_path / "ops.duckdb"), "ivanov", "Secret-pass-1", "ministry", None, None
    )
    assert was_audited and list(users.load_users()) == [rec.username] == ["ivanov"]


class _CommitFails:
    """A cursor whose COMMIT fails (the disk filled up between the file write and the commit)."""

    def __init__(self, cur: duckdb.DuckDBPyConnection) -> None:
        self._cur = cur

    def execute(self, sql: str, *args: object) -> object:
        if sql.strip().upper() == "COMMIT":
            raise duckdb.IOException("No space left on device")
        return self._cur.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self._cur, name)


def test_a_lost_audit_entry_after_the_file_write_is_reported_not_silent(
    region: tuple,  # type: ignore[type-arg]
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    con, _ = region
    accounts_in(tmp_path, monkeypatch)
    users.add_user("ivanov", "Secret-pass-1", "college", "P001")
    with pytest.raises(UserFacingError, match="сохранено в файле учётных записей, но не записано в журнал"):
        ops_users.change_password(_CommitFails(con.cursor()), BASE, "ivanov", "Another-pass-2")  # type: ignore[arg-type]
    # the file holds the change, the database has neither the entry nor the revocation: said, not hidden
    assert users.check_password("Another-pass-2", users.load_users()["ivanov"].password_hash)
    assert audit.read_log(con, action="user_change").is_empty()
    assert users.session_generation(con, "ivanov") == 0
    # a failure before the file write leaves the file alone (the transaction rolls back)
    with pytest.raises(UserFacingError, match="не найден"):
        ops_users.change_password(con.cursor(), BASE, "nobody", "Another-pass-2")


def test_schedule_change_is_audited_bumps_and_rolls_back_with_its_entry(
    region: tuple,  # type: ignore[type-arg]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from metrics import timeliness
    from ops import timeliness as ops_timeliness

    con, _ = region
    v0, n0 = _state(con)
    wed = timeliness.Schedule(weekday=3, hour=12, every_weeks=2)
    assert ops_timeliness.set_schedule(con, BASE, 2024, wed)
    assert ops_timeliness.set_schedule(con, BASE, 2024, wed) is False  # the same again: nothing written
    got = timeliness.get_schedule(con, 2024)
    assert (got.weekday, got.hour, got.every_weeks, got.set_by) == (3, 12, 2, "bc")
    assert _state(con) == (v0 + 1, n0 + 1)
    assert con.execute("SELECT action, object, details FROM audit_log").fetchall() == [
        (
            "schedule_change",
            "график выпуска 2024",
            "по пятницам до 18:00 (самарское время) → раз в 2 недели, по средам до 12:00 (самарское время)",
        )
    ]
    with pytest.raises(ScopeError):
        ops_timeliness.set_schedule(con, Scope("college", "P001", "c"), 2024, timeliness.DEFAULT)
    monkeypatch.setattr(audit, "record", _fail)
    with pytest.raises(AuditDownError):
        ops_timeliness.set_schedule(con, BASE, 2024, timeliness.DEFAULT)
    assert _count(con, "update_schedules") == 1  # the write went with its failed entry
