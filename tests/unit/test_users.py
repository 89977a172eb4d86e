"""Accounts file, demo accounts, role scopes, login lockout and the `vypusk users` command."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os
import stat
import threading
from pathlib import Path

import bcrypt
import pytest

from cli import main as cli
from cli import users as users_cli
from cli.scope import resolve_scope
from data_layer import audit, db, users
from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import Scope
from tests.helpers import reference_db

PASSWORD = "Secret-pass-1"


@pytest.fixture(autouse=True)
def _fast_bcrypt_and_tmp_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Cheap bcrypt rounds (the hash format is unchanged) and private credentials/database files."""
    real_gensalt = bcrypt.gensalt
    monkeypatch.setattr(bcrypt, "gensalt", lambda: real_gensalt(4))
    creds = tmp_path / "config" / "credentials.yaml"
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(creds))
    monkeypatch.setenv("VYPUSK_DB", str(tmp_path / "none.duckdb"))
    for var in ("VYPUSK_MAX_FAILED_LOGINS", "VYPUSK_LOCKOUT_MINUTES"):
        monkeypatch.delenv(var, raising=False)
    return creds


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    return reference_db(tmp_path / "demo.duckdb", demo=True)


@pytest.fixture
def plain_db(tmp_path: Path) -> Path:
    return reference_db(tmp_path / "plain.duckdb", demo=False)


# ---------------------------------------------------------------- validation and hashing


def test_username_rules() -> None:
    assert users.validate_username("  Ivanov.I ") == "ivanov.i"
    for bad in ("a", "иванов", "-ivan", "ivan petrov", "x" * 33):
        with pytest.raises(UserFacingError):
            users.validate_username(bad)


def test_password_rules_cover_the_72_byte_bcrypt_limit() -> None:
    users.validate_password("a" * 72)
    with pytest.raises(UserFacingError, match="72 байт"):
        users.validate_password("a" * 73)
    with pytest.raises(UserFacingError, match="72 байт"):
        users.validate_password("я" * 37)  # 74 bytes in UTF-8
    with pytest.raises(UserFacingError, match="короткий"):
        users.validate_password("short1")
    with pytest.raises(UserFacingError, match="пробел"):
        users.validate_password(" leading-space")
    assert users.password_too_long("я" * 37) and not users.password_too_long("я" * 36)


def test_hash_check_and_cached_demo_hash() -> None:
    h = users.hash_password(PASSWORD)
    assert h.startswith("$2b$") and PASSWORD not in h
    assert users.check_password(PASSWORD, h)
    assert not users.check_password("wrong-password", h)
    assert not users.check_password("a" * 100, h)  # bcrypt 5 would raise; we answer False
    assert users.demo_password_hash() is users.demo_password_hash()
    assert users.check_password("demo", users.demo_password_hash())


def test_role_scope_rules() -> None:
    assert users.validate_role_scope("college", " P001 ") == ("college", "P001")
    assert users.validate_role_scope("ministry", None) == ("ministry", None)
    with pytest.raises(UserFacingError, match="Неизвестная роль"):
        users.validate_role_scope("admin", None)
    with pytest.raises(UserFacingError, match="--scope"):
        users.validate_role_scope("territory", None)
    with pytest.raises(UserFacingError, match="всю область"):
        users.validate_role_scope("base_centre", "P001")


# ---------------------------------------------------------------- credentials file


def test_add_user_writes_hashes_only_with_private_mode(_fast_bcrypt_and_tmp_files: Path) -> None:
    creds = _fast_bcrypt_and_tmp_files
    rec = users.add_user("Ivanov", PASSWORD, "college", "P001", name="Иванов И. И.")
    assert rec.username == "ivanov"
    text = creds.read_text(encoding="utf-8")
    assert PASSWORD not in text and "Иванов И. И." in text and rec.password_hash in text
    assert stat.S_IMODE(os.stat(creds).st_mode) == 0o600
    assert not list(creds.parent.glob("*.tmp"))  # the temporary file was renamed away
    loaded = users.load_users()
    assert loaded == {"ivanov": rec}
    with pytest.raises(UserFacingError, match="уже существует"):
        users.add_user("ivanov", PASSWORD, "ministry")
    with pytest.raises(UserFacingError, match="зарезервированы"):
        users.add_user("demo_boss", PASSWORD, "ministry")


def test_malformed_entries_are_skipped(_fast_bcrypt_and_tmp_files: Path) -> None:
    creds = _fast_bcrypt_and_tmp_files
    creds.parent.mkdir(parents=True)
    good = users.hash_password(PASSWORD)
    creds.write_text(
        "users:\n"
        f"  ok: {{role: ministry, password: '{good}'}}\n"
        "  plain: {role: ministry, password: 'not-a-hash'}\n"
        f"  noscope: {{role: college, password: '{good}'}}\n",
        encoding="utf-8",
    )
    assert list(users.load_users()) == ["ok"]
    creds.write_text("users: [unclosed", encoding="utf-8")
    with pytest.raises(UserFacingError, match="повреждён"):
        users.load_users()


def test_concurrent_writers_lose_nothing() -> None:
    errors: list[BaseException] = []

    def worker(i: int) -> None:
        try:
            users.add_user(f"user{i}", PASSWORD, "ministry")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(users.load_users()) == sorted(f"user{i}" for i in range(8))


# ---------------------------------------------------------------- scopes and demo accounts


def test_scope_for_user_for_each_role() -> None:
    users.add_user("min", PASSWORD, "ministry")
    users.add_user("tu", PASSWORD, "territory", "TU01")
    users.add_user("bc", PASSWORD, "base_centre")
    users.add_user("poo", PASSWORD, "college", "P001")
    assert users.scope_for_user("min") == Scope("ministry", None, "min")
    assert users.scope_for_user("TU") == Scope("territory", "TU01", "tu")
    assert users.scope_for_user("bc") == Scope("base_centre", None, "bc")
    assert users.scope_for_user("poo") == Scope("college", "P001", "poo")
    assert resolve_scope("poo") == Scope("college", "P001", "poo")


def test_unknown_and_disabled_users_raise_scope_error() -> None:
    users.add_user("poo", PASSWORD, "college", "P001")
    users.set_disabled("poo", True)
    with pytest.raises(ScopeError, match="отключена"):
        users.scope_for_user("poo")
    with pytest.raises(ScopeError, match="не найден"):
        users.scope_for_user("nobody")
    users.set_disabled("poo", False)
    assert users.scope_for_user("poo").code == "P001"


def test_demo_users_on_demo_database(demo_db: Path) -> None:
    with db.open_database(demo_db) as con:
        accounts = users.demo_users(con)
    assert sorted(accounts) == sorted(users.DEMO_USERNAMES)
    # TU01 has two colleges, TU02 one; cohort 2024 sizes P002=1 < P003=2 < P001=3 → median P003
    assert accounts["demo_territory"].scope() == Scope("territory", "TU01", "demo_territory")
    assert accounts["demo_college"].scope() == Scope("college", "P003", "demo_college")
    assert accounts["demo_ministry"].role == "ministry" and accounts["demo_base"].role == "base_centre"
    assert all(users.check_password("demo", u.password_hash) for u in accounts.values())
    assert users.scope_for_user("demo_college", demo_db) == Scope("college", "P003", "demo_college")
    assert users.scope_for_user("demo_base", demo_db) == Scope("base_centre", None, "demo_base")


def test_no_demo_users_outside_demo_mode(plain_db: Path) -> None:
    with db.open_database(plain_db) as con:
        assert users.demo_users(con) == {}
        assert "demo_base" not in users.all_users(con)
    for name in users.DEMO_USERNAMES:
        with pytest.raises(ScopeError, match="демонстрационной базе"):
            users.scope_for_user(name, plain_db)


# ---------------------------------------------------------------- lockout


def test_login_delay_grows_per_name_and_source_and_spares_other_sources(plain_db: Path) -> None:
    # 3 free failures, then 30 s doubling per failure, capped at 2 min
    policy = users.LockoutPolicy(max_failed=3, minutes=2, delay_seconds=30)
    t0 = dt.datetime(2026, 11, 26, 10, 0)
    a, b = "203.0.113.7", "198.51.100.20"
    with db.open_database(plain_db) as con:
        assert users.record_failed_login(con, "Ivanov", a, t0, policy) is None
        assert users.record_failed_login(con, "ivanov", a, t0, policy) is None
        assert users.locked_until(con, "ivanov", a, t0) is None
        # the 3rd failure: wait 30 s
        until = users.record_failed_login(con, "ivanov", a, t0, policy)
        assert until == dt.datetime(2026, 11, 26, 10, 0, 30)
        assert users.locked_until(con, "ivanov", a, dt.datetime(2026, 11, 26, 10, 0, 29)) == until
        # another source is not delayed at all, and the attacker's count is untouched by it
        assert users.locked_until(con, "ivanov", b, t0) is None
        assert users.failed_count(con, "ivanov", b) == 0
        # a failure during the wait neither extends nor counts
        assert users.record_failed_login(con, "ivanov", a, t0 + dt.timedelta(seconds=10), policy) == until
        assert users.failed_count(con, "ivanov", a) == 3
        # after the wait each failure doubles it: 60 s, 120 s, then the 2-minute cap
        t = until
        waits = []
        for _ in range(3):
            nxt = users.record_failed_login(con, "ivanov", a, t, policy)
            assert nxt is not None
            waits.append((nxt - t).total_seconds())
            t = nxt
        assert waits == [60, 120, 120]
        # a successful login from b clears b only; unlock (no source) clears every source
        users.record_failed_login(con, "ivanov", b, t0, policy)
        users.reset_failed_logins(con, "ivanov", b)
        assert users.failed_count(con, "ivanov", b) == 0 and users.failed_count(con, "ivanov", a) == 6
        assert users.delayed_users(con, t - dt.timedelta(seconds=1)) == {"ivanov": (t, 1)}
        users.reset_failed_logins(con, "IVANOV")
        assert users.failed_count(con, "ivanov", a) == 0
        # a day without failures starts afresh
        for _ in range(2):
            users.record_failed_login(con, "petrov", a, t0, policy)
        later = t0 + dt.timedelta(days=1, seconds=1)
        assert users.record_failed_login(con, "petrov", a, later, policy) is None
        assert users.failed_count(con, "petrov", a) == 1
    # the state is in the database file: a new connection (an app restart) still sees the wait
    with db.open_database(plain_db) as con:
        for _ in range(3):
            users.record_failed_login(con, "sidorov", a, t0, policy)
    with db.open_database(plain_db) as con:
        assert users.locked_until(con, "sidorov", a, t0) == t0 + dt.timedelta(seconds=30)


def test_login_delay_policy_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert users.LockoutPolicy.from_env() == users.LockoutPolicy(5, 5, 30)
    monkeypatch.setenv("VYPUSK_MAX_FAILED_LOGINS", "3")
    monkeypatch.setenv("VYPUSK_LOCKOUT_MINUTES", "60")
    monkeypatch.setenv("VYPUSK_LOGIN_DELAY_SECONDS", "10")
    assert users.LockoutPolicy.from_env() == users.LockoutPolicy(3, 60, 10)
    monkeypatch.setenv("VYPUSK_LOCKOUT_MINUTES", "0")
    with pytest.raises(UserFacingError, match="VYPUSK_LOCKOUT_MINUTES"):
        users.LockoutPolicy.from_env()


@pytest.mark.parametrize(
    ("peer", "forwarded", "trusted", "expected"),
    [
        (None, [], "", users.LOCAL_SOURCE),  # the loopback, no proxy configured
        ("203.0.113.7", [], "", "203.0.113.7"),
        # without a trusted proxy a client's own X-Forwarded-For is ignored
        ("203.0.113.7", ["1.2.3.4"], "", "203.0.113.7"),
        ("203.0.113.7", ["1.2.3.4"], "10.0.0.0/8", "203.0.113.7"),
        # behind a trusted proxy: the last entry, the one the proxy added (the client forged the first)
        (None, ["6.6.6.6, 198.51.100.20"], "127.0.0.1", "198.51.100.20"),
        ("10.1.2.3", ["6.6.6.6", "198.51.100.20"], "10.0.0.0/8", "198.51.100.20"),
        ("10.1.2.3", ["not-an-ip"], "10.0.0.0/8", "10.1.2.3"),
    ],
)
def test_source_of_believes_x_forwarded_for_only_from_a_trusted_proxy(
    peer: str | None, forwarded: list[str], trusted: str, expected: str
) -> None:
    assert users.source_of(peer, forwarded, trusted) == expected


def test_source_of_refuses_a_malformed_trusted_proxy_setting() -> None:
    with pytest.raises(UserFacingError, match="VYPUSK_TRUSTED_PROXY"):
        users.source_of("10.0.0.1", ["1.2.3.4"], "proxy.local")


# ---------------------------------------------------------------- `vypusk users`


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="vypusk")
    users_cli.register(parser.add_subparsers(dest="command"))
    return parser


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    return int(args.func(args) or 0)


def _feed_passwords(monkeypatch: pytest.MonkeyPatch, *answers: str) -> list[str]:
    prompts: list[str] = []
    queue = list(answers)

    def fake_getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return queue.pop(0)

    monkeypatch.setattr(getpass, "getpass", fake_getpass)
    return prompts


def test_cli_add_list_disable_with_audit(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], plain_db: Path
) -> None:
    prompts = _feed_passwords(monkeypatch, PASSWORD, PASSWORD)
    db_arg = ["--db", str(plain_db)]
    assert (
        _run(
            [
                "users",
                "add",
                "Ivanov",
                "--role",
                "college",
                "--scope",
                "P001",
                "--full-name",
                "Иванов И.",
                *db_arg,
            ]
        )
        == 0
    )
    assert prompts == ["Пароль: ", "Пароль ещё раз: "]
    rec = users.load_users()["ivanov"]
    assert (rec.role, rec.code, rec.name) == ("college", "P001", "Иванов И.")
    assert users.check_password(PASSWORD, rec.password_hash)
    capsys.readouterr()

    assert _run(["users", "list", *db_arg]) == 0
    out = capsys.readouterr().out
    assert "Пользователь" in out and "ivanov" in out and "ПОО / ЦСТВ" in out and "активна" in out
    assert "demo_base" not in out  # not a demo database

    assert _run(["users", "disable", "ivanov", *db_arg]) == 0
    assert users.load_users()["ivanov"].disabled
    assert _run(["users", "list", *db_arg]) == 0
    assert "отключена" in capsys.readouterr().out

    with db.open_database(plain_db) as con:
        log = audit.read_log(con, action="user_change")
    assert log["object"].to_list() == ["ivanov", "ivanov"]
    assert log["username"].to_list() == ["operator", "operator"]
    assert "отключена" in log["details"][0] and "код P001" in log["details"][1]


def test_cli_list_shows_demo_accounts_on_demo_db(capsys: pytest.CaptureFixture[str], demo_db: Path) -> None:
    assert _run(["users", "list", "--db", str(demo_db)]) == 0
    out = capsys.readouterr().out
    assert "demo_college" in out and "P003" in out and "демо" in out


def test_cli_add_rejects_unknown_scope_code_and_mismatched_passwords(
    monkeypatch: pytest.MonkeyPatch, plain_db: Path
) -> None:
    _feed_passwords(monkeypatch, PASSWORD, PASSWORD)
    with pytest.raises(UserFacingError, match="P999"):
        _run(["users", "add", "poo", "--role", "college", "--scope", "P999", "--db", str(plain_db)])
    with pytest.raises(UserFacingError, match="TU77"):
        _feed_passwords(monkeypatch, PASSWORD, PASSWORD)
        _run(["users", "add", "tu", "--role", "territory", "--scope", "TU77", "--db", str(plain_db)])
    _feed_passwords(monkeypatch, PASSWORD, PASSWORD + "x")
    with pytest.raises(UserFacingError, match="не совпадают"):
        _run(["users", "add", "poo", "--role", "college", "--scope", "P001", "--db", str(plain_db)])
    assert users.load_users() == {}
    with db.open_database(plain_db) as con:
        assert audit.read_log(con, action="user_change").is_empty()  # rolled back with the change


def test_cli_passwd_and_unlock(monkeypatch: pytest.MonkeyPatch, plain_db: Path) -> None:
    users.add_user("poo", PASSWORD, "college", "P001")
    _feed_passwords(monkeypatch, "New-pass-22", "New-pass-22")
    assert _run(["users", "passwd", "poo", "--db", str(plain_db)]) == 0
    assert users.check_password("New-pass-22", users.load_users()["poo"].password_hash)
    now = dt.datetime.now()
    with db.open_database(plain_db) as con:
        for source in ("203.0.113.7", "198.51.100.20"):
            for _ in range(5):
                users.record_failed_login(con, "poo", source, now, users.LockoutPolicy())
            assert users.locked_until(con, "poo", source, now) is not None
    assert _run(["users", "unlock", "poo", "--db", str(plain_db)]) == 0
    with db.open_database(plain_db) as con:
        assert users.locked_until(con, "poo", "203.0.113.7", now) is None
        assert users.locked_until(con, "poo", "198.51.100.20", now) is None


def test_vypusk_entry_point_reports_russian_errors(capsys: pytest.CaptureFixture[str]) -> None:
    """Through the real dispatcher: the password is never an argument, errors exit with code 2."""
    with pytest.raises(SystemExit):
        cli.main(["users", "add", "x1", "--role", "ministry", "--password", "p"])
    capsys.readouterr()
    assert cli.main(["users", "disable", "ghost"]) == cli.EXIT_USER_ERROR
    assert "не найден" in capsys.readouterr().err
