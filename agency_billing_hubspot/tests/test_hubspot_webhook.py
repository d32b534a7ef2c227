"""HubSpot webhook deliveries over real HTTP to Odoo's route (v3 signatures)."""

import json
import time

from odoo.tests import HttpCase, tagged

from .common import SECRET, TOKEN, WON, HubSpotCase
from .fake_hubspot import signed_delivery


@tagged("post_install", "-at_install")
class TestHubSpotWebhook(HubSpotCase, HttpCase):
    """Forged, stale and replayed deliveries are refused; a valid one makes the next run
    re-read exactly the records it names."""

    def setUp(self):
        super().setUp()
        self.backend.sync_auto = True  # the cron is woken by deliveries
        self.company = self.fake.add("companies", {"name": "Stark Outdoor"})
        self.deal = self.fake.add("deals", {"dealname": "Stark summer", **WON,
                                            "agency_po_number": "PO-1"})
        self.fake.associate("deals", self.deal, "companies", self.company)
        line = self.fake.add("line_items", {"name": "Design", "hs_sku": "AGY-DSGN",
                                            "quantity": "10", "price": "120"})
        self.fake.associate("deals", self.deal, "line_items", line)
        self.other = self.fake.add("deals", {"dealname": "Untouched", **WON})
        self.fake.associate("deals", self.other, "companies", self.company)
        self.sync()
        self.path = f"/agency_billing/hubspot/webhook/{self.backend.id}"
        self.url = f"{self.base_url()}{self.path}"

    def _event(self, event_id, object_id, kind="deal.propertyChange", **extra):
        return {"eventId": event_id, "subscriptionId": 1, "portalId": 4242,
                "occurredAt": int(time.time() * 1000), "subscriptionType": kind,
                "objectId": int(object_id), "attemptNumber": 0, **extra}

    def _post(self, headers, body):
        return self.url_open(self.path, data=body, headers=headers)

    def test_refused_deliveries(self):
        events = [self._event(1, self.deal, propertyName="agency_po_number",
                              propertyValue="PO-2")]
        headers, body = signed_delivery(self.url, SECRET, events)
        forged = dict(headers, **{"X-HubSpot-Signature-v3": "bm90IHRoZSBzaWduYXR1cmU="})
        self.assertEqual(self._post(forged, body).status_code, 401)
        tampered = body.replace(b"PO-2", b"PO-9")
        self.assertEqual(self._post(headers, tampered).status_code, 401)
        stale_headers, stale_body = signed_delivery(
            self.url, SECRET, events, timestamp_ms=int(time.time() * 1000) - 6 * 60_000)
        response = self._post(stale_headers, stale_body)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json()["message"], "stale delivery")
        wrong_secret, wrong_body = signed_delivery(self.url, TOKEN, events)
        self.assertEqual(self._post(wrong_secret, wrong_body).status_code, 401)
        self.assertEqual(self.backend.sync_pending_event_count, 0)
        # Accepted once; the same delivery again is a replay.
        self.assertEqual(self._post(headers, body).status_code, 200)
        replay = self._post(headers, body)
        self.assertEqual((replay.status_code, replay.json()["message"]),
                         (409, "already received"))
        self.backend.invalidate_recordset(["sync_pending_event_count"])
        self.assertEqual(self.backend.sync_pending_event_count, 1)
        self.assertEqual(self.url_open(self.path, data=b"[]", headers={
            "Content-Type": "application/json"}).status_code, 401)
        self.assertEqual(self.url_open("/agency_billing/hubspot/webhook/999999", data=body,
                                       headers=headers).status_code, 404)

    def test_valid_delivery_imports_exactly_the_changed_record(self):
        self.fake.update("deals", self.deal, agency_po_number="PO-2")
        # Three events about one deal (HubSpot batches and repeats), one about a deal
        # type we never heard of, out of order.
        events = [self._event(12, self.deal, propertyName="dealname"),
                  self._event(11, self.deal, propertyName="agency_po_number"),
                  self._event(13, self.deal, propertyName="amount"),
                  self._event(14, 77, kind="ticket.creation")]
        headers, body = signed_delivery(self.url, SECRET, events)
        response = self._post(headers, body)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok", "received": 3, "new": 3})
        cron = self.backend.sync_cron_id
        self.assertTrue(self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]))
        self.fake.reset_log()
        self.backend._agency_cron_sync()
        run = self.env["agency.sync.run"].search([("backend_id", "=", self.backend.id)],
                                                 limit=1)
        self.assertEqual((run.trigger, run.kind, run.state), ("webhook", "events", "done"))
        self.assertEqual((run.updated, run.created), (1, 0))
        reads = [r for r in self.fake.requests if r.path.endswith("deals/batch/read")]
        self.assertEqual([[i["id"] for i in r.json()["inputs"]] for r in reads], [[self.deal]])
        self.assertFalse([r for r in self.fake.requests if r.path.endswith("/search")])
        self.assertEqual(self.bound("deal", self.deal).client_order_ref, "PO-2")
        self.assertEqual(self.backend.sync_pending_event_count, 0)
        # A deletion event archives (here: a conflict, the order exists).
        self.fake.archive("companies", self.company)
        headers, body = signed_delivery(self.url, SECRET, [
            self._event(20, self.company, kind="company.deletion")])
        self.assertEqual(self._post(headers, body).status_code, 200)
        self.backend._agency_cron_sync()
        self.assertFalse(self.bound("company", self.company).active)

    def test_malformed_delivery(self):
        headers, body = signed_delivery(self.url, SECRET, {"not": "a list"})
        response = self._post(headers, body)
        self.assertEqual(response.status_code, 400)
        self.assertIn("malformed", json.loads(response.content)["message"])
