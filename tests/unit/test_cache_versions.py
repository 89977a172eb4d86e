"""Cache keys by (college, cohort) versions: which writes move which keys (data_layer.db)."""

from __future__ import annotations

from contextlib import closing
from pathlib import Path

from data_layer import db


def test_pair_loads_move_only_their_pairs_and_other_writes_move_the_base(tmp_path: Path) -> None:
    with closing(db.open_database(tmp_path / "v.duckdb")) as con, con.cursor() as cur:
        start = db.cache_versions(cur)
        assert (start.dataset, start.base, start.pairs) == (0, 0, {})
        # version 1: P001's cohort-2025 snapshot; version 2: P002 2025 and P001 2024 at once
        assert db.bump_dataset_version(cur, [("P001", 2025)]) == 1
        assert db.bump_dataset_version(cur, [("P002", 2025), ("P001", 2024)]) == 2
        v = db.cache_versions(cur)
        assert v.pairs == {("P001", 2025): 1, ("P002", 2025): 2, ("P001", 2024): 2}
        assert v.of(2025, ["P001"]) == 1  # P001's 2025 view: unchanged by the second load
        assert v.of(2025, ["P003"]) == 0  # a college nobody loaded for
        assert v.of(2025) == 2  # the whole region of 2025
        assert v.of(2023) == 0
        assert v.of(None, before=2025) == 2  # cohorts before 2025: P001 2024
        assert v.of(None, before=2024) == 0
        # version 3: P001 2025 again; the pair's row is replaced, not duplicated
        db.bump_dataset_version(cur, [("P001", 2025)])
        assert db.cache_versions(cur).of(2025, ["P001"]) == 3
        assert cur.execute("SELECT count(*) FROM pair_versions").fetchall()[0][0] == 3
        # version 4: a write not limited to pairs: every key moves to it, old pairs no longer matter
        db.bump_dataset_version(cur)
        v = db.cache_versions(cur)
        assert (v.dataset, v.base, v.pairs) == (4, 4, {})
        assert v.of(2025, ["P003"]) == v.of(2024) == 4


def test_a_bump_that_records_nothing_invalidates_everything(tmp_path: Path) -> None:
    with closing(db.open_database(tmp_path / "v.duckdb")) as con, con.cursor() as cur:
        db.bump_dataset_version(cur, [("P001", 2025)])  # 1
        # a writer that moves the counter by hand (no pairs, no base): version 2
        cur.execute("UPDATE meta SET value = '2' WHERE key = 'dataset_version'")
        assert db.cache_versions(cur).of(2025, ["P002"]) == 2
        # a later pair load (3) must not hide it: the unrecorded change becomes the base
        db.bump_dataset_version(cur, [("P001", 2025)])
        v = db.cache_versions(cur)
        assert (v.base, v.of(2025, ["P002"]), v.of(2025, ["P001"])) == (2, 2, 3)
