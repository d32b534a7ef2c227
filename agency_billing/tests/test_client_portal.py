from datetime import date

from odoo.tests import HttpCase, new_test_user, tagged

from .billing_common import AgencyBillingRunCase


@tagged("post_install", "-at_install")
class TestClientPortal(AgencyBillingRunCase, HttpCase):
    """The client, signed in to the portal, reads its invoice (Odoo's invoice report in
    the page) and the timesheets behind it: service types and labelled rates, no rule
    name or reason, no person's name; billed hours that add up to the invoice; the
    Account Director as its contact (browser tour, headless Chromium).

    Billed (rounded up to 15 min): 1.25 h at 150 + 2.00 h at 170 + 0.75 h at 120
    = 617.50 for 4.00 h.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.write({"time_rounding": "up", "time_rounding_unit": 15,
                          "billing_cycle": "manual"})
        senior = cls.env["hr.employee"].create({"name": "Morgan Senior",
                                                "job_id": cls.job_cd.id})
        cls.env["agency.rate.rule"].create({
            "name": "Rate card: Morgan Senior (senior)", "employee_id": senior.id,
            "rate": 170.0, "client_label": "Senior creative rate"})
        cls.director = new_test_user(cls.env, login="ab_portal_director",
                                     name="Avery Director",
                                     groups="agency_billing.group_agency_billing_user")
        cls.project.write({"account_director_id": cls.director.id,
                           "privacy_visibility": "portal"})
        cls.portal_user = new_test_user(cls.env, login="ab_client_portal",
                                        groups="base.group_portal", name="Bea Billing")
        cls.portal_user.partner_id = cls.contact
        cls.project.message_subscribe(cls.client.ids)
        cls.senior = senior

    def test_client_reads_invoice_and_timesheets(self):
        self._time(self.emp_cd, 1.1, day=date(2026, 3, 10), name="Concept review")
        self._time(self.senior, 2.0, day=date(2026, 3, 11), name="Key visual")
        self._time(self.emp_designer, 0.7, day=date(2026, 3, 12), task=self.task_design,
                   name="Banner resize")
        invoice = self._run_now(date(2026, 3, 31)).invoice_ids
        invoice.invoice_date = date(2026, 3, 31)
        invoice.action_agency_approve()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_untaxed, 617.5)
        self.assertEqual(invoice.invoice_user_id, self.director)
        self.assertEqual(invoice.invoice_date_due, date(2026, 4, 30), "30 days by default")
        self.assertEqual(sum(invoice.timesheet_ids.mapped("billed_unit_amount")), 4.0)
        self.assertEqual(sum(invoice.invoice_line_ids.mapped("quantity")), 4.0)
        self.start_tour(f"/my/invoices/{invoice.id}", "agency_billing_client_portal_tour",
                        login="ab_client_portal")
