"""Inputs of the targeted work with the risk group (issue 14): the call-up date of conscripts and the
graduate's municipality of residence (new optional columns), the labour ministry's file of those
discharged from military service, vacancies, ЦЗН answers on escalated graduates, the specialty →
occupation map used to match vacancies, the regional support-measures registry, and the log of
lists sent to ЦЗН."""

from __future__ import annotations

import csv

import duckdb

from data_layer import config

DESCRIPTION = (
    "Работа с группой риска: дата призыва, муниципалитет проживания, уволенные с военной службы, "
    "вакансии, ответы ЦЗН, соответствие специальностей и профессий, реестр мер поддержки, передачи в ЦЗН"
)

SPECIALTY_MAP_FILE = config.REFERENCE_DIR / "specialty_occupations.csv"


def seed_rows() -> list[tuple[str, str]]:
    """(program_code, keywords) of the shipped map: keywords separated by «;»."""
    if not SPECIALTY_MAP_FILE.exists():
        return []
    with SPECIALTY_MAP_FILE.open(encoding="utf-8") as fh:
        return [(r["Код специальности"], r["Профессии и ключевые слова"]) for r in csv.DictReader(fh)]


def up(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("ALTER TABLE status_rows ADD COLUMN IF NOT EXISTS conscription_date DATE")
    con.execute("ALTER TABLE graduates ADD COLUMN IF NOT EXISTS residence_municipality VARCHAR")
    # kind army_returns: replaced per extract date
    con.execute(
        """CREATE TABLE IF NOT EXISTS army_returns (
            snils VARCHAR NOT NULL, discharge_date DATE NOT NULL, extract_date DATE NOT NULL, load_id BIGINT)"""
    )
    # kind vacancies: replaced per source (a file is the source's full current extract)
    con.execute(
        """CREATE TABLE IF NOT EXISTS vacancies (
            source VARCHAR NOT NULL, source_id VARCHAR NOT NULL, employer VARCHAR NOT NULL,
            employer_inn VARCHAR, title VARCHAR NOT NULL, profession VARCHAR, municipality VARCHAR,
            oktmo VARCHAR, salary_min INTEGER, salary_max INTEGER, education VARCHAR, vacancy_date DATE,
            url VARCHAR, load_id BIGINT)"""
    )
    # kind czn_answers: replaced per (snils, answer date)
    con.execute(
        """CREATE TABLE IF NOT EXISTS czn_answers (
            snils VARCHAR NOT NULL, answer_date DATE NOT NULL, result VARCHAR NOT NULL, comment VARCHAR,
            load_id BIGINT)"""
    )
    # key: program_code; edited by the base centre
    con.execute(
        """CREATE TABLE IF NOT EXISTS specialty_occupations (
            program_code VARCHAR NOT NULL, keywords VARCHAR NOT NULL, updated_at TIMESTAMP, updated_by VARCHAR)"""
    )
    for code, keywords in seed_rows():
        con.execute(
            """INSERT INTO specialty_occupations SELECT ?, ?, NULL, NULL
               WHERE NOT EXISTS (SELECT 1 FROM specialty_occupations WHERE program_code = ?)""",
            [code, keywords, code],
        )
    # key: measure_id; kept by the base centre. Qualification: program codes, territory codes and
    # priority groups (lists separated by «;»; empty: everyone).
    con.execute("CREATE SEQUENCE IF NOT EXISTS support_measure_id_seq START 1")
    con.execute(
        """CREATE TABLE IF NOT EXISTS support_measures (
            measure_id BIGINT NOT NULL, title VARCHAR NOT NULL, who_qualifies VARCHAR NOT NULL,
            operator VARCHAR NOT NULL, link VARCHAR, valid_until DATE, program_codes VARCHAR,
            tu_codes VARCHAR, groups VARCHAR, active BOOLEAN NOT NULL DEFAULT true,
            updated_at TIMESTAMP, updated_by VARCHAR)"""
    )
    # one row per graduate in a list sent to ЦЗН
    con.execute(
        """CREATE TABLE IF NOT EXISTS czn_escalations (
            batch_id BIGINT NOT NULL, sent_at TIMESTAMP NOT NULL, sent_by VARCHAR NOT NULL,
            college_code VARCHAR NOT NULL, cohort INTEGER NOT NULL, person_key VARCHAR NOT NULL)"""
    )
    con.execute("CREATE SEQUENCE IF NOT EXISTS czn_batch_seq START 1")
