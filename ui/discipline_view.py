"""The week's discipline page pieces: cached grid of arrivals by week, the current week's summary
table with contacts, the college × week heat map, and a college's own record."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from data_layer.scope import SCOPE_HASH, Scope
from metrics import discipline, timeliness
from metrics.formatting import fmt_int
from ui import cached
from ui.connection import cursor
from ui.text import plotly_text

HEATMAP_WEEKS = 16
HEATMAP_ROWS = 150  # a map of 3 500 colleges (federal scale) is 70 000 px tall and took 0,5 s a view
STATE_COLOURS = {"в срок": "#009E73", "с опозданием": "#F0C05A", "не прислала": "#B2182B"}


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=SCOPE_HASH)
def grid(v: int, scope: Scope, cohort: int, clock: dt.datetime) -> pl.DataFrame:
    """Week grid now; `clock` (the hour-truncated server time) only moves the cache key as time
    passes (a new arrival moves `v`)."""
    with cursor() as cur:
        return discipline.week_grid(cur, scope, cohort)


@st.cache_data(max_entries=32, show_spinner=False, hash_funcs=SCOPE_HASH)
def coming(v: int, scope: Scope, cohort: int, clock: dt.datetime) -> tuple[dt.date, pl.DataFrame]:
    with cursor() as cur:
        return discipline.coming_week(cur, scope, cohort)


@st.cache_data(max_entries=16, show_spinner=False, hash_funcs=SCOPE_HASH)
def colleges(v: int, scope: Scope) -> pl.DataFrame:
    with cursor() as cur:
        return discipline.colleges_with_contacts(cur, scope)


def next_deadline(cohort: int) -> dt.datetime:
    with cursor() as cur:
        return discipline.next_deadline(cur, cohort)


def schedule_text(cohort: int) -> str:
    with cursor() as cur:
        return timeliness.get_schedule(cur, cohort).describe()


def college_name(frame: pl.DataFrame) -> pl.Expr:
    """«Полное наименование (КРАТКОЕ)»: full names with the abbreviation."""
    return (
        pl.coalesce(pl.col("full_name"), pl.col("short_name"))
        + pl.lit(" (")
        + pl.col("short_name")
        + pl.lit(")")
    )


def week_table(week: pl.DataFrame, with_contacts: bool) -> pl.DataFrame:
    cols = [
        college_name(week).alias("ПОО"),
        pl.col("tu_name").alias("ТУ"),
        pl.col("state").alias("Состояние"),
        pl.col("days_late").alias("Дней опоздания"),
        (pl.col("arrived_utc") + pl.duration(hours=4))
        .dt.strftime("%d.%m.%Y %H:%M")
        .alias("Получено (самарское время)"),
    ]
    if with_contacts:
        cols += [
            pl.col("contact_person").alias("Ответственный ЦСТВ"),
            pl.col("phone").alias("Телефон"),
            pl.col("email").alias("E-mail"),
        ]
    return week.select(cols)


WEEK_CONFIG = {
    "ПОО": st.column_config.TextColumn("ПОО", width="medium"),
    "ТУ": st.column_config.TextColumn("ТУ", width="small"),
    "Состояние": st.column_config.TextColumn("Состояние", width="small"),
    "Дней опоздания": st.column_config.NumberColumn("Дней опоздания", format="%d", width="small"),
    "Получено (самарское время)": st.column_config.TextColumn("Получено", width="small"),
    "Телефон": st.column_config.TextColumn("Телефон", width="small"),
    "E-mail": st.column_config.TextColumn("E-mail", width="small"),
}


def _heatmap_grid(grid_frame: pl.DataFrame) -> tuple[pl.DataFrame, list[dt.date], int]:
    """The last HEATMAP_WEEKS weeks of the grid for at most HEATMAP_ROWS colleges — beyond that the
    ones with the most weeks not on time (ties by code) — and how many colleges the grid has."""
    weeks = sorted(grid_frame.get_column("deadline").unique().to_list())[-HEATMAP_WEEKS:]
    g = grid_frame.filter(pl.col("deadline").is_in(weeks))
    total = g.get_column("college_code").n_unique()
    if total > HEATMAP_ROWS:
        worst = (
            g.group_by("college_code")
            .agg((~pl.col("on_time").fill_null(False)).sum().alias("misses"))
            .sort(["misses", "college_code"], descending=[True, False])
            .head(HEATMAP_ROWS)
        )
        g = g.join(worst.select("college_code"), on="college_code", how="semi")
    return g, weeks, total


def heatmap_note(grid_frame: pl.DataFrame) -> str:
    """The caption's addition when the map shows only some colleges (federal scale), else ""."""
    total = _heatmap_grid(grid_frame)[2]
    if total <= HEATMAP_ROWS:
        return ""
    return (
        f" Показаны {fmt_int(HEATMAP_ROWS)} ПОО с наибольшим числом недель не в срок из {fmt_int(total)}; "
        "неделя каждой ПОО — в таблице выше."
    )


def heatmap(grid_frame: pl.DataFrame, names: pl.DataFrame) -> go.Figure:
    """College × week: green in time, orange late (days in the cell), vermillion nothing received."""
    g, weeks, _ = _heatmap_grid(grid_frame)
    g = g.join(names, on="college_code", how="left")
    rows = g.select("college_code", "short_name").unique().sort("short_name")
    r_index = {c: i for i, c in enumerate(rows.get_column("college_code"))}
    c_index = {d: j for j, d in enumerate(weeks)}
    z: list[list[float | None]] = [[None] * len(weeks) for _ in r_index]
    text = [[""] * len(weeks) for _ in r_index]
    for r in g.iter_rows(named=True):
        i, j = r_index[r["college_code"]], c_index[r["deadline"]]
        if r["on_time"]:
            z[i][j], text[i][j] = 0, "✓"
        elif r["arrived_utc"] is not None:
            z[i][j], text[i][j] = 1, f"+{r['days_late']}"
        else:
            z[i][j], text[i][j] = 2, "—"
    colours = list(STATE_COLOURS.values())
    scale = [
        [0, colours[0]],
        [0.33, colours[0]],
        [0.34, colours[1]],
        [0.66, colours[1]],
        [0.67, colours[2]],
        [1, colours[2]],
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=[d.strftime("%d.%m") for d in weeks],
            y=[plotly_text(t) for t in rows.get_column("short_name").to_list()],
            text=text,
            texttemplate="%{text}",
            textfont={"size": 10},
            colorscale=scale,
            zmin=0,
            zmax=2,
            showscale=False,
            xgap=2,
            ygap=2,
            hovertemplate="%{y}, срок %{x}: %{text}<extra></extra>",
        )
    )
    fig.update_layout(
        height=120 + 20 * max(len(r_index), 1),
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        font={"family": "Source Sans Pro, Arial, sans-serif"},
    )
    fig.update_xaxes(side="top", type="category", title=None)
    fig.update_yaxes(autorange="reversed", type="category", title=None)
    return fig


def deadlines_desc(grid_frame: pl.DataFrame) -> list[dt.date]:
    """Deadline dates of the grid, newest first (the last passed one is the default week)."""
    return sorted(grid_frame.get_column("deadline").unique().to_list(), reverse=True)[:HEATMAP_WEEKS]


def summary_line(week: pl.DataFrame) -> tuple[int, int, int, int]:
    """(on time, late, nothing, all)"""
    states = week.get_column("state").to_list()
    return states.count("в срок"), states.count("с опозданием"), states.count("не прислала"), len(states)


def sent_text(sent: pl.DataFrame) -> str:
    """A college's coming week: when its snapshot arrived (Samara time), or «ещё не прислано»."""
    if sent.is_empty():
        return "ещё не прислано"
    return f"прислано {sent.get_column('arrived_utc')[0] + dt.timedelta(hours=4):%d.%m %H:%M}"


def counts_text(on_time: int, total: int) -> str:
    return f"{fmt_int(on_time)} из {fmt_int(total)}"


def clock() -> dt.datetime:
    return cached.deadline_clock().astimezone()
