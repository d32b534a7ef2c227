"""One Asana sync: projects, then for each linked project what changed (``/events`` with a
sync token per project, ``/tasks?modified_since``), then the time entries of a moving
window. Every page is imported and committed (cron) with the cursor it reached, so a
killed or paused run continues where it stopped.

Cursors (``backend.sync_cursors``):

* ``asana:sync:<project>`` — the project's ``/events`` sync token, stored once what it
  stands for was imported;
* ``asana:tasks:<project>`` — the latest ``modified_at`` of the project's tasks read so
  far, never past the server's now minus the backend's lookback (the next bounded read
  asks ``modified_since`` it, inclusive);
* ``asana:read:<project>`` — a task read in progress (the token it ends at, its
  ``modified_since``, the next page's offset), so a paused or failed run resumes it;
* ``asana:time`` — a time-entry window read in progress (dates, next offset);
* ``asana:parents`` — subtask gid → the synced task its time goes to.

Per project: no token yet, or an expired one (412) → a fresh token is kept and the
project's tasks are read again, bounded by ``modified_since`` when a previous read is
known (then the project's task gids are listed, compact, to find the deleted ones);
a valid token → its events (``has_more`` followed): deleted tasks and tasks removed from
the project are archived, changed ones read with ``modified_since``; no event → no read.
A linked project Asana answers 404 for is skipped (logged), the others go on.

Time entries have no modified-since: the workspace's entries entered in the last
``time_window_days`` (to tomorrow) are read again every sync and compared by hash; bound
entries of that window that are no longer listed are looked up one by one (404 →
removed: the importer archives them; still there → imported as they are now). Time on a
subtask (Asana lists a project's top-level tasks only) goes to its nearest synced parent.
Entries attributed to a project nobody linked are left out.
"""

import logging
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from odoo import _

from odoo.addons.agency_billing_sync.lib.errors import SyncConfigError, SyncNotFoundError
from odoo.addons.agency_billing_sync.lib.webhook import WebhookHandshake, WebhookRefused

from ...lib import rounds as rounds_lib
from ...lib.asana import events as asana_events
from ...lib.asana import mappers as asana_mappers
from ...lib.asana import values as asana_values
from ...lib.asana import webhook as asana_webhook
from ..importer import TaskImporter, TimeImporter
from ..syncer import PmSync
from .adapter import AsanaAdapter

_logger = logging.getLogger(__name__)

# Subtasks of subtasks...: how far up a subtask's time looks for a synced task.
MAX_PARENT_DEPTH = 4


class AsanaSync(PmSync):
    """The steps of an Asana sync for one backend and run (``run`` may be None)."""

    adapter_class = AsanaAdapter

    def __init__(self, backend, run, adapter=None):
        super().__init__(backend, run, adapter=adapter)
        self._depth = 0
        self.task_projects = {}  # task gid → linked project gid (seen in this run)
        self.parents = {}  # subtask gid → synced parent task gid (or None)
        self.round_hints = {}  # task gid → why its current state asks for changes

    @contextmanager
    def _session(self):
        """Around each hook: the SDK's threads and connections are freed at the end of
        the outermost one (the adapter stays usable)."""
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if not self._depth and self._adapter is not None:
                self._requests()
                self._adapter.close()

    # ------------------------------------------------------------------
    # Settings
    # ------------------------------------------------------------------

    def workspace(self):
        workspace = (self.backend.workspace_ref or "").strip()
        if not workspace:
            raise SyncConfigError(_("The Asana account %s has no workspace: set its "
                                    "workspace gid (Test Connection lists them).",
                                    self.backend.display_name))
        return workspace

    def normalize_task(self, raw, project):
        backend = self.backend
        return asana_mappers.task(
            raw, project, service_source=backend.service_source or "custom_field",
            service_field=backend.service_field or "", milestone_source=(
                backend.milestone_source or "section"),
            milestone_field=backend.milestone_field or "")

    # ------------------------------------------------------------------
    # Hooks of the backend
    # ------------------------------------------------------------------

    def check(self):
        """Test Connection: the token's user and the workspace."""
        with self._session():
            return self._check()

    def _check(self):
        me = self.adapter.me()
        workspace = (self.backend.workspace_ref or "").strip()
        if not workspace:
            names = ", ".join(f"{w.get('name')} ({w.get('gid')})"
                              for w in self.adapter.workspaces())
            raise SyncConfigError(_("Connected to Asana as %(user)s, but no workspace is "
                                    "set. Workspaces of this token: %(names)s.",
                                    user=me.get("name"), names=names or "-"))
        found = self.adapter.workspace(workspace)
        return _("Connected to Asana as %(user)s, workspace %(workspace)s.",
                 user=me.get("name") or me.get("gid"), workspace=found.get("name"))

    def discover(self):
        """The workspace's projects (archived ones included) as project dicts."""
        with self._session():
            return [asana_mappers.project(raw) for raw in self.adapter.projects(self.workspace())
                    if raw.get("gid")]

    def execute(self):
        """The whole sync of the run."""
        with self._session():
            workspace = self.workspace()
            projects = self.discover()
            self.env["agency.pm.project.link"]._agency_upsert(self.backend, projects)
            links = self.backend._agency_pm_links()
            for link in links:
                self.sync_project(link)
            if links:
                self.sync_time(workspace, links)
            self.sync_rounds()
            self._requests()

    def import_ids(self, external_type, ids, deleted_ids=()):
        """Re-read tasks (with their time entries) or time entries and import them."""
        ids = [str(i) for i in dict.fromkeys(ids or ()) if i]
        deleted = [str(i) for i in dict.fromkeys(deleted_ids or ()) if i]
        with self._session():
            if external_type == "task":
                self._import_tasks(ids, deleted)
                self.sync_rounds()
            elif external_type == "time":
                self._import_entries(ids, deleted)
            self._requests()

    @classmethod
    def webhook_events(cls, backend, httprequest, raw):
        """Check a webhook delivery and return its events (see ``lib/asana/webhook.py``)."""
        headers = httprequest.headers
        secret = headers.get("X-Hook-Secret")
        if secret:
            backend._agency_pm_accept_hook_secret(secret)
            raise WebhookHandshake(headers={"X-Hook-Secret": secret}, body=b"")
        given = headers.get("X-Hook-Signature")
        if not given:
            raise WebhookRefused(401, "missing signature")
        if not asana_webhook.matching_secret(backend._agency_pm_hook_secrets(), raw, given):
            raise WebhookRefused(401, "invalid signature")
        try:
            return asana_webhook.webhook_events(raw)
        except ValueError as exc:
            raise WebhookRefused(400, str(exc)) from None

    # ------------------------------------------------------------------
    # Runs: cursors, checkpoints, logs
    # ------------------------------------------------------------------

    def _requests(self):
        if self.run and self._adapter is not None:
            self.run.requests = self._adapter.requests

    def _cursor(self, key):
        return self.backend._agency_sync_cursor(key)

    def _set_cursor(self, key, value):
        """Store a cursor only when it changed (an unchanged sync writes nothing)."""
        if self.backend._agency_sync_cursor(key) != value:
            self.backend._agency_sync_set_cursor(key, value)

    def _counts(self):
        run = self.run
        if not run:
            return (0, 0, 0, 0, 0, 0)
        return (run.created, run.updated, run.unchanged, run.quarantined, run.conflicts,
                run.archived)

    def _log_summary(self, label, pages, before, started):
        if not self.run:
            return
        delta = [b - a for a, b in zip(before, self._counts(), strict=True)]
        self.run._agency_log(_(
            "%(label)s: %(pages)s pages in %(seconds).1f s; %(created)s created, "
            "%(updated)s updated, %(unchanged)s unchanged, %(quarantined)s quarantined, "
            "%(conflicts)s conflicts, %(archived)s removed.", label=label, pages=pages,
            seconds=time.perf_counter() - started, created=delta[0], updated=delta[1],
            unchanged=delta[2], quarantined=delta[3], conflicts=delta[4], archived=delta[5]))

    # ------------------------------------------------------------------
    # Tasks of a linked project
    # ------------------------------------------------------------------

    def sync_project(self, link):
        """What changed in one linked project since its sync token."""
        gid = str(link.external_id)
        label = _("Asana project %s", link.name or gid)
        before, started = self._counts(), time.perf_counter()
        read_key = f"asana:read:{gid}"
        state = self._cursor(read_key)
        if state:
            state = dict(state, resumed=True)
        else:
            try:
                state = self._start_project(link)
            except SyncNotFoundError:
                if self.run:
                    self.run._agency_log(_("Asana project %s is gone or not shared with the "
                                           "token: skipped.", link.name or gid))
                return
            if state is None:
                self._log_summary(label, 0, before, started)
                return
        try:
            pages = self._read_tasks(link, state)
        except SyncNotFoundError:
            # Deleted in Asana, or the token lost access to it: the others go on; its
            # tasks stay as they are (unlink the project to stop trying).
            if self.run:
                self.run._agency_log(_("Asana project %s is gone or not shared with the "
                                       "token: skipped.", link.name or gid))
            return
        self._log_summary(label, pages, before, started)

    def _start_project(self, link):
        """Read the project's events; the read to do (a state dict), or None."""
        gid = str(link.external_id)
        token = self._cursor(f"asana:sync:{gid}")
        since = self._cursor(f"asana:tasks:{gid}")
        answer = self.adapter.events(gid, token)
        if answer["expired"]:
            if token and self.run:
                self.run._agency_log(_("Asana project %s: the sync token expired; its tasks "
                                       "are read again.", link.name or gid))
            return {"token": answer["sync"], "since": since, "offset": None,
                    "hwm": since, "check_gone": bool(since)}
        events = list(answer["data"])
        while answer["has_more"]:
            answer = self.adapter.events(gid, answer["sync"])
            if answer["expired"]:  # expired between two calls: start over next time
                return {"token": answer["sync"], "since": since, "offset": None,
                        "hwm": since, "check_gone": bool(since)}
            events += answer["data"]
        changed, gone = asana_events.task_changes(events)
        if gone:
            self._archive_tasks(sorted(gone))
        if not changed:
            self._set_cursor(f"asana:sync:{gid}", answer["sync"])
            if gone:
                self._checkpoint()
            return None
        return {"token": answer["sync"], "since": since, "offset": None, "hwm": since,
                "check_gone": False}

    def _read_tasks(self, link, state):
        """Read the project's tasks page by page (resumable), then store its token."""
        gid = str(link.external_id)
        read_key = f"asana:read:{gid}"
        seen = set()
        pages = 0
        hwm = asana_values.parse_time(state.get("hwm"))
        size = max(1, self.backend.sync_batch_size or 100)
        tasks = []  # pages are imported together, a batch of ``sync_batch_size`` at a time
        linked = {str(other.external_id) for other in self.backend._agency_pm_links()}
        while True:
            records, offset = self.adapter.tasks_page(gid, state.get("since"),
                                                      state.get("offset"))
            for raw in records:
                if not raw.get("gid"):
                    continue
                seen.add(str(raw["gid"]))
                # A task in two linked projects: one status, its home project's.
                home = asana_mappers.home_project(raw, linked) or gid
                self.task_projects[str(raw["gid"])] = home
                self._note_round_hint(raw)
                tasks.append(self.normalize_task(raw, home))
                modified = asana_values.parse_time(raw.get("modified_at"))
                if modified and (hwm is None or modified > hwm):
                    hwm = modified
                    state["hwm"] = raw["modified_at"]
            pages += 1
            if not offset:
                break
            state["offset"] = offset
            if len(tasks) >= size:
                # Between batches the read is resumable; the last batch is committed with
                # the project's new token below.
                TaskImporter(self.backend, self.run).import_records(tasks)
                tasks = []
                self._set_cursor(read_key, {k: v for k, v in state.items()
                                            if k != "resumed"})
                self._checkpoint()
        if tasks:
            TaskImporter(self.backend, self.run).import_records(tasks)
        if state.get("check_gone") or (state.get("since") is None and not state.get("resumed")):
            live = seen if state.get("since") is None and not state.get("resumed") else None
            self._archive_gone_tasks(link, live)
        self._set_cursor(f"asana:sync:{gid}", state["token"])
        if state.get("hwm"):
            # Never past the server's now minus the lookback (clock skew).
            self._set_cursor(f"asana:tasks:{gid}",
                             asana_values.capped_time(state["hwm"], self.cursor_limit()))
        self._set_cursor(read_key, None)
        self._checkpoint()
        return pages

    def _binder(self, external_type):
        # sudo: the syncer reads the backend's bindings whoever started the run.
        return self.backend.sudo()._agency_binder(external_type)

    def _bound_tasks(self, link):
        """{task gid: project.task id} of the tasks bound to this link's Odoo project."""
        bound = self._binder("task").bound()
        if not bound:
            return {}
        tasks = self.env["project.task"].sudo().with_context(active_test=False).search([
            ("id", "in", list(bound.values())), ("project_id", "=", link.project_id.id)])
        ids = set(tasks.ids)
        return {gid: task_id for gid, task_id in bound.items() if task_id in ids}

    def _archive_gone_tasks(self, link, live=None):
        """Archive bound tasks of the project Asana no longer lists (``live``: the gids
        a full read saw; else the project's task gids are listed, compact)."""
        gid = str(link.external_id)
        bound = self._bound_tasks(link)
        if not bound:
            return
        if live is None:
            live, offset = set(), None
            while True:
                records, offset = self.adapter.tasks_page(gid, offset=offset, compact=True)
                live |= {str(raw.get("gid")) for raw in records}
                if not offset:
                    break
        gone = sorted(set(bound) - live)
        if gone:
            self._archive_tasks(gone)

    def _archive_tasks(self, gids):
        count = TaskImporter(self.backend, self.run).archive(list(gids))
        if count and self.run:
            self.run._agency_log(_("%s Asana tasks deleted or moved out of their project: "
                                   "removed.", count))
        return count

    # ------------------------------------------------------------------
    # Time entries of the moving window
    # ------------------------------------------------------------------

    def _linked_task_projects(self, links):
        """{task gid: linked project gid} of the bound tasks of linked projects."""
        by_project = {link.project_id.id: str(link.external_id) for link in links}
        bound = self._binder("task").bound()
        tasks = self.env["project.task"].sudo().with_context(active_test=False).browse(
            list(bound.values())).exists()
        project_of = {task.id: by_project.get(task.project_id.id) for task in tasks}
        mapping = {gid: project_of.get(task_id) for gid, task_id in bound.items()}
        mapping = {gid: project for gid, project in mapping.items() if project}
        mapping.update(self.task_projects)
        return mapping

    def _entry_project(self, raw, task_projects, linked):
        """The linked project a raw entry belongs to, or None (not ours)."""
        task_gid = str((raw.get("task") or {}).get("gid") or "")
        if task_gid in task_projects:
            return task_projects[task_gid]
        parent = self.parents.get(task_gid)
        if parent and parent in task_projects:
            return task_projects[parent]
        attributed = str((raw.get("attributable_to") or {}).get("gid") or "")
        return attributed if attributed in linked else None

    def _normalize_entry(self, raw, project):
        """The normalized entry; time tracked on a subtask goes to its synced parent."""
        entry = asana_mappers.time_entry(raw, project)
        parent = self.parents.get(entry["task"] or "")
        if parent:
            entry["task"] = parent
        return entry

    def _resolve_parents(self, records, task_projects, linked):
        """Tasks of these entries that are no synced task (subtasks: Asana lists only a
        project's top-level tasks) are looked up once: the nearest synced parent takes
        their time. Entries attributed to a project nobody linked are not looked up."""
        for raw in records:
            task_gid = str((raw.get("task") or {}).get("gid") or "")
            attributed = str((raw.get("attributable_to") or {}).get("gid") or "")
            if (not task_gid or task_gid in task_projects or task_gid in self.parents
                    or (attributed and attributed not in linked)):
                continue
            found, current = None, task_gid
            for _depth in range(MAX_PARENT_DEPTH):
                task = self.adapter.task(current)
                current = str(((task or {}).get("parent") or {}).get("gid") or "")
                if not current:
                    break
                if current in task_projects:
                    found = current
                    break
            self.parents[task_gid] = found

    def window(self):
        days = max(1, self.backend.time_window_days or 30)
        today = datetime.now(UTC).date()
        return (today - timedelta(days=days)).isoformat(), (today + timedelta(days=1)).isoformat()

    def sync_time(self, workspace, links):
        """The time entries of the window, page by page; deleted ones removed."""
        before, started = self._counts(), time.perf_counter()
        linked = {str(link.external_id) for link in links}
        task_projects = self._linked_task_projects(links)
        self.parents = dict(self._cursor("asana:parents") or {})
        state = self._cursor("asana:time")
        resumed = bool(state)
        if not state:
            start, end = self.window()
            state = {"start": start, "end": end, "offset": None}
        seen = set()
        pages = 0
        size = max(1, self.backend.sync_batch_size or 100)
        entries = []  # pages are imported together, a batch of ``sync_batch_size`` at a time
        while True:
            records, offset = self.adapter.entries_page(workspace, state["start"],
                                                        state["end"], state.get("offset"))
            self._resolve_parents(records, task_projects, linked)
            for raw in records:
                project = self._entry_project(raw, task_projects, linked)
                if not raw.get("gid") or not project:
                    continue
                seen.add(str(raw["gid"]))
                entries.append(self._normalize_entry(raw, project))
            pages += 1
            if not offset:
                break
            state = dict(state, offset=offset)
            if len(entries) >= size:
                # Between batches the read is resumable; the last batch is committed with
                # the end of the step below (an unchanged sync stores no cursor).
                TimeImporter(self.backend, self.run).import_records(entries)
                entries = []
                if self.parents != (self._cursor("asana:parents") or {}):
                    self._set_cursor("asana:parents", self.parents)
                self._set_cursor("asana:time", state)
                self._checkpoint()
        if entries:
            TimeImporter(self.backend, self.run).import_records(entries)
        if self.parents != (self._cursor("asana:parents") or {}):
            self._set_cursor("asana:parents", self.parents)
        if not resumed:
            self._check_gone_entries(state["start"], state["end"], seen, task_projects)
        self._set_cursor("asana:time", None)
        self._checkpoint()
        self._log_summary(_("Asana time entries %(start)s to %(end)s", start=state["start"],
                            end=state["end"]), pages, before, started)

    def _bound_entries(self, domain):
        """{entry gid: account.analytic.line id} bound for this backend, matching
        domain."""
        bound = self._binder("time").bound()
        if not bound:
            return {}
        lines = self.env["account.analytic.line"].sudo().search(
            [("id", "in", list(bound.values())), *domain])
        ids = set(lines.ids)
        return {gid: line_id for gid, line_id in bound.items() if line_id in ids}

    def _check_gone_entries(self, start, end, seen, task_projects):
        """Bound entries dated inside the window that Asana no longer listed: each is
        looked up; gone → archived, still there (moved, edited) → imported."""
        bound = self._bound_entries([("date", ">=", start), ("date", "<=", end)])
        missing = sorted(set(bound) - seen)
        if missing:
            self._import_entries(missing, (), task_projects=task_projects)

    def _import_entries(self, ids, deleted, task_projects=None):
        if task_projects is None:
            task_projects = self._linked_task_projects(self.backend._agency_pm_links())
            self.parents = dict(self._cursor("asana:parents") or {}, **self.parents)
        linked = {str(link.external_id) for link in self.backend._agency_pm_links()}
        gone = list(deleted)
        size = max(1, self.backend.sync_batch_size or 100)
        for start in range(0, len(ids), size):
            entries = []
            for gid in ids[start:start + size]:
                raw = self.adapter.entry(gid)
                if raw is not None:
                    self._resolve_parents([raw], task_projects, linked)
                project = raw and self._entry_project(raw, task_projects, linked)
                if raw is None or not project:
                    gone.append(gid)
                    continue
                entries.append(self._normalize_entry(raw, project))
            if entries:
                TimeImporter(self.backend, self.run).import_records(entries)
                self._checkpoint()
        if gone:
            count = TimeImporter(self.backend, self.run).archive(gone)
            if count and self.run:
                self.run._agency_log(_("%s Asana time entries deleted at the source: "
                                       "removed.", count))
            self._checkpoint()

    # ------------------------------------------------------------------
    # Revision rounds (approval status, revision section)
    # ------------------------------------------------------------------

    def _note_round_hint(self, raw):
        """Remember a task read in this run whose state asks for changes (logged when no
        deliverable is linked to it)."""
        section = self.backend.revision_section
        if str(raw.get("approval_status") or "").lower() == "changes_requested":
            self.round_hints[str(raw["gid"])] = "approval status changes requested"
        elif section and any(rounds_lib.same((m.get("section") or {}).get("name"), section)
                             for m in raw.get("memberships") or ()):
            self.round_hints[str(raw["gid"])] = f"in section {section}"

    def sync_rounds(self):
        """The stories of the deliverables' tasks read in this run: each request for
        changes in them starts a round once (``agency_pm_backend_rounds``)."""
        gids = sorted(self.task_projects)
        if not gids:
            return
        odoo_ids = self._binder("task").to_internal_ids(gids)
        linked = set(self.env["agency.deliverable"].sudo().search(
            [("task_ids", "in", list(odoo_ids.values()))]).task_ids.ids) if odoo_ids else set()
        signals = []
        for gid in gids:
            if odoo_ids.get(gid) in linked:
                stories = self.adapter.stories(gid)
                signals += rounds_lib.asana_signals(gid, stories or (),
                                                    self.backend.revision_section)
            elif gid in self.round_hints:
                # No deliverable: its request for changes is only logged.
                signals.append({"task": gid, "ref": f"state:{gid}", "at": datetime.now(UTC)
                                .replace(tzinfo=None), "by": None, "why": self.round_hints[gid]})
        self.backend._agency_pm_round_signals(signals, run=self.run)
        self._checkpoint()

    # ------------------------------------------------------------------
    # Tasks by id (webhook events, quarantine retries)
    # ------------------------------------------------------------------

    def _import_tasks(self, ids, deleted):
        links = self.backend._agency_pm_links()
        linked = [str(link.external_id) for link in links]
        gone = list(deleted)
        found = []
        size = max(1, self.backend.sync_batch_size or 100)
        for start in range(0, len(ids), size):
            tasks = []
            for gid in ids[start:start + size]:
                raw = self.adapter.task(gid)
                projects = asana_mappers.project_gids(raw) if raw else []
                project = next((p for p in projects if p in linked), None)
                if not project:
                    gone.append(gid)
                    continue
                self.task_projects[gid] = project
                self._note_round_hint(raw)
                tasks.append(self.normalize_task(raw, project))
                found.append(gid)
            if tasks:
                TaskImporter(self.backend, self.run).import_records(tasks)
                self._checkpoint()
        if gone:
            self._archive_tasks(gone)
            self._checkpoint()
        if found:
            self._import_task_entries(found, links)

    def _import_task_entries(self, task_gids, links):
        """The time entries of some tasks (all dates); bound entries of those tasks that
        Asana no longer lists are removed."""
        task_projects = self._linked_task_projects(links)
        listed, seen = [], set()
        for gid in task_gids:
            entries = self.adapter.task_entries(gid)
            if entries is None:
                continue
            for raw in entries:
                if raw.get("gid"):
                    seen.add(str(raw["gid"]))
                    listed.append(asana_mappers.time_entry(raw, task_projects.get(gid)))
        size = max(1, self.backend.sync_batch_size or 100)
        for start in range(0, len(listed), size):
            TimeImporter(self.backend, self.run).import_records(listed[start:start + size])
            self._checkpoint()
        odoo_tasks = self._binder("task").to_internal_ids(task_gids)
        if odoo_tasks:
            bound = self._bound_entries([("task_id", "in", list(odoo_tasks.values()))])
            gone = sorted(set(bound) - seen)
            if gone:
                TimeImporter(self.backend, self.run).archive(gone)
                self._checkpoint()

