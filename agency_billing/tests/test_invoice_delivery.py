from contextlib import contextmanager
from datetime import date
from unittest.mock import patch

from odoo import modules
from odoo.tests import tagged
from odoo.tools import mute_logger

from .billing_common import AgencyBillingRunCase
from .smtp_server import SmtpServer

APRIL = date(2026, 4, 1)
BOUNCE = """From: MAILER-DAEMON@acme-test.example
To: billing@agency.example
Subject: Undelivered Mail Returned to Sender
Message-Id: <bounce-1@acme-test.example>
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="DSN"

--DSN
Content-Type: text/plain

This is the mail system. Your message could not be delivered.
--DSN
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.acme-test.example

Final-Recipient: rfc822; bea@acme-test.example
Action: failed
Status: 5.1.1

--DSN
Content-Type: message/rfc822

Message-Id: %(message_id)s
Subject: Invoice

The invoice.
--DSN--
"""


@tagged("post_install", "-at_install")
class TestInvoiceDelivery(AgencyBillingRunCase):
    """"Sent" means delivered: the invoice follows what the mail server did with its
    email — here a real SMTP server on 127.0.0.1 that accepts or refuses it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.billing_last_period_end = date(2026, 2, 28)
        cls.env["ir.mail_server"].search([]).active = False
        cls.mail_server = cls.env["ir.mail_server"].create({
            "name": "Local test SMTP", "smtp_host": "127.0.0.1", "smtp_port": 2525,
            "smtp_encryption": "none", "sequence": 1,
        })

    @contextmanager
    def smtp(self, refuse):
        """Odoo really talks SMTP to a local server (as in production: outside a test
        Odoo never connects to a mail server; this lifts that, as Odoo's own mail tests
        do, for the duration of the block)."""
        with SmtpServer(refuse=refuse) as server:
            self.mail_server.smtp_port = server.port
            with patch.object(modules.module, "current_test", False), \
                    mute_logger("odoo.addons.mail.models.mail_mail"):
                yield server

    def _draft(self):
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        return self._run_due(APRIL).invoice_ids

    def test_refused_email_leaves_the_invoice_not_sent(self):
        invoice = self._draft()
        with self.smtp(refuse=True) as server:
            invoice.action_agency_approve()
        self.assertFalse(server.received)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual((invoice.review_state, invoice.agency_delivery_state),
                         ("approved", "failed"))
        self.assertFalse(invoice.is_move_sent, "counts as not sent")
        self.assertFalse(invoice.agency_sent_at)
        self.assertEqual(invoice.send_attempts, 1)
        self.assertIn("bea@acme-test.example", invoice.send_error)
        self.assertIn("Recipient address rejected", invoice.send_error)
        self.assertIn("was not delivered (attempt 1)", invoice.message_ids[0].body)
        retry = self.env["account.move"].search([
            ("review_state", "=", "approved"), ("send_error", "!=", False)])
        self.assertIn(invoice, retry, "in the retry list (Send Failed filter)")
        # The billing cron retries it; once the server takes it, it is sent.
        with self.smtp(refuse=False) as server:
            self.env["account.move"]._agency_retry_sending()
        self.assertTrue(any(b"bea@acme-test.example" in mail for mail in server.received))
        self.assertEqual((invoice.review_state, invoice.agency_delivery_state),
                         ("sent", "sent"))
        self.assertFalse(invoice.send_error)
        self.assertTrue(invoice.agency_sent_at)
        self.assertTrue(invoice.is_move_sent)
        self.assertEqual(invoice.send_attempts, 1)

    def test_bounce_after_delivery_reopens_sending(self):
        invoice = self._draft()
        with self.smtp(refuse=False):
            invoice.action_agency_approve()
        self.assertEqual(invoice.review_state, "sent")
        message = invoice.agency_send_message_id
        self.assertTrue(message)
        # The recipient's server bounces it later: a delivery status notification.
        bounce = BOUNCE % {"message_id": message.message_id}
        self.env["mail.thread"].message_process(False, bounce)
        self.assertEqual((invoice.review_state, invoice.agency_delivery_state),
                         ("approved", "failed"))
        self.assertIn("bea@acme-test.example", invoice.send_error)
        self.assertFalse(invoice.is_move_sent)
