"""Demo accounts (password «demo»): they exist only while the database is a demo database, are derived
from its reference data and never written to the credentials file."""

from __future__ import annotations

import functools

import duckdb

from data_layer.db import is_demo
from data_layer.users.account import UserRecord, hash_password, normalize_username

DEMO_PREFIX = "demo_"


DEMO_PASSWORD = "demo"


DEMO_USERNAMES: tuple[str, ...] = ("demo_ministry", "demo_territory", "demo_base", "demo_college")


@functools.cache
def demo_password_hash() -> str:
    """Hashed once per process: bcrypt is deliberately slow."""
    return hash_password(DEMO_PASSWORD)


def is_demo_username(username: str) -> bool:
    return normalize_username(username) in DEMO_USERNAMES


def demo_users(cur: duckdb.DuckDBPyConnection) -> dict[str, UserRecord]:
    """The demo accounts of a demo database; empty for any other database.

    territory: the ТУ with the most colleges (ties: lowest code);
    college: the median college by number of graduates of the latest cohort (lower median, ties by code).
    """
    if not is_demo(cur):
        return {}
    pw = demo_password_hash()
    out = [
        UserRecord("demo_ministry", "Министерство образования (демо)", "ministry", None, pw, demo=True),
        UserRecord("demo_base", "Базовый центр (демо)", "base_centre", None, pw, demo=True),
    ]
    tu = cur.execute(
        """SELECT m.tu_code, coalesce(any_value(t.name), m.tu_code), count(*) AS n
           FROM colleges c JOIN municipalities m USING (oktmo) LEFT JOIN territories t USING (tu_code)
           GROUP BY m.tu_code ORDER BY n DESC, m.tu_code LIMIT 1"""
    ).fetchall()
    if tu:
        out.append(UserRecord("demo_territory", tu[0][1], "territory", tu[0][0], pw, demo=True))
    counts = cur.execute(
        """SELECT college_code, count(*) AS n FROM graduates
           WHERE cohort = (SELECT max(cohort) FROM graduates)
           GROUP BY college_code ORDER BY n, college_code"""
    ).fetchall()
    if not counts:
        counts = cur.execute("SELECT college_code, 0 FROM colleges ORDER BY college_code").fetchall()
    if counts:
        college = counts[(len(counts) - 1) // 2][0]
        name = cur.execute(
            "SELECT coalesce(full_name, short_name) FROM colleges WHERE college_code = ?", [college]
        ).fetchall()
        label = name[0][0] if name else college
        out.append(UserRecord("demo_college", label, "college", college, pw, demo=True))
    return {u.username: u for u in out}
