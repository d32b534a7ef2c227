"""The client's timesheets in the portal: grouped by what the client reads on invoices."""

from odoo import _
from odoo.http import request, route

from odoo.addons.sale_timesheet.controllers.portal import SaleTimesheetCustomerPortal


class AgencyTimesheetCustomerPortal(SaleTimesheetCustomerPortal):
    """Group and sort the client's time by service type instead of the sale order line,
    whose name carries the agency's internal rate labels; by person only for clients whose
    time annex names people."""

    def _get_searchbar_groupby(self):
        groupby = super()._get_searchbar_groupby()
        groupby.pop("so_line", None)
        user = request.env.user
        # sudo: the signed-in client's own preference, on its commercial partner.
        if not user._is_internal() and \
                not user.partner_id.commercial_partner_id.sudo().invoice_show_names:
            groupby.pop("employee_id", None)
        return groupby | {"service_type_id": {"label": _("Service Type"), "sequence": 80}}

    def _get_searchbar_sortings(self):
        sortings = super()._get_searchbar_sortings()
        sortings.pop("so_line", None)
        return sortings | {"service_type_id": {"label": _("Service Type")}}

    @route()
    def portal_my_timesheets(self, *args, groupby="none", **kw):
        """Odoo's page; a grouping it no longer offers (the sale order line) reads as none."""
        if groupby not in self._get_searchbar_groupby() and groupby != "none":
            groupby = "none"
        return super().portal_my_timesheets(*args, groupby=groupby, **kw)
