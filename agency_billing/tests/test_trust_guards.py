from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, new_test_user, tagged

from .common import AgencyBillingCase

ADMIN = "Agency Billing / Administrator"
BILLING_USER = "Agency Billing / User"


class TrustCase(AgencyBillingCase):
    """The agency of AgencyBillingCase with one user per role and a rated contract:
    designers bill 120/h (the contract's design price), creative 150/h; a rule prices
    strategy work at 130/h, which the contract does not sell yet."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()

        def user(login, groups):
            return new_test_user(cls.env, login=login, groups=groups)

        cls.user_timesheet = user("ab_ts_own", "hr_timesheet.group_hr_timesheet_user")
        cls.user_approver = user("ab_ts_approver", "hr_timesheet.group_hr_timesheet_approver")
        cls.user_project = user("ab_project", "project.group_project_user")
        cls.user_invoicing = user(
            "ab_invoicing",
            "account.group_account_invoice,hr_timesheet.group_hr_timesheet_approver")
        cls.user_billing = user("ab_billing_user", "agency_billing.group_agency_billing_user,"
                                "hr_timesheet.group_hr_timesheet_approver")
        cls.user_manager = user("ab_billing_manager",
                                "agency_billing.group_agency_billing_manager,"
                                "hr_timesheet.group_hr_timesheet_approver")
        cls.emp_designer.user_id = cls.user_timesheet
        cls.st_strategy = cls.env.ref("agency_billing.service_type_strategy")
        cls._rule(cls, 120.0, job_id=cls.job_designer, name="Designer card")
        cls._rule(cls, 130.0, service_type_id=cls.st_strategy, name="Strategy card")
        cls.task_strategy = cls.env["project.task"].create({
            "name": "Positioning", "project_id": cls.project.id,
            "service_type_id": cls.st_strategy.id,
        })
        cls.Line = cls.env["account.analytic.line"]

    def _own(self, hours=2.0, **extra):
        """An entry of the timesheet user's employee, recorded by that user."""
        return self.Line.with_user(self.user_timesheet).create({
            "name": "Layouts", "project_id": self.project.id, "task_id": self.task_design.id,
            "employee_id": self.emp_designer.id, "unit_amount": hours,
            "date": date(2026, 3, 10), **extra,
        }).with_env(self.env)


@tagged("post_install", "-at_install")
class TestProtectedFields(TrustCase):
    """Only the Agency Billing groups change what a client is billed."""

    def test_timesheet_user_cannot_price_own_time(self):
        entry = self._own()
        self.assertEqual((entry.agency_rate, entry.billed_amount), (120.0, 240.0))
        mine = entry.with_user(self.user_timesheet)
        refused = [
            ("agency_rate", 999.0, ADMIN), ("billed_unit_amount", 10.0, ADMIN),
            ("billing_hold", True, BILLING_USER), ("retainer_hours", 2.0, ADMIN),
            ("over_scope_policy", "absorbed", ADMIN), ("is_billable", False, ADMIN),
            ("exclude_from_billing", True, ADMIN), ("job_id", self.job_cd.id, ADMIN),
            ("service_type_id", self.st_creative.id, BILLING_USER),
            ("classification_method", "manual", BILLING_USER),
            ("service_type_hint_id", self.st_creative.id, BILLING_USER),
            ("rate_rule_id", False, ADMIN),
            ("timesheet_invoice_id", self.env["account.move"].create(
                {"move_type": "out_invoice", "partner_id": self.client.id}).id, ADMIN),
        ]
        for fname, value, group in refused:
            with self.assertRefused(AccessError, rf"{group} may change .*\({fname}\)"):
                mine.write({"name": "Tweaks", fname: value})
        self.assertEqual((entry.name, entry.agency_rate, entry.billed_unit_amount),
                         ("Layouts", 120.0, 2.0), "refused writes leave the entry as it was")
        self.assertFalse(entry.override_ids)
        mine.write({"unit_amount": 3.0, "name": "More layouts"})
        self.assertEqual((entry.billed_unit_amount, entry.billed_amount), (3.0, 360.0))
        self.assertEqual(entry.so_line.qty_delivered, 3.0)

    def test_refused_on_create_nothing_created(self):
        count = self.Line.search_count([])
        with self.assertRefused(AccessError, rf"{ADMIN} may change Rate \(agency_rate\)"):
            self._own(agency_rate=999.0)
        with self.assertRefused(AccessError, r"Held \(billing_hold\)"):
            self._own(billing_hold=True, billing_hold_reason="mine")
        self.assertEqual(self.Line.search_count([]), count)

    def test_values_a_form_sends_back_pass(self):
        """A form sends computed values back as the onchange computed them: that is not
        a change; a sale line at the rules' price is accepted, another price is not."""
        entry = self._own(billed_unit_amount=2.0, is_billable=True, billing_hold=False)
        self.assertEqual(entry.billed_amount, 240.0)
        mine = entry.with_user(self.user_timesheet)
        mine.write({"unit_amount": 1.5, "billed_unit_amount": 1.5, "agency_rate": 120.0})
        self.assertEqual(entry.billed_amount, 180.0)
        with self.assertRefused(AccessError, r"\(billed_unit_amount\)"):
            mine.write({"unit_amount": 1.0, "billed_unit_amount": 1.5})
        self.assertEqual(entry.unit_amount, 1.5)
        design_line = entry.so_line
        same_price = self.env["sale.order.line"].create({
            "order_id": self.order.id, "product_id": self.st_design.product_id.id,
            "name": "Design (second line)", "product_uom_qty": 0, "price_unit": 120.0,
        })
        mine.write({"so_line": same_price.id})
        self.assertEqual(entry.so_line, same_price)
        creative_line = self.order.order_line.filtered(
            lambda sol: sol.product_id == self.st_creative.product_id)
        with self.assertRefused(AccessError, r"\(so_line\)"):
            mine.write({"so_line": creative_line.id})
        with self.assertRefused(AccessError, r"\(so_line\)"):
            mine.write({"so_line": False})
        self.assertEqual(entry.so_line, same_price)
        self.assertEqual(design_line.qty_delivered + same_price.qty_delivered, 1.5)

    def test_who_may_change_what(self):
        entry = self._own()
        for user in (self.user_approver, self.user_invoicing):
            with self.assertRefused(AccessError, rf"{ADMIN} may change Rate"):
                entry.with_user(user).write({"agency_rate": 999.0})
            with self.assertRefused(AccessError, rf"{BILLING_USER} may change Held"):
                entry.with_user(user).write({"billing_hold": True,
                                             "billing_hold_reason": "x"})
        as_billing = entry.with_user(self.user_billing)
        as_billing.with_context(agency_override_reason="Concept work").write(
            {"service_type_id": self.st_creative.id})
        self.assertEqual((entry.service_type_id, entry.classification_method),
                         (self.st_creative, "manual"))
        self.assertEqual(entry.billed_amount, 240.0, "the designer card still rates it")
        as_billing.write({"billing_hold": True, "billing_hold_reason": "Client query"})
        self.assertTrue(entry.billing_hold)
        with self.assertRefused(AccessError, rf"{ADMIN} may change Rate"):
            as_billing.write({"agency_rate": 99.0})
        with self.assertRefused(AccessError, rf"{ADMIN} may change Exclude"):
            as_billing.write({"exclude_from_billing": True, "exclusion_reason": "x"})
        entry.with_user(self.user_manager).with_context(
            agency_override_reason="Goodwill").write({"agency_rate": 99.5})
        self.assertEqual((entry.agency_rate, entry.billed_amount), (99.5, 199.0))
        self.assertEqual(entry.override_ids.mapped("kind"), ["rate", "classification"])

    def test_override_wizard_follows_the_groups(self):
        entry = self._own()
        wizard = self.env["agency.time.override.wizard"].with_user(self.user_billing).create(
            {"line_ids": [Command.set(entry.ids)], "action": "rate", "rate": 1.0,
             "reason": "cheaper"})
        with self.assertRefused(AccessError, rf"{ADMIN} may change Rate"):
            wizard.action_apply()
        self.assertEqual(entry.agency_rate, 120.0)


@tagged("post_install", "-at_install")
class TestComputesCreateNothing(TrustCase):
    """Computes and onchanges only compute: no sale line, no message."""

    def _counts(self):
        return (self.env["sale.order.line"].search_count([]),
                self.env["mail.message"].search_count([]))

    def test_onchange_and_new_record_create_no_sale_line(self):
        before = self._counts()
        lines_before = self.order.order_line
        form = Form(self.Line.with_user(self.user_manager).with_context(
            default_project_id=self.project.id), view="hr_timesheet.timesheet_view_form_user")
        form.employee_id = self.emp_cd
        form.task_id = self.task_strategy
        form.name = "Positioning workshop"
        form.unit_amount = 2.0
        self.assertEqual(self._counts(), before, "an onchange creates nothing")
        draft = self.Line.new({
            "name": "Positioning", "project_id": self.project.id,
            "task_id": self.task_strategy.id, "employee_id": self.emp_cd.id,
            "unit_amount": 1.0,
        })
        self.assertEqual((draft.service_type_id, draft.agency_rate),
                         (self.st_strategy, 130.0))
        creative_line = self.project.sale_line_id
        self.assertEqual(draft.so_line, creative_line, "until saved, Odoo's choice stands")
        self.assertEqual(self._counts(), before, "a new record creates nothing")
        entry = form.save().with_env(self.env)
        added = self.order.order_line - lines_before
        self.assertEqual(len(added), 1, "saving adds the strategy line at 130/h")
        self.assertEqual((added.price_unit, added.product_id),
                         (130.0, self.st_strategy.product_id))
        self.assertEqual(entry.so_line, added)
        self.assertEqual(added.qty_delivered, 2.0)
        self.assertEqual(entry.billed_amount, 260.0)
        self.assertIn("added billing lines", self.order.message_ids[:1].body)

    def test_outputs_a_form_sends_back_do_not_freeze_rating(self):
        """A form sends the rate's currency back with a change of task: the entry is
        still rated again (Odoo would otherwise keep the whole rating as it was)."""
        entry = self._time(self.emp_cd, 1.0, task=self.task_design)
        entry.with_user(self.user_manager).write({
            "task_id": self.task_strategy.id, "agency_currency_id": self.currency.id})
        self.assertEqual((entry.service_type_id, entry.agency_rate, entry.billed_amount),
                         (self.st_strategy, 130.0, 130.0))
        self.assertEqual(entry.so_line.price_unit, 130.0)

    def test_rerate_and_task_change_add_missing_lines_once(self):
        entry = self._time(self.emp_cd, 1.0, task=self.task_design)
        self.assertTrue(entry.no_rate_rule)
        self.assertEqual(entry.so_line, self.project.sale_line_id)
        lines_before = self.order.order_line
        self.task_design.service_type_id = self.st_strategy
        self.assertEqual(entry.service_type_id, self.st_strategy)
        added = self.order.order_line - lines_before
        self.assertEqual((len(added), added.price_unit), (1, 130.0))
        self.assertEqual(entry.so_line, added)
        other = self._time(self.emp_cd, 0.5, task=self.task_design)
        self.assertEqual(other.so_line, added)
        self.assertEqual(added.qty_delivered, 1.5)
        self.assertEqual(self.order.order_line - lines_before, added)


@tagged("post_install", "-at_install")
class TestExpensesStayBilled(TrustCase):
    """Re-invoiced expenses (sale_expense) keep their sale line, as in native Odoo."""

    def test_expense_label_and_date_edits_keep_the_sale_line(self):
        product = self.env["product.product"].create({
            "name": "Travel (re-invoiced)", "type": "service", "can_be_expensed": True,
            "expense_policy": "sales_price", "invoice_policy": "delivery",
            "list_price": 80.0, "standard_price": 60.0,
        })
        employee = self.env["hr.employee"].create({
            "name": "Ezra Expenses", "work_email": "ezra@agency-test.example",
        })
        sheet = self.env["hr.expense.sheet"].create({
            "name": "Client visit", "employee_id": employee.id,
            "expense_line_ids": [Command.create({
                "name": "Train to the client", "employee_id": employee.id,
                "product_id": product.id, "quantity": 2.0,
                "sale_order_id": self.order.id,
                "analytic_distribution": {self.project.account_id.id: 100},
            })],
        })
        sheet.action_submit_sheet()
        sheet.action_approve_expense_sheets()
        sheet.action_sheet_move_post()
        expense_line = self.order.order_line.filtered(lambda sol: sol.product_id == product)
        self.assertEqual((expense_line.qty_delivered, expense_line.price_unit), (2.0, 80.0))
        analytic = self.Line.search([("so_line", "=", expense_line.id)])
        self.assertEqual(len(analytic), 1)
        self.assertFalse(analytic.project_id)
        analytic.write({"name": "Train to the client (return)"})
        analytic.write({"date": date(2026, 3, 3)})
        self.env.flush_all()
        self.assertEqual(analytic.so_line, expense_line, "kept, as in native Odoo")
        self.assertEqual(expense_line.qty_delivered, 2.0)
        self.assertFalse(analytic.is_billable)
        self.assertEqual(analytic.billed_unit_amount, 0.0)
        invoice = self._invoice()
        self.assertEqual(self._line_amounts(invoice)[(product, 80.0)], (2.0, 160.0))
