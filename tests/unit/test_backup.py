"""Backup and restore: a round trip restores every table row for row; damaged, foreign or newer
copies are refused; restore refuses while another process holds the database."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import duckdb
import pytest

from cli.main import main as vypusk
from data_layer import backup, db
from data_layer.errors import DatabaseLockedError, UserFacingError


def _tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, sorted, plus the next value of every sequence."""
    con = duckdb.connect(str(path), read_only=True)
    with closing(con):
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        out = {n: sorted(con.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
        for (seq,) in con.execute("SELECT sequence_name FROM duckdb_sequences()").fetchall():
            out[f"sequence {seq}"] = con.execute(
                "SELECT last_value FROM duckdb_sequences() WHERE sequence_name = ?", [seq]
            ).fetchall()
    return out


@pytest.fixture
def region(monitoring_db: Path, tmp_path: Path) -> Path:
    """A private copy of the small monitoring region, with one load and audit entry on top."""
    path = tmp_path / "region.duckdb"
    shutil.copyfile(monitoring_db, path)
    with closing(db.open_database(path)) as con:
        con.execute(
            "INSERT INTO loads (load_id, loaded_at, username, file_name, checksum, kind, college_code, scope_key, rows, warnings, replaced_rows) VALUES (nextval('load_id_seq'), TIMESTAMP '2026-11-20 10:00:00', 'tester',"
            " 'x.csv', 'abc', 'statuses', 'P001', NULL, 3, 0, 0)"
        )
        con.execute(
            "INSERT INTO audit_log VALUES (nextval('audit_id_seq'), now()::TIMESTAMP, 'tester', 'base_centre',"
            " 'load', 'x.csv', NULL)"
        )
    return path


def test_round_trip_restores_every_table(
    region: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    users = tmp_path / "users.yaml"
    users.write_text("usernames: {}\n", encoding="utf-8")
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(users))
    before = _tables(region)
    assert sum(len(rows) for name, rows in before.items() if not name.startswith("sequence")) > 1000

    res = backup.backup_unlocked(region, tmp_path / "backups")
    assert res.manifest["tables"] == {n: len(r) for n, r in before.items() if not n.startswith("sequence")}
    for part in (res.path, res.manifest_path, res.path.with_name(res.manifest["users_file"])):
        assert stat.S_IMODE(part.stat().st_mode) == 0o600, part
    assert stat.S_IMODE(res.path.parent.stat().st_mode) == 0o700

    # the live database changes after the copy: rows deleted and added, a sequence advanced
    with closing(db.open_database(region)) as con:
        con.execute("DELETE FROM status_spells WHERE college_code = 'P001'")
        con.execute("DELETE FROM graduates WHERE cohort = 2024")
        con.execute(
            "INSERT INTO loads (load_id, loaded_at, username, file_name, checksum, kind, college_code, scope_key, rows, warnings, replaced_rows) VALUES (nextval('load_id_seq'), now()::TIMESTAMP, 'x', 'y', 'z', 'k', NULL, NULL, 1, 0, 0)"
        )
    users.write_text("usernames: {changed: {}}\n", encoding="utf-8")
    assert _tables(region) != before

    out = backup.restore(res.path, region, with_users=True)
    assert _tables(region) == before
    assert users.read_text(encoding="utf-8") == "usernames: {}\n"
    assert out.previous_saved_as is not None and out.previous_saved_as.exists()
    assert stat.S_IMODE(region.stat().st_mode) == 0o600
    with closing(db.open_database(region)) as con:  # usable: the next load id continues the old series
        assert (
            con.execute("SELECT nextval('load_id_seq')").fetchall()[0][0]
            == before["sequence load_id_seq"][0][0] + 1
        )


def test_cli_backup_keep_and_restore_newest(
    region: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_dir = tmp_path / "copies"
    for _ in range(3):
        assert vypusk(["backup", "--db", str(region), "--out", str(out_dir), "--keep", "2"]) == 0
    sets = backup.list_backups(out_dir)
    assert len(sets) == 2
    assert len(list(out_dir.iterdir())) == 4  # two copies and two manifests, nothing else
    text = capsys.readouterr().out
    assert "Резервная копия записана" in text and "удалено старых копий: 1" in text
    expected = _tables(region)
    with closing(db.open_database(region)) as con:
        con.execute("DELETE FROM graduates")
    assert vypusk(["restore", str(out_dir), "--db", str(region)]) == 0
    assert "восстановлена из копии " + sets[0].name in capsys.readouterr().out
    assert _tables(region) == expected


def _rewrite_manifest(res: backup.BackupResult, **changes: object) -> None:
    manifest = dict(res.manifest, **changes)
    res.manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def test_damaged_copy_is_refused_and_database_kept(region: Path, tmp_path: Path) -> None:
    res = backup.backup_unlocked(region, tmp_path / "b")
    before = _tables(region)
    with res.path.open("r+b") as f:
        f.seek(res.size_bytes // 2)
        byte = f.read(1)
        f.seek(res.size_bytes // 2)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(UserFacingError, match="контрольная сумма"):
        backup.restore(res.path, region)
    assert _tables(region) == before
    assert not list(region.parent.glob("*.restoring-*"))


def test_row_counts_and_tables_must_match_manifest(region: Path, tmp_path: Path) -> None:
    res = backup.backup_unlocked(region, tmp_path / "b")
    tables = dict(res.manifest["tables"])
    tables["graduates"] += 1
    _rewrite_manifest(res, tables=tables)
    with pytest.raises(UserFacingError, match=r"число строк не совпадает .*graduates"):
        backup.restore(res.path, region)


def test_copy_from_a_newer_release_is_refused(region: Path, tmp_path: Path) -> None:
    newer = tmp_path / "newer.duckdb"
    shutil.copyfile(region, newer)
    with closing(db.open_database(newer)) as con:
        con.execute("INSERT INTO schema_migrations VALUES ('m29991231_future', 'x', now()::TIMESTAMP)")
    res = backup.backup_unlocked(newer, tmp_path / "b")
    with pytest.raises(UserFacingError, match="более новой версией программы"):
        backup.restore(res.path, region)


def test_copy_without_baseline_table_is_refused(region: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.duckdb"
    shutil.copyfile(region, broken)
    with closing(duckdb.connect(str(broken))) as con:
        con.execute("DROP TABLE risk_measures")
    res = backup.backup_unlocked(broken, tmp_path / "b")
    with pytest.raises(UserFacingError, match="нет таблиц: risk_measures"):
        backup.restore(res.path, region)


def test_restore_refuses_while_another_process_holds_the_database(region: Path, tmp_path: Path) -> None:
    res = backup.backup_unlocked(region, tmp_path / "b")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb,time; c=duckdb.connect({str(region)!r}); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(DatabaseLockedError, match="работает приложение"):
            backup.restore(res.path, region)
        # and the direct backup path reports the lock, so that the CLI can ask the app instead
        with pytest.raises(DatabaseLockedError):
            backup.backup_unlocked(region, tmp_path / "b")
    finally:
        holder.kill()
        holder.wait()
    assert not list(region.parent.glob("*.restoring-*"))


def test_prune_touches_only_backup_sets(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    folder.mkdir()
    for stamp in ("20261201-020000", "20261202-020000", "20261203-020000"):
        (folder / f"vypusk-{stamp}.duckdb").write_bytes(b"x")
        (folder / f"vypusk-{stamp}.json").write_text("{}")
        os.utime(folder / f"vypusk-{stamp}.duckdb", (time.time(), time.time()))
    (folder / "notes.txt").write_text("keep me")
    (folder / "vypusk-20261130-020000.duckdb").write_bytes(b"no manifest: not a complete set")
    removed = backup.prune(folder, 1)
    assert sorted(p.name for p in removed) == [
        "vypusk-20261201-020000.duckdb",
        "vypusk-20261202-020000.duckdb",
    ]
    assert sorted(p.name for p in folder.iterdir()) == [
        "notes.txt",
        "vypusk-20261130-020000.duckdb",
        "vypusk-20261203-020000.duckdb",
        "vypusk-20261203-020000.json",
    ]
