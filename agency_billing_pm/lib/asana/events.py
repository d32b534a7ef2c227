"""What Asana's events say about tasks (``/events`` with a sync token, and webhook
deliveries), no Odoo."""


def task_changes(events):
    """What a list of Asana events (oldest first) says about tasks: ``(changed, gone)``,
    gid sets; a task's latest event decides (deleted or removed from the project → gone;
    a change of one of its time entries or stories → changed).

    >>> evs = [
    ...   {"action": "added", "resource": {"gid": "1", "resource_type": "task"}},
    ...   {"action": "changed", "resource": {"gid": "2", "resource_type": "task"}},
    ...   {"action": "deleted", "resource": {"gid": "2", "resource_type": "task"}},
    ...   {"action": "removed", "resource": {"gid": "3", "resource_type": "task"},
    ...    "parent": {"gid": "5", "resource_type": "project"}},
    ...   {"action": "added", "resource": {"gid": "4", "resource_type": "task"},
    ...    "parent": {"gid": "9", "resource_type": "tag"}},
    ...   {"action": "deleted", "resource": {"gid": "80", "resource_type": "time_tracking_entry"},
    ...    "parent": {"gid": "1", "resource_type": "task"}},
    ...   {"action": "changed", "resource": {"gid": "5", "resource_type": "project"}}]
    >>> changed, gone = task_changes(evs)
    >>> sorted(changed), sorted(gone)
    (['1', '4'], ['2', '3'])
    """
    latest = {}
    for event in events or []:
        gid, change = event_target(event)
        if gid:
            latest[gid] = change
    changed = {gid for gid, change in latest.items() if change == "changed"}
    return changed, set(latest) - changed


def event_target(event):
    """``(task gid, "changed" | "deleted" | "removed")`` an event is about, or
    ``(None, None)``: events on a task itself, or on its stories, time entries or
    subtasks (then the parent task, changed).

    >>> event_target({"action": "deleted", "resource": {"gid": "1", "resource_type": "task"}})
    ('1', 'deleted')
    >>> event_target({"action": "added", "resource": {"gid": "2", "resource_type": "story"},
    ...               "parent": {"gid": "1", "resource_type": "task"}})
    ('1', 'changed')
    >>> event_target({"action": "changed", "resource": {"resource_type": "section"}})
    (None, None)
    """
    if not isinstance(event, dict):
        return None, None
    resource = event.get("resource") or {}
    parent = event.get("parent") or {}
    action = str(event.get("action") or "changed")
    if resource.get("resource_type") == "task" and resource.get("gid"):
        if action == "deleted":
            return str(resource["gid"]), "deleted"
        if action == "removed" and parent.get("resource_type") == "project":
            return str(resource["gid"]), "removed"
        return str(resource["gid"]), "changed"
    if parent.get("resource_type") == "task" and parent.get("gid"):
        return str(parent["gid"]), "changed"
    return None, None
