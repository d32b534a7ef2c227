"""Monday.com JSON → the normalized dicts of the PM importers (no database, no HTTP).

The adapter reads items with their column values (``id type text value column{title}``,
``... on StatusValue{label is_done}``, ``... on DropdownValue{values{label}}``,
``... on TagsValue{tags{name}}``, ``... on PeopleValue{persons_and_teams{id kind}}``,
``... on DateValue{date}``, ``... on TimeTrackingValue{duration running history{...}}``);
this module turns them into ``project``, ``user``, ``task`` and ``time`` dicts (see the
contract in ``sync/importers.py``), and checks webhook deliveries (challenge, JWT HS256).

Choices (documented in the README):

* A board's client is the text after ``Client:`` on a line of the board description.
* The service type comes from a column (status, dropdown, text: its label/text) named by
  id or title, from the group title, or from the first tag of the tags column.
* The milestone status is a status column's label (by id or title) or the group title.
* Assignee: the first person of the first people column; due date: the first date column
  whose title says "due" or "deadline", else the first date column; completed: a status
  column whose label is its "done" label (``is_done``).
* Time: one entry per finished session of the time tracking history (``status`` not
  ``deleted``, both ends known): id ``<item id>:<session id>``, minutes from the session's
  start to its end, the user who started it; running sessions wait until they end.
"""

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime

# The time tracking column history field names Monday uses (TimeTrackingHistoryItem).
SESSION_FIELDS = ("id", "started_at", "ended_at", "started_user_id", "ended_user_id",
                  "status")
DONE_WORDS = ("due", "deadline")
# Event types that mean the item left the board.
GONE_EVENTS = ("delete_pulse", "archive_pulse")


class MondayDataError(ValueError):
    """A payload that cannot be read as Monday's JSON (the caller quarantines it)."""


class WebhookError(Exception):
    """A webhook delivery that must be refused: ``status`` and a short ``reason`` (never
    a secret, never the expected signature)."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


# ----------------------------------------------------------------------
# Values
# ----------------------------------------------------------------------

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


def board_client(description):
    """The client a board description names (``Client: Acme``), or ``None``.

    >>> board_client("Spring campaign\\nClient: Acme Foods\\nBudget 10k")
    'Acme Foods'
    >>> board_client("client - Globex"), board_client("no client here"), board_client(None)
    ('Globex', None, None)
    """
    for line in (description or "").splitlines():
        match = re.match(r"\s*client\s*[:\-–]\s*(.+?)\s*$", line, re.IGNORECASE)
        if match:
            return match.group(1)
    return None


def _id(value):
    return None if value in (None, "") else str(value)


def user_dict(user):
    """A Monday user as the importers' ``user``.

    >>> user_dict({"id": 7, "name": "Casey", "email": "Casey@Agency.test"})
    {'id': '7', 'name': 'Casey', 'email': 'casey@agency.test'}
    """
    email = (user.get("email") or "").strip().lower() or None
    return {"id": str(user["id"]), "name": user.get("name") or None, "email": email}


def project_dict(board, slug=None):
    """A Monday board as the importers' ``project``.

    >>> board = {"id": "11", "name": "Acme launch", "state": "active",
    ...          "description": "Client: Acme", "updated_at": "2026-03-01T10:00:00Z"}
    >>> project_dict(board, slug="agency")["client"], project_dict(board)["url"]
    ('Acme', None)
    >>> project_dict(board, slug="agency")["url"]
    'https://agency.monday.com/boards/11'
    """
    board_id = str(board["id"])
    return {
        "id": board_id,
        "name": board.get("name") or board_id,
        "client": board_client(board.get("description")),
        "updated_at": parse_datetime(board.get("updated_at")),
        "archived": (board.get("state") or "active") != "active",
        "url": f"https://{slug}.monday.com/boards/{board_id}" if slug else None,
    }


# ----------------------------------------------------------------------
# Columns
# ----------------------------------------------------------------------

def _title(column_value):
    return ((column_value.get("column") or {}).get("title") or "").strip()


def find_column(item, ref, types=None):
    """The column value of an item named ``ref`` (its id, else its title, any case);
    ``types`` limits the column types looked at.

    >>> item = {"column_values": [{"id": "status", "type": "status", "column": {"title":
    ...     "Stage"}}, {"id": "text1", "type": "text", "column": {"title": "Service type"}}]}
    >>> find_column(item, "stage")["id"], find_column(item, "text1")["id"]
    ('status', 'text1')
    >>> find_column(item, "Service type", types=("status",)) is None
    True
    """
    if not ref:
        return None
    values = [cv for cv in item.get("column_values") or []
              if not types or cv.get("type") in types]
    ref = str(ref).strip()
    for cv in values:
        if (cv.get("id") or "").casefold() == ref.casefold():
            return cv
    for cv in values:
        if _title(cv).casefold() == ref.casefold():
            return cv
    return None


def _json_value(column_value):
    value = column_value.get("value")
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def column_text(column_value):
    """What a status, dropdown, text or tags column says (``None`` when empty).

    >>> column_text({"type": "status", "label": "Client approved", "text": "x"})
    'Client approved'
    >>> column_text({"type": "dropdown", "values": [{"label": "Design"}], "text": "Design"})
    'Design'
    >>> column_text({"type": "tags", "tags": [{"name": "seo"}, {"name": "ads"}]})
    'seo'
    >>> column_text({"type": "text", "text": "  "}), column_text(None)
    (None, None)
    """
    if not column_value:
        return None
    kind = column_value.get("type")
    if kind == "status" and column_value.get("label") is not None:
        text = column_value.get("label")
    elif kind == "dropdown" and column_value.get("values") is not None:
        labels = [v.get("label") for v in column_value["values"] if v.get("label")]
        text = labels[0] if labels else None
    elif kind == "tags" and column_value.get("tags") is not None:
        names = [t.get("name") for t in column_value["tags"] if t.get("name")]
        text = names[0] if names else None
    else:
        text = column_value.get("text")
        if kind in ("dropdown", "tags") and text:
            text = text.split(",")[0]
    text = (text or "").strip()
    return text or None


def _first(item, kind):
    for cv in item.get("column_values") or []:
        if cv.get("type") == kind:
            yield cv


def assignee_id(item):
    """The first person of the item's first people column (a user id) or ``None``.

    >>> assignee_id({"column_values": [{"type": "people", "value":
    ...     '{"personsAndTeams": [{"id": 5, "kind": "team"}, {"id": 7, "kind": "person"}]}'}]})
    '7'
    """
    for cv in _first(item, "people"):
        people = cv.get("persons_and_teams")
        if people is None:
            people = (_json_value(cv) or {}).get("personsAndTeams") or []
        for person in people:
            if (person.get("kind") or "person") == "person" and person.get("id") is not None:
                return str(person["id"])
    return None


def due_on(item):
    """The due date (``YYYY-MM-DD``) from the item's date columns.

    >>> due_on({"column_values": [
    ...     {"type": "date", "column": {"title": "Start"}, "text": "2026-03-01"},
    ...     {"type": "date", "column": {"title": "Due date"}, "value": '{"date":"2026-03-09"}'}]})
    '2026-03-09'
    """
    dates = list(_first(item, "date"))
    named = [cv for cv in dates if any(w in _title(cv).casefold() for w in DONE_WORDS)]
    for cv in named or dates[:1]:
        value = cv.get("date") or (_json_value(cv) or {}).get("date") or cv.get("text")
        if value and re.match(r"\d{4}-\d{2}-\d{2}", str(value)):
            return str(value)[:10]
    return None


def is_done(item):
    """Whether one of the item's status columns shows its "done" label.

    >>> is_done({"column_values": [{"type": "status", "is_done": True}]})
    True
    """
    return any(cv.get("is_done") for cv in _first(item, "status"))


# ----------------------------------------------------------------------
# Tasks and time
# ----------------------------------------------------------------------

def service_value(item, source, field):
    """The raw service value of an item per the backend's ``service_source``.

    >>> item = {"group": {"id": "g1", "title": "Design"}, "column_values": [
    ...     {"id": "svc", "type": "dropdown", "column": {"title": "Service type"},
    ...      "values": [{"label": "Strategy"}]},
    ...     {"id": "tags", "type": "tags", "tags": [{"name": "Copywriting"}]}]}
    >>> (service_value(item, "custom_field", "Service type"), service_value(item, "section", 0),
    ...  service_value(item, "tag", None), service_value(item, "tag", "tags"))
    ('Strategy', 'Design', 'Copywriting', 'Copywriting')
    """
    if source == "section":
        return ((item.get("group") or {}).get("title") or "").strip() or None
    if source == "tag":
        column = find_column(item, field, ("tags",)) if field else None
        column = column or next(_first(item, "tags"), None)
        return column_text(column)
    return column_text(find_column(item, field, ("status", "dropdown", "text")))


def status_value(item, source, field):
    """The raw status of an item per the backend's ``milestone_source``.

    >>> item = {"group": {"title": "In review"}, "column_values": [{"id": "status",
    ...     "type": "status", "column": {"title": "Status"}, "label": "Client approved"}]}
    >>> status_value(item, "custom_field", "Status"), status_value(item, "section", None)
    ('Client approved', 'In review')
    """
    if source == "section":
        return ((item.get("group") or {}).get("title") or "").strip() or None
    return column_text(find_column(item, field, ("status",)))


def item_url(slug, board_id, item_id):
    return f"https://{slug}.monday.com/boards/{board_id}/pulses/{item_id}" if slug else None


def task_dict(item, board_id, config, users=None, slug=None):
    """A Monday item as the importers' ``task``.

    ``config``: ``service_source``, ``service_field``, ``milestone_source``,
    ``milestone_field``; ``users``: {user id: user dict} for the assignee.

    >>> item = {"id": "101", "name": "Key visual", "updated_at": "2026-03-02T08:00:00Z",
    ...         "group": {"id": "g", "title": "Design"}, "column_values": [
    ...     {"id": "status", "type": "status", "column": {"title": "Status"},
    ...      "label": "Working on it", "is_done": False}]}
    >>> task = task_dict(item, "11", {"service_source": "section",
    ...     "milestone_source": "custom_field", "milestone_field": "Status"})
    >>> task["id"], task["project"], task["service"], task["status"], task["completed"]
    ('101', '11', 'Design', 'Working on it', False)
    """
    users = users or {}
    assignee = assignee_id(item)
    user = None
    if assignee:
        user = users.get(assignee) or {"id": assignee, "name": None, "email": None}
    return {
        "id": str(item["id"]),
        "project": _id(board_id or ((item.get("board") or {}).get("id"))),
        "name": item.get("name") or "",
        "assignee": user,
        "due_on": due_on(item),
        "completed": is_done(item),
        "service": service_value(item, config.get("service_source"),
                                 config.get("service_field")),
        "status": status_value(item, config.get("milestone_source"),
                               config.get("milestone_field")),
        "updated_at": parse_datetime(item.get("updated_at")),
        "url": item_url(slug, board_id, item["id"]),
        "raw": item,
    }


def time_columns(item, ref=None):
    """The item's time tracking column values (the one named ``ref``, or all).

    >>> item = {"column_values": [{"id": "tt", "type": "time_tracking",
    ...     "column": {"title": "Time"}}, {"id": "t2", "type": "time_tracking"}]}
    >>> [cv["id"] for cv in time_columns(item)], [cv["id"] for cv in time_columns(item, "Time")]
    (['tt', 't2'], ['tt'])
    """
    if ref:
        column = find_column(item, ref, ("time_tracking",))
        return [column] if column else []
    return list(_first(item, "time_tracking"))


def sessions(item, ref=None):
    """Every session of the item's time tracking history (dicts as Monday sends them).

    Sessions are read from the ``history`` field; a value without it (an older API
    answer) falls back to the ``additional_value`` list of the JSON ``value``.
    """
    found = []
    for cv in time_columns(item, ref):
        history = cv.get("history")
        if history is None:
            history = (_json_value(cv) or {}).get("additional_value") or []
        found += [session for session in history if isinstance(session, dict)]
    return found


def time_entries(item, board_id, ref=None, users=None, slug=None):
    """The finished sessions of an item as the importers' ``time`` dicts.

    >>> item = {"id": "101", "column_values": [{"id": "tt", "type": "time_tracking",
    ...     "history": [
    ...       {"id": "9", "started_at": "2026-03-02T08:00:00Z", "ended_at":
    ...        "2026-03-02T09:30:00Z", "started_user_id": "7", "status": "active"},
    ...       {"id": "10", "started_at": "2026-03-02T10:00:00Z", "ended_at": None,
    ...        "started_user_id": "7", "status": "active"}]}]}
    >>> [(e["id"], e["minutes"], e["user"]["id"], e["started_at"].hour)
    ...  for e in time_entries(item, "11")]
    [('101:9', 90.0, '7', 8)]
    """
    users = users or {}
    entries = []
    for session in sessions(item, ref):
        if not finished(session):
            continue
        start = parse_datetime(session.get("started_at"))
        end = parse_datetime(session.get("ended_at"))
        minutes = (end - start).total_seconds() / 60 if start and end else None
        user_id = _id(session.get("started_user_id") or session.get("ended_user_id"))
        user = None
        if user_id:
            user = users.get(user_id) or {"id": user_id, "name": None, "email": None}
        entries.append({
            "id": f"{item['id']}:{session.get('id')}",
            "task": str(item["id"]),
            "project": _id(board_id),
            "user": user,
            "minutes": minutes,
            "date": None,
            "started_at": start,
            "description": None,
            "billable": None,
            "approval": None,
            "updated_at": parse_datetime(session.get("updated_at") or session.get("ended_at")),
            "url": item_url(slug, board_id, item["id"]),
            "raw": {"item": str(item["id"]), "session": session},
        })
    return entries


def finished(session):
    """Whether a session counts as time: ended, not deleted.

    >>> finished({"started_at": "a", "ended_at": "b", "status": "active"})
    True
    >>> finished({"started_at": "a", "ended_at": None}), finished({"ended_at": "b",
    ...     "started_at": "a", "status": "deleted"})
    (False, False)
    """
    return bool(session.get("ended_at") and session.get("started_at")
                and (session.get("status") or "active") != "deleted")


def user_ids(item, ref=None):
    """The user ids an item names: its assignee and the people of its time sessions.

    >>> sorted(user_ids({"id": 5, "column_values": [
    ...     {"type": "people", "persons_and_teams": [{"id": "7", "kind": "person"}]},
    ...     {"type": "time_tracking", "history": [{"id": 1, "started_user_id": 8}]}]}))
    ['7', '8']
    """
    found = {assignee_id(item)}
    for session in sessions(item, ref):
        found.add(_id(session.get("started_user_id") or session.get("ended_user_id")))
    return {user for user in found if user}


def session_keys(item, ref=None):
    """The time ids (``<item>:<session>``) an item has now, finished or not (a running
    session is not gone: it will be imported when it ends).

    >>> session_keys({"id": 5, "column_values": [{"type": "time_tracking", "history": [
    ...     {"id": 1, "status": "active"}, {"id": 2, "status": "deleted"}]}]})
    ['5:1']
    """
    return [f"{item['id']}:{s.get('id')}" for s in sessions(item, ref)
            if (s.get("status") or "active") != "deleted"]


# ----------------------------------------------------------------------
# Webhooks
# ----------------------------------------------------------------------

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
    item = _id(event.get("pulseId") or event.get("itemId"))
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
