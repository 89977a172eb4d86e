"""What every report shares: the request (scope, cohort, as-of date), figures computed once per
request (so the scorecard zip computes region-wide figures once, not once per college), and the
title block lines (as-of date, indicator definitions, criteria version, data dates)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

import duckdb
import polars as pl

from data_layer.db import DEMO_NOTICE, is_demo
from data_layer.scope import OPERATOR, ROLE_LABELS, Scope
from metrics import criteria, engine, indicators, provenance, risk, settings
from metrics.criteria import publication
from metrics.formatting import fmt_date, fmt_datetime
from metrics.indicators import COUNT_COLUMNS, Indicator
from reports.xlsx import Properties, TitleBlock

FORECAST_NOTE = (
    "Расчёт без учёта прогноза: прогнозные статусы (гр.22–27) остаются в знаменателе и не входят в числитель."
)


def rate_row(counts: dict[str, Any] | None, ind: Indicator) -> tuple[int, int, float | None]:
    """(numerator, denominator, rate) of one row of engine.status_counts; no row -> (0, 0, None)."""
    if not counts:
        return 0, 0, None
    return indicators.compute(counts, ind)


# The region-wide frames of a request that per-college builders cut by college (ReportContext.college_rows),
# with their college column.
PART_KEYS: dict[str, str] = {
    "college_counts": "code",
    "colleges": "college_code",
    "rating": "college_code",
    "current_rating": "college_code",
    "risk_members_all": "college_code",
    "own_series_all": "code",
}


def fmt_g(x: float) -> str:
    return f"{x:g}".replace(".", ",")


def first_row(frame: pl.DataFrame) -> dict[str, Any] | None:
    return frame.row(0, named=True) if frame.height else None


class ReportContext:
    """One report request. Shared figures are computed lazily and at most once."""

    def __init__(
        self,
        cur: duckdb.DuckDBPyConnection,
        scope: Scope,
        cohort: int,
        as_of: dt.date,
        generated_at: dt.datetime | None = None,
        *,
        bulk: bool = False,
        metric_values: pl.DataFrame | None = None,
        draft: bool = False,
    ) -> None:
        self.cur = cur
        self.scope = scope
        self.cohort = cohort
        self.as_of = as_of
        self.generated_at = (generated_at or dt.datetime.now()).replace(microsecond=0)
        # bulk: many colleges in one request (the scorecard zip): per-college figures are cut from
        # one query over every college instead of one query per college.
        self.bulk = bulk
        # draft: a report that may be exported while its control rules fail, marked «ЧЕРНОВИК»
        # (the regional report; other reports have no draft state)
        self.draft = draft
        # Criteria metrics of every college (criteria.college_metric_values) when the caller already
        # has them for this cohort and date (the app caches them per dataset version).
        self._given_metric_values = metric_values
        self._territory_counts: dict[str, pl.DataFrame] = {}
        self._territory_series: dict[str, pl.DataFrame] = {}
        self._targets: dict[str, tuple[float, int] | None] = {}
        self._parts: dict[str, tuple[pl.DataFrame, dict[str, pl.DataFrame]]] = {}

    # ------------------------------------------------------------ configuration

    @cached_property
    def registry(self) -> dict[str, Indicator]:
        return indicators.registry(self.cur)

    @cached_property
    def headline(self) -> Indicator:
        ind_id = settings.headline_indicator(self.cur)
        return self.registry.get(ind_id) or self.registry[indicators.DEFAULT_HEADLINE]

    @cached_property
    def publication(self) -> publication.Publication | None:
        """The rating published for the cohort with an evaluation date on or before as_of: the
        reports show it, frozen, with the current calculation beside it."""
        return publication.latest_publication(self.cur, self.cohort, self.as_of)

    @cached_property
    def criteria_set(self) -> criteria.CriteriaSet:
        if self.publication is not None:
            return self.publication.criteria_set
        return criteria.published(self.cur, self.cohort)

    @cached_property
    def thresholds(self) -> settings.RiskThresholds:
        return settings.risk_thresholds(self.cur)

    def target(self, ind_id: str) -> tuple[float, int] | None:
        if ind_id not in self._targets:
            self._targets[ind_id] = indicators.get_target(self.cur, ind_id, self.cohort)
        return self._targets[ind_id]

    # ------------------------------------------------------------ shared figures

    @cached_property
    def region_counts(self) -> pl.DataFrame:
        # Region-level aggregates carry no personal data: every role may compare with them.
        return engine.status_counts(self.cur, OPERATOR, self.cohort, self.as_of, "region")

    def territory_counts(self, tu_code: str) -> pl.DataFrame:
        if tu_code not in self._territory_counts:
            self._territory_counts[tu_code] = engine.comparison_counts(
                self.cur, self.scope, self.cohort, self.as_of, "territory", tu_code
            )
        return self._territory_counts[tu_code]

    @cached_property
    def college_counts(self) -> pl.DataFrame:
        return engine.status_counts(self.cur, self.scope, self.cohort, self.as_of, "college")

    @cached_property
    def metric_values(self) -> pl.DataFrame:
        if self._given_metric_values is not None:
            return self._given_metric_values
        return criteria.college_metric_values(self.cur, self.cohort, self.as_of)

    @cached_property
    def rating(self) -> pl.DataFrame:
        """The published rating when there is one (frozen), else the current calculation."""
        if self.publication is not None:
            return publication.published_rating(self.cur, self.scope, self.publication)
        return self.current_rating

    @cached_property
    def current_rating(self) -> pl.DataFrame:
        """«Текущий расчёт»: the same criteria set on the data as they are now, at as_of."""
        return criteria.rating(
            self.cur, self.scope, self.cohort, self.as_of, self.criteria_set, self.metric_values
        )

    @property
    def rating_colleges(self) -> int:
        """How many colleges the rating ranks (region-wide)."""
        if self.publication is not None:
            return self.publication.colleges_total
        return self.metric_values.height

    @cached_property
    def risk_by_college(self) -> pl.DataFrame:
        return risk.risk_counts(self.cur, self.scope, self.cohort, self.as_of, self.thresholds, "college")

    @cached_property
    def region_series(self) -> pl.DataFrame:
        return engine.weekly_series(self.cur, OPERATOR, self.cohort, self.as_of, self.headline)

    def territory_series(self, tu_code: str) -> pl.DataFrame:
        if tu_code not in self._territory_series:
            self._territory_series[tu_code] = engine.weekly_series(
                self.cur, OPERATOR, self.cohort, self.as_of, self.headline, {"territory": tu_code}
            )
        return self._territory_series[tu_code]

    def college_rows(self, frame: str, college: str) -> pl.DataFrame:
        """The rows of one college of a region-wide frame of this request (`frame`: an attribute
        named in PART_KEYS), in their order: the same rows as filtering by the college's code, cut
        from one partition by college made on the first call (the scorecard zip asks 3 500 times)."""
        return self.cut_by_college(frame, lambda: getattr(self, frame), PART_KEYS[frame], college)

    def cut_by_college(
        self, name: str, build: Callable[[], pl.DataFrame], key: str, college: str
    ) -> pl.DataFrame:
        """One college's rows (column `key`) of the region-wide frame `name`, built by `build` and
        partitioned by college on the first call."""
        parts = self._parts.get(name)
        if parts is None:
            whole = build()
            split = whole.partition_by(key, as_dict=True, maintain_order=True)
            parts = self._parts[name] = (whole.clear(), {str(k[0]): p for k, p in split.items()})
        empty, by_college = parts
        return by_college.get(college, empty)

    def risk_members(self, college: str) -> pl.DataFrame:
        """Risk-group members of one college at the as-of date (risk.membership, grouped by program)."""
        if self.bulk:
            return self.college_rows("risk_members_all", college)
        return risk.membership(
            self.cur, self.scope, self.cohort, [self.as_of], self.thresholds, {"college": college}, "program"
        )

    @cached_property
    def risk_members_all(self) -> pl.DataFrame:
        return risk.membership(
            self.cur, self.scope, self.cohort, [self.as_of], self.thresholds, None, "program"
        )

    def college_series(self, college: str) -> pl.DataFrame:
        """Weekly series of the headline indicator for one college (as engine.weekly_series)."""
        if not self.bulk:
            return engine.weekly_series(
                self.cur, self.scope, self.cohort, self.as_of, self.headline, {"college": college}
            )
        if college not in self._college_starts:
            return self._series_all.head(0)
        return self.college_rows("own_series_all", college)

    @cached_property
    def own_series_all(self) -> pl.DataFrame:
        """Every college's own points, sorted by date: the Fridays from its first graduation (the
        same dates weekly_series would pick for it), plus the end date."""
        end = min(self.as_of, engine.window_end(self.cohort))
        dates: dict[dt.date, list[dt.date]] = {}
        pairs = [
            (code, d)
            for code, start in self._college_starts.items()
            for d in dates.setdefault(start, engine.weekly_dates(start, end))
        ]
        own = pl.DataFrame(pairs, schema={"code": pl.Utf8, "date": pl.Date}, orient="row")
        series = self._series_all
        return series.join(own, on=["code", "date"], how="semi").sort(["code", "date"])

    @cached_property
    def _college_starts(self) -> dict[str, dt.date]:
        where, params = engine.scope_where(self.cur, self.scope)
        rows = self.cur.sql(
            f"SELECT s.college_code, min(s.graduation_date) {engine._FROM} WHERE s.cohort = ? {where} GROUP BY 1",
            params=[self.cohort, *params],
        ).fetchall()
        return {code: start for code, start in rows}

    @cached_property
    def _series_all(self) -> pl.DataFrame:
        starts = list(self._college_starts.values())
        if not starts:
            return indicators.with_indicator(
                engine.counts_at_dates(self.cur, self.scope, self.cohort, [self.as_of], None, "college"),
                self.headline,
            ).head(0)
        dates = engine.weekly_dates(min(starts), min(self.as_of, engine.window_end(self.cohort)))
        counts = engine.counts_at_dates(self.cur, self.scope, self.cohort, dates, None, "college")
        return indicators.with_indicator(counts, self.headline)

    @cached_property
    def program_counts_all(self) -> pl.DataFrame:
        """Status counts of every college by program at as_of (bulk): for each college (column
        college_code) the rows engine.status_counts(by="program", filters={"college": college})
        gives, in its order; from one query over every college."""
        programs = self._programs.select("code", "name", "ugps_code", "ugps_name", "level")
        counts = self._college_program_counts
        return (
            counts.select("college_code", pl.col("program_code").alias("code"), "total", *COUNT_COLUMNS)
            .join(programs, on="code", how="left")
            .select(["college_code", *programs.columns, "total", *COUNT_COLUMNS])
            .sort(["college_code", "code", "name", "ugps_code", "ugps_name", "level"])
        )

    @cached_property
    def _college_program_counts(self) -> pl.DataFrame:
        return engine.status_counts(self.cur, self.scope, self.cohort, self.as_of, "college_program")

    @cached_property
    def _programs(self) -> pl.DataFrame:
        return engine.status_counts(self.cur, self.scope, self.cohort, self.as_of, "program")

    @cached_property
    def colleges(self) -> pl.DataFrame:
        return engine.college_list(self.cur, OPERATOR)

    def college_info(self, code: str) -> dict[str, Any]:
        row = first_row(self.college_rows("colleges", code))
        return row or {"college_code": code, "short_name": code, "full_name": None, "tu_code": None}

    def territory_name(self, tu_code: str) -> str:
        row = self.cur.execute("SELECT name FROM territories WHERE tu_code = ?", [tu_code]).fetchall()
        return str(row[0][0]) if row else tu_code

    def indicator_rows(
        self, counts: dict[str, Any] | None, compare: dict[str, dict[str, Any] | None] | None = None
    ) -> list[dict[str, Any]]:
        """One row per registry indicator: name (headline marked), id, numerator, denominator, rate,
        target, target_cohort, deviation (п. п.), needed (places to reach the target) and
        `rate_<key>` for each comparison counts row in `compare`."""
        rows = []
        for ind in self.registry.values():
            num, den, rate = rate_row(counts, ind)
            tgt = self.target(ind.id)
            target = tgt[0] if tgt else None
            row: dict[str, Any] = {
                "name": ind.name + (" (основной)" if ind.id == self.headline.id else ""),
                "id": ind.id,
                "numerator": num,
                "denominator": den,
                "rate": rate,
                "target": target,
                "target_cohort": f"{tgt[1]} г." if tgt else None,
                "deviation": (rate - target) * 100 if rate is not None and target is not None else None,
                "needed": indicators.places_needed(num, den, target)
                if target is not None and not ind.lower_is_better
                else None,
            }
            for key, other in (compare or {}).items():
                row[f"rate_{key}"] = rate_row(other, ind)[2]
            rows.append(row)
        return rows

    # ------------------------------------------------------------ title block

    def context_line(self) -> str:
        who = f"{self.scope.username} ({ROLE_LABELS[self.scope.role]})"
        return (
            f"Выпуск {self.cohort} г. Дата расчёта (состояние статусов на дату): {fmt_date(self.as_of)}. "
            f"Сформирован {fmt_datetime(self.generated_at)}, пользователь {who}."
        )

    def criteria_line(self) -> str:
        cs = self.criteria_set
        when = f", опубликована {fmt_date(cs.published_at)}" if cs.published_at else ""
        text = (
            f"Критерии эффективности ЦСТВ: набор {cs.year} г., версия {cs.version}{when}"
            f" (категории: высокая от {fmt_g(cs.high_from)}, средняя от {fmt_g(cs.medium_from)} баллов)."
        )
        pub = self.publication
        if pub is None:
            return text + " Рейтинг не опубликован: баллы и места — текущий расчёт на дату расчёта."
        return (
            text + f" Рейтинг — опубликованный: {pub.label()}, {pub.published_by}; текущий расчёт на "
            f"{fmt_date(self.as_of)} — рядом."
        )

    def data_dates_line(self, subject_scope: Scope | None = None) -> str:
        if self.bulk and subject_scope is not None and subject_scope.role == "college" and subject_scope.code:
            # the scorecard zip: every college's dates from one set-wise query per source
            dates = self._college_data_dates.get(subject_scope.code) or engine.data_dates(
                self.cur, subject_scope
            )
        else:
            dates = engine.data_dates(self.cur, subject_scope or self.scope)
        parts = [f"{label} — {fmt_date(d) if d else 'нет данных'}" for label, d in dates.items()]
        return "Даты данных: " + "; ".join(parts) + "."

    def data_used_line(self) -> str:
        """Every external extract (kind, «Дата выгрузки», when loaded) and the newest college snapshot
        the figures rest on (metrics.provenance, as on every page); the user's scope, so the same for
        every workbook of one request (computed once for the scorecard zip)."""
        return self._data_used_line

    @cached_property
    def _college_data_dates(self) -> dict[str, dict[str, dt.date | None]]:
        return engine.data_dates_by_college(self.cur)

    @cached_property
    def _data_used_line(self) -> str:
        return provenance.data_used_line(provenance.data_used(self.cur, self.scope, self.as_of), full=True)

    def indicator_lines(self, ids: Iterable[str] | None = None) -> list[str]:
        chosen = list(self.registry) if ids is None else [i for i in ids if i in self.registry]
        lines = ["Показатели (числитель) / (знаменатель):"]
        for ind_id in chosen:
            ind = self.registry[ind_id]
            tags = [ind.id]
            if ind.id == self.headline.id:
                tags.append("основной")
            if not ind.builtin:
                tags.append(f"версия {ind.version}")
            lines.append(f"• {ind.name} [{', '.join(tags)}]: {ind.formula()}")
        lines.append(FORECAST_NOTE)
        return lines

    def risk_line(self) -> str:
        t = self.thresholds
        reasons = "; ".join(risk.REASON_SHORT.values())
        return (
            f"Группа риска: любая из причин — {reasons}; пороги N1 = {t.n1_weeks}, "
            f"N2 = {t.n2_weeks}, N3 = {t.n3_weeks} недель."
        )

    def title(
        self,
        report: str,
        subject: str,
        *,
        indicator_ids: Iterable[str] | None = None,
        with_risk: bool = False,
        subject_scope: Scope | None = None,
        extra: Iterable[str] = (),
    ) -> TitleBlock:
        ids = None if indicator_ids is None else list(indicator_ids)
        lines = [
            self.context_line(),
            self.criteria_line(),
            self.data_dates_line(subject_scope),
            self.data_used_line(),
        ]
        if ids is None or ids:
            lines += self.indicator_lines(ids)
        if with_risk:
            lines.append(self.risk_line())
        lines += list(extra)
        return TitleBlock(report, subject, tuple(lines), footer=f"«Выпускник» · {report}", notice=self.notice)

    @cached_property
    def notice(self) -> str:
        """DEMO_NOTICE on a demo database (every report says so), else empty."""
        return DEMO_NOTICE if is_demo(self.cur) else ""

    def properties(self, report: str, subject: str) -> Properties:
        comments = f"Выпуск {self.cohort} г., дата расчёта {fmt_date(self.as_of)}"
        return Properties(
            title=f"{report}. {subject}",
            subject=subject,
            author=self.scope.username,
            keywords=f"выпускники, трудоустройство, выпуск {self.cohort}, {fmt_date(self.as_of)}",
            comments=f"{comments}. {self.notice}" if self.notice else comments,
            created=self.generated_at,
        )
