from odoo import fields, models

from ..access import BILLING_MANAGER, check_action


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
        check_action(self, "write", BILLING_MANAGER)
        self.env["agency.classification.stat"]._learn(self.env.company)
        return True

    # Billing: defaults of client billing preferences
    agency_billing_cycle = fields.Selection(
        related="company_id.agency_billing_cycle", readonly=False
    )
    agency_billing_weekday = fields.Selection(
        related="company_id.agency_billing_weekday", readonly=False
    )
    agency_billing_month_day = fields.Integer(
        related="company_id.agency_billing_month_day", readonly=False
    )
    agency_invoice_detail_level = fields.Selection(
        related="company_id.agency_invoice_detail_level", readonly=False
    )
    agency_invoice_grouping = fields.Selection(
        related="company_id.agency_invoice_grouping", readonly=False
    )
    agency_auto_send = fields.Boolean(related="company_id.agency_auto_send", readonly=False)
    agency_reminder_policy_id = fields.Many2one(
        related="company_id.agency_reminder_policy_id", readonly=False
    )
    agency_anomaly_total_factor = fields.Float(
        related="company_id.agency_anomaly_total_factor", readonly=False
    )
    agency_anomaly_hours_factor = fields.Float(
        related="company_id.agency_anomaly_hours_factor", readonly=False
    )
    agency_anomaly_history = fields.Integer(
        related="company_id.agency_anomaly_history", readonly=False
    )
    agency_duplicate_days = fields.Integer(
        related="company_id.agency_duplicate_days", readonly=False
    )
