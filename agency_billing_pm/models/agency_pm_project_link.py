"""The mapping list: which Asana projects and Monday.com boards sync, into which Odoo
project. Only linked rows sync; a person links each one (accepting the suggestion, choosing
a project, or creating one from it) or ignores it."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.agency_billing.access import BILLING_MANAGER, check_action

LINK_STATES = [
    ("new", "To link"),
    ("suggested", "Suggestion"),
    ("linked", "Linked"),
    ("ignored", "Ignored"),
]


class AgencyPmProjectLink(models.Model):
    """An Asana project or Monday.com board of an account, and the Odoo project it syncs
    into (none: not synced).

    Integrators script it over RPC: ``backend_id``, ``external_id`` (project gid / board
    id), ``name``, ``client_name``, ``project_id`` (write it to link), ``ignored``,
    ``state``; actions ``action_agency_accept_suggestion``, ``action_agency_create_project``,
    ``action_agency_ignore``.
    """

    _name = "agency.pm.project.link"
    _description = "Asana Project / Monday.com Board Link"
    _order = "backend_id, state_sequence, name, id"

    backend_id = fields.Many2one("agency.pm.backend", required=True, ondelete="cascade",
                                 index=True, string="Account")
    provider = fields.Selection(related="backend_id.provider")
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_id = fields.Char(string="Project / Board ID", required=True, readonly=True)
    name = fields.Char(string="At the Source", required=True, readonly=True)
    client_name = fields.Char(string="Client at the Source", readonly=True)
    url = fields.Char(string="Link", readonly=True)
    source_updated_at = fields.Datetime(string="Changed at Source", readonly=True)
    archived_at_source = fields.Boolean(readonly=True)
    project_id = fields.Many2one(
        "project.project", string="Odoo Project", index="btree_not_null",
        check_company=True, ondelete="set null",
        help="Tasks and tracked time of this project (board) sync into this Odoo project.")
    suggested_project_id = fields.Many2one(
        "project.project", readonly=True, ondelete="set null")
    suggestion_reason = fields.Char(readonly=True)
    ignored = fields.Boolean(help="Never synced, never suggested again.")
    state = fields.Selection(LINK_STATES, compute="_compute_state", store=True)
    state_sequence = fields.Integer(compute="_compute_state", store=True)
    last_sync_date = fields.Datetime(string="Last Synced", readonly=True)

    _sql_constraints = [
        ("external_uniq", "unique(backend_id, external_id)",
         "A project (board) appears once per account."),
        ("project_uniq", "unique(backend_id, project_id)",
         "An Odoo project is linked to one project (board) per account."),
    ]

    @api.depends("project_id", "suggested_project_id", "ignored")
    def _compute_state(self):
        order = {"suggested": 0, "new": 1, "linked": 2, "ignored": 3}
        for link in self:
            state = ("ignored" if link.ignored else "linked" if link.project_id
                     else "suggested" if link.suggested_project_id else "new")
            link.state = state
            link.state_sequence = order[state]

    def write(self, vals):
        if "project_id" in vals or "ignored" in vals:
            check_action(self, "write", BILLING_MANAGER)
        return super().write(vals)

    # ------------------------------------------------------------------
    # Actions of the mapping list
    # ------------------------------------------------------------------

    def action_agency_accept_suggestion(self):
        """Link each row to its suggested project."""
        check_action(self, "write", BILLING_MANAGER)
        for link in self.filtered(lambda row: row.suggested_project_id and not row.project_id):
            link.write({"project_id": link.suggested_project_id.id, "ignored": False})
        return True

    def action_agency_create_project(self):
        """Create an Odoo project from each unlinked row (named as at the source, for the
        client of that name when there is one) and link it."""
        check_action(self, "write", BILLING_MANAGER)
        Project = self.env["project.project"]
        for link in self:
            if link.project_id:
                continue
            partner = link._agency_client_partner()
            project = Project.create({
                "name": link.name,
                "partner_id": partner.id or False,
                "company_id": link.company_id.id,
                "allow_timesheets": True,
            })
            link.write({"project_id": project.id, "ignored": False})
        return True

    def action_agency_ignore(self):
        """Never sync these rows (their links are removed)."""
        check_action(self, "write", BILLING_MANAGER)
        self.write({"ignored": True, "project_id": False})
        return True

    def action_agency_unignore(self):
        check_action(self, "write", BILLING_MANAGER)
        self.write({"ignored": False})
        self._agency_suggest()
        return True

    # ------------------------------------------------------------------
    # Discovery and suggestions
    # ------------------------------------------------------------------

    @api.model
    def _agency_upsert(self, backend, projects):
        """Projects (boards) seen at the source become rows; a row whose name, client or
        link changed is updated; unchanged rows are not written. New and unlinked rows get
        a suggestion. Returns the rows, by external id."""
        existing = {link.external_id: link for link in self.with_context(
            active_test=False).search([("backend_id", "=", backend.id)])}
        to_create, changed = [], self.browse()
        for project in projects:
            eid = str(project["id"])
            values = {
                "name": project.get("name") or eid,
                "client_name": project.get("client") or False,
                "url": project.get("url") or False,
                "source_updated_at": project.get("updated_at") or False,
                "archived_at_source": bool(project.get("archived")),
            }
            link = existing.get(eid)
            if link is None:
                to_create.append({"backend_id": backend.id, "external_id": eid, **values})
                continue
            current = {
                "name": link.name, "client_name": link.client_name or False,
                "url": link.url or False,
                "source_updated_at": link.source_updated_at or False,
                "archived_at_source": link.archived_at_source,
            }
            diff = {key: value for key, value in values.items() if current[key] != value}
            if diff:
                link.write(diff)
                changed |= link
        created = self.create(to_create) if to_create else self.browse()
        (created | changed).filtered(
            lambda row: not row.project_id and not row.ignored)._agency_suggest()
        for link in created:
            existing[link.external_id] = link
        return existing

    def _agency_client_partner(self):
        """The client partner named like the row's client (one match only)."""
        self.ensure_one()
        if not self.client_name:
            return self.env["res.partner"]
        partners = self.env["res.partner"].search([
            ("name", "=ilike", self.client_name.strip()), ("is_company", "=", True),
            ("company_id", "in", (False, self.company_id.id))], limit=2)
        return partners if len(partners) == 1 else self.env["res.partner"]

    def _agency_suggest(self):
        """Suggest an Odoo project: one of the same name, else the single active project of
        the client of that name. Rows already linked or ignored keep theirs."""
        Project = self.env["project.project"]
        taken = set(self.search([("backend_id", "in", self.backend_id.ids),
                                 ("project_id", "!=", False)]).mapped("project_id").ids)
        for link in self:
            if link.project_id or link.ignored:
                continue
            domain = [("company_id", "in", (False, link.company_id.id)),
                      ("id", "not in", list(taken))]
            suggestion, reason = Project, False
            by_name = Project.search(domain + [("name", "=ilike", link.name.strip())], limit=2)
            if len(by_name) == 1:
                suggestion, reason = by_name, _("Same name")
            else:
                partner = link._agency_client_partner()
                if partner:
                    of_client = Project.search(domain + [
                        ("partner_id", "child_of", partner.id), ("allow_timesheets", "=", True)],
                        limit=2)
                    if len(of_client) == 1:
                        suggestion = of_client
                        reason = _("The only project of %s", partner.display_name)
            current = (link.suggested_project_id, link.suggestion_reason or False)
            if current != (suggestion, reason):
                link.write({"suggested_project_id": suggestion.id, "suggestion_reason": reason})

    @api.ondelete(at_uninstall=False)
    def _unlink_if_not_synced(self):
        if self.filtered("project_id"):
            raise UserError(_("Unlink the Odoo project first (or ignore the row)."))
