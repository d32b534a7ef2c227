"""Clients: what their invoices and portal show of the people and the raw time."""

from odoo import api, fields, models


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ResPartnerClient(models.Model):
    _inherit = "res.partner"

    invoice_show_names = fields.Boolean(
        string="Names in Time Annex",
        help="The full time-entry annex and the portal's timesheets name the person who "
        "did the work. Off: they show the role only.",
    )
    portal_show_raw_time = fields.Boolean(
        string="Raw Time in Portal",
        help="The portal's timesheets show the time recorded next to the billed (rounded) "
        "time. Off: billed time only, which adds up to the invoice.",
    )
    portal_show_unbilled_time = fields.Boolean(
        string="Unbilled Time in Portal",
        help="The portal's timesheets also show billable time not invoiced yet (the time of "
        "invoices still in review included), marked as not invoiced yet. Off: only time "
        "invoiced on posted invoices.",
    )

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + [
            "invoice_show_names", "portal_show_raw_time", "portal_show_unbilled_time"]
