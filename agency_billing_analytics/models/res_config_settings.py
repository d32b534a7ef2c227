from odoo import fields, models


# One file per concern of the model (analytics): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    agency_target_margin = fields.Float(related="company_id.agency_target_margin",
                                        readonly=False)
