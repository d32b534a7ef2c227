"""Time entries: who reads the money and internal reasons, and company consistency.

What a time entry costs the client and why (rate, billed time and amount, the rule that
set them, holds, exclusions, over-scope and review reasons, overrides, retainer cover)
is read by the Agency Billing groups and Odoo's invoicing users and auditors only
(:data:`~.agency_access.BILLING_READERS`): timesheet users, approvers, project users and
portal users (project collaborators included) record and see the time, its service type,
role and billability, not its price. See the README's access matrix.

Links to records of a company (service type and hint, role, rules, retainer period) are
checked against the entry's company (``check_company``).
"""

from collections import defaultdict

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..access import BILLING_READERS

# Relational fields of the addon on time entries whose company is checked in one pass
# per company (see _check_company).
AGENCY_COMPANY_FIELDS = (
    "service_type_id", "service_type_hint_id", "job_id", "classification_rule_id",
    "rate_rule_id", "retainer_period_id",
)


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLineAccess(models.Model):
    _inherit = "account.analytic.line"

    # Readable by all who read the entry; checked against its company.
    service_type_id = fields.Many2one(check_company=True)
    service_type_hint_id = fields.Many2one(check_company=True)
    job_id = fields.Many2one(check_company=True)

    # Classification: how and why (the service type and billability themselves are open).
    classification_method = fields.Selection(groups=BILLING_READERS)
    classification_rule_id = fields.Many2one(groups=BILLING_READERS, check_company=True)
    classification_confidence = fields.Float(groups=BILLING_READERS)
    classification_reason = fields.Char(groups=BILLING_READERS)
    classification_billable = fields.Selection(groups=BILLING_READERS)
    classification_locked = fields.Boolean(groups=BILLING_READERS)
    exclude_from_billing = fields.Boolean(groups=BILLING_READERS)
    exclusion_reason = fields.Char(groups=BILLING_READERS)
    override_ids = fields.One2many(groups=BILLING_READERS)

    # Rating: rate, rule, reasons, billed time and amount.
    agency_currency_id = fields.Many2one(groups=BILLING_READERS)
    rate_rule_id = fields.Many2one(groups=BILLING_READERS, check_company=True)
    agency_rate = fields.Monetary(groups=BILLING_READERS)
    rate_reason = fields.Char(groups=BILLING_READERS)
    no_rate_rule = fields.Boolean(groups=BILLING_READERS)
    rate_issue = fields.Char(groups=BILLING_READERS)
    rate_locked = fields.Boolean(groups=BILLING_READERS)
    billed_unit_amount = fields.Float(groups=BILLING_READERS)
    billing_rate = fields.Monetary(groups=BILLING_READERS)
    billed_amount = fields.Monetary(groups=BILLING_READERS)

    # Review, holds, scope, retainer.
    needs_review = fields.Boolean(groups=BILLING_READERS)
    review_reason = fields.Char(groups=BILLING_READERS)
    agency_rerate_needed = fields.Boolean(groups=BILLING_READERS)
    billing_hold = fields.Boolean(groups=BILLING_READERS)
    billing_hold_reason = fields.Char(groups=BILLING_READERS)
    over_scope = fields.Boolean(groups=BILLING_READERS)
    over_scope_policy = fields.Selection(groups=BILLING_READERS)
    over_scope_reason = fields.Char(groups=BILLING_READERS)
    retainer_period_id = fields.Many2one(groups=BILLING_READERS, check_company=True)
    retainer_hours = fields.Float(groups=BILLING_READERS)

    def _check_company(self, fnames=None):
        """Check the addon's links in one pass per company and field (Odoo's check runs
        one domain per entry and field, which would weigh on creating many entries)."""
        if fnames is None or {"company_id", "company_ids"} & set(fnames):
            fnames = list(self._fields)
        ours = [fname for fname in fnames if fname in AGENCY_COMPANY_FIELDS]
        if not ours:
            return super()._check_company(fnames)
        others = [fname for fname in fnames if fname not in AGENCY_COMPANY_FIELDS
                  and fname not in ("company_id", "company_ids")]
        if others:
            super()._check_company(others)
        return self._agency_check_company(ours)

    def _agency_check_company(self, fnames):
        by_company = defaultdict(list)
        for line in self.sudo():
            by_company[line.company_id].append(line.id)
        for fname in fnames:
            for company, ids in by_company.items():
                lines = self.sudo().browse(ids)
                linked = lines[fname]
                if not linked:
                    continue
                domain = linked._check_company_domain(company)
                wrong = linked - linked.with_context(active_test=False).filtered_domain(domain)
                if wrong:
                    raise UserError(_(
                        "Incompatible companies: time entries of %(company)s cannot use "
                        "%(records)s (%(field)s) of another company.",
                        company=company.display_name,
                        records=", ".join(wrong.mapped("display_name")),
                        field=self._fields[fname].string,
                    ))
