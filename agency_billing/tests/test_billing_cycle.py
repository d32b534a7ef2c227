from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from ..lib.billing_cycle import (
    Cycle,
    due_periods,
    first_billing_date,
    next_billing_date,
    period,
)
from .billing_common import AgencyBillingRunCase


@tagged("post_install", "-at_install")
class TestBillingCycleFunctions(TransactionCase):
    """Billing dates and periods of each cycle, on their own (2026-03-02 is a Monday)."""

    def test_weekly(self):
        monday = Cycle("weekly", weekday=0)
        self.assertEqual(next_billing_date(monday, date(2026, 3, 10)), date(2026, 3, 16))
        self.assertEqual(next_billing_date(monday, date(2026, 3, 16)), date(2026, 3, 23))
        self.assertEqual(first_billing_date(monday, date(2026, 3, 16)), date(2026, 3, 16))
        self.assertEqual(period(monday, date(2026, 3, 16)), (date(2026, 3, 9), date(2026, 3, 15)))
        friday = Cycle("weekly", weekday=4)
        self.assertEqual(next_billing_date(friday, date(2026, 3, 16)), date(2026, 3, 20))

    def test_every_two_weeks(self):
        # Default anchor: the first Friday on or after 2024-01-01, then every 14 days.
        friday = Cycle("biweekly", weekday=4)
        self.assertEqual(friday.biweekly_anchor(), date(2024, 1, 5))
        self.assertEqual(next_billing_date(friday, date(2026, 3, 10)), date(2026, 3, 13))
        self.assertEqual(next_billing_date(friday, date(2026, 3, 13)), date(2026, 3, 27))
        anchored = Cycle("biweekly", anchor=date(2026, 3, 4))
        self.assertEqual(next_billing_date(anchored, date(2026, 3, 1)), date(2026, 3, 4))
        self.assertEqual(next_billing_date(anchored, date(2026, 3, 4)), date(2026, 3, 18))
        self.assertEqual(next_billing_date(anchored, date(2026, 2, 25)), date(2026, 3, 4))
        self.assertEqual(period(anchored, date(2026, 3, 18)),
                         (date(2026, 3, 4), date(2026, 3, 17)))

    def test_monthly(self):
        first = Cycle("monthly", month_day=1)
        self.assertEqual(next_billing_date(first, date(2026, 3, 10)), date(2026, 4, 1))
        self.assertEqual(next_billing_date(first, date(2026, 12, 1)), date(2027, 1, 1))
        self.assertEqual(period(first, date(2026, 4, 1)), (date(2026, 3, 1), date(2026, 3, 31)))
        self.assertEqual(period(first, date(2026, 3, 1)), (date(2026, 2, 1), date(2026, 2, 28)))
        fifteenth = Cycle("monthly", month_day=15)
        self.assertEqual(next_billing_date(fifteenth, date(2026, 1, 31)), date(2026, 2, 15))
        self.assertEqual(first_billing_date(fifteenth, date(2026, 3, 15)), date(2026, 3, 15))
        self.assertEqual(period(fifteenth, date(2026, 3, 15)),
                         (date(2026, 2, 15), date(2026, 3, 14)))

    def test_milestone_and_manual_have_no_dates(self):
        for kind in ("milestone", "manual"):
            cycle = Cycle(kind)
            self.assertIsNone(next_billing_date(cycle, date(2026, 3, 10)))
            self.assertEqual(due_periods(cycle, None, date(2026, 3, 10)), [])
            with self.assertRaises(ValueError):
                period(cycle, date(2026, 3, 10))

    def test_missed_periods_are_listed_oldest_first(self):
        weekly = Cycle("weekly")
        self.assertEqual(due_periods(weekly, date(2026, 3, 2), date(2026, 3, 17)), [
            (date(2026, 3, 2), date(2026, 2, 23), date(2026, 3, 1)),
            (date(2026, 3, 9), date(2026, 3, 2), date(2026, 3, 8)),
            (date(2026, 3, 16), date(2026, 3, 9), date(2026, 3, 15)),
        ])

    def test_bad_cycles_refused(self):
        with self.assertRaises(ValueError):
            Cycle("yearly")
        with self.assertRaises(ValueError):
            Cycle("monthly", month_day=31)
        with self.assertRaises(ValueError):
            Cycle("weekly", weekday=7)


@tagged("post_install", "-at_install")
class TestClientBillingDates(AgencyBillingRunCase):
    """Each client's next billing date, and billing runs invoicing exactly its periods."""

    def test_next_date_per_cycle(self):
        client = self.client.with_context(agency_billing_today=date(2026, 3, 10))
        client.write({"billing_cycle": "weekly", "billing_weekday": "0",
                      "billing_last_period_end": date(2026, 3, 8)})
        self.assertEqual(client.billing_next_date, date(2026, 3, 16))
        client.write({"billing_cycle": "biweekly", "billing_weekday": "4"})
        self.assertEqual(client.billing_next_date, date(2026, 3, 13))
        client.write({"billing_cycle": "biweekly", "billing_anchor_date": date(2026, 3, 4)})
        self.assertEqual(client.billing_next_date, date(2026, 3, 18))
        client.write({"billing_cycle": "monthly", "billing_month_day": 15})
        self.assertEqual(client.billing_next_date, date(2026, 3, 15))
        client.write({"billing_cycle": "milestone"})
        self.assertFalse(client.billing_next_date)
        client.write({"billing_cycle": "manual"})
        self.assertFalse(client.billing_next_date)
        client.write({"billing_cycle": "monthly", "billing_automation": False})
        self.assertFalse(client.billing_next_date, "the pilot switch is off")

    def test_month_day_checked(self):
        with self.assertRefused(ValidationError, "between 1 and 28"):
            self.client.billing_month_day = 30

    def test_company_defaults_for_new_clients(self):
        self.company.write({"agency_billing_cycle": "weekly",
                            "agency_invoice_detail_level": "annex",
                            "agency_auto_send": True})
        client = self.env["res.partner"].create({"name": "New Client", "is_company": True})
        self.assertEqual(client.billing_cycle, "weekly")
        self.assertEqual(client.invoice_detail_level, "annex")
        self.assertTrue(client.auto_send)
        self.assertFalse(client.billing_automation, "automation starts off: pilot clients")

    def test_monthly_run_invoices_its_period_only(self):
        """Billed up to Jan 31: due on Mar 1 for February, on Apr 1 for March."""
        self._start_client(date(2026, 1, 31))
        self.assertEqual(self.client.billing_next_date, date(2026, 3, 1))
        self._time(self.emp_cd, 2.0, day=date(2026, 2, 20))
        self._time(self.emp_cd, 3.0, day=date(2026, 3, 10))
        self._time(self.emp_cd, 1.0, day=date(2026, 4, 2))

        self.assertFalse(self._run_due(date(2026, 2, 27)), "nothing due before Mar 1")
        run = self._run_due(date(2026, 3, 1))
        self.assertEqual(run.line_ids.period_start, date(2026, 2, 1))
        self.assertEqual(run.line_ids.period_end, date(2026, 2, 28))
        self.assertEqual(run.invoice_ids.amount_untaxed, 300.0)  # 2 h x 150
        self.assertEqual(self.client.billing_next_date, date(2026, 4, 1))

        run = self._run_due(date(2026, 4, 1))
        invoice = run.invoice_ids
        self.assertEqual(invoice.amount_untaxed, 450.0)  # 3 h x 150: April time waits
        self.assertEqual((invoice.billing_period_start, invoice.billing_period_end),
                         (date(2026, 3, 1), date(2026, 3, 31)))
        self.assertEqual(invoice.timesheet_ids.mapped("unit_amount"), [3.0])
        self.assertEqual(self.client.billing_next_date, date(2026, 5, 1))
        self.assertEqual(self.creative_line.qty_to_invoice, 1.0, "April's hour is still to bill")

        run = self._run_due(date(2026, 5, 1))
        self.assertEqual(run.invoice_ids.amount_untaxed, 150.0)

    def test_weekly_and_two_weekly_runs(self):
        self.client.write({"billing_cycle": "weekly", "billing_weekday": "0"})
        self._start_client(date(2026, 2, 22))
        self.assertEqual(self.client.billing_next_date, date(2026, 3, 2))
        self._time(self.emp_cd, 1.0, day=date(2026, 3, 3))
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        run = self._run_due(date(2026, 3, 2))
        self.assertEqual(run.line_ids.reason, "no_billable_time")
        self.assertEqual(self.client.billing_next_date, date(2026, 3, 9))
        run = self._run_due(date(2026, 3, 9))
        self.assertEqual(run.invoice_ids.amount_untaxed, 150.0)
        self.client.write({"billing_cycle": "biweekly", "billing_weekday": "0",
                           "billing_anchor_date": date(2026, 3, 23)})
        self.assertEqual(self.client.billing_next_date, date(2026, 3, 23))
        run = self._run_due(date(2026, 3, 23))
        self.assertEqual((run.line_ids.period_start, run.line_ids.period_end),
                         (date(2026, 3, 9), date(2026, 3, 22)))
        self.assertEqual(run.invoice_ids.amount_untaxed, 300.0)
        self.assertEqual(self.client.billing_next_date, date(2026, 4, 6))

    def test_missed_periods_caught_up_one_per_run(self):
        self.client.write({"billing_cycle": "weekly", "billing_weekday": "0"})
        self._start_client(date(2026, 2, 22))
        self._time(self.emp_cd, 1.0, day=date(2026, 3, 3))
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        first = self._run_due(date(2026, 3, 18))
        self.assertEqual(first.line_ids.period_end, date(2026, 3, 1))
        second = self._run_due(date(2026, 3, 18))
        self.assertEqual(second.line_ids.period_end, date(2026, 3, 8))
        self.assertEqual(second.invoice_ids.amount_untaxed, 150.0)
        third = self._run_due(date(2026, 3, 18))
        self.assertEqual(third.invoice_ids.amount_untaxed, 300.0)
        self.assertFalse(self._run_due(date(2026, 3, 18)), "caught up")
