"""The project's margin, days to pay and open WIP on the project form (smart buttons)."""

from odoo import models


# One file per concern of the model (analytics): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ProjectProject(models.Model):
    _name = "project.project"
    _inherit = ["project.project", "agency.analytics.buttons"]

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
            self._agency_set_analytics(project, revenue, cost, pay.get(project), wip)

    def action_agency_open_profitability(self):
        """The project's profitability report."""
        return self._agency_report_action("agency_billing.action_agency_report_profitability",
                                          [("project_id", "=", self.id)])

    def action_agency_open_days_to_pay(self):
        """The project's days to pay report."""
        return self._agency_report_action("agency_billing.action_agency_report_days_to_pay",
                                          [("project_ids", "in", self.ids)])

    def action_agency_open_wip(self):
        """The project's work in progress."""
        return self._agency_report_action(
            "agency_billing.action_agency_report_profitability",
            [("project_id", "=", self.id), ("kind", "=", "wip")])
