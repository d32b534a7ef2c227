"""Monday.com's values as the PM importers take them (no Odoo): timestamps (naive UTC) and
ids."""

import re
from datetime import UTC, datetime


def parse_datetime(value):
    """A Monday timestamp as a naive UTC datetime (``None`` when empty or unreadable).

    >>> parse_datetime("2026-03-10T09:30:00Z")
    datetime.datetime(2026, 3, 10, 9, 30)
    >>> parse_datetime("2026-03-10T11:30:00.250+02:00")
    datetime.datetime(2026, 3, 10, 9, 30, 0, 250000)
    >>> parse_datetime("2026-03-10 09:30:00 UTC"), parse_datetime(""), parse_datetime("x")
    (datetime.datetime(2026, 3, 10, 9, 30), None, None)
    >>> parse_datetime(1773135000)
    datetime.datetime(2026, 3, 10, 9, 30)
    """
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = value / 1000 if value > 10**11 else value
        return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)
    text = str(value).strip()
    text = re.sub(r"\s*UTC$", "+00:00", text).replace("Z", "+00:00").replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def iso(moment):
    """A naive UTC datetime in Monday's form.

    >>> iso(datetime(2026, 3, 10, 9, 30))
    '2026-03-10T09:30:00Z'
    >>> iso(None) is None
    True
    """
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def capped(value, limit):
    """A Monday timestamp cursor, never later than ``limit`` (a naive UTC datetime).

    >>> capped("2026-03-10T09:30:00Z", datetime(2026, 3, 11))
    '2026-03-10T09:30:00Z'
    >>> capped("2027-03-10T09:30:00Z", datetime(2026, 3, 11))
    '2026-03-11T00:00:00Z'
    >>> capped(None, datetime(2026, 3, 11)) is None
    True
    """
    moment = parse_datetime(value)
    if moment is None or moment <= limit:
        return value
    return iso(limit)


def as_id(value):
    """An id as the importers keep it: text, ``None`` when empty.

    >>> as_id(101), as_id("7"), as_id(""), as_id(None)
    ('101', '7', None, None)
    """
    return None if value in (None, "") else str(value)
