import re
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import tagged

from .billing_common import AgencyBillingRunCase

SEP1, OCT1, NOV1 = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)


@tagged("post_install", "-at_install")
class TestRetainerChain(AgencyBillingRunCase):
    """Cancelling or deleting any retainer invoice: periods are given back latest first,
    no fee is lost, a settlement never swallows another period's time, the client's
    Billed Up To follows.

    A retainer of 2,000.00 a month for 10 hours, unused hours roll over up to 5, overage
    at the Creative Director's 150/h. August 8 h (2 h carried), September 14 h (12
    available, 2 h overage), October 13 h (10 available, 3 h overage)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fee_product = cls.env.ref("agency_billing.product_retainer_fee")
        cls.fee_line = cls._add_retainer(cls.order, 2000.0)
        cls.client.billing_last_period_end = date(2026, 7, 31)

    def _month(self, day, hours):
        return self._time(self.emp_cd, hours, day=day)

    def _bill(self, day):
        invoice = self._run_due(day).invoice_ids
        self.assertEqual(len(invoice), 1)
        return invoice

    def _three_periods(self):
        self._month(date(2026, 8, 10), 8.0)
        aug = self._bill(SEP1)
        self._month(date(2026, 9, 10), 14.0)
        sep = self._bill(OCT1)
        self._month(date(2026, 10, 10), 13.0)
        octo = self._bill(NOV1)
        self.assertEqual([aug.amount_untaxed, sep.amount_untaxed, octo.amount_untaxed],
                         [2000.0, 2300.0, 2450.0])
        return aug, sep, octo

    def _period(self, invoice):
        period = invoice.retainer_period_ids
        return (period.date_from, period.date_to, period.carried_in_hours, period.used_hours,
                period.overage_hours, period.carried_out_hours)

    def test_cancelling_the_middle_invoice_of_three(self):
        aug, sep, octo = self._three_periods()
        self._post(aug, SEP1)
        self._post(sep, OCT1)
        with self.assertRefused(UserError, "latest first.*" + re.escape(octo.display_name)):
            sep.button_cancel()
        self.assertEqual(sep.state, "posted", "nothing changed")
        self.assertEqual(len(self.order.retainer_period_ids), 3)
        self.assertEqual(self.client.billing_last_period_end, date(2026, 10, 31))
        # Latest first: October, then September.
        octo.button_cancel()
        self.assertEqual(self.client.billing_last_period_end, date(2026, 9, 30))
        sep.button_cancel()
        self.assertEqual(self.client.billing_last_period_end, date(2026, 8, 31))
        self.assertEqual(self.client.billing_next_date, OCT1)
        self.assertEqual(self.fee_line.qty_delivered, 1.0)
        self.assertIn("given back (invoice", self.order.message_ids[0].body)
        # The next runs bill September then October again, exactly as before.
        sep2 = self._bill(NOV1)
        self.assertEqual(sep2.amount_untaxed, 2300.0)
        self.assertEqual(self._period(sep2), (date(2026, 9, 1), date(2026, 9, 30), 2.0, 14.0,
                                              2.0, 0.0))
        oct2 = self._bill(NOV1)
        self.assertEqual(oct2.amount_untaxed, 2450.0)
        self.assertEqual(self._period(oct2), (date(2026, 10, 1), date(2026, 10, 31), 0.0,
                                              13.0, 3.0, 0.0))
        self.assertFalse(self._run_due(NOV1), "nothing more is due")
        self.assertEqual(self.fee_line.qty_delivered, 3.0)
        self.assertEqual(self.fee_line.qty_invoiced, 3.0, "no fee lost, none twice")

    def test_deleting_a_draft_before_the_next_period(self):
        """The issue's reproduction: September's draft deleted before October is billed;
        October must bill 2,450.00 (not September's time again) and September's fee is
        billed again."""
        self._month(date(2026, 8, 10), 8.0)
        self._post(self._bill(SEP1), SEP1)
        self._month(date(2026, 9, 10), 14.0)
        sep = self._bill(OCT1)
        self.assertEqual(sep.amount_untaxed, 2300.0)
        sep.unlink()
        self.assertEqual(self.client.billing_last_period_end, date(2026, 8, 31))
        self._month(date(2026, 10, 10), 13.0)
        sep2 = self._bill(NOV1)
        self.assertEqual(sep2.amount_untaxed, 2300.0)
        self.assertEqual(sep2.retainer_period_ids.date_to, date(2026, 9, 30))
        octo = self._bill(NOV1)
        self.assertEqual(octo.amount_untaxed, 2450.0)
        self.assertEqual(self.fee_line.qty_invoiced, 3.0)

    def test_settlement_has_a_lower_date_bound(self):
        """Time logged late for a settled period is billed at its rate, never covered by
        (or counted in) the next period."""
        self._month(date(2026, 8, 10), 8.0)
        self._bill(SEP1)
        self._month(date(2026, 8, 28), 1.0)  # August's time, logged after August was billed
        self._month(date(2026, 9, 10), 10.0)
        sep = self._bill(OCT1)
        self.assertEqual(self._period(sep), (date(2026, 9, 1), date(2026, 9, 30), 2.0, 10.0,
                                             0.0, 2.0))
        self.assertEqual(sep.amount_untaxed, 2150.0, "the fee + the late hour at 150")

    def test_opening_balance_is_the_first_carry_in(self):
        """Onboarding mid-contract: a billing administrator sets the client's Billed Up To
        date and the retainer's opening balance (plain writes), no invoice."""
        other = self.env["res.partner"].create({"name": "Midyear Ltd", "is_company": True})
        order, project = self._make_contract(other, lines=[(self.st_creative, 150.0, 10)])
        project.service_type_id = self.st_creative
        self._add_retainer(order, 1000.0, cap=0.0)
        finance = self.user_finance
        other.with_user(finance).write({
            "billing_automation": True, "billing_cycle": "monthly",
            "billing_last_period_end": date(2026, 8, 31),
        })
        order.with_user(finance).retainer_opening_hours = 4.0
        self.assertEqual(other.billing_next_date, OCT1)
        self.assertEqual(order.retainer_balance_hours, 14.0)
        self.assertFalse(order.invoice_ids)
        self._time(self.emp_cd, 16.0, day=date(2026, 9, 10), project=project)
        invoice = self._run_due(OCT1, clients=other).invoice_ids
        self.assertEqual(invoice.amount_untaxed, 1300.0, "fee + (16 - 14) h x 150")
        self.assertEqual(invoice.retainer_period_ids.carried_in_hours, 4.0)
        with self.assertRefused(UserError, "already settled retainer periods"):
            order.with_user(finance).retainer_opening_hours = 2.0
