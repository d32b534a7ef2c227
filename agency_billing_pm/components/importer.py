"""Importers both providers share: tasks → project tasks, tracked time → time entries.

The provider syncers (``asana/syncer.py``, ``monday/syncer.py``) read the source and hand
these importers provider-neutral dicts (datetimes naive UTC)::

    user    = {"id", "name", "email"}
    task    = {"id", "project", "name", "assignee": user|None, "due_on": "YYYY-MM-DD"|None,
               "completed": bool, "service": str|None, "status": str|None,
               "updated_at", "url", "raw"}
    time    = {"id", "task", "project", "user": user|None, "minutes",
               "date": "YYYY-MM-DD"|None, "started_at": datetime|None, "description",
               "billable": bool|None, "approval": "approved"|"pending"|"rejected"|None,
               "updated_at", "url", "raw"}

Tasks go to the linked Odoo project; their service value becomes the time's
classification hint (``service_type_hint_id``, never an override); a task linked to a
milestone that reaches the account's milestone status marks it reached, which drafts its
invoice at the next billing cron tick. Time entries are created and updated only through
``account.analytic.line``'s importer write path, so they are classified, rated, rounded
and budgeted like manual ones; invoiced time never changes (an edit or deletion at the
source becomes a conflict).
"""

from odoo import Command, fields
from odoo.exceptions import UserError

from odoo.addons.agency_billing_sync.components.importer import (
    SyncImporter,
    SyncItem,
    TimeEntryWritePath,
)
from odoo.addons.agency_billing_sync.lib.errors import SyncMappingError

from ..lib import mappers


def _map(function, *args):
    """Call a pure mapper; its MappingError quarantines the record."""
    try:
        return function(*args)
    except mappers.MappingError as exc:
        raise SyncMappingError(str(exc)) from None

class ServiceHints:
    """A source's service type values → service types: the account's value mappings
    first, then a service type of that code or name (any language; the company's before
    shared ones). Loaded once per batch."""

    def __init__(self, env, company, service_map):
        self.env = env
        self.service_map = service_map
        self.by_key = {}
        types = env["agency.service.type"].sudo().with_context(active_test=True).search(
            [("company_id", "in", (False, company.id))], order="sequence, id")
        langs = [code for code, _name in env["res.lang"].get_installed()]
        for rank, stype in enumerate(sorted(types, key=lambda t: (not t.company_id, t.id))):
            keys = {mappers.normalize_label(stype.code)} | {
                mappers.normalize_label(stype.with_context(lang=lang).name) for lang in langs}
            for key in keys - {""}:
                self.by_key.setdefault(key, (rank, stype.id))

    def resolve(self, value):
        """(service type id or False, issue text or None) of a source value."""
        key = mappers.normalize_label(value)
        if not key:
            return False, None
        if key in self.service_map:
            return self.service_map[key], None
        if key in self.by_key:
            return self.by_key[key][1], None
        return False, self.env._(
            "Unknown service type %r: no service type has this name or code. Map the value "
            "on the account's Service Type Values tab; the task is imported without a "
            "hint meanwhile.", value)


class PmImporter(SyncImporter):
    """What both importers share: the account's configuration, items, users."""

    OWNERSHIP = {}

    def __init__(self, backend, run):
        super().__init__(backend, run)
        self.config = backend._agency_pm_config()
        self.provider = backend.provider

    def items(self, records):
        return [SyncItem(external_id=str(rec.get("id")), payload=rec,
                         updated_at=rec.get("updated_at") or None) for rec in records
                if rec.get("id") not in (None, "")]

    def import_records(self, records):
        """Import one page of normalized records (see the module docstring)."""
        return self.import_items(self.items(records))

    def _employees(self, users):
        """{user id: employee} of the users of a batch (users upserted, mapped by email)."""
        mapped = self.env["agency.pm.user"].sudo()._agency_upsert(self.backend, users)
        employees = self.env["hr.employee"].sudo().browse(
            {eid for eid in mapped.values() if eid})
        by_id = {employee.id: employee for employee in employees}
        return {uid: by_id.get(eid) for uid, eid in mapped.items()}

    def _links(self):
        """{external project id: Odoo project id} of the account's linked projects."""
        return {link.external_id: link.project_id.id for link in self.backend._agency_pm_links()}


# ---------------------------------------------------------------------------
# Tasks
# ---------------------------------------------------------------------------


class TaskImporter(PmImporter):
    """Asana tasks and Monday.com items → tasks of the linked Odoo project."""

    external_type = "task"
    res_model = "project.task"
    OWNERSHIP = {"name": "source", "date_deadline": "source", "user_ids": "source",
                 "state": "source", "service_type_hint_id": "source",
                 "agency_pm_status": "source", "agency_pm_url": "source",
                 "project_id": "odoo"}

    def prepare(self, items):
        self.links = self._links()
        self.employees = self._employees([item.payload.get("assignee") for item in items])
        self.hints = ServiceHints(self.env, self.backend.company_id,
                                  self.config["service_map"])
        projects = set(self.links.values())
        self.milestones = {}
        for milestone in self.env["project.milestone"].sudo().search(
                [("project_id", "in", list(projects))]):
            key = (milestone.project_id.id, (milestone.name or "").strip().lower())
            self.milestones.setdefault(key, milestone.id)
        for item in items:
            synced = (item.binding.synced_values or {}) if item.binding else {}
            item.extra["previous_status"] = synced.get("agency_pm_status")

    def map(self, item):
        task = item.payload
        project_ref = task.get("project")
        if not project_ref:
            raise SyncMappingError("The task belongs to no project (board): where does it go?")
        project = self.links.get(str(project_ref))
        if not project:
            item.outcome = "skipped"  # a project nobody linked: not synced
            return
        employee = self.employees.get(str((task.get("assignee") or {}).get("id") or ""))
        hint, issue = self.hints.resolve(task.get("service"))
        if issue:
            item.issues.append(issue)
        item.values = {
            "name": (task.get("name") or "").strip() or f"({self.provider} {item.external_id})",
            "project_id": project,
            "date_deadline": mappers.deadline(task.get("due_on")),
            "user_ids": sorted([employee.user_id.id] if employee and employee.user_id else []),
            "state": "1_done" if task.get("completed") else "01_in_progress",
            "service_type_hint_id": hint,
            "agency_pm_status": (task.get("status") or "").strip() or False,
            "agency_pm_url": task.get("url") or False,
        }

    @staticmethod
    def _commands(values):
        values = dict(values)
        if "user_ids" in values:
            values["user_ids"] = [Command.set(values["user_ids"] or [])]
        return values

    def create_records(self, items):
        vals_list = []
        for item in items:
            vals = self._commands(item.values)
            key = (vals["project_id"], (vals["name"] or "").strip().lower())
            if key in self.milestones:
                vals["milestone_id"] = self.milestones[key]
            vals_list.append(vals)
        # sudo: the sync writes tasks of linked projects on behalf of the source.
        return self.model.sudo().with_context(
            mail_create_nolog=True, tracking_disable=True, mail_notrack=True,
            mail_create_nosubscribe=True).create(vals_list).with_env(self.env)

    def update_record(self, item, values):
        item.record.sudo().with_context(tracking_disable=True, mail_notrack=True).write(
            self._commands(values))

    def after_import(self, items):
        """A task reaching the milestone status marks its milestone reached; leaving it
        after that is a conflict (nothing is un-invoiced)."""
        wanted = self.config["milestone_values"]
        for item in items:
            task = item.record
            if not task or not task.milestone_id or item.outcome not in ("created", "updated"):
                continue
            status = ((item.values or {}).get("agency_pm_status") or "").lower()
            previous = (item.extra.get("previous_status") or "").lower()
            milestone = task.milestone_id.sudo()
            if status in wanted and not milestone.is_reached:
                milestone.write({"is_reached": True})
                if self.run:
                    self.run._agency_log(self.env._(
                        "Milestone %(milestone)s reached: task %(task)s is %(status)s.",
                        milestone=milestone.display_name, task=task.display_name,
                        status=item.values.get("agency_pm_status")))
            elif status not in wanted and previous in wanted and milestone.is_reached:
                self.conflict(
                    item, "milestone_status", self.env._("reached"),
                    item.values.get("agency_pm_status") or self.env._("(no status)"),
                    label=self.env._("Milestone status"),
                    note=self.env._(
                        "The task left %(status)s after its milestone %(milestone)s was "
                        "reached. The milestone stays reached and its invoice stands: "
                        "decide with the client (credit the invoice by hand if it must "
                        "go), then Keep Odoo.", status=previous,
                        milestone=milestone.display_name))

    def take_source(self, conflict, record):
        if conflict.field_name == "milestone_status":
            raise UserError(self.env._(
                "A reached milestone is not un-reached by the sync: if the approval was "
                "withdrawn, clear 'Reached' on the milestone by hand. Keep Odoo."))
        record.sudo().write(self._commands({conflict.field_name: conflict.source_raw}))
        self.backend._agency_sync_keep_odoo(conflict)

    def archive_records(self, records):
        """A task deleted at the source is archived in Odoo; its tracked time went with it
        at the source, so its synced time entries are removed while not invoiced (else a
        conflict each), as when the time itself is deleted."""
        lines = self.env["account.analytic.line"].sudo().search([
            ("task_id", "in", records.ids), ("source", "=", self.provider)])
        bindings = self.binder_for("time").to_external_many(lines, include_archived=False)
        if bindings:
            TimeImporter(self.backend, self.run).archive(
                [binding.external_id for binding in bindings.values()], force=True)
        records.sudo().filtered("active").write({"active": False})


# ---------------------------------------------------------------------------
# Tracked time
# ---------------------------------------------------------------------------


class TimeImporter(TimeEntryWritePath, PmImporter):
    """Asana time tracking entries and Monday.com time tracking sessions → time entries."""

    external_type = "time"
    res_model = "account.analytic.line"
    OWNERSHIP = {"name": "source", "date": "source", "unit_amount": "source",
                 "employee_id": "source", "task_id": "source", "project_id": "source",
                 "source_non_billable": "source", "service_type_hint_id": "source"}

    def prepare(self, items):
        self.links = self._links()
        self.employees = self._employees([item.payload.get("user") for item in items])
        task_refs = {str(item.payload["task"]) for item in items if item.payload.get("task")}
        task_ids = self.binder_for("task").to_internal_ids(task_refs)
        tasks = self.env["project.task"].sudo().with_context(active_test=False).browse(
            set(task_ids.values())).exists()
        by_id = {task.id: task for task in tasks}
        self.tasks = {ref: by_id.get(tid) for ref, tid in task_ids.items()}

    def map(self, item):
        entry = item.payload
        decision = mappers.time_policy(entry.get("billable"), entry.get("approval"),
                                       self.config)
        if decision == "skip":
            item.outcome = "skipped"
            return
        minutes = _map(mappers.minutes, entry.get("minutes"))
        user = entry.get("user") or {}
        if not user.get("id"):
            raise SyncMappingError("The time entry has no user: whose time is it?")
        employee = self.employees.get(str(user["id"]))
        if not employee:
            raise SyncMappingError(self.env._(
                "User not mapped: %(name)s <%(email)s> (user %(id)s) is no employee. Map the "
                "user on the account's People tab (or give the employee that work email): "
                "the time is imported at once.", name=user.get("name") or "?",
                email=user.get("email") or "no email", id=user["id"]))
        task, project = None, None
        if entry.get("task"):
            task = self.tasks.get(str(entry["task"]))
            if not task:
                raise SyncMappingError(self.env._(
                    "Task %s is not synced (its project is not linked, or the task failed "
                    "to import): the time waits for it.", entry["task"]))
            project = task.project_id.id
        elif entry.get("project"):
            project = self.links.get(str(entry["project"]))
        if not project:
            raise SyncMappingError("The time entry belongs to no task or linked project.")
        if entry.get("date"):
            day = _map(mappers.day, entry["date"])
        elif entry.get("started_at"):
            day = fields.Date.to_string(self.env["account.analytic.line"]._agency_entry_date(
                entry["started_at"], employee))
        else:
            raise SyncMappingError("The time entry has no date.")
        item.values = {
            "name": (entry.get("description") or "").strip() or (
                task.name if task else self.env._("Tracked time")),
            "date": day,
            "unit_amount": round(minutes / 60.0, 6),
            "employee_id": employee.id,
            "project_id": project,
            "task_id": task.id if task else False,
            "source_non_billable": decision == "non_billable",
            "service_type_hint_id": task.service_type_hint_id.id if task else False,
        }
        self.check_entry(item, employee)

    def import_items(self, items):
        items = super().import_items(items)
        # Time imported before that the policy now leaves out (rejected, unapproved, not
        # billable): removed while not invoiced, else a conflict.
        gone = [item for item in items if item.outcome == "skipped" and item.binding
                and not item.binding.archived]
        if gone:
            self._remove([item.binding for item in gone], reason="policy")
        return items

    def create_records(self, items):
        vals_list = [{
            **item.values,
            "source": self.provider,
            "external_ref": f"{self.provider}:{item.external_id}",
            "external_activity_type": "task",
            **self.hold_values(item),
        } for item in items]
        return self.env["account.analytic.line"]._agency_import_create(vals_list)

    def archive_records(self, records):
        """Time deleted at the source: removed while not invoiced, else a conflict."""
        bindings = list(self.binder.to_external_many(records).values())
        self._remove(bindings, reason="deleted", records=records)

    def _remove(self, bindings, reason, records=None):
        """Remove the entries of these bindings (not invoiced) or open a conflict."""
        Line = self.env["account.analytic.line"].sudo()
        records = records if records is not None else Line.browse(
            [b.res_id for b in bindings]).exists()
        by_record = {b.res_id: b for b in bindings}
        removed = self.env["account.analytic.line"]
        for entry in records.exists():
            binding = by_record.get(entry.id)
            if entry._is_not_billed():
                removed |= entry
                continue
            self.conflict(
                SyncItem(external_id=binding.external_id if binding else "", payload={},
                         binding=binding, record=entry),
                "unlink", self.env._("kept"),
                self.env._("deleted at the source") if reason == "deleted" else
                self.env._("left out by the account's policy"),
                label=self.env._("Removed at source"), note=self.env._(
                    "The time was deleted at the source (or is now rejected, unapproved or "
                    "not billable) after it was invoiced. Invoiced time never changes: "
                    "credit the invoice if the client must not pay it, then Keep Odoo."))
        if removed:
            # sudo: the sync removes time its source withdrew; invoiced time was kept.
            removed.sudo().unlink()
        if reason == "policy":
            self.binder.archive(bindings)
            if self.run and removed:
                self.run._agency_add(archived=len(removed))


IMPORTERS = {"task": TaskImporter, "time": TimeImporter}
# Webhook events and retries are imported in this order (time needs its task).
SYNC_ORDER = ("task", "time")
