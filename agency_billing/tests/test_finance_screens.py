import re
from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .billing_common import AgencyBillingRunCase


@tagged("post_install", "-at_install")
class TestFinanceScreens(AgencyBillingRunCase):
    """What the daily screens rely on: budgets that follow the contracts, the scope
    headline, flags that lead to their entries, numbered runs, Bill All Due Clients Now,
    and a confirmation before a later period goes out ahead of an earlier one."""

    def test_confirming_a_contract_budgets_its_project(self):
        order = self.env["sale.order"].create({
            "partner_id": self.client.id,
            "order_line": [Command.create({"product_id": self.st_design.product_id.id,
                                           "price_unit": 120.0, "product_uom_qty": 10})],
        })
        project = self.env["project.project"].create({
            "name": "Auto budget", "partner_id": self.client.id, "allow_billable": True,
            "allow_timesheets": True,
        })
        order.project_id = project
        order.order_line.project_id = project
        order.action_confirm()
        line = project.agency_scope_line_ids
        self.assertEqual((line.service_type_id, line.budget_hours, line.budget_amount),
                         (self.st_design, 10.0, 1200.0))
        self.assertTrue(line.budget_from_orders)
        upsell = self.env["sale.order"].create({
            "partner_id": self.client.id, "project_id": project.id,
            "order_line": [Command.create({"product_id": self.st_design.product_id.id,
                                           "price_unit": 120.0, "product_uom_qty": 5,
                                           "project_id": project.id})],
        })
        upsell.order_line.project_id = project
        upsell.action_confirm()
        self.assertEqual((line.budget_hours, line.budget_amount), (15.0, 1800.0))
        # A person edits the budget: later orders no longer change it.
        line.budget_hours = 12.0
        self.assertFalse(line.budget_from_orders)
        more = upsell.copy({"project_id": project.id})
        more.order_line.project_id = project
        more.action_confirm()
        self.assertEqual(line.budget_hours, 12.0)
        self.assertEqual(line.sold_hours, 20.0)

    def test_scope_headline(self):
        project = self.project
        Line = self.env["agency.scope.line"]
        creative = Line.create({"project_id": project.id, "service_type_id": self.st_creative.id,
                                "budget_hours": 2.0})
        Line.create({"project_id": project.id, "service_type_id": self.st_design.id,
                     "budget_hours": 8.0})
        self._time(self.emp_cd, 3.0)
        self.assertEqual(creative.status, "over")
        self.assertEqual(project.agency_scope_percent, 150.0, "worst line")
        self.assertEqual(project.agency_scope_overall_percent, 30.0, "3 h of 10")
        self.assertEqual(project.agency_scope_used_up_text, "Used up")

    def test_flag_links_to_its_entries(self):
        self.env["agency.rate.rule"].search([("job_id", "=", self.job_designer.id)]).active = False
        self.client.billing_last_period_end = date(2026, 2, 28)
        entry = self._time(self.emp_designer, 2.0, task=self.task_design)
        self._time(self.emp_cd, 1.0)
        invoice = self._run_due(date(2026, 4, 1)).invoice_ids
        flag = invoice.anomaly_ids.filtered(lambda a: a.code == "no_rate_rule")
        self.assertTrue(flag.has_entries)
        action = flag.action_view_entries()
        self.assertEqual(self.env["account.analytic.line"].search(action["domain"]), entry)

    def test_time_to_review_lists_agency_work_only(self):
        """Entries needing review on a project without contract (Odoo's generic demo), or
        on an archived one, are not the agency's: the review list leaves them out."""
        from odoo.tools.safe_eval import safe_eval  # noqa: PLC0415

        loose = self.env["project.project"].create({"name": "No contract",
                                                    "allow_timesheets": True})
        ours = self._time(self.emp_ad, 1.0, name="Misc")
        other = self._time(self.emp_ad, 1.0, project=loose, name="Misc")
        self.assertTrue(ours.needs_review and other.needs_review)
        domain = safe_eval(self.env.ref("agency_billing.action_agency_time_entry_review").domain)
        found = self.env["account.analytic.line"].search(
            [*domain, ("needs_review", "=", True), ("timesheet_invoice_id", "=", False)])
        self.assertIn(ours, found)
        self.assertNotIn(other, found)
        self.project.active = False
        self.assertNotIn(ours, self.env["account.analytic.line"].search(domain))

    def test_runs_have_distinct_names(self):
        first = self._run_now(date(2026, 3, 31))
        second = self._run_now(date(2026, 3, 31))
        self.assertNotEqual(first.name, second.name)
        # Started by server code (no button): "over the API", with who started it.
        self.assertRegex(first.name, r"^RUN/2026-03-31/\d{2}, started by .+ over the API$")

    def test_bill_all_due_clients_now(self):
        Run = self.env["agency.billing.run"].with_context(agency_billing_today=date(2026, 4, 1))
        with self.assertRaises(AccessError):
            Run.with_user(self.user_ad).action_agency_bill_due_now()
        self.assertEqual(Run.with_user(self.user_finance).action_agency_bill_due_now()["tag"],
                         "display_notification", "nobody due yet")
        self.client.billing_last_period_end = date(2026, 2, 28)
        self._time(self.emp_cd, 2.0)
        action = Run.with_user(self.user_finance).action_agency_bill_due_now()
        run = self.env["agency.billing.run"].browse(action["res_id"])
        self.assertEqual(run.invoice_ids.amount_untaxed, 300.0)
        # A person's call (not through Odoo's button route here: see TestRunTriggers):
        # recorded as such, by that person, never as scheduled.
        self.assertEqual((run.trigger, run.user_id), ("api", self.user_finance))
        self.assertRegex(run.name, r"^RUN/2026-04-01/\d{2}, started by %s over the API$"
                         % re.escape(self.user_finance.name))

    def test_billing_cron_run_is_recorded_as_scheduled(self):
        self.client.billing_last_period_end = date(2026, 2, 28)
        self._time(self.emp_cd, 2.0)
        cron = self.env.ref("agency_billing.ir_cron_agency_billing_run")
        self.env["agency.billing.run"].with_user(cron.user_id).with_context(
            agency_billing_today=date(2026, 4, 1))._cron_billing()
        run = self.env["agency.billing.run"].search(
            [("line_ids.partner_id", "=", self.client.id)], limit=1)
        self.assertEqual(run.invoice_ids.amount_untaxed, 300.0)
        self.assertEqual((run.trigger, run.user_id), ("cron", cron.user_id))
        self.assertRegex(run.name, r", scheduled$")

    def test_later_period_asks_confirmation(self):
        self.client.billing_last_period_end = date(2026, 1, 31)
        self._time(self.emp_cd, 1.0, day=date(2026, 2, 10))
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        february = self._run_due(date(2026, 3, 1)).invoice_ids
        march = self._run_due(date(2026, 4, 1)).invoice_ids
        self.assertEqual((february.amount_untaxed, march.amount_untaxed), (150.0, 300.0))
        action = march.action_agency_approve()
        self.assertEqual(action["res_model"], "agency.invoice.approve.wizard")
        self.assertEqual(march.state, "draft")
        wizard = self.env["agency.invoice.approve.wizard"].with_context(
            **action["context"]).create({})
        # Drafts named by client, period and amount (Odoo names both "Draft Invoice").
        self.assertIn("Acme Test Foods, 03/01/2026 – 03/31/2026, $ 300.00 untaxed — still "
                      "waiting in review for an earlier period: Acme Test Foods, 02/01/2026 – "
                      "02/28/2026, $ 150.00 untaxed.",
                      wizard.earlier_warning.replace("\xa0", " "))
        self.assertNotIn("Draft Invoice", wizard.earlier_warning)
        with self.assertRaises(UserError):
            wizard.action_approve()
        wizard.approve_out_of_order = True
        wizard.action_approve()
        self.assertEqual(march.state, "posted")
        february.action_agency_approve()
        self.assertEqual(february.state, "posted", "nothing earlier waits: no question")


@tagged("post_install", "-at_install")
class TestScreensLoadForEveryRole(AgencyBillingRunCase):
    """The screens this addon extends open for every role (fields a role may not read are
    left out of its views, never an error)."""

    def test_views_load(self):
        users = [
            self.user_finance,
            self.user_ad,
            new_test_user(self.env, login="ab_screens_invoicing",
                          groups="account.group_account_invoice,base.group_user"),
            new_test_user(self.env, login="ab_screens_timesheet",
                          groups="hr_timesheet.group_hr_timesheet_user,base.group_user"),
        ]
        ref = self.env.ref
        screens = [
            ("res.partner", [(False, "form")]),
            ("account.move", [(ref("account.view_move_form").id, "form"),
                              (ref("agency_billing.view_move_list_agency_review").id, "list")]),
            ("project.project", [(False, "form"), (False, "kanban"),
                                 (ref("agency_billing.view_project_list_agency_scope").id,
                                  "list")]),
            ("account.analytic.line", [
                (ref("agency_billing.view_agency_time_entry_list").id, "list"),
                (ref("hr_timesheet.hr_timesheet_line_tree").id, "list"), (False, "search")]),
            ("agency.scope.line", [(False, "list"), (False, "form")]),
            ("agency.billing.run", [(False, "list"), (False, "form")]),
        ]
        for user in users:
            for model, views in screens:
                records = self.env[model].with_user(user)
                if not records.has_access("read"):
                    continue  # no access at all: the menu is not theirs
                with self.subTest(user=user.login, model=model):
                    result = records.get_views(views)
                    self.assertTrue(result["views"])
