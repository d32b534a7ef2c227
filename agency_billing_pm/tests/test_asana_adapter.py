"""The Asana adapter and the fake Asana: the real ``asana`` SDK on 127.0.0.1, its paging,
fields, sync tokens, errors and retries (no importer involved)."""

from odoo.tests import tagged

from odoo.addons.agency_billing_sync.lib.errors import (
    SyncAuthError,
    SyncError,
    SyncPayloadError,
    SyncRateLimitError,
    SyncServerError,
    SyncTimeoutError,
)

from ..components.asana.adapter import AsanaAdapter
from ..components.asana.syncer import AsanaSync
from .common import TOKEN
from .test_asana_common import AsanaCase


@tagged("post_install", "-at_install")
class TestAsanaAdapter(AsanaCase):
    def adapter(self):
        self.slept = []
        adapter = AsanaAdapter(self.backend, sleep=self.slept.append)
        self.addCleanup(adapter.close)
        return adapter

    def test_pages_fields_and_compact_records(self):
        ids = self.workspace()
        for number in range(120):
            self.fake.add_task(ids["project"], f"Banner {number}")
        adapter = self.adapter()
        records, offset = adapter.tasks_page(ids["project"])
        self.assertEqual((len(records), bool(offset)), (100, True))
        self.assertEqual(records[0]["memberships"][0]["section"]["name"], "To do")
        self.assertEqual(records[0]["assignee"]["email"], "Dana@Agency.test")
        self.assertEqual(records[0]["custom_fields"][0]["enum_value"]["name"], "Design")
        rest, offset = adapter.tasks_page(ids["project"], offset=offset)
        self.assertEqual((len(rest), offset), (23, None))
        compact, _offset = adapter.tasks_page(ids["project"], compact=True)
        self.assertEqual(set(compact[0]), {"gid", "resource_type", "name", "resource_subtype"})
        request = self.fake.requests[0]
        self.assertEqual((request.param("limit"), request.headers["authorization"]),
                         ("100", f"Bearer {TOKEN}"))
        since = self.fake.tasks[ids["concept"]]["modified_at"]
        changed, _offset = adapter.tasks_page(ids["project"],
                                              modified_since=since.isoformat())
        self.assertEqual([task["gid"] for task in changed[:2]], [ids["concept"], ids["copy"]])
        self.assertNotIn(ids["visual"], {task["gid"] for task in changed},
                         "modified before: left out")
        self.assertEqual(adapter.requests, self.fake.count())

    def test_events_and_sync_tokens(self):
        ids = self.workspace()
        adapter = self.adapter()
        first = adapter.events(ids["project"])
        self.assertEqual((first["expired"], first["data"]), (True, []))
        same = adapter.events(ids["project"], first["sync"])
        self.assertEqual((same["expired"], same["data"], same["sync"]),
                         (False, [], first["sync"]))
        self.fake.move_task_to_section(ids["visual"], "Client approved")
        moved = adapter.events(ids["project"], first["sync"])
        self.assertEqual([(e["action"], e["resource"]["gid"]) for e in moved["data"]],
                         [("changed", ids["visual"])])
        self.fake.expire_sync_tokens()
        expired = adapter.events(ids["project"], moved["sync"])
        self.assertTrue(expired["expired"])
        self.assertNotEqual(expired["sync"], moved["sync"])

    def test_time_entries(self):
        ids = self.workspace()
        adapter = self.adapter()
        start, end = AsanaSync(self.backend, None).window()
        entries, offset = adapter.entries_page(self.fake.workspace, start, end)
        self.assertIsNone(offset)
        by_gid = {entry["gid"]: entry for entry in entries}
        self.assertEqual(set(by_gid), {ids["e_visual"], ids["e_concept"], ids["e_nobody"],
                                       ids["e_internal"]})
        visual = by_gid[ids["e_visual"]]
        self.assertEqual((visual["duration_minutes"], visual["billable_status"],
                          visual["approval_status"], visual["created_by"]["email"],
                          visual["task"]["gid"], visual["attributable_to"]["gid"]),
                         (90, "billable", "APPROVED", "Dana@Agency.test", ids["visual"],
                          ids["project"]))
        self.assertNotIn("billable_status", by_gid[ids["e_internal"]],
                         "without the Timesheets add-on the field is absent")
        self.assertEqual(len(adapter.task_entries(ids["visual"])), 1)
        self.assertEqual(adapter.entry(ids["e_concept"])["duration_minutes"], 120)
        self.fake.delete_time_entry(ids["e_concept"])
        self.assertIsNone(adapter.entry(ids["e_concept"]))
        self.fake.delete_task(ids["copy"])
        self.assertIsNone(adapter.task(ids["copy"]))
        self.assertIsNone(adapter.task_entries(ids["copy"]))

    def test_rate_limits_wait_what_asana_says(self):
        """Three 429s with Retry-After: 0 then an answer: no sleep (the SDK's own backoff
        would sleep 0, 4, 8 s), four requests, each counted against the daily budget."""
        self.workspace()
        adapter = self.adapter()
        self.fake.rate_limit(times=3, path="/users/me")
        self.assertEqual(adapter.me()["name"], "Casey CD")
        self.assertEqual((self.slept, adapter.requests), ([], 4))
        self.assertEqual(self.backend.daily_calls_used, 4)
        # More 429s than attempts: waited out within the rate-limit budget...
        self.fake.rate_limit(times=6, path="/users/me")
        self.assertEqual(adapter.me()["name"], "Casey CD")
        self.assertEqual((self.slept, adapter.requests), ([], 11))
        # ...until the budget is spent (each "retry at once" counts a second).
        adapter.rate_budget = 3
        self.fake.rate_limit(times=4, path="/users/me")
        with self.assertRaises(SyncRateLimitError) as caught:
            adapter.me()
        self.assertEqual(caught.exception.retry_after, 0.0)
        self.assertTrue(caught.exception.exhausted)

    def test_errors_become_sync_errors(self):
        self.workspace()
        self.backend.write({"sync_timeout": 0.3, "sync_retry_delay": 0.5})
        adapter = self.adapter()
        attempts = self.backend.sync_max_attempts
        self.fake.fail(path="/users/me", status=503, times=attempts)
        with self.assertRaises(SyncServerError):
            adapter.me()
        self.assertEqual(len(self.slept), attempts - 1, "backed off between attempts")
        self.assertTrue(all(0.25 <= delay <= 4.0 for delay in self.slept), self.slept)
        self.fake.fail(path="/users/me", delay=0.5, times=attempts)
        with self.assertRaises(SyncTimeoutError):
            adapter.me()
        self.fake.fail(path="/users/me", raw=b'{"data": {"gid": "1", "na', times=attempts)
        with self.assertRaises(SyncPayloadError):
            adapter.me()
        self.fake.fail(path="/users/me", raw=b'{"something": "else"}', times=attempts)
        with self.assertRaises(SyncPayloadError):
            adapter.me()
        self.fake.reset_log()
        self.fake.token = "rotated-token"
        with self.assertRaises(SyncAuthError) as caught:
            adapter.me()
        self.assertEqual(self.fake.count(), 1, "a refused token is not retried")
        self.assertIn("401", str(caught.exception))
        self.assertNotIn(TOKEN, str(caught.exception), "the echoed token is redacted")

    def test_check_and_discover(self):
        ids = self.workspace()
        syncer = AsanaSync(self.backend, None)
        self.assertEqual(syncer.check(), "Connected to Asana as Casey CD, workspace "
                                         "Agency Workspace.")
        projects = {p["id"]: p for p in syncer.discover()}
        self.assertEqual((projects[ids["project"]]["client"], projects[ids["other"]]["client"]),
                         ("Acme Test Foods", "Agency itself"))
        self.backend.workspace_ref = False
        with self.assertRaisesRegex(SyncError, "Agency Workspace"):
            AsanaSync(self.backend, None).check()
        self.backend.workspace_ref = self.fake.workspace
        self.assertTrue(self.backend.action_agency_test_connection())
        self.fake.token = "rotated-token"
        self.assertFalse(self.backend.action_agency_test_connection())
        self.assertIn("401", self.backend.connection_message)
        self.assertNotIn(TOKEN, self.backend.connection_message)
