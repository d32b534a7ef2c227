from datetime import date, datetime

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .billing_common import AgencyBillingRunCase

RUN_DAY = date(2026, 4, 1)
WORDING = "Logo — revision round 3 (2 included)"


@tagged("post_install", "-at_install")
class TestRevisionRounds(AgencyBillingRunCase):
    """A logo with 2 included revision rounds: the third round is billed once at its fixed
    price (or its hours), asked first, or absorbed; the Account Director hears of the last
    included round once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project.account_director_id = cls.user_ad
        cls.client.billing_last_period_end = date(2026, 2, 28)
        cls.Deliverable = cls.env["agency.deliverable"]

    def _logo(self, policy="bill", pricing="fixed", included=2, price=450.0):
        return self.Deliverable.create({
            "name": "Logo", "sale_order_id": self.order.id, "included_rounds": included,
            "project_id": self.project.id,
            "extra_round_policy": policy, "extra_round_pricing": pricing,
            "extra_round_price": price, "task_ids": [(6, 0, self.task_design.ids)],
        })

    def _press(self, deliverable):
        """*Client requested changes* (as the button or an RPC call); the new round."""
        return self.env["agency.deliverable.round"].browse(
            deliverable.action_agency_request_changes())

    def _round_lines(self, invoice):
        return [(line.name, line.quantity, line.price_unit, line.price_subtotal)
                for line in invoice.invoice_line_ids.filtered("sale_line_ids.agency_round_id")]

    def _activities(self, deliverable):
        return self.env["mail.activity"].search([("res_model", "=", "agency.deliverable"),
                                                 ("res_id", "=", deliverable.id)])

    def test_third_round_billed_once_at_fixed_price(self):
        logo = self._logo()
        first = self._press(logo.with_user(self.user_ad))
        self.assertFalse(self._activities(logo), "round 1 of 2 alerts no one")
        second = self._press(logo)
        alerts = self._activities(logo)
        self.assertEqual(len(alerts), 1, "the last included round alerts the Account Director")
        self.assertEqual(alerts.user_id, self.user_ad)
        third = self._press(logo)
        self.assertEqual(len(self._activities(logo)), 1, "once")
        self.assertEqual([r.number for r in logo.round_ids], [1, 2, 3])
        self.assertEqual(logo.round_count, 3)
        self.assertEqual((first.state, second.state, third.state),
                         ("included", "included", "to_bill"))
        self.assertEqual((first.is_extra, third.is_extra), (False, True))
        self.assertEqual(first.requested_by, self.user_ad.name)
        self.assertEqual(third.sale_line_id.order_id, self.order)
        self.assertEqual((third.sale_line_id.name, third.sale_line_id.price_unit),
                         (WORDING, 450.0))
        self.assertFalse(first.sale_line_id, "included rounds stay in the deliverable's budget")

        run = self._run_now(RUN_DAY)
        invoice = run.invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(self._round_lines(invoice), [(WORDING, 1.0, 450.0, 450.0)])
        self.assertEqual(invoice.amount_untaxed, 450.0)
        self.assertEqual(third.state, "billed")
        self.assertEqual(third.invoice_line_id.move_id, invoice)
        self.assertEqual(invoice._agency_report_data()["revision_rounds"],
                         [{"label": WORDING, "date": third.date.date()}])
        self.assertIn(f"Revision rounds {WORDING}", self._report_text(invoice))
        # A second run (same day, or later) bills nothing again.
        again = self._run_now(RUN_DAY)
        self.assertFalse(again.invoice_ids)
        later = self._run_now(date(2026, 5, 1))
        self.assertFalse(later.invoice_ids.invoice_line_ids.sale_line_ids.agency_round_id)

    def test_vendor_event_counted_once_and_debounced(self):
        logo = self._logo()
        when = datetime(2026, 3, 2, 10, 0)
        one = logo._agency_start_round("asana", external_ref="story-1", when=when)
        self.assertEqual(logo._agency_start_round("asana", external_ref="story-1", when=when),
                         one, "a re-sent event is the same round")
        flap = logo._agency_start_round("asana", external_ref="story-2",
                                        when=datetime(2026, 3, 2, 10, 5), debounce_minutes=15)
        self.assertEqual(flap, one, "a status flapping within minutes is one round")
        two = logo._agency_start_round("asana", external_ref="story-3",
                                       when=datetime(2026, 3, 3, 9, 0), debounce_minutes=15)
        self.assertEqual((one.number, two.number, logo.round_count), (1, 2, 2))

    def test_absorb_records_and_bills_nothing(self):
        logo = self._logo(policy="absorb")
        for _i in range(3):
            self._press(logo)
        third = logo.round_ids[-1]
        self.assertEqual((third.is_extra, third.state), (True, "absorbed"))
        self.assertFalse(third.sale_line_id)
        self.assertFalse(self.order.order_line.filtered("agency_round_id"))
        run = self._run_now(RUN_DAY)
        self.assertFalse(run.invoice_ids)

    def test_zero_included_every_request_is_extra(self):
        logo = self._logo(included=0, price=300.0)
        first = self._press(logo)
        self.assertEqual((first.is_extra, first.state), (True, "to_bill"))
        self.assertEqual(first.sale_line_id.name, "Logo — revision round 1 (0 included)")
        self.assertFalse(self._activities(logo), "no included round: nothing to alert")

    def test_ask_first_holds_time_until_accepted(self):
        logo = self._logo(policy="ask", price=450.0)
        logo._agency_start_round("odoo", when=datetime(2026, 3, 2, 9, 0))
        logo._agency_start_round("odoo", when=datetime(2026, 3, 4, 9, 0))
        third = logo._agency_start_round("odoo", when=datetime(2026, 3, 9, 9, 0))
        self.assertEqual(third.state, "to_approve")
        request = third.change_request_id
        self.assertEqual(request.state, "draft")
        self.assertEqual(request.agency_deliverable_round_id, third)
        self.assertEqual(request.amount_untaxed, 450.0)
        # Time logged during round 3 on the logo's task is held; round 1's is not.
        in_round1 = self._time(self.emp_designer, 1.0, day=date(2026, 3, 3), task=self.task_design)
        in_round3 = self._time(self.emp_designer, 2.0, day=date(2026, 3, 10),
                               task=self.task_design)
        self.assertEqual(third.hours, 2.0)
        run = self._run_now(RUN_DAY)
        self.assertTrue(in_round3.billing_hold)
        self.assertFalse(in_round3.timesheet_invoice_id, "held until the client accepts")
        self.assertEqual(in_round1.timesheet_invoice_id, run.invoice_ids)
        self.assertEqual(run.invoice_ids.amount_untaxed, 120.0, "round 1's hour only")
        # The client accepts (the portal signature confirms the quotation).
        request.action_confirm()
        self.assertEqual(third.state, "approved")
        # Accepted at its fixed price: the round's hours are not billed on top of it.
        self.assertTrue(in_round3.billing_hold)
        self.assertIn("billed at its fixed price", in_round3.billing_hold_reason)
        run = self._run_now(date(2026, 4, 2))
        invoice = run.invoice_ids
        self.assertEqual(self._round_lines(invoice), [(WORDING, 1.0, 450.0, 450.0)])
        self.assertEqual(invoice.amount_untaxed, 450.0,
                         "the round at its price, not its hours as well")
        self.assertFalse(in_round3.timesheet_invoice_id)
        self.assertEqual(third.state, "billed")
        self.assertFalse(self._run_now(date(2026, 4, 3)).invoice_ids, "once")

    def test_ask_first_declined_stays_held(self):
        logo = self._logo(policy="ask", included=0)
        first = logo._agency_start_round("odoo", when=datetime(2026, 3, 2, 9, 0))
        entry = self._time(self.emp_designer, 2.0, day=date(2026, 3, 5), task=self.task_design)
        first.change_request_id.action_cancel()
        self.assertEqual(first.state, "declined")
        run = self._run_now(RUN_DAY)
        self.assertTrue(entry.billing_hold)
        self.assertFalse(entry.timesheet_invoice_id)
        self.assertFalse(run.invoice_ids)

    def test_hourly_extra_round_billed_at_its_rates(self):
        logo = self._logo(pricing="hourly", included=1)
        logo._agency_start_round("odoo", when=datetime(2026, 3, 2, 9, 0))
        extra = logo._agency_start_round("odoo", when=datetime(2026, 3, 9, 9, 0))
        self._time(self.emp_designer, 3.0, day=date(2026, 3, 3), task=self.task_design)
        in_extra = self._time(self.emp_designer, 2.5, day=date(2026, 3, 10),
                              task=self.task_design)
        invoice = self._run_now(RUN_DAY).invoice_ids
        self.assertEqual(self._round_lines(invoice),
                         [("Logo — revision round 2 (1 included)", 2.5, 120.0, 300.0)])
        self.assertEqual(invoice.amount_untaxed, 360.0 + 300.0,
                         "round 1's 3 h on the design line, round 2's 2.5 h on its own line")
        self.assertEqual(in_extra.so_line, extra.sale_line_id)
        self.assertEqual(extra.state, "billed")

    def test_only_billing_users_start_rounds(self):
        logo = self._logo()
        outsider = self.env["res.users"].create({
            "name": "Sam Sales", "login": "ab_rounds_sales",
            "groups_id": [(6, 0, [self.env.ref("sales_team.group_sale_salesman").id])],
        })
        with self.assertRaises(AccessError):
            self._press(logo.with_user(outsider))
        self.assertFalse(logo.round_ids)
        # Rounds start through the deliverable only: even a billing user cannot type one.
        with self.assertRaises(AccessError):
            self.env["agency.deliverable.round"].with_user(self.user_ad).create({
                "deliverable_id": logo.id, "number": 1, "source": "odoo",
                "state": "included"})
        first = self._press(logo.with_user(self.user_ad))
        with self.assertRaises(AccessError):
            first.with_user(self.user_ad).write({"state": "absorbed"})

    def test_default_policy_from_client(self):
        self.client.agency_extra_round_policy = "absorb"
        logo = self.Deliverable.create({"name": "Logo", "sale_order_id": self.order.id})
        self.assertEqual(logo.extra_round_policy, "absorb")
        self.assertEqual(logo.included_rounds, 2)


@tagged("post_install", "-at_install")
class TestRevisionRoundsHourlyContract(AgencyBillingRunCase):
    """Time and materials (the designer's time billed at 120/h through the contract's
    delivered-timesheet line), a logo with 2 included rounds and 3 rounds: 2 h in round 1,
    1 h in round 2, 1.5 h in round 3. The third round's hours are never billed by the hour
    when the round is billed at a fixed price or absorbed."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.billing_last_period_end = date(2026, 2, 28)

    def _three_rounds(self, policy):
        logo = self.env["agency.deliverable"].create({
            "name": "Logo", "sale_order_id": self.order.id, "included_rounds": 2,
            "project_id": self.project.id, "extra_round_policy": policy,
            "extra_round_pricing": "fixed", "extra_round_price": 450.0,
            "task_ids": [(6, 0, self.task_design.ids)]})
        rounds = [logo._agency_start_round("odoo", when=datetime(2026, 3, day, 9, 0))
                  for day in (2, 9, 16)]
        entries = [self._time(self.emp_designer, hours, day=date(2026, 3, day),
                              task=self.task_design)
                   for hours, day in ((2.0, 3), (1.0, 10), (1.5, 17))]
        self.assertEqual([r.hours for r in rounds], [2.0, 1.0, 1.5])
        return rounds, entries

    def test_fixed_round_time_not_billed_by_the_hour(self):
        rounds, (first, second, third) = self._three_rounds("bill")
        invoice = self._run_now(RUN_DAY).invoice_ids
        self.assertEqual(len(invoice), 1)
        by_round = invoice.invoice_line_ids.filtered("sale_line_ids.agency_round_id")
        self.assertEqual(by_round.price_subtotal, 450.0)
        self.assertEqual(invoice.amount_untaxed, 360.0 + 450.0,
                         "rounds 1-2: 3 h at 120; round 3: its fixed price only")
        self.assertEqual((first | second).timesheet_invoice_id, invoice)
        self.assertFalse(third.timesheet_invoice_id)
        self.assertTrue(third.billing_hold)
        self.assertTrue(third.billing_hold_reason.startswith(
            f"revision-round-covered:{rounds[2].id} "))
        self.assertFalse(first.billing_hold)
        self.assertEqual(rounds[2].state, "billed")
        # Re-runs bill nothing more and leave the invoiced time alone.
        self.assertFalse(self._run_now(RUN_DAY).invoice_ids)
        self.assertFalse(self._run_now(date(2026, 5, 1)).invoice_ids)
        self.assertFalse(first.billing_hold)
        self.assertEqual(first.timesheet_invoice_id, invoice)
        # Time logged later in the (billed) fixed round is not billed either.
        late = self._time(self.emp_designer, 0.5, day=date(2026, 3, 20), task=self.task_design)
        self.assertFalse(self._run_now(date(2026, 6, 1)).invoice_ids)
        self.assertTrue(late.billing_hold)
        self.assertFalse(late.timesheet_invoice_id)

    def test_absorbed_round_time_not_billed(self):
        rounds, (first, second, third) = self._three_rounds("absorb")
        self.assertEqual(rounds[2].state, "absorbed")
        invoice = self._run_now(RUN_DAY).invoice_ids
        self.assertEqual(invoice.amount_untaxed, 360.0, "rounds 1-2 only: 3 h at 120")
        self.assertFalse(invoice.invoice_line_ids.filtered("sale_line_ids.agency_round_id"))
        self.assertEqual((first | second).timesheet_invoice_id, invoice)
        self.assertFalse(third.timesheet_invoice_id)
        self.assertTrue(third.billing_hold)
        self.assertEqual(third.billing_hold_reason,
                         f"revision-round-covered:{rounds[2].id} {rounds[2].label}: "
                         "absorbed by the agency, not billed")
        self.assertFalse(self._run_now(date(2026, 5, 1)).invoice_ids)
        self.assertEqual(rounds[2].state, "absorbed")
