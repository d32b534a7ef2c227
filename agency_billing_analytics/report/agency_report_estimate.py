"""Estimate vs actual: the scope budget's hours against the hours recorded, per project,
service type and role (README, "Analytics > Estimate vs actual")."""

from odoo import fields, models

from .agency_report_mixin import IS_AGENCY_PROJECT

# A project is finished when its end date has passed, its last status update says done,
# or it is archived.
FINISHED = """(p.date < CURRENT_DATE OR p.last_update_status = 'done' OR NOT p.active)"""


class AgencyReportEstimate(models.Model):
    """Budget rows (one per scope line: its budget hours) and actual rows (one per time
    entry on a project: its raw hours, billable or not — the effort). ``has_budget`` marks
    the actual time of a service type the project budgeted; overrun % = actual ÷ budget.
    Rows are dated by the project's end date (else its start)."""

    _name = "agency.report.estimate"
    _inherit = "agency.report.work.mixin"
    _description = "Agency Billing: estimate vs actual"
    _auto = False
    _order = "date desc, id"
    _agency_ratios = {"overrun_percent": ("actual_hours", "budget_hours", 100)}

    date = fields.Date(string="Project End", readonly=True)
    scope_line_id = fields.Many2one("agency.scope.line", string="Budget Line", readonly=True)
    finished = fields.Boolean(readonly=True)
    has_budget = fields.Boolean(readonly=True)
    budget_hours = fields.Float(readonly=True)
    actual_hours = fields.Float(readonly=True)
    overrun_percent = fields.Float(string="Actual % of Budget", readonly=True,
                                   aggregator="avg")

    def _agency_query(self):
        return f"""
        SELECT -sl.id AS id, COALESCE(p.date, p.date_start) AS date,
               COALESCE(sl.company_id, p.company_id) AS company_id,
               pp.commercial_partner_id AS partner_id, p.id AS project_id,
               sl.service_type_id, NULL::int AS job_id, NULL::int AS employee_id,
               sl.id AS scope_line_id, {FINISHED} AS finished,
               COALESCE(sl.budget_hours, 0) > 0 AS has_budget,
               COALESCE(sl.budget_hours, 0.0) AS budget_hours, 0.0 AS actual_hours,
               CASE WHEN COALESCE(sl.budget_hours, 0) > 0 THEN 0.0 END AS overrun_percent
          FROM agency_scope_line sl
          JOIN project_project p ON p.id = sl.project_id
     LEFT JOIN res_partner pp ON pp.id = p.partner_id
         WHERE {IS_AGENCY_PROJECT}
        UNION ALL
        SELECT e.id, COALESCE(p.date, p.date_start), e.company_id, pp.commercial_partner_id,
               p.id, e.service_type_id, e.job_id, e.employee_id, NULL, {FINISHED},
               b.project_id IS NOT NULL, 0.0, e.unit_amount, NULL
          FROM project_project p
          -- per project (a lateral join kept as one by OFFSET 0, so that the planner
          -- cannot turn it into a join over every entry): the projects shown decide what
          -- is read, not the whole history of time entries
          CROSS JOIN LATERAL (SELECT x.* FROM account_analytic_line x
                               WHERE x.project_id = p.id OFFSET 0) e
     LEFT JOIN res_partner pp ON pp.id = p.partner_id
     LEFT JOIN (SELECT DISTINCT project_id, service_type_id FROM agency_scope_line
                 WHERE budget_hours > 0) b
            ON b.project_id = e.project_id AND b.service_type_id = e.service_type_id
         WHERE {IS_AGENCY_PROJECT}
        """
