"""Monday.com's limits and failures: complexity errors with HTTP 200, 429 with Retry-After,
5xx, dropped connections, malformed and partial answers, the plan's daily cap and the
account's daily call budget, refused tokens — and the token never in runs, logs or quarantine."""

from odoo.tests import tagged

from odoo.addons.agency_billing_sync.lib.errors import (
    SyncAuthError,
    SyncError,
    SyncRateLimitError,
    SyncTimeoutError,
)

from ..components.monday.adapter import MondayAdapter, MondayCursorExpired
from .common import MONDAY_TOKEN
from .test_monday_sync import MondayCase


@tagged("post_install", "-at_install")
class TestMondayLimits(MondayCase):

    def setUp(self):
        super().setUp()
        self.ids = self.account()

    def adapter(self):
        """An adapter whose waits are recorded instead of slept."""
        slept = []
        return MondayAdapter(self.monday, sleep=slept.append), slept

    def assert_no_token(self, run):
        texts = [run.log, run.error, *self.open_logs(self.monday).mapped("payload"),
                 *self.open_logs(self.monday).mapped("error"),
                 self.monday.connection_message]
        for text in texts:
            self.assertNotIn(MONDAY_TOKEN, text or "")

    def test_complexity_error_with_http_200(self):
        self.monday.sync_batch_size = 2
        self.fake.complexity_error(times=2, retry_in_seconds=0)
        self.fake.complexity_error(times=1, retry_in_seconds=0, partial=True,
                                   root="next_items_page")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(len(self.entries()), 3)
        self.assertEqual([e["times"] for e in self.fake.app_errors], [0, 0])
        self.assertEqual(run.requests, len(self.fake.requests), "retries are counted")
        # The adapter waits what Monday says (retry_in_seconds), then goes on.
        adapter, slept = self.adapter()
        self.fake.complexity_error(times=1, retry_in_seconds=7)
        me, _account = adapter.check()
        self.assertEqual((me["email"], slept), ("Casey@agency.test", [7.0]))

    def test_complexity_storm_is_waited_out_then_partial(self):
        """Ten complexity errors (more than the attempts per request) are waited out as
        Monday asks; a storm longer than the account's budget ends the run partial (not
        failed), and the next run completes with the same entries."""
        self.fake.complexity_error(times=10, retry_in_seconds=0)
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(run.requests, len(self.fake.requests), "retries are counted")
        self.assertEqual(len(self.entries()), 3)
        self.fake.edit_item(self.ids["misc"], name="Misc 2")
        self.monday.sync_rate_limit_budget = 3
        self.fake.complexity_error(times=10, retry_in_seconds=0)
        sent = len(self.fake.requests)
        partial = self.sync()
        self.assertEqual(partial.state, "partial")
        self.assertIn("COMPLEXITY_BUDGET_EXHAUSTED", partial.log)
        self.assertEqual(partial.requests, len(self.fake.requests) - sent)
        self.fake.clear_app_errors()
        done = self.sync()
        self.assertEqual(done.state, "done", done.error)
        self.assertEqual(self.task_of(self.ids["misc"]).name, "Misc 2")
        self.assertEqual(len(self.entries()), 3)

    def test_429_5xx_dropped_malformed_partial_retried(self):
        self.monday.sync_batch_size = 1  # enough requests for every fault to fire
        fake = self.fake
        fake.fail(status=429, headers={"Retry-After": "0"}, body={"error_message":
                                                                  "Rate limit"}, times=2)
        fake.fail(status=503, headers={"Retry-After": "0"}, skip=1, times=1)
        fake.fail(raw=b'{"data": {"boards": [{"id": "44', skip=2, times=1)
        fake.fail(drop=True, skip=3, times=1)
        fake.graphql_error("Internal error at items", "SOME_FAILURE", partial=True, skip=4)
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(len(self.entries()), 3)
        self.assertEqual([f.times for f in fake.faults], [0, 0, 0, 0])
        self.assertEqual([e["times"] for e in fake.app_errors], [0])
        adapter, slept = self.adapter()
        fake.fail(status=429, headers={"Retry-After": "3"}, times=1)
        adapter.check()
        self.assertEqual(slept, [3.0])
        # A dropped connection is retried too.
        adapter, _slept = self.adapter()
        fake.fail(drop=True, times=1)
        sent = len(fake.requests)
        adapter.check()
        self.assertEqual((len(fake.requests) - sent, adapter.requests), (2, 2))

    def test_timeout_is_a_retryable_error(self):
        """No answer within the timeout: a retryable SyncTimeoutError (retried like the
        errors above). Odoo's test runner raises requests timeouts under 10 s to 10 s: the
        fake answers after 10.4 s, once."""
        adapter, _slept = self.adapter()
        adapter.attempts = 1
        self.fake.fail(delay=10.4, times=1)
        with self.assertRaises(SyncTimeoutError) as caught:
            adapter.check()
        self.assertTrue(caught.exception.retryable)
        self.assertIn("no answer within 10 s", str(caught.exception))
        self.assertEqual(adapter.check()[0]["name"], "Casey CD")

    def test_malformed_answers_never_archive(self):
        self.assertEqual(self.sync().state, "done")
        self.fake.edit_item(self.ids["misc"], name="Misc 2")  # the board changed
        self.fake.fail(raw=b'{"data": {"boards": [{"id": "4400000001", "items_pa', skip=1,
                       times=10)
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("unreadable JSON", run.error)
        self.assertTrue(all(self.task_of(i).active for i in (
            self.ids["concept"], self.ids["visual"], self.ids["misc"])))
        self.assertEqual(len(self.entries()), 3)

    def test_daily_limit_exceeded_stops_the_run(self):
        self.fake.daily_limit(skip=1)
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("daily call limit", run.error)
        self.assertEqual(len(self.fake.requests), 2, "not retried")
        self.assert_no_token(run)

    def test_daily_call_budget_of_the_account(self):
        self.monday.daily_call_budget = 2
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("daily budget", run.error)
        self.assertEqual((self.monday.daily_calls_used, len(self.fake.requests)), (2, 2))
        # Raised (or the next day), the sync goes on.
        self.monday.daily_call_budget = 0
        self.assertEqual(self.sync().state, "done")
        self.assertEqual(len(self.entries()), 3)

    def test_refused_token_and_token_never_stored(self):
        self.fake.fail(status=500, times=10, body={
            "error_message": f"Internal error for Authorization {MONDAY_TOKEN} sorry"})
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assert_no_token(run)
        self.assertEqual(len(self.fake.requests), self.monday.sync_max_attempts)
        self.fake.clear_faults()
        self.monday.access_token = "wrong-token-xyz"
        sent = len(self.fake.requests)
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("401", run.error)
        self.assertEqual(len(self.fake.requests), sent + 1, "an auth error is not retried")
        self.assertFalse(self.monday.action_agency_test_connection())
        self.assertEqual(self.monday.connection_state, "failed")
        with self.assertRaises(SyncAuthError):
            self.adapter()[0].check()
        self.monday.access_token = MONDAY_TOKEN
        self.assertTrue(self.monday.action_agency_test_connection())
        self.assertIn("Agency", self.monday.connection_message)
        self.assert_no_token(run)

    def test_adapter_errors_are_named(self):
        adapter, _slept = self.adapter()
        board, cursor, items = adapter.first_page(self.ids["board"], limit=2)
        self.assertEqual((board["id"], len(items)), (self.ids["board"], 2))
        self.fake.expire_cursors()
        with self.assertRaises(MondayCursorExpired):
            adapter.next_page(cursor, 2)
        self.fake.daily_limit()
        with self.assertRaises(SyncError) as caught:
            adapter.users()
        self.assertFalse(caught.exception.retryable)
        self.fake.complexity_error(times=10, retry_in_seconds=0)
        adapter.rate_budget = 2  # waited out for 2 s at most (each retry counts 1 s)
        with self.assertRaises(SyncRateLimitError) as caught:
            adapter.items([self.ids["concept"]])
        self.assertTrue(caught.exception.exhausted)
