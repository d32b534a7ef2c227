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

    @api.model
    def _commercial_fields(self):
        return super()._commercial_fields() + ["invoice_show_names", "portal_show_raw_time"]
