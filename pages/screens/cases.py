"""Работа с группой риска: a case per graduate per stay in the risk group, the measures taken, what
stands out (overdue measures, no measure for N weeks), which measures work. A college and the base
centre work with the cases one by one; ТУ and the ministry see the counts only."""

from __future__ import annotations

import polars as pl
import streamlit as st

from data_layer.scope import Scope
from metrics import cases as case_metrics
from metrics.formatting import fmt_date, fmt_int, plural
from ops import cases as case_ops
from ui import cached, case_panel, case_view, widgets
from ui.data import cursor
from ui.filter_context import Context

DATE_FMT = "DD.MM.YYYY"
MAX_TABLE_ROWS = 2_000
SHOW = {"open": "Открытые", "attention": "Требуют внимания", "all": "Все"}


def _kpis(frame: pl.DataFrame, weeks: int) -> None:
    counts = case_metrics.case_counts(frame)
    total = {c: int(counts[c].sum()) if counts.height else 0 for c in counts.columns if c != "college_code"}
    closed_good = total.get("closed_work", 0) + total.get("closed_study", 0)
    closed = closed_good + total.get("closed_other", 0)
    widgets.kpi_row(
        [
            widgets.Kpi("Открытых случаев", fmt_int(total.get("open", 0))),
            widgets.Kpi(
                "С просроченной мерой",
                fmt_int(total.get("open_with_overdue", 0)),
                help="Открытые случаи, где у меры прошёл срок, а результата нет.",
            ),
            widgets.Kpi(
                f"Без мер дольше {weeks} {plural(weeks, 'недели', 'недель', 'недель')}",
                fmt_int(total.get("stale", 0)),
                help="Открытые случаи, где последняя мера (или открытие случая) раньше этого срока.",
            ),
            widgets.Kpi("Передано в ЦЗН", fmt_int(total.get("escalated", 0))),
            widgets.Kpi(
                "Закрыто в работу или учёбу",
                f"{fmt_int(closed_good)} из {fmt_int(closed)}",
                help="Закрытые случаи (выпускник вышел из группы риска) по статусу при закрытии.",
            ),
        ]
    )


def _counts_table(scope: Scope, ctx: Context, frame: pl.DataFrame, names: dict[str, str]) -> None:
    st.subheader("По ПОО")
    v = cached.version()
    criterion = cached.resolved_by_college(v, scope, ctx.cohort, ctx.as_of)
    shown = case_view.counts_display(case_metrics.case_counts(frame), criterion, names)
    if shown.is_empty():
        st.info("Случаев нет: в зоне доступа никто не был в группе риска.")
        return
    st.dataframe(shown, hide_index=True, width="stretch", key="cases_by_college")
    st.caption(
        "Критерий «выведены из группы риска» считается по статусам (доля вышедших в работу или учёбу "
        "среди всех, кто был в группе); рядом — исходы случаев по статусу при закрытии."
    )


def _effectiveness(
    frame: pl.DataFrame, catalogue: pl.DataFrame, names: dict[str, str], per_college: bool
) -> None:
    st.subheader("Какие меры работают")
    st.caption(
        "Доля случаев, закрытых в работу или учёбу, среди случаев, где была мера этого вида (в одном "
        f"случае может быть несколько мер). «Мало случаев» — меньше {case_metrics.SMALL_GROUP}: доля ненадёжна."
    )
    eff = case_metrics.effectiveness(frame, catalogue)
    if eff.is_empty():
        st.info("Случаев пока нет.")
        return
    st.dataframe(case_view.effectiveness_display(eff), hide_index=True, width="stretch", key="cases_eff")
    if per_college:
        with st.expander("По ПОО"):
            st.dataframe(
                case_view.effectiveness_display(
                    case_metrics.effectiveness(frame, catalogue, by_college=True), names
                ),
                hide_index=True,
                width="stretch",
                key="cases_eff_college",
            )


def _case_list(scope: Scope, ctx: Context, frame: pl.DataFrame, names: dict[str, str]) -> None:
    v = cached.version()
    people = cached.case_people(v, scope, ctx.cohort)
    view = case_view.case_view(frame, people, names)
    states = st.segmented_control(
        "Показать",
        ["open", "attention", "all"],
        format_func=lambda s: SHOW[s],
        default="open",
        key="cases_show",
    )
    if states == "open":
        view = view.filter(pl.col("state") == "open")
    elif states == "attention":
        view = view.filter((pl.col("state") == "open") & ((pl.col("overdue") > 0) | pl.col("stale")))
    if view.is_empty():
        st.info("Таких случаев нет.")
        return
    if view.height > MAX_TABLE_ROWS:
        st.caption(f"Показаны первые {fmt_int(MAX_TABLE_ROWS)} из {fmt_int(view.height)}.")
        view = view.head(MAX_TABLE_ROWS)
    table = case_view.case_display(view, scope.role == "base_centre")
    event = st.dataframe(
        table,
        hide_index=True,
        placeholder="—",
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="cases_table",
        column_config={
            c: st.column_config.DateColumn(c, format=DATE_FMT) for c in ("Открыт", "Закрыт", "Последняя мера")
        },
    )
    i = widgets.table_selection_index(event, view.height)
    if i is None:
        st.caption("Выберите случай в таблице, чтобы записать меру или её результат.")
        return
    row = view.row(i, named=True)
    masked = str(row["snils_masked"]).replace("*", "\\*")
    st.subheader(f"{row['fio'] or 'Выпускник'} · СНИЛС {masked}")
    st.caption(f"{row['college_name']} · {row['program_code'] or ''} {row['program_name'] or ''}")
    case_panel.case_panel(
        scope, ctx.cohort, ctx.as_of, str(row["college_code"]), str(row["person_key"]), "cases_panel"
    )


def _settings(scope: Scope, catalogue: pl.DataFrame, weeks: int) -> None:
    st.subheader("Каталог мер")
    st.dataframe(
        catalogue.select(
            pl.col("code").alias("Код"),
            pl.col("name").alias("Мера"),
            pl.when(pl.col("active")).then(pl.lit("да")).otherwise(pl.lit("снята")).alias("Доступна"),
        ),
        hide_index=True,
        key="cases_catalogue",
    )
    with st.form("cases_catalogue_form", clear_on_submit=True):
        st.markdown(
            "**Добавить или изменить вид меры** (виды не удаляются: записанные меры на них ссылаются)"
        )
        c1, c2, c3 = st.columns([2, 4, 1])
        code = c1.text_input("Код (латиница)", key="cases_cat_code")
        name = c2.text_input("Название", key="cases_cat_name")
        active = c3.checkbox("Доступна", value=True, key="cases_cat_active")
        if st.form_submit_button("Сохранить вид меры"):
            try:
                with cursor() as cur:
                    case_ops.save_catalogue_entry(cur, scope, code, name, active)
            except Exception as exc:
                widgets.action_error(exc, "measure_catalogue")
            else:
                st.session_state[case_panel.SAVED_KEY] = "Каталог мер сохранён."
                st.rerun()
    lo, hi = case_metrics.STALE_WEEKS_RANGE
    with st.form("cases_weeks_form"):
        n = st.number_input(
            "Случай без новых мер выделяется через, недель",
            min_value=lo,
            max_value=hi,
            value=weeks,
            step=1,
            key="cases_weeks",
        )
        if st.form_submit_button("Сохранить срок"):
            try:
                with cursor() as cur:
                    case_ops.set_stale_weeks(cur, scope, int(n))
            except Exception as exc:
                widgets.action_error(exc, "case_stale_weeks")
            else:
                st.session_state[case_panel.SAVED_KEY] = "Срок сохранён."
                st.rerun()


def body() -> None:
    scope = widgets.current_scope()
    st.title("Работа с группой риска")
    ctx = widgets.require_context(scope)
    v = cached.version()
    thr = cached.thresholds(v)
    stays = cached.risk_stays(v, scope, ctx.cohort, ctx.as_of)
    with cursor() as cur:  # measures change without a load: joined per run, never cached
        frame = case_metrics.cases(cur, scope, ctx.cohort, ctx.as_of, thr, stays=stays)
        catalogue = case_metrics.catalogue(cur)
        weeks = case_metrics.stale_weeks(cur)
    st.caption(
        f"Выпуск {ctx.cohort} г., на {fmt_date(ctx.as_of)}. Случай открывается, когда выпускник попадает в "
        "группу риска, и закрывается, когда он из неё выходит; меры записывает ПОО."
    )
    if not scope.sees_personal_data:
        st.caption("Для вашей роли — только количества; списки выпускников видят ПОО и базовый центр.")
    saved = st.session_state.pop(case_panel.SAVED_KEY, None)
    if saved:
        st.success(saved)
    _kpis(frame, weeks)
    colleges = cached.college_list(v, scope)
    names = dict(zip(colleges["college_code"], colleges["short_name"], strict=True))
    if not scope.sees_personal_data:
        _counts_table(scope, ctx, frame, names)
        _effectiveness(frame, catalogue, names, per_college=True)
        return
    labels = ["Случаи", "Какие меры работают"]
    if scope.role == "base_centre":
        labels += ["По ПОО", "Каталог мер и настройки"]
    tabs = st.tabs(labels)
    with tabs[0]:
        _case_list(scope, ctx, frame, names)
    with tabs[1]:
        _effectiveness(frame, catalogue, names, per_college=scope.role == "base_centre")
    if scope.role == "base_centre":
        with tabs[2]:
            _counts_table(scope, ctx, frame, names)
        with tabs[3]:
            _settings(scope, catalogue, weeks)


widgets.safe_page(body)
