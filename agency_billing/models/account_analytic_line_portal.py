"""Time entries as the client reads them in the portal."""

from odoo import models
from odoo.osv import expression

from ..lib import invoice_text


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLinePortal(models.Model):
    _inherit = "account.analytic.line"

    def _agency_portal_hours(self, hours):
        """Hours in the company's format (decimal or hh:mm), as the invoice prints them."""
        company = self[:1].company_id or self.env.company
        return invoice_text.format_hours(hours, company.agency_hours_format or "decimal")

    def _timesheet_get_portal_domain(self):
        """A client reads billable time of its own projects only (Odoo's domain: the
        projects shared with its company): what posted invoices billed and, where the
        client's *Unbilled Time in Portal* says so, billable time not invoiced yet. Never
        non-billable, held, excluded or unclassified time. Internal users keep Odoo's."""
        domain = super()._timesheet_get_portal_domain()
        if self.env.user.has_group("hr_timesheet.group_hr_timesheet_user"):
            return domain
        # sudo: the client's own preference, a field of its commercial partner.
        client = self.env.user.partner_id.commercial_partner_id.sudo()
        return expression.AND([domain, self._agency_portal_billable_domain(
            unbilled=client.portal_show_unbilled_time)])

    def _agency_portal_billable_domain(self, unbilled=False):
        """Billable, classified time neither held nor excluded, on a posted invoice (and,
        with ``unbilled``, not on one yet). The domain names fields of the billing readers:
        the portal controllers search with it in sudo."""
        invoiced = [("timesheet_invoice_id.state", "=", "posted")]
        if unbilled:
            invoiced = expression.OR([invoiced, self._agency_portal_unbilled_domain()])
        return expression.AND([[
            ("is_billable", "=", True),
            ("exclude_from_billing", "=", False),
            ("billing_hold", "=", False),
            ("service_type_id", "!=", False),
            ("classification_method", "!=", "review"),
            ("so_line", "!=", False),
        ], invoiced])

    def _agency_portal_unbilled_domain(self):
        """Time not on a posted invoice: not invoiced, or on an invoice still in review."""
        return ["|", ("timesheet_invoice_id", "=", False),
                ("timesheet_invoice_id.state", "!=", "posted")]

    def _agency_portal_invoiced(self):
        """The entries of ``self`` on posted invoices (what the client was billed)."""
        return self.filtered(lambda line: line.timesheet_invoice_id.state == "posted")
