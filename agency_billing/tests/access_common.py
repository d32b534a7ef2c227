"""Fixtures of the access matrix: one user per row and billing records of every kind."""

from datetime import date

from lxml import etree

from odoo import Command
from odoo.tests import new_test_user

from .billing_common import AgencyBillingRunCase

# Time-entry fields that say what the client pays and why (README: access matrix).
ENTRY_RESTRICTED = [
    "agency_rate", "billing_rate", "billed_amount", "billed_unit_amount",
    "agency_currency_id", "rate_rule_id", "rate_reason", "rate_issue", "no_rate_rule",
    "rate_locked", "classification_method", "classification_rule_id",
    "classification_reason", "classification_confidence", "exclude_from_billing",
    "exclusion_reason", "billing_hold", "billing_hold_reason", "over_scope",
    "over_scope_policy", "over_scope_reason", "needs_review", "review_reason",
    "override_ids", "retainer_hours", "retainer_period_id",
]
# What every reader of a time entry sees.
ENTRY_OPEN = ["name", "date", "unit_amount", "project_id", "task_id", "employee_id",
              "service_type_id", "job_id", "is_billable", "source"]
# Invoice fields internal to the agency.
MOVE_RESTRICTED = [
    "anomaly_ids", "anomaly_count", "anomaly_summary", "has_blocking_anomaly",
    "send_error", "send_attempts", "review_state", "billing_run_id", "billing_trigger",
    "disputed", "dispute_reason", "reminder_ids", "retainer_period_ids",
    "billing_milestone_ids",
]
PROJECT_RESTRICTED = [
    "agency_scope_line_ids", "agency_scope_budget_amount", "agency_scope_burn_amount",
    "agency_scope_burn_hours", "agency_scope_percent", "agency_scope_status",
    "agency_scope_held_hours", "retainer_balance_hours",
]
# The groups that read them (README: access matrix), on each field's one definition: the
# Agency Billing groups and Odoo's invoicing users and auditors.
BILLING_READER_GROUPS = {
    "agency_billing.group_agency_billing_user", "account.group_account_invoice",
    "account.group_account_readonly",
}
# Models only the billing and invoicing groups read.
BILLING_MODELS = [
    "agency.billing.run", "agency.billing.run.line", "agency.retainer.period",
    "agency.invoice.anomaly", "agency.invoice.reminder", "agency.time.override",
    "agency.reminder.policy", "agency.reminder.step", "agency.scope.line",
    "agency.classification.stat", "agency.rate.rule", "agency.classification.rule",
]
SEND_ERROR = "Mail server refused the message: 550 relay denied"
ANOMALY_REASON = "12.00 billed hours: 3.0x the client's average of 4.00 hours."
HOLD_REASON = "Held over scope until the client approves a change request"
EXCLUSION_REASON = "Internal rework, not billed"
OVERRIDE_REASON = "Rate agreed with the client in March"


class AccessMatrixCase(AgencyBillingRunCase):
    """The agency of the billing tests, with one user per row of the access matrix and one
    record of each billing model (built as superuser; tests read them as each user)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env

        def user(login, groups, **values):
            return new_test_user(env, login=login, password=login, groups=groups,
                                 email=f"{login}@agency.example", **values)

        cls.timesheet_user = user("ab_m_timesheet", "hr_timesheet.group_hr_timesheet_user")
        cls.approver = user("ab_m_approver", "hr_timesheet.group_hr_timesheet_approver")
        cls.project_user = user("ab_m_project", "project.group_project_user")
        cls.invoicing_user = user("ab_m_invoicing", "account.group_account_invoice")
        cls.billing_user = user("ab_m_billing", "agency_billing.group_agency_billing_user")
        cls.billing_manager = user("ab_m_billing_manager",
                                   "agency_billing.group_agency_billing_manager")
        cls.portal_client = user("ab_m_portal", "base.group_portal", name="Pia Portal")
        cls.collaborator = user("ab_m_collaborator", "base.group_portal",
                                name="Cleo Collaborator")
        (cls.portal_client | cls.collaborator).partner_id.parent_id = cls.client
        cls.emp_designer.user_id = cls.timesheet_user

        Entry = env["account.analytic.line"]
        base = {"employee_id": cls.emp_designer.id, "project_id": cls.project.id,
                "task_id": cls.task_design.id, "date": date(2026, 3, 10)}
        cls.entry = Entry.create(dict(base, name="Key visual", unit_amount=2.0))
        cls.held = Entry.create(dict(base, name="Banner set", unit_amount=1.0))
        cls.held.with_context(agency_scope_skip=True).write(
            {"billing_hold": True, "billing_hold_reason": HOLD_REASON})
        cls.excluded = Entry.create(dict(base, name="Rework", unit_amount=1.0,
                                         exclude_from_billing=True,
                                         exclusion_reason=EXCLUSION_REASON))
        cls.overridden = Entry.create(dict(base, name="Layouts", unit_amount=1.5))
        cls.overridden.with_context(agency_override_reason=OVERRIDE_REASON).write(
            {"agency_rate": 130.0})

        # An invoice sent with a failure, a flag, a dispute and a reminder (set directly:
        # the matrix is about who reads them, not how they arise).
        cls.invoice = cls.order._create_invoices()
        cls.invoice.write({"invoice_date": date(2026, 3, 31),
                           "invoice_date_due": date(2026, 4, 10)})
        cls.invoice.action_post()
        cls.invoice.message_subscribe(partner_ids=cls.client.ids)
        cls.billing_run = env["agency.billing.run"].create({
            "name": "Matrix run", "trigger": "button", "date": date(2026, 3, 31),
            "line_ids": [Command.create({
                "partner_id": cls.client.id, "kind": "manual", "outcome": "invoiced",
                "reason": "in_review", "invoice_ids": [Command.set(cls.invoice.ids)],
            })],
        })
        cls.invoice.write({"review_state": "approved", "billing_run_id": cls.billing_run.id,
                           "send_error": SEND_ERROR, "send_attempts": 1})
        cls.anomaly = env["agency.invoice.anomaly"].create({
            "move_id": cls.invoice.id, "code": "hours_spike", "reason": ANOMALY_REASON})
        cls.invoice.write({"disputed": True, "dispute_reason": "Design hours disputed"})
        step = env.ref("agency_billing.reminder_step_standard_1")
        cls.reminder = env["agency.invoice.reminder"].create({
            "move_id": cls.invoice.id, "step_id": step.id, "date": date(2026, 4, 13),
            "days_overdue": 3})
        cls.period = env["agency.retainer.period"].create({
            "order_id": cls.order.id, "date_from": date(2026, 3, 1),
            "date_to": date(2026, 3, 31), "included_hours": 10.0, "fee": 1000.0})
        cls.scope_line = env["agency.scope.line"].create({
            "project_id": cls.project.id, "service_type_id": cls.st_design.id,
            "budget_hours": 40.0, "budget_amount": 4800.0})
        cls.stat = env["agency.classification.stat"].create({
            "company_id": cls.company.id, "token": "banner",
            "service_type_id": cls.st_design.id, "count": 3})

        # Time recorded after the invoice: open, as edits by hand are made on.
        cls.open_entry = Entry.create(dict(base, name="Retouching", unit_amount=1.0,
                                           date=date(2026, 4, 2)))

        # A project shared with a portal collaborator of the client (project sharing).
        cls.shared_project = env["project.project"].create({
            "name": "Shared relaunch", "partner_id": cls.client.id,
            "privacy_visibility": "portal", "allow_timesheets": True,
            "allow_billable": True, "sale_line_id": cls.design_line.id,
        })
        env["project.collaborator"].create({"project_id": cls.shared_project.id,
                                            "partner_id": cls.collaborator.partner_id.id})
        cls.shared_project.message_subscribe(partner_ids=cls.collaborator.partner_id.ids)
        cls.shared_task = env["project.task"].create({
            "name": "Shared layouts", "project_id": cls.shared_project.id,
            "service_type_id": cls.st_design.id})
        cls.shared_entry = Entry.create({
            "name": "Shared banner", "employee_id": cls.emp_designer.id,
            "project_id": cls.shared_project.id, "task_id": cls.shared_task.id,
            "unit_amount": 1.5, "date": date(2026, 3, 11)})

    # -- helpers -----------------------------------------------------------------

    @classmethod
    def _view_fields(cls, user, model, view_xmlid, view_type):
        """Field names of a view as the web client gets it for ``user``."""
        view = cls.env.ref(view_xmlid)
        result = cls.env[model].with_user(user).get_views([(view.id, view_type)])
        arch = result["views"][view_type]["arch"]
        return set(etree.fromstring(arch).xpath("//field/@name"))
