from datetime import date
from xmlrpc.client import Fault

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
