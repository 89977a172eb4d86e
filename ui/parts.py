"""Region-wide results assembled from per-college parts (issue 16, item 1).

A status snapshot load changes one (college, cohort) pair (`db.CacheVersions`). The risk register,
the risk stays and the risk-group membership of a cohort are per-graduate rows, and each graduate's
rows depend only on his own college's data of the cohort and on data whose change moves the base
version (graduation lists, reference, УФНС/ЦЗН, settings). So these results are kept here per
college, each part tagged with the version of its pair: after one college's load only that
college's part is computed again (one query restricted to it) and the region's result is the
concatenation of the parts. Colleges without a current part (a cold start, a change of everything)
are computed together, as the region-wide query would, in groups of colleges small enough that
DuckDB's working memory for one query stays bounded (`GROUP_ROWS`: a cold federal-scale register in
one query takes ~1,7 GB, in groups of ~70 000 graduates ~0,3 GB at the same CPU time; issue 16 item
2). The metrics functions stay the
only definitions: a part is the same function with a college filter (tests/unit/test_parts.py
checks that the assembled result equals the region-wide one after several loads).

Parts are polars frames in process memory (not pickled), for a bounded number of views; the
results pages show are cached by `ui/cached.py` as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TypeVar

import polars as pl

T = TypeVar("T")

MAX_VIEWS = 24  # (kind, database, cohort, date, parameters) combinations kept (least recently used go)
# The most rows (graduates x checkpoints) one computation of missing parts covers; more are split into
# groups of colleges. ~6 M rows: ~0,25 GB of DuckDB working memory for the risk register (3 M rows:
# about the same peak, +25 % CPU).
GROUP_ROWS = 6_000_000

_lock = threading.Lock()
_views: OrderedDict[Hashable, dict[str, tuple[int, pl.DataFrame]]] = OrderedDict()
_kept: dict[Hashable, object] = {}  # `kept`: one (key, value), a value of the current base data


class KeyedLocks:
    """One lock per key, made on first use: one computation of a key at a time (sessions asking for
    the same key meanwhile wait for it and then find its result)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._locks: dict[Hashable, threading.Lock] = {}

    def __call__(self, key: Hashable) -> threading.Lock:
        with self._lock:
            return self._locks.setdefault(key, threading.Lock())

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._locks.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._locks.clear()


_compute_lock = KeyedLocks()  # a lock per view (and kept key) being computed


def assemble(
    view: Hashable,
    colleges: Sequence[str],
    versions: Mapping[str, int],
    compute: Callable[[list[str]], pl.DataFrame],
    weights: Mapping[str, int] | None = None,
    limit: int = GROUP_ROWS,
) -> pl.DataFrame:
    """The result `view` for `colleges`: their parts concatenated in the given order.

    `versions[c]`: the version of college c's data, read before computing (a part computed while a
    load runs is then tagged older than it may be and is computed again next time, never the
    reverse). `compute(codes)`: the result for these colleges, a frame with `college_code`; it is
    called for the colleges whose part is missing or older than their version, once for all of
    them or, with `weights` (rows of the computation per college), once per group of at most
    `limit` rows (`groups`)."""
    parts, have = _current(view, colleges, versions)
    if len(have) < len(colleges) or not colleges:
        # One computation per view at a time: sessions arriving together on a cold server (or after a
        # load) wait for the first one's parts instead of computing the same colleges again each.
        with _compute_lock(view):
            parts, have = _current(view, colleges, versions)
            missing = [c for c in colleges if c not in have]
            if missing or not colleges:
                batches = groups(missing, weights, limit) if weights is not None and missing else [missing]
                fresh = pl.concat([compute(b) for b in batches], how="vertical_relaxed")
                split = {str(k[0]): f for k, f in fresh.partition_by("college_code", as_dict=True).items()}
                new = {c: split.get(c, fresh.clear()) for c in missing}
                with _lock:
                    parts.update({c: (versions[c], f) for c, f in new.items()})
                have.update(new)
                if not colleges:
                    return fresh.clear()
    return pl.concat([have[c] for c in colleges], how="vertical_relaxed")


def _current(
    view: Hashable, colleges: Sequence[str], versions: Mapping[str, int]
) -> tuple[dict[str, tuple[int, pl.DataFrame]], dict[str, pl.DataFrame]]:
    """The view's parts (made the most recently used) and those of `colleges` that are current."""
    with _lock:
        parts = _views.pop(view, {})
        _views[view] = parts
        while len(_views) > MAX_VIEWS:
            gone, _ = _views.popitem(last=False)
            _compute_lock.forget(gone)
        return parts, {c: parts[c][1] for c in colleges if c in parts and parts[c][0] == versions[c]}


def groups(codes: Sequence[str], weights: Mapping[str, int], limit: int) -> list[list[str]]:
    """`codes` in order, cut into consecutive groups of at most `limit` total weight (a college
    heavier than `limit` forms a group of its own; a college without a weight weighs nothing)."""
    out: list[list[str]] = []
    total = limit + 1
    for c in codes:
        w = weights.get(c, 0)
        if total + w > limit:
            out.append([])
            total = 0
        out[-1].append(c)
        total += w
    return out


def kept(key: Hashable, compute: Callable[[], T] | None) -> T | None:
    """The value kept under `key` (the database file and its base version: a value the parts'
    computations share), else `compute()` kept in place of any older one; None when there is
    neither (`compute` None: the caller would rather not pay for it now)."""
    with _lock:
        if key in _kept:
            return _kept[key]  # type: ignore[return-value]
    if compute is None:
        return None
    with _compute_lock(("kept", key)):  # computed once when several sessions need it together
        with _lock:
            if key in _kept:
                return _kept[key]  # type: ignore[return-value]
        value = compute()
        with _lock:
            _kept.clear()
            _kept[key] = value
    return value


def clear() -> None:
    """Forget every part (tests; a swapped database file)."""
    with _lock:
        _views.clear()
        _kept.clear()
    _compute_lock.clear()
