from datetime import date

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .billing_common import AgencyBillingRunCase

APRIL, MAY, JUNE = date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)


@tagged("post_install", "-at_install")
class TestCreditNotes(AgencyBillingRunCase):
    """Odoo's credit notes give back to billing exactly what they credit: the next run
    bills it once more, and only it. Creative Director 150/h, Designer 120/h."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.billing_last_period_end = date(2026, 2, 28)
        cls.milestone_product = cls.env["product.product"].create({
            "name": "Campaign launch milestone", "type": "service",
            "service_type": "milestones", "invoice_policy": "delivery",
            "list_price": 1000.0,
        })

    def _march(self):
        """March: 2 h creative (two entries) and 3 h design (2 h + 1 h); the April run's
        invoice (660.00), posted."""
        self.creative = (self._time(self.emp_cd, 1.0, day=date(2026, 3, 3))
                         | self._time(self.emp_cd, 1.0, day=date(2026, 3, 4)))
        self.design = (self._time(self.emp_designer, 2.0, day=date(2026, 3, 5),
                                  task=self.task_design)
                       | self._time(self.emp_designer, 1.0, day=date(2026, 3, 6),
                                    task=self.task_design))
        invoice = self._run_due(APRIL).invoice_ids
        self.assertEqual(invoice.amount_untaxed, 660.0)
        return self._post(invoice, APRIL)

    def _credit(self, invoice, keep=None, quantities=None, modify=False):
        """Odoo's Credit Note on ``invoice``; ``keep``: credit only the lines of these sale
        lines; ``quantities``: {sale line: quantity credited}."""
        wizard = self.env["account.move.reversal"].with_context(
            active_model="account.move", active_ids=invoice.ids).create({
                "reason": "Client dispute", "journal_id": invoice.journal_id.id,
                "date": invoice.invoice_date,
            })
        action = wizard.reverse_moves(is_modify=modify)
        if modify:
            return self.env["account.move"].browse(action["res_id"])
        refund = self.env["account.move"].browse(action["res_id"])
        changes = []
        for line in refund.invoice_line_ids:
            if keep is not None and not line.sale_line_ids & keep:
                changes.append(Command.unlink(line.id))
            elif quantities and line.sale_line_ids in quantities:
                changes.append(Command.update(line.id,
                                              {"quantity": quantities[line.sale_line_ids]}))
        if changes:
            refund.write({"invoice_line_ids": changes})
        refund.action_post()
        return refund

    def test_full_credit_note_rebills_time_and_milestone_once(self):
        milestone_line = self.env["sale.order.line"].create({
            "order_id": self.order.id, "product_id": self.milestone_product.id,
            "product_uom_qty": 1, "price_unit": 1000.0,
        })
        milestone = self.env["project.milestone"].create({
            "name": "Launch", "project_id": self.project.id, "sale_line_id": milestone_line.id,
            "quantity_percentage": 0.5, "is_reached": True,
        })
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 3))
        self._time(self.emp_designer, 3.0, day=date(2026, 3, 5), task=self.task_design)
        invoice = self._post(self._run_due(APRIL).invoice_ids, APRIL)
        self.assertEqual(invoice.amount_untaxed, 1160.0)  # 300 + 360 + 50% of 1,000
        self.assertEqual(milestone.agency_invoice_id, invoice)
        entries = invoice.timesheet_ids

        refund = self._credit(invoice)
        self.assertEqual(refund.amount_untaxed, 1160.0)
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(entries.agency_credit_note_id, refund)
        self.assertTrue(all(entry._is_not_billed() for entry in entries))
        self.assertFalse(milestone.agency_invoice_id, "the milestone is billable again")
        self.assertIn("gives back to billing: 2 time entries (5.00 h), milestone Launch",
                      invoice.message_ids[0].body)
        # The reversed invoice leaves the client's trailing averages.
        self.assertNotIn(invoice.id, [row[0] for row in self.env["account.move"].browse(
            refund.id)._agency_trailing_invoices().get(self.client.id, [])])

        self._time(self.emp_cd, 1.0, day=date(2026, 4, 7))
        again = self._run_due(MAY).invoice_ids
        self.assertEqual(again.amount_untaxed, 1310.0, "1,160 again + April's 150")
        self.assertEqual(self._line_amounts(again), {
            (self.creative_line.product_id, 150.0): (3.0, 450.0),
            (self.design_line.product_id, 120.0): (3.0, 360.0),
            (self.milestone_product, 1000.0): (0.5, 500.0),
        })
        self.assertEqual(entries.timesheet_invoice_id, again)
        self.assertFalse(entries.agency_credit_note_id, "billed again: the mark is gone")
        self.assertEqual(milestone.agency_invoice_id, again)
        self._post(again, MAY)
        self.assertFalse(self._run_due(JUNE).invoice_ids, "exactly once")
        self.assertFalse(self._run_now(JUNE).invoice_ids)

    def test_full_credit_note_of_a_retainer_invoice_rebills_the_period_once(self):
        fee_line = self._add_retainer(self.order, 1000.0)
        self._time(self.emp_cd, 8.0, day=date(2026, 3, 5))
        self._time(self.emp_cd, 4.0, day=date(2026, 3, 20))
        march = self._post(self._run_due(APRIL).invoice_ids, APRIL)
        self.assertEqual(march.amount_untaxed, 1300.0, "fee + 2 h overage at 150")
        self._time(self.emp_cd, 3.0, day=date(2026, 4, 8))
        april = self._post(self._run_due(MAY).invoice_ids, MAY)
        self.assertEqual(april.amount_untaxed, 1000.0)
        # Crediting March first is refused: April took its carry-in from March.
        with self.assertRefused(UserError, "latest first"):
            self._credit(march)
        self._credit(april)
        self._credit(march)
        self.assertFalse(self.order.retainer_period_ids)
        self.assertEqual(self.client.billing_last_period_end, date(2026, 2, 28))
        self.assertEqual(fee_line.qty_delivered, 0.0)
        # The next runs bill March and April again, exactly as before, once each.
        again = self._run_due(JUNE).invoice_ids
        self.assertEqual(again.amount_untaxed, 1300.0)
        self.assertEqual(again.retainer_period_ids.date_to, date(2026, 3, 31))
        again_april = self._run_due(JUNE).invoice_ids
        self.assertEqual(again_april.amount_untaxed, 1000.0)
        self.assertEqual(again_april.retainer_period_ids.carried_in_hours, 0.0)
        self._run_due(JUNE)  # May: nothing recorded, the fee only
        self.assertEqual(fee_line.qty_delivered, fee_line.qty_invoiced)
        self.assertEqual(fee_line.qty_invoiced, 3.0, "March, April, May once each")
        self.assertFalse(self._run_due(JUNE), "nothing more is due")

    def test_partial_credit_note_gives_back_only_what_it_credits(self):
        invoice = self._march()
        refund = self._credit(invoice, keep=self.design_line)
        self.assertEqual(refund.amount_untaxed, 360.0)
        self.assertEqual(self.design.agency_credit_note_id, refund)
        self.assertFalse(self.creative.agency_credit_note_id)
        self.assertEqual(self.creative.timesheet_invoice_id, invoice)
        # May: the credited design time again, plus April's new hour; not the creative
        # hours the credit note left invoiced.
        self._time(self.emp_cd, 1.0, day=date(2026, 4, 7))
        may = self._run_due(MAY).invoice_ids
        self.assertEqual(self._line_amounts(may), {
            (self.creative_line.product_id, 150.0): (1.0, 150.0),
            (self.design_line.product_id, 120.0): (3.0, 360.0),
        })
        self.assertEqual(may.amount_untaxed, 510.0)
        self.assertEqual(self.design.timesheet_invoice_id, may)
        self._post(may, MAY)
        # June, July: nothing new, nothing billed (the uncredited hours stay billed once).
        self.assertFalse(self._run_due(JUNE).invoice_ids)
        self.assertFalse(self._run_due(date(2026, 7, 1)).invoice_ids)
        self.assertEqual(self.creative_line.qty_invoiced, 3.0)
        self.assertEqual(self.design_line.qty_invoiced, 3.0)

    def test_partial_quantity_gives_back_whole_latest_entries(self):
        invoice = self._march()
        refund = self._credit(invoice, keep=self.design_line,
                              quantities={self.design_line: 1.5})
        self.assertEqual(refund.amount_untaxed, 180.0)
        latest = self.design.sorted("date")[-1]
        self.assertEqual(self.design.filtered("agency_credit_note_id"), latest,
                         "1.5 h credited: the latest 1 h entry comes back")
        self.assertIn("price adjustment", invoice.message_ids[0].body)
        self.assertIn("0.50", invoice.message_ids[0].body)
        may = self._run_due(MAY).invoice_ids
        self.assertEqual(may.amount_untaxed, 120.0)

    def test_reverse_and_create_invoice_hands_over_to_the_new_draft(self):
        invoice = self._march()
        new = self._credit(invoice, modify=True)
        self.assertEqual(new.state, "draft")
        self.assertEqual(new.amount_untaxed, 660.0)
        self.assertEqual((self.creative | self.design).timesheet_invoice_id, new)
        self.assertEqual(new.billing_period_end, date(2026, 3, 31))
        self.assertFalse(self._run_due(MAY).invoice_ids, "the new draft bills it, not a run")

    def test_credit_note_reset_after_rebilling_is_refused(self):
        invoice = self._march()
        refund = self._credit(invoice, keep=self.design_line)
        refund.button_draft()  # nothing billed again yet: the time is invoiced again
        self.assertFalse(self.design.agency_credit_note_id)
        self.assertEqual(self.design.timesheet_invoice_id, invoice)
        refund.action_post()
        self.assertEqual(self.design.agency_credit_note_id, refund)
        self._run_due(MAY)
        with self.assertRefused(UserError, "cannot be reset to draft or cancelled"):
            refund.button_draft()
