"""Методика: how every figure is defined — indicators with their formulas, the status dictionary,
the risk-group rules with the current N1–N3, the published criteria, data sources and their dates,
attributions, and the interpretations made where the regional model leaves room."""

from __future__ import annotations

import polars as pl
import streamlit as st

from data_layer.scope import Scope
from metrics import criteria
from metrics.formatting import fmt_date, fmt_pct
from metrics.risk import REASONS
from metrics.statuses import GROUP_LABELS, STATUSES
from ui import cached, widgets
from ui import criteria_editor as ce
from ui.context import get_context
from ui.data import cursor

# Where the regional functional model leaves room, what the app does (kept in step with the
# module docstrings of metrics/*.py, which state the same rules for developers).
INTERPRETATIONS: tuple[tuple[str, str], ...] = (
    (
        "Статус на дату",
        "Статус выпускника на дату расчёта — из последнего файла статусов ПОО с «Датой актуализации» не позже "
        "этой даты. Выпускник, которого нет ни в одном таком файле, имеет статус «Нет данных».",
    ),
    (
        "Окно мониторинга",
        "Выпуск наблюдается с даты выпуска до 31 декабря следующего года; дата расчёта позже этого дня не берётся.",
    ),
    (
        "Прогноз на 31 декабря",
        "Прогноз строится по прошлым выпускам, а не продолжением прямой линии. Для каждого завершённого "
        "выпуска (его мониторинг закончился до даты расчёта) и каждой ПОО с 10 и более выпускниками в "
        "знаменателе известно, какую долю своего итогового значения на 31 декабря показатель набрал к той же "
        "неделе после основной даты выпуска (медианной по области; между месячными срезами — по прямой между "
        "ними). Текущее значение делится на каждую такую долю; прогноз — медиана полученных значений, "
        "диапазон — от 10-го до 90-го процентиля (в него попадали 8 из 10 прошлых траекторий). Пока нет ни "
        "одного завершённого выпуска, прогноз не строится. Проверка на демонстрационном регионе: прогноз для "
        "выпуска 2024 г., сделанный через 13 недель после выпуска, — 85,9 % (диапазон 76,7–100 %) при "
        "фактических 83,2 % на 31.12.2025 (прежний прямолинейный прогноз давал 100 %).",
    ),
    (
        "Нулевой знаменатель",
        "Если знаменатель показателя равен нулю, значение не вычисляется и показывается «—», а не 0 %.",
    ),
    (
        "С учётом прогноза",
        "Прогнозные статусы (гр.22–27) всегда остаются в знаменателе; в числитель они входят только при "
        "включённом переключателе «С учётом прогноза» — каждый как свой целевой статус.",
    ),
    (
        "Трудоустроенные по специальности",
        "Доля считается среди трудоустроенных по трудовому договору или договору ГПХ (гр.06) с отметкой "
        "«по специальности».",
    ),
    (
        "Подтверждение данными УФНС",
        "Выгрузка УФНС считается полной на свою «Дату выгрузки». Работа подтверждена, если на дату расчёта "
        "(но не позже даты выгрузки) есть действующая запись о трудовом договоре, ИП или НПД. Работа, начатая "
        "после даты выгрузки, и выпускники без СНИЛС проверке не подлежат. Контрактная служба данными УФНС "
        "не проверяется.",
    ),
    (
        "Группа риска",
        "N1 отсчитывается от даты выпуска; N2 — от даты увольнения с военной службы, если после неё нет статуса "
        "работы или учёбы с более поздней датой начала; N3 — от даты начала заявленной работы (если её нет — от "
        "даты файла, где статус появился). Вход в группу и выход из неё фиксируются по пятницам и на дату "
        "расчёта; «недель в группе» — целые недели последнего непрерывного пребывания.",
    ),
    (
        "Сверка с ФИС ФРДО",
        "С выпуском года сравниваются дипломы ФИС ФРДО с датой выдачи в том же году. Полнота = выпускники "
        "списка ПОО, найденные в ФИС ФРДО, / выпускники по списку ПОО. Действует последнее решение ПОО и ТУ.",
    ),
    (
        "Своевременность обновлений",
        "Считается по времени поступления файла на сервер, а не по дате, записанной в файле. Базовый центр "
        "задаёт для каждого выпуска срок (день недели и час по самарскому времени; текущий выпуск — по своему "
        "графику, с 1 января следующего года — еженедельно; пока не задан — каждую пятницу до 18:00). Сроки "
        "идут с первого такого дня после даты выпуска ПОО до даты расчёта. Срез относится к неделе, в которую "
        "попадает его «Дата актуализации»; засчитывается первое поступление среза этой недели: неделя «в срок», "
        "если оно было не позже срока. Срез, загруженный позже со старой датой актуализации, — опоздание за ту "
        "неделю, кто бы его ни загрузил. Время поступления ставит сервер; изменить его нельзя.",
    ),
    (
        "Рейтинг ЦСТВ",
        "Опубликованный базовым центром рейтинг (набор критериев × выпуск × дата оценки) хранится вместе с "
        "значениями показателей, баллами, местами и категориями и не меняется; новые данные дают рядом «текущий "
        "расчёт». Принятое возражение ПОО переопубликует рейтинг на ту же дату новой версией с причиной. "
        "Критерии года применяются к выпуску того же года. Место — среди всех ПОО области, при равных баллах "
        "места одинаковые (1, 2, 2, 4). Метрика без значения даёт 0 баллов; ПОО, где никто не был в группе "
        "риска, по критерию «Выведены из группы риска» получает полный балл. Карьерные треки — за учебный год "
        "выпуска; мероприятия — участия выпускников в год подготовки выпуска (с 1 октября предыдущего года по 31 "
        "мая года выпуска).",
    ),
    (
        "Цели",
        "Цель задаётся для пары «показатель — выпуск» и действует для следующих выпусков, пока не задана новая. "
        "По умолчанию — 62,5 % для доли трудоустроенных с выпуска 2022 г.",
    ),
    (
        "Малые группы",
        "Министерству и ТУ значения групп меньше 5 выпускников не показываются («<5»), чтобы нельзя было "
        "узнать человека.",
    ),
)

SOURCES: tuple[tuple[str, str], ...] = (
    ("Списки фактического выпуска и еженедельные статусы", "ПОО (через страницу «Загрузка данных»)"),
    ("ФИС ФРДО", "выгрузка, загружаемая базовым центром"),
    ("Данные УФНС о трудоустройстве, ИП и НПД", "через министерство труда; загружает базовый центр"),
    ("Данные ЦЗН о регистрации", "через министерство труда; загружает базовый центр"),
    ("Мероприятия и карьерные треки", "ПОО"),
    (
        "Справочники ТУ, муниципалитетов, ПОО и специальностей",
        "поставляются с системой, заменяются загрузкой",
    ),
)

ATTRIBUTIONS = (
    "Границы муниципальных образований: © OpenStreetMap contributors, данные доступны по лицензии "
    "Open Database License (ODbL) 1.0.",
    "Координаты населённых пунктов: GeoNames (geonames.org), лицензия CC BY 4.0.",
)


def _indicators(v: int) -> None:
    registry = cached.indicator_registry(v)
    headline = cached.headline(v)
    st.caption(f"Основной показатель: «{registry[headline].name if headline in registry else headline}».")
    for ind in registry.values():
        with st.expander(ind.name + ("" if ind.builtin else f" (свой показатель, версия {ind.version})")):
            st.markdown(ind.description or "")
            st.markdown(f"**Формула:** {ind.formula()}")
            st.caption(
                ("Чем меньше, тем лучше. " if ind.lower_is_better else "") + f"Код показателя: `{ind.id}`."
            )


def _statuses() -> None:
    st.dataframe(
        pl.DataFrame(
            {
                "Код": [s.code for s in STATUSES],
                "Статус": [s.label for s in STATUSES],
                "Графа федеральной формы": [
                    f"гр.{s.federal_col}" if s.federal_col else "—" for s in STATUSES
                ],
                "Группа": [GROUP_LABELS.get(s.group, s.group) for s in STATUSES],
            }
        ),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="method_statuses",
    )
    st.caption(
        "В файлах статус можно указать названием или кодом; регистр, пробелы по краям и «ё/е» не учитываются. "
        "«Нет данных» не загружается: это статус выпускника, которого нет ни в одном файле статусов."
    )


def _risk(v: int) -> None:
    thr = cached.thresholds(v)
    values = {"N1": thr.n1_weeks, "N2": thr.n2_weeks, "N3": thr.n3_weeks}
    st.markdown("Выпускник в группе риска на дату расчёта, если выполняется хотя бы одно условие:")
    for text in REASONS.values():
        for k, n in values.items():
            text = text.replace(f"{k} недель", f"{n} нед. ({k})")
        st.markdown(f"- {text}")
    st.caption(
        f"Сейчас N1 = {thr.n1_weeks}, N2 = {thr.n2_weeks}, N3 = {thr.n3_weeks} недель; значения меняет "
        "базовый центр на странице «Настройки показателей»."
    )


def _criteria(scope: Scope, v: int) -> None:
    ctx = widgets.require_context(scope)
    with cursor() as cur:
        pub = criteria.published(cur, ctx.cohort)
    registry = cached.indicator_registry(v)
    labels = {m: f"{label}: {desc}" for m, (label, desc) in criteria.METRICS.items()}
    labels.update({f"indicator:{i}": ind.name for i, ind in registry.items() if i not in criteria.METRICS})
    st.caption(
        f"Критерии {pub.year} г., версия {pub.version}. Категории: «Высокая» — от "
        f"{ce.fmt_points(pub.high_from)} баллов, «Средняя» — от {ce.fmt_points(pub.medium_from)}, иначе «Низкая»; "
        f"максимум — {ce.fmt_points(pub.max_score())} баллов. Итог ПОО — сумма (вес × баллы по шкале)."
    )
    st.dataframe(
        ce.description_frame(pub, labels),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="method_criteria",
    )


def _sources(scope: Scope, v: int) -> None:
    dates = cached.data_dates(v, scope)
    st.dataframe(
        pl.DataFrame({"Источник": list(dates), "Данные на": [fmt_date(d) for d in dates.values()]}),
        hide_index=True,
        placeholder="—",
        width="stretch",
        key="method_dates",
    )
    for name, who in SOURCES:
        st.markdown(f"- **{name}** — {who}")
    target = cached.target(v, "employment_federal", max(cached.cohorts(v, scope) or [2022]))
    if target:
        st.caption(
            f"Целевое значение доли трудоустроенных: {fmt_pct(target[0])} (задано для выпуска {target[1]} г.)."
        )
    st.markdown("**Картографические данные**")
    for line in ATTRIBUTIONS:
        st.markdown(f"- {line}")


def body() -> None:
    scope = widgets.current_scope()
    st.title("Методика")
    st.caption("Как считается каждый показатель на страницах и в отчётах «Выпускника».")
    v = cached.version()
    tabs = st.tabs(
        ["Показатели", "Статусы", "Группа риска", "Критерии ЦСТВ", "Источники данных", "Допущения"]
    )
    with tabs[0]:
        _indicators(v)
    with tabs[1]:
        _statuses()
    with tabs[2]:
        _risk(v)
    with tabs[3]:
        if get_context() is None:
            st.caption("Критерии показываются, когда загружены данные о выпускниках.")
        else:
            _criteria(scope, v)
    with tabs[4]:
        _sources(scope, v)
    with tabs[5]:
        st.markdown("Там, где региональная модель допускает разные прочтения, система считает так:")
        for title, text in INTERPRETATIONS:
            st.markdown(f"- **{title}.** {text}")


widgets.safe_page(body)
