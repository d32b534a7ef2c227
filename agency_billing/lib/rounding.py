"""Rounding of billed time, as client contracts word it.

A policy is (method, unit in minutes, minimum in minutes):
``none`` keeps the time, ``up`` rounds up to the next unit, ``nearest`` rounds to
the nearest unit (half up). The minimum applies to any entry with time on it, after
rounding. Zero and negative durations (corrections) are never rounded.
"""

import math
from decimal import ROUND_HALF_UP, Decimal

METHODS = ("none", "up", "nearest")


def round_minutes(minutes, method, unit, minimum=0):
    """Round a duration in minutes; return minutes.

    >>> round_minutes(20, "up", 15)
    30
    >>> round_minutes(22, "nearest", 15)
    15
    >>> round_minutes(5, "none", 15, minimum=15)
    15
    """
    if method not in METHODS:
        raise ValueError(f"unknown rounding method {method!r}")
    if minutes <= 0:
        return minutes
    if method != "none":
        if not unit or unit <= 0:
            raise ValueError("the rounding unit must be a positive number of minutes")
        # Durations arrive as float hours: 0.25 h may be 14.999999 minutes.
        exact = Decimal(str(round(minutes, 6)))
        units = exact / Decimal(unit)
        if method == "up":
            count = math.ceil(units)
        else:
            count = int(units.quantize(Decimal(1), rounding=ROUND_HALF_UP))
        minutes = count * unit
    if minimum and minutes < minimum:
        minutes = minimum
    return minutes


def round_hours(hours, method, unit, minimum=0):
    """Round a duration in hours with a policy in minutes; return hours."""
    if not hours or hours <= 0:
        return hours
    rounded = round_minutes(hours * 60.0, method, unit, minimum)
    return round(rounded / 60.0, 6)
