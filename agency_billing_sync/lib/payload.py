"""Payload hashes, canonical values and redaction for the sync layer (no database).

A synced record is re-written only when what the source says about it changed: the
importer hashes the Odoo values a mapper produced (not the raw payload, so a change of an
unmapped property writes nothing) and compares the hash with the one its binding keeps.
Values are compared in their canonical JSON form, so ``12`` and ``12.0``, a date and its
ISO string, or two orders of the same ids never count as changes.
"""

import hashlib
import json
import math
import re
from datetime import date, datetime

# Floats are compared to this many decimals (money and hours are stored with fewer).
FLOAT_DIGITS = 6
# Secrets shorter than this are not redacted (they would redact common words).
MIN_SECRET_LENGTH = 6
REDACTED = "***"


def canonical(value):
    """A JSON-able form of a value, the same for equal values.

    Floats that are whole become ints, dates become ISO strings, sets and tuples become
    sorted lists, dict keys become strings, ``None`` stays ``None``.

    >>> canonical({"b": 2.0, "a": (3, 1), "d": date(2026, 3, 1), "x": 0.1 + 0.2})
    {'b': 2, 'a': [3, 1], 'd': '2026-03-01', 'x': 0.3}
    >>> canonical({3, 1, 2})
    [1, 2, 3]
    """
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        value = round(value, FLOAT_DIGITS)
        return int(value) if value.is_integer() else value
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): canonical(item) for key, item in value.items()}
    if isinstance(value, (set, frozenset)):
        return sorted((canonical(item) for item in value), key=repr)
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    return str(value)


def canonical_json(value):
    """Compact JSON of the canonical value, keys sorted.

    >>> canonical_json({"b": 1.50, "a": None})
    '{"a":null,"b":1.5}'
    """
    return json.dumps(canonical(value), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


def payload_hash(value):
    """SHA-256 (hex) of the canonical JSON: equal values, equal hashes.

    >>> payload_hash({"a": 1, "b": 2.0}) == payload_hash({"b": 2, "a": 1.0})
    True
    >>> len(payload_hash({}))
    64
    """
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def same(left, right):
    """Whether two values are equal once canonical.

    >>> same(12, 12.0), same([1, 2], (1, 2)), same(False, None), same("a", "b")
    (True, True, False, False)
    """
    return canonical_json(left) == canonical_json(right)


def redact(text, secrets):
    """The text with every secret replaced by ``***`` (tokens never reach a log, a run,
    a quarantine payload or an error message).

    >>> redact("401 for token pat-na1-abcdef123", ["pat-na1-abcdef123", "", None])
    '401 for token ***'
    >>> redact("Bearer pat-na1-abcdef123 used", [])
    'Bearer *** used'
    """
    if text is None:
        return text
    text = str(text)
    for secret in secrets or ():
        if secret and len(secret) >= MIN_SECRET_LENGTH:
            text = text.replace(secret, REDACTED)
    # Whatever carried an authorization header, even with a secret we were not told of.
    return re.sub(r"(?i)(bearer|authorization:?)\s+[^\s'\",}]+", rf"\1 {REDACTED}", text)


def pretty_json(value, limit=200_000):
    """Indented JSON of a payload for a person to read (cut at ``limit`` characters).

    >>> print(pretty_json({"id": "7", "properties": {"name": "Acme"}}))
    {
      "id": "7",
      "properties": {
        "name": "Acme"
      }
    }
    """
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "\n... (cut)"
