from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.tests import tagged

from .billing_common import AgencyBillingRunCase

TODAY = date(2026, 3, 20)


@tagged("post_install", "-at_install")
class TestMilestoneBilling(AgencyBillingRunCase):
    """A milestone reached drafts its invoice at the next cron tick, and sends it when the
    client allows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.milestone_product = cls.env["product.product"].create({
            "name": "Campaign milestone", "type": "service", "service_type": "milestones",
            "invoice_policy": "delivery", "service_tracking": "no", "list_price": 10000.0,
        })
        cls.order.write({"order_line": [Command.create({
            "product_id": cls.milestone_product.id, "product_uom_qty": 1,
            "price_unit": 10000.0,
        })]})
        cls.milestone_line = cls.order.order_line.filtered(
            lambda sol: sol.product_id == cls.milestone_product)
        Milestone = cls.env["project.milestone"]
        cls.concept = Milestone.create({
            "name": "Concept approved", "project_id": cls.project.id,
            "sale_line_id": cls.milestone_line.id, "quantity_percentage": 0.4,
        })
        cls.launch = Milestone.create({
            "name": "Launch", "project_id": cls.project.id,
            "sale_line_id": cls.milestone_line.id, "quantity_percentage": 0.6,
        })
        cls.cron = cls.env.ref("agency_billing.ir_cron_agency_billing_run")
        cls.client.write({"auto_send": True, "billing_last_period_end": date(2026, 2, 28)})

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])

    def _tick(self, day=TODAY):
        """One tick of the billing cron (its own context: the day is frozen instead)."""
        with freeze_time(day):
            self.cron.method_direct_trigger()

    def test_reached_drafted_and_sent_in_one_tick(self):
        self.assertEqual(self.milestone_line.qty_delivered_method, "milestones")
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        before = self._triggers()
        self.concept.is_reached = True
        self.assertEqual(self._triggers(), before + 1, "reaching it wakes the billing cron")
        self._tick()
        invoice = self.concept.agency_invoice_id
        self.assertTrue(invoice)
        self.assertEqual(invoice.billing_trigger, "milestone")
        self.assertEqual(invoice.invoice_line_ids.product_id, self.milestone_product,
                         "only the milestone: the time waits for the monthly cycle")
        self.assertEqual(invoice.amount_untaxed, 4000.0)
        # Posted and handed to Odoo's mail queue (a cron does not send mail at once): sent
        # once the queue delivered it.
        self.assertEqual((invoice.state, invoice.review_state, invoice.agency_delivery_state),
                         ("posted", "approved", "pending"))
        self.env["mail.mail"].sudo().process_email_queue()
        self.assertEqual((invoice.state, invoice.review_state), ("posted", "sent"))
        self.assertEqual(invoice.billing_milestone_ids, self.concept)
        self.assertFalse(self.launch.agency_invoice_id)
        self.assertIn("Concept approved", self._report_text(invoice))
        # Nothing more until the next milestone; the cycle then bills the time only.
        self._tick()
        self.assertEqual(self.env["account.move"].search_count(
            [("partner_id", "=", self.client.id)]), 1)
        run = self._run_due(date(2026, 4, 1))
        self.assertEqual(run.invoice_ids.amount_untaxed, 300.0)
        self.launch.is_reached = True
        self._tick(date(2026, 4, 2))
        self.assertEqual(self.launch.agency_invoice_id.amount_untaxed, 6000.0)

    def test_milestone_only_client_billed_with_time(self):
        self.client.billing_cycle = "milestone"
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        self.concept.is_reached = True
        self._tick()
        invoice = self.concept.agency_invoice_id
        self.assertEqual(invoice.amount_untaxed, 4300.0)  # milestone + 2 h x 150
        self.assertEqual(len(invoice.timesheet_ids), 1)

    def test_review_when_not_auto_send(self):
        self.client.auto_send = False
        self.concept.is_reached = True
        self._tick()
        self.assertEqual(self.concept.agency_invoice_id.review_state, "to_review")
        self.assertEqual(self.concept.agency_invoice_id.state, "draft")

    def test_not_for_manual_or_disabled_clients(self):
        self.client.billing_cycle = "manual"
        self.concept.is_reached = True
        self._tick()
        self.assertFalse(self.concept.agency_invoice_id)
        self.client.write({"billing_cycle": "monthly", "billing_automation": False})
        self._tick()
        self.assertFalse(self.concept.agency_invoice_id)
        self.client.billing_automation = True
        self._tick()
        self.assertTrue(self.concept.agency_invoice_id)
