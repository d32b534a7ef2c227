"""Plain-pytest tests of the pure decisions behind the money flows (no Odoo, milliseconds):
credit notes, retainer chains, the invoice's time table, delivery outcomes, time zones,
scope status, billability and rating reasons."""

from datetime import date, datetime

import pytest

from agency_billing.lib import (
    classification,
    credit,
    dates,
    delivery,
    invoice_report,
    rating,
    retainer,
    scope,
)

# -- credit notes ---------------------------------------------------------------


def test_whole_line_credit_gives_back_every_entry():
    entries = [(1, 2.0), (2, 1.0), (3, 0.333333)]
    assert credit.given_back(3.33, 3.33, entries) == [1, 2, 3]


def test_partial_credit_gives_back_latest_whole_entries_only():
    entries = [(1, 2.0), (2, 1.0), (3, 1.0)]
    assert credit.given_back(2.0, 4.0, entries) == [2, 3]
    assert credit.given_back(1.5, 4.0, entries) == [3], "the rest is a price adjustment"
    assert credit.given_back(0.9, 4.0, entries) == []
    assert credit.given_back(0.0, 4.0, entries) == []


def test_credit_tolerance_is_the_invoice_precision():
    assert credit.is_full(0.999999, 1.0)
    assert not credit.is_full(0.98, 1.0)
    assert not credit.is_full(5.0, 0.0), "nothing invoiced, nothing to credit in full"


# -- retainer chains ------------------------------------------------------------

AUG, SEP, OCT = date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31)


def test_a_middle_period_is_blocked_by_the_later_ones_latest_first():
    periods = [(1, 7, AUG), (3, 7, OCT), (4, 7, date(2026, 11, 30))]
    assert retainer.blocking_periods([(2, 7, SEP)], periods) == [4, 3]


def test_periods_given_back_together_do_not_block_each_other():
    assert retainer.blocking_periods([(2, 7, SEP), (3, 7, OCT)], [(1, 7, AUG)]) == []


def test_other_contracts_never_block():
    assert retainer.blocking_periods([(2, 7, SEP)], [(9, 8, OCT)]) == []


def test_settlement_is_exact_to_the_minute():
    third = round(1 / 3, 6)
    settled = retainer.settle(1.0, 0.0, 3 * third)
    assert settled.covered == 0.999999
    assert retainer.allocate([third] * 3, 1.0) == [third] * 3


# -- the invoice's time table -----------------------------------------------------


def test_allocation_adds_up_to_the_total_to_the_cent():
    shares = invoice_report.allocate(157.95, [1 / 6] * 7)
    assert round(sum(shares), 2) == 157.95
    assert max(shares) - min(shares) <= 0.01 + 1e-9


def test_allocation_follows_the_weights():
    assert invoice_report.allocate(100.0, [3, 1]) == [75.0, 25.0]
    assert invoice_report.allocate(0.0, [1, 2]) == [0.0, 0.0]
    assert invoice_report.allocate(10.0, []) == []


def test_entry_amounts_spread_each_line_and_leave_covered_time_at_zero():
    entries = [
        invoice_report.TimeEntry(1, billed=1.0, rate=135.0, line="creative"),
        invoice_report.TimeEntry(2, billed=1.0, covered=1.0, rate=135.0, line="creative"),
        invoice_report.TimeEntry(3, billed=0.5, rate=100.0, line=None),
    ]
    amounts = invoice_report.entry_amounts(entries, {"creative": 135.0})
    assert amounts == {1: 135.0, 2: 0.0, 3: 50.0}


def test_time_rows_annex_and_totals():
    entries = [invoice_report.TimeEntry(1, date=date(2026, 3, 1), who="Casey", raw=0.25,
                                        billed=1 / 3, rate=150.0, line=1),
               invoice_report.TimeEntry(2, date=date(2026, 3, 2), who="Casey", raw=0.25,
                                        billed=1 / 3, rate=150.0, line=1)]
    amounts = invoice_report.entry_amounts(entries, {1: 100.5})
    rows, totals = invoice_report.time_rows(entries, amounts, "annex")
    assert [row["amount"] for row in rows] == [50.25, 50.25]
    assert totals["amount"] == 100.5
    assert invoice_report.time_rows(entries, amounts, "summary")[0] == []
    with pytest.raises(ValueError):
        invoice_report.time_rows(entries, amounts, "everything")


# -- delivery, time zones -------------------------------------------------------------


@pytest.mark.parametrize(("statuses", "state"), [
    (["sent"], "sent"),
    (["sent", "exception"], "failed"),
    (["sent", "bounce"], "failed"),
    (["ready"], "pending"),
    ([], "pending"),
])
def test_delivery_outcome(statuses, state):
    assert delivery.outcome(statuses) == state


def test_billing_day_in_los_angeles_at_the_month_boundary():
    five_pm_pacific = datetime(2026, 11, 1, 0, 0)  # UTC
    assert dates.today_in("America/Los_Angeles", five_pm_pacific) == date(2026, 10, 31)
    assert dates.today_in("Pacific/Auckland", five_pm_pacific) == date(2026, 11, 1)
    assert dates.latest_today(five_pm_pacific) >= date(2026, 11, 1)


def test_first_known_zone():
    assert dates.first_zone(None, "Nowhere/City", "Asia/Tokyo") == "Asia/Tokyo"
    assert dates.first_zone() == "UTC"


# -- scope status, billability, rating reasons ------------------------------------------


def test_scope_status_codes():
    assert scope.line_status(10, 0, 74.99, False, (75, 90)) == "ok"
    assert scope.line_status(10, 0, 75.0, False, (75, 90)) == "risk"
    assert scope.line_status(0, 500, 100.0, False, (75,)) == "over"
    assert {code for code, _label in scope.STATUSES} == {"none", "ok", "risk", "over"}


@pytest.mark.parametrize(("args", "expected"), [
    ((False, False, False, "billable", True), (False, "no_project")),
    ((True, True, False, "billable", True), (False, "excluded")),
    ((True, False, False, "non_billable", True), (False, "rule_non_billable")),
    ((True, False, False, "billable", False), (True, "rule_billable")),
    ((True, False, False, "default", True), (True, "service_type")),
])
def test_billability_chain(args, expected):
    billable, code = classification.billability(*args)
    assert (billable, code) == expected
    assert code in classification.BILLABILITY_CODES


def test_rating_returns_codes_not_sentences():
    card = rating.Rule(id=1, job=4, rate=150.0, label="CD card")
    client = rating.Rule(id=2, partner=9, job=4, kind="discount", discount=10.0)
    entry = rating.Entry(date=date(2026, 3, 1), partner=9, job=4)
    result = rating.resolve([card, client], entry)
    assert (result.code, result.rule, result.base_rule) == ("discount", client, card)
    assert result.rate == pytest.approx(135.0)
    assert rating.resolve([card], rating.Entry(date=date(2026, 3, 1))).code == "no_rule"
    alone = rating.resolve([client], entry)
    assert (alone.code, alone.rule) == ("no_base", None)
    assert rating.criteria(client) == ["partner", "job"]


def test_discounted_billed_amount():
    assert rating.billed_amount(7 / 6, 150.0, 10.0) == pytest.approx(157.5)
    assert rating.net_rate(150.0) == 150.0
