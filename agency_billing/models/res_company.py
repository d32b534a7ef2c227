from odoo import fields, models


class ResCompany(models.Model):
    """Company-wide defaults of Agency Billing (each client may override them)."""

    _inherit = "res.company"

    agency_classification_threshold = fields.Float(
        string="Classification Confidence Threshold",
        default=0.6,
        help="A learned service-type suggestion below this confidence is flagged for review "
        "instead of being applied.",
    )
