"""Pure shaping of metric frames for the monitoring screens: distance to the target, change since
a month ago, ranks and rank change, size bands and peer medians, status groups, and the masking of
small groups in aggregate views. Pages call these so that no screen computes a number itself.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import polars as pl

from metrics.formatting import college_name_expr, int_expr, pct_expr, pp_expr, shown_number_expr
from metrics.indicators import places_needed
from metrics.statuses import GROUP_LABELS, STATUSES

UNRELIABLE_BELOW = 10  # groups of fewer graduates are marked «мало данных» in rankings
SMALL_LABEL = "<5"  # shown instead of a rate of a group under 5 graduates in aggregate views
UNRELIABLE_LABEL = "мало данных"
HIDDEN_LABEL = "<5: скрыто"  # reliability of a group under 5 graduates in aggregate views

# A Russian label column of an indicator table -> the number a table shows instead (numeric column,
# kind for shown_number_expr). Tables show numbers, formatted by the browser and sorted as numbers;
# the labels stay for CSV downloads, charts, maps and sentences.
SHOWN_NUMBERS: dict[str, tuple[str, str]] = {
    "rate_label": ("rate", "share"),
    "band_median_label": ("band_median", "share"),
    "gap_label": ("gap", "pp"),
    "change_label": ("change", "pp"),
    "vs_band_label": ("vs_band", "pp"),
    "places_needed_label": ("places_needed", "count"),
    "risk_count_label": ("risk_count", "count"),
    "total_label": ("total", "count"),
    "numerator_label": ("numerator", "count"),
    "denominator_label": ("denominator", "count"),
    "rank_change_label": ("rank_change", "count"),
}


def shown_column(column: str) -> str:
    """The column a table shows for `column` (label columns become `<number>_shown`)."""
    if column in SHOWN_NUMBERS:
        return SHOWN_NUMBERS[column][0] + "_shown"
    return "name_shown" if column == "name" else column


def shown_numbers(frame: pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, list[str]]:
    """The frame a table shows and its column order: every label column of `columns` replaced by
    its rounded number, and a college's `name` by its full name with the abbreviation (when the frame
    has `full_name`). Columns absent from the frame are left out."""
    out, order = [], []
    for c in columns:
        if c in SHOWN_NUMBERS and SHOWN_NUMBERS[c][0] in frame.columns:
            source, kind = SHOWN_NUMBERS[c]
            out.append(shown_number_expr(pl.col(source), kind).alias(shown_column(c)))
            order.append(shown_column(c))
        elif c == "name" and "full_name" in frame.columns:
            out.append(college_name_expr(pl.col("full_name"), pl.col("name")).alias("name_shown"))
            order.append("name_shown")
        elif c in frame.columns:
            order.append(c)
    return frame.with_columns(out), order


# Order of status groups on screens: from «good» to «no information».
GROUP_ORDER: tuple[str, ...] = (
    "work",
    "study",
    "army",
    "leave",
    "forecast",
    "other",
    "excluded",
    "risk",
    "undetermined",
    "unknown",
)


@dataclass(frozen=True)
class SizeBand:
    code: str
    label: str
    low: int  # inclusive
    high: int | None  # exclusive; None: no upper bound


SIZE_BANDS: tuple[SizeBand, ...] = (
    SizeBand("lt100", "до 100", 0, 100),
    SizeBand("100_300", "100–300", 100, 300),
    SizeBand("300_600", "300–600", 300, 600),
    SizeBand("gt600", "более 600", 600, None),
)
SIZE_BAND_LABELS: dict[str, str] = {b.code: b.label for b in SIZE_BANDS}


def size_band(total: int) -> str:
    """Size band code of a college by its number of graduates (до 100 / 100–300 / 300–600 / более 600)."""
    for b in SIZE_BANDS:
        if total >= b.low and (b.high is None or total < b.high):
            return b.code
    return SIZE_BANDS[0].code


def month_before(d: dt.date) -> dt.date:
    """The same day one month earlier, clamped to the month's end (31.03 -> 28/29.02)."""
    y, m = (d.year - 1, 12) if d.month == 1 else (d.year, d.month - 1)
    return dt.date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


def vs_target(frame: pl.DataFrame, target: float | None, lower_is_better: bool = False) -> pl.DataFrame:
    """Add `gap` (rate − target; sign flipped for lower-is-better indicators, so negative is always
    worse) and `places_needed` (graduates still to place to reach the target)."""
    if target is None:
        return frame.with_columns(
            gap=pl.lit(None, dtype=pl.Float64), places_needed=pl.lit(None, dtype=pl.Int64)
        )
    sign = -1.0 if lower_is_better else 1.0
    needed = [
        None if lower_is_better else places_needed(int(n), int(d), target)
        for n, d in zip(frame["numerator"].to_list(), frame["denominator"].to_list(), strict=True)
    ]
    return frame.with_columns(
        gap=(pl.col("rate") - target) * sign,
        places_needed=pl.Series(needed, dtype=pl.Int64),
    )


def with_change(current: pl.DataFrame, previous: pl.DataFrame, key: str = "code") -> pl.DataFrame:
    """Add `rate_prev` and `change` (rate − rate_prev) from the same table at an earlier date."""
    prev = previous.select(pl.col(key), pl.col("rate").alias("rate_prev"))
    return current.join(prev, on=key, how="left").with_columns(change=pl.col("rate") - pl.col("rate_prev"))


def ranked(
    frame: pl.DataFrame, lower_is_better: bool = False, col: str = "rank", min_total: int = UNRELIABLE_BELOW
) -> pl.DataFrame:
    """Add rank by rate (1 = best; ties share the rank). Groups under `min_total` graduates or
    without a rate get no rank: a college of 8 graduates at 100 % must not head the rating."""
    eligible = pl.col("rate").is_not_null() & (pl.col("total") >= min_total)
    key = pl.when(eligible).then(pl.col("rate")).otherwise(None)
    return frame.with_columns(
        pl.when(eligible)
        .then(key.rank(method="min", descending=not lower_is_better))
        .otherwise(None)
        .cast(pl.Int64)
        .alias(col)
    )


def with_rank_change(
    current: pl.DataFrame, previous: pl.DataFrame, lower_is_better: bool = False, key: str = "code"
) -> pl.DataFrame:
    """Rank now and a month ago; `rank_change` > 0 means the college moved up."""
    now = ranked(current, lower_is_better)
    before = ranked(previous, lower_is_better, "rank_prev").select(key, "rank_prev")
    return now.join(before, on=key, how="left").with_columns(
        rank_change=(pl.col("rank_prev") - pl.col("rank")).cast(pl.Int64)
    )


def with_size_band(frame: pl.DataFrame, sizes: pl.DataFrame | None = None, key: str = "code") -> pl.DataFrame:
    """Add `size` (graduates of the whole college: `sizes` key -> total, else the frame's own total)
    and `size_band` / `size_band_label`."""
    if sizes is None:
        out = frame.with_columns(size=pl.col("total"))
    else:
        out = frame.join(sizes.select(key, pl.col("total").alias("size")), on=key, how="left")
        out = out.with_columns(pl.col("size").fill_null(pl.col("total")))
    return out.with_columns(size_band=size_band_expr(pl.col("size"))).with_columns(
        size_band_label=pl.col("size_band").replace_strict(SIZE_BAND_LABELS, return_dtype=pl.Utf8)
    )


def size_band_expr(size: pl.Expr) -> pl.Expr:
    """Vectorised `size_band` (no Python callback inside polars, see metrics.formatting)."""
    expr: pl.Expr = pl.lit(SIZE_BANDS[0].code)
    for b in SIZE_BANDS[1:]:  # ascending, so the largest band is tested first
        expr = pl.when(size >= b.low).then(pl.lit(b.code)).otherwise(expr)
    return expr


def peer_medians(frame: pl.DataFrame) -> pl.DataFrame:
    """Add `band_median` (median rate of the college's size band, reliable colleges only when the
    band has any) and `vs_band` (rate − band_median)."""
    reliable = frame.filter(pl.col("total") >= UNRELIABLE_BELOW)
    med_rel = reliable.group_by("size_band").agg(pl.col("rate").median().alias("_m_rel"))
    med_all = frame.group_by("size_band").agg(pl.col("rate").median().alias("_m_all"))
    return (
        frame.join(med_rel, on="size_band", how="left")
        .join(med_all, on="size_band", how="left")
        .with_columns(band_median=pl.coalesce("_m_rel", "_m_all"))
        .drop("_m_rel", "_m_all")
        .with_columns(vs_band=pl.col("rate") - pl.col("band_median"))
    )


def status_groups(counts: Mapping[str, int]) -> pl.DataFrame:
    """Graduates per status group (work, study, ..., no data) from one row of status counts.

    Columns: group, label, count, share (of all graduates), in GROUP_ORDER; empty groups dropped.
    """
    by_group: dict[str, int] = {g: 0 for g in GROUP_ORDER}
    for s in STATUSES:
        by_group[s.group] = by_group.get(s.group, 0) + int(counts.get(s.code, 0) or 0)
    total = sum(by_group.values())
    rows = [(g, GROUP_LABELS[g], n, (n / total) if total else None) for g, n in by_group.items() if n > 0]
    return pl.DataFrame(
        rows,
        schema={"group": pl.Utf8, "label": pl.Utf8, "count": pl.Int64, "share": pl.Float64},
        orient="row",
    )


def status_table(counts: Mapping[str, int]) -> pl.DataFrame:
    """Graduates per status (code, label, group label, federal column, count), non-zero only."""
    rows = [
        (s.code, s.label, GROUP_LABELS[s.group], s.federal_col or "—", int(counts.get(s.code, 0) or 0))
        for s in STATUSES
    ]
    return pl.DataFrame(
        rows,
        schema={"code": pl.Utf8, "label": pl.Utf8, "group": pl.Utf8, "col": pl.Utf8, "count": pl.Int64},
        orient="row",
    ).filter(pl.col("count") > 0)


def rank_change_label(change: int | None) -> str:
    """+2 -> '▲ 2' (moved up), -1 -> '▼ 1', 0 -> 'без изменений', None -> '—' (no rank a month ago)."""
    if change is None:
        return "—"
    if change > 0:
        return f"▲ {change}"
    if change < 0:
        return f"▼ {-change}"
    return "без изменений"


def rank_change_expr(change: pl.Expr) -> pl.Expr:
    """Vectorised `rank_change_label`."""
    return (
        pl.when(change.is_null())
        .then(pl.lit("—"))
        .when(change > 0)
        .then(pl.lit("▲ ") + change.cast(pl.Utf8))
        .when(change < 0)
        .then(pl.lit("▼ ") + (-change).cast(pl.Utf8))
        .otherwise(pl.lit("без изменений"))
    )


# Columns from which a group's rate could be worked out: hidden for groups under 5 in aggregate views.
_MASKED = (
    "numerator",
    "denominator",
    "change",
    "rate_prev",
    "gap",
    "vs_band",
    "places_needed",
    "rank",
    "rank_prev",
    "rank_change",
)


def with_labels(frame: pl.DataFrame, mask_small: bool) -> pl.DataFrame:
    """Add pre-formatted Russian strings (rate_label, total_label, and change_label / gap_label /
    vs_band_label when the columns exist), `reliable` (total >= 10) and `reliability` («мало данных»
    below 10).

    In aggregate views (ministry, territory) a group under 5 graduates shows «<5» instead of its
    rate, change, gap and counts, so that no graduate can be singled out (docs/domain.md §10).
    """
    from metrics.engine import SMALL_GROUP

    hide = pl.lit(mask_small) & (pl.col("total") < SMALL_GROUP)

    def pct(col: str, fmt: Callable[[pl.Expr], pl.Expr]) -> pl.Expr:
        return pl.when(hide).then(pl.lit(SMALL_LABEL)).otherwise(fmt(pl.col(col)))

    out = frame.with_columns(
        rate_label=pct("rate", pct_expr),
        total_label=int_expr(pl.col("total")),
        reliable=pl.col("total") >= UNRELIABLE_BELOW,
        reliability=pl.when(hide)
        .then(pl.lit(HIDDEN_LABEL))
        .when(pl.col("total") >= UNRELIABLE_BELOW)
        .then(pl.lit(""))
        .otherwise(pl.lit(UNRELIABLE_LABEL)),
    )
    for col in ("change", "gap", "vs_band"):
        if col in out.columns:
            out = out.with_columns(pct(col, pp_expr).alias(f"{col}_label"))
    if "band_median" in out.columns:
        out = out.with_columns(band_median_label=pct_expr(pl.col("band_median")))
    if "rank_change" in out.columns:
        out = out.with_columns(
            rank_change_label=pl.when(hide)
            .then(pl.lit(SMALL_LABEL))
            .otherwise(rank_change_expr(pl.col("rank_change")))
        )
    if mask_small:
        # The numeric rate must not leak through sorting or a tooltip either.
        out = out.with_columns(
            pl.when(hide).then(None).otherwise(pl.col("rate")).alias("rate"),
            *[pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in _MASKED if c in out.columns],
        )
    return out


def mask_columns(frame: pl.DataFrame, columns: tuple[str, ...], mask_small: bool) -> pl.DataFrame:
    """Null `columns` of groups under 5 graduates when `mask_small` (aggregate views)."""
    from metrics.engine import SMALL_GROUP

    if not mask_small:
        return frame
    hide = pl.col("total") < SMALL_GROUP
    return frame.with_columns(
        [pl.when(hide).then(None).otherwise(pl.col(c)).alias(c) for c in columns if c in frame.columns]
    )


def count_labels(frame: pl.DataFrame, columns: tuple[str, ...], mask_small: bool) -> pl.DataFrame:
    """Add `<col>_label`: the count as '1 234', «<5» for a hidden small group, '—' when missing."""
    from metrics.engine import SMALL_GROUP

    hide = pl.lit(mask_small) & (pl.col("total") < SMALL_GROUP)
    return frame.with_columns(
        [
            pl.when(hide).then(pl.lit(SMALL_LABEL)).otherwise(int_expr(pl.col(c))).alias(f"{c}_label")
            for c in columns
            if c in frame.columns
        ]
    )
