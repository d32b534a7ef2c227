from datetime import date

from odoo.tests import tagged

from .test_asana_common import AsanaCase

RUN_DAY = date(2026, 12, 1)
WORDING = "Logo — revision round 3 (2 included)"


@tagged("post_install", "-at_install")
class TestAsanaRevisionRounds(AsanaCase):
    """A logo with 2 included rounds: the client requests changes three times on its Asana
    approval task; rounds 1 and 2 stay in the budget, round 3 is billed once at 450.00."""

    def setUp(self):
        super().setUp()
        self.ids = self.workspace()
        self.fake.add_section(self.ids["project"], "Client review")
        self.fake.add_section(self.ids["project"], "Revisions")
        self.approval = self.fake.add_task(self.ids["project"], "Logo approval",
                                           section="Client review")
        self.fake.make_approval(self.approval)
        self.sync()
        self.logo = self.env["agency.deliverable"].create({
            "name": "Logo", "sale_order_id": self.order.id, "project_id": self.project.id,
            "included_rounds": 2, "extra_round_policy": "bill",
            "extra_round_pricing": "fixed", "extra_round_price": 450.0,
            "task_ids": [(6, 0, self.task_of(self.approval).ids)],
        })

    def request_changes(self, user=None):
        """The client asks for changes, an hour after the last status change."""
        self.fake.tick(3600)
        self.fake.set_approval_status(self.approval, "changes_requested",
                                      user=user or self.ids["casey"])
        self.fake.tick(3600)
        self.fake.set_approval_status(self.approval, "pending")

    def round_lines(self, invoices):
        return [(line.name, line.quantity, line.price_unit, line.price_subtotal)
                for line in invoices.invoice_line_ids.filtered(
                    "sale_line_ids.agency_round_id")]

    def test_three_requests_third_billed_once(self):
        self.request_changes()
        self.request_changes()
        run = self.sync()
        self.assertEqual(self.logo.round_count, 2)
        self.assertEqual(set(self.logo.round_ids.mapped("source")), {"asana"})
        self.assertEqual(self.logo.round_ids[0].requested_by, "Casey CD")
        self.assertIn("2 started", run.log)
        self.assertFalse(self.logo.round_ids.filtered("is_extra"))
        # A re-sync (and the task read again) counts nothing twice.
        self.sync()
        self.backend._agency_pm_round_signals(
            [{"task": self.approval, "ref": self.logo.round_ids[0].external_ref,
              "at": self.logo.round_ids[0].date, "by": None, "why": "re-sent"}])
        self.assertEqual(self.logo.round_count, 2)
        self.request_changes()
        self.sync()
        self.assertEqual(self.logo.round_count, 3)
        third = self.logo.round_ids.sorted("number")[-1]
        self.assertEqual((third.is_extra, third.state), (True, "to_bill"))
        invoices = self._run_now(RUN_DAY).invoice_ids
        self.assertEqual(self.round_lines(invoices), [(WORDING, 1.0, 450.0, 450.0)])
        self.assertEqual(third.state, "billed")
        again = self._run_now(RUN_DAY).invoice_ids
        self.assertEqual(self.round_lines(again), [], "billed once")
        self.sync()
        self.assertEqual(self.logo.round_count, 3)

    def test_flapping_status_is_one_round(self):
        self.fake.tick(3600)
        for status in ("changes_requested", "pending", "changes_requested"):
            self.fake.tick(60)
            self.fake.set_approval_status(self.approval, status)
        self.sync()
        self.assertEqual(self.logo.round_count, 1, "within the 15-minute debounce")

    def test_moved_back_to_revision_section(self):
        self.fake.tick(3600)
        self.fake.move_task_to_section(self.approval, "Revisions")
        self.sync()
        self.assertEqual(self.logo.round_count, 1)
        self.assertIn("Revisions", self.logo.round_ids.note)

    def test_task_of_no_deliverable_is_logged(self):
        other = self.fake.add_task(self.ids["project"], "Banner approval",
                                   section="Client review")
        self.fake.make_approval(other, "changes_requested")
        run = self.sync()
        self.assertIn("linked to no deliverable ignored", run.log)
        self.assertFalse(self.open_logs(self.backend, "task"), "not quarantined")
        self.assertFalse(self.logo.round_ids)
