"""One way out for data (issue 12): the grid's own export is off for the whole app, and the app's
own table export is formula-safe and audited."""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

import polars as pl
import pytest

from data_layer import config, db
from reports.csv import to_csv_bytes

CONFIG = config.PROJECT_DIR / ".streamlit" / "config.toml"


def test_grid_export_is_disabled_for_the_whole_app() -> None:
    conf = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert conf["client"]["disableDataExport"] is True


def test_streamlit_knows_the_option() -> None:
    from streamlit import config as st_config

    assert "client.disableDataExport" in st_config._config_options_template


@pytest.mark.parametrize("value", ["=1+2", "+7 900", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"])
def test_csv_cells_that_could_be_formulas_are_escaped(value: str) -> None:
    text = to_csv_bytes(pl.DataFrame({"a": [value]})).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[1] == ["'" + value]


def test_negative_numbers_stay_numbers() -> None:
    text = to_csv_bytes(pl.DataFrame({"a": [-5], "b": [-1.5]})).decode("utf-8-sig")
    assert text.splitlines()[1] == "-5;-1,5"


def test_table_export_is_audited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from ui import downloads

    monkeypatch.setenv("VYPUSK_DB", str(tmp_path / "e.duckdb"))
    try:
        frame = pl.DataFrame({"name": ["=cmd|' /C calc'!A0", "Иванов"]})
        build = downloads.csv_builder(frame, {"name": "ФИО"}, "risk", "u1", "college", personal_data=True)
        content = build().decode("utf-8-sig")
        assert "'=cmd" in content
        build_plain = downloads.csv_builder(
            frame, {"name": "ФИО"}, "ranking", "u2", "ministry", personal_data=False
        )
        build_plain()
        con = db.get_connection(str(tmp_path / "e.duckdb"))
        got = con.execute("SELECT username, action, object FROM audit_log ORDER BY event_id").fetchall()
        assert got == [("u1", "download_pd", "risk"), ("u2", "download", "ranking")]
    finally:
        db.close_all()
