from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """Company-wide defaults of Agency Billing (each client may override them)."""

    _inherit = "res.company"

    agency_classification_threshold = fields.Float(
        string="Classification Confidence Threshold",
        default=0.6,
        help="A learned service-type suggestion below this confidence is flagged for review "
        "instead of being applied.",
    )
    agency_time_rounding = fields.Selection(
        [("none", "No rounding"), ("up", "Round up"), ("nearest", "Round to nearest")],
        string="Default Time Rounding",
        default="none",
        required=True,
    )
    agency_time_rounding_unit = fields.Integer(string="Default Rounding Unit (min)", default=15)
    agency_time_rounding_minimum = fields.Integer(string="Default Minimum per Entry (min)")

    @api.constrains("agency_time_rounding", "agency_time_rounding_unit",
                    "agency_time_rounding_minimum", "agency_classification_threshold")
    def _check_agency_defaults(self):
        for company in self:
            if company.agency_time_rounding != "none" and company.agency_time_rounding_unit <= 0:
                raise ValidationError(
                    _("The default rounding unit must be a positive number of minutes.")
                )
            if company.agency_time_rounding_minimum < 0:
                raise ValidationError(_("A minimum billed time cannot be negative."))
            if not 0 <= company.agency_classification_threshold <= 1:
                raise ValidationError(_("The confidence threshold is between 0 and 1."))

    def _agency_rounding_policy(self):
        self.ensure_one()
        return (self.agency_time_rounding, self.agency_time_rounding_unit,
                self.agency_time_rounding_minimum)

    def write(self, vals):
        res = super().write(vals)
        if {"agency_time_rounding", "agency_time_rounding_unit",
                "agency_time_rounding_minimum"} & set(vals):
            self.env["account.analytic.line"]._agency_flag_rerate(self)
        return res
