from odoo import fields, models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    agency_retainer_fee = fields.Boolean(
        string="Retainer Fee",
        help="A contract line with this product bills a retainer: once per billing period, "
        "covering the contract's retainer hours.",
    )
