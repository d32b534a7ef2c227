"""Settings: hours format and default payment terms of client documents."""

from odoo import fields, models


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ResConfigSettingsClient(models.TransientModel):
    _inherit = "res.config.settings"

    agency_hours_format = fields.Selection(
        related="company_id.agency_hours_format", readonly=False
    )
    agency_payment_term_id = fields.Many2one(
        related="company_id.agency_payment_term_id", readonly=False
    )
