from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from ..lib.reminder import Step, due_step
from .billing_common import AgencyBillingRunCase

DUE = date(2026, 3, 1)


@tagged("post_install", "-at_install")
class TestReminderFunctions(TransactionCase):
    def test_due_step(self):
        steps = [Step(1, 3), Step(2, 10), Step(3, 20)]
        self.assertIsNone(due_step(0, steps, set()))
        self.assertIsNone(due_step(2, steps, set()))
        self.assertEqual(due_step(3, steps, set()).key, 1)
        self.assertIsNone(due_step(4, steps, {1}))
        self.assertEqual(due_step(10, steps, {1}).key, 2)
        self.assertEqual(due_step(15, steps, set()).key, 2, "only the latest missed step")
        self.assertIsNone(due_step(15, steps, {3}), "never an earlier step after a later one")
        self.assertIsNone(due_step(50, steps, {1, 2, 3}))
        self.assertIsNone(due_step(50, [], set()))


@tagged("post_install", "-at_install")
class TestReminders(AgencyBillingRunCase):
    """Overdue reminders at 3, 10 and 20 days (the standard policy), each from its mail
    template to the billing contacts, logged; stopped by payment or a dispute."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.billing_cycle = "manual"
        cls.policy = cls.env.ref("agency_billing.reminder_policy_standard")
        cls.company.agency_reminder_policy_id = cls.policy

    def setUp(self):
        super().setUp()
        self._time(self.emp_cd, 2.0, day=date(2026, 2, 20))
        self.invoice = self._run_now(date(2026, 2, 28)).invoice_ids
        self.invoice.write({"invoice_date": DUE, "invoice_payment_term_id": False,
                            "invoice_date_due": DUE})
        self.invoice.action_agency_approve()
        self.assertEqual((self.invoice.state, self.invoice.invoice_date_due), ("posted", DUE))

    def _remind(self, day):
        return self.env["account.move"].with_context(
            agency_billing_today=day)._cron_agency_reminders()

    def _pay(self, amount=None, day=date(2026, 3, 6)):
        values = {"payment_date": day}
        if amount:
            values["amount"] = amount
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self.invoice.ids,
        ).create(values)._create_payments()

    def test_each_step(self):
        self.assertFalse(self._remind(date(2026, 3, 3)), "2 days overdue: nothing yet")
        first = self._remind(date(2026, 3, 4))
        self.assertEqual((first.step_id.days, first.days_overdue, first.date),
                         (3, 3, date(2026, 3, 4)))
        self.assertEqual(first.mail_template_id,
                         self.env.ref("agency_billing.mail_template_agency_reminder"))
        self.assertEqual(first.message_id.partner_ids, self.contact)
        self.assertIn("Reminder: invoice", first.message_id.subject)
        self.assertIn("is <strong>3</strong> days overdue", first.message_id.body)
        self.assertIn("Pay now", first.message_id.body)
        self.assertFalse(self._remind(date(2026, 3, 5)), "once per step")
        second = self._remind(date(2026, 3, 11))
        self.assertEqual(second.step_id.days, 10)
        self.assertIn("Second reminder", second.message_id.subject)
        final = self._remind(date(2026, 3, 21))
        self.assertEqual(final.step_id.days, 20)
        self.assertIn("Final notice", final.message_id.subject)
        self.assertFalse(self._remind(date(2026, 4, 30)))
        self.assertEqual(self.invoice.reminder_count, 3)

    def test_stopped_by_payment(self):
        self.assertTrue(self._remind(date(2026, 3, 4)))
        self._pay()
        self.assertIn(self.invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(self._remind(date(2026, 3, 11)))
        self.assertFalse(self._remind(date(2026, 3, 21)))
        self.assertEqual(self.invoice.reminder_count, 1)

    def test_partial_payment_keeps_reminding(self):
        self._pay(amount=100.0)
        self.assertEqual(self.invoice.payment_state, "partial")
        self.assertTrue(self._remind(date(2026, 3, 4)))

    def test_stopped_by_dispute(self):
        self.assertTrue(self._remind(date(2026, 3, 4)))
        with self.assertRefused(ValidationError, "Say why the client disputes"):
            self.invoice.disputed = True
        self.invoice.with_context(agency_billing_today=date(2026, 3, 6)).write(
            {"disputed": True, "dispute_reason": "Hours of the kick-off questioned"})
        self.assertEqual(self.invoice.dispute_date, date(2026, 3, 6))
        self.assertEqual(self.client.billing_dispute_count, 1)
        self.assertIn("Marked as disputed", self.invoice.message_ids[0].body)
        self.assertFalse(self._remind(date(2026, 3, 11)))
        # Resolved: the next reminder is the latest step due, not the missed one.
        self.invoice.disputed = False
        self.assertEqual(self.client.billing_dispute_count, 1, "disputes are counted")
        latest = self._remind(date(2026, 3, 21))
        self.assertEqual(latest.step_id.days, 20)
        self.assertEqual(self.invoice.reminder_count, 2)

    def test_client_policy_and_pilot_switch(self):
        self.client.reminder_policy_id = self.env.ref("agency_billing.reminder_policy_none")
        self.assertFalse(self._remind(date(2026, 3, 4)))
        self.client.reminder_policy_id = False
        self.client.billing_automation = False
        self.assertFalse(self._remind(date(2026, 3, 4)))
        self.client.billing_automation = True
        self.assertTrue(self._remind(date(2026, 3, 4)))

    def test_cron_record(self):
        cron = self.env.ref("agency_billing.ir_cron_agency_invoice_reminders")
        self.assertEqual(cron.code.strip(), "model._cron_agency_reminders()")
        with freeze_time(date(2026, 3, 4)):
            cron.method_direct_trigger()
        self.assertEqual(self.invoice.reminder_count, 1)
