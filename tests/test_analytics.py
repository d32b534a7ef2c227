"""Edge cases of the analytics formulas (``agency_billing/lib/analytics.py``), plain pytest."""

from datetime import date, datetime

import pytest

from agency_billing_analytics.lib import analytics as an


def test_ratio_and_percent_never_divide_by_zero():
    assert an.ratio(5, 0) is None
    assert an.ratio(5, None) is None
    assert an.ratio(None, 4) == 0.0
    assert an.percent(0, 0) is None
    assert an.percent(2, 3, digits=1) == 66.7


def test_money_rounds_halves_away_from_zero():
    assert an.money(0.005) == 0.01
    assert an.money(-0.005) == -0.01
    assert an.money(1.004999) == 1.0


def test_margin_negative_and_no_revenue():
    assert an.margin(100.0, 150.0) == (-50.0, -50.0)
    assert an.margin(None, None) == (0.0, None)
    # a credit note larger than the period's invoices: negative revenue stays defined
    assert an.margin(-100.0, 0.0) == (-100.0, 100.0)


@pytest.mark.parametrize("amount,weights,expected", [
    (100.0, [1, 1, 1], [33.34, 33.33, 33.33]),
    (0.02, [1, 1, 1], [0.01, 0.01, 0.0]),
    (1200.0, [800.0, 400.0], [800.0, 400.0]),
    (10.0, [0, 5], [0.0, 10.0]),
    (10.0, [], []),
    (10.0, [0, 0], []),
])
def test_allocate_sums_exactly(amount, weights, expected):
    parts = an.allocate(amount, weights)
    assert parts == expected
    if parts:
        assert round(sum(parts), 2) == amount


def test_cost_flag_no_cost():
    assert an.cost_flag(0, 0) == (0.0, False)
    assert an.cost_flag(1.5, None) == (0.0, True)


def test_utilization_both_denominators():
    assert an.utilization(8, 10, 0) == {"of_recorded": 80.0, "of_capacity": None}
    # more billable time than capacity (overtime) is shown, not capped
    assert an.utilization(45, 45, 40)["of_capacity"] == 112.5


def test_capacity_leaves_datetimes_and_overlaps():
    day = [(datetime(2026, 1, 5, 8), datetime(2026, 1, 5, 12)),
           (datetime(2026, 1, 5, 13), datetime(2026, 1, 5, 17))]
    half_day = [(datetime(2026, 1, 5, 0), datetime(2026, 1, 5, 12, 30))]
    assert an.capacity(day, half_day) == 4.0
    assert an.capacity(day, [(datetime(2026, 1, 6), datetime(2026, 1, 7))]) == 8.0
    assert an.capacity([], []) == 0.0
    # a leave inside another changes nothing
    assert an.capacity([(8, 17)], [(9, 12), (10, 11)]) == 6.0


def test_recovery_partial_figures():
    figures = an.recovery(5, 10, 0, 0, 0, 100)
    assert figures == {"hour_recovery": 50.0, "rate_realization": None, "collection": 0.0}


def test_weighted_date_and_days():
    assert an.weighted_date([(date(2026, 1, 1), 0.0)]) is None
    assert an.weighted_date([(date(2026, 3, 1), 2.0)]) == date(2026, 3, 1)
    assert an.days(date(2026, 1, 1), date(2026, 1, 3)) == -2


def test_percentiles_match_postgres_percentile_cont():
    assert an.percentile([5], 0.9) == 5
    assert an.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == pytest.approx(9.1)
    assert an.percentile([None, 4, None], 0.5) == 4
    assert an.median([]) is None


def test_days_to_pay_early_and_open():
    # paid before the due date: no days past due
    assert an.days_to_pay(date(2026, 1, 1), date(2026, 1, 31), date(2026, 1, 20),
                          date(2026, 6, 1)) == (19, 0)
    # open and not due yet
    assert an.days_to_pay(date(2026, 1, 1), date(2026, 1, 31), None,
                          date(2026, 1, 10)) == (None, 0)


def test_dso_and_dispute_share():
    assert an.dso(0.0, 1000.0, 30) == 0.0
    assert an.dispute_share(0, 0) is None


def test_overrun_and_confidence():
    assert an.overrun(0, 10) is None
    assert an.confidence(0) == "low"
    assert an.confidence(5) == "medium"


def test_suggest_needs_a_consistent_overrun():
    # one big overrun among three projects on budget: not consistent
    assert an.suggest([(10, 30, 1, 1), (10, 10, 1, 1), (10, 10, 1, 1)], 30) is None
    # no revenue: a multiplier without a rate factor
    s = an.suggest([(10, 12, 0.0, 500.0), (10, 13, 0.0, 500.0)], 30)
    assert s["multiplier"] == 1.25 and s["rate_factor"] is None
    assert s["margin_percent"] is None
    # already above target: rates are never lowered
    s = an.suggest([(10, 12, 1000.0, 100.0), (10, 13, 1000.0, 100.0)], 30)
    assert s["rate_factor"] == 1.0
    # projects without a budget are ignored
    assert an.suggest([(0, 50, 1, 1)], 30) is None


def test_lateness_sources():
    assert an.lateness([1, 2], [], minimum=2) == ([1, 2], "client")
    assert an.lateness([1], [], minimum=2) == ([0], "none")


def test_place_horizon_and_before_start():
    # a date before the start counts in the first week; beyond the horizon in none
    assert an.place(10.0, date(2025, 12, 1), [0], date(2026, 1, 5), 2) == {0: 1.0}
    assert an.place(10.0, date(2026, 6, 1), [0], date(2026, 1, 5), 2) == {}
    # overdue, not paid yet, every observation already passed: expected this week
    assert an.place(10.0, date(2026, 1, 1), [1, 2], date(2026, 1, 5), 2,
                    date(2026, 1, 12)) == {1: 1.0}


def test_forecast_empty_and_sources():
    rows = an.forecast([], date(2026, 1, 5), 13)
    assert len(rows) == 13 and all(r["expected"] == 0.0 for r in rows)
    assert rows[-1]["week_start"] == date(2026, 3, 30)
    items = [
        {"amount": 100.0, "due": date(2026, 1, 6), "distribution": [0], "source": "draft"},
        {"amount": 50.0, "due": date(2026, 1, 7), "distribution": [0], "source": "milestone"},
        {"amount": 0.0, "due": date(2026, 1, 7), "distribution": [0], "source": "wip"},
    ]
    rows = an.forecast(items, date(2026, 1, 5), 1)
    assert rows[0]["expected"] == rows[0]["low"] == rows[0]["high"] == 150.0
    assert rows[0]["sources"] == {"draft": 100.0, "milestone": 50.0}


def test_backtest_error_perfect_and_mismatch():
    assert an.backtest_error([10, 20], [10, 20]) == {"wape": 0.0, "total": 0.0}
    assert an.backtest_error([], []) == {"wape": None, "total": None}
    with pytest.raises(ValueError):
        an.backtest_error([1], [1, 2])
