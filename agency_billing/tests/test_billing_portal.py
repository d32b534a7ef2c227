from datetime import date

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

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


@tagged("post_install", "-at_install")
class TestPortalPaymentSignedIn(AgencyBillingRunCase, HttpCase):
    """The client's billing contact, signed in to the portal, pays an open invoice with the
    demo provider from the invoice list and from the invoice page; the invoice is paid.
    Another client's user cannot start a payment of it, with or without its address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.provider = cls.env.ref("payment.payment_provider_demo")
        cls.provider.write({"state": "test", "is_published": True,
                            "company_id": cls.company.id})
        cls.client.billing_cycle = "manual"
        cls.portal_user = new_test_user(cls.env, login="ab_pay_portal",
                                        groups="base.group_portal", name="Bea Billing")
        cls.portal_user.partner_id = cls.contact

    def _open_invoice(self, hours):
        """A sent invoice of the client (hours at the Creative Director's 150/h)."""
        self._time(self.emp_cd, hours, day=date(2026, 3, 10))
        invoice = self._run_now(date(2026, 3, 31)).invoice_ids
        invoice.write({"invoice_date": date(2026, 3, 31), "invoice_payment_term_id": False,
                       "invoice_date_due": date(2026, 4, 30)})
        invoice.action_agency_approve()
        self.assertEqual((invoice.state, invoice.payment_state), ("posted", "not_paid"))
        self.assertEqual(invoice.amount_untaxed, hours * 150.0)
        return invoice

    def _assert_paid(self, invoice):
        transaction = invoice.transaction_ids
        self.assertEqual(transaction.provider_id, self.provider)
        self.assertEqual(transaction.state, "done")
        self.assertEqual(transaction.partner_id, self.contact, "paid by the signed-in contact")
        if not transaction.is_post_processed:
            transaction._post_process()
        self.assertEqual(transaction.amount, invoice.amount_total)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))

    def test_signed_in_client_pays_from_invoice_list(self):
        invoice = self._open_invoice(2.0)
        self.start_tour("/my/invoices", "agency_billing_portal_pay_from_list_tour",
                        login="ab_pay_portal")
        self._assert_paid(invoice)

    def test_signed_in_client_pays_from_invoice_page(self):
        invoice = self._open_invoice(3.0)
        self.start_tour(f"/my/invoices/{invoice.id}", "agency_billing_portal_pay_from_page_tour",
                        login="ab_pay_portal")
        self._assert_paid(invoice)

    @mute_logger("odoo.http")
    def test_other_client_cannot_start_payment(self):
        """The token stays optional only for a reader of the invoice: another client's
        signed-in user is refused without a token and with a wrong one."""
        invoice = self._open_invoice(1.0)
        other = self.env["res.partner"].create({"name": "Other Client Ltd",
                                                "is_company": True})
        outsider = new_test_user(self.env, login="ab_pay_outsider",
                                 groups="base.group_portal", name="Otto Outsider")
        outsider.partner_id.parent_id = other
        self.authenticate("ab_pay_outsider", "ab_pay_outsider")
        params = {"provider_id": self.provider.id, "payment_method_id":
                  self.env.ref("payment.payment_method_unknown").id, "token_id": None,
                  "amount": invoice.amount_total, "flow": "direct",
                  "tokenization_requested": False, "landing_route": "/my/invoices",
                  "is_validation": False}
        for token in (None, "not-the-token"):
            with self.subTest(token=token), self.assertRaises(JsonRpcException) as refused:
                self.make_jsonrpc_request(f"/invoice/transaction/{invoice.id}",
                                          dict(params, access_token=token))
            self.assertEqual(str(refused.exception), "odoo.exceptions.ValidationError")
        self.assertFalse(invoice.sudo().transaction_ids)
