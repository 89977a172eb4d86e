"""Text is text (issue 12): a college name, a programme name and measures typed by users are shown
escaped on every page (no Markdown, no HTML, no remote image)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data_layer import db
from data_layer.scope import Role
from tests.app.test_pages_work import (  # noqa: F401  (fixtures)
    ALLOWED,
    CODES,
    cur_of,
    open_page,
    template,
)

EVIL = "![x](http://evil.example/a.png) <img src=http://evil.example/b.png> **Ж** :red[К]"
RAW = re.compile(r"(?<!\\)!\[|(?<!\\)<img|(?<!\\)\*\*Ж(?<!\\)|(?<!\\):red\[")


def _texts(at: AppTest) -> list[str]:
    out: list[str] = []
    for kind in (
        "markdown",
        "caption",
        "subheader",
        "title",
        "header",
        "success",
        "info",
        "warning",
        "error",
    ):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(b.label) for b in at.button]
    out += [str(e.label) for e in at.expander]
    out += [str(m.proto.help) for m in at.metric]  # KPI tooltips are Markdown
    return out


def _plotly_specs(at: AppTest) -> list[str]:
    """The figure JSON of every Plotly chart on the page (what the browser renders), decoded (Plotly
    writes `<` and `/` as \\u escapes)."""
    return [json.dumps(json.loads(e.proto.spec), ensure_ascii=False) for e in at.get("plotly_chart")]


def _poison(path: Path) -> None:
    with cur_of(path) as cur:
        cur.execute(
            "UPDATE colleges SET short_name = ?, full_name = ? WHERE college_code = 'P001'", [EVIL, EVIL]
        )
        cur.execute("UPDATE programs SET name = ?", [EVIL])
        cur.execute("UPDATE status_rows SET support_measures = ?", [EVIL])
        db.bump_dataset_version(cur)  # a change not limited to pairs: every cache


@pytest.mark.parametrize(("page", "role"), ALLOWED, ids=[f"{p.split('/')[-1]}-{r}" for p, r in ALLOWED])
def test_user_text_is_escaped_on_every_page(
    region: tuple[Path, dict[str, str]],
    page: str,
    role: Role,
) -> None:
    path, _ = region
    _poison(path)
    at = open_page(page, role, CODES[role])
    for text in _texts(at):
        assert not RAW.search(text), (page, role, text)
    # Plotly renders a subset of HTML in tick labels, trace text, titles and hovers (ui.text.plotly_text)
    for spec in _plotly_specs(at):
        assert "<img" not in spec, (page, role, spec[:300])


def test_the_escaped_text_is_shown(region: tuple[Path, dict[str, str]]) -> None:
    """The college's name does reach a Markdown context (the reconciliation flash) — escaped."""
    path, _ = region
    _poison(path)
    at = open_page("pages/screens/reconciliation.py", "territory", "TU01")
    at.selectbox(key="recon_decide_college").set_value("P001")
    at.button[[b.label for b in at.button].index("Отправить решение")].click().run()
    shown = [t for t in _texts(at) if "evil" in t]
    assert shown and all(r"\!\[x\]\(http\:" in t for t in shown), shown


def test_the_escaped_name_reaches_a_chart(region: tuple[Path, dict[str, str]]) -> None:
    """The poisoned college name is on the ranking chart (tick label and hover) — as entities."""
    path, _ = region
    _poison(path)
    at = open_page("pages/screens/ranking.py", "ministry", CODES["ministry"])
    specs = _plotly_specs(at)
    assert any("&lt;img src=http://evil.example/b.png&gt;" in s for s in specs), [s[:300] for s in specs]


# ---------------------------------------------------------------- charts of the monitoring pages

CHART_EVIL = '<a href="http://evil.example/c">ссылка</a><b>жирный</b><img src=http://evil.example/d.png>'
CHART_PAGES = ("overview", "territories", "ranking", "specialties", "college", "discipline")


@pytest.mark.parametrize("page", CHART_PAGES)
def test_monitoring_charts_draw_user_names_as_text(
    page: str, monitoring_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """College, territory, programme and УГПС names typed into reference files reach the charts'
    tick labels, bar text and hovers only as entities (Plotly renders <a href>, <b>, <br>)."""
    from streamlit.testing.v1 import AppTest

    from tests.helpers import APP_FILE, login_as

    path = tmp_path / "charts.duckdb"
    shutil.copyfile(monitoring_db, path)
    monkeypatch.setenv("VYPUSK_DB", str(path))
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(tmp_path / "credentials.yaml"))
    with cur_of(path) as cur:
        cur.execute(
            "UPDATE colleges SET short_name = ? || college_code, full_name = ? || college_code",
            [CHART_EVIL, CHART_EVIL],
        )
        cur.execute("UPDATE territories SET name = ? || tu_code", [CHART_EVIL])
        cur.execute("UPDATE programs SET name = ? || program_code", [CHART_EVIL])
        db.bump_dataset_version(cur)
    try:
        at = login_as(AppTest.from_file(APP_FILE, default_timeout=90), "tester", "base_centre", None)
        if page == "college":
            at.session_state["_vyp_ctx"] = {"poo": "P004"}
        at.run()
        at.switch_page(f"pages/screens/{page}.py").run()
        assert not at.exception, [e.value for e in at.exception]
        specs = _plotly_specs(at)
        assert specs, f"{page}: no chart drawn"
        for spec in specs:
            assert "<a href" not in spec and "<b>жирный" not in spec and "<img" not in spec, (
                page,
                spec[:400],
            )
        if page in ("ranking", "specialties", "discipline"):  # charts named by college
            assert any("&lt;a href=" in s for s in specs), (page, [s[:300] for s in specs])
    finally:
        db.close_all()


def test_custom_indicator_name_in_the_kpi_tooltip(
    monitoring_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A custom indicator's name and description (typed on «Настройки показателей») reach the KPI
    tooltip, which Streamlit renders as Markdown: escaped, so no remote image loads."""
    from streamlit.testing.v1 import AppTest

    from data_layer.scope import Scope
    from ops import settings as ops_settings
    from tests.helpers import APP_FILE, login_as

    path = tmp_path / "kpi.duckdb"
    shutil.copyfile(monitoring_db, path)
    monkeypatch.setenv("VYPUSK_DB", str(path))
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(tmp_path / "credentials.yaml"))
    con = db.open_database(path)
    ops_settings.save_custom_indicator(
        con, Scope("base_centre", None, "bc"), "evil1", EVIL, EVIL, ["employed"], []
    )
    con.close()
    try:
        at = login_as(AppTest.from_file(APP_FILE, default_timeout=90), "tester", "base_centre", None)
        at.session_state["_vyp_ctx"] = {"ind": "evil1"}
        at.run()
        at.switch_page("pages/screens/overview.py").run()
        helps = [str(m.proto.help) for m in at.metric]
        assert any(r"\!\[x\]\(http\:" in h for h in helps), helps  # the name is there, escaped
        assert not [h for h in helps if RAW.search(h)], helps
    finally:
        db.close_all()
