"""Risk cases: a catalogue of measure types and measures with type, responsible person, due date and
outcome. The free-text measures recorded before (table risk_measures) are copied in as measures of
type «other» that are done; risk_measures itself is left untouched."""

from __future__ import annotations

import duckdb

DESCRIPTION = (
    "Случаи группы риска: каталог мер, меры с ответственным, сроком и результатом (перенос risk_measures)"
)

CATALOGUE: tuple[tuple[str, str], ...] = (
    ("consultation", "Консультация"),
    ("vacancy_offered", "Вакансия предложена"),
    ("czn_referral", "Направление в ЦЗН"),
    ("copp_training", "Дополнительное обучение (ЦОПП)"),
    ("self_employment", "Курс по самозанятости / предпринимательству"),
    ("psych_support", "Психологическая поддержка"),
    ("other", "Другое"),
)


def up(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE TABLE IF NOT EXISTS measure_catalogue (
            code VARCHAR NOT NULL, name VARCHAR NOT NULL, sort_order INTEGER NOT NULL,
            active BOOLEAN NOT NULL DEFAULT true, updated_at TIMESTAMP, updated_by VARCHAR)"""
    )
    for i, (code, name) in enumerate(CATALOGUE, start=1):
        con.execute(
            """INSERT INTO measure_catalogue
               SELECT ?, ?, ?, true, NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM measure_catalogue WHERE code = ?)""",
            [code, name, i * 10, code],
        )
    # key: measure_id (shares measure_id_seq with risk_measures, so copied measures keep their ids)
    con.execute(
        """CREATE TABLE IF NOT EXISTS case_measures (
            measure_id BIGINT NOT NULL, college_code VARCHAR NOT NULL, cohort INTEGER NOT NULL,
            person_key VARCHAR NOT NULL, measure_type VARCHAR NOT NULL, description VARCHAR,
            responsible VARCHAR NOT NULL, measure_date DATE NOT NULL, due_date DATE NOT NULL,
            outcome VARCHAR, outcome_note VARCHAR, outcome_date DATE, vacancy_id VARCHAR,
            legacy_measure_id BIGINT, created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL,
            updated_at TIMESTAMP, updated_by VARCHAR)"""
    )
    con.execute(
        """INSERT INTO case_measures
           SELECT r.measure_id, r.college_code, r.cohort, r.person_key, 'other', r.text, r.created_by,
                  r.measure_date, r.measure_date, 'done', NULL, r.measure_date, NULL, r.measure_id,
                  r.created_at, r.created_by, NULL, NULL
           FROM risk_measures r
           WHERE NOT EXISTS (SELECT 1 FROM case_measures c WHERE c.legacy_measure_id = r.measure_id)"""
    )
