"""What a Monday.com item's column values say (no Odoo).

The adapter reads items with their column values (``id type text value column{title}``,
``... on StatusValue{label is_done}``, ``... on DropdownValue{values{label}}``,
``... on TagsValue{tags{name}}``, ``... on PeopleValue{persons_and_teams{id kind}}``,
``... on DateValue{date}``, ``... on TimeTrackingValue{duration running history{...}}``).

Choices (documented in the README):

* The service type comes from a column (status, dropdown, text: its label/text) named by
  id or title, from the group title, or from the first tag of the tags column.
* The milestone status is a status column's label (by id or title) or the group title.
* Assignee: the first person of the first people column; due date: the first date column
  whose title says "due" or "deadline", else the first date column; completed: a status
  column whose label is its "done" label (``is_done``).
* Time sessions: the time tracking column's history; a session counts once finished
  (``status`` not ``deleted``, both ends known); a running one is not gone.
"""

import json
import re

from .values import as_id

SESSION_FIELDS = ("id", "started_at", "ended_at", "started_user_id", "ended_user_id",
                  "status")
DONE_WORDS = ("due", "deadline")


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
        found.add(as_id(session.get("started_user_id") or session.get("ended_user_id")))
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
