"""No page and no download shows a college outside the user's scope (issue: access control).

Every page a territory or a college user may open is rendered, and every element the app sends
(text, tables as Arrow, chart and map JSON, widget options) is searched for the code and the name
of every college outside the scope; every report the role may download is searched the same way.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from data_layer import db
from data_layer.scope import Role, Scope
from metrics import engine
from reports import allowed_kinds, build_report, default_code
from tests.helpers import APP_FILE, login_as, use_database
from ui.registry import specs_for_role

APP_DIR = Path(APP_FILE).parent
COHORT = 2025
CASES: tuple[tuple[Role, str], ...] = (("territory", "TU02"), ("college", "P015"))


@pytest.fixture(autouse=True)
def env(monitoring_db: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    yield use_database(monitoring_db, tmp_path, monkeypatch)


def _outsiders(scope: Scope) -> list[tuple[str, str]]:
    """(code, name) of every college outside the scope."""
    with db.cursor() as cur:
        allowed = set(scope.allowed_colleges(cur) or [])
        rows = cur.execute("SELECT college_code, short_name, full_name FROM colleges").fetchall()
    assert allowed, "the scope must hold at least one college"
    out = []
    for code, short, full in rows:
        if code not in allowed:
            out += [(code, code), (code, short), (code, full)]
    return out


def _patterns(outsiders: list[tuple[str, str]]) -> list[tuple[str, re.Pattern[str]]]:
    """A value must not be followed by a digit ('Колледж № 1' is not 'Колледж № 15'); JSON may
    carry it \\u-escaped."""
    pats = []
    for code, value in outsiders:
        for form in {value, json.dumps(value)[1:-1]}:
            pats.append((f"{code}: {value}", re.compile(re.escape(form) + r"(?!\d)")))
    return pats


def _payload(node: Any) -> Iterator[bytes]:
    proto = getattr(node, "proto", None)
    if proto is not None and hasattr(proto, "SerializeToString"):
        yield proto.SerializeToString()
    for child in getattr(node, "children", {}).values():
        yield from _payload(child)


def _leaks(text: str, patterns: list[tuple[str, re.Pattern[str]]]) -> list[str]:
    return sorted({what for what, pat in patterns if pat.search(text)})


@pytest.mark.parametrize(("role", "code"), CASES)
def test_pages_show_nothing_outside_the_scope(role: Role, code: str) -> None:
    scope = Scope(role, code, "tester")
    patterns = _patterns(_outsiders(scope))
    specs = specs_for_role(role, APP_DIR)
    assert specs
    found: dict[str, list[str]] = {}
    own_seen = False  # control: the search must find the user's own college somewhere
    own = re.compile(re.escape("P015") + r"(?!\d)")
    for spec in specs:
        at = login_as(AppTest.from_file(APP_FILE, default_timeout=90), "tester", role, code)
        at.run()
        at.switch_page(spec.file).run()
        assert not at.exception, (spec.file, [e.value for e in at.exception])
        text = b"".join(_payload(at._tree)).decode("utf-8", errors="ignore")
        own_seen = own_seen or bool(own.search(text))
        leaks = _leaks(text, patterns)
        if leaks:
            found[spec.url_path] = leaks
    assert found == {}
    assert own_seen


@pytest.mark.parametrize(("role", "code"), CASES)
def test_downloads_show_nothing_outside_the_scope(role: Role, code: str) -> None:
    scope = Scope(role, code, "tester")
    patterns = _patterns(_outsiders(scope))
    found: dict[str, list[str]] = {}
    with db.cursor() as cur:
        as_of = engine.default_as_of(cur, scope, COHORT)
        own_colleges = scope.allowed_colleges(cur) or []
        for kind in allowed_kinds(scope):
            codes = [default_code(scope, kind.kind)]
            if kind.needs_scope == "college" and scope.role == "territory":
                codes = list(own_colleges)  # a territory may download the card of each of its colleges
            for code_ in codes:
                data, _name = build_report(cur, scope, kind.kind, COHORT, as_of, code_)
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    text = "".join(z.read(n).decode("utf-8", errors="ignore") for n in z.namelist())
                # XML escapes: compare on the unescaped text too
                text += (
                    text.replace("&quot;", '"')
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                )
                leaks = _leaks(text, patterns)
                if leaks:
                    found[f"{kind.kind}:{code_}"] = leaks
    assert found == {}
