from datetime import date

from lxml import html

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


@tagged("post_install", "-at_install")
class TestClientPortalTimesheets(AgencyBillingRunCase, HttpCase):
    """``/my/timesheets`` as the signed-in client: billable time of its own projects only.

    Invoiced on the posted March invoice (rounded up to 15 min): Creative 1.1 → 1.25 h,
    Design 0.7 → 0.75 h = 2.00 h. In April: 2.0 h on a draft invoice in review and 0.5 h
    not invoiced, shown (as not invoiced yet) only with *Unbilled Time in Portal*; never the
    internal, held, excluded or unclassified entries, nor another client's time.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.write({"time_rounding": "up", "time_rounding_unit": 15,
                          "billing_cycle": "manual"})
        cls.project.write({"privacy_visibility": "portal"})
        cls.project.message_subscribe(cls.client.ids)
        cls.portal_user = new_test_user(cls.env, login="ab_ts_portal",
                                        groups="base.group_portal", name="Bea Billing")
        cls.portal_user.partner_id = cls.contact

    def _page(self, query=""):
        self.authenticate("ab_ts_portal", "ab_ts_portal")
        response = self.url_open(f"/my/timesheets{query}")
        self.assertEqual(response.status_code, 200)
        return html.fromstring(response.text)

    @staticmethod
    def _nodes(page, css_class, tail=""):
        return page.xpath(f"//*[contains(concat(' ', @class, ' '), ' {css_class} ')]{tail}")

    def _texts(self, page, css_class, tail=""):
        """The texts (spaces normalised) of the elements of a class (and a path below)."""
        return [" ".join(node.text_content().split())
                for node in self._nodes(page, css_class, tail)]

    def test_client_sees_billable_time_only(self):
        self._time(self.emp_cd, 1.1, day=date(2026, 3, 10), name="Concept review")
        self._time(self.emp_designer, 0.7, day=date(2026, 3, 12), task=self.task_design,
                   name="Banner resize")
        posted = self._run_now(date(2026, 3, 31)).invoice_ids
        posted.invoice_date = date(2026, 3, 31)
        posted.action_agency_approve()
        self.assertEqual(posted.state, "posted")
        self.assertEqual(sum(posted.invoice_line_ids.mapped("quantity")), 2.0)
        self._time(self.emp_cd, 2.0, day=date(2026, 4, 8), name="April concepts")
        draft = self._run_now(date(2026, 4, 30)).invoice_ids
        self.assertEqual(draft.state, "draft")
        self.assertTrue(draft.timesheet_ids)
        self._time(self.emp_cd, 0.5, day=date(2026, 5, 4), name="Open work")
        self.env["agency.classification.rule"].create({
            "name": "Internal", "sequence": 1, "keywords": "internal",
            "service_type_id": self.st_internal.id, "billable": "non_billable",
            "reason": "Internal work is never billed"})
        internal = self._time(self.emp_cd, 0.4, day=date(2026, 5, 4),
                              name="Internal briefing with the team")
        held = self._time(self.emp_cd, 1.0, day=date(2026, 5, 5), name="Held extra",
                          billing_hold=True, billing_hold_reason="Over scope")
        excluded = self._time(self.emp_cd, 0.6, day=date(2026, 5, 5), name="Excluded call",
                              exclude_from_billing=True, exclusion_reason="Goodwill")
        self.assertEqual((internal.is_billable, held.billing_hold, excluded.is_billable),
                         (False, True, False))
        unsorted = self.env["project.project"].create({
            "name": "Unsorted work", "partner_id": self.client.id, "allow_billable": True,
            "allow_timesheets": True, "sale_line_id": self.creative_line.id,
            "privacy_visibility": "portal"})
        unsorted.message_subscribe(self.client.ids)
        unclassified = self._time(self.emp_cd, 0.3, day=date(2026, 5, 6), project=unsorted,
                                  name="Mystery task")
        self.assertEqual(unclassified.classification_method, "review",
                         unclassified.classification_reason)
        other = self.env["res.partner"].create({"name": "Other Client", "is_company": True})
        other_project = self._make_contract(other)[1]
        other_project.write({"privacy_visibility": "portal"})
        self._time(self.emp_cd, 3.0, day=date(2026, 5, 6), project=other_project,
                   name="Other client work")
        hidden = ["Internal briefing", "Held extra", "Excluded call", "Mystery task",
                  "Other client work", "Card CD", "(hours)"]

        page = self._page()
        descriptions = page.text_content()
        self.assertIn("Concept review", descriptions)
        self.assertIn("Banner resize", descriptions)
        for text in hidden + ["April concepts", "Open work"]:
            self.assertNotIn(text, page.text_content(), "posted time only by default")
        self.assertEqual(self._texts(page, "agency_billed_time"), ["0.75", "1.25"])
        self.assertEqual(self._texts(page, "agency_billed_total", "/span"), ["2.00"])
        self.assertEqual(sorted(self._texts(page, "agency_invoice")), [posted.name] * 2)
        self.assertFalse(self._nodes(page, "agency_unbilled_total"))

        self.client.portal_show_unbilled_time = True
        page = self._page()
        text = page.text_content()
        for text_hidden in hidden:
            self.assertNotIn(text_hidden, text)
        if draft.name and draft.name != "/":
            self.assertNotIn(draft.name, text, "never a draft's name")
        self.assertEqual(sorted(self._texts(page, "agency_billed_time")),
                         ["0.50", "0.75", "1.25", "2.00"])
        self.assertEqual(self._texts(page, "agency_billed_total", "/span"), ["2.00"],
                         "the billed total is the posted invoice's")
        self.assertEqual(self._texts(page, "agency_unbilled_total", "/span"), ["2.50"])
        self.assertEqual(len(self._nodes(page, "agency_not_invoiced")), 2)

        page = self._page("?groupby=service_type_id")
        self.assertEqual(sorted(self._texts(page, "agency_group_label")),
                         sorted([self.st_creative.name, self.st_design.name]))
        self.assertEqual(sorted(self._texts(page, "agency_group_total")), sorted([
            "Total: 1.25 + 2.50 not invoiced yet", "Total: 0.75"]))
        page = self._page("?groupby=so_line")
        self.assertFalse(self._nodes(page, "agency_group_label"), "no sale line grouping")
        self.assertNotIn("(hours)", page.text_content())

        self.start_tour("/my/timesheets?groupby=service_type_id",
                        "agency_billing_client_timesheets_tour", login="ab_ts_portal")
