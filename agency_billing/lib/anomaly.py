"""Anomaly checks on a draft invoice, on plain numbers.

The invoice model gathers the figures (the client's trailing invoices, hours, other
invoices) and turns what these functions find into flags with a reason.
"""

from dataclasses import dataclass


def average(values):
    values = [v for v in values if v is not None]
    return sum(values) / len(values) if values else None


def deviation(total, history, factor):
    """Ratio total / trailing average when the total is more than ``factor`` times the
    average away from it (0.5: more than 50% above or below); None otherwise or without
    history.

    >>> deviation(2000, [1000, 1000, 1000], 0.5)
    2.0
    >>> deviation(1200, [1000, 1000], 0.5) is None
    True
    """
    avg = average(history)
    if not avg or avg <= 0:
        return None
    if abs(total - avg) > factor * avg:
        return total / avg
    return None


def spike(hours, history, factor):
    """Ratio hours / trailing average hours when above ``factor`` times it; else None.

    >>> spike(30, [10, 12, 8], 1.5)
    3.0
    >>> spike(14, [10, 12, 8], 1.5) is None
    True
    """
    avg = average(history)
    if not avg or avg <= 0:
        return None
    if hours > factor * avg:
        return hours / avg
    return None


@dataclass(frozen=True)
class Candidate:
    """Another invoice of the same client: id, untaxed amount, date, billing period (last
    day of the period it bills, or None)."""

    key: int
    amount: float
    day: object
    period: object = None


def near_duplicate(amount, day, candidates, tolerance=0.01, days=14, period=None):
    """The first candidate whose amount is within ``tolerance`` (a fraction) of ``amount``
    and whose date is within ``days`` days of ``day``; None when there is none. Invoices
    of two different billing periods are never duplicates (a retainer bills the same fee
    every period).

    >>> from datetime import date
    >>> near_duplicate(1000, date(2026, 3, 2), [Candidate(7, 1005, date(2026, 3, 1))]).key
    7
    """
    for cand in candidates:
        if not amount or not cand.amount:
            continue
        if period and cand.period and period != cand.period:
            continue
        close_amount = abs(cand.amount - amount) <= tolerance * max(abs(amount), abs(cand.amount))
        close_day = day is None or cand.day is None or abs((cand.day - day).days) <= days
        if close_amount and close_day:
            return cand
    return None
