from odoo import fields, models


class AgencyHubspotBackend(models.Model):
    """A connected HubSpot account: where to reach it and with which credentials.

    Secrets are readable by administrators only (field groups) and are never logged.
    """

    _name = "agency.hubspot.backend"
    _inherit = ["agency.sync.backend.mixin"]
    _description = "HubSpot Account"
    _order = "name"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )
    base_url = fields.Char(
        string="API URL",
        required=True,
        default="https://api.hubapi.com",
        help="HubSpot API root. Change it only to point at a test server.",
    )
    portal_id = fields.Char(string="Portal ID", help="HubSpot account (hub) identifier.")
    access_token = fields.Char(
        groups="base.group_system",
        copy=False,
        help="Private app access token (sent as a Bearer token).",
    )
    client_secret = fields.Char(
        string="App Client Secret",
        groups="base.group_system",
        copy=False,
        help="Used to check the signature of HubSpot webhook deliveries.",
    )
    has_credentials = fields.Boolean(compute="_compute_has_credentials")

    def _compute_has_credentials(self):
        for backend in self:
            backend.has_credentials = bool(backend.sudo().access_token)

    def _agency_sync_secrets(self):
        self.ensure_one()
        # sudo: the secrets are read only to be redacted from stored messages.
        backend = self.sudo()
        return [secret for secret in (backend.access_token, backend.client_secret) if secret]
