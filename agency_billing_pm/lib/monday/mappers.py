"""Monday.com JSON → the normalized dicts of the PM importers (no database, no HTTP):
``project`` (a board), ``user``, ``task`` (an item) and ``time`` (a finished time tracking
session); see the contract in ``components/importer.py``.

Choices (documented in the README; the columns' in ``columns``):

* A board's client is the text after ``Client:`` on a line of the board description.
* Time: one entry per finished session of the time tracking history: id
  ``<item id>:<session id>``, minutes from the session's start to its end, the user who
  started it; running sessions wait until they end.
"""

import re

from .columns import (
    assignee_id,
    due_on,
    finished,
    is_done,
    service_value,
    sessions,
    status_value,
)
from .values import as_id, parse_datetime


class MondayDataError(ValueError):
    """A payload that cannot be read as Monday's JSON (the caller quarantines it)."""


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
        "project": as_id(board_id or ((item.get("board") or {}).get("id"))),
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
        user_id = as_id(session.get("started_user_id") or session.get("ended_user_id"))
        user = None
        if user_id:
            user = users.get(user_id) or {"id": user_id, "name": None, "email": None}
        entries.append({
            "id": f"{item['id']}:{session.get('id')}",
            "task": str(item["id"]),
            "project": as_id(board_id),
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
