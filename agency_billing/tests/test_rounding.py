from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from ..lib.rounding import round_hours, round_minutes
from .common import AgencyBillingCase


@tagged("post_install", "-at_install")
class TestRoundingFunctions(TransactionCase):
    """The rounding arithmetic on its own."""

    def test_round_up(self):
        self.assertEqual(round_minutes(20, "up", 15), 30)
        self.assertEqual(round_minutes(15, "up", 15), 15)
        self.assertEqual(round_minutes(1, "up", 6), 6)
        self.assertEqual(round_hours(0.25, "up", 15), 0.25, "0.25 h is not 15.0000001 min")
        self.assertEqual(round_hours(0.1, "up", 6), 0.1)
        self.assertEqual(round_hours(1.01, "up", 30), 1.5)

    def test_round_nearest_half_up(self):
        self.assertEqual(round_minutes(22, "nearest", 15), 15)
        self.assertEqual(round_minutes(22.5, "nearest", 15), 30)
        self.assertEqual(round_minutes(23, "nearest", 15), 30)
        self.assertEqual(round_minutes(2, "nearest", 6), 0)
        self.assertEqual(round_minutes(3, "nearest", 6), 6)

    def test_minimum(self):
        self.assertEqual(round_minutes(2, "nearest", 6, minimum=15), 15)
        self.assertEqual(round_minutes(5, "none", 15, minimum=10), 10)
        self.assertEqual(round_minutes(40, "up", 15, minimum=30), 45)

    def test_zero_and_negative_untouched(self):
        self.assertEqual(round_minutes(0, "up", 15, minimum=15), 0)
        self.assertEqual(round_minutes(-20, "up", 15), -20)

    def test_bad_unit(self):
        with self.assertRaises(ValueError):
            round_minutes(10, "up", 0)


@tagged("post_install", "-at_install")
class TestRounding(AgencyBillingCase):
    """Billed time per client policy; raw time kept; invoices bill the billed time."""

    def test_client_rounds_up_invoice_bills_rounded_time(self):
        self.client.write({"time_rounding": "up", "time_rounding_unit": 15})
        self.env["agency.rate.rule"].create({"rate": 100.0, "job_id": self.job_designer.id})
        a = self._time(self.emp_designer, 20 / 60, task=self.task_design)       # 0:20 -> 0:30
        b = self._time(self.emp_designer, 1.0, task=self.task_design)           # 1:00 -> 1:00
        c = self._time(self.emp_designer, 61 / 60, task=self.task_design)       # 1:01 -> 1:15
        self.assertAlmostEqual(a.unit_amount, 20 / 60)
        self.assertEqual((a.billed_unit_amount, b.billed_unit_amount, c.billed_unit_amount),
                         (0.5, 1.0, 1.25))
        self.assertEqual(a.billed_amount, 50.0)
        invoice = self._invoice()
        line = invoice.invoice_line_ids.filtered(lambda x: x.price_unit == 100.0)
        self.assertEqual(line.quantity, 2.75)
        self.assertEqual(line.price_subtotal, 275.0)

    def test_nearest_with_minimum(self):
        self.client.write({"time_rounding": "nearest", "time_rounding_unit": 6,
                           "time_rounding_minimum": 15})
        short = self._time(self.emp_designer, 4 / 60, task=self.task_design)    # 0:04 -> 0:15
        odd = self._time(self.emp_designer, 50 / 60, task=self.task_design)     # 0:50 -> 0:48
        self.assertEqual(short.billed_unit_amount, 0.25)
        self.assertEqual(odd.billed_unit_amount, 0.8)

    def test_company_default_applies_without_client_policy(self):
        self.company.write({"agency_time_rounding": "up", "agency_time_rounding_unit": 30})
        entry = self._time(self.emp_designer, 0.6, task=self.task_design, day=date(2026, 3, 2))
        self.assertEqual(entry.billed_unit_amount, 1.0)
        self.client.time_rounding = "none"
        entry._agency_rerate()
        self.assertAlmostEqual(entry.billed_unit_amount, 0.6)

    def test_policy_change_rerates_open_entries(self):
        entry = self._time(self.emp_designer, 0.3, task=self.task_design)
        self.assertAlmostEqual(entry.billed_unit_amount, 0.3)
        self.client.write({"time_rounding": "up", "time_rounding_unit": 15})
        self.assertTrue(entry.agency_rerate_needed)
        self.env["account.analytic.line"]._cron_agency_rerate()
        self.assertEqual(entry.billed_unit_amount, 0.5)

    def test_zero_unit_is_refused(self):
        with self.assertRefused(ValidationError, "positive number of minutes"):
            self.client.write({"time_rounding": "up", "time_rounding_unit": 0})
        with self.assertRefused(ValidationError, "positive number of minutes"):
            self.company.write({"agency_time_rounding": "nearest", "agency_time_rounding_unit": 0})
