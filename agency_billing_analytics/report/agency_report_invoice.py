"""Per invoice: time to invoice, days to pay, disputes (README, "Analytics > Time to
invoice / Days to pay / Disputes")."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..lib import analytics
from .agency_report_mixin import is_agency_client, sale_line_project_sql

# The work an invoice bills happened on its hours-weighted entry date, or, for a
# milestone invoice, on the date its milestone was reached (the latest of several).
WORK_DATE = """
    COALESCE(
        (SELECT MAX(m.reached_date) FROM project_milestone m WHERE m.agency_invoice_id = am.id),
        (SELECT MAX(m.reached_date) FROM project_milestone m
           JOIN account_move_line ml ON ml.move_id = am.id
           JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = ml.id
          WHERE m.sale_line_id = rel.order_line_id AND m.reached_date <= am.invoice_date),
        (SELECT DATE '2000-01-01' + FLOOR(
                    SUM((e.date - DATE '2000-01-01') * e.unit_amount) / SUM(e.unit_amount)
                    + 0.5 + 1e-9)::int
           FROM account_analytic_line e
          WHERE e.timesheet_invoice_id = am.id AND e.unit_amount > 0))
"""
# The invoice was fully paid on the last reconciliation of its receivable lines.
PAID_DATE = """
    CASE WHEN am.payment_state IN ('paid', 'in_payment') THEN
        (SELECT MAX(apr.max_date) FROM account_partial_reconcile apr
           JOIN account_move_line rl
             ON rl.id = apr.debit_move_id OR rl.id = apr.credit_move_id
          WHERE rl.move_id = am.id AND rl.display_type = 'payment_term') END
"""


class AgencyReportInvoice(models.Model):
    """One row per posted customer invoice or credit note. Time to invoice: days from the
    work to the invoice date (posting) and to the sending (delivery). Days to pay: full
    payment date − invoice date (only once fully paid) and days past due (at the payment,
    else today). Disputes: invoices flagged disputed, their amount and age."""

    _name = "agency.report.invoice"
    _inherit = "agency.report.mixin"
    _description = "Agency Billing: invoices (time to invoice, days to pay, disputes)"
    _auto = False
    _order = "date desc, id desc"
    _agency_ratios = {"dispute_share": ("disputed_count", "invoice_count", 100)}
    _agency_percentiles = {
        "days_to_post_median": ("days_to_post", 0.5),
        "days_to_post_p90": ("days_to_post", 0.9),
        "days_to_send_median": ("days_to_send", 0.5),
        "days_to_send_p90": ("days_to_send", 0.9),
        "days_to_pay_median": ("days_to_pay", 0.5),
        "days_to_pay_p90": ("days_to_pay", 0.9),
    }

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    move_type = fields.Selection(
        [("out_invoice", "Invoice"), ("out_refund", "Credit Note")], readonly=True)
    date = fields.Date(string="Invoice Date", readonly=True)
    due_date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    project_id = fields.Many2one("project.project", readonly=True)
    project_ids = fields.Many2many(
        "project.project", relation="agency_report_invoice_project_rel", column1="report_id",
        column2="project_id", string="Projects", readonly=True,
        help="Every project the invoice bills (its time's, its lines')")
    employee_ids = fields.Many2many(
        "hr.employee", relation="agency_report_invoice_employee_rel", column1="report_id",
        column2="employee_id", string="Employees", readonly=True)
    job_ids = fields.Many2many(
        "hr.job", relation="agency_report_invoice_job_rel", column1="report_id",
        column2="job_id", string="Roles", readonly=True)
    service_type_ids = fields.Many2many(
        "agency.service.type", relation="agency_report_invoice_service_type_rel",
        column1="report_id", column2="service_type_id", string="Service Types", readonly=True)
    work_date = fields.Date(readonly=True, help="Hours-weighted date of the invoiced time, "
                            "or the date the invoiced milestone was reached.")
    sent_date = fields.Date(readonly=True)
    paid_date = fields.Date(string="Fully Paid On", readonly=True)
    payment_state = fields.Selection(
        [("not_paid", "Not Paid"), ("in_payment", "In Payment"), ("paid", "Paid"),
         ("partial", "Partially Paid"), ("reversed", "Reversed"),
         ("invoicing_legacy", "Invoicing App Legacy"), ("blocked", "Blocked")], readonly=True)
    amount = fields.Monetary(readonly=True, help="Total, in the company currency.")
    amount_due = fields.Monetary(readonly=True)
    amount_paid = fields.Monetary(readonly=True)
    invoice_count = fields.Integer(string="Invoices", readonly=True)
    days_to_post = fields.Integer(string="Days to Invoice", readonly=True, aggregator="avg")
    days_to_send = fields.Integer(string="Days to Send", readonly=True, aggregator="avg")
    days_to_pay = fields.Integer(readonly=True, aggregator="avg")
    days_past_due = fields.Integer(readonly=True, aggregator="avg")
    days_late = fields.Integer(readonly=True, aggregator="avg",
                               help="Full payment date − due date (negative: paid early).")
    days_to_post_median = fields.Float(string="Days to Invoice (median)", readonly=True,
                                       aggregator="avg")
    days_to_post_p90 = fields.Float(string="Days to Invoice (90th pct)", readonly=True,
                                    aggregator="avg")
    days_to_send_median = fields.Float(string="Days to Send (median)", readonly=True,
                                       aggregator="avg")
    days_to_send_p90 = fields.Float(string="Days to Send (90th pct)", readonly=True,
                                    aggregator="avg")
    days_to_pay_median = fields.Float(string="Days to Pay (median)", readonly=True,
                                      aggregator="avg")
    days_to_pay_p90 = fields.Float(string="Days to Pay (90th pct)", readonly=True,
                                   aggregator="avg")
    disputed = fields.Boolean(readonly=True)
    dispute_date = fields.Date(readonly=True)
    dispute_age_days = fields.Integer(string="Dispute Age (days)", readonly=True,
                                      aggregator="max")
    disputed_count = fields.Integer(string="Disputed Invoices", readonly=True)
    disputed_amount = fields.Monetary(readonly=True)
    dispute_share = fields.Float(string="Disputed %", readonly=True, aggregator="avg")

    def _agency_extra_views(self):
        entries = """SELECT DISTINCT e.timesheet_invoice_id AS report_id, e.{col} AS {col}
                       FROM account_analytic_line e
                      WHERE e.timesheet_invoice_id IS NOT NULL AND e.{col} IS NOT NULL"""
        # the projects of its time, and the projects of the contracts its lines bill
        projects = """
            SELECT DISTINCT e.timesheet_invoice_id AS report_id, e.project_id
              FROM account_analytic_line e
             WHERE e.timesheet_invoice_id IS NOT NULL AND e.project_id IS NOT NULL
            UNION
            SELECT ml.move_id, pr.id
              FROM project_project pr
              JOIN sale_order_line psl ON psl.id = pr.sale_line_id
              JOIN sale_order_line sol ON sol.order_id = psl.order_id
              JOIN sale_order_line_invoice_rel rel ON rel.order_line_id = sol.id
              JOIN account_move_line ml ON ml.id = rel.invoice_line_id"""
        return {
            "agency_report_invoice_project_rel": projects,
            "agency_report_invoice_employee_rel": entries.format(col="employee_id"),
            "agency_report_invoice_job_rel": entries.format(col="job_id"),
            "agency_report_invoice_service_type_rel": entries.format(col="service_type_id"),
        }

    @api.model
    def get_dso(self, date_from, date_to, partner_ids=None):
        """Days sales outstanding of the current company from ``date_from`` to ``date_to``
        (both included), for some clients or all: receivables open at the end ÷ invoiced
        sales of the period × its days (``None`` without sales)."""
        start, end = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        company = self.env.company
        domain = [("company_id", "=", company.id), ("date", ">=", start), ("date", "<=", end)]
        if partner_ids:
            domain.append(("partner_id", "in", list(partner_ids)))
        sales = self._read_group(domain, [], ["amount:sum"])[0][0] or 0.0
        open_end = self._agency_open_at(end + timedelta(days=1), company.ids, partner_ids)
        return analytics.dso(sum(amount for _p, amount, _d in open_end.values()), sales,
                             (end - start).days + 1)

    def _agency_open_at(self, day, company_ids, partner_ids=None):
        """Receivables open at the start of ``day``, per invoice: ``{move id: (partner id,
        open amount, due date)}`` in the company currency: posted customer invoices and
        credit notes of the agency's clients dated before ``day`` less what was reconciled
        before it."""
        self.env.flush_all()
        partner_sql = SQL("AND am.commercial_partner_id = ANY(%s)", list(partner_ids)) \
            if partner_ids else SQL()
        self.env.cr.execute(SQL("""
            SELECT am.id, am.commercial_partner_id, am.invoice_date_due,
                   am.amount_total_signed - COALESCE((
                       SELECT SUM(CASE WHEN rl.balance > 0 THEN apr.amount ELSE -apr.amount END)
                         FROM account_move_line rl
                         JOIN account_partial_reconcile apr
                           ON rl.id = apr.debit_move_id OR rl.id = apr.credit_move_id
                        WHERE rl.move_id = am.id AND rl.display_type = 'payment_term'
                          AND apr.max_date < %(day)s), 0.0) AS open_amount
              FROM account_move am
             WHERE am.state = 'posted' AND am.move_type IN ('out_invoice', 'out_refund')
               AND am.invoice_date < %(day)s AND am.company_id = ANY(%(companies)s)
               AND am.commercial_partner_id IN (SELECT partner_id FROM agency_report_client)
               %(partners)s
        """, day=day, companies=list(company_ids), partners=partner_sql))
        return {move: (partner, amount, due) for move, partner, due, amount
                in self.env.cr.fetchall() if abs(amount) >= 0.005}

    def _agency_query(self):
        return f"""
        SELECT r.*,
               r.date - r.work_date AS days_to_post, r.sent_date - r.work_date AS days_to_send,
               r.paid_date - r.date AS days_to_pay,
               r.paid_date - COALESCE(r.due_date, r.date) AS days_late,
               r.date - r.work_date AS days_to_post_median,
               r.date - r.work_date AS days_to_post_p90,
               r.sent_date - r.work_date AS days_to_send_median,
               r.sent_date - r.work_date AS days_to_send_p90,
               r.paid_date - r.date AS days_to_pay_median,
               r.paid_date - r.date AS days_to_pay_p90,
               CASE WHEN r.move_type != 'out_invoice' OR r.payment_state = 'reversed' THEN NULL
                    ELSE GREATEST(0, COALESCE(r.paid_date, CURRENT_DATE)
                                     - COALESCE(r.due_date, r.date)) END AS days_past_due,
               CASE WHEN r.disputed AND r.paid_date IS NULL
                    THEN CURRENT_DATE - COALESCE(r.dispute_date, r.date) END
                   AS dispute_age_days,
               CASE WHEN r.disputed THEN 1 ELSE 0 END AS disputed_count,
               CASE WHEN r.disputed THEN r.amount ELSE 0.0 END AS disputed_amount,
               CASE WHEN r.move_type = 'out_invoice' THEN
                   CASE WHEN r.disputed THEN 100.0 ELSE 0.0 END END AS dispute_share
          FROM (
            SELECT am.id, am.id AS move_id, am.move_type, am.invoice_date AS date,
                   am.invoice_date_due AS due_date, am.company_id,
                   am.commercial_partner_id AS partner_id,
                   COALESCE(
                       (SELECT MIN(e.project_id) FROM account_analytic_line e
                         WHERE e.timesheet_invoice_id = am.id),
                       (SELECT MIN({sale_line_project_sql("rel.order_line_id")})
                          FROM account_move_line ml
                          JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = ml.id
                         WHERE ml.move_id = COALESCE(am.reversed_entry_id, am.id)))
                       AS project_id,
                   CASE WHEN am.move_type = 'out_invoice' THEN {WORK_DATE} END AS work_date,
                   am.agency_sent_at::date AS sent_date,
                   CASE WHEN am.move_type = 'out_invoice' THEN {PAID_DATE} END AS paid_date,
                   am.payment_state, am.amount_total_signed AS amount,
                   am.amount_residual_signed AS amount_due,
                   am.amount_total_signed - am.amount_residual_signed AS amount_paid,
                   CASE WHEN am.move_type = 'out_invoice' THEN 1 ELSE 0 END AS invoice_count,
                   COALESCE(am.disputed, FALSE) AS disputed, am.dispute_date
              FROM account_move am
             WHERE am.state = 'posted' AND am.move_type IN ('out_invoice', 'out_refund')
               AND {is_agency_client("am.commercial_partner_id")}
          ) r
        """
