"""Revision-round signals read from Asana stories and Monday.com activity logs (no Odoo).

A signal is ``{"task": external task id, "ref": the source event's id, "at": naive UTC
datetime, "by": who or None, "why": text}``; ``agency.pm.backend`` hands them to the
deliverables of the tasks (``agency.deliverable._agency_start_round``), which count each
``ref`` once and debounce a status flapping within minutes.

* Asana: a story of the task whose ``new_approval_status`` is ``changes_requested`` (and
  differs from ``old_approval_status``), or a ``section_changed`` story whose
  ``new_section`` is the account's revision section (names compared without case).
* Monday.com: an activity log entry of event ``update_column_value`` whose data
  (a JSON string) says the status column's new label is the account's revision label
  and its previous label was another one.
"""

import json
from datetime import UTC, datetime

from .asana.values import parse_time


def same(left, right):
    """Whether two labels are the same, ignoring case and spaces around.

    >>> same(' Revisions ', 'revisions'), same(None, 'x')
    (True, False)
    """
    return (left or "").strip().casefold() == (right or "").strip().casefold()


def asana_signals(task_gid, stories, revision_section=None):
    """The round signals of an Asana task's stories.

    >>> stories = [
    ...   {"gid": "1", "resource_subtype": "approval_status_changed",
    ...    "created_at": "2026-11-02T09:00:00.000Z", "created_by": {"name": "Cleo"},
    ...    "old_approval_status": "pending", "new_approval_status": "changes_requested"},
    ...   {"gid": "2", "resource_subtype": "approval_status_changed",
    ...    "created_at": "2026-11-02T10:00:00.000Z",
    ...    "old_approval_status": "changes_requested", "new_approval_status": "approved"},
    ...   {"gid": "3", "resource_subtype": "section_changed",
    ...    "created_at": "2026-11-03T09:00:00.000Z",
    ...    "old_section": {"name": "Client review"}, "new_section": {"name": "Revisions"}},
    ...   {"gid": "4", "resource_subtype": "comment_added", "text": "changes please"}]
    >>> [(s["ref"], s["by"], s["at"].isoformat()) for s in asana_signals("9", stories,
    ...                                                                   "revisions")]
    [('1', 'Cleo', '2026-11-02T09:00:00'), ('3', None, '2026-11-03T09:00:00')]
    >>> asana_signals("9", stories[2:], None)
    []
    """
    signals = []
    for story in stories or ():
        if not isinstance(story, dict) or not story.get("gid"):
            continue
        new, old = story.get("new_approval_status"), story.get("old_approval_status")
        section = (story.get("new_section") or {}).get("name")
        if same(new, "changes_requested") and not same(old, "changes_requested"):
            why = "approval status changes requested"
        elif (revision_section and story.get("resource_subtype") == "section_changed"
              and same(section, revision_section)
              and not same((story.get("old_section") or {}).get("name"), revision_section)):
            why = f"moved to section {section}"
        else:
            continue
        at = parse_time(story.get("created_at"))
        if at is None:
            continue
        signals.append({"task": str(task_gid), "ref": str(story["gid"]), "at": at,
                        "by": (story.get("created_by") or {}).get("name"), "why": why})
    return signals


def _label(value):
    """The label of a Monday status value in an activity log's data."""
    if isinstance(value, dict):
        label = value.get("label")
        if isinstance(label, dict):
            return label.get("text")
        return label
    return None


def monday_signals(logs, label, status_columns=None):
    """The round signals of a board's activity logs (``{id, event, data, created_at,
    user_id}``; ``data`` a JSON string; ``created_at`` in 10-millionths of a second).

    >>> data = json.dumps({"pulse_id": 11, "column_id": "status",
    ...                    "value": {"label": {"text": "Revisions requested"}},
    ...                    "previous_value": {"label": {"text": "Client review"}}})
    >>> logs = [{"id": "a1", "event": "update_column_value", "data": data,
    ...          "created_at": "17723232000000000", "user_id": "5"},
    ...         {"id": "a2", "event": "create_pulse", "data": "{}"}]
    >>> [(s["task"], s["ref"], s["at"].isoformat()) for s in monday_signals(
    ...     logs, "revisions REQUESTED")]
    [('11', 'a1', '2026-03-01T00:00:00')]
    >>> monday_signals(logs, "Revisions requested", {"status9"})
    []
    """
    signals = []
    for log in logs or ():
        if not isinstance(log, dict) or log.get("event") != "update_column_value":
            continue
        try:
            data = json.loads(log.get("data") or "{}")
        except (TypeError, ValueError):
            continue
        if not isinstance(data, dict) or not data.get("pulse_id"):
            continue
        if status_columns and data.get("column_id") not in status_columns:
            continue
        new, old = _label(data.get("value")), _label(data.get("previous_value"))
        if not same(new, label) or same(old, label):
            continue
        at = monday_time(log.get("created_at"))
        if at is None or not log.get("id"):
            continue
        signals.append({"task": str(data["pulse_id"]), "ref": str(log["id"]), "at": at,
                        "by": str(log["user_id"]) if log.get("user_id") else None,
                        "why": f"status changed to {new}"})
    return signals


def monday_time(value):
    """Monday's activity log time (10-millionths of a second since the epoch, a string)
    as a naive UTC datetime; None when unreadable.

    >>> monday_time("17723232000000000"), monday_time("soon")
    (datetime.datetime(2026, 3, 1, 0, 0), None)
    """
    try:
        ticks = int(str(value))
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(ticks / 10_000_000, UTC).replace(tzinfo=None)
