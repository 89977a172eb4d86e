"""Streamlit sections of the «Работа с группой риска» page: headline figures, counts per college, which
measures work, the case list, returnees from the army, students before graduation, the ЦЗН
escalation, the measure catalogue and settings. Writes go through ops (ops.cases)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics import army, pregraduation
from metrics import cases as case_metrics
from metrics.formatting import fmt_int, plural
from ops import cases as case_ops
from reports import work_lists
from ui import cached, case_panel, case_view, cases_data, downloads, widgets
from ui.cases_data import CasePage, with_people
from ui.connection import cursor
from ui.filter_context import Context
from ui.roles import Scope
from ui.text import md

SHOW = {"open": "Открытые", "attention": "Требуют внимания", "all": "Все"}


def kpis(data: CasePage) -> None:
    weeks = data.weeks
    total = data.totals()
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


def counts_table(scope: Scope, ctx: Context, data: CasePage, names: dict[str, str]) -> None:
    st.subheader("По ПОО")
    v = cached.version()
    criterion = cached.resolved_by_college(v, scope, ctx.cohort, ctx.as_of)
    shown = case_view.counts_display(data.counts, criterion, names)
    if shown.is_empty():
        st.info("Случаев нет: в зоне доступа никто не был в группе риска.")
        return
    _numbers(shown, "cases_by_college")
    st.caption(
        "Критерий «выведены из группы риска» считается по статусам (доля вышедших в работу или учёбу "
        "среди всех, кто был в группе); рядом — исходы случаев по статусу при закрытии."
    )


def effectiveness(data: CasePage, names: dict[str, str], per_college: bool) -> None:
    st.subheader("Какие меры работают")
    st.caption(
        "Доля случаев, закрытых в работу или учёбу, среди случаев, где была мера этого вида (в одном "
        f"случае может быть несколько мер). «Мало случаев» — меньше {case_metrics.SMALL_GROUP}: доля ненадёжна."
    )
    eff = data.effectiveness
    if eff.is_empty():
        st.info("Случаев пока нет.")
        return
    _numbers(case_view.effectiveness_display(eff), "cases_eff")
    if per_college:
        with st.expander("По ПОО"):
            _numbers(
                case_view.effectiveness_display(data.effectiveness_by_college, names), "cases_eff_college"
            )


def _numbers(shown: pl.DataFrame, key: str) -> None:
    """A table of counts and shares as numbers (sorted as numbers, Russian format in the browser)."""
    config = widgets.decimal_columns(shown) | widgets.share_columns(
        c for c in case_view.SHARE_LABELS if c in shown.columns
    )
    st.dataframe(shown, hide_index=True, width="stretch", key=key, placeholder="—", column_config=config)


def case_list(scope: Scope, ctx: Context, data: CasePage) -> None:
    states = st.segmented_control(
        "Показать",
        ["open", "attention", "all"],
        format_func=lambda s: SHOW[s],
        default="open",
        key="cases_show",
    )
    chosen = data.lists[states or "all"]
    view = chosen.rows
    if view.is_empty():
        st.info("Таких случаев нет.")
        return
    if chosen.total > view.height:
        st.caption(f"Показаны первые {fmt_int(view.height)} из {fmt_int(chosen.total)}.")
    table = case_view.case_display(view, scope.role == "base_centre")
    i = widgets.pick_table_row(table, key="cases_table", date_columns=("Открыт", "Закрыт", "Последняя мера"))
    if i is None:
        st.caption("Выберите случай в таблице, чтобы записать меру или её результат.")
        return
    row = view.row(i, named=True)
    masked = str(row["snils_masked"]).replace("*", "\\*")
    st.subheader(f"{md(row['fio'] or 'Выпускник')} · СНИЛС {md(masked)}")
    st.caption(md(f"{row['college_name']} · {row['program_code'] or ''} {row['program_name'] or ''}"))
    case_panel.case_panel(
        scope, ctx.cohort, ctx.as_of, str(row["college_code"]), str(row["person_key"]), "cases_panel"
    )


def college_col(names: dict[str, str]) -> pl.Expr:
    return (
        pl.col("college_code")
        .replace_strict(names, default=pl.col("college_code"), return_dtype=pl.Utf8)
        .alias("ПОО")
    )


def people_table(frame: pl.DataFrame, names: dict[str, str], extra: list[pl.Expr], key: str) -> None:
    """A list of graduates; `frame` carries their name, masked СНИЛС and programme (with_people)."""
    shown = frame.select(
        pl.col("fio").alias("ФИО"),
        pl.col("snils_masked").alias("СНИЛС"),
        college_col(names),
        pl.col("program_name").alias("Специальность / профессия"),
        *extra,
    )
    st.dataframe(shown, hide_index=True, width="stretch", placeholder="—", key=key)


def returnees(scope: Scope, ctx: Context, names: dict[str, str]) -> None:
    st.subheader("Возвращаются из армии")
    st.caption(
        f"Ожидаемое увольнение — дата призыва (или начала статуса) + 12 месяцев; список на "
        f"{army.WEEKS_AHEAD} недель вперёд, чтобы связаться с выпускником до того, как пойдут 4 недели "
        "правила группы риска. Файл Минтруда (вид «Уволенные с военной службы») добавляет известные даты."
    )
    v = cached.version()
    if scope.sees_personal_data:
        frame, counts = cases_data.returnee_table(v, scope, ctx.cohort, ctx.as_of), None
    else:
        frame, counts = None, cached.returnee_counts(v, scope, ctx.cohort, ctx.as_of)
    if counts is not None:
        if counts.is_empty():
            st.info("В ближайшие недели никто не возвращается.")
            return
        st.dataframe(
            counts.select(
                college_col(names),
                pl.col("returnees").alias("Возвращаются"),
                pl.col("from_ministry").alias("Из них по файлу Минтруда"),
            ),
            hide_index=True,
            key="cases_army_counts",
        )
        return
    assert frame is not None
    if frame.is_empty():
        st.info("В ближайшие недели никто не возвращается.")
        return
    people_table(
        frame,
        names,
        [
            pl.col("call_up_date").alias("Призван"),
            pl.col("expected_discharge").dt.strftime("%m.%Y").alias("Ожидаемый месяц увольнения"),
            pl.col("discharge_date").alias("Уволен (Минтруд)"),
            pl.col("source")
            .replace_strict(army.SOURCES, default=pl.col("source"), return_dtype=pl.Utf8)
            .alias("Источник"),
        ],
        "cases_army_table",
    )


def pregraduation_tab(scope: Scope, ctx: Context, names: dict[str, str]) -> None:
    year = pregraduation.graduating_year(ctx.as_of)
    st.subheader(f"До выпуска {year} г.")
    st.caption(
        "С октября: выпускники следующего выпуска без карьерного трека, с треком «не определился» или из "
        "ПОО без мероприятий с участием выпускников с 1 сентября — чтобы работа началась до даты выпуска."
    )
    if not pregraduation.in_season(ctx.as_of):
        st.info("Список ведётся с октября по июнь.")
        return
    with cursor() as cur:
        counts = pregraduation.counts(cur, scope, ctx.as_of)
        frame = pregraduation.students_at_risk(cur, scope, ctx.as_of) if scope.sees_personal_data else None
    if counts.is_empty():
        st.info(f"Нет данных о выпускниках {year} г.: загрузите карьерные треки или список выпуска заранее.")
        return
    st.dataframe(
        counts.select(
            college_col(names),
            pl.col("students").alias("Выпускников"),
            pl.col("at_risk").alias("Под риском"),
            *[pl.col(r).alias(label.capitalize()) for r, label in pregraduation.REASONS.items()],
        ),
        hide_index=True,
        key="cases_pregrad_counts",
    )
    if frame is None or frame.is_empty():
        return
    people = cached.graduating_people(cached.version(), scope, year)
    shown = frame.join(people, on=["college_code", "person_key"], how="left").select(
        pl.col("fio").fill_null("нет в списке выпуска").alias("ФИО"),
        pl.col("snils_masked").alias("СНИЛС"),
        college_col(names),
        pl.col("track").alias("Трек"),
        pl.col("reasons")
        .list.eval(
            pl.element().replace_strict(pregraduation.REASONS, default=pl.element(), return_dtype=pl.Utf8)
        )
        .list.join("; ")
        .alias("Почему"),
    )
    st.dataframe(shown, hide_index=True, width="stretch", placeholder="—", key="cases_pregrad_table")


def escalation(scope: Scope, ctx: Context, data: CasePage, names: dict[str, str]) -> None:
    st.subheader("Передача в ЦЗН")
    st.caption(
        "Открытые случаи, где ПОО записала меру «Направление в ЦЗН» и которые ещё не передавались: список "
        "(Excel, полный СНИЛС — он нужен ЦЗН) уходит в министерство труда; ответ загружается как файл "
        "вида «Ответ ЦЗН по переданным выпускникам» и виден в случаях."
    )
    with cursor() as cur:
        sent = case_metrics.escalations(cur, scope, ctx.cohort)
        answers = case_metrics.czn_answers(cur, scope, ctx.cohort)
    candidates = case_metrics.escalation_candidates(data.referred, sent)
    if candidates.is_empty():
        st.info("Новых случаев для передачи нет.")
    else:
        _czn_candidates(scope, ctx, candidates, names)
    batch = st.session_state.get("_czn_batch")
    if isinstance(batch, int):
        _czn_batch_download(scope, batch, data.frame, data.catalogue)
    if sent.height:
        _czn_sent(with_people(scope, ctx.cohort, sent), answers, names)


def _czn_candidates(scope: Scope, ctx: Context, candidates: pl.DataFrame, names: dict[str, str]) -> None:
    """The cases to pass on, and the button that forms the next list for the employment service."""
    people_table(candidates, names, [pl.col("entry_date").alias("Случай открыт")], "cases_czn_candidates")
    if st.button(
        f"Сформировать список для ЦЗН ({fmt_int(candidates.height)} чел.)",
        type="primary",
        key="cases_czn_send",
    ):
        try:
            with cursor() as cur:
                new_batch = case_ops.escalate_to_czn(
                    cur,
                    scope,
                    ctx.cohort,
                    list(zip(candidates["college_code"], candidates["person_key"], strict=True)),
                )
        except Exception as exc:
            widgets.action_error(exc, "czn_escalation")
        else:
            st.session_state["_czn_batch"] = new_batch
            st.session_state[case_panel.SAVED_KEY] = f"Список № {new_batch} сформирован."
            st.rerun()


def _czn_batch_download(scope: Scope, batch: int, frame: pl.DataFrame, catalogue: pl.DataFrame) -> None:
    """The download of the list just formed (personal data: an audited download)."""
    with cursor() as cur:
        rows = case_metrics.escalation_batch(cur, scope, batch)
    # only the list's graduates (a region has hundreds of thousands of cases; the order is kept)
    frame = frame.filter(pl.col("person_key").is_in(rows["person_key"].implode()))
    reasons = dict(zip(frame["person_key"], frame["entry_reasons"].list.join("; "), strict=False))
    kinds = dict(zip(catalogue["code"], catalogue["name"], strict=True))
    measures = {
        r["person_key"]: "; ".join(kinds.get(t, t) for t in r["measure_types"]) for r in frame.to_dicts()
    }
    if rows.height:
        notice = cached.demo_notice(cached.version())
        downloads.personal_file_button(
            lambda: work_lists.czn_list_workbook(rows, reasons, measures, notice=notice),
            f"Список_для_ЦЗН_{batch}.xlsx",
            f"Скачать список № {batch} (Excel)",
            key="cases_czn_download",
            what=f"Список для ЦЗН № {batch}",
        )


def _czn_sent(sent: pl.DataFrame, answers: pl.DataFrame, names: dict[str, str]) -> None:
    """The cases passed on so far with the employment service's answers."""
    done = sent.join(answers, on=["college_code", "person_key"], how="left")
    st.markdown(
        f"**Передано: {fmt_int(done.height)}, ответ получен: {fmt_int(int(done['answer_date'].is_not_null().sum()))}**"
    )
    people_table(
        done,
        names,
        [
            pl.col("batch_id").alias("Список №"),
            pl.col("sent_at").dt.date().alias("Передан"),
            pl.col("answer_date").alias("Ответ от"),
            pl.col("result").alias("Ответ ЦЗН"),
        ],
        "cases_czn_sent",
    )


def settings(scope: Scope, catalogue: pl.DataFrame, weeks: int) -> None:
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
