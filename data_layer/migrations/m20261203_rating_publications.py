"""Published (frozen) effectiveness ratings and objections to them (issue 11, item 4)."""

from __future__ import annotations

import duckdb

DESCRIPTION = (
    "rating_publications / rating_results / rating_inputs / rating_points: a published rating "
    "(criteria version × cohort × evaluation date, re-published as new versions) with the criteria "
    "definition, the metric values it used and its results; rating_objections / rating_answers: a "
    "college's objection and the base centre's answer, every step kept"
)


def up(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE SEQUENCE IF NOT EXISTS rating_publication_seq START 1")
    con.execute("CREATE SEQUENCE IF NOT EXISTS rating_objection_seq START 1")
    # key: publication_id; (cohort, criteria_year, criteria_version, as_of, version) is unique.
    # definition: the criteria set's JSON as it was published (metrics.criteria.model.to_json).
    con.execute(
        """CREATE TABLE IF NOT EXISTS rating_publications (
            publication_id BIGINT NOT NULL, cohort INTEGER NOT NULL, criteria_year INTEGER NOT NULL,
            criteria_version INTEGER NOT NULL, as_of DATE NOT NULL, version INTEGER NOT NULL,
            definition VARCHAR NOT NULL, data_version BIGINT, published_at TIMESTAMP NOT NULL,
            published_by VARCHAR NOT NULL, reason VARCHAR, objection_id BIGINT, colleges_total INTEGER NOT NULL)"""
    )
    # key: (publication_id, college_code)
    con.execute(
        """CREATE TABLE IF NOT EXISTS rating_results (
            publication_id BIGINT NOT NULL, college_code VARCHAR NOT NULL, short_name VARCHAR,
            tu_code VARCHAR, tu_name VARCHAR, total INTEGER, score DOUBLE NOT NULL, rank INTEGER NOT NULL,
            category VARCHAR NOT NULL)"""
    )
    # key: (publication_id, college_code, metric); value NULL = no value (zero denominator)
    con.execute(
        """CREATE TABLE IF NOT EXISTS rating_inputs (
            publication_id BIGINT NOT NULL, college_code VARCHAR NOT NULL, metric VARCHAR NOT NULL, value DOUBLE)"""
    )
    # key: (publication_id, college_code, criterion_id); points already weighted
    con.execute(
        """CREATE TABLE IF NOT EXISTS rating_points (
            publication_id BIGINT NOT NULL, college_code VARCHAR NOT NULL, criterion_id VARCHAR NOT NULL,
            points DOUBLE NOT NULL)"""
    )
    # key: objection_id
    con.execute(
        """CREATE TABLE IF NOT EXISTS rating_objections (
            objection_id BIGINT NOT NULL, publication_id BIGINT NOT NULL, college_code VARCHAR NOT NULL,
            text VARCHAR NOT NULL, filed_at TIMESTAMP NOT NULL, filed_by VARCHAR NOT NULL)"""
    )
    # key: objection_id (one answer each); decision 'rejected' | 'accepted'; an accepted objection
    # names the publication that re-published the rating
    con.execute(
        """CREATE TABLE IF NOT EXISTS rating_answers (
            objection_id BIGINT NOT NULL, decision VARCHAR NOT NULL, reason VARCHAR NOT NULL,
            answered_at TIMESTAMP NOT NULL, answered_by VARCHAR NOT NULL, new_publication_id BIGINT)"""
    )
