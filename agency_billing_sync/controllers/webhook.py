"""Webhook receiver base: vendor addons route their deliveries through
:meth:`AgencySyncWebhook._agency_sync_receive`.

It answers fast and trusts nothing but ids: the backend checks the signature (constant
time) and the freshness of the delivery and returns its events; the events are stored
once per event id (a delivery whose events were all seen before is a replay, refused);
the backend's cron is woken to re-read the records through the API.
"""

import json
import logging

from odoo import http
from odoo.http import request

from ..lib.webhook import WebhookHandshake, WebhookRefused

_logger = logging.getLogger(__name__)


class AgencySyncWebhook(http.Controller):
    """Shared receiving logic; vendors subclass it and declare their own route."""

    def _agency_sync_answer(self, status, body):
        return request.make_response(
            json.dumps(body), headers=[("Content-Type", "application/json")], status=status)

    def _agency_sync_receive(self, backend_model, backend_id):
        """Check, store and acknowledge one delivery for a backend."""
        # sudo: the caller is the vendor, not a user; the signature check decides.
        backend = request.env[backend_model].sudo().browse(backend_id).exists()
        if not backend or not backend.active:
            return self._agency_sync_answer(404, {"status": "error", "message": "unknown"})
        raw = request.httprequest.get_data(cache=True)
        try:
            events = backend._agency_webhook_events(request.httprequest, raw)
        except WebhookHandshake as shake:
            _logger.info("Webhook handshake for %s answered", backend.display_name)
            body = shake.body if shake.body is not None else {}
            headers = [("Content-Type", "application/json"), *shake.headers.items()]
            return request.make_response(
                json.dumps(body) if isinstance(body, (dict, list)) else body,
                headers=headers, status=200)
        except WebhookRefused as exc:
            _logger.info("Webhook delivery for %s refused: %s", backend.display_name,
                         exc.reason)
            return self._agency_sync_answer(exc.status, {"status": "error",
                                                         "message": exc.reason})
        stored = request.env["agency.sync.event"].sudo()._agency_store(backend, events)
        if events and not stored:
            return self._agency_sync_answer(409, {"status": "error",
                                                  "message": "already received"})
        if stored:
            backend._agency_sync_wake()
        return self._agency_sync_answer(200, {"status": "ok", "received": len(events),
                                              "new": stored})
