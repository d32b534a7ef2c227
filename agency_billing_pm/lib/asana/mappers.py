"""Asana JSON → the normalized dicts of the PM importers (no Odoo).

Shapes (``agency_billing_pm`` contract, ``components/importer.py``): ``user`` ``{id,
name, email}``; ``project`` ``{id, name, client, updated_at, archived, url}``; ``task``
``{id, project, name, assignee, due_on, completed, service, status, updated_at, url,
raw}``; ``time`` ``{id, task, project, user, minutes, date, started_at, description,
billable, approval, updated_at, url, raw}``. Datetimes are naive UTC.

Where the values come from:

* a project's **client** is its custom field named "Client" (text or enum), else a line
  ``Client: <name>`` in its notes, else None;
* a task's **service** per ``service_source``: ``custom_field`` = the value of the custom
  field named ``service_field`` (enum option name, text, number, multi-enum options joined
  with ", "; names compared without case), ``section`` = the task's section in the
  project, ``tag`` = its first tag (or the first tag written ``<service_field>: <value>``);
* its **status** per ``milestone_source``: ``section`` (the section name) or
  ``custom_field`` (the custom field named ``milestone_field``);
* a time entry's **user** is ``created_by``, its **project** ``attributable_to`` (or the
  task's project when the syncer knows it), ``billable_status`` ``billable`` /
  ``nonBillable`` / ``notApplicable`` → True / False / None, ``approval_status``
  ``DRAFT``/``SUBMITTED`` → pending, ``APPROVED`` → approved, ``REJECTED`` → rejected (any
  case; absent → None: no approvals).
"""

import re

from .values import approval, billable, minutes, parse_time, text

CLIENT_FIELD = "client"
_CLIENT_NOTE = re.compile(r"^\s*client\s*:\s*(.+?)\s*$", re.I | re.M)


def user(raw):
    """The normalized user of an Asana user compact record (None when absent).

    >>> user({"gid": "7", "name": "Casey", "email": "Casey@Agency.test"})
    {'id': '7', 'name': 'Casey', 'email': 'casey@agency.test'}
    >>> user(None), user({"gid": None})
    (None, None)
    """
    if not isinstance(raw, dict) or not raw.get("gid"):
        return None
    email = text(raw.get("email"))
    return {"id": str(raw["gid"]), "name": text(raw.get("name")),
            "email": email.lower() if email else None}


def field_value(raw, name):
    """The value of the custom field named ``name`` (case-insensitive) as text.

    >>> task = {"custom_fields": [
    ...   {"name": "Service type", "resource_subtype": "enum", "enum_value": {"name": "Design"}},
    ...   {"name": "Hours", "resource_subtype": "number", "number_value": 4.0},
    ...   {"name": "Tags", "resource_subtype": "multi_enum",
    ...    "multi_enum_values": [{"name": "A"}, {"name": "B"}]},
    ...   {"name": "Empty", "resource_subtype": "enum", "enum_value": None}]}
    >>> [field_value(task, n) for n in ("service TYPE", "Hours", "Tags", "Empty", "None")]
    ['Design', '4', 'A, B', None, None]
    """
    wanted = (name or "").strip().lower()
    if not wanted:
        return None
    for field in (raw or {}).get("custom_fields") or []:
        if not isinstance(field, dict) or (field.get("name") or "").strip().lower() != wanted:
            continue
        subtype = field.get("resource_subtype") or field.get("type")
        if subtype == "enum":
            return text((field.get("enum_value") or {}).get("name"))
        if subtype == "multi_enum":
            names = [text(v.get("name")) for v in field.get("multi_enum_values") or []]
            return ", ".join(n for n in names if n) or None
        if subtype == "number":
            number = field.get("number_value")
            if number is None:
                return None
            return str(int(number)) if float(number).is_integer() else str(number)
        if field.get("text_value") is not None:
            return text(field.get("text_value"))
        if field.get("enum_value"):
            return text(field["enum_value"].get("name"))
        return text(field.get("display_value"))
    return None


def project_gids(raw):
    """The gids of the projects a task belongs to (its memberships).

    >>> project_gids({"memberships": [{"project": {"gid": "1"}}, {"project": {"gid": 2}}]})
    ['1', '2']
    """
    gids = []
    for membership in (raw or {}).get("memberships") or []:
        gid = ((membership or {}).get("project") or {}).get("gid")
        if gid:
            gids.append(str(gid))
    return gids


def home_project(raw, linked):
    """A task's home project among the linked ones: the first of its memberships (Asana
    lists the project a task was created in first). A task in two projects takes its
    status (section) and its Odoo project from there, whichever project is being read.

    >>> raw = {"memberships": [{"project": {"gid": "1"}}, {"project": {"gid": "2"}}]}
    >>> home_project(raw, {"1", "2"}), home_project(raw, {"2"}), home_project(raw, set())
    ('1', '2', None)
    """
    return next((gid for gid in project_gids(raw) if gid in linked), None)


def section_name(raw, project):
    """The name of the task's section in a project.

    >>> section_name({"memberships": [{"project": {"gid": "1"},
    ...                                "section": {"name": "Client approved"}}]}, "1")
    'Client approved'
    """
    for membership in (raw or {}).get("memberships") or []:
        if str(((membership or {}).get("project") or {}).get("gid")) == str(project):
            return text(((membership or {}).get("section") or {}).get("name"))
    return None


def tag_value(raw, prefix=None):
    """The first tag (or the value of the first tag ``<prefix>: value``).

    >>> tags = {"tags": [{"name": "urgent"}, {"name": "Service: Copywriting"}]}
    >>> tag_value(tags), tag_value(tags, "service"), tag_value({"tags": []})
    ('urgent', 'Copywriting', None)
    """
    names = [text(tag.get("name")) for tag in (raw or {}).get("tags") or []
             if isinstance(tag, dict)]
    names = [name for name in names if name]
    if prefix:
        wanted = prefix.strip().lower()
        for name in names:
            head, sep, value = name.partition(":")
            if sep and head.strip().lower() == wanted and value.strip():
                return value.strip()
    return names[0] if names else None


def _source_value(raw, project, source, field):
    if source == "section":
        return section_name(raw, project)
    if source == "tag":
        return tag_value(raw, field)
    if source == "custom_field":
        return field_value(raw, field)
    return None


def project(raw):
    """A normalized project.

    >>> p = project({"gid": "5", "name": " Acme launch ", "archived": False,
    ...   "modified_at": "2026-11-02T09:00:00.000Z", "permalink_url": "https://x/5",
    ...   "notes": "Brief\\nClient: Acme Foods", "custom_fields": []})
    >>> p["id"], p["name"], p["client"], p["updated_at"], p["archived"]
    ('5', 'Acme launch', 'Acme Foods', datetime.datetime(2026, 11, 2, 9, 0), False)
    >>> project({"gid": "6", "name": "B", "custom_fields": [
    ...   {"name": "Client", "display_value": "Globex"}], "notes": "Client: no"})["client"]
    'Globex'
    """
    client = None
    for field in raw.get("custom_fields") or []:
        if isinstance(field, dict) and (field.get("name") or "").strip().lower() == CLIENT_FIELD:
            client = text(field.get("display_value") or field.get("text_value")
                          or (field.get("enum_value") or {}).get("name"))
            break
    if client is None:
        match = _CLIENT_NOTE.search(raw.get("notes") or "")
        client = text(match.group(1)) if match else None
    return {"id": str(raw.get("gid")), "name": text(raw.get("name")) or str(raw.get("gid")),
            "client": client, "updated_at": parse_time(raw.get("modified_at")),
            "archived": bool(raw.get("archived")), "url": text(raw.get("permalink_url"))}


def task(raw, project_gid, service_source="custom_field", service_field="Service type",
         milestone_source="section", milestone_field="Status"):
    """A normalized task of the project ``project_gid``.

    >>> raw = {"gid": "9", "name": "Key visual", "completed": False, "due_on": "2026-11-20",
    ...   "modified_at": "2026-11-02T09:00:05.000Z", "permalink_url": "https://x/9",
    ...   "assignee": {"gid": "7", "name": "Casey", "email": "casey@agency.test"},
    ...   "memberships": [{"project": {"gid": "5"}, "section": {"name": "Client approved"}}],
    ...   "custom_fields": [{"name": "Service type", "resource_subtype": "enum",
    ...                      "enum_value": {"name": "Design"}}], "tags": [{"name": "Copy"}]}
    >>> t = task(raw, "5")
    >>> t["id"], t["project"], t["service"], t["status"], t["assignee"]["email"], t["due_on"]
    ('9', '5', 'Design', 'Client approved', 'casey@agency.test', '2026-11-20')
    >>> task(raw, "5", service_source="tag", milestone_source="custom_field")["service"]
    'Copy'
    >>> task(raw, "5", milestone_source="custom_field")["status"] is None
    True
    """
    due_on = text(raw.get("due_on"))
    if not due_on and raw.get("due_at"):
        moment = parse_time(raw.get("due_at"))
        due_on = moment.date().isoformat() if moment else None
    return {
        "id": str(raw.get("gid")), "project": str(project_gid) if project_gid else None,
        "name": text(raw.get("name")) or "", "assignee": user(raw.get("assignee")),
        "due_on": due_on, "completed": bool(raw.get("completed")),
        "service": _source_value(raw, project_gid, service_source, service_field),
        "status": _source_value(raw, project_gid, milestone_source, milestone_field),
        "updated_at": parse_time(raw.get("modified_at")),
        "url": text(raw.get("permalink_url")), "raw": raw,
    }


def time_entry(raw, project_gid=None):
    """A normalized time tracking entry (``project_gid``: the project of its task when the
    syncer knows it, else ``attributable_to``).

    >>> e = time_entry({"gid": "30", "duration_minutes": 95, "entered_on": "2026-11-01",
    ...   "created_by": {"gid": "7", "name": "Casey", "email": "casey@agency.test"},
    ...   "task": {"gid": "9"}, "attributable_to": {"gid": "5"},
    ...   "billable_status": "nonBillable", "approval_status": "SUBMITTED",
    ...   "description": " Layouts ", "created_at": "2026-11-01T17:00:00.000Z"})
    >>> (e["id"], e["task"], e["project"], e["user"]["id"], e["minutes"], e["date"],
    ...  e["billable"], e["approval"], e["description"], e["updated_at"])
    ... # doctest: +NORMALIZE_WHITESPACE
    ('30', '9', '5', '7', 95.0, '2026-11-01', False, 'pending', 'Layouts',
     datetime.datetime(2026, 11, 1, 17, 0))
    """
    task_gid = (raw.get("task") or {}).get("gid")
    attributed = (raw.get("attributable_to") or {}).get("gid")
    return {
        "id": str(raw.get("gid")), "task": str(task_gid) if task_gid else None,
        "project": str(project_gid or attributed) if (project_gid or attributed) else None,
        "user": user(raw.get("created_by")), "minutes": minutes(raw.get("duration_minutes")),
        "date": text(raw.get("entered_on")), "started_at": None,
        "description": text(raw.get("description")),
        "billable": billable(raw.get("billable_status")),
        "approval": approval(raw.get("approval_status")),
        "updated_at": parse_time(raw.get("modified_at") or raw.get("created_at")),
        "url": None, "raw": raw,
    }
