"""Contested СНИЛС (issue 12, «no probing through the graduation list»): the base centre's decisions
on a СНИЛС that two colleges list, or that ФИС ФРДО attributes to another college. Append-only:
the latest decision per (СНИЛС, college) counts."""

from __future__ import annotations

import duckdb

DESCRIPTION = "Решения базового центра по спорным СНИЛС (кому показывать данные УФНС и ЦЗН)"


def up(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TABLE IF NOT EXISTS identity_decisions (
            snils VARCHAR NOT NULL, college_code VARCHAR NOT NULL, decision VARCHAR NOT NULL,
            comment VARCHAR, username VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL)"""
    )
