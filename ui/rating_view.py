"""The published (frozen) effectiveness rating on the page «Эффективность ЦСТВ»: which rating is
shown, the «текущий расчёт» beside it with the differences, publishing (base centre), objections
(a college files, the base centre answers; the college, its ТУ and the ministry read every step)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from data_layer.scope import Scope
from metrics import criteria
from metrics.criteria import publication
from metrics.formatting import datetime_expr, fmt_date, fmt_int
from ops import rating as ops_rating
from ui import cached, widgets
from ui import criteria_tables as ct
from ui import filter_context as mctx
from ui.connection import cursor

FLASH = "_rating_flash"


def shown_rating(
    scope: Scope, ctx: mctx.Context, pub_set: criteria.CriteriaSet
) -> tuple[pl.DataFrame, criteria.CriteriaSet, int, publication.Publication | None]:
    """(rating, its criteria set, colleges ranked, publication): the published rating when there is
    one for an evaluation date on or before the context date, else the current calculation."""
    v = cached.version()
    pub = cached.rating_publication(v, ctx.cohort, ctx.as_of)
    if pub is not None:
        return (
            cached.published_rating(v, scope, pub.publication_id),
            pub.criteria_set,
            pub.colleges_total,
            pub,
        )
    rated = cached.rating(v, scope, ctx.cohort, ctx.as_of, pub_set.version)
    return rated, pub_set, cached.college_metric_values(v, ctx.cohort, ctx.as_of).height, None


def status_line(pub: publication.Publication | None, ctx: mctx.Context) -> None:
    if pub is None:
        st.info(
            f"Рейтинг выпуска {ctx.cohort} г. с датой оценки не позже {fmt_date(ctx.as_of)} не опубликован: "
            "ниже — текущий расчёт, он меняется с новыми данными.",
            icon=":material/edit_note:",
        )
        return
    reason = f" Причина: {pub.reason}." if pub.reason else ""
    st.success(
        f"Опубликованный {pub.label()} ({pub.published_by}); критерии {pub.criteria_year} г., версия "
        f"{pub.criteria_version}. Он не меняется с новыми данными: текущий расчёт — ниже.{reason}",
        icon=":material/verified:",
    )


def full_names(scope: Scope) -> dict[str, str]:
    """Code -> full name of the colleges in scope (those that have one), for «ПОО» columns."""
    colleges = cached.college_list(cached.version(), scope)
    return {c: f for c, f in zip(colleges["college_code"], colleges["full_name"], strict=True) if f}


def diff_display(diff: pl.DataFrame, names: dict[str, str] | None = None) -> pl.DataFrame:
    def cat(c: str) -> pl.Expr:
        return pl.col(c).replace_strict(criteria.CATEGORY_LABELS, default=None)

    return diff.select(
        ct.college_column(diff, names),
        ct.points_number("score_published").alias("Баллы (опубл.)"),
        pl.col("rank_published").alias("Место (опубл.)"),
        cat("category_published").alias("Категория (опубл.)"),
        ct.points_number("score_current").alias("Баллы (текущий расчёт)"),
        pl.col("rank_current").alias("Место (текущий расчёт)"),
        cat("category_current").alias("Категория (текущий расчёт)"),
        ct.points_number("score_change").alias("Разница баллов"),
        pl.col("rank_change").alias("Изменение места (+ выше)"),
    )


def current_block(scope: Scope, ctx: mctx.Context, rated: pl.DataFrame, pub: publication.Publication) -> None:
    """«Текущий расчёт»: the same criteria on the data as they are now, with the differences."""
    st.subheader("Текущий расчёт")
    v = cached.version()
    values = cached.college_metric_values(v, ctx.cohort, ctx.as_of)
    with cursor() as cur:
        current = criteria.rating(cur, scope, ctx.cohort, ctx.as_of, pub.criteria_set, values)
    diff = publication.differences(rated, current)
    moved = diff.filter(pl.col("rank_change").fill_null(0) != 0).height
    changed = diff.filter(pl.col("score_change").fill_null(0).abs() > 1e-9).height
    st.caption(
        f"По тем же критериям на {fmt_date(ctx.as_of)} и данным на сегодня: баллы изменились бы у "
        f"{fmt_int(changed)} ПОО, место — у {fmt_int(moved)}. Это не заменяет опубликованный рейтинг."
    )
    widgets.number_table(diff_display(diff, full_names(scope)), "rating_current")


def register(ctx: mctx.Context) -> None:
    """Every publication of the cohort's rating (aggregates: every role sees the register)."""
    with cursor() as cur:
        pubs = publication.publications(cur, ctx.cohort)
    if not pubs:
        return
    with st.expander(
        f"Опубликованные рейтинги выпуска {ctx.cohort} г. ({fmt_int(len(pubs))})", expanded=False
    ):
        st.dataframe(
            pl.DataFrame(
                {
                    "№": [p.publication_id for p in pubs],
                    "Дата оценки": [fmt_date(p.as_of) for p in pubs],
                    "Версия публикации": [p.version for p in pubs],
                    "Критерии, версия": [p.criteria_version for p in pubs],
                    "Опубликован": [p.published_at.strftime("%d.%m.%Y %H:%M") for p in pubs],
                    "Кем": [p.published_by for p in pubs],
                    "По возражению №": [p.objection_id for p in pubs],
                    "Причина / комментарий": [p.reason or "" for p in pubs],
                }
            ),
            hide_index=True,
            placeholder="—",
            width="stretch",
            key="rating_register",
        )


def publish_form(scope: Scope, ctx: mctx.Context, pub_set: criteria.CriteriaSet) -> None:
    if scope.role != "base_centre":
        return
    with st.expander(f"Опубликовать рейтинг на {fmt_date(ctx.as_of)}", expanded=False):
        st.caption(
            f"Будет сохранён рейтинг всех ПОО по критериям версии {pub_set.version} на данные сейчас: значения "
            "показателей, баллы, места и категории. Дальше он не меняется; новая публикация на ту же дату "
            "станет следующей версией."
        )
        reason = st.text_input("Комментарий", max_chars=500, key="rating_publish_reason")
        if st.button("Опубликовать рейтинг", type="primary", key="rating_publish"):
            try:
                with cursor() as cur:
                    pub = ops_rating.publish(cur, scope, ctx.cohort, ctx.as_of, reason)
            except Exception as exc:
                widgets.action_error(exc, "rating_publish")
            else:
                st.session_state[FLASH] = f"Опубликован {pub.label()}."
                st.rerun()


_STATES = pl.col("state").replace_strict(publication.OBJECTION_STATES, default=pl.col("state"))


def objections_tab(scope: Scope, ctx: mctx.Context, pub: publication.Publication | None) -> None:
    """Objections to the cohort's published ratings: file (college), answer (base centre), read
    (the college, its ТУ, the ministry, the base centre)."""
    if pub is not None and scope.role == "college":
        with st.form("rating_objection_form", clear_on_submit=True):
            st.markdown(f"**Возражение на баллы ПОО** в опубликованном {pub.label()}")
            text = st.text_area("С чем ПОО не согласна и почему", max_chars=2000, key="rating_objection_text")
            if st.form_submit_button("Подать возражение", type="primary"):
                try:
                    with cursor() as cur:
                        oid = ops_rating.file_objection(cur, scope, pub.publication_id, text)
                except Exception as exc:
                    widgets.action_error(exc, "rating_objection")
                else:
                    st.session_state[FLASH] = (
                        f"Возражение № {oid} подано; ответ базового центра появится здесь."
                    )
                    st.rerun()
    with cursor() as cur:
        log = publication.objections(cur, scope, ctx.cohort)
    if log.is_empty():
        st.caption("Возражений на опубликованные рейтинги этого выпуска нет.")
        return
    st.dataframe(
        log.select(
            pl.col("objection_id").alias("№"),
            pl.col("short_name").alias("ПОО"),
            pl.col("as_of").dt.strftime("%d.%m.%Y").alias("Рейтинг на"),
            pl.col("publication_version").alias("Версия публикации"),
            pl.col("text").alias("Возражение"),
            datetime_expr(pl.col("filed_at")).alias("Подано"),
            pl.col("filed_by").alias("Кем"),
            _STATES.alias("Состояние"),
            pl.col("reason").alias("Ответ базового центра"),
            datetime_expr(pl.col("answered_at")).alias("Ответ дан"),
            pl.col("answered_by").alias("Кем ответ"),
        ),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="rating_objections",
    )
    if scope.role == "base_centre":
        _answer_form(scope, log.filter(pl.col("state") == "open"))


def _answer_form(scope: Scope, open_ones: pl.DataFrame) -> None:
    if open_ones.is_empty():
        return
    ids = open_ones["objection_id"].to_list()
    names = dict(zip(ids, open_ones["short_name"].to_list(), strict=True))
    with st.form("rating_answer_form"):
        st.markdown("**Ответ на возражение**")
        oid = st.selectbox(
            "Возражение", ids, format_func=lambda i: f"№ {i} — {names[i]}", key="rating_answer_id"
        )
        decision = st.radio(
            "Решение",
            list(ops_rating.DECISIONS),
            format_func=lambda d: "Отклонить" if d == "rejected" else "Принять и переопубликовать рейтинг",
            key="rating_answer_decision",
            horizontal=True,
        )
        reason = st.text_area(
            "Причина (видна ПОО, её ТУ и министерству)", max_chars=2000, key="rating_answer_reason"
        )
        if st.form_submit_button("Ответить", type="primary"):
            try:
                with cursor() as cur:
                    new = ops_rating.answer_objection(cur, scope, int(oid), str(decision), reason)
            except Exception as exc:
                widgets.action_error(exc, "rating_objection_answer")
            else:
                st.session_state[FLASH] = (
                    f"Возражение № {oid} отклонено."
                    if new is None
                    else f"Возражение № {oid} принято; опубликован {new.label()}."
                )
                st.rerun()


def flash() -> None:
    msg = st.session_state.pop(FLASH, None)
    if msg:
        st.success(msg)
