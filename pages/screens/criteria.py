"""Эффективность ЦСТВ: the rating of the colleges' career centres under the published criteria set,
the criteria themselves, the version history (any past rating is reproducible), and for the base
centre the editor with a what-if preview before publishing (domain.md §8)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from data_layer.scope import Scope
from metrics import criteria
from metrics.formatting import fmt_datetime, fmt_int
from ops import criteria as ops_criteria
from ui import cached, downloads, rating_view, widgets
from ui import criteria_editor as ce
from ui import filter_context as mctx
from ui.data import cursor

_GEN = "crit_gen"  # bumped after save / publish / discard so the editors restart from the stored set
_FLASH = "_crit_flash"


def _metric_labels() -> dict[str, str]:
    registry = cached.indicator_registry(cached.version())
    labels = {m: label for m, (label, _) in criteria.METRICS.items()}
    labels.update({f"indicator:{i}": ind.name for i, ind in registry.items() if i not in criteria.METRICS})
    return labels


def _who(username: str | None) -> str:
    """The author of a version; the starting set is published by the system itself."""
    return "система" if username == "system" else (username or "—")


def _version_line(cs: criteria.CriteriaSet) -> str:
    if cs.status == "published":
        who = f", {_who(cs.published_by)}" if cs.published_by else ""
        return f"версия {cs.version}, опубликована {fmt_datetime(cs.published_at)}{who}"
    return f"черновик версии {cs.version} от {fmt_datetime(cs.created_at)}, {_who(cs.created_by)}"


def _rating_table(rated: pl.DataFrame, cs: criteria.CriteriaSet, key: str) -> None:
    st.dataframe(ce.rating_display(rated, cs), hide_index=True, placeholder="—", width="stretch", key=key)


def _rating_tab(scope: Scope, ctx: mctx.Context, pub_set: criteria.CriteriaSet) -> None:
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
        c2.metric("Баллы", ce.fmt_points(row["score"]), help=f"Максимум — {ce.fmt_points(cs.max_score())}.")
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
        f"{ce.fmt_points(cs.high_from)} баллов, «Средняя» — от {ce.fmt_points(cs.medium_from)}; "
        f"максимум — {ce.fmt_points(cs.max_score())}."
    )
    _rating_table(rated, cs, "crit_rating")
    if pub is not None:
        rating_view.current_block(scope, ctx, rated, pub)
    rating_view.register(ctx)
    rating_view.publish_form(scope, ctx, pub_set)


def _criteria_tab(pub: criteria.CriteriaSet) -> None:
    st.dataframe(
        ce.description_frame(pub, _metric_labels()),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="crit_desc",
    )
    with st.expander("Что измеряет каждая метрика", expanded=False):
        for label, desc in criteria.METRICS.values():
            st.markdown(f"- **{label}** — {desc}")


def _history_tab(scope: Scope, ctx: mctx.Context, all_versions: list[criteria.CriteriaSet]) -> None:
    shown = [cs for cs in all_versions if cs.status == "published" or scope.role == "base_centre"]
    st.dataframe(
        pl.DataFrame(
            {
                "Версия": [cs.version for cs in shown],
                "Состояние": ["опубликована" if cs.status == "published" else "черновик" for cs in shown],
                "Автор": [_who(cs.created_by) for cs in shown],
                "Изменена": [fmt_datetime(cs.created_at) for cs in shown],
                "Опубликована": [fmt_datetime(cs.published_at) for cs in shown],
                "Опубликовал": [_who(cs.published_by) for cs in shown],
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
    _rating_table(rated, cs, "crit_history_rating")
    st.dataframe(
        ce.description_frame(cs, _metric_labels()),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="crit_history_desc",
    )


# ---------------------------------------------------------------- editor (base centre)


def _bump_generation() -> None:
    st.session_state[_GEN] = st.session_state.get(_GEN, 0) + 1


def _save(scope: Scope, cand: criteria.CriteriaSet) -> int:
    with cursor() as cur:
        return ops_criteria.save_draft(cur, scope, cand)


_PUBLISH_OPEN = "_crit_publish_open"


def _close_publish() -> None:
    st.session_state.pop(_PUBLISH_OPEN, None)


@st.dialog("Опубликовать критерии?", width="large", on_dismiss=_close_publish)
def _publish_dialog(
    scope: Scope, cand: criteria.CriteriaSet, draft: criteria.CriteriaSet | None, n_moves: int
) -> None:
    version = draft.version if draft is not None else None
    st.markdown(
        f"Будут опубликованы критерии {cand.year} г."
        + (f" (версия {version})" if version else " (новая версия)")
        + f". Изменят место в рейтинге: **{fmt_int(n_moves)}** ПОО."
    )
    st.markdown(
        "Опубликованную версию нельзя изменить: дальнейшие правки создадут новую версию. "
        "Рейтинг для всех пользователей будет рассчитываться по ней."
    )
    if cand.comment:
        st.markdown(f"Комментарий: {cand.comment}")
    c1, c2 = st.columns(2)
    if c1.button("Опубликовать", type="primary", key="crit_publish_confirm"):
        try:
            with cursor() as cur:
                published = ops_criteria.publish(cur, scope, cand)
        except Exception as exc:
            widgets.action_error(exc, "criteria_publish")
            return
        _close_publish()
        _bump_generation()
        st.session_state[_FLASH] = f"Опубликована версия {published} критериев {cand.year} г."
        st.rerun()
    if c2.button("Отмена", key="crit_publish_cancel"):
        _close_publish()
        st.rerun()


def _editor_tab(
    scope: Scope, ctx: mctx.Context, pub: criteria.CriteriaSet, draft: criteria.CriteriaSet | None
) -> None:
    base = draft or pub
    if draft is not None:
        st.info(f"Редактируется {_version_line(draft)}. Опубликована сейчас {_version_line(pub)}.")
    else:
        st.info(
            f"Черновика нет: правки начинаются с опубликованной версии {pub.version}. "
            "При сохранении будет создан черновик новой версии."
        )
    gen = st.session_state.setdefault(_GEN, 0)
    keyp = f"crit_{ctx.cohort}_{gen}"
    labels = _metric_labels()
    with cursor() as cur:
        known = criteria.known_metrics(cur)

    st.markdown("**Критерии, веса и линейные шкалы**")
    st.caption(
        "Доли — в процентах (80 = 80 %), мероприятия — участий на выпускника. «От» и «До» заполняются "
        "для линейной шкалы; пороги ступенчатой шкалы — ниже. Строку можно добавить или удалить."
    )
    edited: pl.DataFrame = st.data_editor(  # type: ignore[call-overload]
        ce.criteria_frame(base),
        key=f"{keyp}_main",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        placeholder="",
        column_config={
            ce.C_ID: st.column_config.TextColumn(
                ce.C_ID, help="Латинские буквы, уникальный в наборе", required=True
            ),
            ce.C_NAME: st.column_config.TextColumn(ce.C_NAME, required=True, width="medium"),
            ce.C_METRIC: st.column_config.SelectboxColumn(
                ce.C_METRIC,
                options=sorted(known),
                format_func=lambda m: labels.get(str(m), str(m)),
                required=True,
                width="medium",
            ),
            ce.C_WEIGHT: st.column_config.NumberColumn(
                ce.C_WEIGHT, min_value=0.0, step=0.1, format="localized", required=True
            ),
            ce.C_KIND: st.column_config.SelectboxColumn(
                ce.C_KIND, options=list(ce.KIND_LABELS.values()), required=True
            ),
            ce.C_LOWER: st.column_config.CheckboxColumn(
                ce.C_LOWER, help="Только для пояснения: пороги задают направление"
            ),
            ce.C_X0: st.column_config.NumberColumn(ce.C_X0, format="localized"),
            ce.C_X1: st.column_config.NumberColumn(ce.C_X1, format="localized"),
            ce.C_P0: st.column_config.NumberColumn(ce.C_P0, format="localized"),
            ce.C_P1: st.column_config.NumberColumn(ce.C_P1, format="localized"),
        },
    )
    st.markdown("**Пороги ступенчатых шкал**")
    st.caption(
        "Условия проверяются сверху вниз; первое выполненное даёт баллы. Последняя строка — обычно «иначе»."
    )
    rules: dict[str, list[dict[str, object]]] = {}
    for row in edited.iter_rows(named=True):
        cid, metric = ce.cell_text(row[ce.C_ID]), ce.cell_text(row[ce.C_METRIC])
        if row[ce.C_KIND] != ce.KIND_LABELS["step"] or not cid:
            continue
        unit = "порог в %" if ce.is_share(metric) else "порог — значение метрики"
        with st.expander(f"{row[ce.C_NAME] or cid} ({unit})", expanded=False):
            table = st.data_editor(
                ce.rules_frame(base, cid, metric),
                key=f"{keyp}_rules_{cid}",
                num_rows="dynamic",
                hide_index=True,
                placeholder="",
                column_config={
                    ce.R_OP: st.column_config.SelectboxColumn(
                        ce.R_OP, options=list(ce.OP_LABELS.values()), required=True
                    ),
                    ce.R_VALUE: st.column_config.NumberColumn(ce.R_VALUE, format="localized"),
                    ce.R_POINTS: st.column_config.NumberColumn(
                        ce.R_POINTS, format="localized", required=True
                    ),
                },
            )
            rules[cid] = table.to_dicts()
    c1, c2, c3 = st.columns([1, 1, 2])
    high, medium = (
        col.number_input(
            f"Категория «{criteria.CATEGORY_LABELS[cat]}» — от, баллов",
            min_value=0.0,
            value=float(value),
            step=1.0,
            key=f"{keyp}_{cat}",
        )
        for col, cat, value in ((c1, "high", base.high_from), (c2, "medium", base.medium_from))
    )
    comment = c3.text_input("Комментарий к версии", value=base.comment, max_chars=500, key=f"{keyp}_comment")

    cand: criteria.CriteriaSet | None
    try:
        cand = ce.build_set(
            base, edited.to_dicts(), rules, high_from=high, medium_from=medium, comment=comment
        )
        problems = criteria.validate_set(cand, known)
    except Exception as exc:
        cand, problems = None, [str(exc)]
    if problems or cand is None:
        st.warning("Черновик нельзя сохранить: " + " ".join(problems))
        return

    n_moves = _what_if(scope, ctx, pub, cand)
    # Nothing to save: the draft as stored, or no draft and no edit of the published version.
    reference = draft or pub
    unchanged = criteria.same_definition(cand, reference) and cand.comment == reference.comment
    nothing_new = draft is None and criteria.same_definition(cand, pub)
    b1, b2, b3 = st.columns([1, 1, 1])
    if b1.button("Сохранить черновик", key="crit_save", disabled=unchanged, width="stretch"):
        try:
            version = _save(scope, cand)
        except Exception as exc:
            widgets.action_error(exc, "criteria_draft")
        else:
            _bump_generation()
            st.session_state[_FLASH] = f"Черновик версии {version} сохранён."
            st.rerun()
    if b2.button(
        "Опубликовать…",
        key="crit_publish",
        type="primary",
        width="stretch",
        disabled=nothing_new,
        help="Нет правок относительно опубликованной версии." if nothing_new else None,
    ):
        st.session_state[_PUBLISH_OPEN] = True
    # Kept open across reruns until confirmed, cancelled or dismissed.
    if st.session_state.get(_PUBLISH_OPEN):
        _publish_dialog(scope, cand, draft, n_moves)
    with b3.popover("Удалить черновик", disabled=draft is None, width="stretch"):
        st.markdown("Черновик и все несохранённые правки будут удалены; опубликованная версия не изменится.")
        if st.button("Да, удалить черновик", key="crit_discard"):
            try:
                with cursor() as cur:
                    ops_criteria.discard_draft(cur, scope, ctx.cohort)
            except Exception as exc:
                widgets.action_error(exc, "criteria_discard")
            else:
                _bump_generation()
                st.session_state[_FLASH] = "Черновик удалён."
                st.rerun()


def _what_if(scope: Scope, ctx: mctx.Context, pub: criteria.CriteriaSet, cand: criteria.CriteriaSet) -> int:
    """Rank changes under the edited set, on the same metric values as the published rating.
    Returns the number of colleges whose place changes."""
    st.markdown("**Что изменится в рейтинге (до публикации)**")
    if criteria.same_definition(cand, pub):
        st.caption("Правок относительно опубликованной версии нет: места не изменятся.")
        return 0
    v = cached.version()
    values = cached.college_metric_values(v, ctx.cohort, ctx.as_of)
    base = cached.rating(v, scope, ctx.cohort, ctx.as_of, pub.version)
    with cursor() as cur:
        new = criteria.rating(cur, scope, ctx.cohort, ctx.as_of, cand, values)
    diff = criteria.what_if(base, new)
    moved = diff.filter(pl.col("rank_change").fill_null(0) != 0)
    changed_cat = diff.filter(pl.col("category_changed").fill_null(False))
    st.caption(
        f"Изменят место: {fmt_int(moved.height)} ПОО; сменят категорию: {fmt_int(changed_cat.height)}. "
        f"Максимум баллов: {ce.fmt_points(pub.max_score())} → {ce.fmt_points(cand.max_score())}."
    )
    st.dataframe(
        ce.what_if_display(diff), hide_index=True, placeholder="—", width="stretch", key="crit_what_if"
    )
    return moved.height


def body() -> None:
    scope = widgets.current_scope()
    st.title("Эффективность ЦСТВ")
    ctx = widgets.require_context(scope)
    with cursor() as cur:
        pub = criteria.published(cur, ctx.cohort)
        all_versions = criteria.versions(cur, ctx.cohort)
        draft = criteria.draft(cur, ctx.cohort) if scope.role == "base_centre" else None
    st.caption(
        f"Выпуск {ctx.cohort} г., оценка на {ctx.as_of:%d.%m.%Y}. Критерии {pub.year} г.: {_version_line(pub)}."
    )
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        st.success(flash)
    rating_view.flash()
    names = ["Рейтинг", "Возражения", "Критерии", "История версий"]
    if scope.role == "base_centre":
        names.append("Редактор критериев")
    tabs = st.tabs(names)
    with tabs[0]:
        _rating_tab(scope, ctx, pub)
        downloads.report_button("rating", label="Скачать рейтинг эффективности ЦСТВ (Excel)")
    with tabs[1]:
        rating_view.objections_tab(
            scope, ctx, cached.rating_publication(cached.version(), ctx.cohort, ctx.as_of)
        )
    with tabs[2]:
        _criteria_tab(pub)
    with tabs[3]:
        _history_tab(scope, ctx, all_versions)
    if scope.role == "base_centre":
        with tabs[4]:
            _editor_tab(scope, ctx, pub, draft)


widgets.safe_page(body)
