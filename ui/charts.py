"""Plotly figure builders for the dashboard: pure functions, frame in -> go.Figure out.

Every figure gets Russian number separators (62,5; 1 234) and numeric date ticks set on the
server (no plotly.js locale bundle), the colour-blind-safe Okabe–Ito palette, and carries the
codes it drills into in `customdata` (read back with ui.filter_context.selection_code).
Rates come in as fractions (0.625) and are drawn as percent (62,5).
Every string a figure draws — names on axes, titles, bar and cell text, hover text — goes through
`ui.text.plotly_text`: college, programme and indicator names are typed by users, and Plotly
renders a subset of HTML (issue 12, «text is text»).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl

from metrics.forecast import Projection
from metrics.formatting import PLOTLY_SEPARATORS, fmt_date, fmt_int, fmt_pct
from ui.text import plotly_text

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
PALETTE: tuple[str, ...] = tuple(
    OKABE_ITO[k]
    for k in ("blue", "orange", "bluish_green", "vermillion", "sky_blue", "reddish_purple", "yellow", "black")
)
GOOD = OKABE_ITO["blue"]
BAD = OKABE_ITO["vermillion"]
NEUTRAL = OKABE_ITO["grey"]
TARGET_COLOUR = OKABE_ITO["black"]
# Status groups (metrics.views.GROUP_ORDER) -> colour.
GROUP_COLOURS: dict[str, str] = {
    "work": OKABE_ITO["blue"],
    "study": OKABE_ITO["sky_blue"],
    "army": OKABE_ITO["bluish_green"],
    "leave": OKABE_ITO["reddish_purple"],
    "forecast": OKABE_ITO["yellow"],
    "other": "#BBBBBB",
    "excluded": "#777777",
    "risk": OKABE_ITO["vermillion"],
    "undetermined": OKABE_ITO["orange"],
    "unknown": "#DDDDDD",
}
DATE_TICKS = "%d.%m.%y"
FONT = "Source Sans Pro, Arial, sans-serif"


def base_layout(fig: go.Figure, *, title: str | None = None, height: int | None = None) -> go.Figure:
    """Shared look: Russian separators, palette, compact margins, legend below."""
    fig.update_layout(
        separators=PLOTLY_SEPARATORS,
        colorway=list(PALETTE),
        font={"family": FONT, "size": 13},
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0},
        hoverlabel={"font": {"family": FONT}},
        dragmode=False,
    )
    if title:
        fig.update_layout(title={"text": plotly_text(title), "x": 0, "font": {"size": 15}})
    if height:
        fig.update_layout(height=height)
    return fig


def _target_label(target: float) -> str:
    return f"Цель {fmt_pct(target)}"


def add_target_line(fig: go.Figure, target: float | None, *, vertical: bool = False) -> go.Figure:
    """The target as a dashed line (a layout shape named 'target') with its label."""
    if target is None:
        return fig
    line = {"color": TARGET_COLOUR, "width": 2, "dash": "dash"}
    if vertical:
        fig.add_vline(
            x=target * 100,
            line=line,
            name="target",
            annotation_text=_target_label(target),
            annotation_position="bottom right",
            layer="above",
        )
    else:
        fig.add_hline(
            y=target * 100,
            line=line,
            name="target",
            annotation_text=_target_label(target),
            annotation_position="top left",
            layer="above",
        )
    return fig


def trend_figure(
    series: pl.DataFrame,
    target: float | None,
    projection: Projection | None = None,
    *,
    title: str | None = None,
    height: int = 340,
) -> go.Figure:
    """Weekly rate from graduation (series: date, rate), the target line and the year-end projection.

    The projection is a dotted segment from the last point to 31 December of the following year.
    Each point's hover names its number of graduates (`total`): a graduate counts only from his own
    graduation date, so points before the main graduation rest on the few who finished early; they
    are drawn as open markers (fewer than half the graduates of the last point).
    """
    pts = series.filter(pl.col("rate").is_not_null()).sort("date")
    has_counts = "numerator" in pts.columns and "total" in pts.columns
    last_total = int(pts["total"][-1]) if has_counts and pts.height else 0
    early = [int(t) * 2 < last_total for t in pts["total"].to_list()] if has_counts else []
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=pts["date"].to_list(),
            y=[r * 100 for r in pts["rate"].to_list()],
            mode="lines+markers",
            name="Факт",
            line={"color": GOOD, "width": 3},
            marker={"size": 5, "symbol": ["circle-open" if e else "circle" for e in early] or "circle"},
            customdata=[
                [fmt_int(n), fmt_int(d), fmt_int(t)]
                for n, d, t in zip(pts["numerator"], pts["denominator"], pts["total"], strict=True)
            ]
            if has_counts
            else None,
            hovertemplate="%{x|%d.%m.%Y}: <b>%{y:.1f} %</b>"
            + (
                "<br>%{customdata[0]} из %{customdata[1]}<br>выпускников на эту дату: %{customdata[2]}"
                if has_counts
                else ""
            )
            + "<extra></extra>",
        )
    )
    if projection is not None and projection.projected_rate is not None and not pts.is_empty():
        fig.add_trace(_projection_trace(pts.row(-1, named=True), projection))
    add_target_line(fig, target)
    base_layout(fig, title=title, height=height)
    fig.update_yaxes(title=None, ticksuffix=" %", tickformat=".0f", rangemode="tozero", range=[0, 100])
    fig.update_xaxes(title=None, tickformat=DATE_TICKS, hoverformat="%d.%m.%Y")
    return fig


def _projection_trace(last: dict[str, Any], projection: Projection) -> go.Scatter:
    """Dotted segment from the last point to the year-end projection, with its 10–90 % range."""
    rate = projection.projected_rate
    assert rate is not None
    mid = rate * 100
    low = (projection.low if projection.low is not None else rate) * 100
    high = (projection.high if projection.high is not None else rate) * 100
    return go.Scatter(
        x=[last["date"], projection.year_end],
        y=[last["rate"] * 100, mid],
        mode="lines+markers",
        name=f"Прогноз на {fmt_date(projection.year_end)}: {forecast_text(projection)}",
        line={"color": OKABE_ITO["orange"], "width": 2, "dash": "dot"},
        marker={"size": [0, 9], "symbol": "diamond"},
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [0, high - mid],
            "arrayminus": [0, mid - low],
            "color": OKABE_ITO["orange"],
            "thickness": 2,
            "width": 8,
        },
        hovertemplate="%{x|%d.%m.%Y}: прогноз %{y:.1f} %<extra></extra>",
    )


def status_bar_figure(
    groups: pl.DataFrame, *, title: str | None = None, height: int | None = None
) -> go.Figure:
    """Graduates per status group (groups: group, label, count, share) as horizontal bars.

    customdata carries the group code.
    """
    rows = groups.reverse()  # first group on top
    fig = go.Figure(
        go.Bar(
            x=rows["count"].to_list(),
            y=[plotly_text(t) for t in rows["label"].to_list()],
            orientation="h",
            marker={"color": [GROUP_COLOURS.get(g, NEUTRAL) for g in rows["group"].to_list()]},
            text=[f"{fmt_int(n)} ({fmt_pct(s)})" for n, s in zip(rows["count"], rows["share"], strict=True)],
            textposition="auto",
            customdata=[[g] for g in rows["group"].to_list()],
            hovertemplate="%{y}: <b>%{x:,d}</b><extra></extra>",
        )
    )
    base_layout(fig, title=title, height=height or 60 + 34 * max(rows.height, 1))
    fig.update_xaxes(title=None, tickformat=",d", showgrid=True)
    fig.update_yaxes(title=None, automargin=True)
    return fig


def bar_colours(frame: pl.DataFrame, target: float | None, lower_is_better: bool = False) -> list[str]:
    """Colour per bar: grey without a (reliable) rate, vermillion below the target, blue on or above."""
    out: list[str] = []
    reliable = frame["reliable"].to_list() if "reliable" in frame.columns else [True] * frame.height
    for rate, ok in zip(frame["rate"].to_list(), reliable, strict=True):
        if rate is None or not ok:
            out.append(NEUTRAL)
        elif target is None:
            out.append(GOOD)
        else:
            below = rate > target if lower_is_better else rate < target
            out.append(BAD if below else GOOD)
    return out


def ranking_figure(
    frame: pl.DataFrame,
    target: float | None,
    *,
    lower_is_better: bool = False,
    label_col: str = "name",
    code_col: str = "code",
    title: str | None = None,
) -> go.Figure:
    """Horizontal bars of rates in the frame's order (first row on top) with the target line.

    Expects rate, rate_label (pre-formatted, «<5» / «—» allowed) and optionally `reliable`; bars of
    unreliable groups are grey and hatched. customdata = [code] per bar.
    """
    labels = [plotly_text(t) for t in frame[label_col].to_list()]
    rates = [None if r is None else r * 100 for r in frame["rate"].to_list()]
    reliable = frame["reliable"].to_list() if "reliable" in frame.columns else [True] * frame.height
    text = (
        frame["rate_label"].to_list()
        if "rate_label" in frame.columns
        else [fmt_pct(r) for r in frame["rate"]]
    )
    text = [plotly_text(t if ok else f"{t} · мало данных") for t, ok in zip(text, reliable, strict=True)]
    fig = go.Figure(
        go.Bar(
            x=[0 if r is None else r for r in rates],
            y=labels,
            orientation="h",
            marker={
                "color": bar_colours(frame, target, lower_is_better),
                "pattern": {"shape": ["" if ok else "/" for ok in reliable]},
            },
            text=text,
            textposition="outside",
            cliponaxis=False,
            customdata=[[c] for c in frame[code_col].to_list()],
            hovertemplate="%{y}: <b>%{text}</b><extra></extra>",
        )
    )
    add_target_line(fig, target, vertical=True)
    base_layout(fig, title=title, height=80 + 24 * max(frame.height, 1))
    fig.update_xaxes(title=None, ticksuffix=" %", tickformat=".0f", range=[0, 110], side="top")
    fig.update_yaxes(title=None, autorange="reversed", automargin=True, type="category")
    return fig


def comparison_figure(
    labels: Sequence[str],
    rates: Sequence[float | None],
    target: float | None,
    *,
    lower_is_better: bool = False,
    title: str | None = None,
) -> go.Figure:
    """A few bars side by side (college, its territory, the region) with the target line."""
    frame = pl.DataFrame(
        {"name": list(labels), "rate": list(rates)}, schema={"name": pl.Utf8, "rate": pl.Float64}
    )
    fig = go.Figure(
        go.Bar(
            x=[plotly_text(t) for t in labels],
            y=[None if r is None else r * 100 for r in rates],
            marker={"color": bar_colours(frame, target, lower_is_better)},
            text=[plotly_text(fmt_pct(r)) for r in rates],
            textposition="inside",
            insidetextanchor="end",
            textfont={"color": "white", "size": 14},
            hovertemplate="%{x}: <b>%{text}</b><extra></extra>",
        )
    )
    add_target_line(fig, target)
    base_layout(fig, title=title, height=300)
    fig.update_yaxes(title=None, ticksuffix=" %", tickformat=".0f", range=[0, 110])
    fig.update_xaxes(title=None)
    return fig


def _heat_trace(
    z: list[list[float | None]],
    x: list[Any],
    y: list[Any],
    text: list[list[str]],
    hover: list[list[str]],
    custom: list[list[list[Any]]],
    target: float | None,
    lower_is_better: bool,
) -> go.Heatmap:
    """The coloured cells on a fixed 0–100 % scale, diverging around the target."""
    low, high = (GOOD, BAD) if lower_is_better else (BAD, GOOD)
    # White sits at the target on a fixed 0–100 % scale (zmid has no effect once zmin/zmax are set).
    mid = min(max(target if target is not None else 0.5, 0.01), 0.99)
    return go.Heatmap(
        z=z,
        x=x,
        y=y,
        text=text,
        texttemplate="%{text}",
        textfont={"size": 10},
        hovertext=hover,
        customdata=custom,
        colorscale=[[0.0, low], [mid, "#F7F7F7"], [1.0, high]],
        zmin=0,
        zmax=100,
        xgap=2,
        ygap=2,
        hoverongaps=False,
        colorbar={"title": {"text": "%"}, "ticksuffix": " %", "tickformat": ".0f"},
        hoverinfo="skip",
    )


def _cell_hover(row_name: str, col_name: str, label: str, n: int | None) -> str:
    return f"{plotly_text(row_name)}<br>{plotly_text(col_name)}<br><b>{plotly_text(label)}</b>" + (
        "" if n is None else f" · выпускников: {fmt_int(n)}"
    )


def _click_markers(x: list[Any], y: list[Any], custom: list[Any], hover: list[str]) -> go.Scatter:
    """Transparent squares over the filled cells: the clickable layer of a heat map."""
    return go.Scatter(
        x=x,
        y=y,
        mode="markers",
        marker={"symbol": "square", "size": 22, "color": "rgba(0,0,0,0)"},
        customdata=custom,
        hovertext=hover,
        hovertemplate="%{hovertext}<extra></extra>",
        showlegend=False,
    )


def heatmap_figure(
    frame: pl.DataFrame,
    target: float | None,
    *,
    row_code: str = "college_code",
    row_label: str = "college_name",
    col_code: str = "ugps_code",
    col_label: str = "ugps_name",
    lower_is_better: bool = False,
    title: str | None = None,
) -> go.Figure:
    """Rows × columns heat map of the rate (frame: one row per cell with rate and rate_label).

    Diverging vermillion–white–blue around the target; columns are labelled by code (names in the
    hover); customdata per cell = [row code, column code] on the heatmap and on a transparent
    marker layer (the clickable one); empty cells have no value.
    """
    rows = frame.select(row_code, row_label).unique().sort(row_label)
    cols = frame.select(col_code, col_label).unique().sort(col_code)
    row_codes, col_codes = rows[row_code].to_list(), cols[col_code].to_list()
    row_names = dict(zip(row_codes, rows[row_label].to_list(), strict=True))
    col_names = dict(zip(col_codes, cols[col_label].to_list(), strict=True))
    row_ticks, col_ticks = [plotly_text(row_names[c]) for c in row_codes], [plotly_text(c) for c in col_codes]
    r_index = {c: i for i, c in enumerate(row_codes)}
    c_index = {c: j for j, c in enumerate(col_codes)}
    z: list[list[float | None]] = [[None] * len(col_codes) for _ in row_codes]
    text, hover = ([[""] * len(col_codes) for _ in row_codes] for _ in range(2))
    custom = [[[rc, cc] for cc in col_codes] for rc in row_codes]
    labels = (
        frame["rate_label"].to_list()
        if "rate_label" in frame.columns
        else [fmt_pct(r) for r in frame["rate"]]
    )
    totals = frame["total"].to_list() if "total" in frame.columns else [None] * frame.height
    for rc, cc, rate, lab, n in zip(
        frame[row_code], frame[col_code], frame["rate"], labels, totals, strict=True
    ):
        i, j = r_index[rc], c_index[cc]
        z[i][j] = None if rate is None else rate * 100
        text[i][j] = plotly_text(lab)
        hover[i][j] = _cell_hover(row_names[rc], f"{cc} {col_names[cc] or ''}", lab, n)
    # axis labels escaped (tick labels are Plotly HTML); the hover escapes the names itself
    fig = go.Figure(_heat_trace(z, col_ticks, row_ticks, text, hover, custom, target, lower_is_better))
    # Streamlit reports no selection on heatmaps (streamlit/streamlit#8760), so every filled cell
    # gets a transparent square marker carrying its codes: clicking the cell selects the marker.
    cells = [(r_index[rc], c_index[cc]) for rc, cc in zip(frame[row_code], frame[col_code], strict=True)]
    fig.add_trace(
        _click_markers(
            [col_ticks[j] for _, j in cells],
            [row_ticks[i] for i, _ in cells],
            [custom[i][j] for i, j in cells],
            [hover[i][j] for i, j in cells],
        )
    )
    base_layout(fig, title=title, height=140 + 24 * max(len(row_codes), 1))
    fig.update_xaxes(title=None, side="top", tickangle=-60, automargin=True, type="category")
    fig.update_yaxes(title=None, autorange="reversed", automargin=True, type="category")
    return fig


# ---------------------------------------------------------------- captions (what the chart shows)


def forecast_text(projection: Projection) -> str:
    """«73,0 % (диапазон 67,0–79,9 %)»: the median forecast and its range, or the final value."""
    p = projection
    if p.projected_rate is None:
        return "—"
    if p.closed or p.low is None or p.high is None:
        return fmt_pct(p.projected_rate)
    return f"{fmt_pct(p.projected_rate)} (диапазон {fmt_pct(p.low)} – {fmt_pct(p.high)})"


def forecast_basis(projection: Projection) -> str:
    """What the forecast was learned from, in users' words (empty when there is no forecast)."""
    p = projection
    if p.closed:
        return f"Мониторинг выпуска завершён {fmt_date(p.year_end)}: показано итоговое значение."
    if p.projected_rate is None:
        if p.week is not None and not p.trajectories:
            return (
                "Прогноз на конец года не строится: нет завершённых прошлых выпусков, по которым "
                "видно, какую долю итогового значения набирают к этой неделе."
            )
        return ""
    years = ", ".join(str(c) for c in p.cohorts)
    return (
        f"Прогноз — по ходу прошлых выпусков ({years}; {fmt_int(p.trajectories)} траекторий ПОО): "
        f"какую долю итогового значения на 31 декабря они набирали к {fmt_int(p.week or 0)}-й неделе "
        "после выпуска; в диапазоне — 8 из 10 прошлых траекторий."
    )


def trend_caption(projection: Projection | None, as_of: dt.date) -> str:
    """One line under the trend chart: what the lines mean and what the forecast says."""
    text = "Сплошная линия — значение показателя на каждую пятницу после выпуска; пунктир — цель."
    if projection is not None and projection.projected_rate is not None and not projection.closed:
        text += (
            f" Точечная линия — прогноз на {fmt_date(projection.year_end)}: {forecast_text(projection)}, "
            "отрезок — его диапазон. " + forecast_basis(projection)
        )
    elif projection is not None:
        text += " " + forecast_basis(projection)
    return text.rstrip() + f" Данные на {fmt_date(as_of)}."


# Bars of the college ranking chart, at most (the table below it lists every college): 3 500
# colleges at federal scale made an 84 000 px chart that took 0,3 s of every view.
RANKING_MAX_BARS = 200
RANKING_CAPTION = (
    "Синие столбцы — не ниже цели, красно-оранжевые — ниже цели, серые со штриховкой — мало данных "
    "(менее 10 выпускников), значение ненадёжно. Пунктир — цель. Щелчок по столбцу открывает карточку ПОО."
)
STATUS_CAPTION = (
    "Число выпускников по группам статусов на дату расчёта; в скобках — доля от всех выпускников."
)
HEATMAP_CAPTION = (
    "Цвет — значение показателя: синий — выше цели, красно-оранжевый — ниже, белый — около цели. "
    "«<5» — меньше 5 выпускников, значение скрыто. Щелчок по клетке открывает карточку ПОО."
)
