from datetime import date

from odoo.tests import HttpCase, tagged

from .billing_common import AgencyBillingRunCase


@tagged("post_install", "-at_install")
class TestBillingScreens(AgencyBillingRunCase, HttpCase):
    """The review queue and billing runs in the web client, in headless Chromium."""

    def test_review_queue_tour(self):
        self.env["agency.rate.rule"].search([("job_id", "=", self.job_designer.id)]).active = False
        self.client.billing_last_period_end = date(2026, 2, 28)
        self._time(self.emp_designer, 2.0, day=date(2026, 3, 10), task=self.task_design)
        invoice = self._run_due(date(2026, 4, 1)).invoice_ids
        self.assertEqual(self._flags(invoice), {"no_rate_rule"})
        self.start_tour("/odoo", "agency_billing_review_tour", login="ab_finance")
        # The web request hands the email to Odoo's mail queue; sent once delivered.
        self.env["mail.mail"].sudo().process_email_queue()
        self.assertEqual((invoice.state, invoice.review_state), ("posted", "sent"))
        self.assertEqual(invoice.anomaly_ids.override_reason, "Rate agreed with the client")
        self.assertEqual(invoice.anomaly_ids.override_user_id, self.user_finance)
