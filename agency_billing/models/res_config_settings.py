from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    agency_classification_threshold = fields.Float(
        related="company_id.agency_classification_threshold", readonly=False
    )
    agency_time_rounding = fields.Selection(
        related="company_id.agency_time_rounding", readonly=False
    )
    agency_time_rounding_unit = fields.Integer(
        related="company_id.agency_time_rounding_unit", readonly=False
    )
    agency_time_rounding_minimum = fields.Integer(
        related="company_id.agency_time_rounding_minimum", readonly=False
    )

    agency_scope_thresholds = fields.Char(
        related="company_id.agency_scope_thresholds", readonly=False
    )
    agency_over_scope_policy = fields.Selection(
        related="company_id.agency_over_scope_policy", readonly=False
    )
    agency_scope_forecast_days = fields.Integer(
        related="company_id.agency_scope_forecast_days", readonly=False
    )

    def action_agency_learn_now(self):
        """Rebuild the learned classification statistics now."""
        self.env["agency.classification.stat"]._learn(self.env.company)
        return True
