"""Text is text (issue 12): a college name, a programme name and measures typed by users are shown
escaped on every page (no Markdown, no HTML, no remote image)."""

from __future__ import annotations

import re
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
    region,
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
    return out


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
    region: tuple[Path, dict[str, str]],  # noqa: F811
    page: str,
    role: Role,
) -> None:
    path, _ = region
    _poison(path)
    at = open_page(page, role, CODES[role])
    for text in _texts(at):
        assert not RAW.search(text), (page, role, text)


def test_the_escaped_text_is_shown(region: tuple[Path, dict[str, str]]) -> None:  # noqa: F811
    """The college's name does reach a Markdown context (the reconciliation flash) — escaped."""
    path, _ = region
    _poison(path)
    at = open_page("pages/screens/reconciliation.py", "territory", "TU01")
    at.selectbox(key="recon_decide_college").set_value("P001")
    at.button[[b.label for b in at.button].index("Отправить решение")].click().run()
    shown = [t for t in _texts(at) if "evil" in t]
    assert shown and all(r"\!\[x\]\(http\:" in t for t in shown), shown
