"""Cost of the server-side session checks (issue 12, item 5) that every Streamlit run now pays.

    .venv/bin/python benchmarks/session_check.py [--users 500] [--revocations 20] [--json OUT]

Builds a database with `--users` accounts that each have `--revocations` revocations (logouts,
password changes: years of use) and `--users` login-delay rows, then times what one run of a logged-in
session adds — the session generation of its user (one count query) — and what a login attempt adds
(the delay of its (name, source) pair), best of 5 rounds over all users. Prints JSON: {"users",
"revocation_rows", "generation_ms", "delay_lookup_ms", "failed_login_ms"}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from data_layer import db, users


def _best_ms(rounds: int, count: int, step: object) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for i in range(count):
            step(i)  # type: ignore[operator]
        best = min(best, (time.perf_counter() - started) / count)
    return round(best * 1000, 3)


def measure(n_users: int, revocations: int) -> dict[str, float | int]:
    now = dt.datetime(2026, 12, 3, 12, 0)
    policy = users.LockoutPolicy()
    with tempfile.TemporaryDirectory() as tmp:
        con = db.open_database(Path(tmp) / "sessions.duckdb")
        names = [f"user{i:04d}" for i in range(n_users)]
        con.executemany(
            "INSERT INTO session_revocations VALUES (?, ?, 'bench')",
            [[n, now] for n in names for _ in range(revocations)],
        )
        for n in names:
            users.record_failed_login(con, n, "203.0.113.7", now, policy)
        cur = con.cursor()
        result = {
            "users": n_users,
            "revocation_rows": n_users * revocations,
            "generation_ms": _best_ms(5, n_users, lambda i: users.session_generation(cur, names[i])),
            "delay_lookup_ms": _best_ms(
                5, n_users, lambda i: users.locked_until(cur, names[i], "203.0.113.7", now)
            ),
            "failed_login_ms": _best_ms(
                1, n_users, lambda i: users.record_failed_login(cur, names[i], "198.51.100.20", now, policy)
            ),
        }
        con.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--revocations", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = measure(args.users, args.revocations)
    text = json.dumps(result, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
