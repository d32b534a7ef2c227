"""The portal rows of the access matrix (and a timesheet user) through real JSON-RPC and
the portal pages: a client reading its own invoice, a collaborator of a shared project
reading its time entries. Each request is authenticated as that user on the test
server; refused calls answer an AccessError (logged by Odoo's HTTP layer, muted here)."""

from odoo import fields
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .access_common import (
    ANOMALY_REASON,
    ENTRY_RESTRICTED,
    EXCLUSION_REASON,
    HOLD_REASON,
    MOVE_RESTRICTED,
    OVERRIDE_REASON,
    SEND_ERROR,
    AccessMatrixCase,
)

# Words of internal records that must never reach a client's page.
INTERNAL_WORDS = [SEND_ERROR, ANOMALY_REASON, "Hours spike", HOLD_REASON, EXCLUSION_REASON,
                  OVERRIDE_REASON, "Card designer", "Design hours disputed", "Matrix run"]


@tagged("post_install", "-at_install")
class TestAccessMatrixRpc(AccessMatrixCase, HttpCase):
    """Portal client, portal collaborator (and a timesheet user) over JSON-RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.order.message_subscribe(partner_ids=cls.client.ids)

    def _rpc(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def assertRpcRefused(self, model, method, *args, **kwargs):
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException) as caught:
            self._rpc(model, method, *args, **kwargs)
        self.assertIn("AccessError", str(caught.exception))

    def assertFieldsRefused(self, model, ids, fnames):
        """Each field is refused by read, search_read and web_search_read, and is not
        described by fields_get."""
        for fname in fnames:
            with self.subTest(model=model, field=fname):
                self.assertRpcRefused(model, "read", ids, [fname])
                self.assertRpcRefused(model, "search_read", [("id", "in", ids)], [fname])
                self.assertRpcRefused(model, "web_search_read", [("id", "in", ids)],
                                      {fname: {}})
        described = self._rpc(model, "fields_get", [], ["type"])
        self.assertFalse(set(fnames) & set(described))

    def assertPageClean(self, url, expected):
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200, url)
        self.assertIn(expected, response.text, url)
        for words in INTERNAL_WORDS:
            self.assertNotIn(words, response.text, url)
        return response.text

    def test_portal_client_reads_its_invoice_not_its_internals(self):
        """The client reads its invoice (amounts, period) over RPC and in the portal;
        flags, their summary, the send error, the review state, the dispute, the run and
        the reminders are refused; so are every billing record and its contract's
        retainer terms."""
        self.authenticate("ab_m_portal", "ab_m_portal")
        invoice = self.invoice
        rows = self._rpc("account.move", "search_read", [("id", "=", invoice.id)],
                         ["name", "amount_untaxed", "amount_total", "billing_period_end"])
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0]["amount_untaxed"], 435.0)  # 2 h at 120 + 1.5 h at 130
        self.assertEqual(rows[0]["amount_untaxed"], invoice.amount_untaxed)
        self.assertFieldsRefused("account.move", invoice.ids, MOVE_RESTRICTED)
        for model in ("agency.billing.run", "agency.invoice.anomaly",
                      "agency.invoice.reminder", "agency.retainer.period",
                      "agency.rate.rule", "agency.time.override", "agency.scope.line"):
            with self.subTest(model=model):
                self.assertRpcRefused(model, "search_read", [], ["display_name"])
        self.assertEqual(self._rpc("sale.order", "search_read", [("id", "=", self.order.id)],
                                   ["name"])[0]["name"], self.order.name)
        self.assertFieldsRefused("sale.order", self.order.ids,
                                 ["retainer_hours", "retainer_period_ids",
                                  "retainer_balance_hours"])
        # The client's own billing terms are the agency's business.
        self.assertFieldsRefused("res.partner", self.client.ids,
                                 ["time_rounding", "billing_cycle", "po_required",
                                  "billing_last_error", "agency_rate_rule_ids"])
        # The portal pages: the invoice and its HTML preview show the work, not the
        # internals.
        self.assertPageClean(f"/my/invoices/{invoice.id}", invoice.name)
        self.assertPageClean(f"/my/invoices/{invoice.id}?report_type=html", invoice.name)
        self.assertPageClean(f"/my/orders/{self.order.id}", self.order.name)

    def test_portal_collaborator_reads_time_not_its_price(self):
        """A collaborator of a shared project reads its time entries (hours, who, what),
        over RPC, in project sharing and in the portal; never their rate, billed time,
        amount, rule or reasons, and changes none of them."""
        self.authenticate("ab_m_collaborator", "ab_m_collaborator")
        entry = self.shared_entry
        rows = self._rpc("account.analytic.line", "search_read",
                         [("project_id", "=", self.shared_project.id)],
                         ["name", "unit_amount", "date", "service_type_id"])
        self.assertEqual([(r["name"], r["unit_amount"]) for r in rows], [("Shared banner", 1.5)])
        self.assertEqual(rows[0]["service_type_id"][0], self.st_design.id)
        self.assertFieldsRefused("account.analytic.line", entry.ids, ENTRY_RESTRICTED)
        # Project sharing reads the task with its timesheets: the price stays out.
        task = self._rpc("project.task", "web_read", self.shared_task.ids,
                         {"timesheet_ids": {"fields": {"unit_amount": {}}}})
        self.assertEqual(task[0]["timesheet_ids"][0]["unit_amount"], 1.5)
        self.assertRpcRefused("project.task", "web_read", self.shared_task.ids,
                              {"timesheet_ids": {"fields": {"agency_rate": {}}}})
        self.assertRpcRefused("account.analytic.line", "write", entry.ids, {"agency_rate": 1.0})
        self.assertFieldsRefused("project.project", self.shared_project.ids,
                                 ["agency_scope_line_ids", "agency_scope_burn_amount",
                                  "retainer_balance_hours"])
        self.assertEqual(entry.agency_rate, 120.0)
        # The portal's timesheets show time not invoiced yet (this entry) only where the
        # client's preference says so; invoiced time on posted invoices always.
        self.assertNotIn("Shared banner", self.url_open("/my/timesheets").text)
        self.client.portal_show_unbilled_time = True
        self.assertPageClean("/my/timesheets", "Shared banner")
        self.assertPageClean(f"/my/tasks/{self.shared_task.id}", "Shared layouts")

    def test_timesheet_user_over_rpc(self):
        """The timesheet user's refusals hold over RPC too (a session, not with_user)."""
        self.authenticate("ab_m_timesheet", "ab_m_timesheet")
        rows = self._rpc("account.analytic.line", "search_read", [("id", "=", self.entry.id)],
                         ["unit_amount", "job_id"])
        self.assertEqual(rows[0]["unit_amount"], 2.0)
        self.assertFieldsRefused("account.analytic.line", self.entry.ids,
                                 ["agency_rate", "billed_amount", "rate_reason"])
        self.assertRpcRefused("account.analytic.line", "write", self.open_entry.ids,
                              {"agency_rate": 999.0})
        self.assertEqual(self.open_entry.agency_rate, 120.0)


@tagged("post_install", "-at_install")
class TestAccessMatrixScreens(AccessMatrixCase, HttpCase):
    """The web client of a timesheet user, in headless Chromium: the views load without
    the fields they may not read."""

    def test_timesheet_user_screens(self):
        self.env["account.analytic.line"].create({
            "name": "Tour retouching", "employee_id": self.emp_designer.id,
            "project_id": self.project.id, "task_id": self.task_design.id,
            "unit_amount": 1.0, "date": fields.Date.context_today(self.timesheet_user),
        })
        self.start_tour("/odoo/timesheets", "agency_billing_timesheet_user_tour",
                        login="ab_m_timesheet")
