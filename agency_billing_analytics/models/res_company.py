from odoo import fields, models


# One file per concern of the model (analytics): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ResCompany(models.Model):
    _inherit = "res.company"

    agency_target_margin = fields.Float(
        string="Target Margin %", default=30.0,
        help="The margin rate suggestions aim at (analytics).")
