"""Revision rounds of a deliverable: which round is extra, its client-facing wording,
which round a day's work belongs to, and the debounce of vendor signals.

Plain functions on plain numbers and dates (no database); ``agency.deliverable`` gathers
records, calls them and writes the results in batch. The rules are documented in
``docs/user-guide/revision-rounds.md``.
"""

from datetime import timedelta

# What happens when a client asks for more rounds than the deliverable includes.
EXTRA_ROUND_POLICIES = [
    ("bill", "Bill the extra round"),
    ("ask", "Ask the client first (change request)"),
    ("absorb", "Absorb (record, do not bill)"),
]
EXTRA_ROUND_PRICINGS = [
    ("fixed", "Fixed price per round"),
    ("hourly", "Hours of the round at the contract's rates"),
]
ROUND_SOURCES = [
    ("odoo", "Odoo"),
    ("portal", "Portal"),
    ("asana", "Asana"),
    ("monday", "Monday.com"),
]
ROUND_STATES = [
    ("included", "Included"),
    ("to_bill", "To bill"),
    ("to_approve", "Waiting for the client"),
    ("approved", "Approved, to bill"),
    ("declined", "Declined (held)"),
    ("billed", "Billed"),
    ("absorbed", "Absorbed"),
]
# Vendor signals of one deliverable closer together than this are one round.
DEFAULT_DEBOUNCE_MINUTES = 15


def is_extra(number, included):
    """Whether round ``number`` (1-based) is beyond the ``included`` rounds.

    >>> is_extra(2, 2), is_extra(3, 2), is_extra(1, 0)
    (False, True, True)
    """
    return number > max(included or 0, 0)


def is_last_included(number, included):
    """Whether round ``number`` is the last included one (the Account Director's alert).

    >>> is_last_included(2, 2), is_last_included(1, 2), is_last_included(1, 0)
    (True, False, False)
    """
    return bool(included) and number == included


def initial_state(number, included, policy):
    """State of a new round: included, or what the extra-round policy makes of it.

    >>> [initial_state(n, 2, "bill") for n in (1, 2, 3)]
    ['included', 'included', 'to_bill']
    >>> initial_state(1, 0, "ask"), initial_state(4, 2, "absorb")
    ('to_approve', 'absorbed')
    """
    if not is_extra(number, included):
        return "included"
    return {"bill": "to_bill", "ask": "to_approve", "absorb": "absorbed"}[policy]


def round_label(name, number, included):
    """Client-facing wording of a round (invoice line, PDF annex, portal).

    >>> round_label("Homepage design", 3, 2)
    'Homepage design — revision round 3 (2 included)'
    """
    return f"{name} — revision round {number} ({included or 0} included)"


def within_debounce(last, when, minutes):
    """Whether a signal at ``when`` repeats the round started at ``last`` (datetimes):
    a status going back and forth within ``minutes`` is one round.

    >>> from datetime import datetime
    >>> t = datetime(2026, 3, 2, 10, 0)
    >>> within_debounce(t, t + timedelta(minutes=4), 15)
    True
    >>> within_debounce(t, t + timedelta(minutes=16), 15), within_debounce(None, t, 15)
    (False, False)
    >>> within_debounce(t, t + timedelta(minutes=1), 0)
    False
    """
    if not last or not minutes or minutes <= 0:
        return False
    return abs(when - last) < timedelta(minutes=minutes)


def round_of_day(starts, day):
    """Index of the round a day's work belongs to: the last round started on or before
    that day; ``None`` before the first round. ``starts``: round start dates, in order.

    >>> from datetime import date
    >>> starts = [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 9)]
    >>> round_of_day(starts, date(2026, 3, 1)), round_of_day(starts, date(2026, 3, 5))
    (None, 0)
    >>> round_of_day(starts, date(2026, 3, 20))
    2
    """
    found = None
    for index, start in enumerate(starts):
        if start <= day:
            found = index
    return found
