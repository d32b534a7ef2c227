from odoo import api, fields, models

DEFAULT_URLS = {
    "asana": "https://app.asana.com/api/1.0",
    "monday": "https://api.monday.com/v2",
}


class AgencyPmBackend(models.Model):
    """A connected Asana workspace or Monday.com account.

    Secrets are readable by administrators only (field groups) and are never logged.
    """

    _name = "agency.pm.backend"
    _description = "Project Management Account"
    _order = "provider, name"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    provider = fields.Selection(
        [("asana", "Asana"), ("monday", "Monday.com")], required=True, default="asana"
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    base_url = fields.Char(
        string="API URL",
        required=True,
        compute="_compute_base_url",
        store=True,
        readonly=False,
        precompute=True,
        help="API root of the provider. Change it only to point at a test server.",
    )
    workspace_ref = fields.Char(
        string="Workspace / Account ID", help="Asana workspace gid or Monday.com account id."
    )
    access_token = fields.Char(groups="base.group_system", copy=False)
    webhook_secret = fields.Char(
        groups="base.group_system",
        copy=False,
        help="Asana X-Hook-Secret or Monday.com signing secret, to check webhook deliveries.",
    )
    has_credentials = fields.Boolean(compute="_compute_has_credentials")

    @api.depends("provider")
    def _compute_base_url(self):
        for backend in self:
            backend.base_url = DEFAULT_URLS.get(backend.provider)

    def _compute_has_credentials(self):
        for backend in self:
            backend.has_credentials = bool(backend.sudo().access_token)
