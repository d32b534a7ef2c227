from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .billing_common import AgencyBillingRunCase

APRIL = date(2026, 4, 1)


@tagged("post_install", "-at_install")
class TestBillingRun(AgencyBillingRunCase):
    """Billing runs: what they invoice, skip and why, exactly once, client by client."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.billing_last_period_end = date(2026, 2, 28)  # March is due on Apr 1

    def test_run_records_invoices_and_advances(self):
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        self._time(self.emp_designer, 1.5, day=date(2026, 3, 11), task=self.task_design)
        run = self._run_due(APRIL)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.trigger, "cron")
        line = run.line_ids
        self.assertEqual((line.partner_id, line.kind, line.outcome, line.reason),
                         (self.client, "cycle", "invoiced", "in_review"))
        invoice = run.invoice_ids
        self.assertEqual(line.invoice_ids, invoice)
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(invoice.review_state, "to_review")
        self.assertEqual(invoice.billing_trigger, "cycle")
        self.assertEqual(invoice.amount_untaxed, 480.0)  # 2 h x 150 + 1.5 h x 120
        self.assertEqual(len(invoice.timesheet_ids), 2, "entries linked: invoiced once")
        self.assertFalse(self._flags(invoice))
        self.assertIn(f"Drafted by billing run {run.name} (Billing cycle), time 2026-03-01",
                      invoice.message_ids[0].body)
        self.assertEqual(self.client.billing_last_period_end, date(2026, 3, 31))
        self.assertEqual(self.client.billing_last_run_id, run)
        # Exactly once: a second run the same day has nothing due, billing by hand nothing
        # left to invoice.
        self.assertFalse(self._run_due(APRIL))
        again = self._run_now(APRIL)
        self.assertEqual(again.line_ids.reason, "no_billable_time")
        self.assertFalse(again.invoice_ids)

    def test_skip_reasons(self):
        # No time at all.
        run = self._run_due(APRIL)
        self.assertEqual((run.line_ids.outcome, run.line_ids.reason),
                         ("skipped", "no_billable_time"))
        # Only held time.
        self._start_client(date(2026, 3, 31))
        self._time(self.emp_cd, 2.5, day=date(2026, 4, 10), billing_hold=True,
                   billing_hold_reason="Over scope")
        run = self._run_due(date(2026, 5, 1))
        self.assertEqual((run.line_ids.outcome, run.line_ids.reason),
                         ("skipped", "held_time"))
        self.assertEqual(run.line_ids.held_hours, 2.5)
        self.assertIn("2.50 h", run.line_ids.message)
        # No contract.
        other = self.env["res.partner"].create({
            "name": "No Contract Ltd", "is_company": True, "billing_automation": True,
            "billing_cycle": "manual",
        })
        run = self._run_now(APRIL, client=other)
        self.assertEqual((run.line_ids.outcome, run.line_ids.reason),
                         ("skipped", "no_contract"))

    def test_held_time_left_out_of_invoice(self):
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        self._time(self.emp_cd, 3.0, day=date(2026, 3, 12), billing_hold=True,
                   billing_hold_reason="Over scope")
        run = self._run_due(APRIL)
        self.assertEqual(run.invoice_ids.amount_untaxed, 300.0)
        self.assertEqual(run.line_ids.held_hours, 3.0)
        self.assertIn("held_time", self._flags(run.invoice_ids))

    def test_missing_po_held_and_never_sent(self):
        self.client.write({"po_required": True, "auto_send": True})
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        run = self._run_due(APRIL)
        invoice = run.invoice_ids
        self.assertEqual((run.line_ids.outcome, run.line_ids.reason), ("invoiced", "missing_po"))
        self.assertIn("purchase order", run.line_ids.message)
        self.assertEqual(invoice.state, "draft", "held in review, not sent automatically")
        self.assertEqual(invoice.review_state, "to_review")
        self.assertTrue(invoice.has_blocking_anomaly)
        self.assertEqual(self._flags(invoice), {"missing_po"})
        with self.assertRefused(UserError, "held until their blocking flags are fixed"):
            invoice.action_agency_approve()
        self.assertFalse(invoice.is_move_sent)
        invoice.ref = "PO-7781"
        self.assertFalse(self._flags(invoice), "re-checked when the reference is set")
        invoice.action_agency_approve()
        self.assertEqual((invoice.state, invoice.review_state), ("posted", "sent"))

    def test_po_from_contract(self):
        self.client.po_required = True
        self.order.client_order_ref = "PO-1234"
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        invoice = self._run_due(APRIL).invoice_ids
        self.assertEqual(invoice.ref, "PO-1234")
        self.assertNotIn("missing_po", self._flags(invoice))

    def test_no_billing_contact_held(self):
        self.client.write({"billing_contact_ids": [Command.clear()], "auto_send": True})
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        run = self._run_due(APRIL)
        invoice = run.invoice_ids
        self.assertEqual(run.line_ids.reason, "no_billing_contact")
        self.assertEqual(self._flags(invoice), {"no_billing_contact"})
        self.assertEqual(invoice.state, "draft")
        with self.assertRefused(UserError, "No billing contact"):
            invoice.action_agency_approve()

    def test_auto_send(self):
        self.client.auto_send = True
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        run = self._run_due(APRIL)
        invoice = run.invoice_ids
        self.assertEqual(run.line_ids.reason, "sent")
        self.assertEqual((invoice.state, invoice.review_state), ("posted", "sent"))
        self.assertTrue(invoice.is_move_sent)
        sent = invoice.message_ids.filtered(lambda m: m.message_type == "comment"
                                            and m.partner_ids)
        self.assertEqual(sent.partner_ids, self.contact)
        self.assertIn("Sent automatically", " ".join(invoice.message_ids.mapped("body")))

    def test_auto_send_waits_when_flagged(self):
        self.client.auto_send = True
        self.env["agency.rate.rule"].search([("job_id", "=", self.job_designer.id)]).active = False
        self._time(self.emp_designer, 2.0, day=date(2026, 3, 10), task=self.task_design)
        run = self._run_due(APRIL)
        self.assertEqual(run.line_ids.reason, "in_review")
        self.assertEqual(run.invoice_ids.state, "draft")
        self.assertEqual(self._flags(run.invoice_ids), {"no_rate_rule"})

    def test_one_invoice_per_project_or_per_client(self):
        order2, project2 = self._make_contract(self.client, lines=[(self.st_creative, 150.0, 10)])
        project2.service_type_id = self.st_creative
        # Same invoice address (Odoo never puts two addressees on one invoice).
        order2.partner_invoice_id = self.order.partner_invoice_id
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        self._time(self.emp_cd, 1.0, day=date(2026, 3, 10), project=project2)
        invoice = self._run_due(APRIL).invoice_ids
        self.assertEqual(len(invoice), 1, "one invoice per client")
        self.assertEqual(invoice.amount_untaxed, 450.0)
        invoice.button_cancel()
        self._start_client(date(2026, 2, 28))
        self.client.invoice_grouping = "project"
        invoices = self._run_due(APRIL).invoice_ids
        self.assertEqual(len(invoices), 2, "one invoice per contract and project")
        self.assertEqual(sorted(invoices.mapped("amount_untaxed")), [150.0, 300.0])

    def test_run_now_button(self):
        self.client.billing_cycle = "manual"
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        action = self.client.with_user(self.user_finance).with_context(
            agency_billing_today=APRIL).action_agency_run_billing()
        run = self.env["agency.billing.run"].browse(action["res_id"])
        self.assertEqual(run.trigger, "api", "called by code, not by the web client's button")
        self.assertEqual(run.line_ids.kind, "manual")
        self.assertEqual(run.invoice_ids.amount_untaxed, 300.0)
        self.assertEqual(run.user_id, self.user_finance)
        with self.assertRefused(AccessError, "Only Agency Billing administrators"):
            self.client.with_user(self.user_ad).action_agency_run_billing()

    def test_failing_client_never_half_invoiced(self):
        """A client whose billing fails half-way (after its invoice was created) is rolled
        back entirely while the others are billed; the next run completes it."""
        second = self.env["res.partner"].create({
            "name": "Globex Test", "is_company": True, "billing_automation": True,
            "billing_cycle": "monthly", "billing_last_period_end": date(2026, 2, 28),
            "billing_contact_ids": [Command.create({"name": "Hank", "email": "h@g.example"})],
        })
        order2, project2 = self._make_contract(second)
        project2.service_type_id = self.st_creative
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        entry2 = self._time(self.emp_cd, 4.0, day=date(2026, 3, 10), project=project2)
        Move = type(self.env["account.move"])
        original = Move._agency_check_anomalies

        def fail_for_second(moves):
            if second in moves.commercial_partner_id:
                raise ValueError("Simulated crash half-way")
            return original(moves)

        with patch.object(Move, "_agency_check_anomalies", fail_for_second):
            run = self._run_due(APRIL, clients=self.client | second)
        self.assertEqual(run.state, "errors")
        outcomes = {line.partner_id: (line.outcome, line.message) for line in run.line_ids}
        self.assertEqual(outcomes[self.client][0], "invoiced")
        self.assertEqual(outcomes[second], ("error", "Simulated crash half-way"))
        self.assertEqual(run.invoice_ids.commercial_partner_id, self.client)
        # Nothing of the failed client stuck: no invoice, entry open, cycle not advanced.
        self.assertFalse(self.env["account.move"].search([("partner_id", "=", second.id)]))
        self.assertFalse(entry2.timesheet_invoice_id)
        self.assertEqual(order2.order_line[0].qty_invoiced, 0.0)
        self.assertEqual(second.billing_last_period_end, date(2026, 2, 28))
        self.assertEqual(second.billing_last_error, "Simulated crash half-way")
        # The next run completes it.
        run = self._run_due(APRIL, clients=self.client | second)
        self.assertEqual(run.state, "done")
        self.assertEqual(run.line_ids.partner_id, second)
        self.assertEqual(run.invoice_ids.amount_untaxed, 600.0)
        self.assertEqual(entry2.timesheet_invoice_id, run.invoice_ids)
        self.assertFalse(second.billing_last_error)

    def test_cron_entry_point(self):
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        cron = self.env.ref("agency_billing.ir_cron_agency_billing_run")
        self.assertEqual(cron.code.strip(), "model._cron_billing()")
        with freeze_time(APRIL):
            cron.method_direct_trigger()
        run = self.env["agency.billing.run"].search([("line_ids.partner_id", "=",
                                                      self.client.id)])
        self.assertEqual(run.invoice_ids.amount_untaxed, 300.0)
