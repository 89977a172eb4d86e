"""Sessions arriving together compute a parts view (ui/parts.py) once: the second waits for the
first one's parts instead of computing the same colleges again."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import polars as pl
import pytest

from ui import parts


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    parts.clear()
    yield
    parts.clear()


def _slow_compute(calls: list[list[str]]) -> object:
    def compute(codes: list[str]) -> pl.DataFrame:
        calls.append(list(codes))
        time.sleep(0.3)  # long enough for the other threads to arrive meanwhile
        return pl.DataFrame({"college_code": codes, "x": [len(c) for c in codes]})

    return compute


def _together(n: int, work: object) -> list[pl.DataFrame]:
    out: list[pl.DataFrame] = [pl.DataFrame()] * n

    def one(i: int) -> None:
        out[i] = work()  # type: ignore[operator]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return out


def test_a_view_missed_by_several_sessions_at_once_is_computed_once() -> None:
    calls: list[list[str]] = []
    compute = _slow_compute(calls)
    versions = {"A": 1, "B": 1, "C": 1}
    results = _together(
        4,
        lambda: parts.assemble(("members", 2025), ["A", "B", "C"], versions, compute),  # type: ignore[arg-type]
    )
    assert calls == [["A", "B", "C"]]
    assert all(r["college_code"].to_list() == ["A", "B", "C"] for r in results)


def test_a_college_asked_for_during_the_region_computation_waits_for_its_part() -> None:
    calls: list[list[str]] = []
    compute = _slow_compute(calls)
    versions = {"A": 1, "B": 1}
    region = threading.Thread(target=lambda: parts.assemble("v", ["A", "B"], versions, compute))  # type: ignore[arg-type]
    region.start()
    time.sleep(0.1)
    one = parts.assemble("v", ["B"], versions, compute)  # type: ignore[arg-type]
    region.join()
    assert calls == [["A", "B"]] and one["college_code"].to_list() == ["B"]


def test_other_views_are_not_held_up() -> None:
    calls: list[list[str]] = []
    compute = _slow_compute(calls)
    versions = {"A": 1}
    _together(2, lambda: parts.assemble(("v", threading.get_ident()), ["A"], versions, compute))  # type: ignore[arg-type]
    assert calls == [["A"], ["A"]]


def test_a_kept_value_is_computed_once() -> None:
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        time.sleep(0.3)
        return 42

    results = _together(3, lambda: parts.kept(("facts", 7), compute))
    assert calls == [1] and results == [42, 42, 42]
