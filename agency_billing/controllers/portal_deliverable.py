"""The client's deliverables in the portal: their revision rounds and dates, and a
*Request changes* button that starts a round (``agency.deliverable._agency_start_round``,
source ``portal``)."""

from odoo import _
from odoo.exceptions import AccessError, MissingError
from odoo.http import request, route

from odoo.addons.portal.controllers.portal import CustomerPortal


class AgencyDeliverablePortal(CustomerPortal):
    """Deliverables shared with the signed-in client (its commercial partner's contracts)."""

    def _agency_deliverable_domain(self):
        client = request.env.user.partner_id.commercial_partner_id
        return [("portal_shared", "=", True),
                ("partner_id.commercial_partner_id", "=", client.id)]

    def _agency_deliverable(self, deliverable_id):
        """The client's own shared deliverable (sudo after the ownership check), or 404."""
        # sudo: deliverables are billing records; the domain limits them to the signed-in
        # client's own shared ones.
        deliverable = request.env["agency.deliverable"].sudo().search(
            [("id", "=", int(deliverable_id)), *self._agency_deliverable_domain()], limit=1)
        if not deliverable:
            raise MissingError(_("This deliverable does not exist or is not shared with you."))
        return deliverable

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "agency_deliverable_count" in counters:
            # sudo: counted within the client's own shared deliverables.
            values["agency_deliverable_count"] = request.env["agency.deliverable"].sudo(
            ).search_count(self._agency_deliverable_domain())
        return values

    @route("/my/deliverables", type="http", auth="user", website=True)
    def portal_my_deliverables(self, **kw):
        """The client's deliverables."""
        # sudo: the client's own shared deliverables (domain).
        deliverables = request.env["agency.deliverable"].sudo().search(
            self._agency_deliverable_domain(), order="id desc")
        values = self._prepare_portal_layout_values()
        values.update(deliverables=deliverables, page_name="agency_deliverables")
        return request.render("agency_billing.portal_my_deliverables", values)

    @route("/my/deliverables/<int:deliverable_id>", type="http", auth="user", website=True)
    def portal_my_deliverable(self, deliverable_id, **kw):
        """One deliverable: its included rounds, its rounds and their dates."""
        try:
            deliverable = self._agency_deliverable(deliverable_id)
        except (AccessError, MissingError):
            return request.redirect("/my")
        values = self._prepare_portal_layout_values()
        values.update(deliverable=deliverable, page_name="agency_deliverable",
                      requested=kw.get("requested"))
        return request.render("agency_billing.portal_my_deliverable", values)

    @route("/my/deliverables/<int:deliverable_id>/request_changes", type="http",
           auth="user", methods=["POST"], website=True)
    def portal_request_changes(self, deliverable_id, **kw):
        """*Request changes*: one new round, asked by the signed-in client."""
        try:
            deliverable = self._agency_deliverable(deliverable_id)
        except (AccessError, MissingError):
            return request.redirect("/my")
        deliverable._agency_start_round("portal", requested_by=request.env.user.name,
                                        note=(kw.get("note") or "")[:500] or False)
        return request.redirect(f"/my/deliverables/{deliverable.id}?requested=1")
