from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    agency_target_margin = fields.Float(
        string="Target Margin %", default=30.0,
        help="The margin rate suggestions aim at (analytics).")
