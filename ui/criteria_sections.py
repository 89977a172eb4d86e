"""Streamlit sections of the «Эффективность ЦСТВ» page: the rating, the criteria, the version history."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics import criteria
from metrics.formatting import fmt_datetime, fmt_int
from ui import cached, rating_view, widgets
from ui import criteria_tables as ct
from ui import filter_context as mctx
from ui.roles import Scope
from ui.text import md

FLASH = "_crit_flash"  # a message shown once after save / publish / discard


def metric_labels() -> dict[str, str]:
    registry = cached.indicator_registry(cached.version())
    labels = {m: label for m, (label, _) in criteria.METRICS.items()}
    labels.update({f"indicator:{i}": ind.name for i, ind in registry.items() if i not in criteria.METRICS})
    return labels


def author(username: str | None) -> str:
    """The author of a version; the starting set is published by the system itself."""
    return "система" if username == "system" else (username or "—")


def version_line(cs: criteria.CriteriaSet) -> str:
    if cs.status == "published" and cs.published_by == "system" and cs.published_at is None:
        return f"версия {cs.version} (стартовый набор критериев)"
    if cs.status == "published":
        who = f", {author(cs.published_by)}" if cs.published_by else ""
        return f"версия {cs.version}, опубликована {fmt_datetime(cs.published_at)}{who}"
    return f"черновик версии {cs.version} от {fmt_datetime(cs.created_at)}, {author(cs.created_by)}"


def rating_table(scope: Scope, rated: pl.DataFrame, cs: criteria.CriteriaSet, key: str) -> None:
    """Place, college by its full name with the abbreviation, points as numbers (sortable)."""
    widgets.number_table(ct.rating_display(rated, cs, full_names=rating_view.full_names(scope)), key)


def rating_tab(scope: Scope, ctx: mctx.Context, pub_set: criteria.CriteriaSet) -> None:
    rated, cs, n_all, pub = rating_view.shown_rating(scope, ctx, pub_set)
    rating_view.status_line(pub, ctx)
    if rated.is_empty():
        st.info("В вашей зоне доступа нет ПОО с выпускниками этого года.")
        rating_view.publish_form(scope, ctx, pub_set)
        return
    if scope.role == "college":
        row = rated.row(0, named=True)
        c1, c2, c3 = st.columns(3)
        c1.metric("Место в рейтинге", f"{row['rank']} из {fmt_int(n_all)}")
        c2.metric("Баллы", ct.fmt_points(row["score"]), help=f"Максимум — {ct.fmt_points(cs.max_score())}.")
        c3.metric("Категория", criteria.CATEGORY_LABELS[row["category"]])
    else:
        counts = rated.group_by("category").len()
        by_cat = dict(zip(counts["category"], counts["len"], strict=True))
        cols = st.columns(4)
        cols[0].metric("ПОО в рейтинге", fmt_int(rated.height))
        for col, cat in zip(cols[1:], ("high", "medium", "low"), strict=True):
            col.metric(f"Категория «{criteria.CATEGORY_LABELS[cat]}»", fmt_int(by_cat.get(cat, 0)))
    st.caption(
        f"Места — среди всех {fmt_int(n_all)} ПОО области. Категории: «Высокая» — от "
        f"{ct.fmt_points(cs.high_from)} баллов, «Средняя» — от {ct.fmt_points(cs.medium_from)}; "
        f"максимум — {ct.fmt_points(cs.max_score())}."
    )
    rating_table(scope, rated, cs, "crit_rating")
    if pub is not None:
        rating_view.current_block(scope, ctx, rated, pub)
    rating_view.register(ctx)
    rating_view.publish_form(scope, ctx, pub_set)


def criteria_tab(pub: criteria.CriteriaSet) -> None:
    st.dataframe(
        ct.description_frame(pub, metric_labels()),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="crit_desc",
    )
    with st.expander("Что измеряет каждая метрика", expanded=False):
        for label, desc in criteria.METRICS.values():
            st.markdown(f"- **{md(label)}** — {md(desc)}")


def history_tab(scope: Scope, ctx: mctx.Context, all_versions: list[criteria.CriteriaSet]) -> None:
    shown = [cs for cs in all_versions if cs.status == "published" or scope.role == "base_centre"]
    st.dataframe(
        pl.DataFrame(
            {
                "Версия": [cs.version for cs in shown],
                "Состояние": ["опубликована" if cs.status == "published" else "черновик" for cs in shown],
                "Автор": [author(cs.created_by) for cs in shown],
                "Изменена": [fmt_datetime(cs.created_at) for cs in shown],
                "Опубликована": [fmt_datetime(cs.published_at) for cs in shown],
                "Опубликовал": [author(cs.published_by) for cs in shown],
                "Комментарий": [cs.comment or "" for cs in shown],
            }
        ),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="crit_versions",
    )
    published = [cs for cs in shown if cs.status == "published"]
    if not published:
        return
    by_version = {cs.version: cs for cs in published}
    chosen = st.selectbox(
        "Показать рейтинг по версии",
        list(reversed(by_version)),
        format_func=lambda n: f"Версия {n}",
        key="crit_history_version",
    )
    cs = by_version[chosen]
    st.caption(
        f"Рейтинг на те же данные ({ctx.cohort} г., на {ctx.as_of:%d.%m.%Y}) по критериям версии {cs.version}: "
        "опубликованная версия не меняется, поэтому её рейтинг всегда можно воспроизвести."
    )
    rated = cached.rating(cached.version(), scope, ctx.cohort, ctx.as_of, cs.version)
    rating_table(scope, rated, cs, "crit_history_rating")
    st.dataframe(
        ct.description_frame(cs, metric_labels()),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="crit_history_desc",
    )
