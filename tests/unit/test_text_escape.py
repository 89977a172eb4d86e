"""Text is text (issue 12): what users typed reaches Markdown and HTML only escaped."""

from __future__ import annotations

import re

import pytest

from ui.text import html_text, md

HOSTILE = [
    "![x](http://evil.example/a.png)",
    "**жирный** _курсив_ `код`",
    "<img src=http://evil.example/b.png onerror=alert(1)>",
    ":red[красный] :material/home: $x^2$",
    "[ссылка](javascript:alert(1)) http://evil.example",
    "# Заголовок\n- пункт\n1. номер",
    "ГБПОУ «Колледж № 1» — 100 %",
]
# a Markdown/Streamlit character not preceded by a backslash
UNESCAPED = re.compile(r"(?<!\\)[!\[\]()<>*_`:$#|~]")


@pytest.mark.parametrize("text", HOSTILE)
def test_md_escapes_every_markdown_character(text: str) -> None:
    out = md(text)
    assert not UNESCAPED.search(out.replace("\\\\", "")), out
    assert "\n" not in out  # a user's line break cannot start a heading or a list
    # unescaping gives the text back (line breaks as spaces)
    assert re.sub(r"\\(.)", r"\1", out) == text.replace("\n", " ")


def test_html_text_escapes_tags() -> None:
    assert html_text('<img src="x">&') == "&lt;img src=&quot;x&quot;&gt;&amp;"
    assert html_text(None) == ""


def test_map_tooltip_fields_are_escaped() -> None:
    import polars as pl

    from ui import maps

    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"oktmo": "1", "name": "<b>x</b>"}, "geometry": {"type": "Polygon", "coordinates": [[[50, 53], [50.5, 53], [50.5, 53.5], [50, 53]]]}}
    ]}  # fmt: skip
    rows = pl.DataFrame(
        {"oktmo": ["1"], "tu_code": ["T"], "tu_name": ["<img src=http://e/x.png>"], "rate": [0.5],
         "rate_label": ["50 %"], "total_label": ["1"], "in_table": [True]}
    )  # fmt: skip
    points = pl.DataFrame(
        {"code": ["P1"], "name": ["<img src=http://e/y.png>"], "lat": [53.0], "lon": [50.0], "rate": [0.5],
         "rate_label": ["50 %"], "total_label": ["1"]}
    )  # fmt: skip
    deck = maps.choropleth(geo, rows, 0.6, indicator_name="<script>", points=points)
    text = deck.to_json()
    assert "<img" not in text and "<script>" not in text and "<b>x" not in text
    assert "&lt;img src=http://e/x.png&gt;" in text and "&lt;img src=http://e/y.png&gt;" in text
