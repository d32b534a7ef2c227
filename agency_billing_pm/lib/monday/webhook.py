"""Monday.com's webhooks (no Odoo): the challenge, the JWT (HS256) of app webhooks, and the
events of a delivery for the event store."""

import base64
import hashlib
import hmac
import json
import re

from .values import as_id, parse_datetime

GONE_EVENTS = ("delete_pulse", "archive_pulse")


class WebhookError(Exception):
    """A webhook delivery that must be refused: ``status`` and a short ``reason`` (never
    a secret, never the expected signature)."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _b64decode(part):
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_encode(claims, secret):
    """An HS256 JWT (what Monday puts in ``Authorization``; the tests sign with it).

    >>> jwt_encode({"a": 1}, "s3cret")[:36]
    'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9'
    """
    header = _b64encode(json.dumps({"alg": "HS256", "typ": "JWT"},
                                   separators=(",", ":")).encode())
    body = _b64encode(json.dumps(claims, separators=(",", ":")).encode())
    signing = f"{header}.{body}".encode()
    signature = hmac.new(secret.encode(), signing, hashlib.sha256).digest()
    return f"{header}.{body}.{_b64encode(signature)}"


def jwt_claims(token, secret, now, audience=None, leeway=30):
    """The claims of an HS256 JWT signed with ``secret``, after checking the signature
    (constant time), ``exp`` (``now`` in seconds, ``leeway`` seconds of clock skew) and,
    when the token has one, ``aud`` against ``audience`` (a URL or several; compared
    without scheme and trailing slash, as proxies change them). Raises
    :class:`WebhookError` (401) otherwise.

    >>> token = jwt_encode({"accountId": 1, "exp": 2000, "aud": "https://o.test/h/1"}, "k3y-k3y")
    >>> jwt_claims("Bearer " + token, "k3y-k3y", now=1000,
    ...            audience=audiences("http://o.test/h/1"))["accountId"]
    1
    >>> for args in ((token, "other-key", 1000), (token, "k3y-k3y", 2100), ("a.b", "k", 0),
    ...              (token, "k3y-k3y", 1000, audiences("https://evil.test/h/1"))):
    ...     try:
    ...         jwt_claims(*args)
    ...     except WebhookError as exc:
    ...         print(exc.status, exc.reason)
    401 bad signature
    401 expired token
    401 malformed token
    401 wrong audience
    """
    token = (token or "").strip()
    if token.lower().startswith("bearer "):
        token = token[7:].strip()
    parts = token.split(".")
    if len(parts) != 3 or not all(parts):
        raise WebhookError(401, "malformed token")
    try:
        header = json.loads(_b64decode(parts[0]))
        claims = json.loads(_b64decode(parts[1]))
        signature = _b64decode(parts[2])
    except (ValueError, TypeError):
        raise WebhookError(401, "malformed token") from None
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(
            claims, dict):
        raise WebhookError(401, "unsupported token")
    expected = hmac.new(secret.encode(), f"{parts[0]}.{parts[1]}".encode(),
                        hashlib.sha256).digest()
    if not hmac.compare_digest(expected, signature):
        raise WebhookError(401, "bad signature")
    exp = claims.get("exp")
    if not isinstance(exp, (int, float)) or isinstance(exp, bool):
        raise WebhookError(401, "token without expiry")
    if now > exp + leeway:
        raise WebhookError(401, "expired token")
    if audience and "aud" in claims:
        accepted = {audience} if isinstance(audience, str) else set(audience)
        given = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if not accepted & {_url_key(aud) for aud in given} and not accepted & set(given):
            raise WebhookError(401, "wrong audience")
    return claims


def _url_key(url):
    """A URL without its scheme and trailing slash (``aud`` comparisons).

    >>> _url_key("https://odoo.test/hook/1/"), _url_key("http://odoo.test/hook/1")
    ('odoo.test/hook/1', 'odoo.test/hook/1')
    """
    return re.sub(r"^[a-z][a-z0-9+.-]*://", "", str(url or "").strip(), flags=re.I).rstrip("/")


def audiences(*urls):
    """The ``aud`` values a receiver accepts (each URL without scheme, trailing slash).

    >>> sorted(audiences("https://odoo.test/h/1", None, "http://odoo.test/h/1/"))
    ['odoo.test/h/1']
    """
    return {_url_key(url) for url in urls if url}


def read_delivery(raw):
    """A delivery's JSON (a dict); :class:`WebhookError` (400) when it is not one.

    >>> read_delivery(b'{"challenge": "abc"}')
    {'challenge': 'abc'}
    """
    try:
        body = json.loads(raw or b"null")
    except ValueError:
        raise WebhookError(400, "unreadable body") from None
    if not isinstance(body, dict):
        raise WebhookError(400, "unreadable body")
    return body


def delivery_events(body):
    """The events of a delivery for ``agency.sync.event`` (every change of an item wakes
    a re-read of that item: its task and its time sessions).

    >>> events = delivery_events({"event": {"type": "update_column_value", "boardId": 11,
    ...     "pulseId": 101, "triggerUuid": "u-1", "triggerTime": "2026-03-02T08:00:00.000Z"}})
    >>> [(e["event_id"], e["external_type"], e["external_id"], e["change"]) for e in events]
    [('u-1', 'task', '101', 'update_column_value')]
    >>> delivery_events({"event": {"type": "delete_pulse", "pulseId": 5}})[0]["change"]
    'deleted'
    >>> delivery_events({"event": {"type": "create_update"}})
    []
    """
    event = body.get("event")
    if not isinstance(event, dict):
        raise WebhookError(400, "no event")
    item = as_id(event.get("pulseId") or event.get("itemId"))
    if not item:
        return []
    kind = str(event.get("type") or "change")
    event_id = event.get("triggerUuid") or event.get("originalTriggerUuid") or hashlib.sha256(
        json.dumps(event, sort_keys=True, default=str).encode()).hexdigest()
    return [{
        "event_id": str(event_id),
        "external_type": "task",
        "external_id": item,
        "occurred_at": parse_datetime(event.get("triggerTime") or event.get("changedAt")),
        "change": "deleted" if kind in GONE_EVENTS else kind,
    }]
