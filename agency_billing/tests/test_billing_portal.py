from datetime import date

from odoo.tests import HttpCase, tagged

from .billing_common import AgencyBillingRunCase


@tagged("post_install", "-at_install")
class TestPortalPayment(AgencyBillingRunCase, HttpCase):
    """The client pays a sent invoice in the portal with the demo payment provider (a
    test-only module of the harness); the invoice is paid and reminders stop."""

    def test_client_pays_sent_invoice_in_portal(self):
        provider = self.env.ref("payment.payment_provider_demo")
        self.assertEqual(provider.code, "demo")
        provider.write({"state": "test", "is_published": True,
                        "company_id": self.company.id})
        self.client.billing_cycle = "manual"
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        invoice = self._run_now(date(2026, 3, 31)).invoice_ids
        invoice.write({"invoice_date": date(2026, 3, 31),
                       "invoice_payment_term_id": False,
                       "invoice_date_due": date(2026, 4, 10)})
        invoice.action_agency_approve()
        self.assertEqual((invoice.state, invoice.review_state), ("posted", "sent"))
        remind = self.env["account.move"].with_context
        first = remind(agency_billing_today=date(2026, 4, 13))._cron_agency_reminders()
        self.assertEqual(first.move_id, invoice, "3 days overdue: first reminder")
        pay_link = invoice._agency_pay_url()
        body = str(first.message_id.body).replace("&amp;", "&")
        self.assertIn(pay_link, body, body)

        self.start_tour(pay_link, "agency_billing_portal_pay_tour")

        transaction = invoice.transaction_ids
        self.assertEqual(transaction.provider_id, provider)
        self.assertEqual(transaction.state, "done")
        if not transaction.is_post_processed:
            transaction._post_process()
        self.assertEqual(transaction.amount, invoice.amount_total)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertFalse(remind(agency_billing_today=date(2026, 4, 20))._cron_agency_reminders(),
                         "paid: no second reminder")
        self.assertEqual(invoice.reminder_count, 1)
