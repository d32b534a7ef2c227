from datetime import date

from freezegun import freeze_time

from odoo.tests import tagged

from .billing_common import AgencyBillingRunCase


@tagged("post_install", "-at_install")
class TestTimeZones(AgencyBillingRunCase):
    """Billing dates are days of the company's (or the client's) time zone, never of the
    user or cron running billing: an agency in Los Angeles is not billed for October at
    17:00 on 31 October (00:00 UTC on 1 November)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "America/Los_Angeles"
        cls.cron = cls.env.ref("agency_billing.ir_cron_agency_billing_run")
        # The cron's user lives far ahead of the agency: its zone must not matter.
        cls.cron.user_id.tz = "Pacific/Auckland"
        cls.client.billing_last_period_end = date(2026, 9, 30)

    def _cron_runs(self):
        return self.env["agency.billing.run"].search([("line_ids.partner_id", "=",
                                                      self.client.id)])

    def test_los_angeles_month_boundary(self):
        self.assertEqual(self.company._agency_tz(), "America/Los_Angeles")
        self.assertEqual(self.client.billing_next_date, date(2026, 11, 1))
        self._time(self.emp_cd, 2.0, day=date(2026, 10, 20))
        with freeze_time("2026-11-01 00:00:00"):  # 17:00 on 31 October in Los Angeles
            self.assertEqual(self.client._agency_today(), date(2026, 10, 31))
            self.cron.method_direct_trigger()
        self.assertFalse(self._cron_runs(), "October is not over in Los Angeles")
        # That evening's work is October's.
        evening = self._time(self.emp_cd, 1.0, day=date(2026, 10, 31), name="Late edits")
        with freeze_time("2026-11-01 08:30:00"):  # 01:30 on 1 November in Los Angeles
            self.cron.method_direct_trigger()
        run = self._cron_runs()
        self.assertEqual(run.date, date(2026, 11, 1))
        # The day's one scheduled run (the demo's history may have billed others in it).
        line = run.line_ids.filtered(lambda line: line.partner_id == self.client)
        self.assertEqual((line.period_start, line.period_end),
                         (date(2026, 10, 1), date(2026, 10, 31)))
        invoice = line.invoice_ids
        self.assertEqual(invoice.amount_untaxed, 450.0, "3 h of October at 150")
        self.assertEqual(evening.timesheet_invoice_id, invoice)
        self.assertEqual(self.client.billing_last_period_end, date(2026, 10, 31))

    def test_client_zone_first(self):
        self.client.tz = "Asia/Tokyo"
        with freeze_time("2026-10-31 16:00:00"):  # 01:00 on 1 November in Tokyo
            self.assertEqual(self.client._agency_today(), date(2026, 11, 1))
            self.assertEqual(self.company._agency_today(), date(2026, 10, 31))
            due = self.env["agency.billing.run"]._due_jobs(clients=self.client)
        self.assertEqual([job.end for job in due], [date(2026, 10, 31)])

    def test_run_now_bills_up_to_the_clients_today(self):
        self.client.billing_cycle = "manual"
        self._time(self.emp_cd, 1.0, day=date(2026, 10, 31))
        self._time(self.emp_cd, 1.0, day=date(2026, 11, 1))
        with freeze_time("2026-11-01 06:00:00"):  # 23:00 on 31 October in Los Angeles
            action = self.client.with_user(self.user_finance).action_agency_run_billing()
        run = self.env["agency.billing.run"].browse(action["res_id"])
        self.assertEqual(run.line_ids.period_end, date(2026, 10, 31))
        self.assertEqual(run.invoice_ids.amount_untaxed, 150.0, "1 November is tomorrow")

    def test_vendor_timestamp_takes_the_employees_day(self):
        Entry = self.env["account.analytic.line"]
        self.emp_cd.tz = "America/Los_Angeles"
        self.assertEqual(Entry._agency_entry_date("2026-11-01 03:30:00", self.emp_cd),
                         date(2026, 10, 31), "20:30 on 31 October where she works")
        self.emp_designer.tz = "Europe/Rome"
        self.assertEqual(Entry._agency_entry_date("2026-11-01 03:30:00", self.emp_designer),
                         date(2026, 11, 1))
        self.assertEqual(Entry._agency_entry_date("2026-11-01 03:30:00"), date(2026, 10, 31),
                         "without an employee: the company's zone (Los Angeles)")
