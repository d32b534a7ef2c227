"""Reading HubSpot property values (no database): every property value arrives as a
string (or null); timestamps as ISO 8601 or epoch milliseconds.
"""

import re
from datetime import UTC, datetime


class MappingError(ValueError):
    """The record cannot become Odoo values; the message says why, for a person."""


def text(value):
    """A stripped string, or None when empty.

    >>> text("  Acme "), text(""), text(None)
    ('Acme', None, None)
    """
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def parse_time(value):
    """A HubSpot timestamp (ISO 8601 or epoch milliseconds) as a naive UTC datetime.

    >>> parse_time("2026-11-30T10:15:00.250Z")
    datetime.datetime(2026, 11, 30, 10, 15, 0, 250000)
    >>> parse_time("1764497700000")
    datetime.datetime(2025, 11, 30, 10, 15)
    >>> parse_time(""), parse_time("soon")
    (None, None)
    """
    value = text(value)
    if value is None:
        return None
    if re.fullmatch(r"\d{10,16}", value):
        return datetime.fromtimestamp(int(value) / 1000, UTC).replace(tzinfo=None)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def epoch_ms(moment):
    """Milliseconds since the epoch of a naive UTC datetime (what search filters take).

    >>> epoch_ms(datetime(2025, 11, 30, 10, 15))
    1764497700000
    """
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def parse_bool(value):
    """True / False from HubSpot's checkbox and text forms; None when empty; ValueError
    otherwise.

    >>> parse_bool("true"), parse_bool("No"), parse_bool("1"), parse_bool(None)
    (True, False, True, None)
    """
    value = text(value)
    if value is None:
        return None
    lowered = value.lower()
    if lowered in ("true", "yes", "y", "1", "on"):
        return True
    if lowered in ("false", "no", "n", "0", "off"):
        return False
    raise ValueError(value)


def parse_number(value):
    """A decimal number ("165", "165.50", "1,250.5" with thousands commas); None when
    empty; ValueError when it is not a number.

    >>> parse_number("165"), parse_number(" 1,250.50 "), parse_number("")
    (165.0, 1250.5, None)
    """
    value = text(value)
    if value is None:
        return None
    cleaned = value.replace(",", "") if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", value) \
        else value
    if not re.fullmatch(r"-?\d+(\.\d+)?", cleaned):
        raise ValueError(value)
    return float(cleaned)


def strip_html(value, limit=None):
    """The words of an HTML fragment (call notes, meeting bodies), on one line.

    >>> strip_html("<p>Budget <b>review</b></p><p>Q3&nbsp;plan</p>")
    'Budget review Q3 plan'
    """
    value = text(value)
    if value is None:
        return None
    value = re.sub(r"<[^>]+>", " ", value)
    value = value.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<") \
        .replace("&gt;", ">").replace("&#39;", "'").replace("&quot;", '"')
    value = " ".join(value.split())
    if limit and len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value or None
