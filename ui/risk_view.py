"""Pure table shaping for the risk-group page (no Streamlit calls, unit-testable)."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from metrics.formatting import PLOTLY_SEPARATORS
from metrics.risk import REASON_SHORT, REASONS
from metrics.statuses import BY_CODE
from ui.text import plotly_text

# "Time in the group" filter: minimum whole weeks (0 = any).
WEEK_STEPS: tuple[int, ...] = (0, 4, 8, 12, 26)


def week_step_label(weeks: int) -> str:
    return "любое" if weeks == 0 else f"не меньше {weeks} недель"


def filter_register(reg: pl.DataFrame, reasons: list[str], min_weeks: int) -> pl.DataFrame:
    """Rows having any of `reasons` (all rows when empty) and at least `min_weeks` in the group."""
    out = reg
    if reasons:
        out = out.filter(pl.col("reasons").list.eval(pl.element().is_in(reasons)).list.any())
    if min_weeks > 0:
        out = out.filter(pl.col("weeks_in_group") >= min_weeks)
    return out


STATUS_LABELS = {code: s.label for code, s in BY_CODE.items()}


def register_view(
    reg: pl.DataFrame,
    persons: pl.DataFrame,
    imported: pl.DataFrame,
    college_names: dict[str, str],
) -> pl.DataFrame:
    """Register rows joined with the graduate's name, masked СНИЛС, programme and the latest imported
    «Меры поддержки». Keeps college_code and person_key for lookups. Depends only on loaded data, so
    it is cached whole; the recorded measures are added per run by `with_measure_counts`."""
    people = persons.select(
        "college_code", "person_key", "fio", "snils_masked", "program_code", "program_name"
    )
    imp = imported.select("college_code", "person_key", "support_measures")
    out = (
        reg.join(people, on=["college_code", "person_key"], how="left")
        .join(imp, on=["college_code", "person_key"], how="left")
        .with_columns(
            college_name=pl.col("college_code").replace_strict(
                college_names, default=pl.col("college_code"), return_dtype=pl.Utf8
            ),
            reasons_text=pl.col("reasons")
            .list.eval(pl.element().replace_strict(REASON_SHORT, default=pl.element(), return_dtype=pl.Utf8))
            .list.join("; "),
            status_label=pl.col("status_now")
            .replace_strict(STATUS_LABELS, default="Нет данных", return_dtype=pl.Utf8)
            .fill_null("Нет данных"),
        )
    )
    # A total order: the selected row must stay the same graduate after a rerun.
    return out.sort(
        ["weeks_in_group", "fio", "college_code", "person_key"],
        descending=[True, False, False, False],
        nulls_last=True,
    )


def with_measure_counts(view: pl.DataFrame, measures: pl.DataFrame) -> pl.DataFrame:
    """Add `measures`: how many support measures the college has recorded for each graduate
    (recorded measures change without a load, so they are never part of a cached frame)."""
    counts = (
        measures.group_by("college_code", "person_key").agg(pl.len().cast(pl.Int64).alias("measures"))
        if measures.height
        else pl.DataFrame(schema={"college_code": pl.Utf8, "person_key": pl.Utf8, "measures": pl.Int64})
    )
    # A left join keeps the left frame's row order, so the sort of register_view survives.
    return view.join(
        counts, on=["college_code", "person_key"], how="left", maintain_order="left"
    ).with_columns(pl.col("measures").fill_null(0))


def _person_columns(show_college: bool) -> list[pl.Expr]:
    return [
        pl.col("fio").alias("ФИО"),
        pl.col("snils_masked").alias("СНИЛС"),
        *([pl.col("college_name").alias("ПОО")] if show_college else []),
        pl.col("program_name").alias("Специальность / профессия"),
    ]


def in_group_display(view: pl.DataFrame, show_college: bool) -> pl.DataFrame:
    return view.select(
        *_person_columns(show_college),
        pl.col("reasons_text").alias("Причины"),
        pl.col("entry_date").alias("В группе с"),
        pl.col("weeks_in_group").alias("Недель в группе"),
        pl.col("status_label").alias("Статус сейчас"),
        pl.col("measures").alias("Записано мер"),
        pl.col("support_measures").alias("Меры поддержки (из файла статусов)"),
    )


def exited_display(view: pl.DataFrame, show_college: bool) -> pl.DataFrame:
    return view.select(
        *_person_columns(show_college),
        pl.col("reasons_text").alias("Причины (при выходе)"),
        pl.col("entry_date").alias("В группе с"),
        pl.col("exit_date").alias("Вышел"),
        pl.col("weeks_in_group").alias("Недель в группе"),
        pl.col("status_label").alias("Статус сейчас"),
        pl.when(pl.col("left_for_work_study"))
        .then(pl.lit("да"))
        .otherwise(pl.lit("нет"))
        .alias("В работу или учёбу"),
        pl.col("measures").alias("Записано мер"),
    )


def reason_counts(counts: pl.DataFrame) -> pl.DataFrame:
    """From risk_counts (one row per group): reason label and total count, in the order of §6."""
    totals = {r: int(counts[r].sum()) if counts.height else 0 for r in REASONS}
    return pl.DataFrame(
        {
            "reason": list(REASONS),
            "label": [REASONS[r] for r in REASONS],
            "count": [totals[r] for r in REASONS],
        }
    )


def reason_bar(frame: pl.DataFrame, thresholds_note: str = "") -> go.Figure:
    """Horizontal bars: graduates per reason (one graduate may have several reasons)."""
    rev = frame.reverse()  # plotly draws the first bar at the bottom
    fig = go.Figure(
        go.Bar(
            x=rev["count"].to_list(),
            y=[plotly_text(t) for t in rev["label"].to_list()],
            orientation="h",
            text=[f"{n:,}".replace(",", "\u00a0") for n in rev["count"].to_list()],
            textposition="auto",
            customdata=rev["reason"].to_list(),
            hovertemplate="%{y}: %{x}<extra></extra>",
            marker_color="#c0504d",
        )
    )
    fig.update_layout(
        separators=PLOTLY_SEPARATORS,
        height=60 + 44 * frame.height,
        margin={"l": 10, "r": 10, "t": 30 if thresholds_note else 10, "b": 10},
        # Small counts: one tick per graduate, not fractional ticks rounded to repeated labels.
        xaxis={
            "title": "Выпускников",
            "tickformat": ",d",
            "rangemode": "tozero",
            "dtick": 1 if max(frame["count"].to_list(), default=0) <= 10 else None,
        },
        yaxis={"automargin": True},
        title={"text": plotly_text(thresholds_note), "font": {"size": 12}} if thresholds_note else None,
    )
    return fig
