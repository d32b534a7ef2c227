"""HubSpot webhook deliveries (no database): the v3 signature and the events.

Signature v3 = base64(HMAC-SHA256(app client secret, method + URI + raw body +
timestamp)), sent in ``X-HubSpot-Signature-v3`` with ``X-HubSpot-Request-Timestamp``
(milliseconds); deliveries older than 5 minutes are refused. A delivery is a JSON array
of up to 100 events, not in chronological order, possibly repeated.
"""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime
from urllib.parse import unquote

# Characters HubSpot decodes in the URI before signing it.
_DECODED = ("%3A", "%2F", "%3F", "%40", "%21", "%24", "%27", "%28", "%29", "%2A", "%2C",
            "%3B")
# objectTypeId of the generic "object.*" subscriptions.
OBJECT_TYPES = {"0-1": "contact", "0-2": "company", "0-3": "deal", "0-8": "line_item",
                "0-47": "meeting", "0-48": "call", "0-49": "email"}
# The record types the addon syncs (singular, as in subscription types).
SYNCED = ("company", "contact", "deal", "call", "meeting", "email")


def signing_uri(uri):
    """The URI as HubSpot signs it (a few percent-escapes decoded).

    >>> signing_uri("https://odoo.test/hook/1?a=b%3Ac%20d")
    'https://odoo.test/hook/1?a=b:c%20d'
    """
    for escape in _DECODED:
        uri = uri.replace(escape, unquote(escape)).replace(escape.lower(), unquote(escape))
    return uri


def signature_v3(secret, method, uri, body, timestamp):
    """The v3 signature of a delivery.

    >>> signature_v3("secret", "POST", "https://odoo.test/h/1", b"[]", "1700000000000")
    'bd+GGmbaeIEAQ0F7PvZCkYBNWjWPTy68KjykiQfTFxc='
    """
    if isinstance(body, bytes):
        body = body.decode("utf-8")
    message = f"{method.upper()}{signing_uri(uri)}{body}{timestamp}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def parse_events(body):
    """The events of a delivery as plain dicts for the event store: ``event_id``,
    ``external_type``, ``external_id``, ``occurred_at`` (naive UTC), ``change``. Events
    about types the addon does not sync are left out; a merge also deletes the merged
    records. Raises ValueError on anything but a JSON array of events.

    >>> body = json.dumps([
    ...   {"eventId": 11, "subscriptionType": "deal.propertyChange", "objectId": 9,
    ...    "occurredAt": 1700000000000, "propertyName": "amount"},
    ...   {"eventId": 12, "subscriptionType": "object.deletion", "objectTypeId": "0-48",
    ...    "objectId": 4, "occurredAt": 1700000001000},
    ...   {"eventId": 13, "subscriptionType": "ticket.creation", "objectId": 1}])
    >>> [(e["event_id"], e["external_type"], e["external_id"], e["change"])
    ...  for e in parse_events(body)]
    [('11', 'deal', '9', 'propertyChange'), ('12', 'call', '4', 'deletion')]
    """
    events = json.loads(body or b"null")
    if not isinstance(events, list):
        raise ValueError("a webhook delivery is a JSON array of events")
    parsed = []
    for event in events:
        if not isinstance(event, dict) or "eventId" not in event:
            raise ValueError("an event without eventId")
        kind, _sep, change = str(event.get("subscriptionType") or "").partition(".")
        if kind == "object":
            kind = OBJECT_TYPES.get(str(event.get("objectTypeId")), "")
        object_id = event.get("objectId")
        if change == "associationChange":
            kind = str(event.get("associationType") or "").split("_TO_")[0].lower() or kind
            object_id = event.get("fromObjectId") or object_id
        if kind not in SYNCED or object_id in (None, ""):
            continue
        occurred = event.get("occurredAt")
        moment = (datetime.fromtimestamp(int(occurred) / 1000, UTC).replace(tzinfo=None)
                  if occurred not in (None, "") else None)
        parsed.append({"event_id": str(event["eventId"]), "external_type": kind,
                       "external_id": str(object_id), "occurred_at": moment,
                       "change": change})
        for merged in event.get("mergedObjectIds") or []:
            parsed.append({"event_id": f"{event['eventId']}-merged-{merged}",
                           "external_type": kind, "external_id": str(merged),
                           "occurred_at": moment, "change": "deletion"})
    return parsed
