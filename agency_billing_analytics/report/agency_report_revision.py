"""Revision rounds: rounds per deliverable, client and service type, and the hours and value
of the extra rounds billed and absorbed — the revision leakage (docs/user-guide/analytics.md,
"Revision rounds")."""

from odoo import fields, models

from .agency_report_mixin import in_round_sql
from .agency_report_recovery import CARD_RATE, card_value_sql


class AgencyReportRevision(models.Model):
    """One row per revision round of a deliverable: count rounds and extra rounds, and sum
    the time logged in them (the rounds' own rule: the deliverable's tasks, from the day the
    round started to the next one). An extra round is billed (its invoice lines on posted
    invoices, net of credit notes), on its way to an invoice, or absorbed: its hours at the
    rate card are the revision leakage."""

    _name = "agency.report.revision"
    _inherit = "agency.report.mixin"
    _description = "Agency Billing: revision rounds"
    _auto = False
    _order = "date desc, id"

    date = fields.Date(readonly=True, help="The day the client asked for the round.")
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", related="company_id.currency_id")
    partner_id = fields.Many2one("res.partner", string="Client", readonly=True)
    project_id = fields.Many2one("project.project", readonly=True)
    sale_order_id = fields.Many2one("sale.order", string="Contract", readonly=True)
    service_type_id = fields.Many2one(
        "agency.service.type", readonly=True,
        help="The deliverable's service type: of the line it was sold on, else its project's.")
    deliverable_id = fields.Many2one("agency.deliverable", readonly=True)
    round_id = fields.Many2one("agency.deliverable.round", readonly=True)
    number = fields.Integer(string="Round Number", readonly=True, aggregator="max")
    is_extra = fields.Boolean(string="Extra", readonly=True)
    policy = fields.Selection(
        [("bill", "Bill"), ("ask", "Ask first"), ("absorb", "Absorb")],
        string="Extra-Round Policy", readonly=True)
    state = fields.Selection(
        [("included", "Included"), ("to_bill", "To bill"),
         ("to_approve", "Waiting for the client"), ("approved", "Approved, to bill"),
         ("declined", "Declined (held)"), ("billed", "Billed"), ("absorbed", "Absorbed")],
        readonly=True)
    round_count = fields.Integer(string="Rounds", readonly=True)
    extra_round_count = fields.Integer(string="Extra Rounds", readonly=True)
    absorbed_round_count = fields.Integer(string="Absorbed Rounds", readonly=True)
    hours = fields.Float(readonly=True, help="Time logged on the deliverable's tasks during "
                         "the round.")
    extra_hours = fields.Float(readonly=True, help="Hours of the extra rounds.")
    billed_hours = fields.Float(string="Extra Hours Billed", readonly=True,
                                help="Hours of the extra rounds that were billed.")
    absorbed_hours = fields.Float(string="Extra Hours Absorbed", readonly=True,
                                  help="Hours of the extra rounds the agency absorbed.")
    billed_value = fields.Monetary(string="Extra Rounds Billed", readonly=True,
                                   help="Posted invoice lines of the extra rounds, net of "
                                   "credit notes, in the company currency.")
    leakage_value = fields.Monetary(string="Revision Leakage", readonly=True,
                                    help="The absorbed rounds' hours at the rate card.")

    def _agency_query(self):
        card = card_value_sql()
        return f"""
        SELECT r.id, r.id AS round_id, r.date::date AS date, d.company_id,
               COALESCE(rp.commercial_partner_id, d.partner_id) AS partner_id,
               d.project_id, d.sale_order_id, d.id AS deliverable_id,
               COALESCE((SELECT MIN(st.id) FROM sale_order_line sol
                           JOIN agency_service_type st ON st.product_id = sol.product_id
                          WHERE sol.id = d.sale_line_id), p.service_type_id)
                   AS service_type_id,
               r.number, COALESCE(r.is_extra, FALSE) AS is_extra,
               d.extra_round_policy AS policy, r.state,
               1 AS round_count,
               CASE WHEN r.is_extra THEN 1 ELSE 0 END AS extra_round_count,
               CASE WHEN r.is_extra AND r.state = 'absorbed' THEN 1 ELSE 0 END
                   AS absorbed_round_count,
               COALESCE(h.hours, 0.0) AS hours,
               CASE WHEN r.is_extra THEN COALESCE(h.hours, 0.0) ELSE 0.0 END AS extra_hours,
               CASE WHEN r.is_extra AND r.state = 'billed' THEN COALESCE(h.hours, 0.0)
                    ELSE 0.0 END AS billed_hours,
               CASE WHEN r.is_extra AND r.state = 'absorbed' THEN COALESCE(h.hours, 0.0)
                    ELSE 0.0 END AS absorbed_hours,
               COALESCE(b.value, 0.0) AS billed_value,
               CASE WHEN r.is_extra AND r.state = 'absorbed' THEN COALESCE(h.card, 0.0)
                    ELSE 0.0 END AS leakage_value
          FROM agency_deliverable_round r
          JOIN agency_deliverable d ON d.id = r.deliverable_id
     LEFT JOIN res_partner rp ON rp.id = d.partner_id
     LEFT JOIN project_project p ON p.id = d.project_id
     LEFT JOIN LATERAL (
            SELECT SUM(e.unit_amount) AS hours, SUM({card}) AS card
              FROM account_analytic_line e
              {CARD_RATE}
             WHERE {in_round_sql()}) h ON TRUE
     LEFT JOIN LATERAL (
            SELECT SUM(-aml.balance) AS value
              FROM account_move_line aml
              JOIN account_move am ON am.id = aml.move_id
             WHERE am.state = 'posted' AND am.move_type IN ('out_invoice', 'out_refund')
               AND aml.display_type = 'product'
               AND EXISTS (SELECT 1 FROM sale_order_line_invoice_rel rel
                             JOIN sale_order_line sol ON sol.id = rel.order_line_id
                            WHERE rel.invoice_line_id = aml.id
                              AND sol.agency_round_id = r.id)) b ON TRUE
        """
