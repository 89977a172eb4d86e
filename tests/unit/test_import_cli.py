"""`vypusk init` and `vypusk load` (docs/data_contract.md §8), run in-process through the dispatcher."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import duckdb
import pytest

from cli.main import main
from data_layer import db
from data_layer.users import add_user
from tests.fixtures.import_helpers import (
    COLLEGES_HEADER,
    COLLEGES_ROWS,
    GRAD_HEADER,
    STATUS_HEADER,
    csv_bytes,
    grad_row,
    rows,
    snils,
)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _query(path: Path, sql: str) -> list[tuple]:
    con = db.open_database(path)
    try:
        return rows(con, sql)
    finally:
        con.close()


@pytest.fixture
def initialised(tmp_path: Path) -> Path:
    path = tmp_path / "v.duckdb"
    assert main(["init", "--db", str(path)]) == 0
    colleges = _write(tmp_path / "colleges.csv", csv_bytes(COLLEGES_HEADER, COLLEGES_ROWS))
    assert main(["load", str(colleges), "--db", str(path)]) == 0
    return path


def test_init_creates_database_with_reference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "new" / "v.duckdb"
    assert main(["init", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"Создана база данных: {path}" in out
    assert "Файл «territories.csv» загружен — Территориальные управления: 13 строк." in out
    assert _query(path, "SELECT count(*) FROM municipalities") == [(37,)]
    # a second init changes nothing and says so
    assert main(["init", "--db", str(path)]) == 0
    assert "уже создана и содержит справочники; ничего не изменено" in capsys.readouterr().out
    assert _query(path, "SELECT count(*) FROM loads") == [(3,)]


def test_init_sample_loads_generated_files_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[tuple[Path, int | None, int]] = []

    def write_sample(out_dir: Path, graduates: int | None = None, seed: int = 42) -> list[Path]:
        calls.append((out_dir, graduates, seed))
        return [
            _write(out_dir / "03_colleges.csv", csv_bytes(COLLEGES_HEADER, COLLEGES_ROWS)),
            _write(out_dir / "10_graduates.csv", csv_bytes(GRAD_HEADER, [grad_row(1), grad_row(2, "P002")])),
            _write(
                out_dir / "20_statuses.csv",
                csv_bytes(STATUS_HEADER, [[snils(1), "P001", "02.09.2024", "06"]]),
            ),
        ]

    monkeypatch.setitem(
        sys.modules,
        "demo.sample",
        types.SimpleNamespace(write_sample=write_sample, register=lambda sub: None),
    )
    path = tmp_path / "demo.duckdb"
    assert main(["init", "--sample", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert calls and calls[0][2] == 42
    assert "[1/3] 03_colleges.csv" in out and "[3/3] 20_statuses.csv" in out
    assert "Демонстрационный регион загружен." in out
    assert _query(path, "SELECT value FROM meta WHERE key = 'is_demo'") == [("1",)]
    assert _query(path, "SELECT count(*) FROM graduates") == [(2,)]
    # spells are rebuilt once at the end of the bulk build: the status row is visible to the metrics
    assert _query(path, "SELECT status FROM status_spells WHERE status <> 'unknown'") == [("employed",)]
    # again on the demo database: nothing to do
    assert main(["init", "--sample", "--db", str(path)]) == 0
    assert "Демонстрационная база уже создана" in capsys.readouterr().out


def test_init_sample_failure_leaves_no_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def write_sample(out_dir: Path, graduates: int | None = None, seed: int = 42) -> list[Path]:
        return [
            _write(out_dir / "03_colleges.csv", csv_bytes(COLLEGES_HEADER, COLLEGES_ROWS)),
            _write(out_dir / "10_graduates.csv", csv_bytes(GRAD_HEADER, [grad_row(1), grad_row(1)])),
        ]

    monkeypatch.setitem(
        sys.modules,
        "demo.sample",
        types.SimpleNamespace(write_sample=write_sample, register=lambda sub: None),
    )
    path = tmp_path / "demo.duckdb"
    assert main(["init", "--sample", "--db", str(path)]) == 2
    assert "Не загружено файлов демонстрационного региона: 1." in capsys.readouterr().err
    # the half-built file was never moved into place, and no temporary file is left behind
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_init_sample_refuses_a_working_database(
    initialised: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    grads = _write(tmp_path / "g.csv", csv_bytes(GRAD_HEADER, [grad_row(1)]))
    assert main(["load", str(grads), "--db", str(initialised)]) == 0
    capsys.readouterr()
    assert main(["init", "--sample", "--db", str(initialised)]) == 2
    assert "уже содержит рабочие данные" in capsys.readouterr().err
    assert _query(initialised, "SELECT count(*) FROM meta WHERE key = 'is_demo'") == [(0,)]


def test_load_each_file_all_or_nothing(
    initialised: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = _write(tmp_path / "good.csv", csv_bytes(GRAD_HEADER, [grad_row(1), grad_row(2)]))
    bad_rows = [grad_row(10 + i, "P999") for i in range(60)]
    bad = _write(tmp_path / "bad.csv", csv_bytes(GRAD_HEADER, bad_rows))
    capsys.readouterr()
    assert main(["load", str(good), str(bad), "--db", str(initialised)]) == 1
    captured = capsys.readouterr()
    assert "Файл «good.csv» загружен — Фактический выпуск: 2 строки." in captured.out
    err = captured.err
    assert "Файл «bad.csv» не загружен: 60 ошибок." in err
    assert "  • строка 2, «Код ПОО», значение «P999»: ПОО с таким кодом нет в справочнике ПОО." in err
    assert err.count("  • ") == 50
    assert "… и ещё 10 (полный список — в отчёте об ошибках)." in err
    assert "Не загружено файлов: 1 из 2." in err
    assert _query(initialised, "SELECT count(*) FROM graduates") == [(2,)]


def test_load_with_explicit_kind(initialised: Path, tmp_path: Path) -> None:
    f = _write(tmp_path / "t.csv", csv_bytes(["СНИЛС", "Код ПОО", "Номер документа", "Учебный год", "Трек"], [[snils(1), "P001", "", "2024/2025", "трудоустройство"]]))  # fmt: skip
    assert main(["load", str(f), "--db", str(initialised), "--kind", "career_tracks"]) == 0
    assert _query(initialised, "SELECT track FROM career_tracks") == [("трудоустройство",)]


def test_load_as_college_user(
    initialised: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(tmp_path / "credentials.yaml"))
    add_user("spk_admin", "correct-horse-42", "college", "P001")
    mixed = _write(tmp_path / "mixed.csv", csv_bytes(GRAD_HEADER, [grad_row(1), grad_row(2, "P002")]))
    capsys.readouterr()
    assert main(["load", str(mixed), "--db", str(initialised), "--user", "spk_admin"]) == 1
    assert "Строка относится к другой ПОО" in capsys.readouterr().err
    assert _query(initialised, "SELECT count(*) FROM graduates") == [(0,)]
    assert main(["load", str(mixed), "--db", str(initialised), "--user", "nobody"]) == 2
    assert "Пользователь «nobody» не найден" in capsys.readouterr().err


def test_locked_database_message(
    initialised: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = _write(tmp_path / "g.csv", csv_bytes(GRAD_HEADER, [grad_row(1)]))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(60)",
            str(initialised),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        capsys.readouterr()
        assert main(["load", str(f), "--db", str(initialised)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("Ошибка: База данных") and "занята другим процессом" in err
    finally:
        holder.kill()
        holder.wait()
    with duckdb.connect(str(initialised)) as c:
        assert c.execute("SELECT count(*) FROM graduates").fetchall() == [(0,)]
