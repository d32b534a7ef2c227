from datetime import date

from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import AgencyBillingCase


@tagged("post_install", "-at_install")
class TestOverridesAndExclusion(AgencyBillingCase):
    """Exclusion, manual overrides, re-rating and invoiced entries."""

    def _override(self, lines, **values):
        wizard = self.env["agency.time.override.wizard"].with_user(self.user_finance).create(
            {"line_ids": [(6, 0, lines.ids)], **values}
        )
        wizard.action_apply()

    def test_exclusion_needs_a_reason_and_is_never_invoiced(self):
        self.env["agency.rate.rule"].create({"rate": 100.0, "job_id": self.job_designer.id})
        kept = self._time(self.emp_designer, 2.0, task=self.task_design)
        dropped = self._time(self.emp_designer, 1.0, task=self.task_design)
        with self.assertRefused(ValidationError, "excluded from billing"):
            dropped.write({"exclude_from_billing": True})
        self._override(dropped, action="exclude", reason="Our mistake, redo")
        self.assertFalse(dropped.is_billable)
        self.assertFalse(dropped.so_line)
        self.assertEqual(dropped.exclusion_reason, "Our mistake, redo")
        invoice = self._invoice()
        self.assertEqual(invoice.amount_untaxed, 200.0)
        self.assertEqual(kept.timesheet_invoice_id, invoice)
        self.assertFalse(dropped.timesheet_invoice_id)

    def test_rate_override_survives_rerate_and_is_logged(self):
        rule = self.env["agency.rate.rule"].create({"rate": 100.0, "job_id": self.job_designer.id})
        entry = self._time(self.emp_designer, 1.0, task=self.task_design)
        self._override(entry, action="rate", rate=90.0, reason="Goodwill on the banner set")
        self.assertEqual(entry.agency_rate, 90.0)
        self.assertTrue(entry.rate_locked)
        self.assertFalse(entry.rate_rule_id)
        self.assertEqual(entry.so_line.price_unit, 90.0)
        self.assertIn("Goodwill", entry.rate_reason)
        rule.rate = 130.0
        self.env["account.analytic.line"]._cron_agency_rerate()
        self.assertEqual(entry.agency_rate, 90.0, "an override survives re-rating")
        log = entry.override_ids
        self.assertEqual(len(log), 1)
        self.assertEqual((log.kind, log.old_value, log.new_value, log.reason, log.user_id),
                         ("rate", "100.00", "90.00", "Goodwill on the banner set",
                          self.user_finance))
        invoice = self._invoice()
        self.assertEqual(invoice.amount_untaxed, 90.0)
        message = self.project.message_ids[:1]
        self.assertIn("Goodwill on the banner set", message.body)
        self.assertIn(self.user_finance.name, message.body)
        self.assertIn("100.00 → 90.00", message.body)

    def test_classification_override_survives_rerate(self):
        entry = self._time(self.emp_designer, 1.0, task=self.task_design)
        self._override(entry, action="service_type", service_type_id=self.st_creative.id,
                       reason="It was concept work")
        self.assertEqual(entry.service_type_id, self.st_creative)
        self.assertEqual(entry.classification_method, "manual")
        entry._agency_rerate()
        self.assertEqual(entry.service_type_id, self.st_creative)
        self._override(entry, action="unlock", reason="back to rules")
        self.assertEqual(entry.service_type_id, self.st_design)
        self.assertEqual(entry.classification_method, "task")

    def test_rerate_leaves_invoiced_entries_alone(self):
        rule = self.env["agency.rate.rule"].create({"rate": 100.0, "job_id": self.job_designer.id})
        invoiced = self._time(self.emp_designer, 2.0, task=self.task_design)
        invoice = self._invoice()
        invoice.action_post()
        self.assertEqual(invoiced.timesheet_invoice_id, invoice)
        open_entry = self._time(self.emp_designer, 1.0, task=self.task_design,
                                day=date(2026, 3, 12))
        rule.rate = 140.0
        self.assertFalse(invoiced.agency_rerate_needed)
        self.assertTrue(open_entry.agency_rerate_needed)
        self.env["account.analytic.line"]._cron_agency_rerate()
        self.assertEqual(open_entry.agency_rate, 140.0)
        self.assertEqual(open_entry.so_line.price_unit, 140.0)
        old_line = invoiced.so_line
        self.assertEqual((old_line.qty_delivered, old_line.qty_invoiced), (2.0, 2.0))
        self.assertEqual(invoiced.agency_rate, 100.0)
        self.assertEqual(invoiced.so_line.price_unit, 100.0)
        invoiced._agency_rerate()
        self.assertEqual(invoiced.agency_rate, 100.0)
        with self.assertRefused(UserError, "already invoiced"):
            invoiced.with_context(agency_override_reason="late").write({"agency_rate": 1.0})
        second = self._invoice()
        self.assertEqual(second.amount_untaxed, 140.0)

    def test_rerate_button(self):
        rule = self.env["agency.rate.rule"].create({"rate": 100.0, "job_id": self.job_designer.id})
        entry = self._time(self.emp_designer, 1.0, task=self.task_design)
        rule.rate = 105.0
        action = rule.with_user(self.user_finance).action_rerate_now()
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(entry.agency_rate, 105.0)

    def test_held_time_is_neither_delivered_nor_invoiced_until_released(self):
        self.env["agency.rate.rule"].create({"rate": 100.0, "job_id": self.job_designer.id})
        billed = self._time(self.emp_designer, 1.0, task=self.task_design)
        held = self._time(self.emp_designer, 2.0, task=self.task_design,
                          billing_hold=True, billing_hold_reason="Over scope")
        self.assertEqual(billed.so_line, held.so_line)
        self.assertEqual(billed.so_line.qty_delivered, 1.0)
        first = self._invoice()
        self.assertEqual(first.amount_untaxed, 100.0)
        self.assertFalse(held.timesheet_invoice_id)
        held.write({"billing_hold": False, "billing_hold_reason": False})
        self.assertEqual(held.so_line.qty_delivered, 3.0)
        second = self._invoice()
        self.assertEqual(second.amount_untaxed, 200.0)
        self.assertEqual(held.timesheet_invoice_id, second)
