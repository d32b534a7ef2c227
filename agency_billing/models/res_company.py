from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..constants import BILLING_CYCLES, DETAIL_LEVELS, INVOICE_GROUPING, WEEKDAYS
from ..lib import dates, scope


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

    def _agency_tz(self):
        """The company's time zone: its address's (partner), else its working hours'
        (resource calendar), else UTC. Billing dates and periods are days of this zone,
        whatever the zone of the user (or cron) that runs billing."""
        self.ensure_one()
        return dates.first_zone(self.partner_id.tz, self.resource_calendar_id.tz)

    def _agency_today(self):
        """Today in the company's time zone."""
        return dates.today_in(self._agency_tz())

    def _agency_fixed_today(self):
        """The day the context fixes for billing decisions (``agency_billing_today``: tests
        and demo data), else None."""
        value = self.env.context.get("agency_billing_today")
        return fields.Date.to_date(value) if value else None

    def _agency_billing_today(self):
        """The day billing decisions are made for: the day the context fixes
        (:meth:`_agency_fixed_today`), else today in this company's time zone — never the
        zone of the user or cron running them."""
        return self._agency_fixed_today() or self._agency_today()

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
            self._agency_check_thresholds(company.agency_scope_thresholds,
                                          _("the company %s", company.name))
            if company.agency_scope_forecast_days < 1:
                raise ValidationError(_("The forecast window is at least one day."))

    @api.model
    def _agency_check_thresholds(self, text, label):
        """The alert thresholds ``text`` says (percentages, ascending: see
        :func:`..lib.scope.parse_thresholds`), or a :class:`ValidationError` saying what is
        wrong with them — for the company's defaults and the projects' own (constraints).

        :param label: what the thresholds are of, in the message (e.g. "the project X")
        """
        try:
            return scope.parse_thresholds(text)
        except scope.ThresholdError as error:
            env, value = self.env, error.value
            messages = {
                "empty": env._("Give at least one alert threshold for %(what)s, e.g. "
                               "75,90,100.", what=label),
                "number": env._("The alert thresholds of %(what)s must be whole percentages "
                                "separated by commas (not %(value)s).", what=label,
                                value=value),
                "range": env._("The alert thresholds of %(what)s must be between 1%% and "
                               "200%% (not %(value)s%%).", what=label, value=value),
                "order": env._("The alert thresholds of %(what)s must be increasing "
                               "(%(value)s%% comes after a higher or equal one).",
                               what=label, value=value),
            }
            raise ValidationError(messages[error.code])

    # ------------------------------------------------------------------
    # Billing: defaults of client billing preferences, anomaly thresholds
    # ------------------------------------------------------------------

    agency_billing_cycle = fields.Selection(
        BILLING_CYCLES, string="Default Billing Cycle", default="monthly", required=True,
        help="Billing cycle of new clients.",
    )
    agency_billing_weekday = fields.Selection(
        WEEKDAYS, string="Default Billing Weekday", default="0", required=True,
    )
    agency_billing_month_day = fields.Integer(string="Default Billing Day", default=1)
    agency_invoice_detail_level = fields.Selection(
        DETAIL_LEVELS, string="Default Invoice Detail", default="service_type", required=True,
    )
    agency_invoice_grouping = fields.Selection(
        INVOICE_GROUPING, string="Default Invoice Grouping", default="client", required=True,
    )
    agency_auto_send = fields.Boolean(
        string="Send Invoices Automatically by Default",
        help="New clients get invoices sent without review when no anomaly is flagged.",
    )
    agency_reminder_policy_id = fields.Many2one(
        "agency.reminder.policy", string="Default Reminder Policy",
        help="Overdue reminders of clients without their own policy.",
        check_company=True,
    )

    @api.constrains("agency_reminder_policy_id")
    def _check_agency_company(self):
        """The default reminder policy is one of the company's (or a shared one)."""
        self._check_company(["agency_reminder_policy_id"])
    agency_anomaly_total_factor = fields.Float(
        string="Total Deviation Threshold", default=0.5,
        help="Flag an invoice whose untaxed total is further than this fraction from the "
        "client's trailing average (0.5 = 50% above or below).",
    )
    agency_anomaly_hours_factor = fields.Float(
        string="Hours Spike Threshold", default=1.5,
        help="Flag an invoice billing more than this many times the client's trailing "
        "average hours.",
    )
    agency_anomaly_history = fields.Integer(
        string="Trailing Invoices", default=3,
        help="How many of the client's previous invoices the averages are taken over.",
    )
    agency_duplicate_days = fields.Integer(
        string="Duplicate Window (days)", default=14,
        help="Flag an invoice as a near-duplicate of another invoice of the client dated "
        "within this many days for nearly the same amount (1%).",
    )

    @api.constrains("agency_billing_month_day", "agency_anomaly_total_factor",
                    "agency_anomaly_hours_factor", "agency_anomaly_history")
    def _check_agency_billing_defaults(self):
        for company in self:
            if not 1 <= company.agency_billing_month_day <= 28:
                raise ValidationError(_("The monthly billing day is between 1 and 28."))
            if company.agency_anomaly_total_factor <= 0 or company.agency_anomaly_hours_factor <= 0:
                raise ValidationError(_("Anomaly thresholds must be positive."))
            if company.agency_anomaly_history < 1:
                raise ValidationError(_("Averages need at least one trailing invoice."))
