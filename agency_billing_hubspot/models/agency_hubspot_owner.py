from odoo import api, fields, models


class AgencyHubspotOwner(models.Model):
    """A HubSpot owner (a user of the portal) and the employee whose time their calls,
    meetings and emails become.

    Each sync refreshes the owners and matches unmapped ones to an employee by work email
    (or by the login of the employee's user). A person can map an owner by hand; a mapped
    owner stays mapped. An owner without employee makes its activities wait in the
    quarantine ("owner not mapped") until it is mapped and they are retried. Owners
    archived in HubSpot are kept (their past activities stay attributed).
    """

    _name = "agency.hubspot.owner"
    _description = "HubSpot Owner"
    _order = "backend_id, name"

    backend_id = fields.Many2one("agency.hubspot.backend", required=True, ondelete="cascade",
                                 index=True)
    owner_id = fields.Char(string="Owner ID", required=True, readonly=True)
    name = fields.Char(readonly=True)
    email = fields.Char(readonly=True, index=True)
    user_ref = fields.Char(string="HubSpot User ID", readonly=True)
    archived = fields.Boolean(string="Archived in HubSpot", readonly=True)
    employee_id = fields.Many2one("hr.employee", index="btree_not_null",
                                  help="Whose time this owner's activities are.")
    match = fields.Selection([("email", "Work email"), ("login", "User login"),
                              ("manual", "By hand")], readonly=True)
    employee_state = fields.Selection(
        [("mapped", "Mapped"), ("former", "Former employee"), ("unmapped", "Not mapped")],
        string="Status", compute="_compute_employee_state",
        help="Former employee: the owner matches only a person who left (an archived "
        "employee): activities dated up to their departure date are imported, later ones "
        "are quarantined.")
    company_id = fields.Many2one(related="backend_id.company_id", store=True)

    _sql_constraints = [
        ("owner_uniq", "unique(backend_id, owner_id)", "An owner is listed once per account."),
    ]

    @api.depends("employee_id.active")
    def _compute_employee_state(self):
        for owner in self:
            employee = owner.employee_id.with_context(active_test=False)
            owner.employee_state = "unmapped" if not employee else (
                "mapped" if employee.active else "former")

    def write(self, vals):
        if "employee_id" in vals and "match" not in vals:
            vals = dict(vals, match="manual" if vals["employee_id"] else False)
        return super().write(vals)

    @api.model
    def _agency_upsert(self, backend, owners):
        """Store HubSpot's owners (dicts as the API returns them) and match the unmapped
        ones to employees; returns {owner id: employee id or False}."""
        existing = {o.owner_id: o for o in self.with_context(active_test=False).search(
            [("backend_id", "=", backend.id)])}
        to_create = []
        for owner in owners:
            oid = str(owner.get("id"))
            name = " ".join(p for p in (owner.get("firstName"), owner.get("lastName")) if p) \
                or owner.get("email") or oid
            values = {"name": name, "email": (owner.get("email") or "").strip().lower() or False,
                      "user_ref": str(owner.get("userId") or "") or False,
                      "archived": bool(owner.get("archived"))}
            record = existing.get(oid)
            if record:
                changed = {k: v for k, v in values.items() if record[k] != v}
                if changed:
                    record.write(changed)
            else:
                to_create.append({"backend_id": backend.id, "owner_id": oid, **values})
        if to_create:
            self.create(to_create)
        all_owners = self.search([("backend_id", "=", backend.id)])
        all_owners.filtered(lambda o: not o.employee_id)._agency_match(backend)
        return {o.owner_id: o.employee_id.id for o in all_owners}

    def _agency_match(self, backend):
        """Match owners to employees by work email, then by their user's login."""
        emails = [o.email for o in self if o.email]
        if not emails:
            return
        # People who left (archived employees) too, after current ones: their history is
        # imported, their time after the departure quarantined ("left on <date>").
        Employee = self.env["hr.employee"].with_company(backend.company_id).with_context(
            active_test=False)
        by_email, by_login = {}, {}
        for employee in Employee.search([("company_id", "in", [backend.company_id.id, False])],
                                        order="active desc, id"):
            if employee.work_email:
                by_email.setdefault(employee.work_email.strip().lower(), employee)
            if employee.user_id.login:
                by_login.setdefault(employee.user_id.login.strip().lower(), employee)
        for owner in self:
            employee = by_email.get(owner.email)
            how = "email"
            if not employee:
                employee, how = by_login.get(owner.email), "login"
            if employee:
                owner.write({"employee_id": employee.id, "match": how})
