"""Recovery: of the billable time whose billing cycle has closed, the hours on a posted
invoice (hour recovery); leakage (value that will not be billed) apart from unbilled work
in progress (billable time not on a posted invoice yet, with its age and the cycle that
will bill it); billed value ÷ value at the rate card (rate realization); collected ÷
invoiced (docs/user-guide/analytics.md, "Recovery")."""

from odoo import fields, models

from .agency_report_mixin import (
    BILLABLE_WORK,
    IS_AGENCY_PROJECT,
    convert_sql,
    in_absorbed_round_sql,
    in_billed_fixed_round_sql,
    is_agency_client,
)
from .agency_report_profitability import INVOICE_LINES, INVOICE_WHERE, LINKS

# The internal rate card's rate for an entry: the fixed rule naming its role and nothing
# of the client (no client, contract, project or person), the one of its service type
# first, a dated one before an open-ended one; without one, the entry's own rate.
CARD_RATE = """
    LEFT JOIN LATERAL (
        SELECT r.rate, r.currency_id FROM agency_rate_rule r
         WHERE r.active AND r.rate_type = 'fixed' AND r.job_id = e.job_id
           AND r.company_id = e.company_id AND r.employee_id IS NULL
           AND r.partner_id IS NULL AND r.project_id IS NULL AND r.order_id IS NULL
           AND (r.service_type_id IS NULL OR r.service_type_id = e.service_type_id)
           AND (r.date_from IS NULL OR r.date_from <= e.date)
           AND (r.date_to IS NULL OR r.date_to >= e.date)
         ORDER BY (r.service_type_id IS NOT NULL) DESC,
                  (r.date_from IS NOT NULL OR r.date_to IS NOT NULL) DESC, r.sequence, r.id
         LIMIT 1) card ON TRUE
"""


def card_value_sql():
    """Raw hours × the rate card's rate, in the company currency at the entry's date."""
    rate = convert_sql("COALESCE(card.rate, e.billing_rate, 0)",
                       "COALESCE(card.currency_id, e.agency_currency_id)", "e.company_id",
                       "e.date")
    return f"(e.unit_amount * {rate})"


# Where a billable time entry stands. Leakage — value that will not be billed: excluded
# (written off), absorbed over scope, or logged in an extra revision round the agency
# absorbs (a deliverable's *absorb* policy; a billed round's time counts as invoiced,
# also the time a fixed-price round holds out of hourly billing once its line is billed).
# Unbilled work in progress — billable time not on a posted invoice yet: on a draft in
# the review queue, waiting for its time review, held (over scope until a change
# request is accepted), or waiting for its billing cycle. Else invoiced.
STATUS = f"""
    CASE WHEN inv.state = 'posted' THEN 'invoiced'
         WHEN COALESCE(e.exclude_from_billing, FALSE) THEN 'excluded'
         WHEN COALESCE(e.over_scope, FALSE) AND e.over_scope_policy = 'absorbed'
             THEN 'absorbed'
         WHEN {in_absorbed_round_sql()} THEN 'absorbed_revision'
         WHEN {in_billed_fixed_round_sql()} THEN 'invoiced'
         WHEN inv.id IS NOT NULL AND inv.state = 'draft' THEN 'draft'
         WHEN COALESCE(e.needs_review, FALSE) THEN 'review'
         WHEN COALESCE(e.billing_hold, FALSE) THEN 'held'
         ELSE 'open' END
"""
LEAKAGE_STATUSES = ("excluded", "absorbed", "absorbed_revision")
WIP_STATUSES = ("draft", "review", "held", "open")
class AgencyReportRecovery(models.Model):
    """Three kinds of rows. Time rows (dated by the work), one per billable entry of the
    agency's work: its hours, where it stands (``billing_status``), its hours as invoiced,
    leakage or unbilled WIP, and whether its billing cycle has closed — the entry is on a
    posted invoice, or is dated on or before the day its client is billed up to (the
    billing runs' *Billed Up To*, else the client's last posted invoice) and nothing about
    it is pending (a draft, a time review, a hold). Hour recovery counts only time whose
    cycle has closed: invoiced ÷ billable hours of closed cycles. Billing rows (dated by
    the invoice): the value each invoice or credit note billed for each entry and that
    entry's value at the rate card (an absorbed over-scope entry, or one of an absorbed
    extra revision round, bills 0 against its card value). Invoice rows (dated by the
    invoice): amount invoiced and collected."""

    _name = "agency.report.recovery"
    _inherit = "agency.report.work.mixin"
    _description = "Agency Billing: recovery"
    _auto = False
    _order = "date desc, id"
    _agency_ratios = {
        "hour_recovery": ("closed_invoiced_hours", "closed_hours", 100),
        "rate_realization": ("billed_value", "card_value", 100),
        "collection_rate": ("collected_amount", "invoiced_amount", 100),
    }

    kind = fields.Selection(
        [("time", "Time"), ("billing", "Billing"), ("invoice", "Invoice")], readonly=True)
    entry_id = fields.Many2one("account.analytic.line", string="Time Entry", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True,
                              help="Time rows: the invoice (posted or draft) the time is on.")
    billing_status = fields.Selection(
        [("invoiced", "Invoiced"), ("draft", "WIP: on a draft in review"),
         ("review", "WIP: time to review"), ("held", "WIP: held"),
         ("open", "WIP: waiting for its billing cycle"),
         ("excluded", "Leakage: written off / excluded"),
         ("absorbed", "Leakage: absorbed over scope"),
         ("absorbed_revision", "Leakage: absorbed revision rounds")], readonly=True)
    billable_hours = fields.Float(readonly=True, help="Billable hours recorded (raw time), "
                                  "including time later excluded or absorbed over scope.")
    invoiced_hours = fields.Float(readonly=True, help="Of those, hours on a posted invoice.")
    leakage_hours = fields.Float(readonly=True, help="Billable hours that will not be "
                                 "billed: written off, excluded, absorbed over scope or in "
                                 "an absorbed extra revision round.")
    wip_hours = fields.Float(string="Unbilled WIP Hours", readonly=True,
                             help="Billable hours not on a posted invoice yet: on a draft "
                             "in review, to review, held, or waiting for their cycle.")
    wip_value = fields.Monetary(string="Unbilled WIP Value", readonly=True,
                                help="The unbilled WIP's billed amount at rate.")
    leakage_value = fields.Monetary(readonly=True, help="The leakage's hours at the rate card.")
    cycle_closed = fields.Boolean(readonly=True,
                                  help="The billing cycle of this time has closed: it counts "
                                  "in hour recovery.")
    closed_hours = fields.Float(string="Billable Hours (closed cycles)", readonly=True)
    closed_invoiced_hours = fields.Float(string="Invoiced Hours (closed cycles)",
                                         readonly=True)
    is_leakage = fields.Boolean(string="Leakage", readonly=True)
    is_wip = fields.Boolean(string="In Unbilled WIP", readonly=True)
    next_billing_date = fields.Date(readonly=True, help="Unbilled WIP waiting for its "
                                    "cycle: the client's next billing date.")
    age_days = fields.Integer(string="Age (days)", readonly=True, aggregator="max")
    age_bucket = fields.Selection(
        [("0_30", "0–30 days"), ("31_60", "31–60 days"), ("61_90", "61–90 days"),
         ("90_plus", "Over 90 days")], readonly=True)
    billed_value = fields.Monetary(readonly=True, help="Invoiced for the time, net of "
                                   "credit notes (retainer fees shared by covered value).")
    card_value = fields.Monetary(string="Value at Rate Card", readonly=True)
    invoiced_amount = fields.Monetary(readonly=True, help="Invoice totals (taxes included).")
    collected_amount = fields.Monetary(readonly=True, help="Invoice totals − amounts due.")
    hour_recovery = fields.Float(string="Hour Recovery %", readonly=True, aggregator="avg",
                                 help="Invoiced ÷ billable hours of the time whose billing "
                                 "cycle has closed.")
    rate_realization = fields.Float(string="Rate Realization %", readonly=True,
                                    aggregator="avg")
    collection_rate = fields.Float(string="Collected %", readonly=True, aggregator="avg")

    def _agency_query(self):
        card = card_value_sql()
        client = is_agency_client("am.commercial_partner_id")
        wip_value = convert_sql("e.billed_amount", "e.agency_currency_id", "e.company_id",
                                "e.date")
        leakage = ", ".join(f"'{s}'" for s in LEAKAGE_STATUSES)
        return f"""
        SELECT t.id, 'time' AS kind, t.date, t.company_id, t.partner_id, t.project_id,
               t.service_type_id, t.job_id, t.employee_id, t.entry_id, t.move_id,
               t.billing_status, t.billable_hours,
               CASE WHEN t.billing_status = 'invoiced' THEN t.billable_hours ELSE 0.0 END
                   AS invoiced_hours,
               CASE WHEN t.billing_status IN ({leakage}) THEN t.billable_hours ELSE 0.0 END
                   AS leakage_hours,
               CASE WHEN t.billing_status IN ({leakage}, 'invoiced') THEN 0.0
                    ELSE t.billable_hours END AS wip_hours,
               CASE WHEN t.billing_status IN ({leakage}, 'invoiced') THEN 0.0
                    ELSE t.wip_value END AS wip_value,
               CASE WHEN t.billing_status IN ({leakage}) THEN t.card ELSE 0.0 END
                   AS leakage_value,
               t.cycle_closed,
               CASE WHEN t.cycle_closed THEN t.billable_hours ELSE 0.0 END AS closed_hours,
               CASE WHEN t.cycle_closed AND t.billing_status = 'invoiced'
                    THEN t.billable_hours ELSE 0.0 END AS closed_invoiced_hours,
               t.billing_status IN ({leakage}) AS is_leakage,
               t.billing_status NOT IN ({leakage}, 'invoiced') AS is_wip,
               CASE WHEN t.billing_status = 'open' THEN t.billing_next_date END
                   AS next_billing_date,
               CASE WHEN t.billing_status = 'invoiced' THEN NULL
                    ELSE CURRENT_DATE - t.date END AS age_days,
               CASE WHEN t.billing_status = 'invoiced' THEN NULL
                    WHEN CURRENT_DATE - t.date <= 30 THEN '0_30'
                    WHEN CURRENT_DATE - t.date <= 60 THEN '31_60'
                    WHEN CURRENT_DATE - t.date <= 90 THEN '61_90' ELSE '90_plus' END
                   AS age_bucket,
               0.0 AS billed_value,
               CASE WHEN t.billing_status IN ('absorbed', 'absorbed_revision') THEN t.card
                    ELSE 0.0 END AS card_value,
               0.0 AS invoiced_amount, 0.0 AS collected_amount,
               CASE WHEN t.cycle_closed AND t.billable_hours != 0 THEN
                    CASE WHEN t.billing_status = 'invoiced' THEN 100.0 ELSE 0.0 END END
                   AS hour_recovery,
               NULL::float AS rate_realization, NULL::float AS collection_rate
          FROM (
            SELECT s.*,
                   s.billing_status = 'invoiced'
                   OR (s.billing_status NOT IN ('draft', 'review', 'held')
                       AND s.date <= s.billed_through) AS cycle_closed
              FROM (
                SELECT e.id * 2 AS id, e.date, e.company_id,
                       pp.commercial_partner_id AS partner_id, e.project_id,
                       e.service_type_id, e.job_id, e.employee_id, e.id AS entry_id,
                       inv.id AS move_id, {STATUS} AS billing_status,
                       e.unit_amount AS billable_hours, {wip_value} AS wip_value,
                       {card} AS card, ac.billed_through, ac.billing_next_date
                  FROM account_analytic_line e
                  JOIN project_project p ON p.id = e.project_id
             LEFT JOIN res_partner pp ON pp.id = p.partner_id
             LEFT JOIN agency_report_client ac ON ac.partner_id = pp.commercial_partner_id
             LEFT JOIN account_move inv ON inv.id = e.timesheet_invoice_id
                       AND inv.state != 'cancel'
                  {CARD_RATE}
                 WHERE {BILLABLE_WORK} AND {IS_AGENCY_PROJECT}
              ) s
          ) t
        UNION ALL
        SELECT -(aml.id::bigint * 100000000 + k.entry_id), 'billing', am.invoice_date,
               am.company_id, am.commercial_partner_id, e.project_id, e.service_type_id,
               e.job_id, e.employee_id, e.id, am.id, NULL, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,
               FALSE, 0.0, 0.0, FALSE, FALSE, NULL, NULL, NULL,
               -aml.balance * k.weight / t.weight,
               CASE WHEN am.move_type = 'out_invoice'
                    THEN {card} * k.weight / NULLIF(e.billed_unit_amount * e.billing_rate, 0)
                    ELSE 0.0 END,
               0.0, 0.0, NULL, NULL, NULL
          {INVOICE_LINES}
          JOIN LATERAL (SELECT * FROM ({LINKS}) x WHERE x.weight > 0) k ON TRUE
          JOIN LATERAL (SELECT SUM(y.weight) AS weight FROM ({LINKS}) y
                         WHERE y.weight > 0) t ON TRUE
          JOIN account_analytic_line e ON e.id = k.entry_id
          {CARD_RATE}
         WHERE {INVOICE_WHERE} AND {client}
        UNION ALL
        SELECT -(am.id::bigint * 2 + 1), 'invoice', am.invoice_date, am.company_id,
               am.commercial_partner_id, NULL, NULL, NULL, NULL, NULL, am.id, NULL,
               0.0, 0.0, 0.0, 0.0, 0.0, 0.0, FALSE, 0.0, 0.0, FALSE, FALSE, NULL, NULL, NULL,
               0.0, 0.0, am.amount_total_signed,
               am.amount_total_signed - am.amount_residual_signed, NULL, NULL,
               CASE WHEN am.amount_total_signed != 0 THEN
                   (am.amount_total_signed - am.amount_residual_signed)
                   / am.amount_total_signed * 100 END
          FROM account_move am
         WHERE am.state = 'posted' AND am.move_type IN ('out_invoice', 'out_refund')
           AND {client}
        """
