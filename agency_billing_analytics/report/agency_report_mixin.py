"""Shared plumbing of the analytics reports (SQL views, ``_auto = False``).

Ratios (margin %, utilization, recovery...) and percentiles (median days to pay...) cannot
be summed: a report declares them in ``_agency_ratios`` / ``_agency_percentiles`` and every
``read_group`` (pivot, graph, grouped list) computes them from the group's sums in SQL —
Σ numerator ÷ Σ denominator, ``NULL`` (shown empty) when the denominator is zero — so a
margin % of a client is its margin over its revenue, never an average of row percentages.
"""

import psycopg2

from odoo import api, fields, models, tools
from odoo.tools import SQL


def convert_sql(amount, currency, company, day):
    """SQL converting ``amount`` in ``currency`` into ``company``'s currency at ``day``,
    with Odoo's own rate choice (the company's rate before the shared one, the latest on
    or before the day, else the earliest known, else 1). All arguments are SQL snippets.
    """
    def rate(cur):
        return f"""COALESCE(
            (SELECT r.rate FROM res_currency_rate r
              WHERE r.currency_id = {cur} AND r.name <= {day}
                AND (r.company_id IS NULL OR r.company_id = {company})
              ORDER BY r.company_id, r.name DESC LIMIT 1),
            (SELECT r.rate FROM res_currency_rate r
              WHERE r.currency_id = {cur}
                AND (r.company_id IS NULL OR r.company_id = {company})
              ORDER BY r.company_id, r.name ASC LIMIT 1), 1.0)"""
    company_currency = f"(SELECT c.currency_id FROM res_company c WHERE c.id = {company})"
    return f"""(CASE WHEN {currency} IS NULL OR {currency} = {company_currency}
        THEN {amount}
        ELSE {amount} * {rate(company_currency)} / NULLIF({rate(currency)}, 0) END)"""


def sale_line_project_sql(line):
    """SQL: the project of sale order line ``line`` (an SQL snippet): the project it
    generated, its order's, the one it is the billing line of, its milestones' project, or
    a project of its order's lines."""
    return f"""COALESCE(
        (SELECT x.project_id FROM sale_order_line x WHERE x.id = {line}),
        (SELECT so.project_id FROM sale_order_line x JOIN sale_order so ON so.id = x.order_id
          WHERE x.id = {line}),
        (SELECT MIN(pr.id) FROM project_project pr WHERE pr.sale_line_id = {line}),
        (SELECT MIN(m.project_id) FROM project_milestone m WHERE m.sale_line_id = {line}),
        (SELECT MIN(pr.id) FROM project_project pr
           JOIN sale_order_line y ON y.id = pr.sale_line_id
           JOIN sale_order_line x ON x.order_id = y.order_id WHERE x.id = {line}))"""


# Work the agency classified as billable, including what it later wrote off (excluded)
# or absorbed over scope: the denominator of recovery and billable utilization.
BILLABLE_WORK = ("(e.is_billable OR COALESCE(e.exclude_from_billing, FALSE) "
                 "OR (COALESCE(e.over_scope, FALSE) AND e.over_scope_policy = 'absorbed'))")


# Whose figures the reports count (docs/user-guide/reports.md, "Whose figures count"): the
# agency's work, clients and people, so that Odoo's generic data (its demo customers, the
# projects its demo sale orders created, its demo employees) or another business run in
# the same database weighs in no figure. Shared views, replaced (never dropped: the report
# views read them) by every report's ``init``.
#
# Agency work: a project with a default service type, a scope budget, a task of a service
# type, a contract (its sale order) selling an agency service or a retainer fee, or
# marked "Agency Work" by hand.
AGENCY_PROJECTS = """
    SELECT p.id AS project_id, p.partner_id
      FROM project_project p
     WHERE COALESCE(p.agency_report_work, FALSE) OR p.service_type_id IS NOT NULL
        OR EXISTS (SELECT 1 FROM agency_scope_line sl WHERE sl.project_id = p.id)
        OR EXISTS (SELECT 1 FROM project_task t
                    WHERE t.project_id = p.id AND t.service_type_id IS NOT NULL)
        OR EXISTS (SELECT 1 FROM sale_order_line psl
                     JOIN sale_order_line sol ON sol.order_id = psl.order_id
                     JOIN product_product pr ON pr.id = sol.product_id
                     JOIN product_template pt ON pt.id = pr.product_tmpl_id
                    WHERE psl.id = p.sale_line_id
                      AND (COALESCE(pt.agency_retainer_fee, FALSE)
                           OR EXISTS (SELECT 1 FROM agency_service_type st
                                       WHERE st.product_id = sol.product_id)))
"""
# Agency clients (commercial partners): the clients of agency work, the clients under
# billing automation, and partners marked "Agency Client" by hand; with the day their
# billing cycles are closed up to ("Billed Up To" of the billing runs, else the date of
# their last posted invoice).
AGENCY_CLIENTS = f"""
    SELECT c.partner_id,
           COALESCE(rp.billing_last_period_end, li.last_invoice) AS billed_through,
           rp.billing_next_date
      FROM (SELECT COALESCE(rp.commercial_partner_id, rp.id) AS partner_id
              FROM ({AGENCY_PROJECTS}) ap JOIN res_partner rp ON rp.id = ap.partner_id
            UNION
            SELECT COALESCE(rp.commercial_partner_id, rp.id) FROM res_partner rp
             WHERE COALESCE(rp.billing_automation, FALSE)
                OR COALESCE(rp.agency_report_client, FALSE)) c
      JOIN res_partner rp ON rp.id = c.partner_id
 LEFT JOIN (SELECT am.commercial_partner_id, MAX(am.invoice_date) AS last_invoice
              FROM account_move am
             WHERE am.state = 'posted' AND am.move_type = 'out_invoice'
             GROUP BY am.commercial_partner_id) li ON li.commercial_partner_id = c.partner_id
"""
# The agency's people: employees with a role (job position) and a capacity (a working
# calendar) who recorded time on agency work.
AGENCY_PEOPLE = """
    SELECT emp.id AS employee_id
      FROM hr_employee emp
      JOIN resource_resource res ON res.id = emp.resource_id
     WHERE emp.job_id IS NOT NULL
       AND COALESCE(emp.resource_calendar_id, res.calendar_id) IS NOT NULL
       AND EXISTS (SELECT 1 FROM account_analytic_line x
                     JOIN agency_report_project ap ON ap.project_id = x.project_id
                    WHERE x.employee_id = emp.id)
"""
AGENCY_VIEWS = (("agency_report_project", AGENCY_PROJECTS),
                ("agency_report_client", AGENCY_CLIENTS),
                ("agency_report_person", AGENCY_PEOPLE))

# SQL predicates on the reports' aliases: ``p`` a project, ``partner`` a commercial
# partner id, ``emp`` an employee id.
IS_AGENCY_PROJECT = "p.id IN (SELECT project_id FROM agency_report_project)"


def is_agency_client(partner):
    """SQL: ``partner`` (an SQL snippet) is an agency client."""
    return f"{partner} IN (SELECT partner_id FROM agency_report_client)"


def is_agency_person(employee):
    """SQL: ``employee`` (an SQL snippet) is one of the agency's people."""
    return f"{employee} IN (SELECT employee_id FROM agency_report_person)"


def is_agency_work(entry="e", project="p"):
    """SQL: time entry ``entry`` on project ``project`` is the agency's work: on agency work,
    or by one of its people on a project of no client (internal time)."""
    return (f"({IS_AGENCY_PROJECT.replace('p.id', f'{project}.id')} OR "
            f"({project}.partner_id IS NULL AND {is_agency_person(f'{entry}.employee_id')}))")


# Revision rounds of deliverables (agency_billing): which round a time entry belongs to.
def in_round_sql(entry="e", rnd="r"):
    """SQL: time entry ``entry`` belongs to round ``rnd`` — it is on a task of the round's
    deliverable and the round is the deliverable's last one started on or before the
    entry's date (agency_billing's ``rounds.round_of_day``, as the rounds' own hours)."""
    return f"""({entry}.task_id IS NOT NULL AND {entry}.project_id IS NOT NULL
        AND {rnd}.date::date <= {entry}.date
        AND EXISTS (SELECT 1 FROM agency_deliverable_task_rel dt
                     WHERE dt.deliverable_id = {rnd}.deliverable_id
                       AND dt.task_id = {entry}.task_id)
        AND NOT EXISTS (SELECT 1 FROM agency_deliverable_round nx
                         WHERE nx.deliverable_id = {rnd}.deliverable_id
                           AND nx.number > {rnd}.number
                           AND nx.date::date <= {entry}.date))"""


def in_absorbed_round_sql(entry="e"):
    """SQL: time entry ``entry`` belongs to an extra round the agency absorbs."""
    return f"""({entry}.task_id IS NOT NULL AND EXISTS (
        SELECT 1 FROM agency_deliverable_task_rel dr
          JOIN agency_deliverable_round ar ON ar.deliverable_id = dr.deliverable_id
         WHERE dr.task_id = {entry}.task_id AND ar.is_extra AND ar.state = 'absorbed'
           AND {in_round_sql(entry, 'ar')}))"""


def in_billed_fixed_round_sql(entry="e"):
    """SQL: time entry ``entry`` is held because its extra round is billed by a fixed-price
    line (agency_billing's ``COVERED_PREFIX`` hold) and that round is billed."""
    return f"""(COALESCE({entry}.billing_hold, FALSE)
        AND {entry}.billing_hold_reason LIKE 'revision-round-covered:%%' AND EXISTS (
        SELECT 1 FROM agency_deliverable_task_rel df
          JOIN agency_deliverable_round fr ON fr.deliverable_id = df.deliverable_id
         WHERE df.task_id = {entry}.task_id AND fr.is_extra AND fr.state = 'billed'
           AND {in_round_sql(entry, 'fr')}))"""


def create_agency_views(cr):
    """Create or replace the views of the agency's work, clients and people."""
    for name, query in AGENCY_VIEWS:
        try:
            with cr.savepoint(flush=False):
                cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(name),
                               SQL(query)))
        except psycopg2.Error:
            # its columns changed (an upgrade): the reports reading it are created again
            # by their own init after this one
            cr.execute(SQL("DROP VIEW IF EXISTS %s CASCADE", SQL.identifier(name)))
            cr.execute(SQL("CREATE VIEW %s AS (%s)", SQL.identifier(name), SQL(query)))


class AgencyReportMixin(models.AbstractModel):
    """Base of the analytics report views: the view is created from ``_agency_query()``;
    ratio and percentile measures are aggregated from their parts."""

    _name = "agency.report.mixin"
    _description = "Agency Billing analytics report (base)"

    # {field: (numerator field, denominator field, factor)}
    _agency_ratios = {}
    # {field: (value field, fraction)}
    _agency_percentiles = {}

    def _agency_query(self):
        """The SELECT of the view (hook: one per report)."""
        raise NotImplementedError

    def _agency_extra_views(self):
        """Extra SQL views (name → SELECT) the report's relations read from."""
        return {}

    def init(self):
        if self._abstract or self._auto:
            return
        create_agency_views(self.env.cr)
        for name, query in self._agency_extra_views().items():
            tools.drop_view_if_exists(self.env.cr, name)
            self.env.cr.execute(SQL("CREATE VIEW %s AS (%s)", SQL.identifier(name), SQL(query)))
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE VIEW %s AS (%s)", SQL.identifier(self._table),
                                SQL(self._agency_query())))

    def _agency_no_jit(self):
        """Turn PostgreSQL's JIT off for the rest of the transaction: the planner's cost
        estimate of these views' lateral joins is high enough to trigger it, and compiling
        the query takes seconds while running it takes milliseconds."""
        self.env.cr.execute(SQL("SET LOCAL jit = off"))

    def _agency_before_query(self):
        """The views read other models' tables: write what the transaction changed first
        (Odoo flushes only the report's own fields), and turn the JIT off."""
        self.env.flush_all()
        self._agency_no_jit()

    @api.model
    def _read_group(self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None,
                    order=None):
        self._agency_before_query()
        return super()._read_group(domain, groupby, aggregates, having, offset, limit, order)

    @api.model
    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        self._agency_before_query()
        return super().search_fetch(domain, field_names, offset, limit, order)

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        fname = aggregate_spec.split(":")[0]
        if fname in self._agency_ratios:
            num, den, factor = self._agency_ratios[fname]
            return SQL(
                "(SUM(%s)::float / NULLIF(SUM(%s), 0) * %s)",
                self._field_to_sql(self._table, num, query),
                self._field_to_sql(self._table, den, query), factor,
            )
        if fname in self._agency_percentiles:
            value, fraction = self._agency_percentiles[fname]
            return SQL(
                "percentile_cont(%s) WITHIN GROUP (ORDER BY %s)", fraction,
                self._field_to_sql(self._table, value, query),
            )
        return super()._read_group_select(aggregate_spec, query)


class AgencyReportWorkMixin(models.AbstractModel):
    """The dimensions of the reports over time entries: period, client, project, service
    type, role, employee and company (each view selects these columns)."""

    _name = "agency.report.work.mixin"
    _inherit = "agency.report.mixin"
    _description = "Agency Billing analytics report over time (base)"

    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    project_id = fields.Many2one("project.project", readonly=True)
    service_type_id = fields.Many2one("agency.service.type", readonly=True)
    job_id = fields.Many2one("hr.job", string="Role", readonly=True)
    employee_id = fields.Many2one("hr.employee", readonly=True)
