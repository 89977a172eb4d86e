"""pydeck choropleth of the 37 municipalities of Samara Oblast, coloured by a territory's or a
municipality's rate against the target.

Offline by construction: `map_provider=None` draws no basemap, so the page makes no external
request (docs/architecture.md §5.5; `map_style=None` would pull Carto tiles). Boundaries are OpenStreetMap
data (ODbL): every map must be shown with ATTRIBUTION under it.
Pure functions: frames in, pdk.Deck out; layers have ids and are pickable so a click can drill.
"""

from __future__ import annotations

import copy
import functools
import json
import math
from collections import Counter
from typing import Any

import polars as pl
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from data_layer import config
from metrics.formatting import fmt_pct
from ui.text import html_text

GEOJSON_PATH = config.GEO_DIR / "samara_municipalities.geojson"
ATTRIBUTION = "Границы муниципальных образований: © OpenStreetMap contributors (ODbL)"
AREA_LAYER = "municipalities"
POINT_LAYER = "colleges"

Rgba = list[int]
# Okabe–Ito colours, from far below the target to well above it.
FAR_BELOW: Rgba = [213, 94, 0, 255]  # vermillion
BELOW: Rgba = [230, 159, 0, 255]  # orange
AT_TARGET: Rgba = [86, 180, 233, 255]  # sky blue
ABOVE: Rgba = [0, 114, 178, 255]  # blue
NO_VALUE: Rgba = [215, 215, 215, 150]
OUT_OF_SCOPE: Rgba = [232, 232, 232, 200]
# About 15 000 vertices are more than a 500-pixel map can show; with software WebGL (headless
# browsers, and office PCs or thin clients without a GPU) such a layer was slow enough that clicks
# on it were lost. One vertex in four is still finer than a pixel at the default zoom.
DISPLAY_STEP = 4
FAR_GAP = 0.10  # 10 п. п.
ABOVE_GAP = 0.05


class CompactDeck(pdk.Deck):  # type: ignore[misc]
    """pydeck serialises with indent=2, which makes the 37-polygon spec about 1.5 MB; above roughly
    1 MB the map stopped reporting clicks (selection) in Streamlit 1.67 (found with Playwright).
    The same JSON without indentation is about 330 KB."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


@functools.cache
def _geojson_text() -> str:
    return GEOJSON_PATH.read_text(encoding="utf-8")


@functools.cache
def _display_text(step: int) -> str:
    """The boundaries with about one vertex in `step` kept, as JSON text (decimated once per process:
    it took ~0,3 s on every map render)."""
    data: dict[str, Any] = json.loads(_geojson_text())
    return json.dumps(decimate(data, step), ensure_ascii=False) if step > 1 else _geojson_text()


def load_geojson(step: int = DISPLAY_STEP) -> dict[str, Any]:
    """A fresh copy of the municipal boundaries for display (callers may add properties), with
    about one vertex in `step` kept (see `decimate`)."""
    data: dict[str, Any] = json.loads(_display_text(step))
    return data


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    polys = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    return [ring for poly in polys for ring in poly]


def decimate(geo: dict[str, Any], step: int) -> dict[str, Any]:
    """Drop vertices without opening gaps between neighbours.

    Neighbouring polygons share their border vertices exactly (SOURCE.md: shared arcs), so the
    choice to keep a vertex depends on its coordinates only, never on its position in a ring: both
    neighbours keep the same ones. Junctions (a vertex of three or more rings, or where a shared
    border starts or ends) are always kept, so corners do not move either.
    """
    count: Counter[tuple[float, float]] = Counter()
    for f in geo["features"]:
        for ring in _rings(f["geometry"]):
            count.update({(p[0], p[1]) for p in ring[:-1]})

    def keep(prev: list[float], p: list[float], nxt: list[float]) -> bool:
        n = count[(p[0], p[1])]
        if n >= 3 or n != count[(prev[0], prev[1])] or n != count[(nxt[0], nxt[1])]:
            return True
        return (round(p[0] * 1e5) * 73856093 ^ round(p[1] * 1e5) * 19349663) % step == 0

    def thin(ring: list[list[float]]) -> list[list[float]]:
        body = ring[:-1]
        kept = [p for i, p in enumerate(body) if keep(body[i - 1], p, body[(i + 1) % len(body)])]
        return [*kept, kept[0]] if len(kept) >= 3 else ring

    for f in geo["features"]:
        g = f["geometry"]
        if g["type"] == "Polygon":
            g["coordinates"] = [thin(r) for r in g["coordinates"]]
        else:
            g["coordinates"] = [[thin(r) for r in poly] for poly in g["coordinates"]]
    return geo


def fill_colour(rate: float | None, target: float | None, lower_is_better: bool = False) -> Rgba:
    """Colour of an area by its distance to the target (no target: by the rate itself)."""
    if rate is None:
        return list(NO_VALUE)
    if target is None:
        return list(ABOVE if rate >= 0.5 else BELOW)
    gap = (target - rate) if lower_is_better else (rate - target)
    if gap <= -FAR_GAP:
        return list(FAR_BELOW)
    if gap < 0:
        return list(BELOW)
    if gap < ABOVE_GAP:
        return list(AT_TARGET)
    return list(ABOVE)


def legend(target: float | None, lower_is_better: bool = False) -> list[tuple[str, str]]:
    """(hex colour, Russian label) for the map legend."""

    def hx(c: Rgba) -> str:
        return "#{:02X}{:02X}{:02X}".format(*c[:3])

    if target is None:
        return [(hx(ABOVE), "50 % и выше"), (hx(BELOW), "ниже 50 %"), (hx(NO_VALUE), "нет данных или <5")]
    worse = "выше" if lower_is_better else "ниже"
    better = "ниже" if lower_is_better else "выше"
    far = f"{worse} цели более чем на {int(FAR_GAP * 100)} п. п."
    return [
        (hx(FAR_BELOW), far),
        (hx(BELOW), f"{worse} цели ({fmt_pct(target)})"),
        (hx(AT_TARGET), f"на уровне цели (до {int(ABOVE_GAP * 100)} п. п. {better})"),
        (hx(ABOVE), f"{better} цели более чем на {int(ABOVE_GAP * 100)} п. п."),
        (hx(NO_VALUE), "нет данных или менее 5 выпускников"),
    ]


def map_rows(munis: pl.DataFrame, table: pl.DataFrame, level: str) -> pl.DataFrame:
    """Join an indicator table onto the municipalities (oktmo, name, tu_code, tu_name).

    level 'territory': every municipality takes its territory's figures (table.code = tu_code);
    level 'municipality': its own (table.code = oktmo). Expects rate, rate_label, total_label.
    Areas without figures (no graduates or out of scope) get rate null and label «нет данных».
    """
    key = "tu_code" if level == "territory" else "oktmo"
    figures = table.select(pl.col("code").alias(key), "rate", "rate_label", "total_label")
    return munis.join(figures, on=key, how="left").with_columns(
        in_table=pl.col("rate_label").is_not_null(),
        rate_label=pl.col("rate_label").fill_null("нет данных"),
        total_label=pl.col("total_label").fill_null("0"),
    )


def view_state(geo: dict[str, Any], width: int = 760, height: int = 460) -> pdk.ViewState:
    """Centre and zoom that fit the bounding box of the features (pydeck has no auto-fit)."""
    lons: list[float] = []
    lats: list[float] = []

    def walk(coords: Any) -> None:
        if coords and isinstance(coords[0], int | float):
            lons.append(float(coords[0]))
            lats.append(float(coords[1]))
        else:
            for c in coords:
                walk(c)

    for f in geo["features"]:
        walk(f["geometry"]["coordinates"])
    if not lons:
        return pdk.ViewState(latitude=53.2, longitude=50.2, zoom=6)

    def merc(lat: float) -> float:
        return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)))

    lon_span = max(lons) - min(lons)
    lat_span = merc(max(lats)) - merc(min(lats))
    zoom = min(math.log2(width * 360 / (lon_span * 512)), math.log2(height * 360 / (lat_span * 512)))
    return pdk.ViewState(
        latitude=(min(lats) + max(lats)) / 2,
        longitude=(min(lons) + max(lons)) / 2,
        zoom=round(zoom - 0.15, 2),
        pitch=0,
        bearing=0,
    )


def spread(points: pl.DataFrame, radius_deg: float = 0.03) -> pl.DataFrame:
    """Colleges that share a position (e.g. placed at their town's centre) are put on a small circle
    around it so each can be seen and clicked; order by code keeps the layout stable."""
    if points.is_empty():
        return points
    pts = points.sort("code").with_columns(
        _k=pl.concat_str([pl.col("lat").round(3).cast(pl.Utf8), pl.col("lon").round(3).cast(pl.Utf8)])
    )
    pts = pts.with_columns(_i=pl.int_range(pl.len()).over("_k"), _n=pl.len().over("_k"))
    lat, lon = [], []
    for la, lo, i, n in zip(pts["lat"], pts["lon"], pts["_i"], pts["_n"], strict=True):
        if n == 1:
            lat.append(la)
            lon.append(lo)
            continue
        r = radius_deg * (1 + n / 12)
        angle = 2 * math.pi * i / n
        lat.append(la + r * math.sin(angle))
        lon.append(lo + r * math.cos(angle) / math.cos(math.radians(la)))
    return pts.with_columns(lat=pl.Series(lat), lon=pl.Series(lon)).drop("_k", "_i", "_n")


TOOLTIP = {
    "html": "<b>{name}</b><br/>{tu_name}<br/>{indicator}: <b>{rate_label}</b><br/>Выпускников: {total_label}",
    "style": {"fontFamily": "Source Sans Pro, Arial, sans-serif", "fontSize": "13px"},
}


def _area_features(
    geo: dict[str, Any],
    rows: pl.DataFrame,
    target: float | None,
    indicator_name: str,
    lower_is_better: bool,
    selected_tu: str | None,
) -> list[dict[str, Any]]:
    """Municipality features with their colour against the target; the selected territory outlined."""
    by_oktmo = {r["oktmo"]: r for r in rows.iter_rows(named=True)}
    features = []
    for f in geo["features"]:
        f = copy.copy(f)
        props = dict(f["properties"])
        r = by_oktmo.get(props.get("oktmo"))
        if r is None:
            props.update(tu_code="", tu_name="", rate_label="нет данных", total_label="0", fill=OUT_OF_SCOPE)
        else:
            props.update(
                tu_code=r["tu_code"],
                tu_name=html_text(r["tu_name"] or ""),
                rate_label=r["rate_label"],
                total_label=r["total_label"],
                fill=fill_colour(r["rate"], target, lower_is_better) if r["in_table"] else list(OUT_OF_SCOPE),
            )
        props["indicator"] = html_text(indicator_name)  # the tooltip is HTML: names typed by users escaped
        props["name"] = html_text(props.get("name"))
        chosen = selected_tu is not None and props["tu_code"] == selected_tu
        props["line_w"] = 3 if chosen else 1
        props["line"] = [0, 0, 0, 255] if chosen else [255, 255, 255, 255]
        f["properties"] = props
        features.append(f)
    return features


def _point_layer(
    points: pl.DataFrame, target: float | None, indicator_name: str, lower_is_better: bool
) -> pdk.Layer:
    """College points coloured like the areas (spread so that colleges of one town do not overlap)."""
    pts = spread(points)
    # Colours computed in Python on the few points, not as a polars callback (metrics.formatting).
    fills = [fill_colour(r, target, lower_is_better) for r in pts["rate"].to_list()]
    pts = pts.with_columns(
        fill=pl.Series(fills, dtype=pl.List(pl.Int64)),
        tu_name=pl.lit("ПОО"),
        indicator=pl.lit(html_text(indicator_name)),
        name=pl.Series([html_text(n) for n in pts["name"].to_list()], dtype=pl.Utf8),
    )
    return pdk.Layer(
        "ScatterplotLayer",
        data=pts.select(
            "code", "name", "lat", "lon", "rate_label", "total_label", "fill", "tu_name", "indicator"
        ).to_dicts(),
        id=POINT_LAYER,
        pickable=True,
        get_position=["lon", "lat"],
        get_fill_color="fill",
        get_line_color=[0, 0, 0, 255],
        stroked=True,
        line_width_min_pixels=1,
        radius_min_pixels=6,
        radius_max_pixels=14,
        get_radius=1500,
    )


def choropleth(
    geo: dict[str, Any],
    rows: pl.DataFrame,
    target: float | None,
    *,
    indicator_name: str,
    lower_is_better: bool = False,
    selected_tu: str | None = None,
    points: pl.DataFrame | None = None,
) -> pdk.Deck:
    """The map: municipalities from `map_rows`, coloured against the target; the selected territory
    outlined; optional college points (code, name, lat, lon, rate, rate_label, total_label).

    Feature properties carry oktmo and tu_code, which a click returns (map_selection_code).
    """
    features = _area_features(geo, rows, target, indicator_name, lower_is_better, selected_tu)
    layers = [
        pdk.Layer(
            "GeoJsonLayer",
            data={"type": "FeatureCollection", "features": features},
            id=AREA_LAYER,
            pickable=True,
            auto_highlight=True,
            stroked=True,
            filled=True,
            get_fill_color="properties.fill",
            get_line_color="properties.line",
            get_line_width="properties.line_w",
            # A plain string would become a JS expression (pydeck wraps strings as "@@=").
            line_width_units=pdk.types.String("pixels"),
        )
    ]
    if points is not None and not points.is_empty():
        layers.append(_point_layer(points, target, indicator_name, lower_is_better))
    # A selected territory is framed: its municipalities fill the map, the rest stay visible around.
    framed = [f for f in features if selected_tu is not None and f["properties"]["tu_code"] == selected_tu]
    return CompactDeck(
        layers=layers,
        initial_view_state=view_state({"features": framed} if framed else geo),
        map_provider=None,
        tooltip=TOOLTIP,  # type: ignore[arg-type]
    )
