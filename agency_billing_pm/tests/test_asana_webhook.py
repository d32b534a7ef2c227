"""Asana webhooks over real HTTP to Odoo's route: the handshake, signatures, replays, and
the events re-read through the API by the account's cron."""

from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, tagged

from .fake_asana import signed_delivery
from .test_asana_common import AsanaCase

HOOK_SECRET = "asana-hook-secret-3c9d0e1f"


@tagged("post_install", "-at_install")
class TestAsanaWebhook(AsanaCase, HttpCase):
    """Only Asana (the secret of a handshake a person expected) can notify; a notified
    change reaches Odoo at the next cron call."""

    def setUp(self):
        super().setUp()
        self.backend.sync_auto = True  # deliveries wake the cron
        self.ids = self.workspace()
        self.sync()
        self.path = f"/agency_billing/asana/webhook/{self.backend.id}"

    def _post(self, headers, body):
        return self.url_open(self.path, data=body, headers=headers)

    def _handshake(self, secret=HOOK_SECRET):
        return self._post({"X-Hook-Secret": secret, "Content-Type": "application/json"}, b"{}")

    def _event(self, gid, action="changed", resource_type="task", parent=None):
        event = {"user": {"gid": self.ids["casey"], "resource_type": "user"},
                 "created_at": "2026-11-02T10:00:00.000Z", "action": action,
                 "resource": {"gid": gid, "resource_type": resource_type},
                 "parent": parent, "change": {"field": "memberships", "action": "changed"}}
        return event

    def test_handshake_only_when_expected(self):
        self.assertEqual(self._handshake().status_code, 403, "no handshake window open")
        self.assertFalse(self.backend._agency_pm_hook_secrets())
        self.backend.action_agency_open_handshake()
        response = self._handshake()
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["X-Hook-Secret"], HOOK_SECRET)
        self.assertIn(HOOK_SECRET, self.backend._agency_pm_hook_secrets())
        self.backend.sudo().webhook_accept_until = fields.Datetime.now() - timedelta(minutes=1)
        self.assertEqual(self._handshake("planted-secret-000").status_code, 403)
        self.assertNotIn("planted-secret-000", self.backend._agency_pm_hook_secrets())

    def test_refused_deliveries(self):
        self.backend.action_agency_open_handshake()
        self._handshake()
        events = [self._event(self.ids["visual"])]
        headers, body = signed_delivery(HOOK_SECRET, events)
        forged = dict(headers, **{"X-Hook-Signature": "0" * 64})
        self.assertEqual(self._post(forged, body).status_code, 401)
        tampered = body.replace(self.ids["visual"].encode(), self.ids["copy"].encode())
        self.assertEqual(self._post(headers, tampered).status_code, 401)
        other_headers, other_body = signed_delivery("some-other-secret", events)
        self.assertEqual(self._post(other_headers, other_body).status_code, 401)
        unsigned = {"Content-Type": "application/json"}
        self.assertEqual(self._post(unsigned, body).status_code, 401)
        self.assertEqual(self.backend.sync_pending_event_count, 0)
        self.assertEqual(self._post(headers, body).status_code, 200)
        replay = self._post(headers, body)
        self.assertEqual((replay.status_code, replay.json()["message"]),
                         (409, "already received"))
        self.backend.invalidate_recordset(["sync_pending_event_count"])
        self.assertEqual(self.backend.sync_pending_event_count, 1)
        # Asana's heartbeat (no events) is answered, and stores nothing.
        heartbeat_headers, heartbeat = signed_delivery(HOOK_SECRET, [])
        self.assertEqual(self._post(heartbeat_headers, heartbeat).status_code, 200)

    def test_delivery_reaches_odoo_at_the_next_cron_call(self):
        """The concept task moved to "Client approved" and its time edited: the delivery
        names the task; the cron re-reads it (and its time) and reaches the milestone."""
        self.backend.action_agency_open_handshake()
        self._handshake()
        self.fake.move_task_to_section(self.ids["concept"], "Client approved")
        self.fake.edit_time_entry(self.ids["e_concept"], duration_minutes=180)
        events = [self._event(self.ids["concept"]),
                  self._event(self.ids["e_concept"], resource_type="time_tracking_entry",
                              parent={"gid": self.ids["concept"], "resource_type": "task"}),
                  self._event(self.ids["project"], resource_type="project")]
        headers, body = signed_delivery(HOOK_SECRET, events)
        response = self._post(headers, body)
        self.assertEqual(response.json(), {"status": "ok", "received": 2, "new": 2})
        self.fake.reset_log()
        run = self.backend._agency_sync_run("webhook",
                                            job=self.backend._agency_sync_process_events,
                                            kind="events")
        self.assertEqual(run.state, "done", run.error)
        self.assertTrue(self.concept.is_reached)
        self.assertEqual(self.entry_of(self.ids["e_concept"]).unit_amount, 3.0)
        self.assertEqual(self.fake.count(path=f"/tasks/{self.ids['concept']}$"), 1,
                         "one re-read however many events named the task")
        self.assertEqual(self.fake.count(path="/tasks$"), 0)

    def test_deleted_task_event(self):
        self.backend.action_agency_open_handshake()
        self._handshake()
        task = self.task_of(self.ids["copy"])
        self.fake.delete_task(self.ids["copy"])
        headers, body = signed_delivery(HOOK_SECRET, [self._event(self.ids["copy"],
                                                                  action="deleted")])
        self.assertEqual(self._post(headers, body).status_code, 200)
        self.backend._agency_sync_run("webhook", job=self.backend._agency_sync_process_events,
                                      kind="events")
        self.assertFalse(task.active)
