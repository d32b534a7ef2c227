"""Billing cycles: on which dates a client is billed and which period each invoice covers.

A *billing date* is the day a client's invoice is drafted; it covers the *period* that ends
the day before. Cycles:

``weekly``    every week on ``weekday`` (0 = Monday); period = the 7 days before.
``biweekly``  every 14 days from ``anchor`` (a billing date; default: the first
              ``weekday`` on or after 2024-01-01); period = the 14 days before.
``monthly``   every month on ``month_day`` (1 to 28); period = from the same day of the
              previous month to the day before.
``milestone`` no billing dates: invoices are drafted when milestones are reached.
``manual``    no billing dates: invoices are drafted when someone runs the client.

Plain functions on ``datetime.date``; no database.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

CYCLES = ("weekly", "biweekly", "monthly", "milestone", "manual")
PERIODIC = ("weekly", "biweekly", "monthly")
EPOCH = date(2024, 1, 1)  # a Monday: default anchor of two-weekly cycles


@dataclass(frozen=True)
class Cycle:
    """A client's billing cycle and its parameters."""

    kind: str
    weekday: int = 0
    month_day: int = 1
    anchor: date | None = None

    def __post_init__(self):
        if self.kind not in CYCLES:
            raise ValueError(f"unknown billing cycle {self.kind!r}")
        if not 0 <= self.weekday <= 6:
            raise ValueError("the billing weekday is 0 (Monday) to 6 (Sunday)")
        if not 1 <= self.month_day <= 28:
            raise ValueError("the monthly billing day is 1 to 28")

    @property
    def periodic(self):
        return self.kind in PERIODIC

    def biweekly_anchor(self):
        """The billing date two-weekly dates are counted from."""
        if self.anchor:
            return self.anchor
        return EPOCH + timedelta(days=(self.weekday - EPOCH.weekday()) % 7)


def next_billing_date(cycle, after):
    """The first billing date strictly after ``after``; None for non-periodic cycles.

    >>> next_billing_date(Cycle("weekly", weekday=0), date(2026, 3, 16))  # a Monday
    datetime.date(2026, 3, 23)
    >>> next_billing_date(Cycle("monthly", month_day=1), date(2026, 3, 10))
    datetime.date(2026, 4, 1)
    """
    if cycle.kind == "weekly":
        start = after + timedelta(days=1)
        return start + timedelta(days=(cycle.weekday - start.weekday()) % 7)
    if cycle.kind == "biweekly":
        anchor = cycle.biweekly_anchor()
        steps = (after - anchor).days // 14 + 1
        return anchor + timedelta(days=14 * steps)
    if cycle.kind == "monthly":
        candidate = after.replace(day=cycle.month_day)
        if candidate <= after:
            candidate = (after.replace(day=1) + relativedelta(months=1)).replace(
                day=cycle.month_day
            )
        return candidate
    return None


def first_billing_date(cycle, today):
    """The first billing date on or after ``today`` (a client just put on a cycle)."""
    return next_billing_date(cycle, today - timedelta(days=1))


def period(cycle, billing_date):
    """(first day, last day) of the period an invoice drafted on ``billing_date`` covers.

    >>> period(Cycle("monthly", month_day=1), date(2026, 4, 1))
    (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    """
    end = billing_date - timedelta(days=1)
    if cycle.kind == "weekly":
        return billing_date - timedelta(days=7), end
    if cycle.kind == "biweekly":
        return billing_date - timedelta(days=14), end
    if cycle.kind == "monthly":
        return billing_date - relativedelta(months=1), end
    raise ValueError(f"a {cycle.kind} cycle has no periods")


def due_periods(cycle, next_date, today, limit=12):
    """The periods due on ``today`` for a client whose next billing date is ``next_date``:
    [(billing date, first day, last day), ...] oldest first, at most ``limit``."""
    due = []
    while cycle.periodic and next_date and next_date <= today and len(due) < limit:
        due.append((next_date, *period(cycle, next_date)))
        next_date = next_billing_date(cycle, next_date)
    return due
