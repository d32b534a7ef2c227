"""Retainers: a fixed fee per period that covers a number of hours.

Each period makes *available* the hours the contract includes plus the hours carried in
from the previous period. Billable time of the period is *covered* by the available hours
in date order; what exceeds them is *overage*, billed at the rates the rules give. Unused
hours either expire or roll over to the next period, at most ``cap`` hours (0: no cap).

Plain functions; hours are floats rounded to 1/1,000,000 h (billed time is exact to the
minute: 20 minutes is 0.333333 h) to keep float noise out.
"""

from dataclasses import dataclass

POLICIES = ("expire", "rollover")


def _h(hours):
    return round(hours + 0.0, 6)


@dataclass(frozen=True)
class Settlement:
    """How one retainer period ends."""

    included: float
    carried_in: float
    available: float
    used: float
    covered: float
    overage: float
    carried_out: float
    expired: float


def settle(included, carried_in, used, policy="expire", cap=0.0):
    """Settle a period: which hours are covered, billed as overage, carried or expired.

    >>> settle(10, 0, 6, "rollover", cap=5).carried_out
    4.0
    >>> settle(10, 8, 3, "rollover", cap=5).expired
    10.0
    """
    if policy not in POLICIES:
        raise ValueError(f"unknown retainer policy {policy!r}")
    if included < 0 or carried_in < 0 or used < 0 or cap < 0:
        raise ValueError("retainer hours cannot be negative")
    available = _h(included + carried_in)
    covered = _h(min(used, available))
    overage = _h(max(used - available, 0.0))
    unused = _h(available - covered)
    carried = 0.0
    if policy == "rollover":
        carried = _h(min(unused, cap) if cap else unused)
    return Settlement(
        included=included, carried_in=carried_in, available=available, used=_h(used),
        covered=covered, overage=overage, carried_out=carried, expired=_h(unused - carried),
    )


def allocate(hours, available):
    """Spread ``available`` hours over entries (their billed hours, in date order).

    :return: the covered hours of each entry, same order.

    >>> allocate([2, 3, 4], 4.5)
    [2.0, 2.5, 0.0]
    """
    covered = []
    left = _h(available)
    for amount in hours:
        take = _h(min(max(amount, 0.0), left))
        covered.append(take)
        left = _h(left - take)
    return covered


def blocking_periods(released, others):
    """Periods that forbid giving back ``released``: those of the same contracts ending
    after the earliest released one (they took their carry-in from it).

    :param released: [(period id, contract id, last day)] to give back
    :param others: [(period id, contract id, last day)] the other settled periods
    :return: ids of the blocking periods, latest first

    >>> from datetime import date
    >>> blocking_periods([(2, 1, date(2026, 9, 30))],
    ...                  [(1, 1, date(2026, 8, 31)), (3, 1, date(2026, 10, 31)),
    ...                   (9, 5, date(2026, 12, 31))])
    [3]
    >>> blocking_periods([(2, 1, date(2026, 9, 30)), (3, 1, date(2026, 10, 31))],
    ...                  [(1, 1, date(2026, 8, 31))])
    []
    """
    earliest = {}
    for _pid, contract, day in released:
        earliest[contract] = min(day, earliest.get(contract, day))
    blocking = [(day, pid) for pid, contract, day in others
                if contract in earliest and day > earliest[contract]]
    return [pid for _day, pid in sorted(blocking, reverse=True)]
