"""`vypusk metrics` and `vypusk report` with `--user NAME` apply that user's scope (issue: access control)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli import main as cli
from data_layer import db, users
from tests.factories import D, Region


@pytest.fixture
def region(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "r.duckdb"
    r = Region(path)
    for college in ("P001", "P001", "P002", "P003"):
        k = r.graduate(college=college)
        r.status(k, D(2024, 7, 5), "employed", college=college)
    r.done().close()
    db.close_all()
    cred = tmp_path / "credentials.yaml"
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(cred))
    users.add_user("poo1", "secret-password-1", "college", "P001", path=cred)
    users.add_user("tu2", "secret-password-2", "territory", "TU02", path=cred)
    users.add_user("min", "secret-password-3", "ministry", path=cred)
    users.add_user("gone", "secret-password-4", "college", "P002", path=cred)
    users.set_disabled("gone", True, path=cred)
    return path


def _metrics(path: Path, user: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, list | str]:  # type: ignore[type-arg]
    rc = cli.main(
        [
            "metrics",
            "--cohort",
            "2024",
            "--as-of",
            "2024-07-05",
            "--by",
            "college",
            "--user",
            user,
            "--db",
            str(path),
        ]
    )
    out = capsys.readouterr()
    return rc, (json.loads(out.out) if rc == 0 else out.err)


def test_metrics_by_college_follow_the_user(region: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc, groups = _metrics(region, "poo1", capsys)
    assert rc == 0 and [g["group"]["code"] for g in groups] == ["P001"]
    assert groups[0]["total"] == 2 and groups[0]["rate"] == 1.0
    rc, groups = _metrics(region, "tu2", capsys)
    assert rc == 0 and [g["group"]["code"] for g in groups] == ["P003"]
    rc, groups = _metrics(region, "min", capsys)
    assert rc == 0 and [g["group"]["code"] for g in groups] == ["P001", "P002", "P003"]


def test_unknown_or_disabled_user_is_refused(region: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("nobody", "gone"):
        rc, err = _metrics(region, name, capsys)
        assert rc == 2
        assert isinstance(err, str) and err.startswith("Ошибка: ")


def test_report_outside_the_scope_is_refused(
    region: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "card.xlsx"
    base = ["report", "--cohort", "2024", "--as-of", "2024-07-05", "--db", str(region), "--out", str(out)]
    assert cli.main(["report", "scorecard", *base[1:], "--scope", "P003", "--user", "poo1"]) == 2
    assert "недоступен" in capsys.readouterr().err and not out.exists()
    assert cli.main(["report", "risk_list", *base[1:], "--scope", "P001", "--user", "min"]) == 2
    assert not out.exists()
    capsys.readouterr()
    assert cli.main(["report", "scorecard", *base[1:], "--scope", "P001", "--user", "poo1"]) == 0
    assert out.exists()
