from odoo import http

from odoo.addons.agency_billing_sync.controllers.webhook import AgencySyncWebhook


class AgencyPmWebhook(AgencySyncWebhook):
    """Asana and Monday.com webhook deliveries for one account (events only wake the
    account's cron; the sync re-reads the records through the API)."""

    @http.route("/agency_billing/asana/webhook/<int:backend_id>", type="http",
                auth="public", methods=["POST"], csrf=False, save_session=False)
    def agency_asana_webhook(self, backend_id, **_kwargs):
        return self._agency_pm_receive("asana", backend_id)

    @http.route("/agency_billing/monday/webhook/<int:backend_id>", type="http",
                auth="public", methods=["POST"], csrf=False, save_session=False)
    def agency_monday_webhook(self, backend_id, **_kwargs):
        return self._agency_pm_receive("monday", backend_id)

    def _agency_pm_receive(self, provider, backend_id):
        # sudo: the caller is the vendor; only the provider of the account is read here.
        backend = http.request.env["agency.pm.backend"].sudo().browse(backend_id).exists()
        if not backend or backend.provider != provider:
            return self._agency_sync_answer(404, {"status": "error", "message": "unknown"})
        return self._agency_sync_receive("agency.pm.backend", backend_id)
