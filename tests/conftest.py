"""Fixtures shared by several test modules. Module-specific fixtures stay in their modules."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# No background cache warm-up (ui/warmup.py) in the test process or the servers it starts: AppTests
# count what a page computes, and a thread computing beside them would make that racy. The load
# test and tests/app/test_warmup.py turn it on explicitly.
os.environ.setdefault("VYPUSK_WARMUP", "0")

# College sizes of the small monitoring region: under 5 (small group), under 10 (unreliable), and
# a few ordinary ones; 16 colleges put at least one college in each of the 13 territories.
MONITORING_SIZES = (3, 8, 40, 60, 25, 12)


@pytest.fixture(scope="session")
def monitoring_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo region of tests/monitoring_db.py (16 colleges, cohorts 2024 and 2025, about
    1 100 graduates), built once per test session. Read-only for tests: copy it to change it."""
    from tests import monitoring_db as builder

    path = tmp_path_factory.mktemp("monitoring") / "region.duckdb"
    return builder.build(path, n_colleges=16, sizes=MONITORING_SIZES, cohorts=(2024, 2025), demo=False)
