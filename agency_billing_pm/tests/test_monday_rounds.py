from datetime import date

from odoo.tests import tagged

from .test_monday_sync import MondayCase

RUN_DAY = date(2026, 4, 1)
WORDING = "Logo — revision round 3 (2 included)"


@tagged("post_install", "-at_install")
class TestMondayRevisionRounds(MondayCase):
    """A logo with 2 included rounds and the *ask first* policy: the client's third
    request for changes on Monday.com (the status column, from the board's activity log)
    drafts a change request; the round's time is held until the client accepts, then the
    round is billed once at 450.00."""

    def setUp(self):
        super().setUp()
        self.ids = self.account()
        self.sync()
        self.logo = self.env["agency.deliverable"].create({
            "name": "Logo", "sale_order_id": self.order.id, "project_id": self.project.id,
            "included_rounds": 2, "extra_round_policy": "ask",
            "extra_round_pricing": "fixed", "extra_round_price": 450.0,
            "task_ids": [(6, 0, self.task_of(self.ids["concept"]).ids)],
        })

    def request_changes(self):
        self.fake.tick(3600)
        self.fake.set_column(self.ids["concept"], "status", "Revisions requested",
                             user_id=self.ids["casey"])
        self.fake.tick(3600)
        self.fake.set_column(self.ids["concept"], "status", "Client review")

    def round_lines(self, invoices):
        return [(line.name, line.quantity, line.price_unit, line.price_subtotal)
                for line in invoices.invoice_line_ids.filtered(
                    "sale_line_ids.agency_round_id")]

    def test_ask_first_held_until_accepted_then_billed(self):
        for _i in range(3):
            self.request_changes()
        run = self.sync()
        self.assertIn("3 started", run.log)
        self.assertEqual(self.logo.round_count, 3)
        self.assertEqual(set(self.logo.round_ids.mapped("source")), {"monday"})
        third = self.logo.round_ids.sorted("number")[-1]
        self.assertEqual((third.is_extra, third.state), (True, "to_approve"))
        request = third.change_request_id
        self.assertEqual((request.state, request.amount_untaxed), ("draft", 450.0))
        self.assertIn(WORDING, request.order_line.mapped("name"))
        # A re-sync counts nothing twice.
        self.fake.tick(60)
        self.fake.set_column(self.ids["visual"], "status", "Done")
        self.sync()
        self.assertEqual(self.logo.round_count, 3)
        # The round's time (the concept session, after round 3 started) is held.
        entry = self.entry_of(self.ids["concept"], self.ids["s_casey"])
        invoices = self._run_now(RUN_DAY).invoice_ids
        self.assertTrue(entry.billing_hold)
        self.assertFalse(entry.timesheet_invoice_id)
        self.assertEqual(self.round_lines(invoices), [])
        # The client accepts in the portal (its signature confirms the quotation).
        request.action_confirm()
        self.assertEqual(third.state, "approved")
        # Accepted at its fixed price: the round's hours are not billed on top of it.
        self.assertTrue(entry.billing_hold)
        self.assertIn("billed at its fixed price", entry.billing_hold_reason)
        invoices = self._run_now(date(2026, 4, 2)).invoice_ids
        self.assertEqual(self.round_lines(invoices), [(WORDING, 1.0, 450.0, 450.0)])
        self.assertFalse(entry.timesheet_invoice_id)
        self.assertEqual(third.state, "billed")
        self.assertEqual(self.round_lines(self._run_now(date(2026, 4, 3)).invoice_ids), [],
                         "billed once")

    def test_flapping_status_is_one_round(self):
        self.fake.tick(3600)
        for label in ("Revisions requested", "Client review", "Revisions requested"):
            self.fake.tick(60)
            self.fake.set_column(self.ids["concept"], "status", label)
        self.sync()
        self.assertEqual(self.logo.round_count, 1)

    def test_item_of_no_deliverable_is_logged(self):
        self.fake.tick(3600)
        self.fake.set_column(self.ids["visual"], "status", "Revisions requested")
        run = self.sync()
        self.assertIn("linked to no deliverable ignored", run.log)
        self.assertFalse(self.logo.round_ids)
