from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    agency_target_margin = fields.Float(related="company_id.agency_target_margin",
                                        readonly=False)
