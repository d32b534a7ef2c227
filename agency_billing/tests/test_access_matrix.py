"""The access matrix of the README, one test per row, through ``with_user``.

Each row reads what the role may read (exact values), is refused what it may not read
(``AccessError`` on read, search and group-by), and is refused the writes that Odoo's
field groups and ACLs refuse. Writes whose refusal comes from the addon's write guards
are in ``TestAccessMatrixWrite``; the portal rows go through real JSON-RPC in
``test_access_rpc``.
"""

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .access_common import (
    ANOMALY_REASON,
    BILLING_MODELS,
    BILLING_READER_GROUPS,
    ENTRY_OPEN,
    ENTRY_RESTRICTED,
    EXCLUSION_REASON,
    HOLD_REASON,
    MOVE_RESTRICTED,
    OVERRIDE_REASON,
    PROJECT_RESTRICTED,
    SEND_ERROR,
    AccessMatrixCase,
)

TIMESHEET_VIEWS = [
    ("hr_timesheet.hr_timesheet_line_tree", "list"),
    ("hr_timesheet.hr_timesheet_line_form", "form"),
    ("hr_timesheet.hr_timesheet_line_search", "search"),
    ("hr_timesheet.timesheet_view_tree_user", "list"),
]


class AccessMatrixAsserts(AccessMatrixCase):
    """Assertions shared by the rows."""

    def assertRefusalNamesGroup(self, fname, call):
        """Refused with an AccessError naming the field and the groups that may change
        it (Odoo's message names them to users of the technical features, every internal
        user in Odoo 18; the addon's guards always do)."""
        with self.assertRaises(AccessError) as caught:
            call()
        message = str(caught.exception)
        self.assertRegex(message, "Agency Billing")
        self.assertRegex(message, fname + "|" + self.open_entry._fields[fname].string)

    def assertReadRefused(self, records, fnames):
        """Each field carries groups (on its definition) the user is in none of, and is
        refused on read, search and group-by; a read of all fields leaves them out."""
        for fname in fnames:
            with self.subTest(field=fname):
                field = records._fields[fname]
                self.assertTrue(field.groups, f"{fname} is restricted by its groups")
                self.assertFalse([group for group in field.groups.split(",")
                                  if records.env.user.has_group(group)])
                with self.assertRaises(AccessError):
                    records.read([fname])
                if field.store and field.type not in ("one2many", "many2many", "text"):
                    with self.assertRaises(AccessError):
                        records.search([(fname, "!=", False)])
                    with self.assertRaises(AccessError):
                        records._read_group([], [fname], ["__count"])
        self.assertFalse(set(fnames) & set(records.fields_get()), "nor are they described")

    def assertModelsRefused(self, user, models):
        for model in models:
            with self.subTest(model=model):
                self.assertFalse(self.env[model].with_user(user).has_access("read"))
                with self.assertRaises(AccessError):
                    self.env[model].with_user(user).search([])

    def assertModelsRead(self, user, models):
        for model in models:
            with self.subTest(model=model):
                self.assertTrue(self.env[model].with_user(user).with_context(
                    active_test=False).search([]), model)

    def assertEntryFigures(self, user):
        """A billing reader reads the rates, amounts and reasons, to the cent."""
        entry = self.entry.with_user(user)
        values = entry.read(["agency_rate", "billing_rate", "billed_unit_amount",
                             "billed_amount", "rate_reason", "rate_rule_id"])[0]
        self.assertEqual(values["agency_rate"], 120.0)
        self.assertEqual(values["billing_rate"], 120.0)
        self.assertEqual(values["billed_unit_amount"], 2.0)
        self.assertEqual(values["billed_amount"], 240.0)
        self.assertIn("Card designer", values["rate_reason"])
        self.assertTrue(values["rate_rule_id"])
        self.assertEqual(self.held.with_user(user).read(["billing_hold_reason"])[0]
                         ["billing_hold_reason"], HOLD_REASON)
        self.assertEqual(self.excluded.with_user(user).read(["exclusion_reason"])[0]
                         ["exclusion_reason"], EXCLUSION_REASON)
        overridden = self.overridden.with_user(user)
        self.assertEqual(overridden.read(["billed_amount"])[0]["billed_amount"], 195.0)
        self.assertEqual(overridden.override_ids.reason, OVERRIDE_REASON)

    def assertInvoiceInternals(self, user):
        invoice = self.invoice.with_user(user)
        values = invoice.read(["anomaly_summary", "anomaly_count", "send_error",
                               "review_state", "dispute_reason"])[0]
        self.assertEqual(values["anomaly_summary"], "Hours spike")
        self.assertEqual(values["anomaly_count"], 1)
        self.assertEqual(values["send_error"], SEND_ERROR)
        self.assertEqual(values["review_state"], "approved")
        self.assertEqual(values["dispute_reason"], "Design hours disputed")
        self.assertEqual(invoice.anomaly_ids.reason, ANOMALY_REASON)

    def assertViewsHide(self, user, model, views, fnames):
        for xmlid, view_type in views:
            with self.subTest(view=xmlid):
                shown = self._view_fields(user, model, xmlid, view_type)
                self.assertFalse(shown & set(fnames), f"{xmlid} shows {shown & set(fnames)}")

    def assertViewsShow(self, user, model, views, fnames):
        for xmlid, view_type in views:
            with self.subTest(view=xmlid):
                shown = self._view_fields(user, model, xmlid, view_type)
                self.assertTrue(shown & set(fnames), f"{xmlid} shows none of {fnames}")


@tagged("post_install", "-at_install")
class TestAccessMatrix(AccessMatrixAsserts):
    """One test per row of the README's access matrix (internal users and administrator;
    portal rows: test_access_rpc)."""

    def test_timesheet_user(self):
        """Records and reads their own time, its service type, role and billability; not
        its rate, billed time, amount, rule or reasons; no billing record at all."""
        user = self.timesheet_user
        entry = self.entry.with_user(user)
        values = entry.read(ENTRY_OPEN)[0]
        self.assertEqual(values["unit_amount"], 2.0)
        self.assertEqual(values["service_type_id"][0], self.st_design.id)
        self.assertEqual(values["job_id"][0], self.job_designer.id)
        self.assertTrue(values["is_billable"])
        self.assertReadRefused(entry, ENTRY_RESTRICTED)
        self.assertModelsRefused(user, BILLING_MODELS)
        self.assertReadRefused(self.project.with_user(user), PROJECT_RESTRICTED)
        # Records time: it is rated by the rules all the same.
        new = self.env["account.analytic.line"].with_user(user).create({
            "name": "Mood board", "employee_id": self.emp_designer.id,
            "project_id": self.project.id, "task_id": self.task_design.id,
            "unit_amount": 1.0, "date": self.entry.date,
        })
        self.assertEqual((new.sudo().agency_rate, new.sudo().billed_amount), (120.0, 120.0))
        # Refused: the fields that price the time (the entry stays as it was).
        open_entry = self.open_entry.with_user(user)
        for vals in ({"agency_rate": 999.0}, {"billed_unit_amount": 8.0},
                     {"billing_hold": True}, {"exclude_from_billing": True}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                open_entry.write(vals)
        self.assertEqual((self.open_entry.agency_rate, self.open_entry.billed_amount),
                         (120.0, 120.0))
        self.assertFalse(self.open_entry.billing_hold)
        # Their own time stays theirs to correct and delete.
        open_entry.write({"unit_amount": 1.5, "name": "Retouching, round 2"})
        self.assertEqual(self.open_entry.billed_amount, 180.0)
        new.unlink()
        self.assertFalse(new.exists())
        self.assertViewsHide(user, "account.analytic.line", TIMESHEET_VIEWS, ENTRY_RESTRICTED)

    def test_timesheet_approver(self):
        """Reads everyone's time (hours, service type, role), not what it costs; cannot
        change what it is billed."""
        user = self.approver
        entry = self.entry.with_user(user)
        self.assertEqual(entry.read(["unit_amount", "employee_id"])[0]["unit_amount"], 2.0)
        self.assertReadRefused(entry, ENTRY_RESTRICTED)
        self.assertModelsRefused(user, BILLING_MODELS)
        open_entry = self.open_entry.with_user(user)
        for vals in ({"billed_unit_amount": 8.0}, {"exclusion_reason": "no"},
                     {"agency_rate": 1.0}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                open_entry.write(vals)
        open_entry.write({"unit_amount": 2.5})  # the time itself, as Odoo allows approvers
        self.assertEqual(self.open_entry.billed_amount, 300.0, "re-rated by the rules")
        self.assertViewsHide(user, "account.analytic.line", TIMESHEET_VIEWS, ENTRY_RESTRICTED)

    def test_project_user(self):
        """Reads projects and tasks, not their scope budget, burn, amounts or retainer;
        cannot release held time or refresh the burn."""
        user = self.project_user
        project = self.project.with_user(user)
        self.assertEqual(project.read(["name"])[0]["name"], self.project.name)
        self.assertReadRefused(project, PROJECT_RESTRICTED)
        self.assertModelsRefused(user, BILLING_MODELS)
        self.env.invalidate_all()  # as in a request: nothing read by the set-up is cached
        with self.assertRaises(AccessError):
            self.scope_line.with_user(user).action_agency_release_held()
        with self.assertRaises(AccessError):
            project.action_agency_scope_refresh()
        self.assertTrue(self.held.billing_hold, "still held")
        views = [("project.edit_project", "form"), ("project.view_project_kanban", "kanban"),
                 ("project.view_project", "list"), ("project.view_project_project_filter",
                                                    "search")]
        self.assertViewsHide(user, "project.project", views, PROJECT_RESTRICTED)

    def test_invoicing_user(self):
        """Reads rates, amounts, reasons, flags, send errors and every billing record;
        changes none of the billing records (flags are not theirs to edit)."""
        user = self.invoicing_user
        self.assertEntryFigures(user)
        self.assertInvoiceInternals(user)
        self.assertModelsRead(user, set(BILLING_MODELS) - {"agency.classification.stat"})
        self.assertModelsRefused(user, ["agency.classification.stat"])  # the rules' own data
        with self.assertRaises(AccessError):
            self.anomaly.with_user(user).write({"state": "overridden"})
        with self.assertRaises(AccessError):
            self.anomaly.with_user(user).unlink()
        with self.assertRaises(AccessError):
            self.env["agency.rate.rule"].with_user(user).create({"rate": 1.0})
        with self.assertRaises(AccessError):
            self.billing_run.with_user(user).write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.period.with_user(user).write({"fee": 1.0})
        self.assertEqual(self.anomaly.state, "open")
        # Reads the time, does not price it (Odoo lets only approvers edit others' time).
        for vals in ({"agency_rate": 999.0}, {"billed_unit_amount": 8.0},
                     {"billing_hold": True}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                self.open_entry.with_user(user).write(vals)
        self.assertEqual((self.open_entry.agency_rate, self.open_entry.billed_unit_amount),
                         (120.0, 1.0))
        self.assertViewsShow(user, "account.move", [
            ("account.view_move_form", "form"),
            ("agency_billing.view_move_list_agency_review", "list")],
            ["anomaly_summary", "anomaly_blocking_summary", "anomaly_warning_summary"])

    def test_billing_user(self):
        """An Account Director reads all project time with its rates, the scope budgets and
        the billing records; changes budgets; does not configure rules or bill."""
        user = self.billing_user
        self.assertEntryFigures(user)
        self.assertModelsRead(user, BILLING_MODELS)
        self.assertEqual(self.anomaly.with_user(user).reason, ANOMALY_REASON)
        self.assertFalse(self.env["account.move"].with_user(user).has_access("read"),
                         "invoices themselves are Odoo's invoicing groups' (rows combine)")
        project = self.project.with_user(user)
        self.assertEqual(project.read(["agency_scope_budget_amount"])[0]
                         ["agency_scope_budget_amount"], 4800.0)
        self.scope_line.with_user(user).write({"budget_hours": 50.0})
        self.assertEqual(self.scope_line.budget_hours, 50.0)
        with self.assertRaises(AccessError):
            self.env["agency.rate.rule"].with_user(user).create({"rate": 1.0})
        with self.assertRaises(AccessError):
            self.billing_run.with_user(user).unlink()
        with self.assertRaises(AccessError):
            self.client.with_user(user).action_agency_run_billing()
        self.assertViewsShow(user, "account.analytic.line", TIMESHEET_VIEWS[:2],
                             ["billing_rate", "billed_unit_amount"])
        self.assertViewsShow(user, "project.project", [("project.edit_project", "form")],
                             ["agency_scope_line_ids"])

    def test_billing_manager(self):
        """Finance reads everything, configures rules, corrects any entry's rate (with a
        reason) and runs billing; never reads secrets."""
        user = self.billing_manager
        self.assertEntryFigures(user)
        self.assertModelsRead(user, BILLING_MODELS)
        self.assertEqual(self.billing_run.with_user(user).line_ids.invoice_ids, self.invoice)
        rule = self.env["agency.rate.rule"].with_user(user).create(
            {"name": "Manager rule", "job_id": self.job_cd.id, "partner_id": self.client.id,
             "rate": 175.0})
        self.assertEqual(rule.company_id, self.company)
        wizard = self.env["agency.time.override.wizard"].with_user(user).create({
            "line_ids": [Command.set(self.open_entry.ids)], "action": "rate", "rate": 125.0,
            "reason": "Loyalty rate"})
        wizard.action_apply()
        self.assertEqual((self.open_entry.agency_rate, self.open_entry.billed_amount),
                         (125.0, 125.0))
        self.assertEqual(self.open_entry.override_ids.user_id, user)
        self._secrets_refused(user)

    def test_administrator(self):
        """The administrator (``base.user_admin``: also an Agency Billing administrator as
        shipped) reads and changes everything, secrets included."""
        user = self.env.ref("base.user_admin")
        self.assertTrue(user.has_group("agency_billing.group_agency_billing_manager"))
        self.assertEntryFigures(user)
        self.assertInvoiceInternals(user)
        self.assertModelsRead(user, BILLING_MODELS)
        for model in ("agency.hubspot.backend", "agency.pm.backend"):
            if model not in self.env:
                continue  # the sync addons are not installed with this one
            backend = self.env[model].with_user(user).create(
                {"name": "Matrix", "access_token": "s3cret-token"})
            self.assertEqual(backend.read(["access_token"])[0]["access_token"],
                             "s3cret-token")

    def test_timesheet_user_refusal_names_the_group(self):
        """A timesheet user pricing their own time is told which field and which groups."""
        entry = self.open_entry.with_user(self.timesheet_user)
        self.assertRefusalNamesGroup("agency_rate", lambda: entry.write({"agency_rate": 999.0}))
        self.assertEqual(self.open_entry.agency_rate, 120.0)

    def test_approver_refusal_names_the_group(self):
        """An approver holding someone's time is told which field and which groups."""
        entry = self.open_entry.with_user(self.approver)
        self.assertRefusalNamesGroup("billing_hold", lambda: entry.write({"billing_hold": True}))
        self.assertFalse(self.open_entry.billing_hold)

    def test_sales_copy_contracts_with_their_retainer_terms(self):
        """Beside the matrix: a salesperson reads and copies a contract with its retainer
        terms, not its settled periods or balance."""
        salesman = new_test_user(self.env, login="ab_m_sales",
                                 groups="sales_team.group_sale_salesman_all_leads")
        self.order.retainer_hours = 20.0
        order = self.order.with_user(salesman)
        self.assertEqual(order.read(["retainer_hours"])[0]["retainer_hours"], 20.0)
        self.assertReadRefused(order, ["retainer_period_ids", "retainer_balance_hours"])
        self.assertEqual(order.copy().sudo().retainer_hours, 20.0)
        self.assertViewsHide(salesman, "sale.order", [("sale.view_order_form", "form")],
                             ["retainer_period_ids", "retainer_balance_hours"])

    def _secrets_refused(self, user):
        for model in ("agency.hubspot.backend", "agency.pm.backend"):
            if model not in self.env:
                continue  # the sync addons are not installed with this one
            backend = self.env[model].create({"name": "Matrix", "access_token": "tok"})
            with self.assertRaises(AccessError):
                backend.with_user(user).read(["access_token"])

    def test_billing_models_rules_are_company_rules(self):
        """Every model of the addon (wizards aside) has a company rule."""
        models = self.env["ir.model"].search([
            ("model", "=like", "agency.%"), ("transient", "=", False),
            ("model", "not in", ("agency.rerate.mixin", "agency.hubspot.backend",
                                 "agency.pm.backend")),
        ])
        self.assertTrue(models)
        for model in models:
            with self.subTest(model=model.model):
                if self.env[model.model]._abstract:
                    continue
                rules = self.env["ir.rule"].search([("model_id", "=", model.id)])
                self.assertTrue(rules.filtered(lambda r: "company_ids" in r.domain_force),
                                model.model)

    def test_restricted_fields_carry_the_billing_readers(self):
        """The field-level rows of the matrix, read from the fields themselves: what a
        time entry costs, the invoice's internals and the project's scope budget are
        read by the billing readers only (``groups`` of each field's definition)."""
        for model, fnames in (("account.analytic.line", ENTRY_RESTRICTED),
                              ("account.move", MOVE_RESTRICTED),
                              ("project.project", PROJECT_RESTRICTED)):
            for fname in fnames:
                with self.subTest(model=model, field=fname):
                    groups = self.env[model]._fields[fname].groups
                    self.assertEqual(set((groups or "").split(",")), BILLING_READER_GROUPS)
        for fname in ENTRY_OPEN:
            with self.subTest(field=fname):
                self.assertFalse(self.env["account.analytic.line"]._fields[fname].groups)

    def test_refused_reads_name_the_field(self):
        """A refused read says which field (Odoo's message)."""
        with self.assertRaisesRegex(AccessError, "agency_rate"):
            self.entry.with_user(self.timesheet_user).read(["agency_rate"])
        with self.assertRaisesRegex(UserError, "send_error"):
            self.invoice.with_user(self.portal_client).read(["send_error"])


@tagged("post_install", "-at_install")
class TestAccessMatrixWrite(AccessMatrixAsserts):
    """The write side of the matrix that only the addon's write guards enforce (branch
    trust-guards of issue 9): a timesheet user creating time with a rate, billed time, a
    hold, retainer hours, an over-scope policy or an exclusion is refused with an
    AccessError naming the field and the group that may set it, and nothing is created.
    (Writes of these fields are already refused by their field groups; Odoo checks
    field groups on write, not on create.)"""

    PRICING_VALUES = {
        "agency_rate": 999.0, "billed_unit_amount": 8.0, "billing_hold": True,
        "retainer_hours": 1.0, "over_scope_policy": "billed", "exclude_from_billing": True,
    }

    def _values(self, **extra):
        return dict({"name": "Guarded", "employee_id": self.emp_designer.id,
                     "project_id": self.project.id, "task_id": self.task_design.id,
                     "unit_amount": 1.0, "date": self.open_entry.date}, **extra)

    def test_timesheet_user_cannot_create_priced_time(self):
        Entry = self.env["account.analytic.line"].with_user(self.timesheet_user)
        before = Entry.sudo().search_count([])
        for fname, value in self.PRICING_VALUES.items():
            with self.subTest(field=fname):
                extra = {fname: value}
                if fname == "exclude_from_billing":
                    extra["exclusion_reason"] = "mine"
                self.assertRefusalNamesGroup(
                    fname, lambda e=extra: Entry.create(self._values(**e)))
        self.assertEqual(Entry.sudo().search_count([]), before, "nothing created")
