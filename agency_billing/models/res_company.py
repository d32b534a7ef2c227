from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..lib import scope
from .agency_scope_line import check_thresholds


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

    # ------------------------------------------------------------------
    # Scope budgets: alert thresholds, over-scope policy, forecast window
    # ------------------------------------------------------------------

    agency_scope_thresholds = fields.Char(
        string="Default Alert Thresholds (%)",
        default=scope.format_thresholds(scope.DEFAULT_THRESHOLDS),
        required=True,
        help="Comma-separated burn percentages of a budget line that alert the project's "
        "Account Director (1 to 200, increasing); projects may override them.",
    )
    agency_over_scope_policy = fields.Selection(
        scope.OVER_SCOPE_POLICIES, string="Default Over-Scope Policy", default="billed",
        required=True,
        help="What happens to time recorded after its budget line is used up, for clients "
        "without their own policy.",
    )
    agency_scope_forecast_days = fields.Integer(
        string="Forecast Window (days)", default=28,
        help="The recent burn rate that forecasts when a budget line is used up is measured "
        "over this many days.",
    )

    @api.constrains("agency_scope_thresholds", "agency_scope_forecast_days")
    def _check_agency_scope(self):
        for company in self:
            check_thresholds(self.env, company.agency_scope_thresholds,
                             _("the company %s", company.name))
            if company.agency_scope_forecast_days < 1:
                raise ValidationError(_("The forecast window is at least one day."))
