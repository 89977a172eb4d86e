"""Settings the base centre tunes (docs/domain.md §6: N1–N3; the headline indicator), stored as data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from data_layer.errors import UserFacingError


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    default: str
    kind: str  # 'int' | 'str'
    min_value: int = 0
    max_value: int = 0


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "risk_n1_weeks", "N1: недель без статуса после выпуска до попадания в группу риска", "8", "int", 1, 52
    ),
    Setting(
        "risk_n2_weeks",
        "N2: недель после увольнения с военной службы без работы или учёбы",
        "4",
        "int",
        1,
        52,
    ),
    Setting("risk_n3_weeks", "N3: недель неподтверждённой данными УФНС занятости", "12", "int", 1, 104),
    Setting("headline_indicator", "Основной показатель", "employment_federal", "str"),
)
BY_KEY = {s.key: s for s in SETTINGS}


@dataclass(frozen=True)
class RiskThresholds:
    n1_weeks: int = 8
    n2_weeks: int = 4
    n3_weeks: int = 12


def get_setting(cur: duckdb.DuckDBPyConnection, key: str) -> str:
    row = cur.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
    return str(row[0][0]) if row else BY_KEY[key].default


def set_setting(cur: duckdb.DuckDBPyConnection, key: str, value: str, username: str) -> None:
    spec = BY_KEY.get(key)
    if spec is None:
        raise UserFacingError(f"Неизвестная настройка: {key}")
    if spec.kind == "int":
        try:
            n = int(value)
        except ValueError as exc:
            raise UserFacingError(f"«{spec.label}»: нужно целое число.") from exc
        if not spec.min_value <= n <= spec.max_value:
            raise UserFacingError(f"«{spec.label}»: от {spec.min_value} до {spec.max_value}.")
    cur.execute("DELETE FROM settings WHERE key = ?", [key])
    cur.execute("INSERT INTO settings VALUES (?, ?, ?, ?)", [key, str(value), dt.datetime.now(), username])


def risk_thresholds(cur: duckdb.DuckDBPyConnection) -> RiskThresholds:
    return RiskThresholds(
        int(get_setting(cur, "risk_n1_weeks")),
        int(get_setting(cur, "risk_n2_weeks")),
        int(get_setting(cur, "risk_n3_weeks")),
    )


def headline_indicator(cur: duckdb.DuckDBPyConnection) -> str:
    return get_setting(cur, "headline_indicator")
