"""Fixtures shared by the AppTests of tests/app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from data_layer import db
from tests.helpers import use_copy_of


@pytest.fixture
def region(
    template: tuple[Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, dict[str, str]]]:
    """The test's own copy of its module's `template` fixture (the database built once per module
    and the person keys by name), used by the app; every connection closed afterwards."""
    yield use_copy_of(template[0], tmp_path, monkeypatch), template[1]
    db.close_all()
