"""Customer invoices: what a credit note gives back to billing.

Odoo's credit note (``Credit Note`` on an invoice: a refund whose ``reversed_entry_id``
is the invoice) lowers the invoiced quantity of the sale lines it credits. When it is
posted, Agency Billing gives back to billing exactly what it credits, so the next
billing run bills it once more:

* time: whole entries of the credited invoice on each credited time line
  (:func:`..lib.credit.given_back`: all of them for a whole line, else the latest ones
  within the hours credited). They are marked ``agency_credit_note_id`` and are open
  again (``account.analytic.line._agency_not_invoiced_domain``); the entries of lines
  it does not credit stay invoiced;
* the retainer period whose fee line it credits in full: given back like a cancelled
  invoice's (latest period first, the client's *Billed Up To* moves back);
* the milestones whose line it credits in full.

*Reverse and Create Invoice* (Odoo's "modify") hands all of it to the new draft instead:
its time, periods and milestones are billed by the new invoice, not by the next run.

A credit note that gave a retainer period or a milestone back, or whose time was billed
again, cannot be reset to draft or cancelled (the new invoice would bill it twice).
"""

from collections import defaultdict

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..lib import credit


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountMoveCredit(models.Model):
    _inherit = "account.move"

    agency_credit_released = fields.Boolean(
        copy=False, readonly=True,
        help="This credit note gave a retainer period or a milestone back to billing.",
    )
    agency_credit_entry_count = fields.Integer(
        copy=False, readonly=True,
        help="Time entries this credit note gave back to billing.",
    )

    def _agency_credit_plans_to_post(self):
        """Step of ``_post`` (see the model's main file), before Odoo posts: what the
        credit notes of invoices among these drafts give back (refused, with the reason,
        when it cannot be given back consistently). None under *Reverse and Create
        Invoice*, which hands it to the new draft (context ``agency_credit_transfer``)."""
        if self.env.context.get("agency_credit_transfer"):
            return []
        return self.filtered(
            lambda m: m.move_type == "out_refund" and m.reversed_entry_id
            and m.reversed_entry_id.move_type == "out_invoice" and m.state == "draft"
        )._agency_credit_plans()

    def _agency_apply_credit_plans(self, plans, posted):
        """Step of ``_post`` (see the model's main file), after Odoo posted ``posted``:
        the credit notes posted give back what their plans say."""
        for plan in plans:
            if plan["refund"] in posted:
                self._agency_apply_credit(plan)

    def button_draft(self):
        self.filtered(lambda m: m.move_type == "out_refund" and m.state == "posted"
                      )._agency_undo_credit()
        return super().button_draft()

    # ------------------------------------------------------------------
    # What a credit note gives back
    # ------------------------------------------------------------------

    def _agency_credit_plans(self):
        """What each of these credit notes gives back (hook); refuses, with the reason,
        what cannot be given back consistently.

        :return: [{"refund", "invoice", "entries", "periods", "milestones", "leftover"}]
        """
        plans = []
        # sudo: a credit note posted (access checked by Odoo) gives back what it credits.
        for refund in self.sudo():
            invoice = refund.reversed_entry_id
            credited = refund._agency_quantities()
            if not credited:
                continue
            billed = invoice._agency_quantities()
            full = {sol for sol, qty in credited.items()
                    if credit.is_full(qty, billed.get(sol, 0.0))}
            entries, leftover = invoice._agency_credited_entries(credited, billed)
            periods = invoice.retainer_period_ids.filtered(
                lambda p, f=full: p.order_id.retainer_line_id in f)
            partial_fees = invoice.retainer_period_ids.order_id.retainer_line_id.filtered(
                lambda sol, f=full, c=credited: sol in c and sol not in f)
            if partial_fees:
                raise UserError(_(
                    "Credit note %(refund)s credits part of the retainer fee %(fee)s: credit "
                    "its whole quantity to give the period back to billing, or lower its "
                    "price instead of its quantity.",
                    refund=refund.display_name, fee=", ".join(partial_fees.mapped("name"))))
            if periods:
                periods._agency_check_release()
                entries |= invoice._agency_period_entries(periods, full)
            milestones = invoice.billing_milestone_ids.filtered(
                lambda m, f=full: m.sale_line_id in f)
            plans.append({"refund": refund, "invoice": invoice, "entries": entries,
                          "periods": periods, "milestones": milestones,
                          "leftover": leftover})
        return plans

    def _agency_quantities(self):
        """{sale line: quantity in the sale line's unit} of this invoice's product lines."""
        self.ensure_one()
        quantities = defaultdict(float)
        for line in self.invoice_line_ids.filtered(lambda aml: aml.display_type == "product"):
            for sol in line.sale_line_ids:
                quantities[sol] += line.product_uom_id._compute_quantity(
                    line.quantity, sol.product_uom, round=False) \
                    if line.product_uom_id and sol.product_uom else line.quantity
        return quantities

    def _agency_credited_entries(self, credited, billed):
        """(entries given back, {sale line: hours credited beyond whole entries}) of this
        invoice's time for the credited quantities per sale line."""
        self.ensure_one()
        # sudo: the same, over the credited invoice's time.
        Entry = self.env["account.analytic.line"].sudo()
        open_entries = self.timesheet_ids.filtered(lambda e: not e.agency_credit_note_id)
        given, leftover = Entry.browse(), {}
        for sol, quantity in credited.items():
            if not sol.product_id._is_delivered_timesheet():
                continue
            line_entries = open_entries.filtered(lambda e, s=sol: e.so_line == s).sorted(
                lambda e: (e.date, e.id))
            weights = [(entry.id, entry._agency_uncovered_quantity(sol))
                       for entry in line_entries]
            weights = [(key, hours) for key, hours in weights if hours > 0]
            keys = credit.given_back(quantity, billed.get(sol, 0.0), weights)
            back = Entry.browse(keys)
            given |= back
            rest = quantity - sum(hours for key, hours in weights if key in keys)
            if rest > credit.TOLERANCE:
                leftover[sol] = rest
        return given, leftover

    def _agency_period_entries(self, periods, full):
        """Entries of retainer periods given back: the time they covered comes back too.
        An entry the retainer covered in part is also billed on a time line: that line
        must be credited in full, else the credit is refused (its time would be billed
        twice)."""
        self.ensure_one()
        entries = periods.entry_ids.filtered(lambda e: e.timesheet_invoice_id == self
                                             and not e.agency_credit_note_id)
        split = entries.filtered(
            lambda e: e.retainer_hours and e._agency_uncovered_quantity(e.so_line) > 0
            and e.so_line not in full)
        if split:
            raise UserError(_(
                "Crediting the retainer fee gives the period %(period)s back, and with it the "
                "time it covered; part of that time is billed on %(lines)s, which this credit "
                "note does not credit in full. Credit those lines too (or credit the whole "
                "invoice).",
                period=", ".join(periods.mapped("display_name")),
                lines=", ".join(split.so_line.mapped("name"))))
        return entries

    def _agency_apply_credit(self, plan):
        """Give back what a posted credit note credits, and say so on both documents."""
        refund, invoice = plan["refund"], plan["invoice"]
        entries, periods, milestones = plan["entries"], plan["periods"], plan["milestones"]
        period_names = periods.mapped("display_name")
        if entries:
            entries.write({"agency_credit_note_id": refund.id})
        if periods:
            name = refund._agency_label()
            periods._release({period.id: self.env._("credited by %s", name)
                              for period in periods})
        if milestones:
            # sudo: a milestone's invoice link is set and cleared by billing only.
            milestones.sudo().write({"agency_invoice_id": False})
        # sudo: what a credit note gave back is recorded by crediting only (fields people
        # do not edit); the credit note's posting was checked by Odoo.
        refund.sudo().write({"agency_credit_entry_count": len(entries),
                             "agency_credit_released": bool(periods or milestones)})
        parts = []
        if entries:
            parts.append(_("%(count)s time entries (%(hours)s h)", count=len(entries),
                           hours=format(sum(entries.mapped('billed_unit_amount')), ".2f")))
        env = self.env
        parts += [env._("retainer period %s", name) for name in period_names]
        parts += [env._("milestone %s", name) for name in milestones.mapped("name")]
        if parts:
            body = _("Credit note %(refund)s gives back to billing: %(what)s. The next "
                     "billing run bills them again.",
                     refund=refund.display_name, what=", ".join(parts))
        else:
            body = _("Credit note %s gives nothing back to billing (it credits no whole "
                     "time entry, retainer fee or milestone).", refund.display_name)
        if plan["leftover"]:
            leftover = ", ".join(f"{sol.name}: {hours:.2f}"
                                 for sol, hours in plan["leftover"].items())
            body += " " + _(
                "Credited beyond whole time entries (a price adjustment; that time stays "
                "invoiced): %s.", leftover)
        (invoice | refund)._message_log_batch(bodies={invoice.id: body, refund.id: body})

    def _agency_undo_credit(self):
        """Reset to draft (or cancel) a posted credit note: the time it gave back is
        invoiced again, unless something it gave back was billed again since."""
        # sudo: undoing a credit note (access checked by Odoo) bills its time again.
        Entry = self.env["account.analytic.line"].sudo()
        for refund in self.sudo():
            if not (refund.agency_credit_entry_count or refund.agency_credit_released):
                continue
            entries = Entry.search([("agency_credit_note_id", "=", refund.id)])
            if refund.agency_credit_released or len(entries) < refund.agency_credit_entry_count:
                raise UserError(_(
                    "Credit note %s gave time, a retainer period or a milestone back to "
                    "billing, and some of it was settled or billed again since: it cannot be "
                    "reset to draft or cancelled. Draft a new invoice instead.",
                    refund.display_name))
            entries.write({"agency_credit_note_id": False})
            refund.agency_credit_entry_count = 0

    # ------------------------------------------------------------------
    # Reverse and Create Invoice: the new draft takes over
    # ------------------------------------------------------------------

    def _agency_transfer_billing(self, new_move):
        """Odoo's *Reverse and Create Invoice* replaced this invoice by ``new_move``: the
        new draft bills its time, retainer periods and milestones (not the next run)."""
        self.ensure_one()
        # sudo: Odoo's Reverse and Create Invoice (access checked by Odoo) moves the billing to
        # the new draft.
        self.sudo().timesheet_ids.write({"timesheet_invoice_id": new_move.id})
        self.sudo().retainer_period_ids.write({"invoice_id": new_move.id})
        self.sudo().billing_milestone_ids.write({"agency_invoice_id": new_move.id})
        # sudo: the review queue's fields are set by Agency Billing only (see above).
        new_move.sudo().write({
            "billing_period_start": self.billing_period_start,
            "billing_period_end": self.billing_period_end,
            "billing_run_id": self.billing_run_id.id,
            "billing_trigger": self.billing_trigger,
            "review_state": "to_review" if self.review_state else False,
        })
