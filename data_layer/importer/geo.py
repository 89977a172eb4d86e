"""Municipality centres and short names from the shipped GeoJSON (sample_data/geo/)."""

from __future__ import annotations

import functools
import json

from data_layer import config

GEOJSON = config.GEO_DIR / "samara_municipalities.geojson"


@functools.cache
def _properties() -> dict[str, dict[str, object]]:
    if not GEOJSON.exists():
        return {}
    data = json.loads(GEOJSON.read_text(encoding="utf-8"))
    return {str(f["properties"]["oktmo"]): f["properties"] for f in data.get("features", [])}


def municipality_centres() -> dict[str, tuple[float, float]]:
    """OKTMO -> (lat, lon) of the municipality centre: the default position of a college."""
    out = {}
    for oktmo, p in _properties().items():
        lat, lon = p.get("center_lat"), p.get("center_lon")
        if isinstance(lat, int | float) and isinstance(lon, int | float):
            out[oktmo] = (float(lat), float(lon))
    return out


def municipality_short_names() -> dict[str, str]:
    """OKTMO -> short name («Жигулёвск» for «городской округ Жигулёвск»)."""
    return {oktmo: str(p["name_short"]) for oktmo, p in _properties().items() if p.get("name_short")}
