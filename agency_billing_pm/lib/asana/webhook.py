"""Asana's webhooks (no Odoo): the ``X-Hook-Signature`` of a delivery, the secret that
signed it, and its events for the event store."""

import hashlib
import hmac
import json

from .events import event_target
from .values import parse_time


def signature(secret, body):
    """Asana's ``X-Hook-Signature``: hex HMAC-SHA256 of the raw body with the secret.

    >>> signature("hook-secret", b'{"events":[]}')[:16]
    'b70ee853261da980'
    """
    if isinstance(body, str):
        body = body.encode()
    return hmac.new(str(secret).encode(), body or b"", hashlib.sha256).hexdigest()


def matching_secret(secrets, body, given):
    """The secret whose signature of ``body`` is ``given`` (constant-time comparisons,
    every secret tried), or None.

    >>> body = b'{"events":[]}'
    >>> matching_secret(["old-secret", "hook-secret"], body, signature("hook-secret", body))
    'hook-secret'
    >>> matching_secret(["hook-secret"], body, "0" * 64), matching_secret(["s"], body, None)
    (None, None)
    """
    if not given:
        return None
    given = str(given).strip().lower().encode()
    found = None
    for secret in secrets or ():
        if secret and hmac.compare_digest(signature(secret, body).encode(), given):
            found = found or secret
    return found


def event_id(event):
    """A stable id of an Asana event (Asana gives none): the SHA-256 of its canonical
    JSON, so a replayed delivery repeats the same ids.

    >>> a = event_id({"action": "changed", "resource": {"gid": "1"}})
    >>> a == event_id({"resource": {"gid": "1"}, "action": "changed"}), len(a)
    (True, 64)
    """
    canonical = json.dumps(event, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def webhook_events(body):
    """The events of a delivery (``{"events": [...]}``) for the event store: ``event_id``,
    ``external_type`` ("task"), ``external_id``, ``occurred_at``, ``change``. Events about
    anything but tasks (and their stories, time entries) are left out. Raises ValueError
    on a body that is not a delivery.

    >>> body = json.dumps({"events": [
    ...   {"action": "changed", "resource": {"gid": "9", "resource_type": "task"},
    ...    "created_at": "2026-11-02T09:00:00.000Z"},
    ...   {"action": "added", "resource": {"gid": "31", "resource_type": "time_tracking_entry"},
    ...    "parent": {"gid": "9", "resource_type": "task"}},
    ...   {"action": "deleted", "resource": {"gid": "8", "resource_type": "task"}},
    ...   {"action": "changed", "resource": {"gid": "5", "resource_type": "project"}}]})
    >>> [(e["external_type"], e["external_id"], e["change"], e["occurred_at"])
    ...  for e in webhook_events(body)]  # doctest: +NORMALIZE_WHITESPACE
    [('task', '9', 'changed', datetime.datetime(2026, 11, 2, 9, 0)),
     ('task', '9', 'changed', None), ('task', '8', 'deleted', None)]
    >>> webhook_events(b'[]')
    Traceback (most recent call last):
    ...
    ValueError: an Asana delivery is a JSON object with an events list
    """
    data = json.loads(body or b"null")
    if not isinstance(data, dict) or not isinstance(data.get("events", []), list):
        raise ValueError("an Asana delivery is a JSON object with an events list")
    parsed = []
    for event in data.get("events") or []:
        gid, change = event_target(event)
        if not gid:
            continue
        parsed.append({"event_id": event_id(event), "external_type": "task",
                       "external_id": gid, "occurred_at": parse_time(event.get("created_at")),
                       "change": change})
    return parsed
