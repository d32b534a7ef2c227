from datetime import date

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged

from ..lib.anomaly import Candidate, deviation, near_duplicate, spike
from .billing_common import AgencyBillingRunCase

APRIL = date(2026, 4, 1)


@tagged("post_install", "-at_install")
class TestAnomalyFunctions(TransactionCase):
    """The anomaly arithmetic on its own."""

    def test_deviation(self):
        self.assertEqual(deviation(3000, [1000, 1000, 1000], 0.5), 3.0)
        self.assertEqual(deviation(300, [1000, 1000, 1000], 0.5), 0.3)
        self.assertIsNone(deviation(1400, [1000, 1000, 1000], 0.5))
        self.assertIsNone(deviation(3000, [], 0.5), "no history, no flag")

    def test_spike(self):
        self.assertEqual(spike(30, [10, 10, 10], 1.5), 3.0)
        self.assertIsNone(spike(12, [10, 10, 10], 1.5))
        self.assertIsNone(spike(5, [10], 1.5), "fewer hours is no spike")

    def test_near_duplicate(self):
        others = [Candidate(1, 1005.0, date(2026, 3, 1)), Candidate(2, 1000.0, date(2026, 1, 1))]
        self.assertEqual(near_duplicate(1000.0, date(2026, 3, 5), others).key, 1)
        self.assertIsNone(near_duplicate(1100.0, date(2026, 3, 5), others))
        self.assertIsNone(near_duplicate(1000.0, date(2026, 2, 1), others, days=14))
        monthly = [Candidate(3, 1000.0, date(2026, 3, 1), period=date(2026, 2, 28))]
        self.assertIsNone(near_duplicate(1000.0, date(2026, 3, 5), monthly,
                                         period=date(2026, 3, 31)),
                          "the same fee for another period is no duplicate")


@tagged("post_install", "-at_install")
class TestReviewQueue(AgencyBillingRunCase):
    """Anomaly flags raised and not raised, approval, edits and sending."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.billing_last_period_end = date(2026, 2, 28)

    def _draft(self, *entries):
        """Record (employee, hours) in March and draft the April run's invoice."""
        for employee, hours in entries:
            self._time(employee, hours, day=date(2026, 3, 10),
                       task=self.task_design if employee == self.emp_designer else None)
        return self._run_due(APRIL).invoice_ids

    def _redo(self, invoice):
        """Cancel a draft and let the next run draft the period again."""
        invoice.button_cancel()
        self._start_client(date(2026, 2, 28))

    def _monthly_history(self, hours):
        """Dec, Jan, Feb billed by runs, ``hours`` of Creative Director each, posted."""
        self._start_client(date(2025, 11, 30))
        for month_end, bill_day in ((date(2025, 12, 15), date(2026, 1, 1)),
                                    (date(2026, 1, 15), date(2026, 2, 1)),
                                    (date(2026, 2, 15), date(2026, 3, 1))):
            self._time(self.emp_cd, hours, day=month_end)
            invoice = self._run_due(bill_day).invoice_ids
            self._post(invoice, bill_day)
        self.assertEqual(self.client.billing_next_date, APRIL)

    def test_clean_invoice_raises_nothing(self):
        self.client.po_required = True
        self.order.client_order_ref = "PO-1"
        invoice = self._draft((self.emp_cd, 2.0), (self.emp_designer, 1.0))
        self.assertFalse(invoice.anomaly_ids)
        self.assertEqual(invoice.anomaly_count, 0)
        self.assertFalse(invoice.anomaly_summary)

    def test_total_far_from_average(self):
        self._history(self.client, [1000.0, 1000.0, 1000.0])
        invoice = self._draft((self.emp_cd, 20.0))  # 3,000
        self.assertIn("total_deviation", self._flags(invoice))
        reason = invoice.anomaly_ids.filtered(lambda a: a.code == "total_deviation").reason
        self.assertIn("300%", reason)
        self.assertIn("last 3 invoices", reason)
        self._redo(invoice)
        invoice = self._draft()  # the same 20 h drafted again, cut to 7 h (1,050) in review
        invoice.write({"invoice_line_ids": [Command.update(invoice.invoice_line_ids.id,
                                                           {"quantity": 7.0})]})
        self.assertNotIn("total_deviation", self._flags(invoice), "1,050 is close to 1,000")

    def test_hours_spike(self):
        self._monthly_history(10.0)  # 1,500 each at 150
        self.env["agency.rate.rule"].search([("job_id", "=", self.job_cd.id)]).rate = 50.0
        invoice = self._draft((self.emp_cd, 30.0))  # 1,500 at 50: same total, 3x hours
        self.assertEqual(invoice.amount_untaxed, 1500.0)
        self.assertEqual(self._flags(invoice), {"hours_spike"})
        self.assertIn("3.0×", invoice.anomaly_ids.reason)

    def test_no_hours_spike(self):
        self._monthly_history(10.0)
        invoice = self._draft((self.emp_cd, 12.0))
        self.assertNotIn("hours_spike", self._flags(invoice))
        self.assertNotIn("total_deviation", self._flags(invoice))

    def test_entries_without_rate_rule(self):
        self.env["agency.rate.rule"].search([("job_id", "=", self.job_designer.id)]).active = False
        invoice = self._draft((self.emp_designer, 2.0), (self.emp_cd, 1.0))
        self.assertEqual(self._flags(invoice), {"no_rate_rule"})
        self.assertIn("1 time entries have no rate rule", invoice.anomaly_ids.reason)

    def test_low_confidence_classification(self):
        """Time nobody could classify is left out of the invoice, and the invoice of the
        rest says so."""
        self.project.service_type_id = False
        self._time(self.emp_designer, 1.0, day=date(2026, 3, 10), task=self.task_design)
        invoice = self._draft((self.emp_cd, 2.0))
        self.assertEqual(invoice.amount_untaxed, 120.0, "the unclassified 2 h are left out")
        self.assertIn("low_confidence", self._flags(invoice))
        reason = invoice.anomaly_ids.filtered(lambda a: a.code == "low_confidence").reason
        self.assertIn("1 time entries (2.00 h)", reason)

    def test_over_scope_entries(self):
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10), over_scope=True)
        invoice = self._draft()
        self.assertEqual(self._flags(invoice), {"held_time"})
        self.assertIn("over scope", invoice.anomaly_ids.reason)

    def test_zero_amount_line(self):
        invoice = self._draft((self.emp_cd, 2.0))
        self.assertNotIn("zero_amount", self._flags(invoice))
        invoice.write({"invoice_line_ids": [Command.create({
            "name": "Goodwill session", "quantity": 1.0, "price_unit": 0.0,
        })]})
        self.assertIn("zero_amount", self._flags(invoice), "re-checked after the edit")

    def test_near_duplicate(self):
        self.client.billing_cycle = "manual"
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 9))
        first = self._run_now(APRIL).invoice_ids
        self.assertFalse(self._flags(first))
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        second = self._run_now(APRIL).invoice_ids
        self.assertEqual(self._flags(second), {"near_duplicate"})
        self._time(self.emp_cd, 3.0, day=date(2026, 3, 11))
        third = self._run_now(APRIL).invoice_ids
        self.assertNotIn("near_duplicate", self._flags(third), "450 is not 300")

    def test_approve_with_reason_overrides_flags(self):
        self.env["agency.rate.rule"].search([("job_id", "=", self.job_designer.id)]).active = False
        invoice = self._draft((self.emp_designer, 2.0))
        action = invoice.action_agency_approve()
        self.assertEqual(action["res_model"], "agency.invoice.approve.wizard")
        self.assertEqual(invoice.state, "draft", "warnings need a reason")
        wizard = self.env["agency.invoice.approve.wizard"].with_user(self.user_finance).create(
            {"move_ids": [Command.set(invoice.ids)]})
        self.assertEqual(wizard.anomaly_ids.code, "no_rate_rule")
        with self.assertRefused(UserError, "Say why"):
            wizard.action_approve()
        wizard.reason = "Designer rate agreed by phone"
        wizard.action_approve()
        self.assertEqual((invoice.state, invoice.review_state), ("posted", "sent"))
        flag = invoice.anomaly_ids
        self.assertEqual((flag.state, flag.override_reason, flag.override_user_id),
                         ("overridden", "Designer rate agreed by phone", self.user_finance))
        self.assertIn("Approved by ab_finance", " ".join(invoice.message_ids.mapped("body")))

    def test_approve_many(self):
        other = self.env["res.partner"].create({
            "name": "Second Client", "is_company": True, "billing_automation": True,
            "billing_cycle": "manual",
            "billing_contact_ids": [Command.create({"name": "Ann", "email": "ann@x.example"})],
        })
        order2, project2 = self._make_contract(other)
        project2.service_type_id = self.st_creative
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10), project=project2)
        drafts = self._draft((self.emp_cd, 1.0)) | self._run_now(APRIL, client=other).invoice_ids
        self.assertEqual(len(drafts), 2)
        wizard = self.env["agency.invoice.approve.wizard"].with_context(
            active_model="account.move", active_ids=drafts.ids).create({})
        wizard.action_approve()
        self.assertEqual(drafts.mapped("review_state"), ["sent", "sent"])

    def test_edits_logged_with_who_and_why(self):
        invoice = self._draft((self.emp_cd, 2.0))
        invoice.with_user(self.user_finance).with_context(
            agency_review_reason="Client asked for one hour off").write(
            {"invoice_line_ids": [Command.update(invoice.invoice_line_ids.id,
                                                 {"quantity": 1.0})]})
        note = invoice.message_ids[0].body
        self.assertIn("Edited in review by ab_finance", note)
        self.assertIn("Client asked for one hour off", note)
        self.assertIn("300.00", note)
        self.assertIn("150.00", note)

    def test_sent_to_billing_contacts_with_pay_link(self):
        invoice = self._draft((self.emp_cd, 2.0))
        invoice.action_agency_approve()
        self.assertEqual(invoice.review_state, "sent")
        mail = invoice.message_ids.filtered(lambda m: m.partner_ids == self.contact)
        self.assertEqual(len(mail), 1)
        self.assertIn("Pay now", mail.body)
        self.assertIn(f"/my/invoices/{invoice.id}", mail.body)
        self.assertIn("payment=True", mail.body)
        self.assertIn("Project:", mail.body)
        self.assertTrue(mail.attachment_ids, "the invoice report is attached")

    def test_send_failure_stays_posted_and_is_retried(self):
        template = self.env.ref("agency_billing.mail_template_agency_invoice")
        subject = template.subject
        template.subject = "{{ object.no_such_field }}"
        invoice = self._draft((self.emp_cd, 2.0))
        invoice.action_agency_approve()
        self.assertEqual((invoice.state, invoice.review_state), ("posted", "approved"))
        self.assertEqual(invoice.send_attempts, 1)
        self.assertTrue(invoice.send_error)
        self.assertIn("Sending failed (attempt 1)", invoice.message_ids[0].body)
        self.env["account.move"]._agency_retry_sending()
        self.assertEqual(invoice.send_attempts, 2)
        template.subject = subject
        self.env["account.move"]._agency_retry_sending()
        self.assertEqual(invoice.review_state, "sent")
        self.assertFalse(invoice.send_error)
        self.assertTrue(invoice.is_move_sent)

    def test_reset_to_draft_goes_back_to_review(self):
        invoice = self._draft((self.emp_cd, 2.0))
        invoice.action_agency_approve()
        invoice.button_draft()
        self.assertEqual(invoice.review_state, "to_review")
