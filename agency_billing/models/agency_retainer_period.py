"""Retainer periods: how each period of a retainer contract was settled.

One record per settled period of a contract with a retainer fee line: the hours included,
carried in, used (billable time of the period), covered by the fee, billed as overage,
carried to the next period or expired, and the invoice that billed the fee. Created by
``sale.order._agency_settle_retainer`` during billing runs; read-only otherwise.

Each period takes its carry-in from the one before, so periods are given back (their
invoice cancelled, deleted or credited) latest first: giving back a period that later
periods followed is refused, naming the later invoices to cancel first. A period given
back is deleted, its time is open again, its fee is delivered once less and the client's
*Billed Up To* date moves back to the day before it, so the next billing run settles and
bills it again — fee included — before the later periods.
"""

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..lib import retainer


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
        covered = self.entry_ids.filtered(lambda entry: entry._is_not_billed())
        if covered:
            covered.write({"timesheet_invoice_id": move.id})

    def _agency_check_release(self):
        """Refuse to give back periods that later settled periods of their contracts
        took their carry-in from, naming the later periods and invoices to give back
        first (latest first)."""
        # sudo: the check reads the later periods of the contracts (read only).
        periods = self.sudo()
        later = periods.search([
            ("order_id", "in", periods.order_id.ids), ("id", "not in", periods.ids),
        ])
        blocking = retainer.blocking_periods(
            [(p.id, p.order_id.id, p.date_to) for p in periods],
            [(p.id, p.order_id.id, p.date_to) for p in later],
        )
        if not blocking:
            return
        names = []
        for period in later.browse(blocking):
            invoice = period.invoice_id
            names.append(_("%(invoice)s (period %(period)s)",
                           invoice=invoice._agency_label() if invoice else _("no invoice"),
                           period=period.display_name))
        raise UserError(_(
            "Retainer periods are given back latest first: later periods took their "
            "carried-in hours from %(periods)s. Cancel or credit these invoices first: "
            "%(later)s.",
            periods=", ".join(periods.mapped("display_name")), later="; ".join(names)))

    def _release(self, whys=None):
        """Give these periods back (their invoice was cancelled, deleted or credited): the
        time they covered is open again, the fee is delivered once less, the client's
        *Billed Up To* moves back before the period so the next run bills it again.

        :param whys: {period id: what happened to its invoice} for the contract's chatter
        """
        if not self:
            return
        whys = whys or {}
        self._agency_check_release()
        for period in self.sorted(lambda p: p.date_to, reverse=True):
            period.entry_ids.write({"retainer_period_id": False, "retainer_hours": 0.0})
            fee_line = period.order_id.retainer_line_id
            if fee_line and fee_line.qty_delivered >= 1:
                fee_line.qty_delivered = fee_line.qty_delivered - 1
            client = period.order_id.partner_id.commercial_partner_id
            before = fields.Date.subtract(period.date_from, days=1)
            if client.billing_last_period_end and client.billing_last_period_end > before:
                # sudo: Billed Up To follows the periods given back (the rules' own write).
                client.sudo().billing_last_period_end = before
            period.order_id._message_log(body=_(
                "Retainer period %(period)s given back (%(why)s): its fee (%(fee)s) and "
                "%(hours)s h are billed again by the next billing run; %(client)s is billed "
                "up to %(day)s.",
                period=period.display_name,
                why=whys.get(period.id) or _("its invoice was cancelled"),
                fee=period.fee, hours=format(period.used_hours, ".2f"),
                client=client.name, day=client.billing_last_period_end or "-"))
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
