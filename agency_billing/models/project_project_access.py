"""Projects and tasks: who reads the scope budget, and company consistency.

The scope budget (its lines, burn, amounts, status, held hours) and the retainer balance
are read by the Agency Billing groups and Odoo's invoicing readers
(:data:`~.agency_access.BILLING_READERS`), the change requests by whoever reads sale
orders among staff: project users, timesheet users and portal collaborators see the
project and its tasks, not its budget. The alert thresholds stay readable (projects are
copied with them). Default service types and Account Directors are checked against the
project's company. See the README's access matrix.
"""

from odoo import api, fields, models

from ..access import BILLING_READERS, SALE_ORDER_READERS


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class ProjectProjectAccess(models.Model):
    _inherit = "project.project"

    service_type_id = fields.Many2one(check_company=True)
    account_director_id = fields.Many2one(check_company=True)
    agency_missing_account_director = fields.Boolean(groups=BILLING_READERS)
    agency_scope_line_ids = fields.One2many(groups=BILLING_READERS)
    agency_scope_currency_id = fields.Many2one(groups=BILLING_READERS)
    agency_scope_budget_hours = fields.Float(groups=BILLING_READERS)
    agency_scope_burn_hours = fields.Float(groups=BILLING_READERS)
    agency_scope_budget_amount = fields.Monetary(groups=BILLING_READERS)
    agency_scope_burn_amount = fields.Monetary(groups=BILLING_READERS)
    agency_scope_held_hours = fields.Float(groups=BILLING_READERS)
    agency_scope_percent = fields.Float(groups=BILLING_READERS)
    agency_scope_forecast_date = fields.Date(groups=BILLING_READERS)
    agency_scope_status = fields.Selection(groups=BILLING_READERS)
    agency_scope_at_risk = fields.Boolean(groups=BILLING_READERS)
    agency_change_request_ids = fields.One2many(groups=SALE_ORDER_READERS)
    agency_change_request_count = fields.Integer(groups=SALE_ORDER_READERS)
    retainer_balance_hours = fields.Float(groups=BILLING_READERS)
    has_retainer = fields.Boolean(groups=BILLING_READERS)

    @api.constrains("service_type_id", "account_director_id", "company_id")
    def _check_agency_company(self):
        """Projects do not check companies by themselves (Odoo's project has no
        ``_check_company_auto``): the addon's links are checked here."""
        self._check_company(["service_type_id", "account_director_id"])


# pylint: disable=consider-merging-classes-inherited
class ProjectTaskAccess(models.Model):
    _inherit = "project.task"

    service_type_id = fields.Many2one(check_company=True)

    @api.constrains("service_type_id", "company_id")
    def _check_agency_company(self):
        self._check_company(["service_type_id"])


# pylint: disable=consider-merging-classes-inherited
class ProjectMilestoneAccess(models.Model):
    _inherit = "project.milestone"

    # Milestones have no company of their own: the invoice link is hidden, not checked.
    agency_invoice_id = fields.Many2one(groups=BILLING_READERS)
