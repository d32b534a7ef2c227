from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import AgencyBillingCase


@tagged("post_install", "-at_install")
class TestClassification(AgencyBillingCase):
    """Service type and billability of each entry: by rule, task, learning or review."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Rule = cls.env["agency.classification.rule"]
        cls.rule_internal = Rule.create({
            "name": "Internal", "sequence": 1, "keywords": "internal, team meeting",
            "service_type_id": cls.st_internal.id, "billable": "non_billable",
            "reason": "Internal work is never billed",
        })
        cls.rule_calls = Rule.create({
            "name": "HubSpot calls", "sequence": 5, "source": "hubspot", "activity_type": "call",
            "service_type_id": cls.st_comm.id,
        })
        cls.tag_urgent = cls.env["project.tags"].create({"name": "Media rush"})
        cls.rule_tag = Rule.create({
            "name": "Media tasks", "sequence": 10, "tag_ids": [(6, 0, cls.tag_urgent.ids)],
            "service_type_id": cls.st_media.id,
        })
        cls.rule_copy = Rule.create({
            "name": "Copy", "sequence": 20, "keywords": "headline, tagline",
            "service_type_id": cls.st_copy.id,
        })
        cls.company.agency_classification_threshold = 0.7
        # Learning reads every trusted entry of the company: keep other data (e.g. the
        # demo agency, when installed) out of these tests' training set.
        cls.env.cr.execute(
            "UPDATE account_analytic_line SET classification_method = 'review' "
            "WHERE classification_method IN ('rule', 'manual', 'hint', 'task')"
        )
        cls.env["account.analytic.line"].invalidate_model(["classification_method"])

    def test_rule_by_keyword_sets_type_and_reason(self):
        entry = self._time(self.emp_designer, 1.0, name="Three headline options")
        self.assertEqual(entry.service_type_id, self.st_copy)
        self.assertEqual(entry.classification_method, "rule")
        self.assertEqual(entry.classification_rule_id, self.rule_copy)
        self.assertEqual(entry.classification_reason, "Rule: Copy")
        self.assertTrue(entry.is_billable)

    def test_keywords_match_whole_words_only(self):
        """'headlines' is not 'headline'; 'taglines' not 'tagline'."""
        entry = self._time(self.emp_designer, 1.0, name="Headlines and taglines review")
        self.assertNotEqual(entry.classification_rule_id, self.rule_copy)

    def test_rule_by_source_and_activity_type(self):
        call = self._time(self.emp_ad, 0.5, name="Call with Grace", source="hubspot",
                          external_activity_type="CALL")
        meeting = self._time(self.emp_ad, 0.5, name="Meeting with Grace", source="hubspot",
                             external_activity_type="meeting")
        self.assertEqual(call.service_type_id, self.st_comm)
        self.assertEqual(call.classification_rule_id, self.rule_calls)
        self.assertNotEqual(meeting.classification_rule_id, self.rule_calls)

    def test_rule_by_task_tag(self):
        task = self.env["project.task"].create({
            "name": "Launch flight", "project_id": self.project.id,
            "tag_ids": [(6, 0, self.tag_urgent.ids)], "service_type_id": self.st_design.id,
        })
        entry = self._time(self.emp_designer, 1.0, task=task)
        self.assertEqual(entry.service_type_id, self.st_media, "the rule beats the task's type")

    def test_non_billable_rule_routes_to_no_sale_line(self):
        entry = self._time(self.emp_designer, 1.5, name="Internal tooling cleanup")
        self.assertEqual(entry.service_type_id, self.st_internal)
        self.assertFalse(entry.is_billable)
        self.assertFalse(entry.so_line)
        self.assertEqual(entry.billed_unit_amount, 0.0)
        self.assertEqual(entry.timesheet_invoice_type, "non_billable")
        self.assertEqual(entry.classification_reason, "Rule: Internal work is never billed")

    def test_task_type_when_no_rule(self):
        entry = self._time(self.emp_designer, 1.0, name="Iterations", task=self.task_design)
        self.assertEqual(entry.service_type_id, self.st_design)
        self.assertEqual(entry.classification_method, "task")

    def _teach(self, count=6):
        """Past entries classified by people and rules, then learned from."""
        Line = self.env["account.analytic.line"]
        for i in range(count):
            Line.with_context(agency_override_reason="training").create({
                "name": f"Storyboard frames round {i}", "employee_id": self.emp_cd.id,
                "project_id": self.project.id, "unit_amount": 1.0,
                "service_type_id": self.st_creative.id,
            })
            self._time(self.emp_designer, 1.0, name=f"Display banner resize {i}",
                       task=self.task_design)
        self.env["agency.classification.stat"]._learn(self.company)

    def test_learned_suggestion_applies_when_confident(self):
        self._teach()
        entry = self._time(self.emp_cd, 1.0, name="Storyboard frames for the TV spot")
        self.assertEqual(entry.service_type_id, self.st_creative)
        self.assertEqual(entry.classification_method, "learned")
        self.assertGreaterEqual(entry.classification_confidence, 0.7)
        self.assertIn("Learned from 6 past entries", entry.classification_reason)
        self.assertIn("'storyboard'", entry.classification_reason)
        self.assertFalse(entry.needs_review and "classify" in (entry.review_reason or ""))

    def test_low_confidence_is_flagged_not_guessed(self):
        self._teach()
        # words seen once for each type: the model hesitates
        entry = self._time(self.emp_cd, 1.0, name="Storyboard banner")
        self.assertFalse(entry.service_type_id, entry.classification_reason)
        self.assertEqual(entry.classification_method, "review")
        self.assertLess(entry.classification_confidence, 0.7)
        self.assertIn("Low-confidence suggestion", entry.classification_reason)
        self.assertTrue(entry.needs_review)
        self.assertIn("please classify", entry.review_reason)

    def test_unknown_words_fall_back_to_project_type_or_review(self):
        self._teach()
        entry = self._time(self.emp_cd, 1.0, name="Quarterly offsite planning")
        self.assertEqual(entry.classification_method, "review", entry.classification_reason)
        self.assertIn("No rule, task type, learned suggestion or project type",
                      entry.classification_reason)
        self.project.service_type_id = self.st_account
        entry._agency_rerate()
        self.assertEqual(entry.service_type_id, self.st_account)
        self.assertEqual(entry.classification_method, "project")

    def test_learning_ignores_its_own_guesses(self):
        self._teach()
        self._time(self.emp_cd, 1.0, name="Storyboard frames for the web spot")
        stats = self.env["agency.classification.stat"]._statistics(self.company, ["storyboard"])
        self.env["agency.classification.stat"]._learn(self.company)
        self.assertEqual(
            stats, self.env["agency.classification.stat"]._statistics(self.company, ["storyboard"])
        )

    def test_rule_validation(self):
        Rule = self.env["agency.classification.rule"]
        with self.assertRefused(ValidationError, "at least one criterion"):
            Rule.create({"name": "Anything", "service_type_id": self.st_design.id})
        with self.assertRefused(ValidationError, "must set a service type or billability"):
            Rule.create({"name": "No outcome", "keywords": "x"})

    def test_rule_change_reclassifies_open_entries_by_cron(self):
        entry = self._time(self.emp_designer, 1.0, name="New tagline ideas")
        self.assertEqual(entry.service_type_id, self.st_copy)
        self.rule_copy.service_type_id = self.st_creative
        self.assertTrue(entry.agency_rerate_needed)
        self.env["account.analytic.line"]._cron_agency_rerate()
        self.assertEqual(entry.service_type_id, self.st_creative)
        self.assertFalse(entry.agency_rerate_needed)


@tagged("post_install", "-at_install")
class TestDescriptionEdits(AgencyBillingCase):
    """A new description re-classifies only the entries whose classification it changes;
    the others keep their rate, sale line and billed amount, and the contract's delivered
    time stays right either way (a grid edit of descriptions)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["agency.classification.rule"].create({
            "name": "Internal", "sequence": 1, "keywords": "internal",
            "service_type_id": cls.st_internal.id, "billable": "non_billable",
        })
        cls.env["agency.classification.rule"].create({
            "name": "Copy", "sequence": 20, "keywords": "headline",
            "service_type_id": cls.st_copy.id,
        })
        cls.env["agency.rate.rule"].create({"job_id": cls.job_designer.id, "rate": 130.0})

    def _delivered(self, entries):
        sale_lines = entries.so_line
        sale_lines.invalidate_recordset(["qty_delivered"])
        return {sol.price_unit: sol.qty_delivered for sol in sale_lines}

    def test_description_keeping_classification_keeps_everything(self):
        first = self._time(self.emp_designer, 1.5, task=self.task_design, name="Key visual")
        second = self._time(self.emp_designer, 2.25, task=self.task_design, name="Banners")
        entries = first | second
        before = [(e.service_type_id, e.rate_rule_id, e.agency_rate, e.so_line,
                   e.billed_amount, e.classification_reason) for e in entries]
        self.assertEqual(first.billed_amount, 195.0)
        self.assertEqual(self._delivered(entries), {130.0: 3.75})
        first.write({"name": "Key visual, second round"})
        entries.write({"name": "Banners and key visual"})
        self.env.flush_all()
        self.assertEqual(first.name, "Banners and key visual")
        self.assertEqual([(e.service_type_id, e.rate_rule_id, e.agency_rate, e.so_line,
                           e.billed_amount, e.classification_reason) for e in entries], before)
        self.assertEqual(second.billed_amount, 292.5)
        self.assertEqual(self._delivered(entries), {130.0: 3.75})

    def test_description_changing_classification_rerates(self):
        first = self._time(self.emp_designer, 1.5, task=self.task_design, name="Key visual")
        second = self._time(self.emp_designer, 2.0, task=self.task_design, name="Banners")
        sale_line = first.so_line
        self.assertEqual(sale_line, second.so_line)
        self.assertEqual(self._delivered(first | second), {130.0: 3.5})
        # One write re-classifies both (non-billable): their sale line delivers nothing.
        (first | second).write({"name": "Internal review"})
        self.env.flush_all()
        self.assertEqual(first.service_type_id, self.st_internal)
        self.assertFalse(first.is_billable)
        self.assertEqual(first.billed_amount, 0.0)
        self.assertFalse(first.so_line)
        self.assertEqual(second.service_type_id, self.st_internal)
        sale_line.invalidate_recordset(["qty_delivered"])
        self.assertEqual(sale_line.qty_delivered, 0.0)
        # Back to a billable description: re-rated on a line at the copy rate card.
        first.write({"name": "Headline options"})
        self.env.flush_all()
        self.assertEqual(first.service_type_id, self.st_copy)
        self.assertTrue(first.is_billable)
        self.assertEqual(first.agency_rate, 130.0)
        self.assertEqual(first.billed_amount, 195.0)
        self.assertEqual(first.so_line.price_unit, 130.0)
        self.assertEqual(self._delivered(first), {130.0: 1.5})

    def test_mixed_write_moves_time_between_sale_lines(self):
        """One write, two entries: one keeps its classification (by its task), the other
        leaves the copy rule for its task's design work; the design line then delivers
        both entries' time, the copy line none."""
        keep = self._time(self.emp_designer, 1.0, task=self.task_design, name="Banner set")
        moved = self._time(self.emp_designer, 3.0, task=self.task_design,
                           name="Headline options")
        self.assertEqual(keep.classification_method, "task")
        self.assertEqual(moved.service_type_id, self.st_copy)
        design_line, copy_line = keep.so_line, moved.so_line
        self.assertNotEqual(design_line, copy_line)
        self.assertEqual(design_line.product_id, self.st_design.product_id)
        (keep | moved).write({"name": "Banner set, final"})
        self.env.flush_all()
        self.assertEqual(keep.so_line, design_line)
        self.assertEqual(moved.service_type_id, self.st_design)
        self.assertEqual(moved.classification_method, "task")
        self.assertEqual(moved.so_line, design_line)
        self.assertEqual(moved.billed_amount, 390.0)
        (design_line | copy_line).invalidate_recordset(["qty_delivered"])
        self.assertEqual(design_line.qty_delivered, 4.0)
        self.assertEqual(copy_line.qty_delivered, 0.0)
