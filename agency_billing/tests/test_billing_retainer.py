from datetime import date

from odoo.tests import TransactionCase, tagged

from ..lib.retainer import allocate, settle
from .billing_common import AgencyBillingRunCase


@tagged("post_install", "-at_install")
class TestRetainerFunctions(TransactionCase):
    """Retainer arithmetic on its own."""

    def test_settle(self):
        s = settle(10, 0, 6, "rollover", cap=5)
        self.assertEqual((s.available, s.covered, s.overage, s.carried_out, s.expired),
                         (10, 6, 0, 4, 0))
        s = settle(10, 4, 20, "rollover", cap=5)
        self.assertEqual((s.available, s.covered, s.overage, s.carried_out, s.expired),
                         (14, 14, 6, 0, 0))
        s = settle(10, 0, 2, "rollover", cap=5)
        self.assertEqual((s.carried_out, s.expired), (5, 3))
        s = settle(10, 3, 2, "expire")
        self.assertEqual((s.carried_out, s.expired), (0, 11))
        s = settle(10, 0, 2, "rollover", cap=0)
        self.assertEqual((s.carried_out, s.expired), (8, 0), "0 is no cap")
        with self.assertRaises(ValueError):
            settle(10, 0, -1)
        with self.assertRaises(ValueError):
            settle(10, 0, 1, "forever")

    def test_allocate_in_order(self):
        self.assertEqual(allocate([8, 8, 4], 14), [8, 6, 0])
        self.assertEqual(allocate([0.25, 0.5], 10), [0.25, 0.5])
        self.assertEqual(allocate([2, 3], 0), [0, 0])


@tagged("post_install", "-at_install")
class TestRetainer(AgencyBillingRunCase):
    """A retainer of 1,000 a month for 10 hours; unused hours roll over up to 5; overage
    at the rules' rates (Creative Director 150/h)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fee_product = cls.env.ref("agency_billing.product_retainer_fee")
        cls.fee_line = cls._add_retainer(cls.order, 1000.0)
        cls.client.billing_last_period_end = date(2026, 2, 28)

    def _lines(self, invoice):
        return {line.product_id: (line.quantity, line.price_subtotal)
                for line in invoice.invoice_line_ids}

    def test_three_periods_rollover_cap_overage(self):
        self.assertEqual(self.fee_line.product_id, self.fee_product)
        self.assertEqual(self.order.agency_billing_models, "Time and materials, Retainer")
        creative = self.creative_line.product_id
        # March: 6 h of 10 used, 4 carried.
        march = [self._time(self.emp_cd, 4.0, day=date(2026, 3, 5)),
                 self._time(self.emp_cd, 2.0, day=date(2026, 3, 20))]
        self.assertEqual(self.order.retainer_balance_hours, 4.0)
        self.assertEqual(self.project.retainer_balance_hours, 4.0)
        inv1 = self._run_due(date(2026, 4, 1)).invoice_ids
        self.assertEqual(self._lines(inv1), {self.fee_product: (1.0, 1000.0)})
        self.assertEqual(inv1.amount_untaxed, 1000.0)
        p1 = inv1.retainer_period_ids
        self.assertEqual((p1.date_from, p1.date_to), (date(2026, 3, 1), date(2026, 3, 31)))
        self.assertEqual((p1.included_hours, p1.carried_in_hours, p1.used_hours,
                          p1.overage_hours, p1.carried_out_hours, p1.expired_hours),
                         (10.0, 0.0, 6.0, 0.0, 4.0, 0.0))
        for entry in march:
            self.assertEqual(entry.timesheet_invoice_id, inv1, "covered time invoiced once")
            self.assertEqual(entry.retainer_hours, entry.billed_unit_amount)
        self.assertEqual(self.order.retainer_balance_hours, 14.0, "10 included + 4 carried")

        # April: 20 h, 14 available: 6 h overage at 150.
        april = [self._time(self.emp_cd, 8.0, day=date(2026, 4, 5)),
                 self._time(self.emp_cd, 8.0, day=date(2026, 4, 12)),
                 self._time(self.emp_cd, 4.0, day=date(2026, 4, 20))]
        self.assertEqual(self.order.retainer_balance_hours, -6.0)
        inv2 = self._run_due(date(2026, 5, 1)).invoice_ids
        self.assertEqual(self._lines(inv2), {self.fee_product: (1.0, 1000.0),
                                             creative: (6.0, 900.0)})
        self.assertEqual(inv2.amount_untaxed, 1900.0)
        p2 = inv2.retainer_period_ids
        self.assertEqual((p2.carried_in_hours, p2.used_hours, p2.covered_hours,
                          p2.overage_hours, p2.carried_out_hours, p2.expired_hours),
                         (4.0, 20.0, 14.0, 6.0, 0.0, 0.0))
        self.assertEqual([e.retainer_hours for e in april], [8.0, 6.0, 0.0])
        self.assertEqual(set(inv2.timesheet_ids.ids), {e.id for e in april})

        # May: 2 h of 10; 8 unused, 5 carried (cap), 3 expire.
        self._time(self.emp_cd, 2.0, day=date(2026, 5, 7))
        inv3 = self._run_due(date(2026, 6, 1)).invoice_ids
        self.assertEqual(inv3.amount_untaxed, 1000.0)
        p3 = inv3.retainer_period_ids
        self.assertEqual((p3.carried_in_hours, p3.used_hours, p3.overage_hours,
                          p3.carried_out_hours, p3.expired_hours), (0.0, 2.0, 0.0, 5.0, 3.0))
        self.assertEqual(self.fee_line.qty_delivered, 3.0)
        self.assertEqual(self.fee_line.qty_invoiced, 3.0)
        self.assertEqual(self.order.retainer_balance_hours, 15.0)
        self._time(self.emp_cd, 1.0, day=date(2026, 6, 2))
        self.assertEqual(self.order.retainer_balance_hours, 14.0)
        self.assertEqual(self.project.retainer_balance_hours, 14.0)
        # The invoice prints the retainer.
        text = self._report_text(inv2)
        self.assertIn("Retainer", text)
        # Included, carried in, used, covered, overage, carried out, expired.
        self.assertIn("10.00 4.00 20.00 14.00 6.00 0.00 0.00", text)

    def test_expiring_retainer(self):
        self.order.retainer_rollover = "expire"
        self._time(self.emp_cd, 3.0, day=date(2026, 3, 5))
        inv = self._run_due(date(2026, 4, 1)).invoice_ids
        self.assertEqual((inv.retainer_period_ids.carried_out_hours,
                          inv.retainer_period_ids.expired_hours), (0.0, 7.0))
        self.assertEqual(self.order.retainer_balance_hours, 10.0)

    def test_period_settled_once_and_released_on_cancel(self):
        self._time(self.emp_cd, 12.0, day=date(2026, 3, 5))
        inv = self._run_due(date(2026, 4, 1)).invoice_ids
        self.assertEqual(inv.amount_untaxed, 1300.0)  # fee + 2 h x 150
        period = inv.retainer_period_ids
        self.assertFalse(self.order._agency_settle_retainer(date(2026, 3, 31)),
                         "a period is settled once")
        inv.button_cancel()
        self.assertFalse(period.exists())
        self.assertEqual(self.fee_line.qty_delivered, 0.0)
        entry = self.env["account.analytic.line"].search([("so_line.order_id", "=",
                                                          self.order.id)])
        self.assertEqual(entry.retainer_hours, 0.0)
        # Billed again, from scratch.
        self._start_client(date(2026, 2, 28))
        inv = self._run_due(date(2026, 4, 1)).invoice_ids
        self.assertEqual(inv.amount_untaxed, 1300.0)

    def test_run_now_leaves_retainer_to_cycle(self):
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 5))
        run = self._run_now(date(2026, 3, 20))
        self.assertEqual(run.line_ids.reason, "no_billable_time")
        self.assertIn("billed by the client's cycle", run.line_ids.message)
        self.assertFalse(self.order.retainer_period_ids)
