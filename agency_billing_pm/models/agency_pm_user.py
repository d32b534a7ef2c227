"""People of an Asana workspace or Monday.com account and the employees they are."""

import json
import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.agency_billing.access import BILLING_MANAGER, check_action
from odoo.addons.agency_billing_sync.lib.errors import SyncError

_logger = logging.getLogger(__name__)


class AgencyPmUser(models.Model):
    """A user at the source (id, name, email) and the employee whose time they track.

    Found by the sync; mapped by work email (or the employee's user's email) when one
    employee of the account's company has it, else by a person. Time of a user mapped to
    no employee is quarantined; mapping the user retries it at once.
    """

    _name = "agency.pm.user"
    _description = "Asana / Monday.com User"
    _order = "backend_id, name, id"

    backend_id = fields.Many2one("agency.pm.backend", required=True, ondelete="cascade",
                                 index=True, string="Account")
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_id = fields.Char(string="User ID", required=True, readonly=True)
    name = fields.Char(readonly=True)
    email = fields.Char(readonly=True)
    employee_id = fields.Many2one("hr.employee", check_company=True, ondelete="set null")
    mapped_by = fields.Selection([("email", "Email"), ("manual", "By hand")], readonly=True)
    employee_state = fields.Selection(
        [("mapped", "Mapped"), ("former", "Former employee"), ("unmapped", "Not mapped")],
        string="Status", compute="_compute_employee_state",
        help="Former employee: the person left (archived employee): time dated up to "
        "their departure date is imported, later time is quarantined.")

    _sql_constraints = [
        ("external_uniq", "unique(backend_id, external_id)", "A user appears once per account."),
    ]

    @api.depends("employee_id.active")
    def _compute_employee_state(self):
        for user in self:
            employee = user.employee_id.with_context(active_test=False)
            user.employee_state = "unmapped" if not employee else (
                "mapped" if employee.active else "former")

    def write(self, vals):
        if "employee_id" not in vals:
            return super().write(vals)
        check_action(self, "write", BILLING_MANAGER)
        if not self.env.context.get("agency_pm_auto_map"):
            vals = dict(vals, mapped_by="manual" if vals["employee_id"] else False)
        res = super().write(vals)
        if vals["employee_id"] and not self.env.context.get("agency_pm_auto_map"):
            self._agency_retry_quarantined()
        return res

    def _agency_retry_quarantined(self):
        """Re-import the quarantined time of these users (now mapped)."""
        Log = self.env["agency.sync.log"].sudo()
        for backend in self.backend_id:
            users = self.filtered(lambda u, b=backend: u.backend_id == b)
            logs = Log.search([("backend_model", "=", backend._name),
                               ("backend_id", "=", backend.id), ("state", "=", "open"),
                               ("external_type", "in", ("time", "task"))])
            wanted = set(users.mapped("external_id"))
            logs = logs.filtered(lambda log, w=wanted: log._agency_pm_user_id() in w)
            if not logs:
                continue
            try:
                backend._agency_sync_retry(logs)
            except (SyncError, UserError) as exc:
                # The next sync retries them; the mapping itself is kept.
                _logger.info("Retry after mapping of %s postponed: %s",
                             backend.display_name, exc)

    @api.model
    def _agency_upsert(self, backend, users):
        """Users seen at the source (dicts ``id``, ``name``, ``email``): new ones are
        created (and mapped by email), changed names or emails updated, unchanged ones not
        written. Returns ``{external id: employee id or False}``."""
        users = {str(u["id"]): u for u in users if u and u.get("id")}
        if not users:
            return {}
        existing = {u.external_id: u for u in self.search([
            ("backend_id", "=", backend.id), ("external_id", "in", list(users))])}
        to_create = []
        for eid, user in users.items():
            # A source that names a user by id only (no name, no email) changes nothing.
            values = {key: value for key, value in (
                ("name", (user.get("name") or "").strip()),
                ("email", (user.get("email") or "").strip().lower())) if value}
            record = existing.get(eid)
            if record is None:
                to_create.append({"backend_id": backend.id, "external_id": eid, **values})
                continue
            changed = {key: value for key, value in values.items() if record[key] != value}
            if changed:
                record.with_context(agency_pm_auto_map=True).write(changed)
        if to_create:
            for record in self.create(to_create):
                existing[record.external_id] = record
        unmapped = self.browse([r.id for r in existing.values()
                                if not r.employee_id and r.email and r.mapped_by != "manual"])
        if unmapped:
            unmapped._agency_map_by_email()
        return {eid: record.employee_id.id for eid, record in existing.items()}

    def _agency_map_by_email(self):
        """Map users to the one employee of the account's company with their email."""
        emails = {u.email for u in self if u.email}
        Employee = self.env["hr.employee"].with_context(active_test=False)
        found = {}
        for employee in Employee.search(["|", ("work_email", "in", list(emails)),
                                         ("user_id.email", "in", list(emails))]):
            for email in {(employee.work_email or "").lower(),
                          (employee.user_id.email or "").lower()} & emails:
                found.setdefault((email, employee.company_id.id, employee.active),
                                 set()).add(employee.id)
        for user in self:
            # The one current employee with the email, else the one who left (a former
            # employee: their history is imported, later time is not).
            ids = found.get((user.email, user.company_id.id, True)) or found.get(
                (user.email, user.company_id.id, False)) or set()
            if len(ids) == 1:
                user.with_context(agency_pm_auto_map=True).write(
                    {"employee_id": ids.pop(), "mapped_by": "email"})


class AgencySyncLog(models.Model):
    _inherit = "agency.sync.log"

    def _agency_pm_user_id(self):
        """The source user of a quarantined Asana / Monday.com time entry (or task)."""
        self.ensure_one()
        try:
            payload = json.loads(self.payload or "{}")
        except ValueError:
            return None
        user = payload.get("user") or payload.get("assignee") or {}
        return str(user.get("id")) if isinstance(user, dict) and user.get("id") else None
