"""DDL of the DuckDB store. Applied idempotently on every open.

No PRIMARY KEY / FOREIGN KEY constraints: keys are enforced by validation before a load, and
constraint-free tables let a load delete and re-insert the same keys inside one transaction.
Natural keys are documented per table.
"""

from __future__ import annotations

import duckdb

from data_layer.migrations import migrate

SCHEMA_VERSION = 1

DDL: tuple[str, ...] = (
    # key-value store: schema_version, dataset_version, is_demo, demo_seed, ...
    "CREATE TABLE IF NOT EXISTS meta (key VARCHAR NOT NULL, value VARCHAR)",
    # ---------- reference data (replaceable by upload) ----------
    # key: tu_code
    """CREATE TABLE IF NOT EXISTS territories (
        tu_code VARCHAR NOT NULL, name VARCHAR NOT NULL, centre VARCHAR, mapping_status VARCHAR)""",
    # key: oktmo
    """CREATE TABLE IF NOT EXISTS municipalities (
        oktmo VARCHAR NOT NULL, name VARCHAR NOT NULL, kind VARCHAR, tu_code VARCHAR NOT NULL)""",
    # key: college_code
    """CREATE TABLE IF NOT EXISTS colleges (
        college_code VARCHAR NOT NULL, short_name VARCHAR NOT NULL, full_name VARCHAR,
        oktmo VARCHAR NOT NULL, founder VARCHAR, college_type VARCHAR, lat DOUBLE, lon DOUBLE)""",
    # key: program_code
    """CREATE TABLE IF NOT EXISTS programs (
        program_code VARCHAR NOT NULL, name VARCHAR NOT NULL, level VARCHAR NOT NULL,
        ugps_code VARCHAR NOT NULL, ugps_name VARCHAR)""",
    # ---------- actual graduation: key (college_code, cohort, person_key) ----------
    # person_key = 11-digit СНИЛС, or 'D:' + document number for a foreign graduate without СНИЛС.
    """CREATE TABLE IF NOT EXISTS graduates (
        person_key VARCHAR NOT NULL, snils VARCHAR, doc_number VARCHAR,
        last_name VARCHAR NOT NULL, first_name VARCHAR NOT NULL, middle_name VARCHAR,
        birth_date DATE NOT NULL, sex VARCHAR NOT NULL,
        college_code VARCHAR NOT NULL, program_code VARCHAR NOT NULL, study_form VARCHAR NOT NULL,
        graduation_date DATE NOT NULL, cohort INTEGER NOT NULL,
        is_target BOOLEAN NOT NULL DEFAULT false, is_ovz BOOLEAN NOT NULL DEFAULT false,
        is_disabled BOOLEAN NOT NULL DEFAULT false, is_professionalitet BOOLEAN NOT NULL DEFAULT false,
        is_foreign BOOLEAN NOT NULL DEFAULT false, diploma_reg_no VARCHAR, load_id BIGINT)""",
    # ---------- status snapshots: key (college_code, snapshot_date, person_key) ----------
    # cohort is resolved at load time from the college's graduation lists.
    """CREATE TABLE IF NOT EXISTS status_rows (
        college_code VARCHAR NOT NULL, snapshot_date DATE NOT NULL, cohort INTEGER NOT NULL,
        person_key VARCHAR NOT NULL, status VARCHAR NOT NULL, status_start DATE,
        by_specialty BOOLEAN NOT NULL DEFAULT false, employer_inn VARCHAR, employer_name VARCHAR,
        work_municipality VARCHAR, career_track VARCHAR, discharge_date DATE, support_measures VARCHAR,
        load_id BIGINT)""",
    # ---------- derived: one row per graduate and period of constant status ----------
    # Rebuilt at load time for the (college, cohort) pairs a load touches (metrics.spells).
    # The status at D is the row with valid_from <= D < valid_to; every graduate has exactly one
    # such row at any D (an 'unknown' spell covers the time before the first snapshot).
    # Graduate dimensions are copied in so that breakdowns need no join.
    """CREATE TABLE IF NOT EXISTS status_spells (
        cohort INTEGER NOT NULL, college_code VARCHAR NOT NULL, person_key VARCHAR NOT NULL,
        program_code VARCHAR NOT NULL, study_form VARCHAR NOT NULL, sex VARCHAR NOT NULL,
        is_target BOOLEAN NOT NULL, is_ovz BOOLEAN NOT NULL, is_disabled BOOLEAN NOT NULL,
        is_professionalitet BOOLEAN NOT NULL, graduation_date DATE NOT NULL,
        status VARCHAR NOT NULL, by_specialty BOOLEAN NOT NULL, status_start DATE,
        discharge_date DATE, valid_from DATE NOT NULL, valid_to DATE NOT NULL)""",
    # ---------- external data ----------
    # УФНС: employment_kind in ('labour_contract', 'entrepreneur', 'self_employed')
    """CREATE TABLE IF NOT EXISTS ufns_records (
        snils VARCHAR NOT NULL, employment_kind VARCHAR NOT NULL, start_date DATE NOT NULL,
        end_date DATE, employer_inn VARCHAR, extract_date DATE NOT NULL, load_id BIGINT)""",
    # ЦЗН: category in ('unemployed', 'job_seeker')
    """CREATE TABLE IF NOT EXISTS czn_records (
        snils VARCHAR NOT NULL, reg_date DATE NOT NULL, category VARCHAR NOT NULL, dereg_date DATE,
        extract_date DATE NOT NULL, load_id BIGINT)""",
    # ФИС ФРДО extract; replaced per (college_code, year of issue_date)
    """CREATE TABLE IF NOT EXISTS frdo_records (
        snils VARCHAR NOT NULL, college_code VARCHAR NOT NULL, program_code VARCHAR,
        issue_date DATE NOT NULL, reg_no VARCHAR, load_id BIGINT)""",
    # ---------- activity data ----------
    # key (college_code, event_date, event_type, title)
    """CREATE TABLE IF NOT EXISTS events (
        college_code VARCHAR NOT NULL, event_date DATE NOT NULL, event_type VARCHAR NOT NULL,
        title VARCHAR, graduate_participants INTEGER NOT NULL DEFAULT 0, employers INTEGER NOT NULL DEFAULT 0,
        load_id BIGINT)""",
    # key (person_key, college_code, academic_year); academic_year like '2024/2025'
    """CREATE TABLE IF NOT EXISTS career_tracks (
        person_key VARCHAR NOT NULL, college_code VARCHAR NOT NULL, academic_year VARCHAR NOT NULL,
        track VARCHAR NOT NULL, formed_date DATE, load_id BIGINT)""",
    # ---------- load log ----------
    "CREATE SEQUENCE IF NOT EXISTS load_id_seq START 1",
    """CREATE TABLE IF NOT EXISTS loads (
        load_id BIGINT NOT NULL, loaded_at TIMESTAMP NOT NULL, username VARCHAR NOT NULL,
        file_name VARCHAR NOT NULL, checksum VARCHAR NOT NULL, kind VARCHAR NOT NULL,
        college_code VARCHAR, scope_key VARCHAR, rows INTEGER NOT NULL, warnings INTEGER NOT NULL DEFAULT 0,
        replaced_rows INTEGER NOT NULL DEFAULT 0)""",
    # ---------- configuration kept as data ----------
    # key: key. risk_n1_weeks, risk_n2_weeks, risk_n3_weeks, headline_indicator, ...
    """CREATE TABLE IF NOT EXISTS settings (
        key VARCHAR NOT NULL, value VARCHAR NOT NULL, updated_at TIMESTAMP, updated_by VARCHAR)""",
    # key: (indicator_id, cohort)
    """CREATE TABLE IF NOT EXISTS targets (
        indicator_id VARCHAR NOT NULL, cohort INTEGER NOT NULL, target DOUBLE NOT NULL,
        updated_at TIMESTAMP, updated_by VARCHAR)""",
    # user-defined indicators, versioned: key (indicator_id, version); the highest version is current
    """CREATE TABLE IF NOT EXISTS custom_indicators (
        indicator_id VARCHAR NOT NULL, version INTEGER NOT NULL, name VARCHAR NOT NULL,
        description VARCHAR, numerator VARCHAR NOT NULL, exclusions VARCHAR NOT NULL,
        active BOOLEAN NOT NULL DEFAULT true, created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL)""",
    # effectiveness criteria sets, versioned: key (year, version); a published version is immutable
    """CREATE TABLE IF NOT EXISTS criteria_sets (
        year INTEGER NOT NULL, version INTEGER NOT NULL, status VARCHAR NOT NULL,
        definition VARCHAR NOT NULL, comment VARCHAR, created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL,
        published_at TIMESTAMP, published_by VARCHAR)""",
    # ---------- work with the risk group ----------
    "CREATE SEQUENCE IF NOT EXISTS measure_id_seq START 1",
    """CREATE TABLE IF NOT EXISTS risk_measures (
        measure_id BIGINT NOT NULL, college_code VARCHAR NOT NULL, cohort INTEGER NOT NULL,
        person_key VARCHAR NOT NULL, measure_date DATE NOT NULL, text VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL, created_by VARCHAR NOT NULL)""",
    # ---------- reconciliation of actual graduation ----------
    """CREATE TABLE IF NOT EXISTS reconciliation_decisions (
        college_code VARCHAR NOT NULL, cohort INTEGER NOT NULL, party VARCHAR NOT NULL,
        decision VARCHAR NOT NULL, comment VARCHAR, username VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL,
        frdo_count INTEGER, list_count INTEGER)""",
    # ---------- audit (append-only: the code has no UPDATE or DELETE on it) ----------
    "CREATE SEQUENCE IF NOT EXISTS audit_id_seq START 1",
    """CREATE TABLE IF NOT EXISTS audit_log (
        event_id BIGINT NOT NULL, event_at TIMESTAMP NOT NULL, username VARCHAR, role VARCHAR,
        action VARCHAR NOT NULL, object VARCHAR, details VARCHAR)""",
    # ---------- login lockout (survives reloads and restarts) ----------
    """CREATE TABLE IF NOT EXISTS login_attempts (
        username VARCHAR NOT NULL, failed_count INTEGER NOT NULL, locked_until TIMESTAMP)""",
)

INDEXES: tuple[str, ...] = ()


def apply_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing baseline tables, then run the missing migrations (idempotent).

    The baseline DDL above is frozen: later schema changes are modules of `data_layer.migrations`,
    so an existing database is upgraded in place and keeps its data."""
    for stmt in DDL:
        con.execute(stmt)
    row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall()
    if not row:
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        con.execute("INSERT INTO meta VALUES ('dataset_version', '0')")
    migrate(con)
