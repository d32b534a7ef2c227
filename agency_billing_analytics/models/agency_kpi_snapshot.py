"""Monthly KPI snapshots: the headline figures of each company and month, stored once, so
the before and after of automation stays visible when data changes later."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError

from ..lib import analytics

# A month's figures are final once its invoices had time to go out: its snapshot is taken
# when this many days of the next month have passed (system parameter of that name).
CLOSE_DAYS_PARAM = "agency_billing.kpi_close_days"
CLOSE_DAYS = 15


class AgencyKpiSnapshot(models.Model):
    """One per company and month (``month`` = its first day). The cron takes the snapshot
    of each complete month that has none — a month whose billing had time to go out
    (:meth:`_agency_last_complete_month`); *Retake Snapshot* recomputes one on purpose.
    Every figure is the month's, from the analytics reports (README, "Analytics")."""

    _name = "agency.kpi.snapshot"
    _description = "Agency Billing: monthly KPI snapshot"
    _order = "company_id, month desc"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True,
                                 default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    month = fields.Date(required=True, help="First day of the month.")
    taken_on = fields.Datetime(readonly=True)
    revenue = fields.Monetary()
    cost = fields.Monetary()
    margin = fields.Monetary()
    margin_percent = fields.Float(string="Margin %")
    wip = fields.Monetary(string="WIP", help="Billable time of the month not invoiced when "
                          "the snapshot was taken.")
    recorded_hours = fields.Float()
    billable_hours = fields.Float()
    capacity_hours = fields.Float()
    no_cost_hours = fields.Float(string="Hours without Cost")
    utilization_recorded = fields.Float(string="Billable % of Recorded")
    utilization_capacity = fields.Float(string="Billable % of Capacity")
    hour_recovery = fields.Float(
        string="Hour Recovery %", help="Invoiced ÷ billable hours of the month's time whose "
        "billing cycle had closed when the snapshot was taken (the Recovery report's).")
    leakage_hours = fields.Float(help="Billable hours of the month that will not be billed "
                                 "(written off, excluded, absorbed over scope).")
    unbilled_wip_hours = fields.Float(string="Unbilled WIP Hours",
                                      help="Billable hours of the month not on a posted "
                                      "invoice when the snapshot was taken.")
    rate_realization = fields.Float(string="Rate Realization %")
    collection_rate = fields.Float(string="Collected %")
    invoice_count = fields.Integer(string="Invoices")
    time_to_invoice_median = fields.Float(
        string="Days to Invoice (median)",
        help="Median days from the work to the invoice date of the month's invoices.")
    time_to_invoice_p90 = fields.Float(string="Days to Invoice (90th pct)")
    days_to_pay_median = fields.Float(
        string="Days to Pay (median)",
        help="Median days from invoice date to full payment of the invoices fully paid "
             "in the month.")
    dso = fields.Float(string="DSO (days)")
    disputed_count = fields.Integer(string="Disputed Invoices")
    disputed_amount = fields.Monetary()
    dispute_share = fields.Float(string="Disputed %")

    _sql_constraints = [
        ("month_unique", "unique(company_id, month)", "One snapshot per company and month."),
    ]

    @api.model
    def _cron_snapshot(self):
        """Snapshot every complete month since the company's first invoice or time entry
        that has none yet (at most 24 per call, oldest first)."""
        last = self._agency_last_complete_month(self.env.company._agency_billing_today())
        for company in self.env["res.company"].search([]):
            first = self._agency_first_month(company)
            if not first:
                continue
            taken = set(self.search([("company_id", "=", company.id)]).mapped("month"))
            month, done = max(first, last - relativedelta(months=23)), 0
            while month <= last and done < 24:
                if month not in taken:
                    self.with_company(company)._agency_take(company, month)
                    done += 1
                month += relativedelta(months=1)

    def action_take_snapshot(self):
        """Recompute the selected snapshots from today's data (administrators)."""
        if not self.env.user.has_group("agency_billing.group_agency_billing_manager"):
            raise AccessError(self.env._(
                "Only Agency Billing administrators can retake snapshots."))
        for snap in self:
            snap.with_company(snap.company_id)._agency_take(snap.company_id, snap.month)
        return True

    @api.model
    def _agency_close_days(self):
        """Days of the next month a month's billing is given before its snapshot."""
        # sudo: a technical setting read by the cron and the demo, not a user's data.
        value = self.env["ir.config_parameter"].sudo().get_param(CLOSE_DAYS_PARAM)
        try:
            return max(0, int(value)) if value else CLOSE_DAYS
        except ValueError:
            return CLOSE_DAYS

    @api.model
    def _agency_last_complete_month(self, today):
        """First day of the last complete month on ``today``: the last month of which
        :meth:`_agency_close_days` days have passed since its end, so that its invoices
        are out (on 1 to 15 December with the default 15 days: October; from the 16th:
        November)."""
        closed = today - timedelta(days=self._agency_close_days())
        return closed.replace(day=1) - relativedelta(months=1)

    @api.model
    def _agency_first_month(self, company):
        groups = self.env["agency.report.profitability"]._read_group(
            [("company_id", "=", company.id)], [], ["date:min"])
        first = groups[0][0] if groups else None
        return first.replace(day=1) if first else None

    @api.model
    def _agency_take(self, company, month):
        """Create or update the snapshot of ``company`` for ``month`` (a first day)."""
        month = month.replace(day=1)
        vals = self._agency_figures(company, month, month + relativedelta(months=1, days=-1))
        vals.update(taken_on=fields.Datetime.now())
        snap = self.search([("company_id", "=", company.id), ("month", "=", month)])
        if snap:
            snap.write(vals)
            return snap
        return self.create(dict(vals, company_id=company.id, month=month))

    @api.model
    def _agency_figures(self, company, start, end):
        """The headline figures of ``company`` from ``start`` to ``end`` (both included):
        one grouped query per report."""
        base = [("company_id", "=", company.id), ("date", ">=", start), ("date", "<=", end)]

        def totals(model, aggregates, extra=(), dated=True):
            domain = (base if dated else base[:1]) + list(extra)
            row = self.env[model]._read_group(domain, [], aggregates)[0]
            return {spec.split(":")[0]: value for spec, value in zip(aggregates, row,
                                                                    strict=True)}

        prof = totals("agency.report.profitability",
                      ["revenue:sum", "cost:sum", "wip:sum", "no_cost_hours:sum"])
        util = totals("agency.report.utilization",
                      ["recorded_hours:sum", "billable_hours:sum", "capacity_hours:sum"])
        reco = totals("agency.report.recovery",
                      ["closed_invoiced_hours:sum", "closed_hours:sum", "leakage_hours:sum",
                       "wip_hours:sum", "billed_value:sum",
                       "card_value:sum", "collected_amount:sum", "invoiced_amount:sum"])
        inv = totals("agency.report.invoice",
                     ["invoice_count:sum", "days_to_post_median:avg", "days_to_post_p90:avg",
                      "disputed_count:sum", "disputed_amount:sum",
                      "amount:sum"], [("move_type", "=", "out_invoice")])
        margin, margin_pct = analytics.margin(prof["revenue"], prof["cost"])
        use = analytics.utilization(util["billable_hours"], util["recorded_hours"],
                                    util["capacity_hours"])
        rec = analytics.recovery(reco["closed_invoiced_hours"], reco["closed_hours"],
                                 reco["billed_value"], reco["card_value"],
                                 reco["collected_amount"], reco["invoiced_amount"])
        # Days to pay of the invoices fully paid in the month (whenever they were issued):
        # the month's own invoices are mostly not due yet, so their median would only
        # count the early payers.
        paid = totals("agency.report.invoice", ["days_to_pay_median:avg"], [
            ("move_type", "=", "out_invoice"), ("paid_date", ">=", start),
            ("paid_date", "<=", end)], dated=False)
        dso = self.env["agency.report.invoice"].with_company(company).get_dso(start, end)
        return {
            "revenue": prof["revenue"] or 0.0,
            "cost": prof["cost"] or 0.0,
            "margin": margin,
            "margin_percent": margin_pct or 0.0,
            "wip": prof["wip"] or 0.0,
            "no_cost_hours": prof["no_cost_hours"] or 0.0,
            "recorded_hours": util["recorded_hours"] or 0.0,
            "billable_hours": util["billable_hours"] or 0.0,
            "capacity_hours": util["capacity_hours"] or 0.0,
            "utilization_recorded": use["of_recorded"] or 0.0,
            "utilization_capacity": use["of_capacity"] or 0.0,
            "hour_recovery": rec["hour_recovery"] or 0.0,
            "leakage_hours": reco["leakage_hours"] or 0.0,
            "unbilled_wip_hours": reco["wip_hours"] or 0.0,
            "rate_realization": rec["rate_realization"] or 0.0,
            "collection_rate": rec["collection"] or 0.0,
            "invoice_count": inv["invoice_count"] or 0,
            "time_to_invoice_median": inv["days_to_post_median"] or 0.0,
            "time_to_invoice_p90": inv["days_to_post_p90"] or 0.0,
            "days_to_pay_median": paid["days_to_pay_median"] or 0.0,
            "dso": dso or 0.0,
            "disputed_count": inv["disputed_count"] or 0,
            "disputed_amount": inv["disputed_amount"] or 0.0,
            "dispute_share": analytics.dispute_share(inv["disputed_count"],
                                                     inv["invoice_count"]) or 0.0,
        }
