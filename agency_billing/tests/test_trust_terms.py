"""Only finance changes what a client pays: the client's billing terms, a running
contract's retainer terms and the review queue's state are guarded on the server (create
and write, with ``with_user`` and over real JSON-RPC), not by hiding a field; internal
calls (``sudo()``: runs, importers) and unchanged values a form sends back pass."""

import json
from datetime import date

from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger

from .billing_common import AgencyBillingRunCase
from .common import AgencyBillingCase

APRIL = date(2026, 4, 1)
MANAGER = "Agency Billing / Administrator"
USER = "Agency Billing / User"
# What decides what the client pays (billing administrators only), with a new value each.
MONEY_TERMS = {
    "time_rounding": "none",
    "time_rounding_unit": 30,
    "time_rounding_minimum": 60,
    "agency_over_scope_policy": "absorbed",
    "billing_automation": False,
    "billing_cycle": "weekly",
    "billing_weekday": "3",
    "billing_month_day": 15,
    "billing_anchor_date": date(2026, 1, 5),
    "po_required": True,
    "auto_send": True,
    "billing_last_period_end": date(2026, 3, 31),
}
# Read by the billing readers only (field groups): Odoo refuses them to sales first.
UNREAD_BY_SALES = {"billing_last_period_end"}
# How invoices look and who receives them (Agency Billing users too).
PRESENTATION = {
    "invoice_detail_level": "annex",
    "invoice_grouping": "project",
    "invoice_show_names": True,
    "portal_show_raw_time": True,
    "portal_show_unbilled_time": True,
}
# The review queue's state: no person, whatever the group.
MOVE_INTERNAL_VALUES = {
    "review_state": "sent",
    "has_blocking_anomaly": False,
    "anomaly_count": 0,
    "send_attempts": 3,
    "send_error": "none",
    "agency_sent_at": "2026-04-02 09:00:00",
    "agency_delivery_state": "sent",
    "billing_trigger": "manual",
}


class TrustTermsCase(AgencyBillingRunCase):
    """The billing agency with a salesperson (who manages contacts), an Account Director
    (Agency Billing user, salesperson too) and an invoicing user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesman = new_test_user(
            cls.env, login="ab_terms_sales", password="ab_terms_sales",
            groups="sales_team.group_sale_salesman_all_leads,base.group_partner_manager")
        cls.director = new_test_user(
            cls.env, login="ab_terms_ad", password="ab_terms_ad",
            groups="agency_billing.group_agency_billing_user,"
            "sales_team.group_sale_salesman_all_leads,base.group_partner_manager")
        cls.invoicing = new_test_user(
            cls.env, login="ab_terms_invoicing", password="ab_terms_invoicing",
            groups="account.group_account_invoice")
        cls.client.write({"time_rounding": "up", "time_rounding_unit": 15,
                          "billing_last_period_end": date(2026, 2, 28)})

    def _terms(self, partner, fnames):
        return {fname: partner[fname] for fname in fnames}

    def _held_draft(self):
        """A draft of the client's March held in review by a blocking flag (no PO)."""
        self.client.po_required = True
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        invoice = self._run_due(APRIL).invoice_ids
        self.assertEqual((invoice.state, invoice.review_state), ("draft", "to_review"))
        self.assertTrue(invoice.has_blocking_anomaly)
        self.assertEqual(invoice.amount_untaxed, 300.0)  # 2 h at 150
        return invoice


@tagged("post_install", "-at_install")
class TestTrustTerms(TrustTermsCase):
    """``with_user``: who changes the client's terms, the retainer terms and the review
    queue's state."""

    # -- client terms ------------------------------------------------------------

    def test_only_finance_changes_what_a_client_pays(self):
        """Each term that decides what the client pays is refused to a salesperson and
        to an Account Director, naming the field and the administrators' group; the
        client keeps its terms. A billing administrator changes them all."""
        before = self._terms(self.client, MONEY_TERMS)
        for user in (self.salesman, self.director):
            partner = self.client.with_user(user)
            for fname, value in MONEY_TERMS.items():
                # Billed Up To is not even readable by a salesperson: Odoo's own
                # refusal names the field.
                pattern = fname if fname in UNREAD_BY_SALES and user == self.salesman \
                    else f"{MANAGER}.*\\({fname}\\)"
                with self.subTest(user=user.login, field=fname), \
                        self.assertRefused(AccessError, pattern):
                    partner.write({fname: value})
        self.assertEqual(self._terms(self.client, MONEY_TERMS), before)
        self.assertEqual((self.client.time_rounding, self.client.time_rounding_unit),
                         ("up", 15))
        self.client.with_user(self.user_finance).write(MONEY_TERMS)
        self.assertEqual(self._terms(self.client, MONEY_TERMS), MONEY_TERMS)

    def test_rounding_by_a_salesperson_does_not_rate_the_time(self):
        """The refused change leaves billed time as the client's terms round it: 20
        minutes billed 0.50 h (rounded up to 15 minutes), not 0.33 h."""
        entry = self._time(self.emp_cd, 20 / 60)
        self.assertEqual(entry.billed_unit_amount, 0.5)
        with self.assertRefused(AccessError, MANAGER):
            self.client.with_user(self.salesman).write({"time_rounding": "none"})
        self.env["account.analytic.line"]._agency_rerate_pending(
            self.env["res.company"].search([]))
        self.assertEqual(entry.billed_unit_amount, 0.5)
        self.assertEqual(entry.billed_amount, 75.0)

    def test_account_directors_change_how_invoices_look(self):
        """Detail level, grouping, names and raw time, billing contacts and the reminder
        policy: Agency Billing users change them, a salesperson does not."""
        other = self.env["res.partner"].create({
            "name": "Cleo Billing", "parent_id": self.client.id, "type": "invoice",
            "email": "cleo@acme-test.example"})
        policy = self.env.ref("agency_billing.reminder_policy_standard")
        values = dict(PRESENTATION, billing_contact_ids=[Command.link(other.id)],
                      reminder_policy_id=policy.id)
        partner = self.client.with_user(self.salesman)
        for fname, value in values.items():
            with self.subTest(field=fname), \
                    self.assertRefused(AccessError, f"{USER}.*\\({fname}\\)"):
                partner.write({fname: value})
        self.assertEqual(self.client.billing_contact_ids, self.contact)
        self.assertEqual(self.client.invoice_detail_level, "service_type")
        self.client.with_user(self.director).write(values)
        self.assertEqual(self._terms(self.client, PRESENTATION), PRESENTATION)
        self.assertEqual(self.client.billing_contact_ids, self.contact | other)
        self.assertEqual(self.client.reminder_policy_id, policy)

    def test_billing_state_is_set_by_the_runs_only(self):
        """Next billing date, last run and error: refused even to an administrator;
        the runs set them (superuser)."""
        for fname, value in (("billing_next_date", date(2030, 1, 1)),
                             ("billing_last_error", "nothing"),
                             ("billing_last_error_at", "2026-04-01 10:00:00")):
            with self.subTest(field=fname), \
                    self.assertRefused(AccessError, f"\\({fname}\\).*set by Agency Billing"):
                self.client.with_user(self.user_finance).write({fname: value})
        self.assertEqual(self.client.billing_next_date, APRIL)
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        run = self._run_due(APRIL)
        self.assertEqual(self.client.billing_last_run_id, run)
        self.assertEqual(self.client.billing_next_date, date(2026, 5, 1))

    def test_a_salesperson_edits_the_rest_of_a_client(self):
        """Editing a client as a form does (its terms sent back unchanged), creating a
        company and a contact of the client (Odoo copies the client's rounding to it):
        all pass. A new client with terms of its own, or terms passed as context
        defaults, is refused."""
        partner = self.client.with_user(self.salesman)
        partner.write({"phone": "+1 555 0100", "time_rounding": "up",
                       "time_rounding_unit": 15, "billing_month_day": 1,
                       "billing_contact_ids": [Command.set(self.contact.ids)]})
        self.assertEqual(self.client.phone, "+1 555 0100")
        Partner = self.env["res.partner"].with_user(self.salesman)
        defaults = Partner.default_get(list(MONEY_TERMS) + list(PRESENTATION))
        company = Partner.create(dict(defaults, name="Wayne Gifts", is_company=True))
        self.assertEqual(company.time_rounding, "company")
        contact = Partner.create({"name": "Dan Contact", "parent_id": self.client.id})
        self.assertEqual((contact.time_rounding, contact.time_rounding_unit), ("up", 15))
        with self.assertRefused(AccessError, f"{MANAGER}.*\\(time_rounding\\)"):
            Partner.create({"name": "Rounder Ltd", "is_company": True,
                            "time_rounding": "none"})
        with self.assertRefused(AccessError, f"{MANAGER}.*\\(auto_send\\)"):
            Partner.with_context(default_auto_send=True).create({"name": "Sender Ltd"})
        with self.assertRefused(AccessError, f"{USER}.*\\(billing_contact_ids\\)"):
            Partner.create({"name": "Linked Ltd",
                            "billing_contact_ids": [Command.link(self.contact.id)]})
        self.assertFalse(self.env["res.partner"].search(
            [("name", "in", ("Rounder Ltd", "Sender Ltd", "Linked Ltd"))]))

    def test_internal_calls_keep_working(self):
        """The rules and importers write as superuser: a salesperson's environment under
        ``sudo()`` changes the terms (as the HubSpot importer does)."""
        self.client.with_user(self.salesman).sudo().write(
            {"time_rounding": "nearest", "time_rounding_unit": 6, "po_required": True})
        self.assertEqual((self.client.time_rounding, self.client.time_rounding_unit,
                          self.client.po_required), ("nearest", 6, True))

    # -- retainer terms ----------------------------------------------------------------

    def test_retainer_terms_are_sales_on_a_quotation_finance_once_confirmed(self):
        """A salesperson writes a quotation's retainer terms (and copies them); once the
        order is confirmed only an administrator changes them. The opening balance is an
        administrator's, on a quotation too."""
        Order = self.env["sale.order"].with_user(self.salesman)
        quotation = Order.create({
            "partner_id": self.client.id, "retainer_hours": 10.0,
            "retainer_rollover": "rollover", "retainer_rollover_cap": 5.0,
            "order_line": [Command.create({
                "product_id": self.env.ref("agency_billing.product_retainer_fee").id,
                "price_unit": 1000.0, "product_uom_qty": 12})],
        })
        quotation.write({"retainer_hours": 12.0})
        self.assertEqual(quotation.retainer_hours, 12.0)
        self.assertTrue(quotation.agency_retainer_editable)
        with self.assertRefused(AccessError, f"{MANAGER}.*\\(retainer_opening_hours\\)"):
            quotation.write({"retainer_opening_hours": 4.0})
        with self.assertRefused(AccessError, f"{MANAGER}.*\\(retainer_opening_hours\\)"):
            Order.create({"partner_id": self.client.id, "retainer_opening_hours": 4.0})
        quotation.action_confirm()
        self.assertEqual(quotation.state, "sale")
        self.assertFalse(quotation.agency_retainer_editable)
        for fname, value in (("retainer_hours", 40.0), ("retainer_rollover", "expire"),
                             ("retainer_rollover_cap", 0.0)):
            with self.subTest(field=fname), \
                    self.assertRefused(AccessError, f"{MANAGER}.*\\({fname}\\)"):
                quotation.write({fname: value})
        self.assertEqual((quotation.retainer_hours, quotation.retainer_rollover,
                          quotation.retainer_rollover_cap), (12.0, "rollover", 5.0))
        quotation.write({"note": "Signed", "retainer_hours": 12.0})  # unchanged: passes
        copy = quotation.copy()
        self.assertEqual((copy.state, copy.retainer_hours), ("draft", 12.0))
        as_finance = quotation.with_user(self.user_finance)
        self.assertTrue(as_finance.agency_retainer_editable)
        as_finance.write({"retainer_hours": 20.0, "retainer_opening_hours": 4.0})
        self.assertEqual((quotation.retainer_hours, quotation.retainer_opening_hours),
                         (20.0, 4.0))
        self.assertEqual(quotation.retainer_balance_hours, 24.0)

    # -- review queue --------------------------------------------------------------------

    def test_invoicing_user_cannot_write_the_review_state(self):
        """A held draft cannot be marked approved or sent, nor its blocking flag cleared,
        by writing the fields: each is refused, the draft stays held and cannot be
        posted."""
        invoice = self._held_draft()
        as_invoicing = invoice.with_user(self.invoicing)
        for fname, value in dict(MOVE_INTERNAL_VALUES, review_state="approved").items():
            with self.subTest(field=fname), \
                    self.assertRefused(AccessError, f"\\({fname}\\).*set by Agency Billing"):
                as_invoicing.write({fname: value})
        for user in (self.invoicing, self.user_finance):
            with self.subTest(user=user.login), \
                    self.assertRefused(AccessError, "\\(review_state\\)"):
                invoice.with_user(user).write({"review_state": "sent"})
        self.assertEqual((invoice.state, invoice.review_state), ("draft", "to_review"))
        self.assertTrue(invoice.has_blocking_anomaly)
        self.assertFalse(invoice.send_attempts)
        with self.assertRefused(Exception, "held in review by blocking flags"):
            as_invoicing.action_post()
        as_invoicing.write({"disputed": True, "dispute_reason": "Client asks about hours"})
        self.assertTrue(invoice.disputed)

    def test_invoices_cannot_be_created_in_the_queue(self):
        """An invoice created with a review state is refused; one drafted from a contract
        with the billing run's context forged is drafted outside the queue."""
        Move = self.env["account.move"].with_user(self.invoicing)
        with self.assertRefused(AccessError, "\\(review_state\\)"):
            Move.create({"move_type": "out_invoice", "partner_id": self.client.id,
                         "review_state": "sent"})
        with self.assertRefused(AccessError, "\\(review_state\\)"):
            Move.with_context(default_review_state="approved").create(
                {"move_type": "out_invoice", "partner_id": self.client.id})
        self._time(self.emp_cd, 2.0, day=date(2026, 3, 10))
        forged = {self.client.id: {"review_state": "approved", "billing_trigger": "cycle",
                                   "billing_run_id": self._run_due(APRIL).id}}
        self.order.invoice_ids.unlink()  # the run's own draft
        order = self.order.with_user(self.user_finance)
        drafted = order.with_context(agency_invoice_values=forged)._create_invoices()
        self.assertEqual(drafted.amount_untaxed, 300.0)
        self.assertEqual((drafted.review_state, drafted.billing_trigger,
                          drafted.billing_run_id.id), (False, False, False))
        move = Move.create({"move_type": "out_invoice", "partner_id": self.client.id,
                            "review_state": False, "send_attempts": 0})
        self.assertFalse(move.review_state)

    def test_the_queue_actions_still_move_invoices(self):
        """Through the actions an invoicing user fixes the cause and approves: the invoice
        is posted and sent (the queue writes its state itself)."""
        invoice = self._held_draft()
        as_invoicing = invoice.with_user(self.invoicing)
        as_invoicing.ref = "PO-4410"
        self.assertFalse(invoice.has_blocking_anomaly)
        as_invoicing.action_agency_approve()
        self.assertEqual((invoice.state, invoice.review_state), ("posted", "sent"))
        self.assertEqual(invoice.agency_delivery_state, "sent")
        self.assertEqual(invoice.amount_untaxed, 300.0)

    # -- views mirror the server ---------------------------------------------------------

    def _field_nodes(self, user, model, view_xmlid, fname):
        view = self.env.ref(view_xmlid)
        arch = self.env[model].with_user(user).get_views([(view.id, "form")])
        return etree.fromstring(arch["views"]["form"]["arch"]).xpath(
            f"//field[@name='{fname}']")

    def test_forms_show_read_only_what_the_server_refuses(self):
        """The time entry's role is read-only but for administrators; the client's money
        terms follow the user's rights (``agency_terms_editable``)."""
        form = "hr_timesheet.hr_timesheet_line_form"
        for user, readonly in ((self.director, True), (self.user_finance, False)):
            with self.subTest(user=user.login):
                nodes = self._field_nodes(user, "account.analytic.line", form, "job_id")
                self.assertEqual(len(nodes), 1)
                self.assertEqual(nodes[0].get("readonly") in ("1", "True"), readonly)
        nodes = self._field_nodes(self.director, "res.partner", "base.view_partner_form",
                                  "time_rounding")
        self.assertEqual([node.get("readonly") for node in nodes],
                         ["not agency_terms_editable"])
        self.assertFalse(self.client.with_user(self.director).agency_terms_editable)
        self.assertTrue(self.client.with_user(self.user_finance).agency_terms_editable)


@tagged("post_install", "-at_install")
class TestTrustTermsRpc(TrustTermsCase, HttpCase):
    """The same guards over real JSON-RPC, authenticated as each user."""

    def _rpc(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def assertRpcRefused(self, pattern, model, method, *args, **kwargs):
        """The call answers an AccessError whose message (as the web client shows it)
        matches ``pattern``."""
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self._rpc(model, method, *args, **kwargs)
        self.assertIn("AccessError", str(caught.exception))
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/web/dataset/call_kw/{model}/{method}",
                data=json.dumps({"jsonrpc": "2.0", "method": "call", "id": 1, "params": {
                    "model": model, "method": method, "args": list(args),
                    "kwargs": kwargs}}),
                headers={"Content-Type": "application/json"})
        error = response.json()["error"]["data"]
        self.assertEqual(error["name"], "odoo.exceptions.AccessError")
        self.assertRegex(error["message"], pattern)

    def test_salesperson_over_rpc(self):
        self.authenticate("ab_terms_sales", "ab_terms_sales")
        client = self.client.id
        self.assertRpcRefused(f"{MANAGER}.*time_rounding", "res.partner", "write",
                              [client], {"time_rounding": "none"})
        # Not readable by sales either: Odoo's field groups refuse it first.
        self.assertRpcRefused("billing_last_period_end", "res.partner", "write",
                              [client], {"billing_last_period_end": "2026-09-30"})
        self.assertRpcRefused(f"{MANAGER}.*auto_send", "res.partner", "create",
                              [{"name": "Sender Ltd", "is_company": True,
                                "auto_send": True}])
        self.assertRpcRefused(f"{MANAGER}.*retainer_hours", "sale.order", "write",
                              [self.order.id], {"retainer_hours": 99.0})
        self.assertTrue(self._rpc("res.partner", "write", [client], {"phone": "+1 555 0199"}))
        self.assertEqual((self.client.time_rounding, self.client.auto_send,
                          self.client.billing_last_period_end, self.order.retainer_hours,
                          self.client.phone),
                         ("up", False, date(2026, 2, 28), 0.0, "+1 555 0199"))

    def test_invoicing_user_over_rpc(self):
        invoice = self._held_draft()
        self.authenticate("ab_terms_invoicing", "ab_terms_invoicing")
        for values in ({"review_state": "sent"}, {"review_state": "approved"},
                       {"has_blocking_anomaly": False}):
            with self.subTest(values=values):
                self.assertRpcRefused("set by Agency Billing", "account.move", "write",
                                      [invoice.id], values)
        self.assertEqual((invoice.state, invoice.review_state), ("draft", "to_review"))
        self.assertTrue(invoice.has_blocking_anomaly)
        self.assertTrue(self._rpc("account.move", "write", [invoice.id], {"ref": "PO-77"}))
        self.assertFalse(invoice.has_blocking_anomaly, "fixing the cause clears the flag")


@tagged("post_install", "-at_install")
class TestMilestoneInvoiceLink(AgencyBillingCase):
    """A milestone's invoice is the billing run's to set: nobody marks one invoiced by
    hand (it would never be billed)."""

    def test_project_manager_cannot_mark_a_milestone_invoiced(self):
        manager = new_test_user(self.env, login="pm_manager_ms",
                                groups="project.group_project_manager")
        milestone = self.env["project.milestone"].create(
            {"name": "Launch", "project_id": self.project.id})
        invoice = self.env["account.move"].create({"move_type": "out_invoice",
                                                   "partner_id": self.client.id})
        with self.assertRaises(AccessError):
            milestone.with_user(manager).write({"agency_invoice_id": invoice.id})
        with self.assertRaises(AccessError):
            self.env["project.milestone"].with_user(manager).create(
                {"name": "Sneaky", "project_id": self.project.id,
                 "agency_invoice_id": invoice.id})
        milestone.with_user(manager).write({"is_reached": True, "name": "Launch day"})
        self.assertEqual((milestone.is_reached, milestone.agency_invoice_id.id),
                         (True, False))
