"""Reads of the vacancy bank (table vacancies, loaded as kind `vacancies`), the specialty →
occupation map (specialty_occupations) and the regional support-measures registry
(support_measures). None of them holds personal data: every role may read them. Writes: ops."""

from __future__ import annotations

import duckdb
import polars as pl

from data_layer.scope import Scope


def vacancies(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every open vacancy (closed ones are gone: a reload of a source replaces it whole), with the
    territory of its municipality."""
    return cur.sql(
        """SELECT v.source, v.source_id, v.employer, v.employer_inn, v.title, v.profession, v.municipality,
                  v.oktmo, m.name AS municipality_name, m.tu_code, v.salary_min, v.salary_max, v.education,
                  v.vacancy_date, v.url
           FROM vacancies v LEFT JOIN municipalities m ON m.oktmo = v.oktmo
           ORDER BY v.vacancy_date DESC NULLS LAST, v.source, v.source_id"""
    ).pl()


def specialty_map(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """program_code, program_name, keywords (list), updated_at, updated_by — every programme of the
    reference, with an empty list where the map has no row yet."""
    return cur.sql(
        """SELECT p.program_code, p.name AS program_name,
                  coalesce(list_filter(list_transform(string_split(s.keywords, ';'), lambda x: trim(x)), lambda x: x <> ''),
                           []::VARCHAR[]) AS keywords,
                  s.updated_at, s.updated_by
           FROM programs p LEFT JOIN specialty_occupations s USING (program_code)
           ORDER BY p.program_code"""
    ).pl()


def graduate_places(
    cur: duckdb.DuckDBPyConnection, scope: Scope, cohort: int, college: str | None = None
) -> pl.DataFrame:
    """Per graduate in scope: college_code, person_key, program_code, oktmo (the municipality of
    residence when it is a known OKTMO, else the college's), its tu_code and name, by_residence, and
    the flags of the priority groups (is_ovz, is_disabled, is_target, is_professionalitet).
    Personal data."""
    scope.require_personal_data()
    if college is not None:
        scope.check_college(cur, college)
    allowed = scope.allowed_colleges(cur)
    return cur.sql(
        """SELECT g.college_code, g.person_key, g.program_code,
                  coalesce(r.oktmo, c.oktmo) AS oktmo, coalesce(r.tu_code, cm.tu_code) AS tu_code,
                  r.oktmo IS NOT NULL AS by_residence, coalesce(r.name, cm.name) AS municipality_name,
                  g.is_ovz, g.is_disabled, g.is_target, g.is_professionalitet
           FROM graduates g
           JOIN colleges c USING (college_code)
           LEFT JOIN municipalities cm ON cm.oktmo = c.oktmo
           LEFT JOIN municipalities r ON r.oktmo = g.residence_municipality
           WHERE g.cohort = ?
             AND (?::VARCHAR[] IS NULL OR g.college_code IN (SELECT unnest(?::VARCHAR[])))
             AND (?::VARCHAR IS NULL OR g.college_code = ?)""",
        params=[cohort, allowed, allowed, college, college],
    ).pl()


def support_measures(cur: duckdb.DuckDBPyConnection, *, active_only: bool = False) -> pl.DataFrame:
    """The registry: measure_id, title, who_qualifies, operator, link, valid_until, program_codes,
    tu_codes, groups (lists), active."""
    return cur.sql(
        """SELECT measure_id, title, who_qualifies, operator, link, valid_until,
                  list_filter(list_transform(string_split(coalesce(program_codes, ''), ';'), lambda x: trim(x)), lambda x: x <> '')
                      AS program_codes,
                  list_filter(list_transform(string_split(coalesce(tu_codes, ''), ';'), lambda x: trim(x)), lambda x: x <> '')
                      AS tu_codes,
                  list_filter(list_transform(string_split(coalesce(groups, ''), ';'), lambda x: trim(x)), lambda x: x <> '')
                      AS groups,
                  active
           FROM support_measures WHERE NOT ? OR active ORDER BY title, measure_id""",
        params=[active_only],
    ).pl()
