"""The project's margin, days to pay and open WIP on the project form (smart buttons)."""

from odoo import fields, models
from odoo.tools import SQL


# One file per concern of the model (analytics): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ProjectProject(models.Model):
    _name = "project.project"
    _inherit = ["project.project", "agency.analytics.buttons"]

    agency_report_work = fields.Boolean(
        string="Agency Work",
        help="Count this project in the agency's reports although it has no default "
        "service type, scope budget, task of a service type or contract selling an agency "
        "service (which count by themselves).")

    def _compute_agency_analytics(self):
        """Grouped reads of the reports for all projects at once (the project's lifetime):
        revenue and days to pay only over the invoices that bill these projects."""
        ids = self.ids
        moves = self._agency_invoice_ids()
        Profitability = self.env["agency.report.profitability"]
        revenue = dict(Profitability._read_group(
            [("kind", "=", "revenue"), ("move_id", "in", moves), ("project_id", "in", ids)],
            ["project_id"], ["revenue:sum"]))
        cost = {p: (c, w) for p, c, w in Profitability._read_group(
            [("kind", "in", ("cost", "wip")), ("project_id", "in", ids)],
            ["project_id"], ["cost:sum", "wip:sum"])}
        pay = dict(self.env["agency.report.invoice"]._read_group(
            [("move_id", "in", moves), ("project_ids", "in", ids),
             ("move_type", "=", "out_invoice")], ["project_ids"], ["days_to_pay_median:avg"]))
        for project in self:
            spent, wip = cost.get(project, (0.0, 0.0))
            self._agency_set_analytics(project, revenue.get(project, 0.0), spent,
                                       pay.get(project), wip)

    def _agency_invoice_ids(self):
        """Ids of the invoices and credit notes that bill these projects: their time's, and
        those of their contracts' lines that bill no time (one query)."""
        if not self.ids:
            return []
        self.env.cr.execute(SQL("""
            SELECT DISTINCT e.timesheet_invoice_id FROM account_analytic_line e
             WHERE e.project_id = ANY(%(ids)s) AND e.timesheet_invoice_id IS NOT NULL
            UNION
            SELECT DISTINCT ml.move_id FROM project_project pr
              JOIN sale_order_line psl ON psl.id = pr.sale_line_id
              JOIN sale_order_line sol ON sol.order_id = psl.order_id
              JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = sol.id
              JOIN account_move_line ml ON ml.id = rel.invoice_line_id
             WHERE pr.id = ANY(%(ids)s)
               -- a line billing time counts through its time (above): here only the
               -- contract's lines without it (fixed fees, milestones, retainer fees), so
               -- a contract's years of time invoices are not all read for one project
               AND NOT EXISTS (SELECT 1 FROM account_analytic_line e
                                WHERE e.timesheet_invoice_id = ml.move_id
                                  AND e.so_line = sol.id)
            UNION
            SELECT r.id FROM account_move r
             WHERE r.reversed_entry_id IN (SELECT e.timesheet_invoice_id
                                             FROM account_analytic_line e
                                            WHERE e.project_id = ANY(%(ids)s))
        """, ids=self.ids))
        return [row[0] for row in self.env.cr.fetchall()]

    def action_agency_open_profitability(self):
        """The project's profitability report."""
        return self._agency_report_action(
            "agency_billing_analytics.action_agency_report_profitability",
            [("project_id", "=", self.id)])

    def action_agency_open_days_to_pay(self):
        """The project's days to pay report."""
        return self._agency_report_action(
            "agency_billing_analytics.action_agency_report_days_to_pay",
            [("project_ids", "in", self.ids)])

    def action_agency_open_wip(self):
        """The project's work in progress."""
        return self._agency_report_action(
            "agency_billing_analytics.action_agency_report_profitability",
            [("project_id", "=", self.id), ("kind", "=", "wip")])
