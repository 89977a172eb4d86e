"""The working pages (risk group, ЦСТВ effectiveness, reconciliation and data quality, upload,
settings, methodology) in AppTest, plus the data-layer functions they introduced.

One small hand-made region (tests/factories.Region), cohort 2024, as-of date 04.10.2024:
  P001 (TU01): emp (employed, confirmed by УФНС), informal (гр.13), nostatus (never reported),
               left (informal until September, then employed: left the group for work),
               unconf (employed since 01.07, no УФНС record), czn (employed, registered at a ЦЗН);
  P002 (TU01): p2_inf (informal), p2_emp (employed since 01.07, no УФНС record);
  P003 (TU02): p3_nm (no motivation), p3_emp (continuing education); one update in July only.
Risk group at 04.10.2024 by hand: P001 informal, nostatus, unconf, czn (4); P002 both (2); P003
p3_nm (1) — 7 in the region; «left» is the one exit. ФИС ФРДО: P001 five of six plus one stranger,
P002 both, P003 none — completeness 7 / 10 = 70 %.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from data_layer import audit, db, graduates, loads, risk_measures
from data_layer import cases as case_store
from data_layer.errors import ScopeError, UserFacingError
from data_layer.importer import Problem
from data_layer.scope import Role, Scope
from metrics import criteria, indicators, risk, settings
from ops import cases as case_ops
from tests import helpers
from tests.factories import D, Region, snils_with_checksum
from tests.helpers import APP_FILE, column_config, login_as
from ui import criteria_tables as ct
from ui import upload_view as uv
from ui.registry import PAGE_SPECS

GRAD = D(2024, 6, 28)
SNAPS = (D(2024, 7, 5), D(2024, 8, 2), D(2024, 9, 6), D(2024, 10, 4))
AS_OF = SNAPS[-1]
COHORT = 2024
MASKED = re.compile(r"^\*\*\*-\*\*\*-\d{3} \d{2}$")
CODES: dict[str, str | None] = {"ministry": None, "territory": "TU01", "base_centre": None, "college": "P001"}
MY_PAGES = (
    "pages/screens/risk.py",
    "pages/screens/criteria.py",
    "pages/screens/reconciliation.py",
    "pages/screens/upload.py",
    "pages/screens/settings.py",
    "pages/screens/methodology.py",
)
TITLES = {
    "pages/screens/risk.py": "Группа риска",
    "pages/screens/criteria.py": "Эффективность ЦСТВ",
    "pages/screens/reconciliation.py": "Сверка и качество данных",
    "pages/screens/upload.py": "Загрузка данных",
    "pages/screens/settings.py": "Настройки показателей",
    "pages/screens/methodology.py": "Методика",
}


def build_region(path: Path) -> dict[str, str]:
    """The region described in the module docstring; returns person keys by name."""
    r = Region(path)
    k: dict[str, str] = {}
    for name in ("emp", "informal", "nostatus", "left", "unconf", "czn"):
        k[name] = r.graduate(college="P001", graduation=GRAD)
    for snap in SNAPS:
        r.status(k["emp"], snap, "employed", start=D(2024, 7, 1), by_specialty=True)
        r.status(k["informal"], snap, "informal")
        r.status(k["left"], snap, "informal" if snap < D(2024, 9, 1) else "employed")
        r.status(k["unconf"], snap, "employed", start=D(2024, 7, 1))
        r.status(k["czn"], snap, "employed", start=D(2024, 9, 1))
    r.ufns(k["emp"], D(2024, 7, 1), extract=D(2024, 10, 1))
    r.czn(k["czn"], D(2024, 9, 10), extract=D(2024, 10, 1))
    k["p2_inf"] = r.graduate(college="P002", graduation=GRAD)
    k["p2_emp"] = r.graduate(college="P002", graduation=GRAD)
    for snap in (SNAPS[0], SNAPS[-1]):
        r.status(k["p2_inf"], snap, "informal", college="P002")
        r.status(k["p2_emp"], snap, "employed", college="P002", start=D(2024, 7, 1))
    k["p3_nm"] = r.graduate(college="P003", graduation=GRAD)
    k["p3_emp"] = r.graduate(college="P003", graduation=GRAD)
    r.status(k["p3_nm"], SNAPS[0], "no_motivation", college="P003")
    r.status(k["p3_emp"], SNAPS[0], "continuing_education", college="P003")
    for name in ("emp", "informal", "nostatus", "left", "unconf"):
        r.frdo(k[name], "P001", D(2024, 6, 30))
    r.frdo(snils_with_checksum(111_111_111), "P001", D(2024, 6, 30))
    for name in ("p2_inf", "p2_emp"):
        r.frdo(k[name], "P002", D(2024, 6, 30))
    con = r.done()
    con.execute(
        "UPDATE status_rows SET support_measures = 'Направлен на ярмарку вакансий' "
        "WHERE person_key = ? AND snapshot_date = ?",
        [k["informal"], SNAPS[1]],
    )
    con.close()
    return k


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The region built once per module; each test works on its own copy of the file."""
    path = tmp_path_factory.mktemp("work") / "template.duckdb"
    return path, build_region(path)


def open_page(page: str, role: Role, code: str | None = None, **state: object) -> AppTest:
    """`page` as user t_<role>, cohort 2024 as of 04.10.2024, with nothing failed on screen."""
    at = helpers.open_page(
        page,
        role,
        code,
        username=f"t_{role}",
        query_params={"cohort": str(COHORT), "as_of": AS_OF.isoformat()},
        state=state,
    )
    assert_clean(at)
    return at


def plain(text: str) -> str:
    """Markdown source as the reader sees it: user text reaches Markdown escaped (ui/text.md)."""
    return re.sub(r"\\(.)", r"\1", text)


def assert_clean(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [plain(e.value) for e in at.error]


def click(at: AppTest, label: str) -> AppTest:
    """Click the (form submit) button with this label and rerun."""
    buttons = [b for b in at.button if b.label == label]
    assert len(buttons) == 1, [b.label for b in at.button]
    return buttons[0].click().run()


def metric(at: AppTest, label: str) -> str:
    values = [m.value for m in at.metric if m.label == label]
    assert values, f"no metric «{label}» among {[m.label for m in at.metric]}"
    return values[0]


def tables(at: AppTest, column: str) -> list[pl.DataFrame]:
    """Every dataframe on the page having `column` (display tables carry no key in AppTest)."""
    found = [pl.from_pandas(d.value) for d in at.dataframe]
    return [f for f in found if column in f.columns]


def abbreviations(names: pl.Series) -> list[str]:
    """«ГБПОУ «…» (СПК)» -> «СПК»: the abbreviation a full college name ends with."""
    return [re.sub(r"^.* \((.+)\)$", r"\1", n) for n in names.to_list()]


def table(at: AppTest, column: str) -> pl.DataFrame:
    """The first dataframe on the page having `column`."""
    found = tables(at, column)
    assert found, f"no table with column «{column}»"
    return found[0]


def selectable(at: AppTest, key: str) -> pl.DataFrame:
    """A dataframe with row selection (a widget: found by its key)."""
    return pl.from_pandas(at.get_by_key(key).value)  # type: ignore[union-attr]


def has_key(at: AppTest, key: str) -> bool:
    try:
        at.get_by_key(key)
    except KeyError:
        return False
    return True


def cur_of(path: Path):  # type: ignore[no-untyped-def]
    return db.open_database(path).cursor()


# ---------------------------------------------------------------- every page under every allowed role


ALLOWED = [(spec.file, role) for spec in PAGE_SPECS if spec.file in MY_PAGES for role in sorted(spec.roles)]


@pytest.mark.parametrize(("page", "role"), ALLOWED, ids=[f"{p.split('/')[-1]}-{r}" for p, r in ALLOWED])
def test_page_opens_for_every_allowed_role(
    region: tuple[Path, dict[str, str]], page: str, role: Role
) -> None:
    at = open_page(page, role, CODES[role])
    assert [t.value for t in at.title] == [TITLES[page]]


def test_pages_of_other_roles_are_not_registered(region: tuple[Path, dict[str, str]]) -> None:
    at = AppTest.from_file(APP_FILE, default_timeout=60)
    login_as(at, "t_ministry", "ministry")
    at.run()
    for page in (
        "pages/screens/risk.py",
        "pages/screens/upload.py",
        "pages/screens/settings.py",
        "pages/screens/reconciliation.py",
    ):
        with pytest.raises(ValueError):
            at.switch_page(page)


def test_empty_database_explains_what_to_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "empty.duckdb"
    Region(path).done().close()
    monkeypatch.setenv("VYPUSK_DB", str(path))
    monkeypatch.setenv("VYPUSK_CREDENTIALS", str(tmp_path / "credentials.yaml"))
    try:
        for page in ("pages/screens/risk.py", "pages/screens/criteria.py", "pages/screens/reconciliation.py"):
            at = open_page(page, "base_centre")
            assert any("Данных о выпускниках пока нет" in plain(i.value) for i in at.info)
    finally:
        db.close_all()


# ---------------------------------------------------------------- risk group


@pytest.mark.parametrize(("role", "code", "expected"), [("base_centre", None, 7), ("college", "P001", 4)])
def test_risk_headline_equals_metrics(
    region: tuple[Path, dict[str, str]], role: Role, code: str | None, expected: int
) -> None:
    path, _ = region
    at = open_page("pages/screens/risk.py", role, code)
    with cur_of(path) as cur:
        counts = risk.risk_counts(cur, Scope(role, code), COHORT, AS_OF, settings.risk_thresholds(cur))
    assert int(counts["risk_count"].sum()) == expected
    assert metric(at, "В группе риска") == str(expected)
    assert metric(at, "Вышли из группы") == "1"
    register = selectable(at, "risk_in_table")
    assert register.height == expected
    assert all(MASKED.match(s) for s in register["СНИЛС"].to_list())
    assert ("ПОО" in register.columns) == (role == "base_centre")
    exited = selectable(at, "risk_out_table")
    assert exited["В работу или учёбу"].to_list() == ["да"]


def test_risk_filters_by_college_and_reason(region: tuple[Path, dict[str, str]]) -> None:
    at = open_page("pages/screens/risk.py", "base_centre")
    at.selectbox(key="risk_college").set_value("P002").run()
    assert_clean(at)
    assert metric(at, "В группе риска") == "2"
    at.multiselect(key="risk_reason").set_value(["unconfirmed_work"]).run()
    register = selectable(at, "risk_in_table")
    assert register.height == 1
    assert register["Причины"].to_list() == ["не подтверждено УФНС"]


def test_college_records_a_measure_in_place(region: tuple[Path, dict[str, str]]) -> None:
    path, keys = region
    with cur_of(path) as cur:
        version_before = db.dataset_version(cur)
    at = open_page("pages/screens/risk.py", "college", "P001")
    register = selectable(at, "risk_in_table")
    row = register["СНИЛС"].to_list().index(graduates.mask_snils(keys["informal"]))
    at.session_state["risk_in_table"] = {"selection": {"rows": [row], "columns": [], "cells": []}}
    at.run()
    assert_clean(at)
    assert any("Направлен на ярмарку вакансий" in plain(m.value) for m in at.markdown)
    # the graduate's case: opened on the first Friday in the group (05.07.2024), still open
    assert any("Случай 1: Открыт.** Открыт 05.07.2024" in plain(m.value) for m in at.markdown)
    at.selectbox(key="risk_in_measure_form_new_type").set_value("consultation")
    at.text_input(key="risk_in_measure_form_new_who").input("Петрова А. А.")
    at.date_input(key="risk_in_measure_form_new_date").set_value(D(2024, 10, 2))
    at.text_area(key="risk_in_measure_form_new_text").input("Консультация, предложены вакансии ЦЗН")
    click(at, "Записать меру")
    assert_clean(at)
    assert [plain(s.value) for s in at.success] == ["Мера записана."]
    with cur_of(path) as cur:
        stored = case_store.measure_list(cur, Scope("base_centre"), COHORT)
        assert stored.select(
            "college_code",
            "person_key",
            "measure_type",
            "measure_date",
            "description",
            "responsible",
            "created_by",
        ).rows() == [
            (
                "P001",
                keys["informal"],
                "consultation",
                D(2024, 10, 2),
                "Консультация, предложены вакансии ЦЗН",
                "Петрова А. А.",
                "t_college",
            )
        ]
        assert db.dataset_version(cur) == version_before  # measures change no figure
        assert audit.read_log(cur, action="case_measure").height == 1
    history = table(at, "Описание")
    assert history["Описание"].to_list() == ["Консультация, предложены вакансии ЦЗН"]
    assert history["Результат"].to_list() == ["в работе"]


def test_college_cannot_record_a_measure_for_another_college(region: tuple[Path, dict[str, str]]) -> None:
    path, keys = region
    p001 = Scope("college", "P001", "ivanova")
    day = D(2024, 10, 1)

    def add(scope: Scope, college: str, key: str, who: str = "Петрова") -> int:
        return case_ops.add_measure(cur, scope, college, COHORT, key, "consultation", who, day, day)

    with cur_of(path) as cur:
        with pytest.raises(ScopeError):
            add(p001, "P002", keys["p2_inf"])
        # Naming its own college does not help: the graduate is not in its list.
        with pytest.raises(UserFacingError):
            add(p001, "P001", keys["p2_inf"])
        with pytest.raises(ScopeError):
            add(Scope("territory", "TU01"), "P001", keys["informal"])
        with pytest.raises(UserFacingError):
            add(p001, "P001", keys["informal"], who="   ")
        assert cur.execute("SELECT count(*) FROM case_measures").fetchall() == [(0,)]
        assert audit.read_log(cur, action="case_measure").is_empty()
        # The base centre may record for any college; each college sees only its own measures.
        add(Scope("base_centre"), "P002", keys["p2_inf"])
        assert case_store.measure_list(cur, p001, COHORT).is_empty()
        assert case_store.measure_list(cur, Scope("college", "P002"), COHORT).height == 1
        with pytest.raises(ScopeError):
            case_store.measure_list(cur, Scope("ministry"), COHORT)
        with pytest.raises(ScopeError):
            case_store.measure_list(cur, p001, COHORT, college="P002")


def test_imported_support_measures_latest_non_empty(region: tuple[Path, dict[str, str]]) -> None:
    path, keys = region
    with cur_of(path) as cur:
        got = risk_measures.imported_measures(cur, Scope("college", "P001"), COHORT, AS_OF)
        assert got.select("person_key", "support_measures", "snapshot_date").rows() == [
            (keys["informal"], "Направлен на ярмарку вакансий", SNAPS[1])
        ]
        assert risk_measures.imported_measures(cur, Scope("college", "P001"), COHORT, SNAPS[0]).is_empty()
        assert risk_measures.imported_measures(cur, Scope("college", "P002"), COHORT, AS_OF).is_empty()


# ---------------------------------------------------------------- criteria


@pytest.mark.parametrize(
    ("role", "code", "colleges"),
    [("ministry", None, 3), ("territory", "TU01", 2), ("college", "P001", 1), ("base_centre", None, 3)],
)
def test_rating_rows_follow_the_scope(
    region: tuple[Path, dict[str, str]], role: Role, code: str | None, colleges: int
) -> None:
    path, _ = region
    at = open_page("pages/screens/criteria.py", role, code)
    shown = table(at, "Итого баллов")
    with cur_of(path) as cur:
        expected = criteria.rating(cur, Scope(role, code), COHORT, AS_OF)
    assert shown.height == colleges == expected.height
    # the college by its full name with the abbreviation; points are numbers
    assert abbreviations(shown["ПОО"]) == expected["short_name"].to_list()
    assert all(len(n) > len(a) + 3 for n, a in zip(shown["ПОО"], expected["short_name"], strict=True))
    assert shown["Итого баллов"].to_list() == [round(x, 2) for x in expected["score"].to_list()]
    config = column_config(next(d for d in at.dataframe if "Итого баллов" in d.value.columns))
    assert config["Итого баллов"]["type_config"]["format"] == "localized"
    assert shown["Место"].to_list() == expected["rank"].to_list()
    if role == "college":
        assert metric(at, "Место в рейтинге") == "1 из 3"
        assert metric(at, "Баллы") == ct.fmt_points(float(expected["score"][0]))
    assert len(at.tabs) == (5 if role == "base_centre" else 4)  # the editor is the base centre's only


FRDO_ROW = 6  # «Полнота ФИС ФРДО» in the starting set


def _edit_weight(at: AppTest, gen: int, row: int, weight: str) -> None:
    at.session_state[f"crit_{COHORT}_{gen}_main"] = {
        "edited_rows": {row: {ct.C_WEIGHT: weight}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    assert_clean(at)


def test_what_if_shows_rank_changes_before_publishing(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    at = open_page("pages/screens/criteria.py", "base_centre")
    # Published: СПК 10,25, СМК 8, ТТК 3. Weight 2 on ФИС ФРДО completeness (СМК 100 % -> 5 points)
    # gives СМК 13 and moves it above СПК.
    _edit_weight(at, 0, FRDO_ROW, "2")
    diff = table(at, "Изменение места (+ выше)")  # the signed change: a number
    assert diff["ПОО"].str.ends_with(")").all()  # full names with the abbreviation
    rows = dict(zip(abbreviations(diff["ПОО"]), diff.iter_rows(named=True), strict=True))
    change = "Изменение места (+ выше)"
    assert (rows["СМК"]["Место сейчас"], rows["СМК"]["Место по черновику"], rows["СМК"][change]) == (2, 1, 1)
    assert (rows["СПК"]["Место сейчас"], rows["СПК"]["Место по черновику"], rows["СПК"][change]) == (1, 2, -1)
    assert rows["ТТК"][change] == 0
    assert rows["СМК"]["Баллы по черновику"] == 13.0
    with cur_of(path) as cur:  # nothing stored by a preview (the starting set is not even written)
        assert criteria.versions(cur, COHORT) == []


def test_publish_makes_the_version_immutable_and_next_draft_is_version_plus_one(
    region: tuple[Path, dict[str, str]],
) -> None:
    path, _ = region
    at = open_page("pages/screens/criteria.py", "base_centre")
    _edit_weight(at, 0, FRDO_ROW, "2")
    at.button(key="crit_save").click().run()
    assert_clean(at)
    assert [plain(s.value) for s in at.success] == ["Черновик версии 2 сохранён."]
    at.button(key="crit_publish").click().run()
    assert_clean(at)
    at.button(key="crit_publish_confirm").click().run()
    assert_clean(at)
    assert [plain(s.value) for s in at.success] == [f"Опубликована версия 2 критериев {COHORT} г."]
    with cur_of(path) as cur:
        v2 = criteria.published(cur, COHORT)
        assert (v2.version, v2.status, v2.published_by) == (2, "published", "t_base_centre")
        assert {c.id: c.weight for c in v2.criteria}["frdo"] == 2.0
        frozen = v2.to_json()
        assert audit.read_log(cur, action="criteria_publish").height == 1
    # The rating now follows version 2 (СМК first); a new edit creates draft 3 and leaves 2 alone.
    assert abbreviations(table(at, "Итого баллов")["ПОО"])[0] == "СМК"
    _edit_weight(at, 2, FRDO_ROW, "3")  # editor generation 2: after the save and the publication
    at.button(key="crit_save").click().run()
    assert_clean(at)
    with cur_of(path) as cur:
        assert [(v.version, v.status) for v in criteria.versions(cur, COHORT)] == [
            (1, "published"),
            (2, "published"),
            (3, "draft"),
        ]
        assert criteria.published(cur, COHORT, 2).to_json() == frozen
        assert {c.id: c.weight for c in criteria.draft(cur, COHORT).criteria}["frdo"] == 3.0  # type: ignore[union-attr]
    # Any published version's rating can be shown again.
    at.selectbox(key="crit_history_version").set_value(1).run()
    assert abbreviations(tables(at, "Итого баллов")[1]["ПОО"])[0] == "СПК"


def test_discarding_a_draft_keeps_the_published_set(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    at = open_page("pages/screens/criteria.py", "base_centre")
    _edit_weight(at, 0, FRDO_ROW, "2")
    at.button(key="crit_save").click().run()
    at.button(key="crit_discard").click().run()
    assert_clean(at)
    assert [plain(s.value) for s in at.success] == ["Черновик удалён."]
    with cur_of(path) as cur:
        assert [(v.version, v.status) for v in criteria.versions(cur, COHORT)] == [(1, "published")]
        assert audit.read_log(cur, action="criteria_draft")["details"].to_list() == [
            "черновик удалён",
            "черновик сохранён",
        ]
    assert abbreviations(table(at, "Итого баллов")["ПОО"]) == ["СПК", "СМК", "ТТК"]


def test_criteria_editor_refuses_a_broken_set(region: tuple[Path, dict[str, str]]) -> None:
    at = open_page("pages/screens/criteria.py", "base_centre")
    at.session_state[f"crit_{COHORT}_0_main"] = {
        "edited_rows": {},
        "added_rows": [{ct.C_NAME: "Без кода", ct.C_METRIC: "timeliness", ct.C_WEIGHT: "1"}],
        "deleted_rows": [],
    }
    at.run()
    assert not at.exception
    assert any("укажите код критерия" in plain(w.value) for w in at.warning)
    assert not has_key(at, "crit_save")


def test_criteria_cells_take_the_russian_decimal_comma(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    at = open_page("pages/screens/criteria.py", "base_centre")
    # The editor's number cells are text cells (a browser number cell refuses «2,5»).
    config = column_config(at.get_by_key(f"crit_{COHORT}_0_main"))
    assert config[ct.C_WEIGHT]["type_config"]["type"] == "text"
    _edit_weight(at, 0, FRDO_ROW, "2,5")
    at.button(key="crit_save").click().run()
    assert_clean(at)
    with cur_of(path) as cur:
        assert {c.id: c.weight for c in criteria.draft(cur, COHORT).criteria}["frdo"] == 2.5  # type: ignore[union-attr]
    # Not a number: a Russian message naming the row and the column, nothing can be saved.
    _edit_weight(at, 1, FRDO_ROW, "2,5 балла")
    warnings = [plain(w.value) for w in at.warning]
    assert any("«Вес»: «2,5 балла» — не число" in w for w in warnings), warnings
    assert not has_key(at, "crit_save")


def test_criteria_tables_parse_decimal_cells() -> None:
    start = criteria.starting_set(COHORT)
    rows = ct.criteria_frame(start).to_dicts()
    assert all(isinstance(r[ct.C_WEIGHT], str) for r in rows)
    rules = {c.id: ct.rules_frame(start, c.id, c.metric).to_dicts() for c in start.criteria}
    rows[0][ct.C_WEIGHT] = "1 234,5"
    first = start.criteria[0]
    if first.scale.kind == "step":
        rules[first.id][0][ct.R_POINTS] = "7,25"
    built = ct.build_set(start, rows, rules, high_from=1.0, medium_from=0.5, comment="")
    assert built.criteria[0].weight == 1234.5
    if first.scale.kind == "step":
        assert built.criteria[0].scale.rules[0].points == 7.25
    rows[0][ct.C_WEIGHT] = "1.2.3"
    rows[1][ct.C_WEIGHT] = ""
    with pytest.raises(UserFacingError) as err:
        ct.build_set(start, rows, rules, high_from=1.0, medium_from=0.5, comment="")
    text = str(err.value)
    assert f"строка 1 («{start.criteria[0].name}»), «Вес»: «1.2.3» — не число" in text
    assert f"строка 2 («{start.criteria[1].name}»): укажите вес." in text
    assert ct.decimal_text(62.5) == "62,5" and ct.decimal_text(80.0) == "80" and ct.decimal_text(None) is None


def test_criteria_tables_round_trip() -> None:
    start = criteria.starting_set(COHORT)
    rules = {c.id: ct.rules_frame(start, c.id, c.metric).to_dicts() for c in start.criteria}
    rebuilt = ct.build_set(
        start,
        ct.criteria_frame(start).to_dicts(),
        rules,
        high_from=start.high_from,
        medium_from=start.medium_from,
        comment=start.comment,
    )
    # Compared as stored (points become floats when a set is read back).
    assert criteria.from_json(COHORT, rebuilt.to_json()) == criteria.from_json(COHORT, start.to_json())
    assert ct.fmt_points(10.25) == "10,25" and ct.fmt_points(4.0) == "4" and ct.fmt_points(None) == "—"
    # The vectorised twin used in tables gives the same strings.
    values = [10.25, 4.0, 0.0, 100.0, 10.5, None, 58.0]
    points = pl.DataFrame({"x": values}, schema={"x": pl.Float64}).select(ct.points_expr("x")).to_series()
    assert points.to_list() == [ct.fmt_points(v) for v in values]


# ---------------------------------------------------------------- reconciliation and data quality


def test_reconciliation_figures_and_personal_data(region: tuple[Path, dict[str, str]]) -> None:
    at = open_page("pages/screens/reconciliation.py", "base_centre")
    assert metric(at, "По спискам ПОО") == "10"
    assert metric(at, "В ФИС ФРДО") == "8"
    assert metric(at, "Полнота ФИС ФРДО") == "70,0\u00a0%"
    diff = table(at, "Где есть")  # P001: one only in the list, one only in ФИС ФРДО
    assert sorted(diff["Где есть"].to_list()) == ["Только в ФИС ФРДО", "Только в списке ПОО"]
    assert all(MASKED.match(s) for s in diff["СНИЛС"].to_list())
    at.toggle(key="recon_full_snils").set_value(True).run()
    assert "111-111-111 45" in table(at, "Где есть")["СНИЛС"].to_list()
    conflicts = table(at, "Что проверить")
    assert conflicts.height == 4  # left, unconf, czn (P001), p2_emp (P002): unconfirmed work
    assert metric(at, "Конфликты с ЦЗН") == "1"
    # The territory sees aggregates only: no differences by СНИЛС, no conflict list.
    tu = open_page("pages/screens/reconciliation.py", "territory", "TU01")
    assert not tables(tu, "Где есть") and not tables(tu, "Что проверить")
    recon = table(tu, "Решение ТУ")
    assert abbreviations(recon["ПОО"]) == ["СМК", "СПК"]  # full names with the abbreviation
    assert recon["Полнота ФИС ФРДО"].dtype == pl.Float64  # a share as a number (sorted as a number)


def test_territory_and_college_confirm_or_return(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    tu = open_page("pages/screens/reconciliation.py", "territory", "TU01")
    tu.selectbox(key="recon_decide_college").set_value("P001")
    click(tu, "Отправить решение")
    assert_clean(tu)
    row = table(tu, "Решение ТУ").filter(pl.col("ПОО").str.ends_with("(СПК)")).row(0, named=True)
    assert row["Решение ТУ"].startswith("Подтверждено — t_territory, ")
    assert metric(tu, "Подтвердили ТУ") == "1 из 2"

    college = open_page("pages/screens/reconciliation.py", "college", "P001")
    college.radio(key="recon_decision").set_value("returned")
    click(college, "Отправить решение")
    assert [plain(e.value) for e in college.error] == [
        "При возврате укажите комментарий: что нужно исправить."
    ]
    college.radio(key="recon_decision").set_value("returned")
    college.text_area(key="recon_comment").input("В ФИС ФРДО лишний диплом")
    click(college, "Отправить решение")
    assert_clean(college)
    with cur_of(path) as cur:
        stored = cur.execute(
            "SELECT college_code, party, decision, comment, username FROM reconciliation_decisions ORDER BY party"
        ).fetchall()
    assert stored == [
        ("P001", "college", "returned", "В ФИС ФРДО лишний диплом", "t_college"),
        ("P001", "territory", "confirmed", None, "t_territory"),
    ]


def test_timeliness_marks_late_colleges(region: tuple[Path, dict[str, str]]) -> None:
    at = open_page("pages/screens/reconciliation.py", "base_centre")
    shown = table(at, "Дней без обновления")
    # ТТК last updated 05.07.2024: 91 days before 04.10.2024; the others on 04.10.2024.
    assert shown.select("ПОО", "Состояние", "Дней без обновления").rows() == [
        ("ТТК", "⚠ опаздывает", 91),
        ("СМК", "в срок", 0),
        ("СПК", "в срок", 0),
    ]
    assert any("Опаздывают с обновлением: 1 из 3 ПОО — ТТК" in plain(w.value) for w in at.warning)


# ---------------------------------------------------------------- upload


def _graduates_csv(rows: list[tuple[str, str]]) -> bytes:
    head = "СНИЛС;Фамилия;Имя;Дата рождения;Пол;Код ПОО;Код специальности;Форма обучения;Дата выпуска"
    lines = [head] + [
        f"{s};Петров;Пётр;01.02.2004;М;{college};09.02.07;очная;30.06.2024" for s, college in rows
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_upload_shows_every_error_in_russian_and_stores_nothing(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    with cur_of(path) as cur:
        before = cur.execute("SELECT count(*) FROM graduates").fetchall()
        version = db.dataset_version(cur)
    bad = _graduates_csv(
        [
            (snils_with_checksum(300_000_001), "P001"),
            ("123-456-789 00", "P001"),  # wrong check number
            (snils_with_checksum(300_000_002), "P002"),  # another college's row
        ]
    )
    at = open_page("pages/screens/upload.py", "college", "P001")
    at.file_uploader(key="upload_files_0").set_value(("выпуск.csv", bad, "text/csv")).run()
    at.button(key="upload_go").click().run()
    assert not at.exception
    assert [plain(e.value) for e in at.error] == [
        "Файл «выпуск.csv» не загружен: 2 ошибки. Данные в системе не изменены; исправьте файл и загрузите его снова."
    ]
    errors = pl.from_pandas(at.table[0].value)  # a wrapping table: «Проблема» is never cut off
    assert errors.columns == ["Строка", "Столбец", "Значение", "Проблема"]
    assert errors["Строка"].to_list() == ["3", "4"]
    assert errors["Значение"].to_list() == ["***-***-789 00", "P002"]  # СНИЛС masked in the problem list
    assert "контрольное число" in errors["Проблема"][0]
    assert any(b.label == "Скачать список ошибок (Excel)" for b in at.get("download_button"))  # type: ignore[attr-defined]
    with cur_of(path) as cur:
        assert cur.execute("SELECT count(*) FROM graduates").fetchall() == before
        assert cur.execute("SELECT count(*) FROM loads").fetchall() == [(0,)]
        assert db.dataset_version(cur) == version
        assert audit.read_log(cur, action="upload_rejected").height == 1


def test_upload_stores_a_good_file_and_lists_it(region: tuple[Path, dict[str, str]]) -> None:
    path, keys = region
    names = ("emp", "informal", "nostatus", "left", "unconf", "czn")
    text = "СНИЛС;Код ПОО;Дата актуализации;Статус\n" + "".join(
        f"{keys[n]};P001;11.10.2024;employed\n" for n in names
    )
    at = open_page("pages/screens/upload.py", "college", "P001")
    at.file_uploader(key="upload_files_0").set_value(("статусы.csv", text.encode("utf-8"), "text/csv")).run()
    at.button(key="upload_go").click().run()
    assert_clean(at)
    with cur_of(path) as cur:  # previewed, not stored yet
        assert cur.execute("SELECT count(*) FROM loads").fetchall() == [(0,)]
    at.button(key="upload_confirm").click().run()
    assert_clean(at)
    assert len(at.success) == 1 and "загружен" in at.success[0].value
    history = table(at, "Вид данных")
    assert history.select("Файл", "ПОО", "Строк").rows() == [("статусы.csv", "P001", 6)]
    with cur_of(path) as cur:
        assert cur.execute(
            "SELECT count(*) FROM status_rows WHERE snapshot_date = DATE '2024-10-11'"
        ).fetchall() == [(6,)]
    # Another college does not see that load.
    other = open_page("pages/screens/upload.py", "college", "P002")
    assert not tables(other, "Вид данных")


def test_upload_helpers(tmp_path: Path) -> None:
    problems = [
        Problem(3, "СНИЛС", "1", "Плохой СНИЛС", "error"),
        Problem(None, None, None, "Пустой файл", "error"),
    ]
    assert uv.problems_frame(problems).rows() == [
        (3, "СНИЛС", "1", "Плохой СНИЛС"),
        (None, "", "", "Пустой файл"),
    ]
    for name in (
        "01_territories.xlsx",
        "05_graduates.xlsx",
        "06_statuses.csv",
        "broken_statuses.xlsx",
        "x.txt",
    ):
        (tmp_path / name).write_bytes(b"x")
    assert [e.kind for e in uv.example_files(tmp_path, ("graduates", "statuses"))] == [
        "graduates",
        "statuses",
    ]
    assert [e.kind for e in uv.example_files(tmp_path, ("territories", "graduates", "statuses"))] == [
        "territories",
        "graduates",
        "statuses",
    ]
    assert uv.example_files(tmp_path / "missing", ("graduates",)) == []
    assert "«СНИЛС»" in uv.columns_text("statuses")


def test_load_history_scope(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    with cur_of(path) as cur:
        for n, college in enumerate(("P001", "P001,P002", None), start=1):
            cur.execute(
                "INSERT INTO loads (load_id, loaded_at, username, file_name, checksum, kind, college_code, scope_key, rows, warnings, replaced_rows) VALUES (?, now(), 'u', 'f.csv', 'c', 'statuses', ?, NULL, 1, 0, 0)",
                [n, college],
            )
        assert loads.load_history(cur, Scope("base_centre"))["load_id"].to_list() == [3, 2, 1]
        # a college sees its own loads only, not a region file that also held its rows (issue 13)
        assert loads.load_history(cur, Scope("college", "P002"))["load_id"].to_list() == []
        assert loads.load_history(cur, Scope("college", "P001"))["load_id"].to_list() == [1]
        assert loads.load_history(cur, Scope("base_centre"), limit=1)["load_id"].to_list() == [3]


def test_mask_snils() -> None:
    assert graduates.mask_snils("12345678901") == "***-***-789 01"
    assert graduates.mask_snils("123-456-789 01") == "***-***-789 01"
    assert graduates.mask_snils(None) == "—"
    assert graduates.format_snils("12345678901") == "123-456-789 01"
    column = pl.DataFrame({"s": ["12345678901", None, "123"]})
    assert column.select(graduates.masked_snils_expr("s")).to_series().to_list() == [
        "***-***-789 01",
        "—",
        "—",
    ]
    assert column.select(graduates.formatted_snils_expr("s")).to_series().to_list() == [
        "123-456-789 01",
        "—",
        "—",
    ]


# ---------------------------------------------------------------- settings


def test_changing_n1_is_audited_and_recomputes_the_risk_group(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    at = open_page("pages/screens/settings.py", "base_centre")
    # «nostatus» has had no status for 14 weeks on 04.10.2024: with N1 = 20 it leaves the group.
    at.number_input(key="settings_risk_n1_weeks_0").set_value(20)
    click(at, "Сохранить")
    assert_clean(at)
    assert [plain(s.value) for s in at.success] == ["Настройки сохранены; показатели пересчитаны."]
    with cur_of(path) as cur:
        assert settings.risk_thresholds(cur).n1_weeks == 20
        log = audit.read_log(cur, action="settings_change")
        assert log["details"].to_list() == ["risk_n1_weeks: 8 → 20"]
    at.switch_page("pages/screens/risk.py").run()
    assert_clean(at)
    assert metric(at, "В группе риска") == "6"


def test_target_and_custom_indicator_versions(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    at = open_page("pages/screens/settings.py", "base_centre")
    at.number_input(key="settings_target_value_0").set_value(70.0)
    click(at, "Сохранить цель")
    assert_clean(at)
    with cur_of(path) as cur:
        assert indicators.get_target(cur, "employment_federal", COHORT) == (0.7, COHORT)
    at.text_input(key="settings_custom_id_1___new__").input("work_or_study")
    at.text_input(key="settings_custom_name_1___new__").input("Работают или учатся")
    at.multiselect(key="settings_custom_num_1___new__").set_value(["employed", "continuing_education"])
    click(at, "Сохранить новую версию")
    assert_clean(at)
    at.selectbox(key="settings_custom_pick").set_value("work_or_study").run()
    at.multiselect(key="settings_custom_exc_2_work_or_study").set_value(["foreign_no_snils"])
    click(at, "Сохранить новую версию")
    assert_clean(at)
    assert [plain(s.value) for s in at.success] == ["Показатель «Работают или учатся» сохранён, версия 2."]
    with cur_of(path) as cur:
        ind = indicators.get_indicator(cur, "work_or_study")
        assert (ind.version, ind.numerator, ind.exclusions) == (
            2,
            frozenset({"employed", "continuing_education"}),
            frozenset({"foreign_no_snils"}),
        )
        assert audit.read_log(cur, action="settings_change").height == 3
        assert db.dataset_version(cur) == 3


# ---------------------------------------------------------------- methodology


def test_methodology_states_formulas_thresholds_and_attribution(region: tuple[Path, dict[str, str]]) -> None:
    path, _ = region
    at = open_page("pages/screens/methodology.py", "ministry")
    text = "\n".join(plain(m.value) for m in at.markdown)
    with cur_of(path) as cur:
        for ind in indicators.registry(cur).values():
            assert ind.formula() in text
    assert "дольше 8 нед. (N1)" in text
    assert "© OpenStreetMap contributors" in text and "ODbL" in text and "CC BY 4.0" in text
    assert table(at, "Графа федеральной формы").height == 24
    assert table(at, "Максимум баллов").height == 10


def test_dates_shown_in_russian_format() -> None:
    assert uv.history_display(
        pl.DataFrame(
            {
                "load_id": [1],
                "loaded_at": [dt.datetime(2026, 11, 26, 9, 5)],
                "username": ["u"],
                "file_name": ["f.csv"],
                "kind": ["statuses"],
                "college_code": [None],
                "scope_key": [None],
                "rows": [3],
                "warnings": [0],
                "replaced_rows": [0],
            },
            schema_overrides={"college_code": pl.Utf8, "scope_key": pl.Utf8},
        )
    ).row(0)[1:6] == (
        "26.11.2026 09:05",
        "u",
        "f.csv",
        "Статусы выпускников (оперативный мониторинг)",
        "вся область",
    )


def test_schedule_is_set_on_the_settings_page_and_audited(region: tuple[Path, dict[str, str]]) -> None:
    from metrics import timeliness

    path, _ = region
    at = open_page("pages/screens/settings.py", "base_centre")
    assert any("по пятницам до 18:00" in plain(m.value) for m in at.markdown)
    at.selectbox(key=f"settings_sched_day_0_{COHORT}").set_value(3)
    at.number_input(key=f"settings_sched_hour_0_{COHORT}").set_value(12)
    click(at, "Сохранить график")
    assert_clean(at)
    assert [plain(s.value) for s in at.success] == [
        f"График выпуска {COHORT} г.: по средам до 12:00 (самарское время)."
    ]
    with cur_of(path) as cur:
        got = timeliness.get_schedule(cur, COHORT)
        assert (got.weekday, got.hour, got.every_weeks) == (3, 12, 1)
        assert audit.read_log(cur, action="schedule_change").height == 1


# ---------------------------------------------------------------- frozen rating and objections


def _publish_and_change(path: Path, keys: dict[str, str]) -> None:
    """Publish the rating on AS_OF, then newer data: ТТК's «no motivation» graduate is employed."""
    from data_layer.spells import rebuild_spells
    from ops import rating as ops_rating

    with cur_of(path) as cur:
        ops_rating.publish(cur, Scope("base_centre", None, "bc"), COHORT, AS_OF, "для выплат")
        cur.execute(
            "INSERT INTO status_rows (college_code, snapshot_date, cohort, person_key, status) "
            "VALUES ('P003', ?, ?, ?, 'employed')",
            [SNAPS[-1], COHORT, keys["p3_nm"]],
        )
        rebuild_spells(cur, [("P003", COHORT)])
        db.bump_dataset_version(cur)


def test_publish_button_freezes_the_rating(region: tuple[Path, dict[str, str]]) -> None:
    from metrics.criteria import publication

    path, _ = region
    at = open_page("pages/screens/criteria.py", "base_centre")
    assert any("не опубликован" in plain(i.value) for i in at.info)
    at.text_input(key="rating_publish_reason").input("для стимулирующих выплат")
    click(at, "Опубликовать рейтинг")
    assert_clean(at)
    assert any(f"Опубликован рейтинг на {AS_OF:%d.%m.%Y}" in plain(s.value) for s in at.success)
    with cur_of(path) as cur:
        pub = publication.latest_publication(cur, COHORT, AS_OF)
        assert pub is not None and pub.reason == "для стимулирующих выплат" and pub.colleges_total == 3
        assert audit.read_log(cur, action="rating_publish").height == 1


@pytest.mark.parametrize(
    ("role", "code", "colleges"),
    [("ministry", None, 3), ("territory", "TU01", 2), ("college", "P003", 1), ("base_centre", None, 3)],
)
def test_published_rating_with_current_calculation_beside(
    region: tuple[Path, dict[str, str]], role: Role, code: str | None, colleges: int
) -> None:
    from metrics.criteria import publication

    path, keys = region
    _publish_and_change(path, keys)
    at = open_page("pages/screens/criteria.py", role, code)
    assert any(f"Опубликованный рейтинг на {AS_OF:%d.%m.%Y}" in plain(s.value) for s in at.success)
    shown = table(at, "Итого баллов")
    with cur_of(path) as cur:
        pub = publication.latest_publication(cur, COHORT, AS_OF)
        assert pub is not None
        frozen = publication.published_rating(cur, Scope(role, code), pub)
        now = criteria.rating(cur, Scope(role, code), COHORT, AS_OF, pub.criteria_set)
    assert shown.height == colleges == frozen.height
    assert shown["Итого баллов"].to_list() == [round(x, 2) for x in frozen["score"].to_list()]
    current = table(at, "Баллы (текущий расчёт)")
    assert current.height == colleges
    # colleges by their full name with the abbreviation
    got = dict(zip(abbreviations(current["ПОО"]), current["Баллы (текущий расчёт)"], strict=True))
    assert got == {n: round(x, 2) for n, x in zip(now["short_name"], now["score"], strict=True)}
    assert current["ПОО"].str.ends_with(")").all()
    if role in ("college", "ministry", "base_centre"):
        # ТТК gained points with the newer data; the published score stays as issued
        ttk = current.filter(pl.col("ПОО").str.ends_with("(ТТК)")).row(0, named=True)
        assert ttk["Баллы (опубл.)"] != ttk["Баллы (текущий расчёт)"]
        assert ttk["Разница баллов"] not in (None, 0.0)


def test_objection_filed_answered_and_visible(region: tuple[Path, dict[str, str]]) -> None:
    path, keys = region
    _publish_and_change(path, keys)
    at = open_page("pages/screens/criteria.py", "college", "P003")
    at.text_area(key="rating_objection_text").input("Выпускник трудоустроен, срез загружен")
    click(at, "Подать возражение")
    assert_clean(at)
    assert any("Возражение № 1 подано" in plain(s.value) for s in at.success)
    at = open_page("pages/screens/criteria.py", "base_centre")
    at.radio(key="rating_answer_decision").set_value("accepted")
    at.text_area(key="rating_answer_reason").input("Срез учтён")
    click(at, "Ответить")
    assert_clean(at)
    assert any(
        "Возражение № 1 принято" in s.value and "версия публикации 2" in plain(s.value) for s in at.success
    )
    for role, code in (("college", "P003"), ("territory", "TU02"), ("ministry", None)):
        at = open_page("pages/screens/criteria.py", role, code)
        log = table(at, "Ответ базового центра")
        assert log.select("ПОО", "Состояние", "Ответ базового центра").rows() == [
            ("ТТК", "принято, рейтинг переопубликован", "Срез учтён")
        ]
        assert any("версия публикации 2" in plain(s.value) for s in at.success)
        register = table(at, "Версия публикации")
        assert register.select("Версия публикации", "По возражению №", "Причина / комментарий").rows() == [
            (1, None, "для выплат"),
            (2, 1, "Срез учтён"),
        ]
    at = open_page("pages/screens/criteria.py", "territory", "TU01")
    assert not tables(at, "Ответ базового центра")  # another territory's college: not shown


# ТУ and ministry do not see this 2-graduate college's card (small groups are hidden from them)
@pytest.mark.parametrize(("role", "code"), [("college", "P003"), ("base_centre", None)])
def test_college_card_shows_the_published_score_and_the_current_one(
    region: tuple[Path, dict[str, str]], role: Role, code: str | None
) -> None:
    from metrics.criteria import publication

    path, keys = region
    _publish_and_change(path, keys)
    at = login_as(AppTest.from_file(APP_FILE, default_timeout=60), f"t_{role}", role, code)
    at.query_params.update({"cohort": str(COHORT), "as_of": AS_OF.isoformat(), "poo": "P003"})
    at.run()
    at.switch_page("pages/screens/college.py").run()
    assert_clean(at)
    with cur_of(path) as cur:
        pub = publication.latest_publication(cur, COHORT, AS_OF)
        assert pub is not None
        frozen = publication.published_rating(cur, Scope(role, code), pub).filter(
            pl.col("college_code") == "P003"
        )
        now = criteria.rating(cur, Scope(role, code), COHORT, AS_OF, pub.criteria_set).filter(
            pl.col("college_code") == "P003"
        )
    from metrics.formatting import fmt_num

    assert frozen["score"][0] != now["score"][0]  # the newer data changed ТТК's score
    line = next(plain(m.value) for m in at.markdown if "баллов ·" in m.value)
    assert line.startswith(f"**{fmt_num(frozen['score'][0])}** из")
    caption = next(c.value for c in at.caption if "Опубликованный рейтинг" in c.value)
    assert f"{fmt_num(now['score'][0])} баллов, {now['rank'][0]}-е место" in caption
    # the points per criterion are numbers that add up to the published score
    points = table(at, "Максимум")
    assert points["Баллы"].dtype == pl.Float64
    assert sum(points["Баллы"].drop_nulls().to_list()) == pytest.approx(frozen["score"][0], abs=0.05)
