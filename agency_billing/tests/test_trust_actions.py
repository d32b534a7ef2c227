from datetime import date, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .billing_common import AgencyBillingRunCase
from .test_scope import DAY, ScopeCase

APRIL = date(2026, 4, 1)


@tagged("post_install", "-at_install")
class TestActionsCheckRights(ScopeCase):
    """Public actions check the caller's rights before doing anything as superuser."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_project = new_test_user(cls.env, login="ab_act_project",
                                         groups="project.group_project_user")
        cls.user_timesheet = new_test_user(cls.env, login="ab_act_timesheet",
                                           groups="hr_timesheet.group_hr_timesheet_user")
        cls.user_billing = new_test_user(
            cls.env, login="ab_act_billing",
            groups="agency_billing.group_agency_billing_user,project.group_project_user")
        cls.client.agency_over_scope_policy = "held"

    def _held(self):
        """10 h design budget at 100/h: 4 + 4 + 3 h, then 2 h held over scope."""
        line = self._line(self.st_design, 10.0)
        for hours in (4.0, 4.0, 3.0):
            self._design(hours)
        over = self._design(2.0, day=DAY + timedelta(days=1))
        self.assertTrue(over.billing_hold)
        return line, over

    def test_release_held_time_needs_a_billing_user(self):
        line, over = self._held()
        with self.assertRefused(AccessError, "Agency Billing / User"):
            line.with_user(self.user_project).action_agency_release_held()
        with self.assertRefused(AccessError, "Agency Billing / User"):
            line.with_user(self.user_timesheet).action_agency_release_held()
        self.assertTrue(over.billing_hold, "still held")
        self.assertEqual(line.held_hours, 2.0)
        first = self._invoice()
        self.assertEqual(first.amount_untaxed, 1100.0)
        line.with_user(self.user_billing).action_agency_release_held()
        self.assertFalse(over.billing_hold)
        self.assertEqual(line.held_hours, 0.0)
        self.assertEqual(self._invoice().amount_untaxed, 200.0)

    def test_scope_actions_need_a_billing_user(self):
        self._line(self.st_design, 10.0)
        project = self.project.with_user(self.user_project)
        for action in ("action_agency_scope_refresh", "action_agency_scope_from_order"):
            with self.assertRefused(AccessError, "Agency Billing / User"):
                getattr(project, action)()
        line = self.project.agency_scope_line_ids.with_user(self.user_project)
        with self.assertRefused(AccessError, "Agency Billing / User"):
            line.action_agency_change_request()
        self.assertTrue(self.project.with_user(self.user_billing).action_agency_scope_refresh())

    def test_time_and_rule_actions(self):
        entry = self._design(1.0)
        with self.assertRefused(AccessError, "Agency Billing / User"):
            entry.with_user(self.user_timesheet).action_agency_unlock()
        with self.assertRefused(AccessError, "Agency Billing / Administrator"):
            self.rule_designer.with_user(self.user_billing).action_rerate_now()
        with self.assertRefused(AccessError, "Agency Billing / Administrator"):
            self.env["res.config.settings"].with_user(self.user_billing).new(
                {}).action_agency_learn_now()


@tagged("post_install", "-at_install")
class TestReviewHoldHolds(AgencyBillingRunCase):
    """A blocking flag holds the draft: no invoicing user, no Confirm button, no RPC
    posts or approves it; fixing the cause or an administrator with a reason does."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_invoicing = new_test_user(cls.env, login="ab_hold_invoicing",
                                           groups="account.group_account_invoice")
        cls.user_billing = new_test_user(cls.env, login="ab_hold_billing",
                                         groups="agency_billing.group_agency_billing_user")
        cls.client.write({"po_required": True, "billing_last_period_end": date(2026, 2, 28)})

    def _held_draft(self):
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        invoice = self._run_due(APRIL).invoice_ids
        self.assertEqual(self._flags(invoice), {"missing_po"})
        self.assertTrue(invoice.has_blocking_anomaly)
        self.assertEqual(invoice.amount_untaxed, 300.0)
        return invoice

    def test_invoicing_user_cannot_clear_or_bypass_a_blocking_flag(self):
        invoice = self._held_draft()
        as_invoicing = invoice.with_user(self.user_invoicing)
        with self.assertRefused(AccessError, "Administrator change anomaly flags directly"):
            as_invoicing.anomaly_ids.write({"state": "overridden", "override_reason": "ok"})
        with self.assertRefused(AccessError, "not allowed to delete"):
            as_invoicing.anomaly_ids.unlink()
        with self.assertRefused(UserError, "held until their blocking flags are fixed"):
            as_invoicing.with_context(agency_review_reason="PO follows").action_agency_approve()
        for poster in (as_invoicing, invoice):  # the Confirm button, as anyone
            with self.assertRefused(UserError,
                                    r"held in review by blocking flags(.|\n)*Missing PO"):
                poster.action_post()
        with self.assertRefused(AccessError, "Only members of .* may do this"):
            invoice.with_user(self.user_billing).action_agency_check()
        self.assertEqual((invoice.state, invoice.review_state), ("draft", "to_review"))
        self.assertEqual(invoice.anomaly_ids.state, "open")
        self.assertFalse(invoice.is_move_sent)

    def test_fixing_the_cause_releases_the_draft(self):
        invoice = self._held_draft()
        invoice.with_user(self.user_invoicing).ref = "PO-4410"
        self.assertFalse(invoice.has_blocking_anomaly)
        invoice.with_user(self.user_invoicing).action_post()
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_untaxed, 300.0)

    def test_administrator_with_a_reason_approves(self):
        invoice = self._held_draft()
        as_admin = invoice.with_user(self.user_finance)
        with self.assertRefused(UserError, "held until their blocking flags are fixed"):
            as_admin.action_agency_approve()
        as_admin.with_context(
            agency_review_reason="PO agreed by phone, number to follow").action_agency_approve()
        self.assertEqual((invoice.state, invoice.review_state), ("posted", "sent"))
        flag = invoice.anomaly_ids
        self.assertEqual((flag.state, flag.override_user_id, flag.override_reason),
                         ("overridden", self.user_finance,
                          "PO agreed by phone, number to follow"))
        self.assertTrue(invoice.message_ids.filtered(
            lambda m: "overriding Missing PO" in (m.body or "") or "PO agreed" in (m.body or "")))
        self.assertEqual(invoice.amount_untaxed, 300.0)
