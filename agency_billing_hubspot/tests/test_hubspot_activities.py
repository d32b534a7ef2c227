"""HubSpot calls and meetings → time entries, classified, rated and rounded by the rules."""

from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import WON, HubSpotCase


@tagged("post_install", "-at_install")
class TestHubSpotActivities(HubSpotCase):
    """Activities become time entries through the importers' write path."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._rule(cls, 140.0, job_id=cls.job_ad)  # the rate card of Account Directors

    def setUp(self):
        super().setUp()
        fake = self.fake
        fake.add_owner(201, "alex@agency.test", "Alex", "AD")
        fake.add_owner(202, "casey@agency.test", "Casey", "CD")
        fake.add_owner(203, "dana@agency.test", "Dana", "Designer")
        self.company = fake.add("companies", {"name": "Umbrella", "agency_time_rounding":
                                              "up:15", "agency_rate_creative_director": "165"})
        self.deal = fake.add("deals", {"dealname": "Umbrella rebrand", **WON})
        fake.associate("deals", self.deal, "companies", self.company)
        line = fake.add("line_items", {"name": "Design", "hs_sku": "AGY-DSGN",
                                       "quantity": "20", "price": "120"})
        fake.associate("deals", self.deal, "line_items", line)
        self.call = self._call("202", "2026-03-10T02:30:00Z", 20 * 60_000, "Budget call")
        self.meeting = fake.add("meetings", {
            "hs_timestamp": "2026-03-12T09:00:00Z", "hs_meeting_title": "Kick-off",
            "hs_meeting_start_time": "2026-03-12T09:00:00Z",
            "hs_meeting_end_time": "2026-03-12T10:00:00Z", "hubspot_owner_id": "201"})
        fake.associate("meetings", self.meeting, "companies", self.company)

    def _call(self, owner, stamp, millis, title, deal=True):
        call = self.fake.add("calls", {"hs_timestamp": stamp, "hs_call_title": title,
                                       "hs_call_duration": str(millis),
                                       "hubspot_owner_id": owner})
        if deal:
            self.fake.associate("calls", call, "deals", self.deal)
        return call

    def test_calls_and_meetings_become_rated_entries(self):
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        entry = self.bound("call", self.call)
        order = self.bound("deal", self.deal)
        self.assertEqual((entry.employee_id, entry.project_id, entry.unit_amount),
                         (self.emp_cd, order.project_id, round(20 / 60, 6)))
        # 02:30 UTC on the 10th is the evening of the 9th in Los Angeles (Casey's zone).
        self.assertEqual(entry.date, date(2026, 3, 9))
        self.assertEqual((entry.source, entry.external_ref, entry.external_activity_type),
                         ("hubspot", f"hubspot:call:{self.call}", "call"))
        self.assertEqual(entry.service_type_id, self.st_comm)
        # Umbrella's agreement from HubSpot: a Creative Director at 165/h; rounded up to
        # 15 minutes: 20 min → 0.5 h → 82.50.
        self.assertEqual(entry.agency_rate, 165.0)
        self.assertEqual(entry.billed_unit_amount, 0.5)
        self.assertEqual(entry.billed_amount, 82.5)
        self.assertEqual(entry.so_line.order_id, order)
        self.assertIn(f"record/0-48/{self.call}", entry.hubspot_url)
        meeting = self.bound("meeting", self.meeting)
        # Associated with the company only: its single project; the card rate of Alex.
        self.assertEqual((meeting.project_id, meeting.unit_amount), (order.project_id, 1.0))
        self.assertEqual((meeting.agency_rate, meeting.billed_amount), (140.0, 140.0))
        self.assertEqual(meeting.date, date(2026, 3, 12))

    def test_bad_activities_are_quarantined_or_skipped(self):
        """An unmapped owner, no owner, no project: quarantined with the reason; a
        zero-length call imports nothing. Mapping the owner and retrying imports it."""
        unmapped = self._call("299", "2026-03-10T15:00:00Z", 600_000, "Intro")
        self.fake.add_owner(299, "pat@freelance.test", "Pat", "Freelance")
        no_owner = self._call("", "2026-03-10T16:00:00Z", 600_000, "Who?")
        orphan = self._call("202", "2026-03-10T17:00:00Z", 600_000, "Cold call", deal=False)
        zero = self._call("202", "2026-03-10T18:00:00Z", 0, "No answer")
        run = self.sync()
        logs = {log.external_id: log for log in run.quarantine_ids}
        self.assertIn("Owner not mapped: HubSpot owner 299 (Pat Freelance <pat@freelance.test>)",
                      logs[unmapped].error)
        self.assertIn("has no owner", logs[no_owner].error)
        self.assertIn("No project", logs[orphan].error)
        self.assertIsNone(self.bound("call", zero))
        self.assertFalse(self.env["account.analytic.line"].search(
            [("external_ref", "=", f"hubspot:call:{zero}")]))
        owner = self.backend.owner_ids.filtered(lambda o: o.owner_id == "299")
        owner.employee_id = self.emp_designer
        self.assertEqual(owner.match, "manual")
        logs[unmapped].action_agency_retry()
        self.assertEqual(logs[unmapped].state, "retried")
        self.assertEqual(self.bound("call", unmapped).employee_id, self.emp_designer)
        self.assertEqual(logs[orphan].state, "open")

    def test_edited_call_updates_its_entry_until_invoiced(self):
        self.sync()
        entry = self.bound("call", self.call)
        self.fake.update("calls", self.call, hs_call_duration=str(50 * 60_000))
        self.sync()
        self.assertEqual((entry.unit_amount, entry.billed_amount), (round(50 / 60, 6), 165.0))
        order = self.bound("deal", self.deal)
        invoice = order._create_invoices()
        self.assertEqual(entry.timesheet_invoice_id, invoice)
        self.fake.update("calls", self.call, hs_call_duration=str(5 * 60_000))
        run = self.sync()
        self.assertEqual(entry.unit_amount, round(50 / 60, 6))
        conflict = run.conflict_ids
        self.assertEqual((conflict.field_name, conflict.res_id), ("unit_amount", entry.id))
        self.assertIn("invoiced", conflict.note)
        with self.assertRaisesRegex(UserError, "invoiced"):
            conflict.action_agency_take_source()
        conflict.action_agency_keep_odoo()
        self.assertEqual(conflict.state, "kept_odoo")

    def test_deleted_call_is_a_decision(self):
        """A call deleted in HubSpot: its entry stays until a person takes the deletion."""
        self.sync()
        entry = self.bound("call", self.call)
        self.fake.archive("calls", self.call)
        run = self.sync()
        self.assertTrue(entry.exists())
        conflict = run.conflict_ids
        self.assertEqual(conflict.field_name, "unlink")
        conflict.action_agency_take_source()
        self.assertFalse(entry.exists())
