"""Calendar dates in a time zone: billing dates in the company's (or client's) zone, and
the date of a time entry from a vendor's UTC timestamp in the employee's zone.

Odoo stores datetimes in UTC without a zone; a moment without ``tzinfo`` is read as UTC.
An unknown or empty zone name falls back to UTC.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(tz_name):
    """The zone of that name, UTC when it is empty or unknown.

    >>> zone("America/Los_Angeles").key, zone(None).key, zone("Mars/Olympus").key
    ('America/Los_Angeles', 'UTC', 'UTC')
    """
    try:
        return ZoneInfo(tz_name) if tz_name else ZoneInfo("UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_datetime(moment, tz_name):
    """A UTC moment (naive = UTC) as the wall-clock time of a zone.

    >>> local_datetime(datetime(2026, 11, 1, 1, 30), "America/Los_Angeles").isoformat()
    '2026-10-31T18:30:00-07:00'
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone(tz_name))


def local_date(moment, tz_name):
    """The calendar date of a UTC moment in a zone: the day a person worked it.

    >>> local_date(datetime(2026, 11, 1, 1, 30), "America/Los_Angeles")
    datetime.date(2026, 10, 31)
    >>> local_date(datetime(2026, 11, 1, 1, 30), "Europe/Rome")
    datetime.date(2026, 11, 1)
    """
    return local_datetime(moment, tz_name).date()


def today_in(tz_name, now=None):
    """Today's date in a zone (``now`` is a UTC moment, the current one by default).

    >>> today_in("America/Los_Angeles", datetime(2026, 11, 1, 0, 30))
    datetime.date(2026, 10, 31)
    """
    return local_date(now or datetime.now(UTC), tz_name)


def first_zone(*tz_names):
    """The first known zone name among candidates (client's, company's...), else 'UTC'.

    >>> first_zone(None, "", "Mars/Olympus", "America/Los_Angeles", "Europe/Rome")
    'America/Los_Angeles'
    >>> first_zone(None, False)
    'UTC'
    """
    for name in tz_names:
        if name and zone(name).key == name:
            return name
    return "UTC"


def latest_today(now=None):
    """The latest calendar date anywhere on Earth at a UTC moment (UTC+14): no zone's
    today is later, so a search for what is due can be bounded by it.

    >>> latest_today(datetime(2026, 10, 31, 10, 0))
    datetime.date(2026, 11, 1)
    >>> latest_today(datetime(2026, 10, 31, 9, 59))
    datetime.date(2026, 10, 31)
    """
    return local_date(now or datetime.now(UTC), "Pacific/Kiritimati")
