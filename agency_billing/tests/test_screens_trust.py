"""Screens finance can read at a glance: unclassified time shows no price, hours in the
company's format, blocking flags and warnings named as such, drafts and runs that can be
told apart, finished projects off the risk screens and off invoices that bill nothing of
them."""

from datetime import date

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

from .billing_common import AgencyBillingRunCase

MARCH_10, APRIL, MAY = date(2026, 3, 10), date(2026, 4, 1), date(2026, 5, 1)


def _plain(text):
    """Text with Odoo's no-break spaces (amounts) as plain spaces."""
    return str(text or "").replace("\xa0", " ").replace("&nbsp;", " ")


@tagged("post_install", "-at_install")
class TestUnclassifiedTimeShowsNoPrice(AgencyBillingRunCase):
    """An entry waiting for its service type has no rate and no billed amount until it is
    classified; the list says why; Time to Review totals leave it out; billing is
    unchanged."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.billing_last_period_end = date(2026, 2, 28)
        cls.project.service_type_id = False  # nothing to fall back on: entries need review
        cls.task_creative = cls.env["project.task"].create({
            "name": "Key visual", "project_id": cls.project.id,
            "service_type_id": cls.st_creative.id,
        })

    def test_unclassified_entry_without_rate_or_amount(self):
        unclassified = self._time(self.emp_cd, 2.0, day=MARCH_10, name="Misc tweaks")
        self.assertEqual(unclassified.classification_method, "review")
        self.assertEqual(unclassified.agency_rate, 150.0, "the rule matched: kept for later")
        self.assertEqual((unclassified.billing_rate, unclassified.billed_amount), (0.0, 0.0))
        self.assertEqual(unclassified.agency_billing_status, "to_classify")
        status = dict(unclassified._fields["agency_billing_status"]._description_selection(
            self.env))
        self.assertEqual(status["to_classify"], "Waiting for service type")
        # An entry to review for another reason (no rate rule: the sale line's price).
        no_rule = self._time(self.emp_ad, 1.0, day=MARCH_10, task=self.task_creative)
        self.assertTrue(no_rule.needs_review)
        self.assertEqual((no_rule.billing_rate, no_rule.billed_amount), (150.0, 150.0))
        self.assertEqual(no_rule.agency_billing_status, "to_invoice")
        # Time to Review: its total counts the priced entry only.
        action = self.env.ref("agency_billing.action_agency_time_entry_review")
        domain = [*safe_eval(action.domain), ("needs_review", "=", True),
                  ("timesheet_invoice_id", "=", False), ("project_id", "=", self.project.id)]
        [(count, amount)] = self.env["account.analytic.line"]._read_group(
            domain, [], ["__count", "billed_amount:sum"])
        self.assertEqual((count, amount), (2, 150.0))
        # Billing unchanged: the run leaves it out; classified, it is priced and billed.
        april = self._run_due(APRIL)
        self.assertEqual(april.invoice_ids.amount_untaxed, 150.0)
        self.assertFalse(unclassified.timesheet_invoice_id)
        unclassified.with_context(agency_override_reason="Concept work").service_type_id = \
            self.st_creative
        self.assertEqual((unclassified.billing_rate, unclassified.billed_amount), (150.0, 300.0))
        self.assertEqual(unclassified.agency_billing_status, "to_invoice")
        may = self._run_due(MAY)
        self.assertEqual(may.invoice_ids.amount_untaxed, 300.0)
        self.assertEqual(unclassified.agency_billing_status, "invoiced")
        self.assertEqual(unclassified.billed_amount, 300.0)


@tagged("post_install", "-at_install")
class TestHoursFormat(AgencyBillingRunCase):
    """Hours a person reads follow the company's format: decimal to two places or hh:mm;
    the database keeps the exact time."""

    def test_hours_in_both_formats(self):
        entry = self._time(self.emp_cd, 2.5)
        move = self.env["account.move"].new({"company_id": self.company.id})
        self.company.agency_hours_format = "decimal"
        self.assertEqual(move._agency_hours_text(2.5), "2.50")
        self.assertEqual(entry._agency_portal_hours(entry.billed_unit_amount), "2.50")
        self.company.agency_hours_format = "hhmm"
        self.assertEqual(move._agency_hours_text(2.5), "2:30")
        self.assertEqual(entry._agency_portal_hours(entry.billed_unit_amount), "2:30")
        # 20 minutes: read as 0:20 or 0.33 (the database keeps 0.333333).
        self.assertEqual(move._agency_hours_text(1 / 3), "0:20")
        self.company.agency_hours_format = "decimal"
        self.assertEqual(move._agency_hours_text(1 / 3), "0.33")

    def test_time_lists_read_hours_with_the_company_widget(self):
        views = self.env["account.analytic.line"].get_views([
            (self.env.ref("agency_billing.view_agency_time_entry_list").id, "list")])
        arch = views["views"]["list"]["arch"]
        for fname in ("unit_amount", "billed_unit_amount"):
            self.assertRegex(arch, rf'<field name="{fname}"[^>]*widget="agency_hours"')
        self.assertRegex(arch, r'<field name="date"[^>]*width="100px"')


@tagged("post_install", "-at_install")
class TestFlagWording(AgencyBillingRunCase):
    """Blocking flags and warnings are named as such everywhere; an approval logs an edit
    only when a value changed; attempts are counted in words."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.billing_last_period_end = date(2026, 2, 28)

    def _held_draft(self):
        """A draft held by a missing PO (blocking) with time left to classify (warning)."""
        self.client.po_required = True
        self.project.service_type_id = False
        self._time(self.emp_designer, 1.0, day=MARCH_10, task=self.task_design)
        self._time(self.emp_cd, 2.0, day=MARCH_10, name="Misc tweaks")
        invoice = self._run_due(APRIL).invoice_ids
        self.assertEqual(self._flags(invoice), {"missing_po", "low_confidence"})
        return invoice

    def test_blocking_and_warning_flags_named_as_such(self):
        invoice = self._held_draft()
        self.assertEqual(invoice.anomaly_blocking_summary, "Missing PO number")
        self.assertEqual(invoice.anomaly_warning_summary, "Low-confidence classification")
        severities = {a.code: a.severity for a in invoice.anomaly_ids}
        self.assertEqual(severities, {"missing_po": "blocking", "low_confidence": "warning"})
        label = "Acme Test Foods, 03/01/2026 – 03/31/2026, $ 120.00 untaxed"
        expected = (f"{label}: blocking: Missing PO number; warnings (not blocking): "
                    "Low-confidence classification")
        with self.assertRaises(UserError) as refused:
            invoice.action_post()  # the Confirm button
        message = _plain(str(refused.exception))
        self.assertIn("held in review by blocking flags", message)
        self.assertIn(expected, message)
        self.assertNotIn("blocking: Missing PO number, Low-confidence", message)
        with self.assertRaises(UserError) as refused:
            invoice.action_agency_approve()
        self.assertIn(expected, _plain(str(refused.exception)))
        # Fixed, only the warning is left: it no longer reads as blocking.
        invoice.ref = "PO-7"
        self.assertFalse(invoice.anomaly_blocking_summary)
        self.assertEqual(invoice.anomaly_warning_summary, "Low-confidence classification")

    def test_send_attempts_in_words(self):
        invoice = self._held_draft()
        invoice.sudo().write({"send_error": "Mail server refused", "send_attempts": 1})
        self.assertEqual(invoice.send_failure_note,
                         "Sending failed (1 attempt): Mail server refused")
        invoice.sudo().send_attempts = 3
        self.assertEqual(invoice.send_failure_note,
                         "Sending failed (3 attempts): Mail server refused")
        form = self.env["account.move"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertNotIn("attempt(s)", form)
        self.assertNotIn("flag(s)", form)

    def _notes(self, invoice, text):
        return invoice.message_ids.filtered(lambda m: text in (m.body or ""))

    def test_approval_without_change_logs_no_edit(self):
        self._time(self.emp_cd, 2.0, day=MARCH_10)
        invoice = self._run_due(APRIL).invoice_ids
        self.assertFalse(invoice.invoice_date)
        as_finance = invoice.with_user(self.user_finance)
        # A form saved as it was: no edit.
        as_finance.write({"ref": invoice.ref, "agency_detail_level": invoice.agency_detail_level})
        self.assertFalse(self._notes(invoice, "Edited in review"))
        as_finance.action_agency_approve()
        self.assertEqual((invoice.state, invoice.review_state), ("posted", "sent"))
        self.assertTrue(invoice.invoice_date, "Odoo dated it when posting")
        self.assertFalse(self._notes(invoice, "Edited in review"),
                         "approving is no edit, whatever posting writes")
        self.assertTrue(self._notes(invoice, "Approved by ab_finance"))

    def test_a_real_edit_is_logged_with_its_field(self):
        self._time(self.emp_cd, 2.0, day=MARCH_10)
        invoice = self._run_due(APRIL).invoice_ids
        invoice.with_user(self.user_finance).write({"ref": "PO-1", "agency_detail_level":
                                                    invoice.agency_detail_level})
        [note] = self._notes(invoice, "Edited in review")
        body = _plain(note.body)
        self.assertIn("(Reference)", body, "only the field that changed is named")
        self.assertIn("untaxed total unchanged ($ 300.00)", body)


@tagged("post_install", "-at_install")
class TestDraftsAndRuns(AgencyBillingRunCase):
    """Every draft states the period it bills; runs are numbered in date order; the cron
    makes one run per day."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.env["res.partner"].create({
            "name": "Beta Test Drinks", "is_company": True, "billing_automation": True,
            "billing_cycle": "monthly", "billing_month_day": 1,
            "billing_contact_ids": [Command.create({"name": "Bo", "email": "bo@x.example"})],
        })
        cls.other_order, cls.other_project = cls._make_contract(cls.other)
        cls.other_project.service_type_id = cls.st_creative

    def _rank(self, run):
        return int(run.name.split(",")[0].rsplit("/", 1)[1])

    def test_runs_numbered_by_date(self):
        later = self._run_now(APRIL)
        earlier = self._run_now(date(2026, 3, 31))  # a past period, started afterwards
        same_day = self._run_now(APRIL)
        self.assertTrue(later.name.startswith("RUN/2026-04-01/"), later.name)
        self.assertTrue(earlier.name.startswith("RUN/2026-03-31/"), earlier.name)
        self.assertEqual(self._rank(same_day), self._rank(later) + 1)
        runs = later | earlier | same_day
        self.assertEqual(runs.sorted("name").mapped("date"),
                         [date(2026, 3, 31), APRIL, APRIL], "numbers follow the dates")
        self.assertEqual(self.env["agency.billing.run"].search([("id", "in", runs.ids)]).ids,
                         [same_day.id, later.id, earlier.id], "listed newest day first")

    def test_one_scheduled_run_per_day(self):
        self.client.billing_last_period_end = date(2026, 2, 28)
        self._time(self.emp_cd, 2.0, day=MARCH_10)
        Run = self.env["agency.billing.run"]
        cron = self.env.ref("agency_billing.ir_cron_agency_billing_run")

        ours = self.client | self.other

        def cron_tick():
            Run.with_user(cron.user_id).with_context(agency_billing_today=APRIL)._cron_billing()
            # (the demo's history may have a run that day: it is then the day's run)
            return Run.search([("trigger", "=", "cron"), ("date", "=", APRIL),
                               ("line_ids.partner_id", "in", ours.ids)])

        first = cron_tick()
        self.assertEqual(first.line_ids.partner_id & ours, self.client)
        # Later that day another client falls due: the day's scheduled run bills it.
        self.other.billing_last_period_end = date(2026, 2, 28)
        self._time(self.emp_cd, 1.0, day=MARCH_10, project=self.other_project)
        self.assertEqual(cron_tick(), first, "one scheduled run per day")
        self.assertEqual(first.line_ids.partner_id & ours, ours)
        self.assertEqual(first.state, "done")
        invoices = first.invoice_ids.filtered(lambda m: m.commercial_partner_id in ours)
        self.assertEqual(sorted(invoices.mapped("amount_untaxed")), [150.0, 300.0])
        # A run by hand the same day is a run of its own.
        self._time(self.emp_cd, 1.0, day=date(2026, 3, 20))
        by_hand = self._run_now(APRIL)
        self.assertNotEqual(by_hand, first)
        self.assertEqual(by_hand.trigger, "api")

    def test_run_by_hand_draft_states_its_period(self):
        self._time(self.emp_cd, 1.0, day=date(2026, 3, 12))
        self._time(self.emp_cd, 2.0, day=MARCH_10)
        invoice = self._run_now(APRIL).invoice_ids
        self.assertEqual((invoice.billing_trigger, invoice.billing_period_start,
                          invoice.billing_period_end), ("manual", MARCH_10, APRIL))
        self.assertEqual(_plain(invoice._agency_draft_label()),
                         "Acme Test Foods, 03/10/2026 – 04/01/2026, $ 450.00 untaxed")

    def test_milestone_draft_states_its_period(self):
        product = self.env["product.product"].create({
            "name": "Campaign milestone", "type": "service", "service_type": "milestones",
            "invoice_policy": "delivery", "service_tracking": "no", "list_price": 5000.0,
        })
        self.order.write({"order_line": [Command.create({
            "product_id": product.id, "product_uom_qty": 1, "price_unit": 5000.0})]})
        line = self.order.order_line.filtered(lambda sol: sol.product_id == product)
        milestone = self.env["project.milestone"].create({
            "name": "Concept approved", "project_id": self.project.id,
            "sale_line_id": line.id, "quantity_percentage": 1.0,
        })
        milestone.is_reached = True
        milestone.reached_date = date(2026, 3, 20)
        invoice = self._run_due(APRIL).invoice_ids
        self.assertEqual(invoice.billing_milestone_ids, milestone)
        self.assertEqual((invoice.billing_trigger, invoice.billing_period_start,
                          invoice.billing_period_end, invoice.amount_untaxed),
                         ("milestone", date(2026, 3, 20), APRIL, 5000.0))

    def test_review_queue_columns(self):
        arch = self.env["account.move"].get_views([(
            self.env.ref("agency_billing.view_move_list_agency_review").id, "list",
        )])["views"]["list"]["arch"]
        self.assertRegex(arch, r'<field name="name"[^>]*optional="hide"')
        self.assertRegex(arch, r'<field name="amount_untaxed_signed"[^>]*sum="Untaxed total"')


@tagged("post_install", "-at_install")
class TestClosedProjects(AgencyBillingRunCase):
    """A finished project (closed stage, or no open contract line) leaves Projects at Risk
    and is not named on an invoice that bills nothing of it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.billing_last_period_end = date(2026, 2, 28)
        cls.previous = cls.env["project.project"].create({
            "name": "Previous campaign", "partner_id": cls.client.id,
            "allow_billable": True, "allow_timesheets": True,
            "sale_line_id": cls.project.sale_line_id.id,
        })
        cls.env["agency.scope.line"].create({
            "project_id": cls.previous.id, "service_type_id": cls.st_design.id,
            "budget_hours": 4.0,
        })
        cls.design_task = cls.env["project.task"].create({
            "name": "Old visuals", "project_id": cls.previous.id,
            "service_type_id": cls.st_design.id,
        })
        cls.done = cls.env.ref("project.project_project_stage_2")

    def _at_risk(self):
        action = self.env.ref("agency_billing.action_agency_projects_at_risk")
        return self.env["project.project"].search(
            [*safe_eval(action.domain), ("agency_scope_at_risk", "=", True)])

    def test_closed_project_leaves_projects_at_risk(self):
        self._time(self.emp_designer, 3.5, day=date(2026, 2, 10), project=self.previous,
                   task=self.design_task)
        self.assertEqual(self.previous.agency_scope_status, "risk")
        self.assertFalse(self.previous.agency_closed)
        self.assertIn(self.previous, self._at_risk())
        self.previous.stage_id = self.done
        self.assertTrue(self.previous.agency_closed)
        self.assertFalse(self.previous.agency_scope_at_risk)
        self.assertNotIn(self.previous, self._at_risk())
        # Back in progress, then its contract is locked: no open contract line left.
        self.previous.stage_id = self.env.ref("project.project_project_stage_1")
        self.assertIn(self.previous, self._at_risk())
        self.order.action_lock()
        self.assertTrue(self.previous.agency_closed)
        self.assertNotIn(self.previous, self._at_risk())

    def test_invoice_names_only_the_projects_it_bills(self):
        self.previous.stage_id = self.done
        self._time(self.emp_cd, 2.0, day=MARCH_10)
        invoice = self._run_due(APRIL).invoice_ids
        self.assertEqual(invoice.amount_untaxed, 300.0)
        self.assertEqual(invoice._agency_projects(), self.project)
        self.assertEqual(invoice._agency_report_data()["projects"], [self.project.display_name])
        self.assertIn("Project: Acme Test Foods project", invoice._agency_mail_context())
        self.assertNotIn("Previous campaign", invoice._agency_mail_context())
        text = self._report_text(invoice)
        self.assertIn("Project Acme Test Foods project", text)
        self.assertNotIn("Previous campaign", text)

    def test_closed_project_named_when_its_time_is_billed(self):
        self.previous.stage_id = self.done
        self._time(self.emp_cd, 2.0, day=MARCH_10)
        self._time(self.emp_designer, 1.0, day=MARCH_10, project=self.previous,
                   task=self.design_task)
        invoice = self._run_due(APRIL).invoice_ids
        self.assertEqual(invoice.amount_untaxed, 420.0)
        self.assertEqual(invoice._agency_projects(), self.project | self.previous)
        self.assertIn("Projects: ", invoice._agency_mail_context())
