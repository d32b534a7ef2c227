"""Checks shared by every webhook receiver (no database): signatures compared in constant
time, stale deliveries refused, events deduplicated and put in the order they happened.
"""

import base64
import hashlib
import hmac

# Vendors sign deliveries with a timestamp; older ones are refused (replays).
MAX_AGE_MS = 5 * 60 * 1000


class WebhookRefused(Exception):
    """A delivery the receiver refuses: answered with ``status`` and a short reason
    (never the expected signature, never a secret)."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class WebhookHandshake(Exception):
    """Not a delivery but the vendor's set-up call (Asana's handshake, Monday.com's
    challenge): answered 200 with ``headers`` and ``body`` (a dict is sent as JSON), and
    nothing is stored."""

    def __init__(self, headers=None, body=None):
        super().__init__("handshake")
        self.headers = dict(headers or {})
        self.body = body


def hmac_sha256(secret, message, encoding="base64"):
    """HMAC-SHA256 of ``message`` (bytes or str) with ``secret``, as base64 or hex.

    >>> hmac_sha256("secret", "body")
    '3EaYNVf+oSe0OvchRn65s/3iM4/j4U9RlSqoR4wT01U='
    >>> hmac_sha256("secret", b"body", encoding="hex")[:16]
    'dc46983557fea127'
    """
    if isinstance(message, str):
        message = message.encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    if encoding == "hex":
        return digest.hex()
    return base64.b64encode(digest).decode()


def signature_matches(expected, given):
    """Constant-time comparison of two signatures (``hmac.compare_digest``); a missing
    signature never matches.

    >>> signature_matches("abc", "abc"), signature_matches("abc", "abd")
    (True, False)
    >>> signature_matches("abc", None)
    False
    """
    if not expected or not given:
        return False
    return hmac.compare_digest(str(expected).encode(), str(given).encode())


def check_fresh(timestamp_ms, now_ms, max_age_ms=MAX_AGE_MS):
    """Refuse a delivery whose signed timestamp (milliseconds) is missing, unreadable,
    older than ``max_age_ms`` or from the future beyond it.

    >>> check_fresh("1700000000000", 1700000060000)
    1700000000000
    >>> for stamp in ("1700000000000", None, "soon"):
    ...     try:
    ...         check_fresh(stamp, 1700000400000)
    ...     except WebhookRefused as exc:
    ...         print(exc.status, exc.reason)
    401 stale delivery
    401 missing timestamp
    401 unreadable timestamp
    """
    if timestamp_ms in (None, ""):
        raise WebhookRefused(401, "missing timestamp")
    try:
        stamp = int(str(timestamp_ms).strip())
    except ValueError:
        raise WebhookRefused(401, "unreadable timestamp")
    if abs(now_ms - stamp) > max_age_ms:
        raise WebhookRefused(401, "stale delivery")
    return stamp


def dedupe_and_order(events):
    """Events once per event id, oldest ``occurred_at`` first (deliveries are not in
    chronological order and may repeat events).

    >>> evs = [{"event_id": "2", "occurred_at": 20}, {"event_id": "1", "occurred_at": 10},
    ...        {"event_id": "2", "occurred_at": 20}]
    >>> [e["event_id"] for e in dedupe_and_order(evs)]
    ['1', '2']
    """
    seen = {}
    for event in events:
        seen.setdefault(str(event["event_id"]), event)
    return sorted(seen.values(), key=lambda e: (e.get("occurred_at") or 0, str(e["event_id"])))
