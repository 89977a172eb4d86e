"""The cache warm-up (ui/warmup.py): after it, the first pages of every role compute nothing — no
indicator table, series, comparison, risk membership or criteria value is computed again when a
user of any name opens them — and the health facts say where it stands."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from cli.maintenance import warmup_text
from data_layer import db, health, service, warm_state
from data_layer.scope import Role, Scope, cache_identity
from metrics import criteria, engine, forecast, risk, verification
from tests.helpers import APP_FILE, login_as, use_copy_of
from ui import cached, cases_data, parts, warmup

# What a cold first page computes (the expensive metrics functions the cached views call).
COMPUTED: tuple[tuple[Any, str], ...] = (
    (engine, "indicator_table"),
    (engine, "weekly_series"),
    (engine, "comparison_counts"),
    (forecast, "trajectory_shares"),
    (risk, "membership"),
    (verification, "verification_frame"),
    (criteria, "college_metric_values"),
)


@pytest.fixture
def live_db(monitoring_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = use_copy_of(monitoring_db, tmp_path, monkeypatch)
    db.close_all()
    st.cache_data.clear()
    st.cache_resource.clear()
    parts.clear()
    cases_data.clear()
    warm_state.reset()
    yield path
    db.close_all()


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> Callable[[], dict[str, int]]:
    """Count the calls of the expensive metrics functions from now on."""
    calls: dict[str, int] = {}

    def counting(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] = calls.get(name, 0) + 1
            return fn(*args, **kwargs)

        return wrapper

    def start() -> dict[str, int]:
        for module, name in COMPUTED:
            monkeypatch.setattr(module, name, counting(name, getattr(module, name)))
        return calls

    return start


def _render(page: str, role: Role, code: str | None, username: str) -> AppTest:
    at = login_as(AppTest.from_file(APP_FILE, default_timeout=60), username, role, code)
    at.run()
    if page != "home":
        at.switch_page(f"pages/screens/{page}.py").run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    return at


AGG_PAGES = ("home", "overview", "territories", "ranking")


@pytest.mark.parametrize(
    ("role", "code", "pages"),
    [
        ("ministry", None, (*AGG_PAGES, "specialties", "priority_groups", "college")),
        ("base_centre", None, (*AGG_PAGES, "specialties", "priority_groups", "college")),
        ("territory", "TU01", AGG_PAGES),
    ],
)
def test_first_pages_compute_nothing_after_the_warm_up(
    live_db: Path,
    computed: Callable[[], dict[str, int]],
    role: Role,
    code: str | None,
    pages: tuple[str, ...],
) -> None:
    steps: list[int] = []
    warmup.warm_all(lambda: steps.append(1))
    assert steps, "the warm-up computed no view"
    calls = computed()
    for page in pages:
        # a user name the warm-up never saw: the cache is keyed by role and code only
        _render(page, role, code, f"someone_{role}")
        assert calls == {}, f"{role} /{page} computed {calls} after the warm-up"


def test_without_the_warm_up_the_same_pages_compute(
    live_db: Path, computed: Callable[[], dict[str, int]]
) -> None:
    """The check above can fail: a cold overview computes indicator tables."""
    calls = computed()
    _render("overview", "ministry", None, "someone")
    assert calls.get("indicator_table", 0) > 0


def test_users_of_one_scope_share_cached_results(
    live_db: Path, computed: Callable[[], dict[str, int]]
) -> None:
    calls = computed()
    first = cached.indicator_table(
        cached.version(), Scope("ministry", None, "a"), 2025, _as_of(), "employment_federal"
    )
    n = calls["indicator_table"]
    again = cached.indicator_table(
        cached.version(), Scope("ministry", None, "b"), 2025, _as_of(), "employment_federal"
    )
    assert calls["indicator_table"] == n and again.equals(first)
    cached.indicator_table(
        cached.version(), Scope("base_centre", None, "a"), 2025, _as_of(), "employment_federal"
    )
    assert calls["indicator_table"] == n + 1  # another role: its own entry
    assert cache_identity(Scope("territory", "TU01", "x")) == ("territory", "TU01")


def _as_of() -> Any:
    return cached.default_as_of(cached.version(), Scope("ministry"), 2025, cached.deadline_clock())


def test_the_health_facts_follow_the_warm_up(live_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VYPUSK_WARMUP", "1")
    monkeypatch.setattr(warmup, "_started", set())
    assert warm_state.snapshot(live_db)["warmup_state"] == "not_started"
    warmup.ensure_started()
    warmup.ensure_started()  # once per process and database
    deadline = time.monotonic() + 120
    while warm_state.snapshot(live_db)["warmup_state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    state = warm_state.snapshot(live_db)
    assert state["warmup_state"] == "done" and state["warmup_steps"] > 0 and state["warmup_s"] >= 0
    facts = service.live_health(db.get_connection(live_db), live_db)
    assert facts["warmup_state"] == "done" and facts["database_reachable"]
    assert health.problems(facts) == []
    assert warmup_text(facts).startswith("выполнен за ")


def test_a_failed_warm_up_is_a_problem(live_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(warmup, "warm_all", lambda progress: 1 / 0)
    warm_state.started(live_db)
    warmup._run(str(live_db))
    state = warm_state.snapshot(live_db)
    assert state["warmup_state"] == "failed" and "ZeroDivisionError" in state["warmup_error"]
    assert health.problems(state | {"database_reachable": True}) == [
        f"прогрев кэша при запуске не удался: {state['warmup_error']}"
    ]
    assert warmup_text(state) == "не удался"


def test_the_warm_up_can_be_turned_off(live_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VYPUSK_WARMUP", "0")
    monkeypatch.setattr(warmup, "_started", set())
    warmup.ensure_started()
    assert warm_state.snapshot(live_db)["warmup_state"] == "not_started"
    assert warmup_text(warm_state.snapshot(live_db)).startswith("не начат")
