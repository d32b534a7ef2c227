"""The project's margin, days to pay and open WIP on the project form (smart buttons)."""

from odoo import fields, models


# One file per concern of the model (analytics): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ProjectProject(models.Model):
    _inherit = "project.project"

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
        """Grouped reads of the reports for all projects at once (the project's lifetime)."""
        ids = self.ids
        prof = {p: (rev, cost, wip) for p, rev, cost, wip in self.env[
            "agency.report.profitability"]._read_group(
            [("project_id", "in", ids)], ["project_id"], ["revenue:sum", "cost:sum", "wip:sum"])}
        pay = dict(self.env["agency.report.invoice"]._read_group(
            [("project_ids", "in", ids), ("move_type", "=", "out_invoice")],
            ["project_ids"], ["days_to_pay_median:avg"]))
        for project in self:
            revenue, cost, wip = prof.get(project, (0.0, 0.0, 0.0))
            project.agency_margin = revenue - cost
            project.agency_margin_percent = (revenue - cost) / revenue * 100 if revenue else 0.0
            project.agency_days_to_pay = pay.get(project) or 0.0
            project.agency_open_wip = wip
            project.agency_analytics_currency_id = self.env.company.currency_id

    def _agency_report_action(self, xmlid, extra=()):
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        field = "project_ids" if "days_to_pay" in xmlid else "project_id"
        action["domain"] = [(field, "in", self.ids), *extra]
        action["context"] = {}
        return action

    def action_agency_open_profitability(self):
        """The project's profitability report."""
        return self._agency_report_action("agency_billing.action_agency_report_profitability")

    def action_agency_open_days_to_pay(self):
        """The project's days to pay report."""
        return self._agency_report_action("agency_billing.action_agency_report_days_to_pay")

    def action_agency_open_wip(self):
        """The project's work in progress."""
        return self._agency_report_action(
            "agency_billing.action_agency_report_profitability", [("kind", "=", "wip")])
