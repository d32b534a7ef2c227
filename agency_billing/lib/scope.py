"""Scope budget arithmetic: burn percentages, alert thresholds, forecasts, over scope.

Plain functions on plain numbers and dates (no database); the models gather records,
call them and write the results in batch. The rules they implement are documented in
the README ("Scope budgets, alerts and change requests").
"""

import math
from datetime import timedelta

# What happens to time recorded after its budget line is used up.
OVER_SCOPE_POLICIES = [
    ("billed", "Bill at rate"),
    ("held", "Hold until a change request is approved"),
    ("absorbed", "Absorb (non-billable)"),
]
# Status of a budget line (and of a project: its worst line), from best to worst.
STATUSES = [
    ("none", "No budget"),
    ("ok", "On track"),
    ("risk", "At risk"),
    ("over", "Used up"),
]
STATUS_RANK = {key: rank for rank, (key, _label) in enumerate(STATUSES)}
DEFAULT_THRESHOLDS = (75, 90, 100)
THRESHOLD_MIN = 1
THRESHOLD_MAX = 200
# The recent burn rate is measured over at least this many days, so that the first
# entries of a line do not forecast an absurdly early end.
MIN_FORECAST_WINDOW = 7


class ThresholdError(ValueError):
    """Thresholds that cannot be used; ``code`` says why, ``value`` what was wrong."""

    def __init__(self, code, value=None):
        super().__init__(f"{code}: {value!r}")
        self.code = code  # "empty", "number", "range" or "order"
        self.value = value


def parse_thresholds(text):
    """'75, 90,100' -> (75, 90, 100): whole percentages, 1 to 200, strictly increasing.

    :raise ThresholdError: with code "empty", "number", "range" or "order"
    """
    parts = [part.strip().rstrip("%").strip() for part in (text or "").split(",")]
    parts = [part for part in parts if part]
    if not parts:
        raise ThresholdError("empty", text)
    values = []
    for part in parts:
        try:
            value = float(part)
        except ValueError:
            raise ThresholdError("number", part)
        if not value.is_integer():
            raise ThresholdError("number", part)
        value = int(value)
        if not THRESHOLD_MIN <= value <= THRESHOLD_MAX:
            raise ThresholdError("range", value)
        if values and value <= values[-1]:
            raise ThresholdError("order", value)
        values.append(value)
    return tuple(values)


def format_thresholds(values):
    return ",".join(str(value) for value in values)


def share(burn, budget):
    """Percentage of a budget burned (None when that budget is not set)."""
    if budget <= 0:
        return None
    return round(burn / budget * 100.0, 4)


def burn_percent(burn_hours, burn_amount, budget_hours, budget_amount):
    """The highest share burned of the budgets that are set, in percent.

    A line budgeted in hours and in money is as used up as the first of the two to run
    out (mixed rates can burn the money faster than the hours). 0 without any budget.
    """
    shares = [s for s in (share(burn_hours, budget_hours), share(burn_amount, budget_amount))
              if s is not None]
    return max(shares, default=0.0)


def has_budget(budget_hours, budget_amount):
    return budget_hours > 0 or budget_amount > 0


def is_exhausted(burn_hours, burn_amount, budget_hours, budget_amount):
    """True when a set budget is used up (100% or more)."""
    return (has_budget(budget_hours, budget_amount)
            and burn_percent(burn_hours, burn_amount, budget_hours, budget_amount) >= 100.0)


def thresholds_to_alert(thresholds, percent, alerted):
    """Thresholds reached by ``percent`` and above the highest one already alerted."""
    return [value for value in thresholds if alerted < value <= percent]


def alerted_after_growth(thresholds, percent):
    """After the budget grows: the thresholds still reached stay alerted, the ones above
    the new percentage are armed again (the highest still reached, 0 for none)."""
    return max((value for value in thresholds if value <= percent), default=0)


def first_over_scope(burn_before, budget, contributions):
    """Index of the first entry recorded over scope, or None.

    Entries are taken in recording order; an entry is over scope when the burn before it
    already reaches its budget (100%). The entry that crosses the line is still within
    scope, whatever its length. Once a line is used up every later entry is over scope.

    :param burn_before: (hours, amount) burned before these entries
    :param budget: (hours, amount) of the line
    :param contributions: [(billed hours, billed amount)] of the entries, in order
    """
    if not has_budget(*budget):
        return None
    hours, amount = burn_before
    for index, (entry_hours, entry_amount) in enumerate(contributions):
        if is_exhausted(hours, amount, *budget):
            return index
        hours += entry_hours
        amount += entry_amount
    return None


def forecast_window(today, first_date, max_days):
    """Days the recent burn rate is measured over, and whether that covers all the burn.

    The window is ``max_days`` (e.g. 28), shortened to the days since the line's first
    entry (all its burn is then recent), but never below MIN_FORECAST_WINDOW days.

    :return: (days, all_burn_is_recent)
    """
    max_days = max(max_days, 1)
    if not first_date:
        return max_days, True
    since_first = (today - first_date).days + 1
    if since_first <= max_days:
        return max(min(since_first, max_days), min(MIN_FORECAST_WINDOW, max_days)), True
    return max_days, False


def forecast_date(today, remaining, recent_burn, window_days):
    """The day a budget line is used up at its recent burn rate, or None.

    :param remaining: [(remaining, budget)] per basis (hours, amount); a basis whose
        budget is not set is ignored
    :param recent_burn: the burn of each basis over the last ``window_days`` days
    :return: a date, or None when nothing burns lately, no budget is set, or the line is
        already used up
    """
    days = []
    for (left, budget), burned in zip(remaining, recent_burn, strict=True):
        if budget <= 0:
            continue
        if left <= 0:
            return None
        if burned > 0:
            days.append(left / (burned / window_days))
    if not days:
        return None
    return today + timedelta(days=math.ceil(round(min(days), 6)))


def line_status(budget_hours, budget_amount, percent, forecast_overrun, thresholds):
    """Status code of a budget line (see STATUSES): ``none`` without budget, ``over`` at
    100 % or more, ``risk`` from the first alert threshold or with a forecast overrun,
    else ``ok``.

    >>> line_status(10, 0, 80.0, False, (75, 90, 100)), line_status(10, 0, 50.0, True, ())
    ('risk', 'risk')
    >>> line_status(0, 0, 0.0, False, (75,)), line_status(10, 0, 100.0, False, (75,))
    ('none', 'over')
    """
    if not has_budget(budget_hours, budget_amount):
        return "none"
    if percent >= 100.0:
        return "over"
    if forecast_overrun or (thresholds and percent >= thresholds[0]):
        return "risk"
    return "ok"
