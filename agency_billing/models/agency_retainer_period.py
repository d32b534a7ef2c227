"""Retainer periods: how each period of a retainer contract was settled.

One record per settled period of a contract with a retainer fee line: the hours included,
carried in, used (billable time of the period), covered by the fee, billed as overage,
carried to the next period or expired, and the invoice that billed the fee. Created by
``sale.order._agency_settle_retainer`` during billing runs; read-only otherwise.
"""

from odoo import _, api, fields, models

# Time entries not invoiced yet: never linked, or linked to a cancelled invoice.
NOT_INVOICED = ["|", ("timesheet_invoice_id", "=", False),
                ("timesheet_invoice_id.state", "=", "cancel")]


class AgencyRetainerPeriod(models.Model):
    """A settled period of a retainer contract."""

    _name = "agency.retainer.period"
    _description = "Retainer Period"
    _order = "order_id, date_to desc, id desc"
    _check_company_auto = True

    order_id = fields.Many2one("sale.order", string="Contract", required=True,
                               ondelete="cascade", index=True, check_company=True)
    partner_id = fields.Many2one(related="order_id.partner_id", store=True, string="Client")
    company_id = fields.Many2one(related="order_id.company_id", store=True)
    currency_id = fields.Many2one(related="order_id.currency_id")
    run_id = fields.Many2one("agency.billing.run", string="Billing Run", ondelete="set null")
    invoice_id = fields.Many2one("account.move", ondelete="set null",
                                 index="btree_not_null", check_company=True)
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    included_hours = fields.Float(string="Included (h)", digits=(16, 2))
    carried_in_hours = fields.Float(string="Carried In (h)", digits=(16, 2))
    used_hours = fields.Float(string="Used (h)", digits=(16, 2))
    covered_hours = fields.Float(string="Covered (h)", digits=(16, 2))
    overage_hours = fields.Float(string="Overage (h)", digits=(16, 2))
    carried_out_hours = fields.Float(string="Carried Out (h)", digits=(16, 2))
    expired_hours = fields.Float(string="Expired (h)", digits=(16, 2))
    fee = fields.Monetary(currency_field="currency_id")
    entry_ids = fields.One2many("account.analytic.line", "retainer_period_id",
                                string="Time Entries", readonly=True)

    @api.depends("order_id", "date_from", "date_to")
    def _compute_display_name(self):
        for period in self:
            period.display_name = _("%(order)s: %(start)s – %(end)s",
                                    order=period.order_id.name, start=period.date_from,
                                    end=period.date_to)

    def _link_invoice(self, move):
        """The invoice billing this period's fee also invoices the time it covered."""
        self.ensure_one()
        self.invoice_id = move
        covered = self.entry_ids.filtered(
            lambda entry: entry.timesheet_invoice_id.state in (False, "cancel"))
        if covered:
            covered.write({"timesheet_invoice_id": move.id})

    def _release(self):
        """Undo these periods (their invoice was cancelled or deleted): the time they
        covered is open again and the fee is delivered once less."""
        for period in self:
            period.entry_ids.write({"retainer_period_id": False, "retainer_hours": 0.0})
            fee_line = period.order_id.retainer_line_id
            if fee_line and fee_line.qty_delivered >= 1:
                fee_line.qty_delivered = fee_line.qty_delivered - 1
        self.unlink()

    def _report_values(self):
        """What the invoice prints about this period."""
        self.ensure_one()
        return {
            "contract": self.order_id.name,
            "start": self.date_from,
            "end": self.date_to,
            "included": self.included_hours,
            "carried_in": self.carried_in_hours,
            "used": self.used_hours,
            "covered": self.covered_hours,
            "overage": self.overage_hours,
            "carried_out": self.carried_out_hours,
            "expired": self.expired_hours,
        }
