from datetime import date, timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, tagged

from ..lib import scope
from .common import AgencyBillingCase

DAY = date(2026, 3, 10)


@tagged("post_install", "-at_install")
class TestScopeFunctions(TransactionCase):
    """The scope arithmetic on its own (no database)."""

    def test_thresholds_parse(self):
        self.assertEqual(scope.parse_thresholds("75,90,100"), (75, 90, 100))
        self.assertEqual(scope.parse_thresholds(" 50 , 80%, 120 "), (50, 80, 120))
        for text, code in [("", "empty"), ("75,x", "number"), ("75.5", "number"),
                           ("0,50", "range"), ("50,201", "range"), ("90,75", "order"),
                           ("75,75", "order")]:
            with self.assertRaises(scope.ThresholdError) as caught:
                scope.parse_thresholds(text)
            self.assertEqual(caught.exception.code, code, text)

    def test_percent_is_the_first_budget_to_run_out(self):
        self.assertEqual(scope.burn_percent(5, 900, 10, 1000), 90.0)
        self.assertEqual(scope.burn_percent(5, 0, 10, 0), 50.0)
        self.assertEqual(scope.burn_percent(5, 500, 0, 0), 0.0)
        self.assertEqual(scope.burn_percent(27, 0, 30, 0), 90.0)  # not 89.999...

    def test_alert_thresholds(self):
        self.assertEqual(scope.thresholds_to_alert((75, 90, 100), 80, 0), [75])
        self.assertEqual(scope.thresholds_to_alert((75, 90, 100), 95, 0), [75, 90])
        self.assertEqual(scope.thresholds_to_alert((75, 90, 100), 95, 90), [])
        self.assertEqual(scope.alerted_after_growth((75, 90, 100), 80), 75)
        self.assertEqual(scope.alerted_after_growth((75, 90, 100), 60), 0)

    def test_first_over_scope(self):
        # 10 h budget: 4 + 4 + 3 (the boundary entry is in scope), then over
        entries = [(4, 0), (4, 0), (3, 0), (2, 0), (1, 0)]
        self.assertEqual(scope.first_over_scope((0, 0), (10, 0), entries), 3)
        self.assertEqual(scope.first_over_scope((10, 0), (10, 0), entries), 0)
        self.assertIsNone(scope.first_over_scope((0, 0), (20, 0), entries))
        self.assertIsNone(scope.first_over_scope((50, 0), (0, 0), entries), "no budget")
        # money runs out first
        self.assertEqual(scope.first_over_scope((0, 0), (10, 500), [(2, 300), (2, 300),
                                                                    (1, 150)]), 2)

    def test_forecast(self):
        today = date(2026, 3, 10)
        # 15 h over 10 days (since the first entry), 25 h left: 16.7 days -> day 17
        days, recent = scope.forecast_window(today, today - timedelta(days=9), 28)
        self.assertEqual((days, recent), (10, True))
        self.assertEqual(scope.forecast_date(today, [(25, 40), (0, 0)], [15, 0], days),
                         today + timedelta(days=17))
        self.assertEqual(scope.forecast_window(today, today - timedelta(days=2), 28), (7, True))
        self.assertEqual(scope.forecast_window(today, today - timedelta(days=60), 28),
                         (28, False))
        self.assertIsNone(scope.forecast_date(today, [(25, 40)], [0], 28), "nothing burns")
        self.assertIsNone(scope.forecast_date(today, [(-1, 40)], [5], 28), "used up")


class ScopeCase(AgencyBillingCase):
    """A client with a confirmed contract, its project with creative and design tasks, an
    Account Director and rates per role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.project.account_director_id = cls.user_ad
        cls.task_creative = cls.env["project.task"].create({
            "name": "Key visual", "project_id": cls.project.id,
            "service_type_id": cls.st_creative.id,
        })
        cls.rule_designer = cls._rule_cls(100.0, job_id=cls.job_designer)
        cls.rule_cd = cls._rule_cls(180.0, job_id=cls.job_cd)
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")

    @classmethod
    def _rule_cls(cls, rate, **criteria):
        return cls.env["agency.rate.rule"].create(
            {"rate": rate, **{k: v.id for k, v in criteria.items()}}
        )

    def _line(self, stype, hours=0.0, amount=0.0, project=None, **extra):
        return self.env["agency.scope.line"].create({
            "project_id": (project or self.project).id, "service_type_id": stype.id,
            "budget_hours": hours, "budget_amount": amount, **extra,
        })

    def _design(self, hours, employee=None, day=DAY, task=None, **extra):
        return self._time(employee or self.emp_designer, hours, day=day,
                          task=task or self.task_design, **extra)

    def _activities(self, project=None):
        return self.env["mail.activity"].search([
            ("res_model", "=", "project.project"), ("res_id", "=", (project or self.project).id),
            ("activity_type_id", "=", self.todo.id),
        ])

    def _mails(self, line):
        return self.env["mail.mail"].search([("model", "=", "agency.scope.line"),
                                             ("res_id", "=", line.id)])

    def _notes(self, text, project=None):
        return (project or self.project).message_ids.filtered(
            lambda m: text in (m.body or "")
        )

    def _cron(self, runs=1):
        """Run the scope cron as on ``runs`` successive days."""
        Line = self.env["agency.scope.line"]
        for _i in range(runs):
            Line.search([]).write({"evaluated_on": False})
            Line._cron_scope_evaluate()


@tagged("post_install", "-at_install")
class TestScopeBurn(ScopeCase):
    """Budgets default from the sale order; burn, remaining and percentages are exact."""

    def test_budget_defaults_from_sale_order(self):
        lines = self.project.action_agency_scope_from_order()
        by_type = {line.service_type_id: line for line in lines}
        self.assertEqual(set(by_type), {self.st_creative, self.st_design})
        creative, design = by_type[self.st_creative], by_type[self.st_design]
        self.assertEqual((creative.budget_hours, creative.budget_amount), (40.0, 6000.0))
        self.assertEqual((design.budget_hours, design.budget_amount), (60.0, 7200.0))
        self.assertEqual(creative.sale_line_id, self.order.order_line[0])
        design.budget_hours = 50.0  # editable
        self.assertEqual(design.budget_hours, 50.0)
        # Nothing more to add the second time
        self.assertFalse(self.project.action_agency_scope_from_order())

    def test_fixed_fee_milestone_defaults_to_its_amount(self):
        self.project.write({"allow_milestones": True, "service_type_id": self.st_design.id})
        product = self.env["product.product"].create({
            "name": "Website launch (fixed fee)", "type": "service",
            "service_type": "milestones", "invoice_policy": "delivery",
        })
        order = self.env["sale.order"].create({
            "partner_id": self.client.id,
            "order_line": [Command.create({"product_id": product.id, "price_unit": 5000.0,
                                           "product_uom_qty": 1})],
        })
        order.action_confirm()
        milestone = self.env["project.milestone"].create({
            "name": "Launch", "project_id": self.project.id,
            "sale_line_id": order.order_line.id, "quantity_percentage": 0.4,
        })
        self.assertEqual(milestone.quantity_percentage, 0.4)
        line = self.env["agency.scope.line"].create({
            "project_id": self.project.id, "service_type_id": self.st_design.id,
            "milestone_id": milestone.id,
        })
        self.assertEqual((line.budget_hours, line.budget_amount), (0.0, 2000.0))
        self.assertEqual(line.sale_line_id, order.order_line)
        # A line created without figures takes the hours sold
        creative = self.env["agency.scope.line"].create({
            "project_id": self.project.id, "service_type_id": self.st_creative.id,
        })
        self.assertEqual((creative.budget_hours, creative.budget_amount), (40.0, 6000.0))

    def test_burn_and_remaining_at_mixed_rates(self):
        design = self._line(self.st_design, 10.0, 1500.0)
        creative = self._line(self.st_creative, 40.0, 6000.0)
        self._design(2.5)                                   # 2.5 h x 100 = 250.00
        self._design(1.25, employee=self.emp_cd)             # 1.25 h x 180 = 225.00
        self._design(0.75)                                   # 0.75 h x 100 = 75.00
        self._time(self.emp_cd, 2.0, task=self.task_creative)  # 2 h x 180 = 360.00
        self._time(self.emp_designer, 3.0, task=self.task_design,
                   exclude_from_billing=True, exclusion_reason="Internal redo")  # not billable
        self.assertEqual((design.burn_hours, design.burn_amount), (4.5, 550.0))
        self.assertEqual((design.remaining_hours, design.remaining_amount), (5.5, 950.0))
        self.assertEqual((design.burn_percent_hours, design.burn_percent_amount), (45.0, 36.67))
        self.assertEqual(design.burn_percent, 45.0)
        self.assertEqual((creative.burn_hours, creative.burn_amount), (2.0, 360.0))
        self.assertEqual((creative.remaining_hours, creative.remaining_amount), (38.0, 5640.0))
        self.assertEqual(creative.burn_percent, 6.0)  # the amount runs out first
        self.assertEqual(self.project.agency_scope_burn_hours, 6.5)
        self.assertEqual(self.project.agency_scope_budget_hours, 50.0)
        self.assertEqual(self.project.agency_scope_percent, 45.0)
        # A change of an entry moves its burn
        entry = self._design(1.0)
        self.assertEqual(design.burn_hours, 5.5)
        entry.write({"task_id": self.task_creative.id})
        self.assertEqual((design.burn_hours, creative.burn_hours), (4.5, 3.0))
        entry.unlink()
        self.assertEqual(creative.burn_hours, 2.0)

    def test_milestone_line_takes_its_tasks_time(self):
        self.project.allow_milestones = True
        milestone = self.env["project.milestone"].create({"name": "Phase 2",
                                                          "project_id": self.project.id})
        task_m = self.env["project.task"].create({
            "name": "Phase 2 layouts", "project_id": self.project.id,
            "service_type_id": self.st_design.id, "milestone_id": milestone.id,
        })
        design = self._line(self.st_design, 10.0)
        self._design(2.0)
        self._design(3.0, task=task_m)
        self._time(self.emp_designer, 1.0, project=self.project, name="No task",
                   service_type_id=self.st_design.id)
        self.assertEqual(design.burn_hours, 6.0)
        phase2 = self._line(self.st_design, 5.0, milestone_id=milestone.id)
        self.assertEqual((phase2.burn_hours, phase2.burn_amount), (3.0, 300.0))
        self.assertEqual(design.burn_hours, 3.0, "the milestone's time left the general line")
        self.assertEqual(len(self.env["account.analytic.line"].search(
            design._agency_entry_domain())), 2)
        self.assertEqual(len(self.env["account.analytic.line"].search(
            phase2._agency_entry_domain())), 1)

    def test_cron_refreshes_what_rerating_changed(self):
        design = self._line(self.st_design, 10.0)
        self._design(2.0)
        self.assertEqual(design.burn_amount, 200.0)
        self.rule_designer.rate = 110.0  # flags the open entries for re-rating
        self.env["account.analytic.line"]._cron_agency_rerate()
        self._cron()
        self.assertEqual(design.burn_amount, 220.0)


@tagged("post_install", "-at_install")
class TestScopeAlerts(ScopeCase):
    """Alerts: once per threshold per line, to the Account Director; forecast overruns."""

    def test_each_threshold_alerts_once(self):
        design = self._line(self.st_design, 10.0)
        for i in range(7):
            self._design(1.0, day=DAY + timedelta(days=i))
        self.assertEqual(design.burn_percent, 70.0)
        self.assertFalse(self._activities())
        expected = []
        for i, threshold in zip(range(7, 10), (75, 90, 100), strict=True):
            self._design(1.0, day=DAY + timedelta(days=i))
            expected.append(threshold)
            self.assertEqual(design.alerted_threshold, threshold)
            self.assertEqual(len(self._activities()), len(expected))
        for i in range(10, 14):  # over budget (billed at rate by default)
            self._design(0.5, day=DAY + timedelta(days=i))
        self._cron(runs=3)
        design._agency_evaluate_alerts()
        activities = self._activities()
        self.assertEqual(len(activities), 3)
        self.assertEqual(activities.user_id, self.user_ad)
        self.assertEqual(sorted(activities.mapped("summary")), sorted(
            f"Scope {pct}%: {design.display_name} reached {t}% of its budget"
            for pct, t in ((80, 75), (90, 90), (100, 100))
        ))
        mails = self._mails(design)
        self.assertEqual(len(mails), 3)
        self.assertEqual(mails.recipient_ids, self.user_ad.partner_id)
        self.assertIn("reached 90% of its budget", " ".join(mails.mapped("subject")))
        self.assertIn("10.00", mails[0].body_html)
        self.assertEqual(len(self._notes("of its budget")), 3)
        self.assertTrue(self._notes("Sent to %s." % self.user_ad.name))
        self.assertEqual(design.burn_hours, 12.0)
        self.assertEqual(design.over_scope_hours, 2.0)

    def test_a_jump_alerts_once_for_all_thresholds_crossed(self):
        design = self._line(self.st_design, 10.0)
        self._design(9.5)
        self.assertEqual(len(self._activities()), 1)
        self.assertEqual(design.alerted_threshold, 90)
        self.assertIn("reached 75%, 90% of its budget", self._activities().summary)
        self._design(1.0)
        self.assertEqual(len(self._activities()), 2)

    def test_lines_of_one_project_alert_in_one_batch(self):
        design = self._line(self.st_design, 10.0)
        creative = self._line(self.st_creative, 4.0)
        self.env["account.analytic.line"].create([
            {"name": "Layouts", "employee_id": self.emp_designer.id, "date": DAY,
             "project_id": self.project.id, "task_id": self.task_design.id, "unit_amount": 8.0},
            {"name": "Concepts", "employee_id": self.emp_cd.id, "date": DAY,
             "project_id": self.project.id, "task_id": self.task_creative.id,
             "unit_amount": 4.0},
        ])
        self.assertEqual((design.alerted_threshold, creative.alerted_threshold), (75, 100))
        self.assertEqual(len(self._activities()), 2)
        self.assertEqual(len(self._mails(design) | self._mails(creative)), 2)
        self.assertIn(self.user_ad.partner_id, self.project.message_partner_ids)

    def test_budget_growth_rearms(self):
        design = self._line(self.st_design, 10.0)
        self._design(8.0)
        self.assertEqual(design.alerted_threshold, 75)
        design.budget_hours = 20.0   # 40%: the 75% alert is armed again
        self.assertEqual(design.alerted_threshold, 0)
        self._design(7.0)            # 75%
        self.assertEqual(design.alerted_threshold, 75)
        self.assertEqual(len(self._activities()), 2)
        design.budget_hours = 19.0   # a smaller budget re-arms nothing
        self.assertEqual(design.alerted_threshold, 75)
        self.assertEqual(len(self._activities()), 2)
        design.budget_hours = 16.0   # 93.75%: the 90% threshold alerts, once
        self.assertEqual(design.alerted_threshold, 90)
        self.assertEqual(len(self._activities()), 3)
        design.budget_hours = 15.5   # still above 90: nothing more
        self.assertEqual(len(self._activities()), 3)

    def test_project_thresholds_override_the_company(self):
        self.company.agency_scope_thresholds = "80,100"
        self.project.agency_scope_thresholds = "50,150"
        design = self._line(self.st_design, 10.0)
        self._design(8.0)
        self.assertEqual(design.alerted_threshold, 50)
        self.assertEqual(design.status, "risk")
        self.project.agency_scope_thresholds = False   # company default
        self._design(0.5)
        self.assertEqual(design.alerted_threshold, 80)

    def test_early_forecast_alert(self):
        today = fields.Date.context_today(self.env.user)
        self.project.write({"date_start": today - timedelta(days=30),
                            "date": today + timedelta(days=60)})
        design = self._line(self.st_design, 40.0)
        # 1.5 h a day over the last 10 days: 15 h burned, 25 h left -> 16.7 more days
        self.env["account.analytic.line"].create([{
            "name": "Layouts", "employee_id": self.emp_designer.id,
            "project_id": self.project.id, "task_id": self.task_design.id,
            "unit_amount": 1.5, "date": today - timedelta(days=9 - i),
        } for i in range(10)])
        self.assertEqual(design.burn_percent, 37.5)
        self.assertAlmostEqual(design.recent_burn_hours, 1.5)
        self.assertEqual(design.forecast_date, today + timedelta(days=17))
        self.assertTrue(design.forecast_overrun)
        self.assertEqual(design.status, "risk")
        activities = self._activities()
        self.assertEqual(len(activities), 1)
        self.assertIn("Scope forecast", activities.summary)
        self.assertEqual(len(self._mails(design)), 1)
        self.assertEqual(len(self._notes("Scope forecast")), 1)
        self.assertTrue(self.project.agency_scope_at_risk)
        # Later time and cron runs do not alert again
        self._design(0.5, day=today)
        self._cron(runs=2)
        self.assertEqual(len(self._activities()), 1)
        # A project ending before the forecast is not at risk
        self.project.date = today + timedelta(days=10)
        self.assertFalse(design.forecast_overrun)
        self.assertEqual(design.status, "ok")

    def test_without_account_director_the_manager_is_alerted(self):
        manager = self.env["res.users"].create({"name": "Pat PM", "login": "ab_pm",
                                                "email": "pm@agency.example"})
        self.project.write({"account_director_id": False, "user_id": manager.id})
        design = self._line(self.st_design, 4.0)
        self.assertTrue(self.project.agency_missing_account_director)
        self._design(3.0)
        self.assertEqual(self._activities().user_id, manager)
        self.assertEqual(self._mails(design).recipient_ids, manager.partner_id)
        self.assertTrue(self._notes("the project manager: this project has no Account Director"))
        self.project.account_director_id = self.user_ad
        self.assertFalse(self.project.agency_missing_account_director)

    def test_cron_is_a_safety_net(self):
        design = self._line(self.st_design, 10.0)
        self.env["account.analytic.line"].with_context(agency_scope_skip=True).create({
            "name": "Imported", "employee_id": self.emp_designer.id,
            "project_id": self.project.id, "task_id": self.task_design.id,
            "unit_amount": 8.0, "date": DAY,
        })
        self.assertFalse(self._activities(), "the hook was off")
        self.assertEqual(self.env["agency.scope.line"]._cron_scope_evaluate(), len(
            self.env["agency.scope.line"].search([("project_id.active", "=", True)])))
        self.assertEqual(design.burn_hours, 8.0)
        self.assertEqual(len(self._activities()), 1)
        self.assertEqual(design.evaluated_on, fields.Date.context_today(design))
        self.assertEqual(self.env["agency.scope.line"]._cron_scope_evaluate(), 0,
                         "every line was evaluated today")


@tagged("post_install", "-at_install")
class TestOverScopePolicy(ScopeCase):
    """Time recorded after a line is used up: billed, held or absorbed, to the cent."""

    def _record_over_budget(self):
        """10 h design budget at 100/h: 4 + 4 + 3 h (the last one crosses), then 2 h."""
        line = self._line(self.st_design, 10.0)
        entries = self._design(4.0) | self._design(4.0) | self._design(3.0)
        self.assertFalse(entries.filtered("over_scope"), "the boundary entry is in scope")
        over = self._design(2.0, day=DAY + timedelta(days=1))
        return line, entries, over

    def _design_invoice_line(self, invoice):
        return self._line_amounts(invoice)[(self.st_design.product_id, 100.0)]

    def test_billed(self):
        self.client.agency_over_scope_policy = "billed"
        line, _entries, over = self._record_over_budget()
        self.assertTrue(over.over_scope)
        self.assertEqual(over.over_scope_policy, "billed")
        self.assertIn("billed at rate", over.over_scope_reason)
        self.assertFalse(over.billing_hold)
        self.assertEqual((line.burn_hours, line.over_scope_hours), (13.0, 2.0))
        invoice = self._invoice()
        self.assertEqual(self._design_invoice_line(invoice), (13.0, 1300.0))
        self.assertEqual(invoice.amount_untaxed, 1300.0)
        self.assertEqual(over.timesheet_invoice_id, invoice)

    def test_held(self):
        self.client.agency_over_scope_policy = "held"
        line, _entries, over = self._record_over_budget()
        self.assertTrue(over.over_scope)
        self.assertTrue(over.billing_hold)
        self.assertIn("held until the client approves a change request",
                      over.billing_hold_reason)
        self.assertTrue(over.is_billable)
        self.assertEqual((line.burn_hours, line.held_hours, line.held_amount), (13.0, 2.0, 200.0))
        self.assertEqual(self.project.agency_scope_held_hours, 2.0)
        self.assertTrue(self.project.agency_scope_at_risk)
        invoice = self._invoice()
        self.assertEqual(self._design_invoice_line(invoice), (11.0, 1100.0))
        self.assertEqual(invoice.amount_untaxed, 1100.0)
        self.assertFalse(over.timesheet_invoice_id)
        self.assertTrue(self._notes("held until the client approves a change request"))
        # Released by hand: the next invoice bills it
        line.action_agency_release_held()
        self.assertFalse(over.billing_hold)
        self.assertTrue(over.over_scope, "kept for history")
        self.assertEqual(line.held_hours, 0.0)
        invoice2 = self._invoice()
        self.assertEqual(self._design_invoice_line(invoice2), (2.0, 200.0))

    def test_absorbed(self):
        self.client.agency_over_scope_policy = "absorbed"
        line, _entries, over = self._record_over_budget()
        self.assertTrue(over.over_scope)
        self.assertFalse(over.is_billable)
        self.assertEqual((over.billed_unit_amount, over.billed_amount), (0.0, 0.0))
        self.assertFalse(over.so_line)
        self.assertIn("absorbed", over.over_scope_reason)
        self.assertEqual((line.burn_hours, line.absorbed_hours), (11.0, 2.0))
        more = self._design(1.5, day=DAY + timedelta(days=2))
        self.assertEqual(more.over_scope_policy, "absorbed")
        invoice = self._invoice()
        self.assertEqual(self._design_invoice_line(invoice), (11.0, 1100.0))
        self.assertEqual(invoice.amount_untaxed, 1100.0)
        # Re-rating keeps it absorbed
        over._agency_rerate()
        self.assertFalse(over.is_billable)

    def test_company_default_and_batch_order(self):
        self.company.agency_over_scope_policy = "held"
        line = self._line(self.st_design, 5.0)
        entries = self.env["account.analytic.line"].create([{
            "name": f"Banner {i}", "employee_id": self.emp_designer.id,
            "project_id": self.project.id, "task_id": self.task_design.id,
            "unit_amount": 2.0, "date": DAY - timedelta(days=i),
        } for i in range(4)])  # recorded together: taken by date, oldest first
        held = entries.filtered("billing_hold")
        self.assertEqual(held, entries[0])
        self.assertEqual(line.held_hours, 2.0)
        self.assertEqual(len(self._notes("recorded after the")), 1)

    def test_timesheet_user_records_time_over_scope(self):
        """An employee who only records timesheets triggers the policy and the alerts."""
        self.client.agency_over_scope_policy = "held"
        line = self._line(self.st_design, 2.0)
        user = self.env["res.users"].create({
            "name": "Tess Timesheet", "login": "ab_timesheet_only",
            "groups_id": [Command.set([self.env.ref("hr_timesheet.group_hr_timesheet_user").id])],
        })
        self.emp_designer.user_id = user
        Entry = self.env["account.analytic.line"].with_user(user)
        values = {"name": "Banners", "project_id": self.project.id,
                  "task_id": self.task_design.id, "employee_id": self.emp_designer.id,
                  "date": DAY}
        Entry.create(dict(values, unit_amount=2.0))
        over = Entry.create(dict(values, unit_amount=1.0))
        self.assertTrue(over.sudo().billing_hold)
        self.assertEqual(line.held_hours, 1.0)
        self.assertEqual(line.alerted_threshold, 100)
        self.assertEqual(len(self._activities()), 1)

    def test_lines_without_budget_never_hold(self):
        self.client.agency_over_scope_policy = "held"
        self._line(self.st_design)
        entry = self._design(5.0)
        self.assertFalse(entry.over_scope)


@tagged("post_install", "-at_install")
class TestChangeRequest(ScopeCase):
    """A change request at the client's rates grows the budget once accepted."""

    def test_change_request_lines_and_confirmation(self):
        self.client.agency_over_scope_policy = "held"
        line = self._line(self.st_design, 10.0, 1200.0)
        self._design(6.0)
        self._design(4.0, employee=self.emp_cd)                  # 10 h, 1,320.00: used up
        held = self._design(2.0) | self._design(1.5, employee=self.emp_cd)
        self.assertEqual(held.mapped("billing_hold"), [True, True])
        self.assertEqual((line.held_hours, line.held_amount), (3.5, 470.0))
        wizard = self.env["agency.change.request.wizard"].create({"scope_line_id": line.id})
        self.assertEqual(wizard.hours, 3.5)
        wizard.write({"hours": 8.0, "note": "Third round of revisions"})
        action = wizard.action_create()
        order = self.env["sale.order"].browse(action["res_id"])
        self.assertEqual(order.state, "draft")
        self.assertTrue(order.require_signature)
        self.assertEqual(order.partner_id, self.client)
        self.assertEqual(order.agency_change_request_project_id, self.project)
        self.assertEqual(order.agency_scope_line_id, line)
        self.assertEqual(self.project.agency_change_request_count, 1)
        product_lines = order.order_line.filtered("product_id")
        # Held time at its rates; the rest at the line's blended rate so far
        # (1,790.00 / 13.5 h = 132.59), since no rule rates service-only work.
        self.assertEqual(
            [(sol.product_uom_qty, sol.price_unit) for sol in product_lines],
            [(2.0, 100.0), (1.5, 180.0), (4.5, 132.59)],
        )
        self.assertEqual(order.amount_untaxed, 1066.66)
        self.assertEqual(order.agency_change_request_hours, 8.0)
        self.assertTrue(order.order_line.filtered(lambda sol: sol.display_type == "line_note"))
        self.assertTrue(self._notes(f"Change request {order.name} drafted"))
        # Accepted (here confirmed from the back office; the portal test signs it)
        order.action_confirm()
        self.assertTrue(order.agency_change_request_applied)
        self.assertEqual((line.budget_hours, line.budget_amount), (18.0, 2266.66))
        self.assertEqual(held.mapped("billing_hold"), [False, False])
        self.assertEqual(held.so_line.order_id, order)
        self.assertEqual(line.held_hours, 0.0)
        self.assertEqual(line.alerted_threshold, 75, "75% of the new budget was reached")
        self.assertTrue(self._notes(f"Change request {order.name} accepted"))
        invoice = order._create_invoices()
        self.assertEqual(invoice.amount_untaxed, 470.0)
        self.assertEqual(held.timesheet_invoice_id, invoice)
        # Confirming again (after a cancel) does not grow the budget twice
        order._agency_apply_change_requests()
        self.assertEqual(line.budget_hours, 18.0)

    def test_change_request_covers_held_time(self):
        self.client.agency_over_scope_policy = "held"
        line = self._line(self.st_design, 1.0)
        self._design(1.0)
        self._design(2.0)
        with self.assertRefused(UserError, "at least the 2.00 h held"):
            line._agency_create_change_request(1.0)
        with self.assertRefused(UserError, "no service product"):
            self.st_internal.product_id = False
            self.project.service_type_id = self.st_internal
            self._line(self.st_internal, 1.0)._agency_create_change_request(2.0)

    def test_planned_rate_from_client_rule(self):
        self._rule(130.0, partner_id=self.client, service_type_id=self.st_creative)
        line = self._line(self.st_creative, 10.0)
        order = line._agency_create_change_request(5.0)
        self.assertEqual([(sol.product_uom_qty, sol.price_unit)
                          for sol in order.order_line.filtered("product_id")], [(5.0, 130.0)])


@tagged("post_install", "-at_install")
class TestScopeValidation(ScopeCase):
    """Bad input is refused with a clear message."""

    def test_negative_budget(self):
        with self.assertRefused(ValidationError, "cannot be negative"):
            self._line(self.st_design, -1.0)
        line = self._line(self.st_design, 1.0)
        with self.assertRefused(ValidationError, "cannot be negative"):
            line.budget_amount = -5.0

    def test_thresholds(self):
        for text, pattern in [("75,70", "must be increasing"), ("0,50", "between 1% and 200%"),
                              ("90,250", "between 1% and 200%"), ("a,b", "whole percentages"),
                              ("80.5", "whole percentages")]:
            with self.assertRefused(ValidationError, pattern):
                self.project.agency_scope_thresholds = text
            with self.assertRefused(ValidationError, pattern):
                self.company.agency_scope_thresholds = text
        with self.assertRefused(ValidationError, "at least one alert threshold"):
            self.company.agency_scope_thresholds = " , "
        self.project.agency_scope_thresholds = "50, 80,120"
        self.assertEqual(self.project._agency_scope_thresholds(), (50, 80, 120))

    def test_service_type_the_project_never_uses(self):
        with self.assertRefused(ValidationError, "never uses the service type Media buying"):
            self._line(self.st_media, 10.0)
        # A task of that type makes it used
        self.env["project.task"].create({"name": "Media plan", "project_id": self.project.id,
                                         "service_type_id": self.st_media.id})
        self.assertTrue(self._line(self.st_media, 10.0))

    def test_duplicate_and_foreign_milestone(self):
        self._line(self.st_design, 10.0)
        with self.assertRefused(ValidationError, "two budget lines for Design"):
            self._line(self.st_design, 5.0)
        _order, other = self._make_contract(self.client)
        milestone = self.env["project.milestone"].create({"name": "Elsewhere",
                                                          "project_id": other.id})
        with self.assertRefused(ValidationError, "not a milestone of the project"):
            self._line(self.st_creative, 1.0, milestone_id=milestone.id)

    def test_forecast_window(self):
        with self.assertRefused(ValidationError, "at least one day"):
            self.company.agency_scope_forecast_days = 0
