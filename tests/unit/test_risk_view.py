"""Pure shaping of the risk-group page (ui/risk_view.py)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from ui import risk_view


def _reg() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "college_code": ["P002", "P001", "P001"],
            "person_key": ["c", "b", "a"],
            "in_group": [True, True, False],
            "reasons": [["risk_status"], ["no_status", "czn_registered"], ["risk_status"]],
            "entry_date": [dt.date(2024, 7, 5)] * 3,
            "exit_date": [None, None, dt.date(2024, 8, 2)],
            "weeks_in_group": [3, 5, 4],
            "status_now": ["informal", None, "employed"],
            "left_for_work_study": [False, False, True],
        }
    )


def _persons() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "college_code": ["P001", "P001", "P002"],
            "person_key": ["a", "b", "c"],
            "fio": ["Алексеев", "Борисов", "Васильев"],
            "snils_masked": ["***-***-*01 01"] * 3,
            "program_code": ["09.02.07"] * 3,
            "program_name": ["ИСП"] * 3,
        }
    )


def test_register_view_labels_and_order() -> None:
    imported = pl.DataFrame(
        {"college_code": ["P001"], "person_key": ["b"], "support_measures": ["Ярмарка вакансий"]}
    )
    view = risk_view.register_view(_reg(), _persons(), imported, {"P001": "СПК"})
    # longest stay first
    assert view["person_key"].to_list() == ["b", "a", "c"]
    assert view["reasons_text"].to_list() == ["нет статуса; учёт в ЦЗН", "статус риска", "статус риска"]
    assert view["status_label"][0] == "Нет данных"
    assert view["college_name"].to_list() == ["СПК", "СПК", "P002"]  # unknown code shown as is
    assert view["support_measures"].to_list() == ["Ярмарка вакансий", None, None]


def test_measure_counts_keep_the_order_and_count_zero() -> None:
    view = risk_view.register_view(
        _reg(),
        _persons(),
        pl.DataFrame(schema={"college_code": pl.Utf8, "person_key": pl.Utf8, "support_measures": pl.Utf8}),
        {},
    )
    measures = pl.DataFrame({"college_code": ["P002", "P002", "P001"], "person_key": ["c", "c", "a"]})
    out = risk_view.with_measure_counts(view, measures)
    assert out["person_key"].to_list() == view["person_key"].to_list()
    assert dict(zip(out["person_key"], out["measures"], strict=True)) == {"a": 1, "b": 0, "c": 2}
    none = risk_view.with_measure_counts(view, measures.clear())
    assert none["measures"].to_list() == [0, 0, 0]
