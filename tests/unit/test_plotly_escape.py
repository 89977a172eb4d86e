"""Text is text in charts (issue 12): names users typed (colleges, programmes, measures, indicators)
reach Plotly figures only escaped. Plotly renders a subset of HTML in tick labels, trace text,
titles and hover text (`<a href>` becomes a working link, `<b>` bold); every figure builder passes
such text through `ui.text.plotly_text`, and what the browser receives — the figure JSON — holds the
entities, never the tags."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import plotly.graph_objects as go
import polars as pl
import pytest

from metrics.views import with_labels
from ui import charts, discipline_view, risk_view
from ui.text import plotly_text

EVIL = '<a href="http://evil">x</a><b>y</b>'
ESCAPED = '&lt;a href="http://evil"&gt;x&lt;/a&gt;&lt;b&gt;y&lt;/b&gt;'
# hover templates are ours (constants with <b>, <br>, <extra>); the user's text is substituted into
# them from the escaped data
TEMPLATE_KEYS = {"hovertemplate", "texttemplate"}


def _strings(node: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, str):
        yield key, node
    elif isinstance(node, dict):
        # customdata (the drill codes) is drawn only where a template of the trace names it
        shown = any("customdata" in str(node.get(k, "")) for k in TEMPLATE_KEYS)
        for k, v in node.items():
            if k != "customdata" or shown:
                yield from _strings(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from _strings(v, key)


def _assert_escaped(fig: go.Figure, expected_places: int = 1) -> None:
    sent = json.loads(fig.to_json())  # what st.plotly_chart sends to the browser
    texts = [(k, s) for k, s in _strings(sent) if k not in TEMPLATE_KEYS]
    raw = [(k, s) for k, s in texts if "<a" in s or "<b>y" in s or "</a>" in s]
    assert not raw, raw
    assert sum(ESCAPED in s for _, s in texts) >= expected_places, texts[:20]


def test_plotly_text() -> None:
    assert plotly_text(EVIL) == ESCAPED
    assert plotly_text("A & B <5") == "A &amp; B &lt;5"
    assert plotly_text(None) == ""


def test_ranking_bar_names_and_hover() -> None:
    frame = pl.DataFrame({"code": ["P001", "P002"], "name": [EVIL, "Бета"], "rate": [0.7, 0.4]})
    fig = charts.ranking_figure(frame, 0.625)
    _assert_escaped(fig)
    assert list(fig.data[0].y) == [ESCAPED, "Бета"]
    assert [c[0] for c in fig.data[0].customdata] == ["P001", "P002"]  # the drill still has its code


def test_comparison_labels() -> None:
    _assert_escaped(charts.comparison_figure([EVIL, "Регион"], [0.5, 0.7], 0.625))


def test_heatmap_rows_columns_and_hover() -> None:
    cells = with_labels(
        pl.DataFrame(
            {
                "college_code": ["P001", "P002"],
                "college_name": [EVIL, "Бета"],
                "ugps_code": [EVIL, "09.00.00"],
                "ugps_name": [EVIL, "Информатика"],
                "total": [20, 30],
                "rate": [0.8, 0.3],
            }
        ),
        mask_small=True,
    )
    fig = charts.heatmap_figure(cells, 0.625)
    _assert_escaped(fig, expected_places=4)  # y of both layers, x of both layers, hover
    hm, overlay = fig.data
    assert list(hm.y) == [ESCAPED, "Бета"] and ESCAPED in list(overlay.y)
    assert ESCAPED in overlay.hovertext[0] and "&amp;lt;" not in overlay.hovertext[0]  # escaped once


def test_status_bars_and_titles() -> None:
    groups = pl.DataFrame({"group": ["work"], "label": [EVIL], "count": [3], "share": [1.0]})
    _assert_escaped(charts.status_bar_figure(groups, title=EVIL), expected_places=2)
    series = pl.DataFrame({"date": [dt.date(2025, 7, 4)], "rate": [0.5]})
    _assert_escaped(charts.trend_figure(series, 0.625, title=EVIL))


def test_risk_reason_bar() -> None:
    frame = pl.DataFrame({"reason": ["r1"], "label": [EVIL], "count": [2]})
    _assert_escaped(risk_view.reason_bar(frame, thresholds_note=EVIL), expected_places=2)


def test_discipline_heatmap_college_names() -> None:
    grid = pl.DataFrame(
        {
            "college_code": ["P001"],
            "deadline": [dt.date(2026, 11, 20)],
            "on_time": [False],
            "arrived_utc": [dt.datetime(2026, 11, 21, 9)],
            "days_late": [1],
        }
    )
    names = pl.DataFrame({"college_code": ["P001"], "short_name": [EVIL]})
    _assert_escaped(discipline_view.heatmap(grid, names))


@pytest.mark.parametrize("name", ["Колледж «A & B»", "ПК-1 <Самара>"])
def test_ordinary_names_round_trip_through_plotly_entities(name: str) -> None:
    """Plotly decodes &amp; &lt; &gt; back: the user sees exactly the name typed."""
    back = plotly_text(name).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert back == name


def test_discipline_heatmap_keeps_the_colleges_with_most_weeks_not_on_time() -> None:
    """More colleges than HEATMAP_ROWS (federal scale): the map shows those with the most weeks not
    on time, ties by code; the caption says how many there are."""
    weeks = [dt.date(2026, 11, 6), dt.date(2026, 11, 13)]
    n = discipline_view.HEATMAP_ROWS + 2
    codes = [f"P{i:04d}" for i in range(n)]
    # P0000 and P0001 on time both weeks; P0002 late once, P0003 missing twice; the rest late once
    on_time = {("P0000", 0), ("P0000", 1), ("P0001", 0), ("P0001", 1)} | {(c, 1) for c in codes[2:]}
    on_time -= {("P0003", 1)}
    rows = [(c, w, (c, j) in on_time) for c in codes for j, w in enumerate(weeks)]
    grid = pl.DataFrame(
        {
            "college_code": [r[0] for r in rows],
            "deadline": [r[1] for r in rows],
            "on_time": [r[2] for r in rows],
            "arrived_utc": [None if r[0] == "P0003" else dt.datetime(2026, 11, 21, 9) for r in rows],
            "days_late": [0 if r[2] else 1 for r in rows],
        }
    )
    names = pl.DataFrame({"college_code": codes, "short_name": codes})
    shown = list(discipline_view.heatmap(grid, names).data[0].y)
    assert len(shown) == discipline_view.HEATMAP_ROWS
    assert "P0003" in shown and "P0000" not in shown and "P0001" not in shown  # the two always on time go
    assert discipline_view.heatmap_note(grid).startswith(
        " Показаны 150 ПОО"
    ) and f"из {n}" in discipline_view.heatmap_note(grid)
    assert discipline_view.heatmap_note(grid.filter(pl.col("college_code") != "P0000").head(20)) == ""
