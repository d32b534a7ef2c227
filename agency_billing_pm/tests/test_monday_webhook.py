"""Monday.com webhook deliveries over real HTTP to Odoo's route: the challenge answered,
JWTs (app webhooks) and the ``?secret=`` of personal-token webhooks checked, forged, expired,
stale and replayed deliveries refused; a valid one makes the next run re-read the item, and
a status reaching a milestone is invoiced by the next billing tick."""

import json
import time
from datetime import UTC, datetime, timedelta

from odoo.tests import HttpCase, tagged

from ..lib.monday.webhook import jwt_encode
from .common import MONDAY_BOARD, SECRET
from .test_monday_sync import MondayCase


@tagged("post_install", "-at_install")
class TestMondayWebhook(MondayCase, HttpCase):

    def setUp(self):
        super().setUp()
        self.ids = self.account()
        self.assertEqual(self.sync().state, "done")
        self.path = f"/agency_billing/monday/webhook/{self.monday.id}"
        self.url = f"{self.base_url()}{self.path}"

    def delivery(self, item, uuid="trigger-1", kind="update_column_value", age=None):
        moment = datetime.now(UTC) - (age or timedelta())
        return json.dumps({"event": {
            "app": "monday", "type": kind, "triggerTime": moment.isoformat(),
            "subscriptionId": 11, "userId": int(self.ids["casey"]),
            "originalTriggerUuid": None, "boardId": int(MONDAY_BOARD),
            "groupId": "topics", "pulseId": int(item), "pulseName": "x",
            "columnId": "status", "columnType": "color", "triggerUuid": uuid,
        }}).encode()

    def jwt(self, secret=SECRET, exp=60, aud=None):
        return jwt_encode({"accountId": 9001, "userId": 1, "aud": aud or self.url,
                           "exp": int(time.time()) + exp, "iat": int(time.time())}, secret)

    def post(self, body, token=None, query=""):
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = token
        return self.url_open(self.path + query, data=body, headers=headers)

    def pending(self):
        return self.env["agency.sync.event"].search([
            ("backend_model", "=", self.monday._name), ("backend_id", "=", self.monday.id),
            ("state", "=", "pending")])

    def test_challenge_answered(self):
        body = json.dumps({"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"})
        response = self.post(body.encode())
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), json.loads(body))
        response = self.post(body.encode(), token=self.jwt())
        self.assertEqual(response.json(), json.loads(body))
        self.assertEqual(self.post(body.encode(), token=self.jwt(secret="forged-key-000"))
                         .status_code, 401, "a challenge with a forged JWT is refused")
        self.assertFalse(self.pending())

    def test_forged_expired_stale_and_replayed_refused(self):
        item = self.ids["visual"]
        body = self.delivery(item)
        refused = {
            "no authentication": self.post(body),
            "forged JWT": self.post(body, token=self.jwt(secret="not-the-secret-1")),
            "expired JWT": self.post(body, token=self.jwt(exp=-120)),
            "other URL": self.post(body, token=self.jwt(aud="https://evil.example/hook")),
            "wrong secret": self.post(body, query="?secret=guess-guess"),
            "stale": self.post(self.delivery(item, uuid="old", age=timedelta(hours=2)),
                               query=f"?secret={SECRET}"),
            "garbage": self.post(b"{not json", query=f"?secret={SECRET}"),
        }
        for reason, response in refused.items():
            with self.subTest(reason=reason):
                self.assertIn(response.status_code, (400, 401), response.text)
                self.assertNotIn(SECRET, response.text)
        self.assertFalse(self.pending())
        ok = self.post(body, token=self.jwt())
        self.assertEqual(ok.status_code, 200, ok.text)
        self.assertEqual(ok.json()["new"], 1)
        replay = self.post(body, token=self.jwt())
        self.assertEqual(replay.status_code, 409, "the same triggerUuid again is a replay")
        # Personal-token webhooks: the secret in the URL.
        other = self.post(self.delivery(self.ids["concept"], uuid="trigger-2"),
                          query=f"?secret={SECRET}")
        self.assertEqual(other.status_code, 200, other.text)
        self.assertEqual(sorted(self.pending().mapped("external_id")),
                         sorted([item, self.ids["concept"]]))

    def test_event_re_read_reaches_milestone_invoiced_next_tick(self):
        self.fake.set_column(self.ids["concept"], "status", "Client approved")
        self.fake.edit_item(self.ids["visual"], name="Key visual (final)")
        self.fake.delete_item(self.ids["misc"])
        for uuid, item, kind in (("t-1", self.ids["concept"], "update_column_value"),
                                 ("t-2", self.ids["misc"], "delete_pulse")):
            response = self.post(self.delivery(item, uuid=uuid, kind=kind),
                                 query=f"?secret={SECRET}")
            self.assertEqual(response.status_code, 200, response.text)
        run = self.monday._agency_sync_run(
            "webhook", job=self.monday._agency_sync_process_events, kind="events")
        self.assertEqual(run.state, "done", run.error)
        self.assertFalse(self.pending())
        self.assertTrue(self.concept.is_reached)
        self.assertFalse(self.task_of(self.ids["misc"]).active)
        self.assertEqual(self.task_of(self.ids["visual"]).name, "Key visual",
                         "only the items named by events are re-read")
        self.assertEqual(self.fake.gql_count(operation="AgencyItems"), 1)
        self.billing_tick()
        self.assertEqual(self.concept.agency_invoice_id.amount_untaxed, 4000.0)
