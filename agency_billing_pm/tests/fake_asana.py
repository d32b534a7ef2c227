"""A fake Asana (REST API 1.0) on 127.0.0.1 for the tests and the benchmark.

It follows the shapes the ``asana`` SDK reads (``/work/shared/api-contracts.md``, Asana
part): Bearer tokens (401 ``{"errors": [...]}`` otherwise), ``{data, next_page}``
envelopes with offset paging honouring ``limit`` (1-100), compact records unless
``opt_fields`` asks for more (nested fields such as ``assignee.email`` included),
workspaces and their users, projects (the client is a project custom field named
"Client"), sections, tasks (``?project=&modified_since=``, memberships with their section,
custom fields with their enum value, tags, assignee; approval tasks with their
``approval_status``), task stories (``/tasks/{gid}/stories``: ``approval_status_changed``
with ``old_approval_status`` / ``new_approval_status``, ``section_changed`` with
``old_section`` / ``new_section``; the approval subtype name is an assumption, the fields
are Asana's), time tracking entries (per task, per workspace over an ``entered_on``
window, one by one) and ``/events`` with sync tokens: the first call and any unknown or
expired token answer **412** with a fresh token; at most 100 events per call with
``has_more``. A token stands for a position in the project's event log, so an unchanged
project answers the same token again. Deleted tasks and entries answer 404.

Faults (429 with ``Retry-After: 0``, 5xx, timeouts, dropped connections, truncated JSON)
are scripted with :meth:`FakeServer.fail` (``rate_limit`` is a shortcut). Modification
times come from a fake clock that moves one second per change, so runs are deterministic.

:func:`signed_delivery` builds a webhook delivery signed like Asana's.
"""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

from odoo.addons.agency_billing_sync.tests.fake_server import FakeResponse, FakeServer

PREFIX = "/api/1.0"
EPOCH = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)  # the fake clock starts here
MAX_EVENTS = 100
TASK_FIELDS_COMPACT = ("gid", "resource_type", "name", "resource_subtype")


def iso(moment):
    """Asana's form of a datetime: ``2026-11-02T09:00:00.000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z")


def parse_iso(text):
    return datetime.fromisoformat(str(text).replace("Z", "+00:00")).astimezone(UTC)


def error(status, message, **extra):
    """Asana's error body."""
    return FakeResponse(status, {"errors": [{"message": message, "help": (
        "For more information on API status codes and how to handle them, read the docs "
        "on errors: https://developers.asana.com/docs/errors"), **extra}]})


def signed_delivery(secret, events):
    """(headers, body) of a webhook delivery signed like Asana's (hex HMAC-SHA256)."""
    body = json.dumps({"events": events}).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "X-Hook-Signature": signature}, body


def _fields_tree(opt_fields):
    """``"a,b.c,b.d"`` → ``{"a": {}, "b": {"c": {}, "d": {}}}``."""
    tree = {}
    for path in opt_fields:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
    return tree


def _compact(value):
    if isinstance(value, dict):
        return {key: value[key] for key in ("gid", "resource_type", "name") if key in value}
    return value


def _select(record, tree, compact=TASK_FIELDS_COMPACT):
    """The record as Asana shapes it for these ``opt_fields`` (compact when none)."""
    out = {key: record[key] for key in ("gid", "resource_type") if key in record}
    if not tree:
        return {key: record[key] for key in compact if key in record}
    for key, sub in tree.items():
        if key not in record:
            continue
        value = record[key]
        if isinstance(value, list):
            out[key] = [_select(item, sub, ()) if sub and isinstance(item, dict)
                        else _compact(item) for item in value]
        elif isinstance(value, dict):
            out[key] = _select(value, sub, ()) if sub else _compact(value)
        else:
            out[key] = value
    return out


class FakeAsana(FakeServer):
    """Asana's API as far as the addon uses it, with an in-memory workspace."""

    def __init__(self, token="asana-pat-fake-token"):
        super().__init__()
        self.token = token
        self.clock = EPOCH
        self._gid = 1_200_000_000_000_000
        self._given = set()
        self.workspaces = {}
        self.users = {}
        self.projects = {}
        self.sections = {}
        self.custom_fields = {}
        self.tasks = {}
        self.entries = {}
        self.stories = {}  # task gid -> [story records]
        self._listed = {}  # (task, start, end) -> entry gids, until an entry changes
        self.events = []  # (seq, project gid, event)
        self.generation = 0  # bumped by expire_sync_tokens()
        self.workspace = self.add_workspace("Agency Workspace")
        for method, pattern, handler in (
            ("GET", r"/users/([^/]+)", self._user),
            ("GET", r"/workspaces", self._workspaces),
            ("GET", r"/workspaces/(\d+)", self._workspace),
            ("GET", r"/workspaces/(\d+)/users", self._workspace_users),
            ("GET", r"/projects", self._projects),
            ("GET", r"/projects/(\d+)", self._project),
            ("GET", r"/projects/(\d+)/sections", self._project_sections),
            ("GET", r"/tasks", self._tasks),
            ("GET", r"/tasks/(\d+)", self._task),
            ("GET", r"/tasks/(\d+)/time_tracking_entries", self._task_entries),
            ("GET", r"/tasks/(\d+)/stories", self._task_stories),
            ("GET", r"/time_tracking_entries", self._entries),
            ("GET", r"/time_tracking_entries/(\d+)", self._entry),
            ("GET", r"/events", self._events),
        ):
            self.route(method, PREFIX + pattern, handler)

    @property
    def url(self):
        return super().url + PREFIX

    # ------------------------------------------------------------------
    # The workspace's data (what tests and the benchmark set up and change)
    # ------------------------------------------------------------------

    def tick(self, seconds=1):
        self.clock += timedelta(seconds=seconds)
        return self.clock

    def new_gid(self, given=None):
        """A fresh gid (or ``given``, kept from being handed out again)."""
        if given:
            self._given.add(str(given))
            return str(given)
        self._gid += 1
        while str(self._gid) in self._given:
            self._gid += 1
        return str(self._gid)

    def add_workspace(self, name):
        gid = self.new_gid()
        self.workspaces[gid] = {"gid": gid, "resource_type": "workspace", "name": name}
        return gid

    def add_user(self, name, email, gid=None):
        """A member of the workspace; returns its gid."""
        with self.lock:
            gid = self.new_gid(gid)
            self.users[gid] = {"gid": gid, "resource_type": "user", "name": name,
                               "email": email}
            return gid

    def add_custom_field(self, name, options=(), subtype=None):
        """A custom field (enum when options are given, else text); returns its gid."""
        with self.lock:
            gid = self.new_gid()
            self.custom_fields[gid] = {
                "gid": gid, "resource_type": "custom_field", "name": name,
                "resource_subtype": subtype or ("enum" if options else "text"),
                "enum_options": [{"gid": self.new_gid(), "resource_type": "enum_option",
                                  "name": option, "enabled": True} for option in options],
            }
            return gid

    def field_gid(self, name):
        return next(gid for gid, cf in self.custom_fields.items() if cf["name"] == name)

    def add_project(self, name, client=None, sections=("To do",), archived=False, notes="",
                    gid=None):
        """A project with sections (by name); returns its gid. ``client`` fills the
        project's "Client" text custom field."""
        with self.lock:
            gid = self.new_gid(gid)
            self.projects[gid] = {
                "gid": gid, "resource_type": "project", "name": name, "archived": archived,
                "notes": notes, "client": client, "workspace": self.workspace,
                "modified_at": self.tick(),
            }
            for section in sections:
                self.add_section(gid, section)
            return gid

    def delete_project(self, gid):
        """Delete a project: its routes answer 404; its tasks leave it."""
        with self.lock:
            self.projects.pop(str(gid))
            for task in self.tasks.values():
                task["memberships"] = [(p, s) for p, s in task["memberships"] if p != str(gid)]
            self._listed.clear()

    def add_section(self, project, name):
        with self.lock:
            gid = self.new_gid()
            self.sections[gid] = {"gid": gid, "resource_type": "section", "name": name,
                                  "project": str(project)}
            return gid

    def section_gid(self, project, name):
        return next(gid for gid, sec in self.sections.items()
                    if sec["project"] == str(project) and sec["name"] == name)

    def add_task(self, project, name, section=None, assignee=None, due_on=None,
                 completed=False, fields=None, tags=(), gid=None):
        """A task in a project (``section`` by name, default the first one, ``fields``
        {custom field name: value}); returns its gid."""
        with self.lock:
            gid = self.new_gid(gid)
            project = str(project)
            if section is None:
                section = next(sec["name"] for sec in self.sections.values()
                               if sec["project"] == project)
            self.tasks[gid] = {
                "gid": gid, "name": name, "completed": completed, "due_on": due_on,
                "assignee": assignee and str(assignee), "tags": list(tags),
                "memberships": [(project, self.section_gid(project, section))],
                "fields": {}, "deleted": False, "created_at": self.clock,
            }
            for field_name, value in (fields or {}).items():
                self._set_field(gid, field_name, value)
            self._touch(gid, "added", parent=project)
            return gid

    def add_subtask(self, parent, name, assignee=None, gid=None):
        """A subtask of a task: in no project (Asana lists only a project's top-level
        tasks); returns its gid."""
        with self.lock:
            gid = self.new_gid(gid)
            self.tasks[gid] = {
                "gid": gid, "name": name, "completed": False, "due_on": None,
                "assignee": assignee and str(assignee), "tags": [], "memberships": [],
                "fields": {}, "deleted": False, "created_at": self.clock,
                "parent": str(parent), "modified_at": self.tick(),
            }
            return gid

    def edit_task(self, gid, **values):
        """Change ``name``, ``completed``, ``due_on``, ``assignee`` or ``tags``."""
        with self.lock:
            task = self.tasks[str(gid)]
            for key, value in values.items():
                if key not in ("name", "completed", "due_on", "assignee", "tags"):
                    raise KeyError(key)
                task[key] = str(value) if key == "assignee" and value else value
            self._touch(str(gid), "changed", field=next(iter(values), None))

    def move_task_to_section(self, gid, section, user=None):
        """Move a task to another section (by name) of its first project (a
        ``section_changed`` story records it)."""
        with self.lock:
            task = self.tasks[str(gid)]
            project, old = task["memberships"][0]
            new = self.section_gid(project, section)
            task["memberships"][0] = (project, new)
            self._touch(str(gid), "changed", field="memberships")
            self._story(str(gid), "section_changed", user,
                        f"moved this Task from \"{self.sections[old]['name']}\" to "
                        f"\"{section}\"",
                        old_section=self._section_compact(old),
                        new_section=self._section_compact(new))

    def make_approval(self, gid, status="pending"):
        """Turn a task into an approval task (``resource_subtype`` ``approval``)."""
        with self.lock:
            task = self.tasks[str(gid)]
            task["approval_status"] = status
            self._touch(str(gid), "changed", field="resource_subtype")

    def set_approval_status(self, gid, status, user=None):
        """An approver's decision on an approval task: ``pending``, ``approved``,
        ``rejected`` or ``changes_requested``; the task's stories record the old and the
        new status, its project's events the change."""
        with self.lock:
            task = self.tasks[str(gid)]
            old = task.get("approval_status")
            task["approval_status"] = status
            self._touch(str(gid), "changed", field="approval_status", new_value=status)
            self._story(str(gid), "approval_status_changed", user,
                        f"changed the approval status to {status}",
                        old_approval_status=old, new_approval_status=status)

    def _section_compact(self, gid):
        return {"gid": gid, "resource_type": "section", "name": self.sections[gid]["name"]}

    def _story(self, task_gid, subtype, user, text, **values):
        story = {"gid": self.new_gid(), "resource_type": "story", "type": "system",
                 "resource_subtype": subtype, "created_at": iso(self.clock),
                 "created_by": self._user_record(str(user)) if user else None,
                 "text": text, **values}
        self.stories.setdefault(task_gid, []).append(story)
        return story["gid"]

    def set_custom_field(self, gid, name, value):
        with self.lock:
            self._set_field(str(gid), name, value)
            self._touch(str(gid), "changed", field="custom_fields")

    def _set_field(self, gid, name, value):
        field_gid = self.field_gid(name)
        self.tasks[gid]["fields"][field_gid] = value

    def delete_task(self, gid):
        """Delete a task (and so its time entries)."""
        with self.lock:
            self.tasks[str(gid)]["deleted"] = True
            self._listed.clear()
            self._touch(str(gid), "deleted")

    def add_task_to_project(self, gid, project, section=None):
        """Multi-home a task: it joins another project (in ``section``, by name, default
        the project's first), after its home project in its memberships."""
        with self.lock:
            task = self.tasks[str(gid)]
            project = str(project)
            if section is None:
                section = next(sec["name"] for sec in self.sections.values()
                               if sec["project"] == project)
            task["memberships"].append((project, self.section_gid(project, section)))
            self._listed.clear()
            self._touch(str(gid), "added", parent=project)

    def remove_task_from_project(self, gid):
        with self.lock:
            task = self.tasks[str(gid)]
            project = task["memberships"].pop(0)[0]
            self._touch(str(gid), "removed", parent=project)

    def add_time_entry(self, task, user, minutes, entered_on, billable_status=None,
                       approval_status=None, description=None, attributable_to=None,
                       gid=None):
        """A time tracking entry on a task; returns its gid."""
        with self.lock:
            gid = self.new_gid(gid)
            self.entries[gid] = {
                "gid": gid, "task": str(task), "created_by": user and str(user),
                "duration_minutes": minutes, "entered_on": entered_on,
                "billable_status": billable_status, "approval_status": approval_status,
                "description": description, "deleted": False, "created_at": self.tick(),
                "attributable_to": attributable_to,
            }
            self._entry_event(gid, "added")
            return gid

    def edit_time_entry(self, gid, **values):
        with self.lock:
            entry = self.entries[str(gid)]
            for key, value in values.items():
                if key not in entry or key in ("gid", "task", "deleted"):
                    raise KeyError(key)
                entry[key] = value
            self.tick()
            self._entry_event(str(gid), "changed")

    def delete_time_entry(self, gid):
        with self.lock:
            self.entries[str(gid)]["deleted"] = True
            self.tick()
            self._entry_event(str(gid), "deleted")

    def expire_sync_tokens(self):
        """Every sync token given so far answers 412 from now on."""
        with self.lock:
            self.generation += 1

    # -- events ---------------------------------------------------------------

    def _touch(self, gid, action, field=None, parent=None, new_value=None):
        task = self.tasks[gid]
        task["modified_at"] = self.tick()
        projects = {parent} if parent else set()
        projects |= {project for project, _section in task["memberships"]}
        event = {
            "user": None, "action": action,
            "resource": {"gid": gid, "resource_type": "task", "name": task["name"]},
            "parent": ({"gid": parent, "resource_type": "project"} if parent else None),
            "created_at": iso(self.clock), "type": "task",
        }
        if field:
            event["change"] = {"field": field, "action": "changed"}
            if new_value is not None:
                event["change"]["new_value"] = new_value
        for project in projects:
            self.events.append((len(self.events) + 1, project, event))

    def _entry_event(self, gid, action):
        self._listed.clear()
        entry = self.entries[gid]
        task = self.tasks.get(entry["task"])
        event = {
            "user": None, "action": action,
            "resource": {"gid": gid, "resource_type": "time_tracking_entry"},
            "parent": {"gid": entry["task"], "resource_type": "task"},
            "created_at": iso(self.clock), "type": "time_tracking_entry",
        }
        for project, _section in (task or {}).get("memberships", ()):
            self.events.append((len(self.events) + 1, project, event))

    # ------------------------------------------------------------------
    # Records as Asana shapes them
    # ------------------------------------------------------------------

    def _user_record(self, gid):
        user = self.users.get(gid) if gid else None
        return dict(user) if user else None

    def _field_record(self, field_gid, value):
        cf = self.custom_fields[field_gid]
        record = {"gid": field_gid, "resource_type": "custom_field", "name": cf["name"],
                  "resource_subtype": cf["resource_subtype"], "type": cf["resource_subtype"],
                  "enum_value": None, "text_value": None, "number_value": None,
                  "display_value": None}
        if cf["resource_subtype"] == "enum":
            option = next((opt for opt in cf["enum_options"] if opt["name"] == value), None)
            record["enum_value"] = dict(option) if option else None
            record["display_value"] = option["name"] if option else None
        elif cf["resource_subtype"] == "number":
            record["number_value"] = value
            record["display_value"] = None if value is None else str(value)
        else:
            record["text_value"] = value
            record["display_value"] = value
        return record

    def _task_record(self, gid):
        task = self.tasks[gid]
        record = {
            "gid": gid, "resource_type": "task", "resource_subtype": (
                "approval" if task.get("approval_status") else "default_task"),
            "name": task["name"], "completed": task["completed"],
            "completed_at": iso(task["modified_at"]) if task["completed"] else None,
            "due_on": task["due_on"], "due_at": None,
            "modified_at": iso(task["modified_at"]), "created_at": iso(task["created_at"]),
            "assignee": self._user_record(task["assignee"]),
            "permalink_url": f"https://app.asana.com/0/0/{gid}",
            "memberships": [
                {"project": {"gid": project, "resource_type": "project",
                             "name": self.projects[project]["name"]},
                 "section": {"gid": section, "resource_type": "section",
                             "name": self.sections[section]["name"]}}
                for project, section in task["memberships"]],
            "projects": [{"gid": project, "resource_type": "project",
                          "name": self.projects[project]["name"]}
                         for project, _section in task["memberships"]],
            "custom_fields": [self._field_record(fgid, value)
                              for fgid, value in task["fields"].items()],
            "tags": [{"gid": hashlib.sha256(tag.encode()).hexdigest()[:12],
                      "resource_type": "tag", "name": tag} for tag in task["tags"]],
            "workspace": {"gid": self.workspace, "resource_type": "workspace"},
            "parent": ({"gid": task["parent"], "resource_type": "task",
                        "name": self.tasks[task["parent"]]["name"]}
                       if task.get("parent") else None),
        }
        if task.get("approval_status"):
            record["approval_status"] = task["approval_status"]
        return record

    def _project_record(self, gid):
        project = self.projects[gid]
        fields = []
        if project["client"] is not None:
            fields.append({"gid": f"{gid}9", "resource_type": "custom_field", "name": "Client",
                           "resource_subtype": "text", "type": "text",
                           "text_value": project["client"],
                           "display_value": project["client"]})
        return {
            "gid": gid, "resource_type": "project", "name": project["name"],
            "archived": project["archived"], "notes": project["notes"],
            "modified_at": iso(project["modified_at"]), "custom_fields": fields,
            "permalink_url": f"https://app.asana.com/0/{gid}/list",
            "workspace": {"gid": project["workspace"], "resource_type": "workspace"},
        }

    def _entry_record(self, gid):
        entry = self.entries[gid]
        task = self.tasks.get(entry["task"])
        record = {
            "gid": gid, "resource_type": "time_tracking_entry",
            "duration_minutes": entry["duration_minutes"], "entered_on": entry["entered_on"],
            "created_by": self._user_record(entry["created_by"]),
            "task": {"gid": entry["task"], "resource_type": "task",
                     "name": task["name"] if task else None},
            "created_at": iso(entry["created_at"]),
            "description": entry["description"],
        }
        for key in ("billable_status", "approval_status"):
            if entry[key] is not None:  # the Timesheets add-on's fields: absent without it
                record[key] = entry[key]
        project = entry["attributable_to"]
        top = task
        while top and top.get("parent") and not top["memberships"]:
            top = self.tasks.get(top["parent"])
        if project is None and top and top["memberships"]:
            project = top["memberships"][0][0]
        if project in self.projects:
            record["attributable_to"] = {"gid": project, "resource_type": "project",
                                         "name": self.projects[project]["name"]}
        return record

    # ------------------------------------------------------------------
    # Serving
    # ------------------------------------------------------------------

    def _dispatch(self, request):
        given = request.headers.get("authorization") or ""
        if given != f"Bearer {self.token}":
            # Echoes what it got, so tests see that adapters redact it.
            return error(401, f"Not Authorized (got {given or 'no token'})")
        with self.lock:
            return super()._dispatch(request)

    def _page(self, request, records, compact=TASK_FIELDS_COMPACT, build=None):
        """``{data, next_page}`` of records (already in order; ``build`` turns each of
        the page into its record, so large lists are cheap) for the request's ``limit``,
        ``offset`` and ``opt_fields``."""
        tree = _fields_tree(request.params("opt_fields"))
        build = build or (lambda record: record)
        limit = request.param("limit")
        if limit is None:
            return FakeResponse(200, {"data": [_select(build(r), tree, compact)
                                               for r in records]})
        try:
            limit = int(limit)
        except ValueError:
            return error(400, "limit: Not a number")
        if not 1 <= limit <= 100:
            return error(400, "limit: Must be between 1 and 100")
        offset = request.param("offset")
        start = 0
        if offset:
            if not offset.startswith("eyJv") or not offset[4:].isdigit():
                return error(400, "offset: Your pagination token is invalid.")
            start = int(offset[4:])
        page = records[start:start + limit]
        body = {"data": [_select(build(r), tree, compact) for r in page], "next_page": None}
        if start + limit < len(records):
            token = f"eyJv{start + limit}"
            path = request.path.removeprefix(PREFIX)
            body["next_page"] = {"offset": token, "path": f"{path}?limit={limit}&offset={token}",
                                 "uri": f"{self.url}{path}?limit={limit}&offset={token}"}
        return FakeResponse(200, body)

    def _one(self, request, record, compact=TASK_FIELDS_COMPACT):
        tree = _fields_tree(request.params("opt_fields"))
        return FakeResponse(200, {"data": _select(record, tree, compact)})

    def _user(self, request):
        gid = request.match.group(1)
        if gid == "me":
            gid = next(iter(self.users), None)
            if gid is None:
                return FakeResponse(200, {"data": {"gid": "1", "resource_type": "user",
                                                   "name": "API user",
                                                   "email": "api@agency.test"}})
        if gid not in self.users:
            return error(404, f"user: Unknown object: {gid}")
        return self._one(request, self.users[gid], ("gid", "resource_type", "name"))

    def _workspaces(self, request):
        return self._page(request, list(self.workspaces.values()))

    def _workspace(self, request):
        workspace = self.workspaces.get(request.match.group(1))
        if not workspace:
            return error(404, f"workspace: Unknown object: {request.match.group(1)}")
        return self._one(request, workspace)

    def _workspace_users(self, request):
        if request.match.group(1) not in self.workspaces:
            return error(404, "workspace: Unknown object")
        users = [self.users[gid] for gid in sorted(self.users)]
        return self._page(request, users, ("gid", "resource_type", "name"))

    def _projects(self, request):
        workspace = request.param("workspace")
        if not workspace:
            return error(400, "workspace: Missing input")
        archived = request.param("archived")
        records = [self._project_record(gid) for gid in sorted(self.projects)
                   if self.projects[gid]["workspace"] == workspace
                   and (archived is None
                        or self.projects[gid]["archived"] == (archived.lower() == "true"))]
        return self._page(request, records)

    def _project(self, request):
        gid = request.match.group(1)
        if gid not in self.projects:
            return error(404, f"project: Unknown object: {gid}")
        return self._one(request, self._project_record(gid))

    def _project_sections(self, request):
        gid = request.match.group(1)
        if gid not in self.projects:
            return error(404, f"project: Unknown object: {gid}")
        records = [dict(sec, project={"gid": gid, "resource_type": "project"})
                   for sgid, sec in sorted(self.sections.items()) if sec["project"] == gid]
        return self._page(request, records)

    def _tasks(self, request):
        project = request.param("project")
        if not project:
            return error(400, "project: You must specify a project or tag if you do not "
                         "specify assignee and workspace")
        if project not in self.projects:
            return error(404, f"project: Unknown object: {project}")
        since = request.param("modified_since")
        try:
            since = parse_iso(since) if since else None
        except ValueError:
            return error(400, "modified_since: Not a valid date-time")
        gids = [gid for gid in self.tasks
                if not self.tasks[gid]["deleted"]
                and any(p == project for p, _s in self.tasks[gid]["memberships"])
                and (since is None or self.tasks[gid]["modified_at"] >= since)]
        return self._page(request, gids, build=self._task_record)

    def _task(self, request):
        gid = request.match.group(1)
        task = self.tasks.get(gid)
        if not task or task["deleted"]:
            return error(404, f"task: Unknown object: {gid}")
        return self._one(request, self._task_record(gid))

    def _task_stories(self, request):
        task = request.match.group(1)
        if task not in self.tasks or self.tasks[task]["deleted"]:
            return error(404, f"task: Unknown object: {task}")
        compact = ("gid", "resource_type", "created_at", "created_by", "resource_subtype",
                   "text", "type")
        return self._page(request, list(self.stories.get(task, ())), compact)

    def _entry_list(self, request, gids):
        compact = ("gid", "resource_type", "duration_minutes", "entered_on", "created_by")
        return self._page(request, gids, compact, build=self._entry_record)

    def _task_entries(self, request):
        task = request.match.group(1)
        if task not in self.tasks or self.tasks[task]["deleted"]:
            return error(404, f"task: Unknown object: {task}")
        gids = [gid for gid in self.entries
                if self.entries[gid]["task"] == task and not self.entries[gid]["deleted"]]
        return self._entry_list(request, gids)

    def _entries(self, request):
        workspace, task = request.param("workspace"), request.param("task")
        start = request.param("entered_on_start_date")
        end = request.param("entered_on_end_date")
        if workspace and not (start or end):
            return error(400, "entered_on_start_date: At least one of entered_on_start_date "
                         "or entered_on_end_date must be provided when filtering by workspace")
        if not (workspace or task or request.param("attributable_to")):
            return error(400, "task: Must specify one of task, attributable_to, portfolio, "
                         "user or workspace")
        if workspace and workspace not in self.workspaces:
            return error(404, f"workspace: Unknown object: {workspace}")
        key = (task, start, end)
        gids = self._listed.get(key)
        if gids is None:  # kept while no entry changes, so paging a large window is cheap
            gids = self._listed[key] = [
                gid for gid, entry in self.entries.items()
                if not self._entry_gone(gid) and (not task or entry["task"] == task)
                and not (start and entry["entered_on"] < start)
                and not (end and entry["entered_on"] > end)]
        return self._entry_list(request, gids)

    def _entry_gone(self, gid):
        """Deleted, or its task deleted (Asana deletes a task's time with it)."""
        entry = self.entries[gid]
        return entry["deleted"] or self.tasks.get(entry["task"], {}).get("deleted", True)

    def _entry(self, request):
        gid = request.match.group(1)
        if gid not in self.entries or self._entry_gone(gid):
            return error(404, f"time_tracking_entry: Unknown object: {gid}")
        compact = ("gid", "resource_type", "duration_minutes", "entered_on", "created_by")
        return self._one(request, self._entry_record(gid), compact)

    # -- events -----------------------------------------------------------------

    def sync_token(self, project, position):
        return f"g{self.generation}p{project}s{position}"

    def _events(self, request):
        project = request.param("resource")
        if project not in self.projects:
            return error(404, f"resource: Unknown object: {project}")
        log = [(seq, event) for seq, gid, event in self.events if gid == project]
        latest = log[-1][0] if log else 0
        token = request.param("sync")
        position = None
        prefix = f"g{self.generation}p{project}s"
        if token and token.startswith(prefix) and token[len(prefix):].isdigit():
            position = int(token[len(prefix):])
        if position is None:
            message = ("Sync token invalid or too old. If you are attempting to keep "
                       "resources in sync, you must fetch the full dataset for this query "
                       "now and use the new sync token for the next sync.")
            if not token:
                message = "Sync token missing: a fresh one is given."
            body = {"errors": [{"message": message}], "sync": self.sync_token(project, latest)}
            return FakeResponse(412, body)
        pending = [(seq, event) for seq, event in log if seq > position]
        batch = pending[:MAX_EVENTS]
        reached = batch[-1][0] if batch else position
        return FakeResponse(200, {"data": [event for _seq, event in batch],
                                  "sync": self.sync_token(project, reached),
                                  "has_more": len(pending) > MAX_EVENTS})

    # -- fault helpers ----------------------------------------------------------

    def rate_limit(self, times=1, path=None, skip=0):
        """``times`` 429s in a row (Asana's body, ``Retry-After: 0``)."""
        return self.fail(path=path, status=429, times=times, skip=skip,
                         headers={"Retry-After": "0"},
                         body={"errors": [{"message": "You have made too many requests "
                                           "recently. Please, be chill."}]})
