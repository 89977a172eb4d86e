"""The criteria editor of the «Эффективность ЦСТВ» page (base centre): criteria, weights and scales in
editable tables, a what-if preview of the rating, save / publish / discard through ops.criteria."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics import criteria
from metrics.formatting import fmt_int, parse_decimal
from ops import criteria as ops_criteria
from ui import cached, rating_view, widgets
from ui import criteria_tables as ct
from ui import filter_context as mctx
from ui.connection import cursor
from ui.criteria_sections import FLASH, metric_labels, version_line
from ui.roles import Scope
from ui.text import md

_GEN = "crit_gen"  # bumped after save / publish / discard so the editors restart from the stored set


def bump_generation() -> None:
    st.session_state[_GEN] = st.session_state.get(_GEN, 0) + 1


def save(scope: Scope, cand: criteria.CriteriaSet) -> int:
    with cursor() as cur:
        return ops_criteria.save_draft(cur, scope, cand)


_PUBLISH_OPEN = "_crit_publish_open"
# Number cells of the editor are text: a browser number cell refuses the Russian decimal comma.
DECIMAL_HELP = "Число; дробная часть — через запятую, например 12,5."


def close_publish() -> None:
    st.session_state.pop(_PUBLISH_OPEN, None)


@st.dialog("Опубликовать критерии?", width="large", on_dismiss=close_publish)
def publish_dialog(
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
        st.markdown(f"Комментарий: {md(cand.comment)}")
    c1, c2 = st.columns(2)
    if c1.button("Опубликовать", type="primary", key="crit_publish_confirm"):
        try:
            with cursor() as cur:
                published = ops_criteria.publish(cur, scope, cand)
        except Exception as exc:
            widgets.action_error(exc, "criteria_publish")
            return
        close_publish()
        bump_generation()
        st.session_state[FLASH] = f"Опубликована версия {published} критериев {cand.year} г."
        st.rerun()
    if c2.button("Отмена", key="crit_publish_cancel"):
        close_publish()
        st.rerun()


def editor_tab(
    scope: Scope, ctx: mctx.Context, pub: criteria.CriteriaSet, draft: criteria.CriteriaSet | None
) -> None:
    """The edited set from the tables below, the what-if preview, then save / publish / discard."""
    base = draft or pub
    if draft is not None:
        st.info(f"Редактируется {version_line(draft)}. Опубликована сейчас {version_line(pub)}.")
    else:
        st.info(
            f"Черновика нет: правки начинаются с опубликованной версии {pub.version}. "
            "При сохранении будет создан черновик новой версии."
        )
    keyp = f"crit_{ctx.cohort}_{st.session_state.setdefault(_GEN, 0)}"
    with cursor() as cur:
        known = criteria.known_metrics(cur)
    edited = criteria_table(base, known, keyp)
    rules = step_rules(base, edited, keyp)
    cand, problems = candidate(base, edited, rules, known, keyp)
    if problems or cand is None:
        st.warning("Черновик нельзя сохранить: " + " ".join(problems))
        return
    n_moves = what_if(scope, ctx, pub, cand)
    actions(scope, ctx, pub, draft, cand, n_moves)


def criteria_table(base: criteria.CriteriaSet, known: set[str], keyp: str) -> pl.DataFrame:
    """Criteria, weights and linear scales, one editable row per criterion."""
    labels = metric_labels()
    st.markdown("**Критерии, веса и линейные шкалы**")
    st.caption(
        "Доли — в процентах (80 = 80 %), мероприятия — участий на выпускника. «От» и «До» заполняются "
        "для линейной шкалы; пороги ступенчатой шкалы — ниже. Строку можно добавить или удалить."
    )
    number = st.column_config.TextColumn
    edited: pl.DataFrame = st.data_editor(  # type: ignore[call-overload]
        ct.criteria_frame(base),
        key=f"{keyp}_main",
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        placeholder="",
        column_config={
            ct.C_ID: st.column_config.TextColumn(
                ct.C_ID, help="Латинские буквы, уникальный в наборе", required=True
            ),
            ct.C_NAME: st.column_config.TextColumn(ct.C_NAME, required=True, width="medium"),
            ct.C_METRIC: st.column_config.SelectboxColumn(
                ct.C_METRIC,
                options=sorted(known),
                format_func=lambda m: labels.get(str(m), str(m)),
                required=True,
                width="medium",
            ),
            ct.C_WEIGHT: number(ct.C_WEIGHT, help=DECIMAL_HELP, required=True),
            ct.C_KIND: st.column_config.SelectboxColumn(
                ct.C_KIND, options=list(ct.KIND_LABELS.values()), required=True
            ),
            ct.C_LOWER: st.column_config.CheckboxColumn(
                ct.C_LOWER, help="Только для пояснения: пороги задают направление"
            ),
            **{c: number(c, help=DECIMAL_HELP) for c in (ct.C_X0, ct.C_X1, ct.C_P0, ct.C_P1)},
        },
    )
    return edited


def step_rules(
    base: criteria.CriteriaSet, edited: pl.DataFrame, keyp: str
) -> dict[str, list[dict[str, object]]]:
    """The thresholds of every step-scale criterion, one editable table each."""
    st.markdown("**Пороги ступенчатых шкал**")
    st.caption(
        "Условия проверяются сверху вниз; первое выполненное даёт баллы. Последняя строка — обычно «иначе»."
    )
    rules: dict[str, list[dict[str, object]]] = {}
    for row in edited.iter_rows(named=True):
        cid, metric = ct.cell_text(row[ct.C_ID]), ct.cell_text(row[ct.C_METRIC])
        if row[ct.C_KIND] != ct.KIND_LABELS["step"] or not cid:
            continue
        unit = "порог в %" if ct.is_share(metric) else "порог — значение метрики"
        with st.expander(md(f"{row[ct.C_NAME] or cid} ({unit})"), expanded=False):
            table = st.data_editor(
                ct.rules_frame(base, cid, metric),
                key=f"{keyp}_rules_{cid}",
                num_rows="dynamic",
                hide_index=True,
                placeholder="",
                column_config={
                    ct.R_OP: st.column_config.SelectboxColumn(
                        ct.R_OP, options=list(ct.OP_LABELS.values()), required=True
                    ),
                    ct.R_VALUE: st.column_config.TextColumn(ct.R_VALUE, help=DECIMAL_HELP),
                    ct.R_POINTS: st.column_config.TextColumn(ct.R_POINTS, help=DECIMAL_HELP, required=True),
                },
            )
            rules[cid] = table.to_dicts()
    return rules


def candidate(
    base: criteria.CriteriaSet,
    edited: pl.DataFrame,
    rules: dict[str, list[dict[str, object]]],
    known: set[str],
    keyp: str,
) -> tuple[criteria.CriteriaSet | None, list[str]]:
    """Category thresholds and comment, then the edited set and what prevents saving it."""
    c1, c2, c3 = st.columns([1, 1, 2])
    problems: list[str] = []
    thresholds: dict[str, float] = {}
    # Text, not st.number_input: a browser number field refuses the Russian decimal comma («12,5»).
    for col, cat, value in ((c1, "high", base.high_from), (c2, "medium", base.medium_from)):
        label = f"Категория «{criteria.CATEGORY_LABELS[cat]}» — от, баллов"
        shown = str(float(value)).removesuffix(".0").replace(".", ",")
        typed = col.text_input(label, value=shown, key=f"{keyp}_{cat}")
        number = parse_decimal(typed)
        if number is None or number < 0:
            problems.append(f"{label}: введите неотрицательное число, например 12,5.")
        else:
            thresholds[cat] = number
    comment = c3.text_input("Комментарий к версии", value=base.comment, max_chars=500, key=f"{keyp}_comment")
    if problems:
        return None, problems
    try:
        cand = ct.build_set(
            base,
            edited.to_dicts(),
            rules,
            high_from=thresholds["high"],
            medium_from=thresholds["medium"],
            comment=comment,
        )
        return cand, criteria.validate_set(cand, known)
    except Exception as exc:
        return None, [str(exc)]


def actions(
    scope: Scope,
    ctx: mctx.Context,
    pub: criteria.CriteriaSet,
    draft: criteria.CriteriaSet | None,
    cand: criteria.CriteriaSet,
    n_moves: int,
) -> None:
    """Save the draft, publish (after a confirmation dialog), discard the draft."""
    # Nothing to save: the draft as stored, or no draft and no edit of the published version.
    reference = draft or pub
    unchanged = criteria.same_definition(cand, reference) and cand.comment == reference.comment
    nothing_new = draft is None and criteria.same_definition(cand, pub)
    b1, b2, b3 = st.columns([1, 1, 1])
    if b1.button("Сохранить черновик", key="crit_save", disabled=unchanged, width="stretch"):
        try:
            version = save(scope, cand)
        except Exception as exc:
            widgets.action_error(exc, "criteria_draft")
        else:
            done(f"Черновик версии {version} сохранён.")
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
        publish_dialog(scope, cand, draft, n_moves)
    with b3.popover("Удалить черновик", disabled=draft is None, width="stretch"):
        st.markdown("Черновик и все несохранённые правки будут удалены; опубликованная версия не изменится.")
        if st.button("Да, удалить черновик", key="crit_discard"):
            try:
                with cursor() as cur:
                    ops_criteria.discard_draft(cur, scope, ctx.cohort)
            except Exception as exc:
                widgets.action_error(exc, "criteria_discard")
            else:
                done("Черновик удалён.")


def done(message: str) -> None:
    """After a write: editors restart from the stored set, the message shows once."""
    bump_generation()
    st.session_state[FLASH] = message
    st.rerun()


def what_if(scope: Scope, ctx: mctx.Context, pub: criteria.CriteriaSet, cand: criteria.CriteriaSet) -> int:
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
        f"Максимум баллов: {ct.fmt_points(pub.max_score())} → {ct.fmt_points(cand.max_score())}."
    )
    widgets.number_table(ct.what_if_display(diff, rating_view.full_names(scope)), "crit_what_if")
    return moved.height
