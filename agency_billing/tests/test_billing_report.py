from datetime import date, datetime

from odoo.tests import tagged

from .billing_common import AgencyBillingRunCase


@tagged("post_install", "-at_install")
class TestInvoiceReport(AgencyBillingRunCase):
    """The invoice PDF (Odoo's report, extended): project context and the time at the
    client's detail level, billed and raw. Time is rounded up to 15 minutes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.write({"time_rounding": "up", "time_rounding_unit": 15,
                          "billing_last_period_end": date(2026, 2, 28)})

    def setUp(self):
        super().setUp()
        self._time(self.emp_cd, 1.1, day=date(2026, 3, 10), name="Concept review")
        self._time(self.emp_designer, 0.7, day=date(2026, 3, 11), task=self.task_design,
                   name="Banner resize")
        self._time(self.emp_designer, 1.0, day=date(2026, 3, 12), task=self.task_design,
                   name="Social posts")
        milestone = self.env["project.milestone"].create({
            "name": "Key visual approved", "project_id": self.project.id, "is_reached": True,
        })
        milestone.reached_date = date(2026, 3, 20)
        self.task_design.write({"state": "1_done"})
        self.task_design.date_last_stage_update = datetime(2026, 3, 25, 10, 0)

    def _invoice_at(self, level):
        self.client.invoice_detail_level = level
        invoice = self._run_due(date(2026, 4, 1)).invoice_ids
        self.assertEqual(invoice.agency_detail_level, level)
        self.assertEqual(invoice.amount_untaxed, 397.5)  # 1.25 x 150 + 1.75 x 120
        return invoice

    def assertContext(self, text):
        self.assertIn("Project Acme Test Foods project", text)
        self.assertIn("Period 03/01/2026 – 03/31/2026", text)
        self.assertIn("Milestones reached Key visual approved (03/20/2026)", text)
        self.assertIn("Deliverables Visual set", text)

    def test_summary(self):
        text = self._report_text(self._invoice_at("summary"))
        self.assertContext(text)
        self.assertNotIn("Time detail", text)
        self.assertNotIn("Banner resize", text)

    def test_by_service_type(self):
        text = self._report_text(self._invoice_at("service_type"))
        self.assertContext(text)
        self.assertIn("Time detail: By service type", text)
        self.assertIn("Service type Entries Recorded h Billed h Amount", text)
        self.assertIn("Creative 1 1.10 1.25 $ 187.50", text)
        self.assertIn("Design 2 1.70 1.75 $ 210.00", text)
        self.assertIn("Time total 2.80 3.00 $ 397.50", text)
        self.assertNotIn("Banner resize", text)

    def test_by_role(self):
        text = self._report_text(self._invoice_at("role"))
        self.assertIn("Time detail: By role", text)
        self.assertIn("Test Creative Director 1 1.10 1.25 $ 187.50", text)
        self.assertIn("Test Designer 2 1.70 1.75 $ 210.00", text)

    def test_by_task(self):
        text = self._report_text(self._invoice_at("task"))
        self.assertIn("Time detail: By task", text)
        self.assertIn("No task 1 1.10 1.25 $ 187.50", text)
        self.assertIn("Visual set 2 1.70 1.75 $ 210.00", text)

    def test_full_annex(self):
        self.client.invoice_show_names = True
        text = self._report_text(self._invoice_at("annex"))
        self.assertIn("Time detail: Full time-entry annex", text)
        self.assertIn("Date Who Role Task Description Recorded h Billed h Rate Amount", text)
        self.assertIn("03/10/2026 Casey CD Test Creative Director Concept review 1.10 1.25 "
                      "$ 150.00 $ 187.50", text)
        self.assertIn("03/11/2026 Dana Designer Test Designer Visual set Banner resize 0.70 "
                      "0.75 $ 120.00 $ 90.00", text)
        self.assertIn("03/12/2026 Dana Designer Test Designer Visual set Social posts 1.00 "
                      "1.00 $ 120.00 $ 120.00", text)
        self.assertIn("Time total 2.80 3.00 $ 397.50", text)

    def test_level_changed_on_the_invoice(self):
        invoice = self._invoice_at("summary")
        invoice.agency_detail_level = "role"
        self.assertIn("Time detail: By role", self._report_text(invoice))

    def test_plain_odoo_invoice_unchanged(self):
        invoice = self._history(self.client, [500.0])
        text = self._report_text(invoice)
        self.assertNotIn("Time detail", text)
        self.assertNotIn("Milestones reached", text)
