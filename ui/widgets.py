"""Shared rendering bits of the pages: error boundary, scope and context guards, KPI row, empty
states, captions, selection-event handling, table helpers.

Shared by every page; add functions here rather than copying them into pages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import polars as pl
import streamlit as st

from data_layer.errors import ScopeError, UserFacingError
from data_layer.scope import Scope
from metrics import views
from metrics.formatting import fmt_date, fmt_int, fmt_pp
from metrics.risk import RISK_SHARE_NOTE
from ui import cached, maps, monitoring_data
from ui import context as ui_context
from ui import filter_context as mctx
from ui.filter_context import Context
from ui.text import md

log = logging.getLogger("vypusk.pages")

APP_DIR = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- guards


def safe_page(render: Callable[[], None]) -> None:
    """Run a page body; show a Russian error instead of a traceback.

    Streamlit's own control flow (st.rerun, st.stop, st.switch_page) derives from BaseException and
    passes through untouched.
    """
    started = time.perf_counter()
    try:
        render()
        log.info(
            "page %s rendered in %.2f s",
            Path(render.__code__.co_filename).name,
            time.perf_counter() - started,
        )
    except ScopeError as exc:
        log.warning("scope refused: %s", exc)
        st.error(str(exc), icon=":material/lock:")
    except UserFacingError as exc:
        st.error(md(str(exc)), icon=":material/error:")
    except Exception:
        log.exception("page failed")
        st.error(
            "Не удалось показать страницу из-за внутренней ошибки. Обновите страницу; если ошибка "
            "повторяется, сообщите в базовый центр (подробности записаны в журнал сервера).",
            icon=":material/error:",
        )


def action_error(exc: Exception, action: str) -> None:
    """Show the failure of a button action (save, publish, confirm, upload) and keep the page:
    a user-facing error as it is, anything else as one Russian sentence with the traceback logged."""
    if isinstance(exc, UserFacingError):
        st.error(md(str(exc)), icon=":material/error:")
    else:
        log.exception("action %s failed", action)
        st.error(
            "Не удалось выполнить действие из-за внутренней ошибки. Повторите попытку; если ошибка "
            "повторяется, сообщите в базовый центр (подробности записаны в журнал сервера).",
            icon=":material/error:",
        )


def current_scope() -> Scope:
    """The logged-in user's scope (set by the auth gate); stops the page when there is none."""
    scope = st.session_state.get("scope")
    if not isinstance(scope, Scope):
        st.error("Сеанс не определён. Войдите в систему заново.")
        st.stop()
    return scope


def require_role(scope: Scope, roles: frozenset[str] | set[str], what: str) -> None:
    """Defence in depth: the navigation already hides pages a role may not open."""
    if scope.role not in roles:
        st.error(f"{what} недоступна для вашей роли.", icon=":material/lock:")
        st.stop()


def require_context(scope: Scope) -> Context:
    """The view context, or an empty state explaining what to load (and stop)."""
    ctx = ui_context.get_context()
    if ctx is None:
        no_data(scope)
        st.stop()
    return ctx


def mask_small(scope: Scope) -> bool:
    """Aggregate-only roles see «<5» instead of the figures of groups under 5 graduates."""
    return not scope.sees_personal_data


# ---------------------------------------------------------------- page furniture


def page_has(scope: Scope, page_file: str) -> bool:
    """The role may open `page_file` and the page exists (so a st.page_link to it will not fail)."""
    from ui.registry import specs_for_role

    return any(p.file == page_file for p in specs_for_role(scope.role, APP_DIR))


def header(title: str, ctx: Context, indicator_name: str, note: str | None = None) -> None:
    """Page title and the context line: cohort, as-of date, indicator."""
    st.title(md(title))
    line = f"Выпуск {ctx.cohort} г. · на {fmt_date(ctx.as_of)} · {md(indicator_name)}"
    if ctx.forecast:
        line += " · с учётом прогноза"
    st.caption(line + (f" · {md(note)}" if note else ""))
    if ctx.indicator == "risk_share":  # two risk figures on one page: say what each counts
        st.caption(RISK_SHARE_NOTE)


def no_data(scope: Scope) -> None:
    """Empty state: there are no graduates in the scope yet — what to load and where."""
    st.info("Данных о выпускниках пока нет.", icon=":material/inbox:")
    if scope.role in ("base_centre", "college"):
        st.markdown(
            "Чтобы начать, загрузите на странице «Загрузка данных»:\n"
            "1. **справочники** (территориальные управления, муниципалитеты, ПОО, специальности) — базовый центр;\n"
            "2. **списки фактического выпуска** каждой ПОО;\n"
            "3. **еженедельные статусы выпускников**;\n"
            "4. по возможности — выгрузки **УФНС**, **ЦЗН** и **ФИС ФРДО**.\n\n"
            "Для знакомства с системой можно создать демонстрационную базу командой "
            "`vypusk init --sample`."
        )
        if page_has(scope, "pages/screens/upload.py"):
            st.page_link(
                str(APP_DIR / "pages/screens/upload.py"),
                label="Перейти к загрузке данных",
                icon=":material/upload:",
            )
    else:
        st.markdown(
            "Данные загружают ПОО и базовый центр содействия трудоустройству выпускников. "
            "Когда они появятся, здесь будут показатели по региону, территориям и ПОО."
        )


@dataclass(frozen=True)
class Kpi:
    label: str
    value: str
    delta: str | None = None
    good: bool | None = None  # colour of the delta: True good (blue), False bad (orange), None neutral
    up: bool | None = None  # arrow direction; None: no arrow
    help: str | None = None


def target_kpi(row: Mapping[str, Any], label: str = "Значение показателя", help: str | None = None) -> Kpi:
    """The indicator of a group (row of monitoring_data.table) with its distance to the target in п. п.

    `gap` is signed so that negative is always worse (metrics.views.vs_target)."""
    gap = row.get("gap")
    if not isinstance(gap, float):
        return Kpi(label, str(row["rate_label"]), help=help)
    return Kpi(
        label, str(row["rate_label"]), delta=f"{fmt_pp(gap)} к цели", good=gap >= 0, up=gap >= 0, help=help
    )


def change_kpi(row: Mapping[str, Any], lower_is_better: bool) -> Kpi:
    """Change of the indicator since the same date a month earlier."""
    change = row.get("change")
    good = (change > 0) != lower_is_better if isinstance(change, float) and change != 0 else None
    return Kpi(
        "За месяц",
        str(row["change_label"]),
        good=good,
        help="Изменение показателя с той же даты месяцем раньше.",
    )


def graduates_kpi(
    total: int, pending: int, help: str = "Численность фактического выпуска на дату расчёта."
) -> Kpi:
    """«Выпускников» at the as-of date and, beside it, «ещё не выпустились: N»: a graduate counts
    only from his own graduation date (domain §2)."""
    return Kpi(
        "Выпускников",
        fmt_int(total),
        delta=f"ещё не выпустились: {fmt_int(pending)}" if pending else None,
        help=help
        + " Выпускник входит во все показатели с даты своего выпуска; кто выпустится позже, пока не считается.",
    )


def kpi_row(kpis: list[Kpi]) -> None:
    """A row of st.metric cards with pre-formatted Russian values.

    Deltas use colour-blind-safe colours (blue good / orange bad) and an explicit arrow, because
    Streamlit infers direction from an ASCII minus only.
    """
    cols = st.columns(len(kpis))
    for col, k in zip(cols, kpis, strict=True):
        colour = "gray" if k.good is None else ("blue" if k.good else "orange")
        arrow = "off" if k.up is None else ("up" if k.up else "down")
        col.metric(
            k.label,
            k.value,
            delta=k.delta,
            delta_color=colour,  # type: ignore[arg-type]
            delta_arrow=arrow,  # type: ignore[arg-type]
            help=k.help,
            border=True,
        )


def indicator_map(
    fr: monitoring_data.Frame,
    table: pl.DataFrame,
    level: str,
    key: str,
    *,
    selected_tu: str | None = None,
    points: pl.DataFrame | None = None,
    height: int = 460,
) -> Any:
    """The choropleth of `table` (by territory or municipality) with its legend and attribution;
    returns the selection event (read it with map_code)."""
    rows = maps.map_rows(monitoring_data.municipalities(fr), table, level)
    deck = maps.choropleth(
        maps.load_geojson(),
        rows,
        fr.target,
        indicator_name=fr.indicator.name,
        lower_is_better=fr.lower_is_better,
        selected_tu=selected_tu,
        points=points,
    )
    event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key=key, height=height)
    map_legend(fr.target, fr.lower_is_better)
    return event


def map_legend(target: float | None, lower_is_better: bool = False) -> None:
    """Colour legend and the OpenStreetMap attribution under a map."""
    items = " ".join(
        f"<span style='display:inline-block;width:12px;height:12px;background:{c};border:1px solid #888;"
        f"margin:0 4px -1px 10px'></span>{label}"
        for c, label in maps.legend(target, lower_is_better)
    )
    st.markdown(f"<div style='font-size:0.85rem'>{items}</div>", unsafe_allow_html=True)
    attribution()


def attribution() -> None:
    st.caption(maps.ATTRIBUTION)


def small_group_note(scope: Scope) -> None:
    if mask_small(scope):
        st.caption(
            "«<5» — в группе меньше 5 выпускников: значения не показываются («—»), чтобы нельзя было узнать "
            "человека."
        )


# ---------------------------------------------------------------- selections and drill


def as_dict(event: Any) -> Any:
    """A Streamlit selection state (read-only attribute dicts) as plain dicts and lists."""
    if isinstance(event, Mapping):
        return {k: as_dict(v) for k, v in event.items()}
    if isinstance(event, list | tuple):
        return [as_dict(v) for v in event]
    return event


def chart_code(event: Any, index: int = 0) -> str | None:
    """The code in customdata[index] of the first selected point of a plotly event."""
    return mctx.selection_code(as_dict(event), index=index)


def map_code(event: Any, layer_id: str, prop: str) -> str | None:
    return mctx.map_selection_code(as_dict(event), layer_id, prop)


def table_code(event: Any, frame: pl.DataFrame, column: str = "code") -> str | None:
    """The `column` value of the row selected in a st.dataframe showing `frame`."""
    row = mctx.table_selection_row(as_dict(event))
    if row is None or row >= frame.height:
        return None
    value = frame[column][row]
    return None if value is None else str(value)


def table_selection_index(event: Any, height: int) -> int | None:
    """The index of the row selected in a st.dataframe of `height` rows (None: nothing selected)."""
    row = mctx.table_selection_row(as_dict(event))
    return row if row is not None and 0 <= row < height else None


def pick_table_row(table: pl.DataFrame, *, key: str, date_columns: tuple[str, ...] = ()) -> int | None:
    """A full-width table with single-row selection (empty cells «—», `date_columns` as ДД.ММ.ГГГГ);
    returns the index of the selected row (None: nothing selected)."""
    event = st.dataframe(
        table,
        hide_index=True,
        placeholder="—",
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        column_config={
            c: st.column_config.DateColumn(c, format="DD.MM.YYYY") for c in date_columns if c in table.columns
        },
    )
    return table_selection_index(event, table.height)


def drill_key(base: str, ctx: Context) -> str:
    """A widget key tied to the drill path: after a drill the chart or table starts with no
    selection, so going back does not drill straight in again."""
    d = ctx.drill
    return f"{base}__{d.territory or '-'}__{d.college or '-'}__{d.program or '-'}"


def names_for_breadcrumb(scope: Scope) -> dict[str, str]:
    """Codes -> names of territories and colleges in scope (for the breadcrumb)."""
    colleges = cached.college_list(cached.version(), scope)
    names = dict(zip(colleges["tu_code"].to_list(), colleges["tu_name"].to_list(), strict=True))
    names.update(zip(colleges["college_code"].to_list(), colleges["short_name"].to_list(), strict=True))
    return {k: v for k, v in names.items() if k and v}


# ---------------------------------------------------------------- tables

# Numbers in tables are numbers (sorted as numbers) formatted by the browser: Streamlit's named
# formats «localized» and «percent» use Intl.NumberFormat with the browser's languages, so a Russian
# browser shows «62,5 %», «−2,5», «1 234»; printf formats («%.1f») always print a decimal point and
# no thousands separator, so none is used for a number a person reads. `step` fixes the decimals.
BAR_FORMAT = "%.0f %%"  # the bar's integer percent needs no decimal separator


def count_column(label: str | None = None, help: str | None = None) -> Any:
    """An integer column: «1 234»."""
    return st.column_config.NumberColumn(label, format="localized", step=1, help=help)


def share_column(label: str | None = None, help: str | None = None) -> Any:
    """A fraction shown as a percentage with one decimal (0.625 -> «62,5 %»); round it with
    formatting.shown_number_expr(…, "share")."""
    return st.column_config.NumberColumn(label, format="percent", step=0.001, help=help)


def decimal_column(label: str | None = None, help: str | None = None, digits: int = 1) -> Any:
    """A number with `digits` decimals (percentage points, points): -2.5 -> «-2,5»."""
    return st.column_config.NumberColumn(label, format="localized", step=10**-digits, help=help)


_count, _share, _points = count_column, share_column, decimal_column


def share_columns(names: Iterable[str]) -> dict[str, Any]:
    """A share_column for each of `names` (columns that hold fractions)."""
    return {n: share_column(n) for n in names}


def number_table(frame: pl.DataFrame, key: str, digits: int = 2) -> None:
    """A full-width read-only table whose float columns show `digits` decimals and integer columns
    thousands separators (Russian in a Russian browser); empty cells «—»."""
    st.dataframe(
        frame,
        hide_index=True,
        placeholder="—",
        width="stretch",
        key=key,
        column_config=decimal_columns(frame, digits=digits),
    )


def decimal_columns(frame: pl.DataFrame, digits: int = 1) -> dict[str, Any]:
    """A decimal_column for every float column of `frame` (e.g. rating points), integers as counts."""
    out: dict[str, Any] = {}
    for name, dtype in frame.schema.items():
        if dtype.is_float():
            out[name] = decimal_column(name, digits=digits)
        elif dtype.is_integer():
            out[name] = count_column(name)
    return out


def _text(label: str, help: str | None = None) -> Any:
    return st.column_config.TextColumn(label, help=help)


# Column name -> its st.dataframe configuration (shared by every indicator table). Label columns
# (rate_label, ...) are shown as their numbers (`views.shown_numbers`): `<number>_shown`.
COLUMNS: dict[str, Any] = {
    "name": _text("Наименование"),
    "name_shown": _text("Наименование"),
    "tu_name": _text("Территория"),
    "total": _count("Выпускников"),
    "total_shown": _count("Выпускников"),
    "colleges": _count("ПОО", "ПОО с выпускниками этого выпуска."),
    "rate_shown": _share("Значение", "Значение показателя на дату расчёта."),
    "gap_shown": _points("К цели, п. п.", "Разница со значением цели, в процентных пунктах."),
    "change_shown": _points("За месяц, п. п.", "Изменение показателя с той же даты месяцем раньше."),
    "places_needed_shown": _count(
        "Ещё трудоустроить", "Сколько выпускников нужно трудоустроить, чтобы выйти на цель."
    ),
    "risk_count_shown": _count(
        "Группа риска", "Выпускники в группе риска нетрудоустройства на дату расчёта."
    ),
    "rate_bar": st.column_config.ProgressColumn("Шкала", format=BAR_FORMAT, min_value=0, max_value=100),
    "rank": _count("Место"),
    "rank_change_shown": _count(
        "Место за месяц",
        "На сколько мест ПОО поднялась в рейтинге за месяц (отрицательное число — опустилась, 0 — без изменений).",
    ),
    "size_band_label": _text("Размер выпуска"),
    "band_median_shown": _share("Медиана группы", "Медиана показателя ПОО той же группы по размеру выпуска."),
    "vs_band_shown": _points("К медиане, п. п."),
    "reliability": _text(
        "Надёжность",
        "«мало данных» — меньше 10 выпускников, значение ненадёжно; «<5: скрыто» — меньше 5 выпускников, "
        "значения не показываются, чтобы нельзя было узнать человека.",
    ),
}
# The Russian headers of label columns, for CSV downloads (which keep the Russian strings).
_LABEL_HEADERS = {
    "rate_label": "Значение",
    "band_median_label": "Медиана группы",
    "total_label": "Выпускников",
}


def column_labels(columns: list[str], overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The Russian headers of `columns` as an indicator table shows them (for its CSV download)."""
    labels = {}
    for c in columns:
        config = COLUMNS.get(c) or COLUMNS.get(views.shown_column(c))
        if c in _LABEL_HEADERS:
            labels[c] = _LABEL_HEADERS[c]
        elif config is not None:
            labels[c] = str(config.get("label") or c)
    labels.update(overrides or {})
    return {c: labels[c] for c in columns if c in labels}


# The usual indicator columns of a table of groups, after the group's name.
RATE_COLUMNS: list[str] = ["total", "rate_label", "gap_label", "change_label", "places_needed_label"]


def fit_height(rows: int, limit: int = 640) -> int:
    """Table height that shows every row (up to `limit` pixels) instead of the default ten."""
    return min(35 * (rows + 1) + 3, limit)


def selectable_table(
    frame: pl.DataFrame,
    columns: list[str],
    key: str,
    *,
    labels: Mapping[str, str] | None = None,
    code_col: str = "code",
    height: int | Literal["auto"] = "auto",
) -> str | None:
    """An indicator table with single-row selection; returns the `code_col` of the selected row.

    `rate_bar` is derived from `rate` (percent numbers for the progress bar); label columns are
    shown as numbers and a college's name with its full name (`views.shown_numbers`).
    """
    shown, order = views.shown_numbers(frame, columns)
    if "rate_bar" in columns and "rate" in frame.columns:
        shown = shown.with_columns(rate_bar=pl.col("rate") * 100)
    config = {c: COLUMNS[c] for c in order if c in COLUMNS}
    for c, label in (labels or {}).items():
        c = views.shown_column(c) if views.shown_column(c) in order else c
        config[c] = _count(label) if c in ("total", "colleges", "rank") else _text(label)
    event = st.dataframe(
        shown,
        hide_index=True,
        column_order=order,
        column_config=config,
        placeholder="—",
        on_select="rerun",
        selection_mode="single-row",
        key=key,
        height=height,
    )
    return table_code(event, shown, code_col)
