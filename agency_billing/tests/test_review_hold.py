from datetime import date

from odoo.tests import tagged

from .billing_common import AgencyBillingRunCase

APRIL, MAY = date(2026, 4, 1), date(2026, 5, 1)


@tagged("post_install", "-at_install")
class TestReviewHold(AgencyBillingRunCase):
    """Time that needs its service type decided is never invoiced silently: billing runs
    (and Odoo's own invoicing) leave it out, count and name it, until someone classifies
    it (an override, logged with who and why)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.billing_last_period_end = date(2026, 2, 28)
        cls.project.service_type_id = False  # nothing to fall back on: entries need review

    def setUp(self):
        super().setUp()
        self.unclassified = self._time(self.emp_cd, 2.0, day=date(2026, 3, 10),
                                       name="Misc tweaks")
        self.assertEqual(self.unclassified.classification_method, "review")
        self.assertTrue(self.unclassified.needs_review)
        self.assertTrue(self.unclassified.so_line, "routed, but not delivered")

    def test_needs_review_entry_kept_out_of_a_run(self):
        self._time(self.emp_designer, 1.0, day=date(2026, 3, 11), task=self.task_design)
        run = self._run_due(APRIL)
        invoice = run.invoice_ids
        self.assertEqual(invoice.amount_untaxed, 120.0, "only the design hour")
        self.assertNotIn(self.unclassified, invoice.timesheet_ids)
        self.assertFalse(self.unclassified.timesheet_invoice_id)
        line = run.line_ids
        self.assertEqual((line.outcome, line.review_count, line.review_hours),
                         ("invoiced", 1, 2.0))
        self.assertIn("1 time entries (2.00 h) need their service type decided", line.message)
        self.assertIn("2026-03-10 Casey CD: Misc tweaks", line.message)
        self.assertIn("low_confidence", self._flags(invoice))
        flag = invoice.anomaly_ids.filtered(lambda a: a.code == "low_confidence")
        self.assertEqual(self.env["account.analytic.line"].search(
            flag.action_view_entries()["domain"]), self.unclassified, "one click away")
        # Classified by hand (logged): the next run bills it, at its rate.
        self.unclassified.with_context(
            agency_override_reason="Concept work for the spring campaign").service_type_id = \
            self.st_creative
        self.assertEqual(self.unclassified.override_ids.reason,
                         "Concept work for the spring campaign")
        self.assertEqual(self.creative_line.qty_delivered, 2.0)
        may = self._run_due(MAY)
        self.assertEqual(may.invoice_ids.amount_untaxed, 300.0)
        self.assertEqual(self.unclassified.timesheet_invoice_id, may.invoice_ids)
        self.assertFalse(may.line_ids.review_count)

    def test_only_unclassified_time_skips_the_client(self):
        run = self._run_due(APRIL)
        self.assertFalse(run.invoice_ids)
        self.assertEqual((run.line_ids.outcome, run.line_ids.reason),
                         ("skipped", "review_time"))
        self.assertIn("Misc tweaks", run.line_ids.message)

    def test_odoo_invoicing_leaves_it_out_too(self):
        self.assertEqual(self.unclassified.so_line.qty_delivered, 0.0)
        self._time(self.emp_cd, 1.0, day=date(2026, 3, 12), task=self.env["project.task"].create(
            {"name": "Key visual", "project_id": self.project.id,
             "service_type_id": self.st_creative.id}))
        invoice = self._invoice()
        self.assertEqual(invoice.amount_untaxed, 150.0)
        self.assertFalse(self.unclassified.timesheet_invoice_id)
