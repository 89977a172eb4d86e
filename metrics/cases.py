"""Risk cases: one case per graduate per stay in the risk group (docs/domain.md §6, issue 14).

A case is derived, not stored: the stays come from the risk register at the evaluation date
(`metrics.risk.risk_stays`: opened at the first checkpoint in the group with the reasons of that
checkpoint, closed at the first checkpoint out of it with the status held then). So a late status
file that moves an entry date moves the case with it, and nothing has to be kept in step with the
loads. What people record — measures (data_layer.cases) — is stored per graduate and date and
belongs to the stay under way on its date (a measure dated before the first stay belongs to the
first stay).

At the evaluation date D:
  overdue measure  no outcome, due date before D, in an open case;
  stale case       open, and its newest measure (or, with none, its opening) is more than N weeks
                   before D (N: data_layer.cases.stale_weeks, a base-centre setting);
  state            open | closed_work | closed_study | closed_other (by the status at closing).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from data_layer import cases as store
from data_layer.scope import Scope
from metrics.engine import Filters
from metrics.risk import risk_stays
from metrics.settings import RiskThresholds
from metrics.statuses import STUDY_STATUSES, WORK_STATUSES

STATES: dict[str, str] = {
    "open": "Открыт",
    "closed_work": "Закрыт: работа",
    "closed_study": "Закрыт: учёба",
    "closed_other": "Закрыт: другое",
}
SMALL_GROUP = 5  # fewer cases than this: a share is marked as unreliable

# The stored parts, for the layers above (pages and ui read them through metrics).
OUTCOMES = store.OUTCOMES
MAX_TEXT_CHARS = store.MAX_TEXT_CHARS
STALE_WEEKS_RANGE = store.STALE_WEEKS_RANGE
catalogue = store.catalogue
stale_weeks = store.stale_weeks
measure_list = store.measure_list
measures_stamp = store.measures_stamp
measure_facts = store.measure_facts
escalations = store.escalations
czn_answers = store.czn_answers
escalation_batch = store.escalation_batch

_KEY = ["college_code", "person_key"]


def link_measures(measures: pl.DataFrame, stays: pl.DataFrame) -> pl.DataFrame:
    """Add `stay_no` to each measure: the stay of the same graduate under way on the measure's date
    (the latest entry on or before it; a measure before the first stay belongs to the first)."""
    starts = stays.select(*_KEY, "stay_no", "entry_date").sort("entry_date")
    if measures.is_empty() or starts.is_empty():
        return measures.with_columns(stay_no=pl.lit(None, dtype=pl.Int64))
    return (
        measures.sort("measure_date")
        .join_asof(
            starts,
            left_on="measure_date",
            right_on="entry_date",
            by=_KEY,
            strategy="backward",
            check_sortedness=False,
        )
        .with_columns(pl.col("stay_no").fill_null(1))
        .drop("entry_date")
    )


def attach_measures(
    stays: pl.DataFrame, measures: pl.DataFrame, as_of: dt.date, stale_weeks: int
) -> pl.DataFrame:
    """Cases from stays and measures (both in scope), pure.

    Adds to each stay: state, measures (count up to D), measure_types (sorted distinct codes),
    open_measures, overdue (count), last_measure_date, stale, escalated (a ЦЗН referral recorded)."""
    linked = link_measures(measures.filter(pl.col("measure_date") <= as_of), stays)
    open_measure = pl.col("outcome").is_null() | (pl.col("outcome_date") > as_of)
    per_case = linked.group_by([*_KEY, "stay_no"]).agg(
        pl.len().cast(pl.Int64).alias("measures"),
        pl.col("measure_type").unique().sort().alias("measure_types"),
        open_measure.sum().cast(pl.Int64).alias("open_measures"),
        (open_measure & (pl.col("due_date") < as_of)).sum().cast(pl.Int64).alias("overdue_any"),
        pl.col("measure_date").max().alias("last_measure_date"),
        (pl.col("measure_type") == "czn_referral").any().alias("escalated"),
    )
    out = stays.join(per_case, on=[*_KEY, "stay_no"], how="left").with_columns(
        pl.col("measures", "open_measures", "overdue_any").fill_null(0),
        pl.col("measure_types").fill_null([]),
        pl.col("escalated").fill_null(False),
        state=pl.when(pl.col("exit_date").is_null())
        .then(pl.lit("open"))
        .when(pl.col("exit_status").is_in(sorted(WORK_STATUSES)))
        .then(pl.lit("closed_work"))
        .when(pl.col("exit_status").is_in(sorted(STUDY_STATUSES)))
        .then(pl.lit("closed_study"))
        .otherwise(pl.lit("closed_other")),
    )
    is_open = pl.col("state") == "open"
    since = pl.coalesce(pl.col("last_measure_date"), pl.col("entry_date"))
    return out.with_columns(
        overdue=pl.when(is_open).then(pl.col("overdue_any")).otherwise(0).cast(pl.Int64),
        stale=is_open & ((pl.lit(as_of) - since).dt.total_days() > stale_weeks * 7),
    ).drop("overdue_any")


def cases(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    thresholds: RiskThresholds,
    filters: Filters | None = None,
    stays: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Every case in scope at `as_of` (see attach_measures). `stays` may be passed in from a cache
    (risk_stays of the same arguments); measures are always read fresh."""
    if stays is None:
        stays = risk_stays(cur, scope, cohort, as_of, thresholds, filters)
    facts = store.measure_facts(cur, scope, cohort)
    return attach_measures(stays, facts, as_of, store.stale_weeks(cur))


def escalation_candidates(frame: pl.DataFrame, sent: pl.DataFrame) -> pl.DataFrame:
    """Open cases with a ЦЗН referral recorded that were not sent to ЦЗН since the case opened."""
    open_ = frame.filter((pl.col("state") == "open") & pl.col("escalated"))
    if sent.is_empty():
        return open_
    return (
        open_.join(sent.select(*_KEY, "sent_at"), on=_KEY, how="left")
        .filter(pl.col("sent_at").is_null() | (pl.col("sent_at").dt.date() < pl.col("entry_date")))
        .drop("sent_at")
    )


def case_list(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    thresholds: RiskThresholds,
    filters: Filters | None = None,
    stays: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Cases one by one (personal data: the college's own, or all for the base centre)."""
    scope.require_personal_data()
    return cases(cur, scope, cohort, as_of, thresholds, filters, stays)


_COUNT_SCHEMA: dict[str, type[pl.DataType]] = {
    "college_code": pl.Utf8,
    "cases": pl.Int64,
    "open": pl.Int64,
    "open_with_overdue": pl.Int64,
    "overdue_measures": pl.Int64,
    "stale": pl.Int64,
    "escalated": pl.Int64,
    "closed_work": pl.Int64,
    "closed_study": pl.Int64,
    "closed_other": pl.Int64,
}


def case_counts(frame: pl.DataFrame) -> pl.DataFrame:
    """Per college: cases, open, open_with_overdue, overdue_measures, stale, escalated (open cases
    referred to a ЦЗН) and closed by state. Aggregates only: what ТУ and the ministry see."""
    if frame.is_empty():
        return pl.DataFrame(schema=_COUNT_SCHEMA)
    is_open = pl.col("state") == "open"
    return (
        frame.group_by("college_code")
        .agg(
            pl.len().cast(pl.Int64).alias("cases"),
            is_open.sum().cast(pl.Int64).alias("open"),
            (is_open & (pl.col("overdue") > 0)).sum().cast(pl.Int64).alias("open_with_overdue"),
            pl.col("overdue").sum().cast(pl.Int64).alias("overdue_measures"),
            pl.col("stale").sum().cast(pl.Int64).alias("stale"),
            (is_open & pl.col("escalated")).sum().cast(pl.Int64).alias("escalated"),
            *[(pl.col("state") == s).sum().cast(pl.Int64).alias(s) for s in STATES if s != "open"],
        )
        .select(list(_COUNT_SCHEMA))
        .sort("college_code")
    )


def scoped_case_counts(
    cur: duckdb.DuckDBPyConnection,
    scope: Scope,
    cohort: int,
    as_of: dt.date,
    thresholds: RiskThresholds,
    stays: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """case_counts for any role: per college in the scope (ТУ: its colleges; ministry: all)."""
    return case_counts(cases(cur, scope, cohort, as_of, thresholds, None, stays))


def effectiveness(frame: pl.DataFrame, catalogue: pl.DataFrame, by_college: bool = False) -> pl.DataFrame:
    """Which measures work: per measure type (and college), the cases that had one, how many of
    them closed into work or study, the share, and `small` (fewer than SMALL_GROUP cases). A row
    «measure_type = None» is the cases with no measure at all, for comparison.

    Columns: [college_code,] measure_type, measure_name, cases, closed_work_study, share, small."""
    keys = ["college_code"] if by_college else []
    schema: dict[str, type[pl.DataType]] = {
        **{k: pl.Utf8 for k in keys},
        "measure_type": pl.Utf8,
        "measure_name": pl.Utf8,
        "cases": pl.Int64,
        "closed_work_study": pl.Int64,
        "share": pl.Float64,
        "small": pl.Boolean,
    }
    if frame.is_empty():
        return pl.DataFrame(schema=schema)
    good = pl.col("state").is_in(["closed_work", "closed_study"])
    with_type = (
        frame.select(*keys, "measure_types", good.alias("good"))
        .with_columns(
            measure_type=pl.when(pl.col("measure_types").list.len() > 0).then(pl.col("measure_types"))
        )
        .explode("measure_type")
        .group_by([*keys, "measure_type"])
        .agg(
            pl.len().cast(pl.Int64).alias("cases"),
            pl.col("good").sum().cast(pl.Int64).alias("closed_work_study"),
        )
    )
    names = dict(zip(catalogue["code"], catalogue["name"], strict=True))
    order = {c: i for i, c in enumerate(catalogue["code"])}
    return (
        with_type.with_columns(
            measure_name=pl.col("measure_type")
            .replace_strict(names, default=pl.col("measure_type"), return_dtype=pl.Utf8)
            .fill_null("Без мер"),
            share=pl.col("closed_work_study") / pl.col("cases"),
            small=pl.col("cases") < SMALL_GROUP,
            _order=pl.col("measure_type")
            .replace_strict(order, default=len(order), return_dtype=pl.Int64)
            .fill_null(len(order) + 1),
        )
        .sort([*keys, "_order"])
        .select(list(schema))
    )


__all__ = [
    "MAX_TEXT_CHARS",
    "OUTCOMES",
    "SMALL_GROUP",
    "STALE_WEEKS_RANGE",
    "STATES",
    "attach_measures",
    "case_counts",
    "case_list",
    "cases",
    "catalogue",
    "czn_answers",
    "effectiveness",
    "escalation_batch",
    "escalation_candidates",
    "escalations",
    "link_measures",
    "measure_facts",
    "measure_list",
    "measures_stamp",
    "scoped_case_counts",
    "stale_weeks",
]
