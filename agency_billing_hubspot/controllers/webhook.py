from odoo import http

from odoo.addons.agency_billing_sync.controllers.webhook import AgencySyncWebhook


class AgencyHubspotWebhook(AgencySyncWebhook):
    """HubSpot webhook deliveries (v3 signature) for one account."""

    @http.route("/agency_billing/hubspot/webhook/<int:backend_id>", type="http",
                auth="public", methods=["POST"], csrf=False, save_session=False)
    def agency_hubspot_webhook(self, backend_id, **_kwargs):
        return self._agency_sync_receive("agency.hubspot.backend", backend_id)
