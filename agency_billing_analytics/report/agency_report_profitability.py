"""Profitability: revenue, work in progress, cost and margin by client, project, service
type, role, employee and month (README, "Analytics > Profitability")."""

from odoo import fields, models
from odoo.tools import SQL

from .agency_report_mixin import (
    convert_sql,
    in_absorbed_round_sql,
    is_agency_client,
    is_agency_work,
    sale_line_project_sql,
)

# Posted customer invoice and credit-note product lines, revenue in the company currency
# (Odoo's own ``balance``, converted at the invoice date). A credit note bills back the time
# of the invoice it reverses. Written without CTEs so that a filter on the period reaches
# the invoices first: the cost follows what is shown, not the whole history.
INVOICE_LINES = """
      FROM account_move_line aml
      JOIN account_move am ON am.id = aml.move_id
 LEFT JOIN product_product pp ON pp.id = aml.product_id
 LEFT JOIN product_template pt ON pt.id = pp.product_tmpl_id
"""
INVOICE_WHERE = """
     am.state = 'posted' AND am.move_type IN ('out_invoice', 'out_refund')
       AND aml.display_type = 'product'
"""

# Which time a revenue line paid for, weighted by value at rate: a time line its entries'
# billed time not covered by a retainer; a retainer fee the hours it covered. Entries are
# reached through their invoice (a contract's sale line gathers years of entries).
LINKS = """
    SELECT e.id AS entry_id,
           (COALESCE(e.billed_unit_amount, 0) - COALESCE(e.retainer_hours, 0))
             * COALESCE(e.billing_rate, 0) AS weight
      FROM account_analytic_line e
     WHERE e.timesheet_invoice_id = COALESCE(am.reversed_entry_id, am.id)
       AND NOT COALESCE(pt.agency_retainer_fee, FALSE)
       AND e.so_line IN (SELECT rel.order_line_id FROM sale_order_line_invoice_rel rel
                          WHERE rel.invoice_line_id = aml.id)
    UNION ALL
    SELECT e.id, COALESCE(e.retainer_hours, 0) * COALESCE(e.billing_rate, 0)
      FROM agency_retainer_period rp
      JOIN account_analytic_line e ON e.retainer_period_id = rp.id
     WHERE COALESCE(pt.agency_retainer_fee, FALSE)
       AND rp.invoice_id = COALESCE(am.reversed_entry_id, am.id)
"""


class AgencyReportProfitability(models.Model):
    """One row per revenue share, time entry cost or work in progress: sum the measures
    over any grouping. Revenue = posted invoice lines net of credit notes, allocated to the
    time they billed (a retainer fee in proportion to the covered hours' value at rate,
    a fixed fee or milestone to its product's service type); cost = every entry's time at
    the employee's hourly cost (Odoo's timesheet cost); WIP = billable time not invoiced
    yet, at rate, shown apart (not in the margin)."""

    _name = "agency.report.profitability"
    _inherit = "agency.report.work.mixin"
    _description = "Agency Billing: profitability"
    _auto = False
    _order = "date desc, id"
    _agency_ratios = {"margin_percent": ("margin", "revenue", 100)}

    kind = fields.Selection(
        [("revenue", "Revenue"), ("cost", "Cost"), ("wip", "Work in progress")], readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    entry_id = fields.Many2one("account.analytic.line", string="Time Entry", readonly=True)
    revenue = fields.Monetary(readonly=True, help="Posted invoice lines net of credit notes.")
    wip = fields.Monetary(string="WIP", readonly=True,
                          help="Billable time not on a posted invoice yet, at rate.")
    cost = fields.Monetary(readonly=True, help="Time at the employee's hourly cost.")
    nonbillable_cost = fields.Monetary(string="Non-billable Cost", readonly=True)
    margin = fields.Monetary(readonly=True, help="Revenue − cost (WIP not included).")
    margin_percent = fields.Float(string="Margin %", readonly=True, aggregator="avg",
                                  help="Margin ÷ revenue of the group.")
    hours = fields.Float(readonly=True)
    billable_hours = fields.Float(readonly=True)
    no_cost_hours = fields.Float(string="Hours without Cost", readonly=True,
                                 help="Hours of employees without an hourly cost: "
                                 "their cost is unknown, not zero.")
    no_cost = fields.Boolean(readonly=True, help="The employee has no hourly cost.")
    revision_leakage_hours = fields.Float(
        readonly=True,
        help="Hours logged in extra revision rounds the agency absorbs (not billed).")
    revision_leakage = fields.Monetary(
        readonly=True, help="The cost of the time logged in absorbed extra revision rounds "
        "(part of the cost; that time is not work in progress).")

    def init(self):
        # Open work in progress is read whatever its age (smart buttons, the forecast):
        # an index of the entries not invoiced keeps that from reading all history.
        self.env.cr.execute(SQL("""
            CREATE INDEX IF NOT EXISTS account_analytic_line_agency_open_idx
                ON account_analytic_line (project_id, date)
             WHERE timesheet_invoice_id IS NULL AND is_billable"""))
        return super().init()

    def _agency_query(self):
        client = is_agency_client("am.commercial_partner_id")
        # the agency's work, or its people's time on a project of no client (internal)
        work = is_agency_work()
        absorbed = in_absorbed_round_sql()  # time of an extra revision round, absorbed
        wip_value = convert_sql("e.billed_amount", "e.agency_currency_id", "e.company_id",
                                "e.date")
        return f"""
        -- revenue allocated to the entries it billed
        SELECT -(aml.id::bigint * 100000000 + k.entry_id) AS id,
               'revenue' AS kind, am.invoice_date AS date, am.company_id,
               am.commercial_partner_id AS partner_id,
               e.project_id, e.service_type_id, e.job_id, e.employee_id,
               am.id AS move_id, e.id AS entry_id,
               -aml.balance * k.weight / t.weight AS revenue, 0.0 AS wip, 0.0 AS cost,
               0.0 AS nonbillable_cost, -aml.balance * k.weight / t.weight AS margin,
               100.0 AS margin_percent, 0.0 AS hours, 0.0 AS billable_hours,
               0.0 AS no_cost_hours, FALSE AS no_cost,
               0.0 AS revision_leakage_hours, 0.0 AS revision_leakage
          {INVOICE_LINES}
          JOIN LATERAL (SELECT * FROM ({LINKS}) x WHERE x.weight > 0) k ON TRUE
          JOIN LATERAL (SELECT SUM(y.weight) AS weight FROM ({LINKS}) y
                         WHERE y.weight > 0) t ON TRUE
          JOIN account_analytic_line e ON e.id = k.entry_id
         WHERE {INVOICE_WHERE} AND {client}
        UNION ALL
        -- revenue of lines without time: fixed fees, milestones (their product's service type)
        SELECT -(aml.id::bigint * 100000000) AS id, 'revenue', am.invoice_date,
               am.company_id, am.commercial_partner_id,
               p.id, COALESCE(st.id, p.service_type_id), NULL, NULL, am.id, NULL,
               -aml.balance, 0.0, 0.0, 0.0, -aml.balance, 100.0, 0.0, 0.0, 0.0, FALSE,
               0.0, 0.0
          {INVOICE_LINES}
     LEFT JOIN LATERAL (
               SELECT MIN(rel.order_line_id) AS id FROM sale_order_line_invoice_rel rel
                WHERE rel.invoice_line_id = aml.id) sl ON TRUE
     LEFT JOIN project_project p ON p.id = {sale_line_project_sql("sl.id")}
     LEFT JOIN LATERAL (
               SELECT s.id FROM agency_service_type s
                WHERE s.product_id = aml.product_id AND s.active
                  AND (s.company_id IS NULL OR s.company_id = am.company_id)
                ORDER BY s.sequence, s.id LIMIT 1) st ON TRUE
         WHERE {INVOICE_WHERE} AND {client}
           AND NOT EXISTS (SELECT 1 FROM ({LINKS}) z WHERE z.weight > 0)
        UNION ALL
        -- cost of every time entry on a project
        SELECT e.id * 2 AS id, 'cost', e.date, e.company_id, pp.commercial_partner_id,
               e.project_id, e.service_type_id, e.job_id, e.employee_id, NULL, e.id,
               0.0, 0.0, -e.amount,
               CASE WHEN e.is_billable THEN 0.0 ELSE -e.amount END,
               e.amount, NULL, e.unit_amount,
               CASE WHEN e.is_billable THEN e.unit_amount ELSE 0.0 END,
               CASE WHEN COALESCE(emp.hourly_cost, 0) = 0 THEN e.unit_amount ELSE 0.0 END,
               COALESCE(emp.hourly_cost, 0) = 0,
               CASE WHEN {absorbed} THEN e.unit_amount ELSE 0.0 END,
               CASE WHEN {absorbed} THEN -e.amount ELSE 0.0 END
          FROM account_analytic_line e
          JOIN project_project p ON p.id = e.project_id
     LEFT JOIN res_partner pp ON pp.id = p.partner_id
     LEFT JOIN hr_employee emp ON emp.id = e.employee_id
         WHERE {work}
        UNION ALL
        -- work in progress: billable time not on an invoice ...
        SELECT e.id * 2 + 1 AS id, 'wip', e.date, e.company_id, pp.commercial_partner_id,
               e.project_id, e.service_type_id, e.job_id, e.employee_id, NULL, e.id,
               0.0, {wip_value}, 0.0, 0.0, 0.0, NULL, 0.0, 0.0, 0.0, FALSE, 0.0, 0.0
          FROM account_analytic_line e
          JOIN project_project p ON p.id = e.project_id
     LEFT JOIN res_partner pp ON pp.id = p.partner_id
         WHERE e.timesheet_invoice_id IS NULL AND e.is_billable
           AND COALESCE(e.billed_amount, 0) != 0 AND {work}
           AND NOT {absorbed}
        UNION ALL
        -- ... or only on a draft (or cancelled) one
        SELECT e.id * 2 + 1 AS id, 'wip', e.date, e.company_id, pp.commercial_partner_id,
               e.project_id, e.service_type_id, e.job_id, e.employee_id, NULL, e.id,
               0.0, {wip_value}, 0.0, 0.0, 0.0, NULL, 0.0, 0.0, 0.0, FALSE, 0.0, 0.0
          FROM account_move inv
          JOIN account_analytic_line e ON e.timesheet_invoice_id = inv.id
          JOIN project_project p ON p.id = e.project_id
     LEFT JOIN res_partner pp ON pp.id = p.partner_id
         WHERE inv.state != 'posted' AND e.is_billable AND COALESCE(e.billed_amount, 0) != 0
           AND {work} AND NOT {absorbed}
        """
