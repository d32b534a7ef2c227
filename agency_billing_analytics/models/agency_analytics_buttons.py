"""Smart-button figures shared by the client and the project forms."""

from odoo import fields, models


class AgencyAnalyticsButtons(models.AbstractModel):
    """Margin, days to pay and open WIP of a record (a client, a project): the record
    model computes them in ``_compute_agency_analytics`` from the analytics reports."""

    _name = "agency.analytics.buttons"
    _description = "Agency Billing analytics smart buttons"

    agency_margin = fields.Monetary(
        string="Margin", compute="_compute_agency_analytics",
        currency_field="agency_analytics_currency_id",
        groups="agency_billing.group_agency_billing_user")
    agency_margin_percent = fields.Float(
        string="Margin %", compute="_compute_agency_analytics",
        groups="agency_billing.group_agency_billing_user")
    agency_days_to_pay = fields.Float(
        string="Days to Pay (median)", compute="_compute_agency_analytics",
        groups="agency_billing.group_agency_billing_user")
    agency_open_wip = fields.Monetary(
        string="Open WIP", compute="_compute_agency_analytics",
        currency_field="agency_analytics_currency_id",
        groups="agency_billing.group_agency_billing_user")
    agency_analytics_currency_id = fields.Many2one(
        "res.currency", compute="_compute_agency_analytics",
        groups="agency_billing.group_agency_billing_user")

    def _compute_agency_analytics(self):
        raise NotImplementedError

    def _agency_set_analytics(self, record, revenue, cost, days_to_pay, wip):
        record.agency_margin = revenue - cost
        record.agency_margin_percent = (revenue - cost) / revenue * 100 if revenue else 0.0
        record.agency_days_to_pay = days_to_pay or 0.0
        record.agency_open_wip = wip or 0.0
        record.agency_analytics_currency_id = self.env.company.currency_id

    def _agency_report_action(self, xmlid, domain):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = domain
        action["context"] = {}
        return action
