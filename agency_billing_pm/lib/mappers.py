"""Pure mapping rules both providers share (no database, no Odoo).

>>> time_policy(True, "approved", POLICIES)
'import'
"""

import re


class MappingError(ValueError):
    """A record cannot be imported as it is (the importer quarantines it with this text)."""


# The account's defaults (see agency.pm.backend): what the doctests use.
POLICIES = {"not_billable": "non_billable", "unapproved": "wait", "rejected": "skip"}


def time_policy(billable, approval, config):
    """What becomes of a time entry: ``import``, ``non_billable`` (imported, never
    billed) or ``skip`` (not imported; removed if imported before and not invoiced).

    Rejected first, then unapproved, then not billable:

    >>> time_policy(None, None, POLICIES), time_policy(False, None, POLICIES)
    ('import', 'non_billable')
    >>> time_policy(True, "pending", POLICIES), time_policy(True, "rejected", POLICIES)
    ('skip', 'skip')
    >>> time_policy(False, "pending", dict(POLICIES, unapproved="import"))
    'non_billable'
    >>> time_policy(True, "rejected", dict(POLICIES, rejected="non_billable"))
    'non_billable'
    >>> time_policy(False, "approved", dict(POLICIES, not_billable="skip"))
    'skip'
    """
    if approval == "rejected":
        return "skip" if config["rejected"] == "skip" else "non_billable"
    if approval == "pending" and config["unapproved"] == "wait":
        return "skip"
    if billable is False:
        return "skip" if config["not_billable"] == "skip" else "non_billable"
    return "import"


def minutes(value):
    """Tracked minutes as a number; zero, negative or unreadable durations are refused.

    >>> minutes(90), minutes("12.5")
    (90.0, 12.5)
    >>> for bad in (0, -5, None, "soon"):
    ...     try:
    ...         minutes(bad)
    ...     except MappingError as exc:
    ...         print(exc)
    The time entry has no duration (0 minutes).
    The time entry has a negative duration (-5 minutes).
    The time entry has no duration.
    The time entry's duration is unreadable: 'soon'.
    """
    if value is None or value == "":
        raise MappingError("The time entry has no duration.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise MappingError(f"The time entry's duration is unreadable: {value!r}.") from None
    if number < 0:
        raise MappingError(f"The time entry has a negative duration ({number:g} minutes).")
    if number == 0:
        raise MappingError("The time entry has no duration (0 minutes).")
    return number


def day(value):
    """A source date (``YYYY-MM-DD``, or the date part of a timestamp) as ``YYYY-MM-DD``.

    >>> day("2026-03-14"), day("2026-03-14T23:10:00Z")
    ('2026-03-14', '2026-03-14')
    >>> try:
    ...     day("14/03/2026")
    ... except MappingError as exc:
    ...     print(exc)
    Unreadable date: '14/03/2026'.
    """
    text = str(value or "").strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([T ].*)?", text):
        raise MappingError(f"Unreadable date: {value!r}.")
    return text[:10]


def deadline(due_on):
    """A task's due date as the task's deadline (noon UTC, so the same calendar day shows
    in every time zone from UTC-11 to UTC+11); ``False`` without one.

    >>> deadline("2026-04-30"), deadline(None)
    ('2026-04-30 12:00:00', False)
    """
    if not due_on:
        return False
    try:
        return f"{day(due_on)} 12:00:00"
    except MappingError:
        return False


def normalize_label(value):
    """A source value compared with mappings and service types: trimmed, lower case.

    >>> normalize_label("  Client Approved "), normalize_label(None)
    ('client approved', '')
    """
    return (value or "").strip().lower()
