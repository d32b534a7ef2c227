"""Time entries: the write path of importers (Asana, Monday.com, HubSpot, file imports).

An importer creates and updates time entries only through ``_agency_import_create`` and
``_agency_import_write``. It passes the entry's ``source``, ``external_ref``,
``external_activity_type``, the ordinary timesheet fields and, optionally, the source's
suggestion of a service type (``service_type_hint``: a name or code; or
``service_type_hint_id``). The hint goes through the classification chain — a manual
override and the classification rules come first, then the hint, then the task's type,
a learned suggestion, the project's type — so an imported entry is classified, rated and
budgeted exactly like a manual one. It is not an override: nothing is locked or logged
as set by hand. Fields that decide what a client pays (rate, billed time, holds,
exclusion, the override fields...) are refused on this path; ``source_non_billable``
(the source said *not billable*) is the one money field an importer may set, and it can
only lower what the client pays.

Two more things an importer may say, both of which can only hold time back:

* ``import_hold_reason`` (text): the entry is held from billing with that reason until a
  person releases it (e.g. an entry longer than anyone works in one go);
* an employee who has left (archived): time dated on or before their ``departure_date``
  (all of it when an archived employee has none) is history and is created for them;
  later time is refused (:class:`UserError` "left on <date>"; importers quarantine it
  before that, with the same words).
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# What an importer may not set besides the protected fields (what the client pays and
# why: the rules decide, see the guard file): the override machinery. Of the protected
# fields, the hint and the source's "not billable" are the importer's say.
IMPORT_REFUSED_EXTRA = {"is_so_line_edited", "override_ids", "agency_rerate_needed"}
IMPORT_ALLOWED_PROTECTED = {"service_type_hint_id", "source_non_billable"}
# The hint by name or code (resolved to service_type_hint_id).
HINT_KEY = "service_type_hint"
# A reason to hold the entry from billing until a person releases it.
HOLD_KEY = "import_hold_reason"


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLineImport(models.Model):
    _inherit = "account.analytic.line"

    service_type_hint_id = fields.Many2one(
        "agency.service.type", copy=False,  # string "Service Type Hint" (from the name)
        index="btree_not_null", ondelete="set null",
        help="The service type the source system (Asana, Monday.com, HubSpot...) suggests. "
        "Classification rules come first; the hint comes before the task's type.",
        check_company=True,
    )

    source_non_billable = fields.Boolean(
        string="Not Billable at Source", copy=False,
        help="The system this time came from (Asana, Monday.com) marked it not billable and "
        "the account's policy imports such time as non-billable: no rule bills it.",
    )

    @api.model
    def _agency_import_create(self, vals_list):
        """Create time entries from an importer, in one batch (the importers' write path).

        Each ``vals`` may carry ``service_type_hint`` (a service type's name or code,
        case-insensitive, resolved to a type of the entry's company or a shared one;
        unknown: no hint) or ``service_type_hint_id``, plus ``source``, ``external_ref``,
        ``external_activity_type`` and the ordinary timesheet fields. Fields that decide
        what the client pays are refused (:class:`UserError` naming them).

        Runs as superuser: the trusted path of the rules. The method is private (RPC
        cannot call it); callers check their own access first (an importer cron, a
        webhook controller of a configured backend).

        :param vals_list: list of dicts (not changed)
        :return: the created entries, in the caller's environment
        """
        vals_list = [dict(vals) for vals in vals_list]
        for vals in vals_list:
            self._agency_check_import_vals(vals)
            self._agency_import_hold(vals)
        self._agency_resolve_hints(vals_list)
        departed = self._agency_import_departed(vals_list)
        # sudo: the trusted path (see docstring); the values were checked above.
        Line = self.sudo()
        if departed:
            # Odoo looks employees up among active ones only: let it see those who left
            # (their time up to the departure was checked above).
            Line = Line.with_context(agency_import_departed_ids=tuple(departed.ids))
        lines = Line.create(vals_list)
        return lines.with_env(self.env)

    @api.model
    def _agency_import_hold(self, vals):
        """``import_hold_reason`` (in place) → held from billing with that reason."""
        reason = vals.pop(HOLD_KEY, None)
        if reason:
            vals.update(billing_hold=True, billing_hold_reason=reason)

    @api.model
    def _agency_import_departed(self, vals_list):
        """The archived employees of these entries (one query); an entry dated after its
        employee's departure is refused."""
        ids = {vals["employee_id"] for vals in vals_list if vals.get("employee_id")}
        if not ids:
            return self.env["hr.employee"]
        # sudo: the departure date is HR's field; only compared here.
        departed = self.env["hr.employee"].sudo().with_context(active_test=False).search(
            [("id", "in", list(ids)), ("active", "=", False)])
        if not departed:
            return departed
        late = [
            (employee, vals) for vals in vals_list
            for employee in departed.filtered(lambda e, v=vals: e.id == v.get("employee_id"))
            if employee._agency_left_before(vals.get("date"))
        ]
        if late:
            raise UserError("\n".join(
                employee._agency_departure_message() for employee, _vals in late))
        return departed

    def _agency_import_write(self, vals):
        """Update these entries from their source: time, date, description, task, hint
        (``service_type_hint`` or ``service_type_hint_id``, as in
        :meth:`_agency_import_create`), and the other fields an importer may set.

        Refuses entries already invoiced (:class:`UserError` naming them): importers check
        ``_is_not_billed()`` first and record a conflict instead. Runs as superuser, as
        :meth:`_agency_import_create` does.
        """
        vals = dict(vals)
        self._agency_check_import_vals(vals)
        self._agency_import_hold(vals)
        billed = self.filtered(lambda line: not line._is_not_billed())
        if billed:
            raise UserError(_(
                "These time entries are already invoiced and cannot be updated from their "
                "source: %s", ", ".join(billed.mapped("display_name")),
            ))
        if HINT_KEY not in vals:
            # sudo: the trusted path (see _agency_import_create); values checked above.
            return self.sudo().write(vals)
        groups = {}
        for line in self:
            groups.setdefault(line.company_id, self.browse())
            groups[line.company_id] |= line
        for company, lines in groups.items():
            company_vals = dict(vals, company_id=company.id)
            self._agency_resolve_hints([company_vals])
            company_vals.pop("company_id")
            lines.sudo().write(company_vals)  # sudo: the trusted path, values checked
        return True

    @api.model
    def _agency_import_refused_fields(self):
        """Fields an importer may not set: the protected ones but the hint and the
        source's "not billable", and the override machinery."""
        return (self._agency_protected_fields().keys() - IMPORT_ALLOWED_PROTECTED) \
            | IMPORT_REFUSED_EXTRA

    @api.model
    def _agency_check_import_vals(self, vals):
        """Refuse values an importer may not set (what the client pays is the rules')."""
        refused = sorted(self._agency_import_refused_fields() & vals.keys())
        if refused:
            labels = ", ".join(
                f"{self._fields[fname].string} ({fname})" if fname in self._fields else fname
                for fname in refused
            )
            raise UserError(_(
                "An importer cannot set %(fields)s on time entries: the rules decide them "
                "(pass the source's suggestion as service_type_hint instead of a service "
                "type).", fields=labels,
            ))

    @api.model
    def _agency_resolve_hints(self, vals_list):
        """Turn ``service_type_hint`` (name or code) into ``service_type_hint_id``, in
        place, with one query for the whole batch: a code beats a name, a type of the
        entry's company beats a shared one; an unknown hint gives no hint."""
        wanted = {}
        for vals in vals_list:
            text = vals.pop(HINT_KEY, None)
            if "service_type_hint_id" in vals:
                continue  # an explicit id wins over a name
            key = (text or "").strip().lower()
            if key:
                wanted[id(vals)] = key
            elif text is not None:
                vals["service_type_hint_id"] = False
        if not wanted:
            return
        keys = tuple(set(wanted.values()))
        self.env["agency.service.type"].flush_model(["name", "code", "company_id", "active"])
        # Every translation of the name counts (a source may speak another language).
        self.env.cr.execute(SQL(
            """
            SELECT st.id, st.company_id, lower(st.code),
                   ARRAY(SELECT lower(t.value) FROM jsonb_each_text(st.name) t)
              FROM agency_service_type st
             WHERE st.active
               AND (lower(st.code) IN %(keys)s
                    OR EXISTS (SELECT 1 FROM jsonb_each_text(st.name) t
                                WHERE lower(t.value) IN %(keys)s))
             ORDER BY st.sequence, st.id
            """, keys=keys,
        ))
        found = {}  # (key, company id or None) -> (rank, type id): a code (0) beats a name (1)
        for type_id, company_id, code, names in self.env.cr.fetchall():
            for key in keys:
                rank = 0 if key == code else 1 if key in names else None
                best = found.get((key, company_id))
                if rank is not None and (best is None or rank < best[0]):
                    found[(key, company_id)] = (rank, type_id)
        companies = self._agency_import_companies(vals_list)
        for vals in vals_list:
            key = wanted.get(id(vals))
            if key:
                match = found.get((key, companies[id(vals)])) or found.get((key, None))
                vals["service_type_hint_id"] = match[1] if match else False

    @api.model
    def _agency_import_companies(self, vals_list):
        """{id(vals): company id} of entries to create: the company given, else the
        project's (or the task's project's), else the current company."""
        # sudo: only the company of the projects and tasks the importer names is read.
        Project = self.env["project.project"].sudo()
        Task = self.env["project.task"].sudo()
        projects = Project.browse({vals["project_id"] for vals in vals_list
                                   if vals.get("project_id")})
        tasks = Task.browse({vals["task_id"] for vals in vals_list
                             if vals.get("task_id") and not vals.get("project_id")})
        projects.mapped("company_id")
        tasks.mapped("project_id.company_id")
        result = {}
        for vals in vals_list:
            company = self.env["res.company"]
            if vals.get("company_id"):
                company = company.browse(vals["company_id"])
            elif vals.get("project_id"):
                company = Project.browse(vals["project_id"]).company_id
            elif vals.get("task_id"):
                company = Task.browse(vals["task_id"]).project_id.company_id
            result[id(vals)] = (company or self.env.company).id
        return result
