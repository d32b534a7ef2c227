from datetime import date, timedelta

from odoo.tests import tagged

from .billing_common import AgencyBillingRunCase

# Eleven weeks of odd durations (raw hours, no rounding policy): 14.7675 h in all.
WEEKLY_HOURS = (0.5466, 1.2854, 2.0175, 0.3333, 1.4449, 0.8125, 2.3051, 1.1667, 0.9999,
                1.6255, 2.2301)
FIRST_MONDAY = date(2026, 1, 5)


@tagged("post_install", "-at_install")
class TestRepeatedInvoices(AgencyBillingRunCase):
    """A line invoiced week after week bills its delivered hours rounded once: each
    invoice bills the rounded cumulative delivered time less what was already invoiced,
    so rounding never accumulates (0.5466 h + 1.2854 h is 1.83 h, not 0.55 + 1.29)."""

    def test_eleven_weekly_invoices_bill_delivered_hours_rounded_once(self):
        self.client.write({"billing_cycle": "weekly", "billing_weekday": "0",
                           "time_rounding": "none"})
        self._start_client(FIRST_MONDAY - timedelta(days=1))
        entries = self.env["account.analytic.line"]
        for week, hours in enumerate(WEEKLY_HOURS):
            entries |= self._time(self.emp_designer, hours,
                                  day=FIRST_MONDAY + timedelta(weeks=week, days=2))
        self.assertEqual(self.creative_line.price_unit, 120.0)
        invoices = self.env["account.move"]
        for week in range(len(WEEKLY_HOURS)):
            run = self._run_due(FIRST_MONDAY + timedelta(weeks=week + 1))
            self.assertEqual(run.line_ids.mapped("outcome"), ["invoiced"], f"week {week + 1}")
            invoices |= run.invoice_ids
        self.assertEqual(len(invoices), 11)
        lines = invoices.invoice_line_ids.filtered(
            lambda line: self.creative_line in line.sale_line_ids)
        self.assertEqual(len(lines), 11)
        # Each week bills round(cumulative) - round(cumulative before): never a cent of
        # time more than was delivered.
        quantities = [line.quantity for line in lines.sorted(lambda line: line.move_id.id)]
        self.assertEqual(quantities, [0.55, 1.28, 2.02, 0.33, 1.45, 0.81, 2.31, 1.16, 1.0,
                                      1.63, 2.23])
        self.assertAlmostEqual(sum(quantities), 14.77, places=9)
        self.assertAlmostEqual(self.creative_line.qty_delivered, 14.77, places=9)
        self.assertAlmostEqual(self.creative_line.qty_invoiced, 14.77, places=9)
        self.assertAlmostEqual(self.creative_line.qty_to_invoice, 0.0, places=9)
        # Money: 14.77 h × 120.00 = 1,772.40, to the cent, over the eleven invoices.
        self.assertAlmostEqual(sum(invoices.mapped("amount_untaxed")), 1772.40, places=9)
        self.assertTrue(all(entries.mapped("timesheet_invoice_id")))
