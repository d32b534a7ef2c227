"""Time entries logged in HubSpot (calls, meetings, emails): their link and source."""

from odoo import fields, models


class AccountAnalyticLine(models.Model):
    _name = "account.analytic.line"
    _inherit = ["account.analytic.line", "agency.hubspot.link.mixin"]

    # HubSpot is a source of time beside the core's own (Timesheet, Import). Uninstalling
    # this addon keeps the entries, as imported time.
    source = fields.Selection(
        selection_add=[("hubspot", "HubSpot"), ("import",)],
        ondelete={"hubspot": "set import"},
    )
