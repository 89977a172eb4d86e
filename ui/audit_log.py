"""The audit log as the «Журнал действий» page reads it: always fresh (never cached), newest first."""

from __future__ import annotations

import datetime as dt

import polars as pl

from data_layer import audit
from ui import connection
from ui.roles import ROLE_LABELS

ACTION_LABELS = audit.ACTION_LABELS


def usernames() -> list[str]:
    with connection.cursor() as cur:
        return audit.logged_usernames(cur)


def entries(
    since: dt.date | None, until: dt.date | None, username: str | None, action: str | None, limit: int
) -> pl.DataFrame:
    with connection.cursor() as cur:
        return audit.read_log(cur, since=since, until=until, username=username, action=action, limit=limit)


def display(log: pl.DataFrame) -> pl.DataFrame:
    """Russian columns and labels."""
    return log.select(
        pl.col("event_at").alias("Время"),
        pl.col("username").fill_null("—").alias("Пользователь"),
        pl.col("role").replace(ROLE_LABELS).fill_null("—").alias("Роль"),
        pl.col("action").replace(ACTION_LABELS).fill_null("—").alias("Действие"),
        pl.col("object").fill_null("—").alias("Объект"),
        pl.col("details").fill_null("—").alias("Подробности"),
    )
