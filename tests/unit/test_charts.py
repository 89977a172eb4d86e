"""Chart and map builders (ui/charts.py, ui/maps.py): pure functions, checked on the figure and
deck objects they return — target line, Russian separators, drill codes, offline map."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from metrics.forecast import Projection
from metrics.formatting import PLOTLY_SEPARATORS, fmt_pct
from metrics.views import with_labels
from ui import charts, maps
from ui.filter_context import map_selection_code, selection_code

TARGET = 0.625


def _series() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "date": [dt.date(2025, 7, 4), dt.date(2025, 7, 11), dt.date(2025, 7, 18)],
            "numerator": [10, 20, None],
            "denominator": [100, 100, 0],
            "rate": [0.1, 0.2, None],
        }
    )


def _target_shapes(fig) -> list:  # type: ignore[no-untyped-def]
    return [s for s in fig.layout.shapes if s.name == "target"]


def test_trend_has_target_line_projection_and_russian_separators() -> None:
    proj = Projection(dt.date(2026, 12, 31), 0.55, 0.5, 0.61, 13, (2023, 2024), 110, TARGET, 43)
    fig = charts.trend_figure(_series(), TARGET, proj)
    assert fig.layout.separators == PLOTLY_SEPARATORS == ", "
    (line,) = _target_shapes(fig)
    assert line.y0 == line.y1 == pytest.approx(62.5)
    fact, forecast = fig.data
    assert list(fact.y) == pytest.approx([10.0, 20.0])  # the point without a rate is left out
    assert list(forecast.x) == [dt.date(2025, 7, 11), dt.date(2026, 12, 31)]
    assert list(forecast.y) == pytest.approx([20.0, 55.0])
    assert "31.12.2026" in forecast.name and "55,0" in forecast.name
    assert "50,0" in forecast.name and "61,0" in forecast.name  # the range is in the legend
    assert list(forecast.error_y.array) == pytest.approx([0.0, 6.0])  # 61 - 55
    assert list(forecast.error_y.arrayminus) == pytest.approx([0.0, 5.0])  # 55 - 50
    assert fig.layout.xaxis.tickformat == "%d.%m.%y"
    assert fig.layout.yaxis.ticksuffix == " %"
    assert any("Цель 62,5" in a.text for a in fig.layout.annotations)


def test_trend_without_target_or_projection() -> None:
    fig = charts.trend_figure(_series(), None, None)
    assert _target_shapes(fig) == []
    assert len(fig.data) == 1


def _colleges() -> pl.DataFrame:
    frame = pl.DataFrame(
        {
            "code": ["P001", "P002", "P003", "P004"],
            "name": ["Альфа", "Бета", "Гамма", "Дельта"],
            "total": [40, 120, 8, 3],
            "numerator": [30, 48, 4, 1],
            "denominator": [40, 120, 8, 3],
            "rate": [0.75, 0.4, 0.5, 1 / 3],
        }
    )
    return with_labels(frame, mask_small=True)


def test_ranking_bars_carry_codes_colours_and_the_target() -> None:
    fig = charts.ranking_figure(_colleges(), TARGET)
    (bar,) = fig.data
    assert [c[0] for c in bar.customdata] == ["P001", "P002", "P003", "P004"]
    # blue on or above the target, vermillion below, grey when unreliable (under 10 graduates)
    assert list(bar.marker.color) == [charts.GOOD, charts.BAD, charts.NEUTRAL, charts.NEUTRAL]
    assert list(bar.marker.pattern.shape) == ["", "", "/", "/"]
    assert bar.text[0] == "75,0\u00a0%"
    # «<5» is escaped, otherwise plotly would swallow it as a broken tag
    assert list(bar.text)[3] == "&lt;5 · мало данных"
    (line,) = _target_shapes(fig)
    assert line.x0 == line.x1 == pytest.approx(62.5)
    assert fig.layout.separators == ", "
    # what the page reads back from a click on the second bar
    event = {"selection": {"points": [{"customdata": list(bar.customdata[1])}]}}
    assert selection_code(event) == "P002"


def test_ranking_lower_is_better_colours() -> None:
    frame = with_labels(
        pl.DataFrame({"code": ["a", "b"], "name": ["a", "b"], "total": [50, 50], "rate": [0.02, 0.09]}),
        mask_small=False,
    )
    bar = charts.ranking_figure(frame, 0.07, lower_is_better=True).data[0]
    assert list(bar.marker.color) == [charts.GOOD, charts.BAD]


def test_status_bars() -> None:
    groups = pl.DataFrame(
        {"group": ["work", "risk"], "label": ["Работа", "Риск"], "count": [1234, 5], "share": [0.99, 0.01]}
    )
    fig = charts.status_bar_figure(groups)
    (bar,) = fig.data
    assert list(bar.y) == ["Риск", "Работа"]  # first group on top
    assert [c[0] for c in bar.customdata] == ["risk", "work"]
    assert list(bar.text) == ["5 (1,0\u00a0%)", "1\u00a0234 (99,0\u00a0%)"]
    assert fig.layout.separators == ", "


def test_comparison_has_target_and_handles_missing_rate() -> None:
    fig = charts.comparison_figure(["ПОО", "Территория", "Регион"], [0.5, None, 0.7], TARGET)
    (bar,) = fig.data
    assert list(bar.y) == [50.0, None, 70.0]
    assert list(bar.text) == ["50,0\u00a0%", "—", "70,0\u00a0%"]
    assert len(_target_shapes(fig)) == 1


def test_heatmap_cells_carry_college_and_ugps_codes() -> None:
    cells = with_labels(
        pl.DataFrame(
            {
                "college_code": ["P001", "P001", "P002"],
                "college_name": ["Альфа", "Альфа", "Бета"],
                "ugps_code": ["09.00.00", "15.00.00", "09.00.00"],
                "ugps_name": ["Информатика", "Машиностроение", "Информатика"],
                "total": [20, 3, 30],
                "rate": [0.8, 0.5, 0.3],
            }
        ),
        mask_small=True,
    )
    fig = charts.heatmap_figure(cells, TARGET)
    hm, overlay = fig.data
    assert list(hm.x) == ["09.00.00", "15.00.00"]
    assert list(hm.y) == ["Альфа", "Бета"]
    z = [list(r) for r in hm.z]
    assert z[0][0] == pytest.approx(80.0) and z[0][1] is None and z[1][1] is None  # small cell hidden
    assert hm.text[0][1] == "&lt;5"
    assert [list(c) for c in hm.customdata[1]] == [["P002", "09.00.00"], ["P002", "15.00.00"]]
    # white sits at the target on the 0–100 scale
    assert hm.colorscale[1][0] == pytest.approx(TARGET)
    assert fig.layout.separators == ", "
    # the clickable layer: one transparent marker per filled cell, carrying the same codes
    assert [list(c) for c in overlay.customdata] == [
        ["P001", "09.00.00"],
        ["P001", "15.00.00"],
        ["P002", "09.00.00"],
    ]
    assert list(overlay.y) == ["Альфа", "Альфа", "Бета"] and overlay.marker.color == "rgba(0,0,0,0)"
    assert "&lt;5" in overlay.hovertext[1]
    event = {"selection": {"points": [{"customdata": list(overlay.customdata[2])}]}}
    assert selection_code(event) == "P002"


def test_trend_caption_mentions_projection_and_date() -> None:
    text = charts.trend_caption(
        Projection(dt.date(2026, 12, 31), 0.6, 0.55, 0.7, 18, (2023, 2024), 110, TARGET, 5),
        dt.date(2026, 10, 30),
    )
    assert "31.12.2026" in text and "30.10.2026" in text
    assert (
        f"{fmt_pct(0.6)} (диапазон {fmt_pct(0.55)} – {fmt_pct(0.7)})" in text
        and "2023, 2024" in text
        and "18-й неделе" in text
    )
    none = charts.trend_caption(
        Projection(dt.date(2026, 12, 31), None, None, None, 5, (), 0, TARGET, 5), dt.date(2026, 10, 30)
    )
    assert "нет завершённых прошлых выпусков" in none


# ---------------------------------------------------------------- maps


def test_fill_colour_bins() -> None:
    assert maps.fill_colour(None, TARGET) == maps.NO_VALUE
    assert maps.fill_colour(0.50, TARGET) == maps.FAR_BELOW  # 12.5 п. п. below
    assert maps.fill_colour(0.60, TARGET) == maps.BELOW
    assert maps.fill_colour(0.65, TARGET) == maps.AT_TARGET
    assert maps.fill_colour(0.70, TARGET) == maps.ABOVE
    assert maps.fill_colour(0.05, 0.07, lower_is_better=True) == maps.AT_TARGET


def _munis() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "oktmo": ["36701000", "36740000", "36704000"],
            "name": ["городской округ Самара", "городской округ Тольятти", "городской округ Жигулёвск"],
            "tu_code": ["TU01", "TU02", "TU03"],
            "tu_name": ["Самарское", "Тольяттинское", "Центральное"],
        }
    )


def test_map_rows_by_territory() -> None:
    table = pl.DataFrame(
        {
            "code": ["TU01", "TU02"],
            "rate": [0.7, None],
            "rate_label": ["70,0 %", "<5"],
            "total_label": ["10", "3"],
        }
    )
    rows = maps.map_rows(_munis(), table, "territory")
    got = {r["oktmo"]: (r["rate_label"], r["in_table"]) for r in rows.iter_rows(named=True)}
    assert got == {"36701000": ("70,0 %", True), "36740000": ("<5", True), "36704000": ("нет данных", False)}


def test_choropleth_is_offline_pickable_and_returns_the_territory() -> None:
    geo = maps.load_geojson()
    assert len(geo["features"]) == 37
    table = pl.DataFrame(
        {
            "code": ["TU01", "TU02"],
            "rate": [0.7, 0.5],
            "rate_label": ["70,0 %", "50,0 %"],
            "total_label": ["10", "8"],
        }
    )
    points = pl.DataFrame(
        {
            "code": ["P001"],
            "name": ["Альфа"],
            "lat": [53.2],
            "lon": [50.1],
            "rate": [0.4],
            "rate_label": ["40,0 %"],
            "total_label": ["12"],
        }
    )
    deck = maps.choropleth(
        geo,
        maps.map_rows(_munis(), table, "territory"),
        TARGET,
        indicator_name="Доля",
        selected_tu="TU01",
        points=points,
    )
    assert deck.map_provider is None  # no basemap: no tile requests (docs/architecture.md §5.5)
    spec = json.loads(deck.to_json())
    assert "mapProvider" not in spec
    assert spec["mapStyle"] == "__MAP_STYLE__"
    area, pts = spec["layers"]
    assert area["id"] == maps.AREA_LAYER and area["pickable"] is True
    assert area["lineWidthUnits"] == "pixels"  # a literal, not a JS expression
    feats = {f["properties"]["oktmo"]: f["properties"] for f in area["data"]["features"]}
    assert feats["36701000"]["fill"] == maps.ABOVE and feats["36701000"]["line_w"] == 3
    assert feats["36740000"]["fill"] == maps.FAR_BELOW and feats["36740000"]["line_w"] == 1
    assert feats["36704000"]["fill"] == maps.OUT_OF_SCOPE
    assert feats["36640000"]["tu_code"] == ""  # Ставропольский район is not in this reference
    assert pts["id"] == maps.POINT_LAYER and pts["data"][0]["code"] == "P001"
    # the selected territory (here only the city of Samara) is framed
    view = spec["initialViewState"]
    assert 53.0 < view["latitude"] < 53.4 and 49.9 < view["longitude"] < 50.4 and view["zoom"] > 8.5
    whole = json.loads(
        maps.choropleth(
            geo, maps.map_rows(_munis(), table, "territory"), TARGET, indicator_name="Доля"
        ).to_json()
    )["initialViewState"]
    assert 52.0 < whole["latitude"] < 54.5 and 48.5 < whole["longitude"] < 52.0 and 5 < whole["zoom"] < 7.5
    # what the page reads back from a click on Samara
    event = {"selection": {"objects": {maps.AREA_LAYER: [{"properties": feats["36701000"]}]}}}
    assert map_selection_code(event, maps.AREA_LAYER, "tu_code") == "TU01"
    click_point = {"selection": {"objects": {maps.POINT_LAYER: [pts["data"][0]]}}}
    assert map_selection_code(click_point, maps.POINT_LAYER, "code") == "P001"


def test_legend_names_the_target() -> None:
    labels = [label for _, label in maps.legend(TARGET)]
    assert "ниже цели (62,5\u00a0%)" in labels
    assert maps.ATTRIBUTION.endswith("© OpenStreetMap contributors (ODbL)")


def test_decimate_keeps_shared_borders_closed() -> None:
    full, thin = maps.load_geojson(1), maps.load_geojson(4)
    assert maps.DISPLAY_STEP == 4

    def vertex_rings(geo):  # type: ignore[no-untyped-def]
        out: dict[tuple[float, float], int] = {}
        for f in geo["features"]:
            for ring in maps._rings(f["geometry"]):
                assert ring[0] == ring[-1] and len(ring) >= 4
                for p in {(q[0], q[1]) for q in ring[:-1]}:
                    out[p] = out.get(p, 0) + 1
        return out

    before, after = vertex_rings(full), vertex_rings(thin)
    assert len(after) < len(before) / 2.5  # far fewer vertices to draw
    # a vertex kept on a border is kept by every ring that shares it: neighbours stay glued
    assert all(after[p] == before[p] for p in after)
    junctions = {p for p, n in before.items() if n >= 3}
    assert junctions <= set(after)


def test_spread_separates_colleges_at_one_point() -> None:
    pts = pl.DataFrame({"code": ["B", "A", "C"], "lat": [53.2, 53.2, 54.0], "lon": [50.1, 50.1, 49.0]})
    out = maps.spread(pts)
    a, b, c = (out.filter(pl.col("code") == k).row(0, named=True) for k in "ABC")
    assert (c["lat"], c["lon"]) == (54.0, 49.0)  # alone: untouched
    assert (a["lat"], a["lon"]) != (b["lat"], b["lon"])
    for p in (a, b):
        assert abs(p["lat"] - 53.2) < 0.05 and abs(p["lon"] - 50.1) < 0.1


def test_trend_points_name_their_number_of_graduates() -> None:
    """Issue 11 item 1: early points rest on the few graduates who finished before the main
    graduation; the hover names each point's graduates and those points are open markers."""
    series = pl.DataFrame(
        {
            "date": [dt.date(2025, 3, 7), dt.date(2025, 6, 27), dt.date(2025, 7, 4)],
            "total": [3, 3, 120],
            "numerator": [1, 2, 30],
            "denominator": [3, 3, 110],
            "rate": [1 / 3, 2 / 3, 30 / 110],
        }
    )
    (fact,) = charts.trend_figure(series, None, None).data
    assert [row[2] for row in fact.customdata] == ["3", "3", "120"]
    assert "выпускников на эту дату: %{customdata[2]}" in fact.hovertemplate
    assert list(fact.marker.symbol) == ["circle-open", "circle-open", "circle"]
