"""The client's margin, days to pay and open WIP on the partner form (smart buttons)."""

from dateutil.relativedelta import relativedelta

from odoo import fields, models

from .agency_billing_run import agency_today


# One file per concern of the model (analytics): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ResPartner(models.Model):
    _inherit = "res.partner"

    agency_margin = fields.Monetary(
        string="Margin (12 months)", compute="_compute_agency_analytics",
        currency_field="agency_analytics_currency_id",
        groups="agency_billing.group_agency_billing_user")
    agency_margin_percent = fields.Float(
        string="Margin % (12 months)", compute="_compute_agency_analytics",
        groups="agency_billing.group_agency_billing_user")
    agency_days_to_pay = fields.Float(
        string="Days to Pay (median, 12 months)", compute="_compute_agency_analytics",
        groups="agency_billing.group_agency_billing_user")
    agency_open_wip = fields.Monetary(
        string="Open WIP", compute="_compute_agency_analytics",
        currency_field="agency_analytics_currency_id",
        groups="agency_billing.group_agency_billing_user")
    agency_analytics_currency_id = fields.Many2one(
        "res.currency", compute="_compute_agency_analytics",
        groups="agency_billing.group_agency_billing_user")

    def _compute_agency_analytics(self):
        """Grouped reads of the reports for all partners at once (last 12 months; WIP of
        any age), in the current company's currency."""
        since = agency_today(self) - relativedelta(months=12)
        commercial = self.commercial_partner_id
        prof = {p: (rev, cost) for p, rev, cost in self.env[
            "agency.report.profitability"]._read_group(
            [("partner_id", "in", commercial.ids), ("date", ">=", since),
             ("kind", "in", ("revenue", "cost"))], ["partner_id"], ["revenue:sum", "cost:sum"])}
        wip = dict(self.env["agency.report.profitability"]._read_group(
            [("partner_id", "in", commercial.ids), ("kind", "=", "wip")],
            ["partner_id"], ["wip:sum"]))
        pay = dict(self.env["agency.report.invoice"]._read_group(
            [("partner_id", "in", commercial.ids), ("date", ">=", since),
             ("move_type", "=", "out_invoice")], ["partner_id"], ["days_to_pay_median:avg"]))
        for partner in self:
            key = partner.commercial_partner_id
            revenue, cost = prof.get(key, (0.0, 0.0))
            partner.agency_margin = revenue - cost
            partner.agency_margin_percent = (revenue - cost) / revenue * 100 if revenue else 0.0
            partner.agency_days_to_pay = pay.get(key) or 0.0
            partner.agency_open_wip = wip.get(key, 0.0)
            partner.agency_analytics_currency_id = self.env.company.currency_id

    def _agency_report_action(self, xmlid):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"search_default_filter_this_year": 0}
        return action

    def action_agency_open_profitability(self):
        """The client's profitability report."""
        return self._agency_report_action("agency_billing.action_agency_report_profitability")

    def action_agency_open_days_to_pay(self):
        """The client's days to pay report."""
        return self._agency_report_action("agency_billing.action_agency_report_days_to_pay")

    def action_agency_open_wip(self):
        """The client's work in progress (billable time not invoiced yet)."""
        action = self._agency_report_action("agency_billing.action_agency_report_profitability")
        action["domain"] += [("kind", "=", "wip")]
        return action
