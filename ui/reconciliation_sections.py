"""Streamlit sections of the «Сверка и качество данных» page: the ФИС ФРДО reconciliation with the
decision form (ops.reconciliation), the confirmation of statuses by УФНС, the timeliness of updates,
contested СНИЛС (ops.identity)."""

from __future__ import annotations

import polars as pl
import streamlit as st

from metrics import reconciliation
from metrics.formatting import fmt_date, fmt_int, fmt_pct
from ops import identity as ops_identity
from ops import reconciliation as ops_reconciliation
from ui import audit_views, cached, widgets
from ui import filter_context as mctx
from ui import quality_view as qv
from ui.connection import cursor
from ui.roles import Scope

DATE_FMT = "DD.MM.YYYY"


FLASH = "_recon_flash"


ACTION_LABELS = {"confirmed": "Подтвердить", "returned": "Вернуть на доработку"}


def college_names(scope: Scope) -> tuple[dict[str, str], dict[str, str]]:
    v = cached.version()
    colleges = cached.college_list(v, scope)
    names = cached.college_names(v, scope)
    tus = {k: v for k, v in zip(colleges["tu_code"], colleges["tu_name"], strict=True) if k and v}
    return names, tus


def college_picker(scope: Scope, codes: list[str], names: dict[str, str], label: str, key: str) -> str | None:
    if not codes:
        return None
    if scope.role == "college":
        return scope.code
    return st.selectbox(label, codes, format_func=lambda c: names.get(c, c), key=key)


def decision_form(scope: Scope, ctx: mctx.Context, table: pl.DataFrame, names: dict[str, str]) -> None:
    party = "ПОО" if scope.role == "college" else "ТУ"
    st.markdown(f"**Решение {party} по сверке**")
    college = college_picker(scope, table["college_code"].to_list(), names, "ПОО", "recon_decide_college")
    if college is None:
        return
    with st.form("recon_decide_form", clear_on_submit=True):
        decision = st.radio(
            "Решение",
            list(ACTION_LABELS),
            format_func=ACTION_LABELS.__getitem__,
            horizontal=True,
            key="recon_decision",
        )
        comment = st.text_area(
            "Комментарий",
            max_chars=1000,
            key="recon_comment",
            placeholder="При возврате обязательно: что исправить",
        )
        if st.form_submit_button("Отправить решение", type="primary"):
            try:
                with cursor() as cur:
                    ops_reconciliation.decide(cur, scope, college, ctx.cohort, decision, comment)
            except Exception as exc:
                widgets.action_error(exc, "reconciliation_decide")
            else:
                cached.reconciliation_table.clear()  # decisions do not bump the dataset version
                label = reconciliation.DECISION_LABELS[decision].lower()
                st.session_state[FLASH] = f"Решение «{label}» по {names.get(college, college)} сохранено."
                st.rerun()


def differences(scope: Scope, ctx: mctx.Context, table: pl.DataFrame, names: dict[str, str]) -> None:
    st.markdown("**Расхождения по СНИЛС**")
    with_diff = table.filter((pl.col("only_in_list") > 0) | (pl.col("only_in_frdo") > 0))[
        "college_code"
    ].to_list()
    if not with_diff:
        st.caption("Расхождений между списками ПОО и ФИС ФРДО нет.")
        return
    college = college_picker(scope, with_diff, names, "ПОО с расхождениями", "recon_diff_college")
    if college is None or college not in with_diff:
        st.caption("Расхождений между списком ПОО и ФИС ФРДО нет.")
        return
    show_full = st.toggle(
        "Показать СНИЛС полностью",
        key="recon_full_snils",
        help="Полный СНИЛС нужен, чтобы найти запись и исправить список или выгрузку ФИС ФРДО.",
    )
    with cursor() as cur:
        diff = reconciliation.differences(cur, scope, college, ctx.cohort)
    st.dataframe(
        qv.differences_display(diff, show_full),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="recon_diff_table",
        column_config={"Дата выдачи": st.column_config.DateColumn("Дата выдачи", format=DATE_FMT)},
    )


def graduation_tab(scope: Scope, ctx: mctx.Context) -> None:
    v = cached.version()
    table = cached.reconciliation_table(v, scope, ctx.cohort)
    names, tus = college_names(scope)
    if table.is_empty():
        st.info("Нет ни списков фактического выпуска, ни выгрузки ФИС ФРДО за этот год.")
        return
    n_list, n_frdo, n_matched = (int(table[c].sum()) for c in ("list_count", "frdo_count", "matched"))
    n = table.height
    confirmed_c = int((table["college_decision"] == "confirmed").sum())
    confirmed_t = int((table["territory_decision"] == "confirmed").sum())
    widgets.kpi_row(
        [
            widgets.Kpi("По спискам ПОО", fmt_int(n_list)),
            widgets.Kpi("В ФИС ФРДО", fmt_int(n_frdo)),
            widgets.Kpi(
                "Полнота ФИС ФРДО",
                fmt_pct(n_matched / n_list if n_list else None),
                help="Выпускники списков, найденные в ФИС ФРДО, к числу выпускников по спискам.",
            ),
            widgets.Kpi("Подтвердили ПОО", f"{fmt_int(confirmed_c)} из {fmt_int(n)}"),
            widgets.Kpi("Подтвердили ТУ", f"{fmt_int(confirmed_t)} из {fmt_int(n)}"),
        ]
    )
    st.dataframe(
        qv.reconciliation_display(table, tus),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="recon_table",
        column_config=widgets.share_columns(qv.SHARE_COLUMNS),
    )
    st.caption(
        "Цифры публикует базовый центр; ПОО и её территориальное управление подтверждают их или возвращают "
        "с комментарием. Действует последнее решение каждой стороны."
    )
    if scope.role in ("college", "territory"):
        decision_form(scope, ctx, table, names)
    if scope.sees_personal_data:
        differences(scope, ctx, table, names)
    with st.expander("История решений", expanded=False):
        decision_history(scope, ctx, names)


def decision_history(scope: Scope, ctx: mctx.Context, names: dict[str, str]) -> None:
    with cursor() as cur:
        hist = reconciliation.decision_history(cur, scope, ctx.cohort)
    if hist.is_empty():
        st.caption("Решений пока не было.")
    else:
        st.dataframe(
            hist.select(
                pl.col("decided_at").alias("Когда"),
                pl.col("college_code").replace_strict(names, default=pl.col("college_code")).alias("ПОО"),
                pl.col("party")
                .replace_strict(reconciliation.PARTY_LABELS, default=pl.col("party"))
                .alias("Сторона"),
                pl.col("decision")
                .replace_strict(reconciliation.DECISION_LABELS, default=pl.col("decision"))
                .alias("Решение"),
                pl.col("comment").alias("Комментарий"),
                pl.col("username").alias("Пользователь"),
                pl.col("list_count").alias("По списку"),
                pl.col("frdo_count").alias("В ФИС ФРДО"),
            ),
            hide_index=True,
            placeholder="—",
            width="stretch",
            key="recon_history",
            column_config={"Когда": st.column_config.DatetimeColumn("Когда", format="DD.MM.YYYY HH:mm")},
        )


def verification_tab(scope: Scope, ctx: mctx.Context) -> None:
    v = cached.version()
    total_row, summary, n_conflicts, conf = cached.verification_overview(v, scope, ctx.cohort, ctx.as_of)
    names, _ = college_names(scope)
    dates = cached.data_dates(v, scope, ctx.cohort, ctx.as_of)
    st.caption(
        f"Статусы ПОО на {fmt_date(ctx.as_of)}; данные УФНС на {fmt_date(dates.get('Данные УФНС'))}, "
        f"ЦЗН на {fmt_date(dates.get('Данные ЦЗН'))}. Работа, начатая после даты выгрузки УФНС, "
        "проверена быть не может."
    )
    total = total_row.row(0, named=True)
    if not total["total"]:
        st.info("Нет выпускников для проверки.")
        return
    widgets.kpi_row(
        [
            widgets.Kpi("Работают (по данным ПОО)", fmt_pct(total["declared_work"] / total["total"])),
            widgets.Kpi("Работают (подтверждено)", fmt_pct(total["confirmed"] / total["total"])),
            widgets.Kpi(
                "Подтверждено УФНС",
                fmt_pct(total["confirmed_share"]),
                help="Подтверждённые УФНС среди заявленных ПОО (трудовой договор, ИП, НПД), которые можно проверить.",
            ),
            widgets.Kpi("Найдены по данным УФНС", fmt_int(total["found_external"])),
            widgets.Kpi("Конфликты с ЦЗН", fmt_int(total["czn_conflicts"])),
        ]
    )
    st.dataframe(
        qv.verification_display(summary, names),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="verif_table",
        column_config=widgets.share_columns(qv.SHARE_COLUMNS),
    )
    st.markdown("**Что нужно проверить**")
    if not n_conflicts:
        st.caption("Расхождений с внешними данными нет.")
        return
    if conf is None:
        st.caption(
            f"Записей для проверки: {fmt_int(n_conflicts)}. Список выпускников видят ПОО и базовый центр."
        )
        return
    audit_views.log_external_view(
        scope, "Сверка: расхождения с УФНС и ЦЗН", f"{scope.code or 'все ПОО'}/{ctx.cohort}", conf.height
    )
    st.dataframe(
        qv.conflicts_display(conf, names, scope.role == "base_centre"),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="verif_conflicts",
        column_config={"С даты": st.column_config.DateColumn("С даты", format=DATE_FMT)},
    )
    st.caption(
        "Исправьте статус в следующем еженедельном файле статусов или уточните данные у выпускника; "
        "после загрузки расхождение исчезнет из списка."
    )


def timeliness_tab(scope: Scope, ctx: mctx.Context) -> None:
    v = cached.version()
    table = cached.timeliness(v, scope, ctx.cohort, ctx.as_of)
    _, tus = college_names(scope)
    if table.is_empty():
        st.info("Нет ПОО с выпускниками этого года.")
        return
    late = table.filter(qv.late_expr())
    st.caption(
        f"ПОО присылают срез статусов к сроку графика базового центра (по умолчанию — пятница 18:00 по "
        f"самарскому времени). «В срок» — первый срез недели поступил на сервер не позже срока; срез, "
        f"загруженный позже со старой датой актуализации, — опоздание. «Опаздывает» — последнее обновление "
        f"старше {qv.LATE_AFTER_DAYS} дней на дату расчёта ({fmt_date(ctx.as_of)})."
    )
    if late.height:
        names = ", ".join(late.sort("short_name")["short_name"].to_list()[:20])
        more = f" и ещё {fmt_int(late.height - 20)}" if late.height > 20 else ""
        st.warning(
            f"Опаздывают с обновлением: {fmt_int(late.height)} из {fmt_int(table.height)} ПОО — {names}{more}."
        )
    else:
        st.success("Все ПОО обновили статусы за последнюю неделю.")
    st.dataframe(
        qv.timeliness_display(table, tus),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="timeliness_table",
        column_config={
            "Последнее обновление": st.column_config.DateColumn("Последнее обновление", format=DATE_FMT)
        }
        | widgets.share_columns(qv.SHARE_COLUMNS),
    )


def contested_tab(scope: Scope) -> None:
    table = cached.contested(cached.version(), scope)
    st.caption(
        "СНИЛС, который есть в списках выпуска двух ПОО или который ФИС ФРДО относит к другой ПОО: пока вы "
        "не решите, чей это выпускник, данные УФНС и ЦЗН о нём скрыты от обеих ПОО и не входят в показатели. "
        "Так ПОО не может узнать чужие сведения, вписав СНИЛС в свой список."
    )
    pending = table.filter(pl.col("decision").is_null())
    if table.is_empty():
        st.success("Спорных СНИЛС нет.")
    else:
        st.markdown(f"**Ждут решения: {fmt_int(pending.height)} из {fmt_int(table.height)}**")
        audit_views.log_external_view(scope, "Спорные СНИЛС", "все ПОО", table.height)
        st.dataframe(
            qv.contested_display(table), hide_index=True, placeholder="—", width="stretch", key="contested"
        )
    if pending.height:
        options = list(range(pending.height))
        with st.form("contested_form", clear_on_submit=True):
            i = st.selectbox(
                "СНИЛС и ПОО",
                options,
                format_func=lambda n: qv.contested_label(pending.row(n, named=True)),
                key="contested_pick",
            )
            decision = st.radio(
                "Решение",
                ["allowed", "denied"],
                format_func=lambda d: {
                    "allowed": "Выпускник этой ПОО: показывать ей данные",
                    "denied": "Не выпускник этой ПОО: данные скрыты",
                }[d],
                key="contested_decision",
            )
            comment = st.text_input("Основание", max_chars=500, key="contested_comment")
            if st.form_submit_button("Сохранить решение", type="primary"):
                row = pending.row(int(i or 0), named=True)
                try:
                    with cursor() as cur:
                        ops_identity.decide(cur, scope, row["snils"], row["college_code"], decision, comment)
                except Exception as exc:
                    widgets.action_error(exc, "identity_decide")
                else:
                    st.session_state[FLASH] = "Решение по спорному СНИЛС сохранено."
                    st.rerun()
    st.markdown("**Списки выпуска, выросшие после сверки**")
    grown = audit_views.grown_lists(scope)
    if grown.is_empty():
        st.caption("Нет списков, которые выросли после подтверждения сверки.")
    else:
        st.warning(
            f"После подтверждения сверки выросли списки выпуска: {fmt_int(grown.height)}. Проверьте, кого добавили."
        )
        st.dataframe(
            qv.grown_display(grown), hide_index=True, placeholder="—", width="stretch", key="grown_lists"
        )
