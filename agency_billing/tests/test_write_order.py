"""The order of the steps in the one ``create``, ``write`` and ``_post`` of a model.

Each model Agency Billing extends overrides ``create``, ``write`` and ``_post`` once, in
its main file, and calls the steps its other files (by concern) provide in an order the
override's docstring states. These tests pin that order: each step is wrapped to note its
first call, and so is Odoo's own write (or create, or posting) the override hands over
to.
"""

from contextlib import ExitStack, contextmanager
from datetime import date
from unittest.mock import patch

from odoo import models
from odoo.tests import new_test_user, tagged

from odoo.addons.account.models.account_move import AccountMove as OdooAccountMove

from .common import AgencyBillingCase

ODOO = "odoo"  # the step "Odoo writes / creates / posts"


class StepOrderCase(AgencyBillingCase):
    """Wraps a model's steps to note the order of their first calls."""

    @contextmanager
    def _steps(self, model, entry, names, odoo):
        """Note, in a list, the first call of each method ``names`` of ``model`` made by
        one call of its method ``entry`` (not by the calls it makes in turn), and, as
        ``ODOO``, the first call of ``odoo`` (class, method) on records of ``model``."""
        calls = []
        depth = [0]

        def note(label):
            if depth[0] == 1 and label not in calls:
                calls.append(label)

        def step(original, label):
            def wrapper(records, *args, **kwargs):
                note(label)
                return original(records, *args, **kwargs)
            return wrapper

        def odoo_step(original):
            def wrapper(records, *args, **kwargs):
                if records._name == model:
                    note(ODOO)
                return original(records, *args, **kwargs)
            return wrapper

        def outer(original):
            def wrapper(records, *args, **kwargs):
                depth[0] += 1
                try:
                    return original(records, *args, **kwargs)
                finally:
                    depth[0] -= 1
            return wrapper

        cls = type(self.env[model])
        with ExitStack() as stack:
            for name in names:
                if name != ODOO:
                    stack.enter_context(patch.object(cls, name,
                                                     step(getattr(cls, name), name)))
            klass, method = odoo
            stack.enter_context(patch.object(klass, method, odoo_step(getattr(klass, method))))
            stack.enter_context(patch.object(cls, entry, outer(getattr(cls, entry))))
            yield calls


@tagged("post_install", "-at_install")
class TestWriteOrder(StepOrderCase):
    """Time entries and invoices: the steps of ``create`` and ``write``, in the order their
    docstrings state."""

    ENTRY_CREATE = [
        "_agency_protected_create_vals", "_agency_drop_computed_outputs",
        "_agency_override_locks", ODOO, "_agency_log_overrides", "_agency_scope_recorded",
        "_agency_check_computed_protected",
    ]
    ENTRY_WRITE = [
        "_agency_invoice_link_vals", "_agency_protected_write_vals",
        "_agency_drop_computed_outputs", "_agency_scope_snapshot", "_agency_override_vals",
        ODOO, "_agency_route_missing", "_agency_log_overrides", "_agency_scope_written",
        "_agency_check_computed_protected",
    ]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.approver = new_test_user(cls.env, login="ab_order_approver",
                                     groups="hr_timesheet.group_hr_timesheet_approver")
        cls.env["agency.rate.rule"].create({"rate": 100.0, "job_id": cls.job_designer.id})

    def _entry_steps(self, names, method):
        return self._steps("account.analytic.line", method, names,
                           odoo=(models.BaseModel, method))

    def test_time_entry_create(self):
        """Set by hand (as superuser): guard, drop, lock, Odoo, log, scope; a computed
        value sent by someone who may not set it is compared last."""
        with self._entry_steps(self.ENTRY_CREATE, "create") as calls:
            self._time(self.emp_designer, 1.0, task=self.task_design, agency_rate=90.0,
                       agency_currency_id=self.currency.id)
        self.assertEqual(calls, [name for name in self.ENTRY_CREATE
                                 if name != "_agency_check_computed_protected"])
        values = {"name": "Approved", "employee_id": self.emp_designer.id,
                  "project_id": self.project.id, "task_id": self.task_design.id,
                  "unit_amount": 1.0, "date": date(2026, 3, 10),
                  "agency_currency_id": self.currency.id}
        with self._entry_steps(self.ENTRY_CREATE, "create") as calls:
            entry = self.env["account.analytic.line"].with_user(self.approver).create(values)
        self.assertEqual(calls, [name for name in self.ENTRY_CREATE
                                 if name not in ("_agency_override_locks",
                                                 "_agency_log_overrides")])
        self.assertEqual(entry.agency_rate, 100.0)

    def test_time_entry_write(self):
        """Set by hand (as superuser): invoicing, guard, drop, scope, overrides, Odoo,
        routing, log, scope; a computed value sent by someone who may not set it is
        compared last."""
        entry = self._time(self.emp_designer, 1.0, task=self.task_design)
        with self._entry_steps(self.ENTRY_WRITE, "write") as calls:
            entry.write({"agency_rate": 95.0, "rate_reason": "sent back by a form",
                         "timesheet_invoice_id": False, "unit_amount": 2.0})
        self.assertEqual(calls, [name for name in self.ENTRY_WRITE
                                 if name != "_agency_check_computed_protected"])
        self.assertEqual(entry.billed_amount, 190.0)
        other = self._time(self.emp_designer, 1.0, task=self.task_design)
        with self._entry_steps(self.ENTRY_WRITE, "write") as calls:
            other.with_user(self.approver).write({
                "unit_amount": 1.5, "agency_currency_id": self.currency.id})
        # The approver sends the rules' own currency, which is set aside (no computed
        # output left to drop, nothing set by hand, no field that routes).
        self.assertEqual(calls, [name for name in self.ENTRY_WRITE if name not in (
            "_agency_drop_computed_outputs", "_agency_route_missing",
            "_agency_log_overrides")])
        self.assertEqual(other.billed_amount, 150.0)

    def test_invoice_write(self):
        """Guard, edits under review and disputes, Odoo, then relabelling."""
        self._time(self.emp_designer, 2.0, task=self.task_design)
        invoice = self._invoice()
        invoice.review_state = "to_review"
        steps = ["_agency_guard_write", "_agency_write_review_and_disputes", ODOO,
                 "_agency_log_review_edit", "_agency_check_anomalies",
                 "_agency_relabel_written"]
        with self._steps("account.move", "write", steps, odoo=(models.BaseModel, "write")) \
                as calls:
            invoice.write({"ref": "PO-7", "disputed": True, "dispute_reason": "Hours",
                           "dispute_date": date(2026, 4, 2), "agency_detail_level": "task"})
        self.assertEqual(calls, steps)

    def test_invoice_create(self):
        """The guard, then Odoo."""
        steps = ["_agency_guard_create", ODOO]
        with self._steps("account.move", "create", steps,
                         odoo=(models.BaseModel, "create")) as calls:
            self.env["account.move"].create({"move_type": "out_invoice",
                                             "partner_id": self.client.id})
        self.assertEqual(calls, steps)


@tagged("post_install", "-at_install")
class TestPostOrder(StepOrderCase):
    """Invoices: the steps of ``_post``, in the order its docstring states."""

    def test_invoice_post(self):
        """Held in review, credit plans, Odoo posts, credits given back."""
        self._time(self.emp_designer, 2.0, task=self.task_design)
        invoice = self._invoice()
        steps = ["_agency_held_in_review", "_agency_credit_plans_to_post", ODOO,
                 "_agency_apply_credit_plans"]
        with self._steps("account.move", "_post", steps,
                         odoo=(OdooAccountMove, "_post")) as calls:
            invoice.action_post()
        self.assertEqual(calls, steps)
        self.assertEqual(invoice.state, "posted")
