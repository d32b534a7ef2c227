from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    agency_classification_threshold = fields.Float(
        related="company_id.agency_classification_threshold", readonly=False
    )
