"""Recovery: hours invoiced ÷ billable hours recorded (leakage listed and aged), billed
value ÷ value at the rate card (rate realization), collected ÷ invoiced (README,
"Analytics > Recovery")."""

from odoo import fields, models

from .agency_report_mixin import BILLABLE_WORK, convert_sql
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


class AgencyReportRecovery(models.Model):
    """Three kinds of rows. Time rows (dated by the work): billable hours recorded, the
    hours on a posted invoice, and the rest — leakage — with its age. Billing rows (dated
    by the invoice): the value each invoice or credit note billed for each entry and that
    entry's value at the rate card (an absorbed over-scope entry bills 0 against its card
    value). Invoice rows (dated by the invoice): amount invoiced and collected."""

    _name = "agency.report.recovery"
    _inherit = "agency.report.work.mixin"
    _description = "Agency Billing: recovery"
    _auto = False
    _order = "date desc, id"
    _agency_ratios = {
        "hour_recovery": ("invoiced_hours", "billable_hours", 100),
        "rate_realization": ("billed_value", "card_value", 100),
        "collection_rate": ("collected_amount", "invoiced_amount", 100),
    }

    kind = fields.Selection(
        [("time", "Time"), ("billing", "Billing"), ("invoice", "Invoice")], readonly=True)
    entry_id = fields.Many2one("account.analytic.line", string="Time Entry", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    billable_hours = fields.Float(readonly=True, help="Billable hours recorded (raw time), "
                                  "including time later excluded or absorbed over scope.")
    invoiced_hours = fields.Float(readonly=True, help="Of those, hours on a posted invoice.")
    leakage_hours = fields.Float(readonly=True, help="Billable hours not invoiced (yet).")
    is_leakage = fields.Boolean(string="Leakage", readonly=True)
    age_days = fields.Integer(string="Age (days)", readonly=True, aggregator="max")
    age_bucket = fields.Selection(
        [("0_30", "0–30 days"), ("31_60", "31–60 days"), ("61_90", "61–90 days"),
         ("90_plus", "Over 90 days")], readonly=True)
    billed_value = fields.Monetary(readonly=True, help="Invoiced for the time, net of "
                                   "credit notes (retainer fees shared by covered value).")
    card_value = fields.Monetary(string="Value at Rate Card", readonly=True)
    invoiced_amount = fields.Monetary(readonly=True, help="Invoice totals (taxes included).")
    collected_amount = fields.Monetary(readonly=True, help="Invoice totals − amounts due.")
    hour_recovery = fields.Float(string="Hour Recovery %", readonly=True, aggregator="avg")
    rate_realization = fields.Float(string="Rate Realization %", readonly=True,
                                    aggregator="avg")
    collection_rate = fields.Float(string="Collected %", readonly=True, aggregator="avg")

    def _agency_query(self):
        card = card_value_sql()
        return f"""
        SELECT e.id * 2 AS id, 'time' AS kind, e.date, e.company_id,
               pp.commercial_partner_id AS partner_id, e.project_id, e.service_type_id,
               e.job_id, e.employee_id, e.id AS entry_id, NULL::int AS move_id,
               e.unit_amount AS billable_hours,
               CASE WHEN inv.state = 'posted' THEN e.unit_amount ELSE 0.0 END
                   AS invoiced_hours,
               CASE WHEN inv.state = 'posted' THEN 0.0 ELSE e.unit_amount END
                   AS leakage_hours,
               inv.state IS DISTINCT FROM 'posted' AS is_leakage,
               CASE WHEN inv.state = 'posted' THEN NULL ELSE CURRENT_DATE - e.date END
                   AS age_days,
               CASE WHEN inv.state = 'posted' THEN NULL
                    WHEN CURRENT_DATE - e.date <= 30 THEN '0_30'
                    WHEN CURRENT_DATE - e.date <= 60 THEN '31_60'
                    WHEN CURRENT_DATE - e.date <= 90 THEN '61_90' ELSE '90_plus' END
                   AS age_bucket,
               0.0 AS billed_value,
               CASE WHEN COALESCE(e.over_scope, FALSE) AND e.over_scope_policy = 'absorbed'
                    THEN {card} ELSE 0.0 END AS card_value,
               0.0 AS invoiced_amount, 0.0 AS collected_amount,
               CASE WHEN e.unit_amount != 0 AND inv.state = 'posted' THEN 100.0
                    WHEN e.unit_amount != 0 THEN 0.0 END AS hour_recovery,
               NULL::float AS rate_realization, NULL::float AS collection_rate
          FROM account_analytic_line e
          JOIN project_project p ON p.id = e.project_id
     LEFT JOIN res_partner pp ON pp.id = p.partner_id
     LEFT JOIN account_move inv ON inv.id = e.timesheet_invoice_id
          {CARD_RATE}
         WHERE {BILLABLE_WORK}
        UNION ALL
        SELECT -(aml.id::bigint * 100000000 + k.entry_id), 'billing', am.invoice_date,
               am.company_id, am.commercial_partner_id, e.project_id, e.service_type_id,
               e.job_id, e.employee_id, e.id, am.id, 0.0, 0.0, 0.0, FALSE, NULL, NULL,
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
         WHERE {INVOICE_WHERE}
        UNION ALL
        SELECT -(am.id::bigint * 2 + 1), 'invoice', am.invoice_date, am.company_id,
               am.commercial_partner_id, NULL, NULL, NULL, NULL, NULL, am.id,
               0.0, 0.0, 0.0, FALSE, NULL, NULL, 0.0, 0.0,
               am.amount_total_signed, am.amount_total_signed - am.amount_residual_signed,
               NULL, NULL,
               CASE WHEN am.amount_total_signed != 0 THEN
                   (am.amount_total_signed - am.amount_residual_signed)
                   / am.amount_total_signed * 100 END
          FROM account_move am
         WHERE am.state = 'posted' AND am.move_type IN ('out_invoice', 'out_refund')
        """
