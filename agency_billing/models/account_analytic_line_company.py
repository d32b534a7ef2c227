"""Time entries: company consistency of their links, checked in one pass.

The links of a time entry to records of a company (service type and hint, role, the
rules that classified and rated it, retainer period: ``check_company`` on their
definitions) are checked against the entry's company in one pass per company and field,
not in one query per entry and field as Odoo's own check does: recording many entries at
once must not pay for it.
"""

from collections import defaultdict

from odoo import _, models
from odoo.exceptions import UserError

# Relational fields of the addon on time entries whose company is checked in one pass
# per company (see _check_company).
AGENCY_COMPANY_FIELDS = (
    "service_type_id", "service_type_hint_id", "job_id", "classification_rule_id",
    "rate_rule_id", "retainer_period_id",
)


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLineCompany(models.Model):
    _inherit = "account.analytic.line"

    def _check_company(self, fnames=None):
        """Check the links in one pass per company and field (Odoo's check runs one domain
        per entry and field, which would weigh on creating many entries): the addon's
        links and Odoo's own (project, task, sale line, employee...) alike. Odoo's own
        check still words the error of its fields, and checks company-dependent ones."""
        if fnames is None or {"company_id", "company_ids"} & set(fnames):
            fnames = list(self._fields)
        batched = [fname for fname in fnames
                   if (field := self._fields[fname]).relational and field.check_company
                   and not field.company_dependent]
        others = [fname for fname in fnames if fname not in batched
                  and fname not in ("company_id", "company_ids")]
        if others:
            super()._check_company(others)
        wrong = self._agency_check_company(batched)
        if wrong:
            # Odoo's own message for its fields (one pass per entry, on these fields only).
            super()._check_company([fname for _company, fname, _records in wrong])
            self._agency_raise_company(*wrong[0])
        return None

    def _agency_check_company(self, fnames):
        """Raise for the addon's links; return ``[(company, field name, records)]`` of
        Odoo's fields with a link of another company (for Odoo's check to word)."""
        by_company = defaultdict(list)
        for line in self.sudo():
            by_company[line.company_id].append(line.id)
        wrong_fields = []
        for fname in fnames:
            for company, ids in by_company.items():
                lines = self.sudo().browse(ids)
                linked = lines[fname]
                if not linked:
                    continue
                domain = linked._check_company_domain(company)
                if not domain:
                    continue
                wrong = linked - linked.with_context(active_test=False).filtered_domain(domain)
                if not wrong:
                    continue
                if fname not in AGENCY_COMPANY_FIELDS:
                    wrong_fields.append((company, fname, wrong))
                    break
                self._agency_raise_company(company, fname, wrong)
        return wrong_fields

    def _agency_raise_company(self, company, fname, wrong):
        raise UserError(_(
            "Incompatible companies: time entries of %(company)s cannot use "
            "%(records)s (%(field)s) of another company.",
            company=company.display_name,
            records=", ".join(wrong.mapped("display_name")),
            field=self._fields[fname].string,
        ))
