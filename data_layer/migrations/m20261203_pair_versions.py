"""Finer cache invalidation: the data version at which each (college, cohort) last changed, and the
version of the last change that was not limited to such pairs (`meta.base_version`).

A status snapshot load changes only the (college, cohort) pairs it touches; it records the new
dataset version for those pairs. Every other write (graduation lists, which can make another
college's СНИЛС contested; reference data, УФНС/ЦЗН, settings, criteria, ...) sets `base_version`.
A cached result that reads only some pairs is valid while `base_version` and the versions of its
pairs are unchanged (ui/cached.py)."""

from __future__ import annotations

import duckdb

DESCRIPTION = "Версии данных по (ПОО, выпуск) для точечного сброса кэша страниц"


def up(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE IF NOT EXISTS pair_versions (college_code VARCHAR NOT NULL, cohort INTEGER NOT NULL, "
        "version BIGINT NOT NULL)"
    )
    con.execute(
        "INSERT INTO meta SELECT 'base_version', value FROM meta WHERE key = 'dataset_version' "
        "AND NOT EXISTS (SELECT 1 FROM meta WHERE key = 'base_version')"
    )
