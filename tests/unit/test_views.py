"""metrics.views: the shaping behind the monitoring screens, with hand-computed values."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from metrics import views
from metrics.formatting import NBSP

PP = f"{NBSP}п.{NBSP}п."


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "lt100"),
        (99, "lt100"),
        (100, "100_300"),
        (299, "100_300"),
        (300, "300_600"),
        (600, "gt600"),
        (5000, "gt600"),
    ],
)
def test_size_band_edges(total: int, band: str) -> None:
    assert views.size_band(total) == band


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2026, 10, 30), dt.date(2026, 9, 30)),
        (dt.date(2026, 3, 31), dt.date(2026, 2, 28)),
        (dt.date(2024, 3, 31), dt.date(2024, 2, 29)),
        (dt.date(2026, 1, 15), dt.date(2025, 12, 15)),
    ],
)
def test_month_before(day: dt.date, expected: dt.date) -> None:
    assert views.month_before(day) == expected


def _frame(**cols: list[object]) -> pl.DataFrame:
    return pl.DataFrame(cols, strict=False)


def test_vs_target_gap_and_places_needed() -> None:
    f = _frame(code=["a", "b"], numerator=[50, 70], denominator=[100, 100], rate=[0.5, 0.7], total=[120, 110])
    out = views.vs_target(f, 0.625)
    assert out["gap"].to_list() == pytest.approx([-0.125, 0.075])
    # ceil(0.625 * 100) - 50 = 13; b is above the target
    assert out["places_needed"].to_list() == [13, 0]


def test_vs_target_lower_is_better_flips_the_sign() -> None:
    f = _frame(code=["a"], numerator=[10], denominator=[100], rate=[0.10], total=[100])
    out = views.vs_target(f, 0.07, lower_is_better=True)
    assert out["gap"][0] == pytest.approx(-0.03)  # 10 % risk share against a 7 % ceiling is worse
    assert out["places_needed"][0] is None


def test_ranked_skips_unreliable_and_missing_rates() -> None:
    f = _frame(
        code=["tiny", "b", "none", "d", "e"], rate=[1.0, 0.5, None, 0.7, 0.7], total=[8, 20, 30, 20, 40]
    )
    ranks = dict(zip(f["code"], views.ranked(f)["rank"], strict=True))
    assert ranks == {"tiny": None, "b": 3, "none": None, "d": 1, "e": 1}


def test_rank_change_positive_means_moved_up() -> None:
    now = _frame(code=["a", "b", "c"], rate=[0.9, 0.5, 0.6], total=[50, 50, 50])
    before = _frame(code=["a", "b", "c"], rate=[0.4, 0.8, 0.6], total=[50, 50, 50])
    out = views.with_rank_change(now, before)
    got = {r["code"]: (r["rank"], r["rank_prev"], r["rank_change"]) for r in out.iter_rows(named=True)}
    assert got == {"a": (1, 3, 2), "b": (3, 1, -2), "c": (2, 2, 0)}


def test_rank_change_label() -> None:
    assert [views.rank_change_label(x) for x in (2, -1, 0, None)] == ["▲ 2", "▼ 1", "без изменений", "—"]


def test_with_change() -> None:
    now = _frame(code=["a", "b"], rate=[0.6, 0.5])
    before = _frame(code=["a"], rate=[0.55])
    out = views.with_change(now, before)
    assert out["change"].to_list()[0] == pytest.approx(0.05)
    assert out["change"].to_list()[1] is None


def test_peer_medians_use_reliable_colleges_of_the_band() -> None:
    f = _frame(
        code=["a", "b", "c", "tiny", "big"],
        rate=[0.4, 0.6, 0.8, 0.0, 0.5],
        total=[50, 60, 70, 5, 700],
    )
    out = views.peer_medians(views.with_size_band(f))
    med = dict(zip(out["code"], out["band_median"], strict=True))
    assert med["a"] == pytest.approx(0.6)  # median of 0.4, 0.6, 0.8 — the college of 5 is left out
    assert med["tiny"] == pytest.approx(0.6)
    assert med["big"] == pytest.approx(0.5)
    vs = dict(zip(out["code"], out["vs_band"], strict=True))
    assert vs["c"] == pytest.approx(0.2)
    assert dict(zip(out["code"], out["size_band_label"], strict=True))["big"] == "более 600"


def test_with_size_band_uses_the_whole_college_size() -> None:
    filtered = _frame(code=["a"], total=[40], rate=[0.5])
    sizes = _frame(code=["a"], total=[350])
    out = views.with_size_band(filtered, sizes)
    assert out["size"][0] == 350
    assert out["size_band"][0] == "300_600"


def test_status_groups() -> None:
    counts = {"employed": 3, "self_employed": 1, "continuing_education": 2, "informal": 1, "unknown": 3}
    g = views.status_groups(counts)
    assert g["group"].to_list() == ["work", "study", "risk", "unknown"]
    assert g["count"].to_list() == [4, 2, 1, 3]
    assert g["share"].to_list() == pytest.approx([0.4, 0.2, 0.1, 0.3])


def test_labels_mask_small_groups_in_aggregate_views() -> None:
    f = _frame(
        code=["small", "big"],
        total=[4, 40],
        numerator=[2, 25],
        denominator=[4, 40],
        rate=[0.5, 0.625],
        change=[0.1, -0.012],
        gap=[-0.125, 0.0],
        places_needed=[1, 0],
    )
    masked = views.with_labels(f, mask_small=True)
    small, big = masked.row(0, named=True), masked.row(1, named=True)
    assert (small["rate_label"], small["change_label"], small["gap_label"]) == ("<5", "<5", "<5")
    # the numbers behind the label are gone too, so sorting or a tooltip cannot reveal them
    assert small["rate"] is None and small["numerator"] is None and small["places_needed"] is None
    assert big["rate_label"] == f"62,5{NBSP}%"
    assert big["change_label"] == f"−1,2{PP}"
    assert big["reliability"] == "" and small["reliability"] == "<5: скрыто"
    shown = views.with_labels(f, mask_small=False)
    assert shown["rate_label"][0] == f"50,0{NBSP}%"
    assert shown["rate"][0] == 0.5
    assert shown["reliability"][0] == "мало данных"  # not hidden from the college itself, still < 10


def test_shown_numbers_replace_labels_by_numbers() -> None:
    f = views.with_labels(
        _frame(
            code=["a", "b"],
            name=["СПК", "СМК"],
            full_name=["ГБПОУ «Самарский политехнический колледж»", None],
            total=[40, 1234],
            numerator=[25, 600],
            denominator=[40, 1000],
            rate=[0.625, 0.6],
            change=[-0.0004, 0.012],
            gap=[0.0, -0.025],
            places_needed=[0, 25],
        ),
        mask_small=True,
    )
    shown, order = views.shown_numbers(f, ["name", "total", "rate_label", "gap_label", "change_label", "x"])
    assert order == ["name_shown", "total", "rate_shown", "gap_shown", "change_shown"]
    assert shown["name_shown"].to_list() == ["ГБПОУ «Самарский политехнический колледж» (СПК)", "СМК"]
    assert shown["rate_shown"].to_list() == [0.625, 0.6]
    assert shown["gap_shown"].to_list() == [0.0, -2.5]
    assert shown["change_shown"].to_list() == [0.0, 1.2]
    assert str(shown["change_shown"][0]) == "0.0"  # not -0.0
    assert views.shown_column("places_needed_label") == "places_needed_shown"


def test_count_labels() -> None:
    f = _frame(total=[3, 1500], places_needed=[1, 1234], risk_count=[None, 7])
    out = views.count_labels(f, ("places_needed", "risk_count"), mask_small=True)
    assert out["places_needed_label"].to_list() == ["<5", f"1{NBSP}234"]
    assert out["risk_count_label"].to_list() == ["<5", "7"]
    shown = views.count_labels(f, ("risk_count",), mask_small=False)
    assert shown["risk_count_label"].to_list() == ["—", "7"]


def test_vectorised_twins_match_the_scalar_functions() -> None:
    """No Python callbacks inside polars (metrics.formatting): the expressions give the same text."""
    from metrics.formatting import fmt_pp, pp_expr

    sizes = [0, 1, 99, 100, 101, 299, 300, 599, 600, 601, 10_000]
    got = pl.DataFrame({"s": sizes}).select(views.size_band_expr(pl.col("s"))).to_series().to_list()
    assert got == [views.size_band(s) for s in sizes]
    changes = [3, 1, 0, -1, -12, None]
    got = pl.DataFrame({"c": changes}, schema={"c": pl.Int64}).select(views.rank_change_expr(pl.col("c")))
    assert got.to_series().to_list() == [views.rank_change_label(c) for c in changes]
    deltas = [0.012, -0.012, 0.0, 0.00001, -0.00001, 0.5, -1.0, 0.0349, None]
    got = pl.DataFrame({"d": deltas}, schema={"d": pl.Float64}).select(pp_expr(pl.col("d")))["d"].to_list()
    assert got == [fmt_pp(d) for d in deltas]
