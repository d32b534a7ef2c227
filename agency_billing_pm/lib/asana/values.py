"""Asana's values as the PM importers take them (no Odoo): timestamps (naive UTC), text,
``billable_status`` and ``approval_status``, durations."""

from datetime import UTC, datetime

APPROVALS = {"draft": "pending", "submitted": "pending", "approved": "approved",
             "rejected": "rejected"}
BILLABLE = {"billable": True, "nonbillable": False, "non_billable": False,
            "notapplicable": None, "not_applicable": None}


def parse_time(value):
    """Naive UTC datetime of an Asana timestamp (None when empty or unreadable).

    >>> parse_time("2026-11-02T09:00:01.250Z")
    datetime.datetime(2026, 11, 2, 9, 0, 1, 250000)
    >>> parse_time("2026-11-02T10:00:00+01:00"), parse_time(None), parse_time("soon")
    (datetime.datetime(2026, 11, 2, 9, 0), None, None)
    """
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def capped_time(value, limit):
    """An Asana timestamp cursor, never later than ``limit`` (a naive UTC datetime):
    the value itself when readable and not later, else ``limit`` in Asana's form.

    >>> capped_time("2026-11-02T09:00:01.250Z", datetime(2026, 11, 3))
    '2026-11-02T09:00:01.250Z'
    >>> capped_time("2027-01-01T00:00:00.000Z", datetime(2026, 11, 3, 8, 30))
    '2026-11-03T08:30:00.000Z'
    >>> capped_time(None, datetime(2026, 11, 3)) is None
    True
    """
    moment = parse_time(value)
    if moment is None:
        return value
    if moment <= limit:
        return value
    return limit.isoformat(timespec="milliseconds") + "Z"


def text(value):
    """Stripped text or None.

    >>> text("  Design "), text(""), text(None), text(12)
    ('Design', None, None, '12')
    """
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def billable(value):
    """``billable_status`` → True / False / None (unknown, not applicable, absent).

    >>> [billable(v) for v in ("billable", "nonBillable", "NOTAPPLICABLE", None, "odd")]
    [True, False, None, None, None]
    """
    return BILLABLE.get(str(value or "").strip().lower())


def approval(value):
    """``approval_status`` → approved / pending / rejected, or None (no approvals).

    >>> [approval(v) for v in ("DRAFT", "submitted", "Approved", "REJECTED", None, "")]
    ['pending', 'pending', 'approved', 'rejected', None, None]
    """
    return APPROVALS.get(str(value or "").strip().lower())


def minutes(value):
    """``duration_minutes`` as a float, None when missing or unreadable (the importer
    quarantines it; zero and negative values are passed on for it to refuse).

    >>> minutes(90), minutes("15.5"), minutes(None), minutes("abc"), minutes(0)
    (90.0, 15.5, None, None, 0.0)
    """
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
