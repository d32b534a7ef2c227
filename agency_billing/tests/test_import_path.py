from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import AgencyBillingCase


@tagged("post_install", "-at_install")
class TestImportPath(AgencyBillingCase):
    """The importers' write path: a source's hint goes through the rules, in batch."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["agency.classification.rule"].create({
            "name": "Stand-ups", "sequence": 1, "keywords": "standup",
            "service_type_id": cls.st_internal.id, "billable": "non_billable",
            "reason": "Stand-ups are internal",
        })
        # Design bills 130/h by rule: the contract sells design at 120, so the first
        # imported design time adds a billing line at 130 to the order.
        cls.design_rule = cls._rule(cls, 130.0, service_type_id=cls.st_design,
                                    name="Design by rule")
        cls._rule(cls, 150.0, service_type_id=cls.st_creative, name="Creative by rule")
        cls.other_company = cls.env["res.company"].create({"name": "Other Agency Ltd"})
        cls.foreign_type = cls.env["agency.service.type"].create({
            "name": "Foreign design", "code": "fdesign", "company_id": cls.other_company.id,
        })
        cls.Line = cls.env["account.analytic.line"]

    def _vals(self, hours, name="Asana work", **extra):
        return {
            "name": name, "employee_id": self.emp_designer.id, "project_id": self.project.id,
            "unit_amount": hours, "date": date(2026, 3, 10), "source": "asana",
            "external_activity_type": "task", **extra,
        }

    def _messages(self, record):
        return self.env["mail.message"].search_count(
            [("model", "=", record._name), ("res_id", "=", record.id)])

    def test_batch_classified_by_hint_rated_to_the_cent(self):
        project_notes = self._messages(self.project)
        order_notes = self._messages(self.order)
        lines = self.Line._agency_import_create([
            self._vals(1.25, external_ref="asana-1", service_type_hint="DESIGN"),
            self._vals(0.5, external_ref="asana-2", service_type_hint="Design"),
            self._vals(2.0, external_ref="asana-3", service_type_hint=" design "),
            self._vals(1.0, name="Daily standup", external_ref="asana-4",
                       service_type_hint="design"),
            self._vals(1.5, external_ref="asana-5", service_type_hint="creative",
                       task_id=self.task_design.id),
        ])
        hinted, standup, over_task = lines[:3], lines[3], lines[4]
        self.assertEqual(hinted.service_type_hint_id, self.st_design)
        self.assertEqual(set(hinted.mapped("classification_method")), {"hint"})
        self.assertEqual(hinted.service_type_id, self.st_design)
        self.assertEqual(hinted[0].classification_reason, "Asana's hint: Design work")
        self.assertEqual(hinted.rate_rule_id, self.design_rule)
        self.assertEqual(hinted.mapped("billed_amount"), [162.5, 65.0, 260.0])
        self.assertEqual(sum(hinted.mapped("billed_amount")), 487.5)
        self.assertEqual(hinted.so_line.price_unit, 130.0)
        self.assertEqual(hinted.so_line.qty_delivered, 3.75)
        # A classification rule still beats the hint; the hint beats the task's type.
        self.assertEqual((standup.service_type_id, standup.classification_method),
                         (self.st_internal, "rule"))
        self.assertFalse(standup.is_billable)
        self.assertEqual(standup.billed_amount, 0.0)
        self.assertEqual((over_task.service_type_id, over_task.classification_method),
                         (self.st_creative, "hint"))
        self.assertEqual(over_task.billed_amount, 225.0)
        # Not an override: nothing locked, nothing logged as set by hand.
        self.assertFalse(lines.override_ids)
        self.assertFalse(any(lines.mapped("classification_locked")))
        self.assertFalse(any(lines.mapped("rate_locked")))
        self.assertEqual(set(lines.mapped("source")), {"asana"})
        self.assertEqual(lines.mapped("external_ref"),
                         ["asana-1", "asana-2", "asana-3", "asana-4", "asana-5"])
        # At most one note per batch: the order's note about the line added at 130/h.
        self.assertLessEqual(self._messages(self.project) - project_notes, 1)
        self.assertEqual(self._messages(self.order) - order_notes, 1)
        invoice = self._invoice()
        self.assertEqual(invoice.amount_untaxed, 712.5)

    def test_unknown_or_foreign_hint_continues_down_the_chain(self):
        unknown, foreign, on_task, by_id = self.Line._agency_import_create([
            self._vals(1.0, service_type_hint="Interpretive dance"),
            self._vals(1.0, service_type_hint="fdesign"),
            self._vals(1.0, service_type_hint="nope", task_id=self.task_design.id),
            self._vals(1.0, service_type_hint_id=self.st_creative.id),
        ])
        self.assertFalse(unknown.service_type_hint_id)
        self.assertEqual(unknown.classification_method, "review")
        self.assertTrue(unknown.needs_review)
        self.assertFalse(foreign.service_type_hint_id, "another company's type is no hint")
        self.assertEqual((on_task.service_type_id, on_task.classification_method),
                         (self.st_design, "task"))
        self.assertEqual(on_task.billed_amount, 130.0)
        self.assertEqual((by_id.service_type_id, by_id.classification_method),
                         (self.st_creative, "hint"))

    def test_protected_fields_refused(self):
        count = self.Line.search_count([])
        refused = [("agency_rate", 999.0), ("service_type_id", self.st_design.id),
                   ("billed_unit_amount", 8.0), ("billing_hold", True),
                   ("exclude_from_billing", True), ("so_line", self.order.order_line[0].id)]
        for fname, value in refused:
            with self.assertRefused(UserError, rf"cannot set .*\({fname}\)"):
                self.Line._agency_import_create(
                    [self._vals(1.0), self._vals(1.0, **{fname: value})])
        self.assertEqual(self.Line.search_count([]), count, "nothing created")
        entry = self.Line._agency_import_create([self._vals(1.0, service_type_hint="design")])
        with self.assertRefused(UserError, r"Rate \(agency_rate\)"):
            entry._agency_import_write({"agency_rate": 1.0})
        self.assertEqual(entry.agency_rate, 130.0)

    def test_update_from_source_reclassifies_and_refuses_invoiced(self):
        entry = self.Line._agency_import_create([
            self._vals(1.0, external_ref="asana-9", service_type_hint="design")])
        entry._agency_import_write({"unit_amount": 2.0, "name": "Concepts",
                                    "service_type_hint": "Creative"})
        self.assertEqual((entry.service_type_id, entry.classification_method),
                         (self.st_creative, "hint"))
        self.assertEqual(entry.billed_amount, 300.0)
        self.assertFalse(entry.override_ids)
        entry._agency_import_write({"service_type_hint": "unknown type",
                                    "task_id": self.task_design.id})
        self.assertEqual((entry.service_type_id, entry.classification_method),
                         (self.st_design, "task"))
        self.assertEqual(entry.billed_amount, 260.0)
        invoice = self._invoice()
        invoice.action_post()
        self.assertEqual(entry.timesheet_invoice_id, invoice)
        with self.assertRefused(UserError, "already invoiced"):
            entry._agency_import_write({"unit_amount": 5.0})
        self.assertEqual(entry.unit_amount, 2.0)
