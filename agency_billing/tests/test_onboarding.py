from datetime import date, timedelta
from xmlrpc.client import Fault

from odoo import fields
from odoo.modules.migration import load_script
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .billing_common import AgencyBillingRunCase


@tagged("post_install", "-at_install")
class TestOnboardingRpc(AgencyBillingRunCase, HttpCase):
    """An agency already mid-contract: a billing administrator sets a client's Billed Up
    To date and a retainer's opening balance over XML-RPC (no fake invoice), and bills a
    past period on purpose with ``action_agency_run_billing(date_to=...)``. Others may
    not."""


    def _rpc(self, login, model, method, *args, **kwargs):
        db = self.env.cr.dbname
        uid = self.xmlrpc_common.authenticate(db, login, login, {})
        return self.xmlrpc_object.execute_kw(db, uid, login, model, method, list(args), kwargs)

    def test_onboarding_values_over_rpc(self):
        self._add_retainer(self.order, 1000.0, cap=0.0)
        self._rpc("ab_finance", "res.partner", "write", [self.client.id],
                  {"billing_last_period_end": "2026-08-31"})
        self._rpc("ab_finance", "sale.order", "write", [self.order.id],
                  {"retainer_opening_hours": 6.5})
        [client] = self._rpc("ab_finance", "res.partner", "read", [self.client.id],
                             ["billing_last_period_end", "billing_next_date"])
        self.assertEqual((client["billing_last_period_end"], client["billing_next_date"]),
                         ("2026-08-31", "2026-10-01"))
        [order] = self._rpc("ab_finance", "sale.order", "read", [self.order.id],
                            ["retainer_opening_hours", "retainer_carried_hours",
                             "retainer_balance_hours", "invoice_ids"])
        self.assertEqual((order["retainer_opening_hours"], order["retainer_carried_hours"],
                          order["retainer_balance_hours"], order["invoice_ids"]),
                         (6.5, 6.5, 16.5, []))
        # Someone without billing administration rights is refused, nothing changes.
        for model, record, values in (
                ("res.partner", self.client, {"billing_last_period_end": "2026-12-31"}),
                ("sale.order", self.order, {"retainer_opening_hours": 40})):
            with mute_logger("odoo.http"), self.assertRaises(Fault) as caught:
                self._rpc("ab_account_director", model, "write", [record.id], values)
            self.assertIn("Only members of Agency Billing / Administrator may change",
                          caught.exception.faultString)
        self.env.invalidate_all()
        self.assertEqual(self.client.billing_last_period_end, date(2026, 8, 31))
        self.assertEqual(self.order.retainer_opening_hours, 6.5)
        # September is billed by its cycle with the opening balance carried in.
        self._time(self.emp_cd, 18.0, day=date(2026, 9, 15))
        invoice = self._run_due(date(2026, 10, 1)).invoice_ids
        self.assertEqual(invoice.retainer_period_ids.carried_in_hours, 6.5)
        self.assertEqual(invoice.amount_untaxed, 1225.0, "fee + 1.5 h overage x 150")

    def test_bill_a_past_period_on_purpose_over_rpc(self):
        self.client.billing_cycle = "manual"
        self._time(self.emp_cd, 2.0, day=date(2026, 9, 20))
        self._time(self.emp_cd, 1.0, day=date(2026, 10, 5))
        action = self._rpc("ab_finance", "res.partner", "action_agency_run_billing",
                           [self.client.id], date_to="2026-09-30")
        run = self.env["agency.billing.run"].browse(action["res_id"])
        self.assertEqual(run.line_ids.period_end, date(2026, 9, 30))
        self.assertEqual(run.invoice_ids.amount_untaxed, 300.0, "September's 2 h only")
        with mute_logger("odoo.http"), self.assertRaises(Fault) as caught:
            self._rpc("ab_account_director", "res.partner", "action_agency_run_billing",
                      [self.client.id], date_to="2026-09-30")
        self.assertIn("Only Agency Billing administrators", caught.exception.faultString)

    def test_run_billing_wizard(self):
        self.client.billing_cycle = "manual"
        self._time(self.emp_cd, 2.0, day=date(2026, 9, 20))
        self._time(self.emp_cd, 1.0, day=date(2026, 10, 5))
        wizard = self.env["agency.billing.run.wizard"].with_user(self.user_finance).with_context(
            active_model="res.partner", active_ids=self.client.ids).create(
            {"date_to": date(2026, 9, 30)})
        self.assertEqual(wizard.partner_ids, self.client)
        action = wizard.action_run()
        run = self.env["agency.billing.run"].browse(action["res_id"])
        self.assertEqual(run.invoice_ids.amount_untaxed, 300.0)


@tagged("post_install", "-at_install")
class TestRunTriggers(AgencyBillingRunCase, HttpCase):
    """How and by whom a billing run was started: Odoo's web client pressing a button
    (``button``), a script over XML-RPC (``api``); only the cron's runs are named
    "scheduled" (``TestFinanceScreens``)."""

    def _due_last_month(self):
        """The client due now for last month, with 2 h of creative time in it."""
        first = fields.Date.today().replace(day=1)
        last_month = (first - timedelta(days=1)).replace(day=1)
        self.client.billing_last_period_end = last_month - timedelta(days=1)
        self._time(self.emp_cd, 2.0, day=last_month + timedelta(days=9))

    def _button(self, model, method, ids):
        """Press a button of type "object" the way Odoo's web client does."""
        return self.make_jsonrpc_request(
            f"/web/dataset/call_button/{model}/{method}",
            {"model": model, "method": method, "args": [ids], "kwargs": {}})

    def _run(self, action):
        return self.env["agency.billing.run"].browse(action["res_id"])

    _rpc = TestOnboardingRpc._rpc  # a script over XML-RPC

    def test_bill_all_due_clients_now_button(self):
        self._due_last_month()
        self.authenticate("ab_finance", "ab_finance")
        run = self._run(self._button("agency.billing.run", "action_agency_bill_due_now", []))
        self.assertEqual((run.trigger, run.user_id), ("button", self.user_finance))
        self.assertEqual(run.invoice_ids.amount_untaxed, 300.0)
        self.assertTrue(run.name.endswith(f", started by {self.user_finance.name}"), run.name)
        self.assertNotIn("scheduled", run.name)

    def test_run_billing_now_button_and_api(self):
        self.client.billing_cycle = "manual"
        self._due_last_month()
        self.authenticate("ab_finance", "ab_finance")
        button = self._run(self._button("res.partner", "action_agency_run_billing",
                                        self.client.ids))
        self.assertEqual((button.trigger, button.user_id), ("button", self.user_finance))
        self.assertEqual(button.invoice_ids.amount_untaxed, 300.0)
        self._time(self.emp_cd, 1.0, day=fields.Date.today())
        api = self._run(self._rpc("ab_finance", "res.partner", "action_agency_run_billing",
                                  [self.client.id]))
        self.assertEqual((api.trigger, api.user_id), ("api", self.user_finance))
        self.assertEqual(api.invoice_ids.amount_untaxed, 150.0)
        self.assertTrue(api.name.endswith(
            f", started by {self.user_finance.name} over the API"), api.name)
        # Integrators find them by how they were started.
        Run = self.env["agency.billing.run"]
        self.assertEqual(Run.search([("trigger", "=", "api"), ("user_id", "=",
                                                                self.user_finance.id)]), api)

    def test_runs_of_the_previous_version_become_button_runs(self):
        self.env.cr.execute(
            "INSERT INTO agency_billing_run (name, trigger, date, state) "
            "VALUES ('Old run', 'manual', '2026-03-31', 'done') RETURNING id")
        [run_id] = self.env.cr.fetchone()
        load_script("agency_billing/migrations/18.0.1.1.1/post-billing-run-trigger.py",
                    "agency_billing_migration_18_0_1_1_1").migrate(self.env.cr, "18.0.1.1.0")
        self.assertEqual(self.env["agency.billing.run"].browse(run_id).trigger, "button")
