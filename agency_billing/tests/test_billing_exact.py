from datetime import date

from odoo.tests import tagged

from .billing_common import AgencyBillingRunCase

APRIL = date(2026, 4, 1)


@tagged("post_install", "-at_install")
class TestExactBilling(AgencyBillingRunCase):
    """Rounding units 0.01 h cannot represent, and discounted contracts: the invoice is
    exact, and the time annex adds up to it. Creative Director 150/h."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.write({"billing_last_period_end": date(2026, 2, 28),
                          "time_rounding": "up", "invoice_detail_level": "annex"})

    def _entries(self, count, minutes, unit):
        """``count`` entries of ``minutes`` each, rounded up to ``unit`` minutes."""
        self.client.time_rounding_unit = unit
        return self.env["account.analytic.line"].union(*(
            self._time(self.emp_cd, minutes / 60, day=date(2026, 3, 2 + index))
            for index in range(count)))

    def _bill(self):
        invoice = self._run_due(APRIL).invoice_ids
        self.assertEqual(len(invoice.invoice_line_ids), 1)
        return invoice, invoice.invoice_line_ids

    def assertAnnexMatches(self, invoice):
        data = invoice._agency_report_data()
        self.assertEqual(round(data["totals"]["amount"], 2), invoice.amount_untaxed)
        self.assertEqual(round(sum(row["amount"] for row in data["rows"]), 2),
                         invoice.amount_untaxed)

    def test_twenty_minutes_three_times_is_one_hour(self):
        entries = self._entries(3, 15, 20)
        self.assertEqual(entries.mapped("billed_unit_amount"), [0.333333] * 3)
        self.assertEqual(entries.mapped("billed_amount"), [50.0] * 3)
        invoice, line = self._bill()
        self.assertEqual((line.quantity, line.price_subtotal), (1.0, 150.0))
        self.assertEqual(invoice.amount_untaxed, 150.0)
        self.assertAnnexMatches(invoice)

    def test_ten_minutes_six_and_seven_times(self):
        self._entries(6, 7, 10)
        invoice, line = self._bill()
        self.assertEqual((line.quantity, line.price_subtotal), (1.0, 150.0))
        invoice.button_cancel()
        self._start_client(date(2026, 2, 28))
        self._time(self.emp_cd, 9 / 60, day=date(2026, 3, 20))
        invoice, line = self._bill()
        # 70 minutes: the line rounds its total once, to 1.17 h (not 7 x 0.17 = 1.19 h).
        self.assertEqual((line.quantity, line.price_subtotal), (1.17, 175.5))
        self.assertAnnexMatches(invoice)

    def test_five_minutes_twelve_times(self):
        entries = self._entries(12, 3, 5)
        self.assertEqual(entries[0].billed_unit_amount, 0.083333)
        invoice, line = self._bill()
        self.assertEqual((line.quantity, line.price_subtotal), (1.0, 150.0))
        self.assertAnnexMatches(invoice)

    def test_discounted_contract_annex_equals_invoice(self):
        """The contract sells creative hours at 150 with 10% off: billed amounts, scope
        burn, the annex and a change request follow the discount."""
        self.creative_line.discount = 10.0
        scope = self.env["agency.scope.line"].create({
            "project_id": self.project.id, "service_type_id": self.st_creative.id,
            "budget_hours": 40.0, "budget_amount": 6000.0,
        })
        entries = self._entries(7, 10, 10)
        self.assertEqual(entries.so_line, self.creative_line)
        self.assertEqual(entries[0].billing_discount, 10.0)
        self.assertEqual(entries[0].billed_amount, 22.5, "1/6 h x 150 less 10%")
        self.assertEqual(scope.burn_amount, 157.5)
        invoice, line = self._bill()
        self.assertEqual((line.quantity, line.discount, line.price_subtotal),
                         (1.17, 10.0, 157.95))
        self.assertEqual(invoice.amount_untaxed, 157.95)
        data = invoice._agency_report_data()
        self.assertEqual([row["rate"] for row in data["rows"]], [135.0] * 7)
        self.assertEqual([row["amount"] for row in data["rows"]],
                         [22.57, 22.57, 22.57, 22.56, 22.56, 22.56, 22.56])
        self.assertAnnexMatches(invoice)
        text = self._report_text(invoice)
        self.assertIn("$ 135.00 $ 22.57", text)
        self.assertIn("$ 157.95", text)

    def test_change_request_keeps_the_contract_discount(self):
        self.creative_line.discount = 10.0
        self.client.time_rounding = "none"
        scope = self.env["agency.scope.line"].create({
            "project_id": self.project.id, "service_type_id": self.st_creative.id,
            "budget_hours": 1.0,
        })
        self.client.agency_over_scope_policy = "held"
        self._time(self.emp_cd, 1.0, day=date(2026, 3, 2))
        held = self._time(self.emp_cd, 2.0, day=date(2026, 3, 3))
        self.assertTrue(held.billing_hold)
        order = scope._agency_create_change_request(2.0)
        line = order.order_line.filtered("product_id")
        self.assertEqual((line.product_uom_qty, line.price_unit, line.discount),
                         (2.0, 150.0, 10.0))
        self.assertEqual(order.amount_untaxed, 270.0)
