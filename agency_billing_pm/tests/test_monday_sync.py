"""Monday.com → Odoo against the fake Monday.com GraphQL API (``requests`` over real HTTP):
first sync, an unchanged re-sync, edits and deletions at the source, an expired cursor in
the middle of a board, a status reaching a milestone invoiced by the next billing tick, and
a user mapped after quarantine."""

import json
import time
from datetime import date, timedelta

from odoo import fields
from odoo.tests import tagged

from ..lib.monday import values as monday_values
from .common import MONDAY_BOARD, MONDAY_TOKEN, PmCase
from .fake_monday import FakeMonday

OTHER_BOARD = "4400000002"


class MondayCase(PmCase):
    """The Monday.com account of PmCase pointed at a fake started for each test, with the
    client's board: five items, tracked time of three people (one unmapped)."""

    def setUp(self):
        super().setUp()
        self.fake = FakeMonday(token=MONDAY_TOKEN).start()
        self.addCleanup(self.fake.stop)
        self.monday.base_url = self.fake.api_url
        # Odoo's test runner raises shorter requests timeouts to 10 s (and logs it).
        self.monday.sync_timeout = 10.0

    def account(self):
        """Users, the linked board and an unlinked one; returns the ids."""
        fake = self.fake
        ids = {
            "casey": fake.add_user("Casey CD", "Casey@agency.test"),
            "dana": fake.add_user("Dana Designer", "dana@agency.test"),
            "pat": fake.add_user("Pat Freelance", "pat@freelance.example"),
        }
        board = fake.add_board("Acme spring board", description="Client: Acme\nQ2 push",
                               board_id=MONDAY_BOARD, groups=("Design", "Copywriting"))
        ids["board"] = board
        ids["concept"] = fake.add_item(board, "Concept approval", status="Working on it",
                                       service="Design", person=ids["casey"],
                                       date4="2026-03-25")
        ids["visual"] = fake.add_item(board, "Key visual", status="Working on it",
                                      service="Design", person=ids["dana"])
        ids["copy"] = fake.add_item(board, "Headlines", group="Copywriting", status="Done",
                                    service="Copywriting")
        ids["brief"] = fake.add_item(board, "Brief", status="Done")
        ids["misc"] = fake.add_item(board, "Misc")
        ids["s_casey"] = fake.add_time_session(ids["concept"], ids["casey"],
                                               "2026-03-10T16:00:00Z", "2026-03-10T17:30:00Z")
        # Dana works in Los Angeles: 03:00 UTC on the 11th is the 10th there.
        ids["s_dana"] = fake.add_time_session(ids["visual"], ids["dana"],
                                              "2026-03-11T03:00:00Z", "2026-03-11T04:00:00Z")
        ids["s_dana2"] = fake.add_time_session(ids["visual"], ids["dana"],
                                               "2026-03-12T15:00:00Z", "2026-03-12T15:45:00Z")
        ids["s_running"] = fake.add_time_session(ids["visual"], ids["casey"],
                                                 "2026-03-12T16:00:00Z")
        ids["s_pat"] = fake.add_time_session(ids["copy"], ids["pat"],
                                             "2026-03-12T09:00:00Z", "2026-03-12T10:00:00Z")
        ids["s_zero"] = fake.add_time_session(ids["brief"], ids["casey"],
                                              "2026-03-12T09:00:00Z", "2026-03-12T09:00:00Z")
        ids["other"] = fake.add_board("Internal", board_id=OTHER_BOARD)
        fake.add_item(ids["other"], "Not synced")
        return ids

    def sync(self, **kw):
        """A manual sync of the Monday.com account (nothing committed)."""
        return self.monday._agency_sync_run("manual", **kw)

    def task_of(self, item_id):
        return self.bound(self.monday, "task", item_id)

    def entry_of(self, item_id, session_id):
        return self.bound(self.monday, "time", f"{item_id}:{session_id}")

    def entries(self):
        return self.env["account.analytic.line"].search([("source", "=", "monday")])


@tagged("post_install", "-at_install")
class TestMondaySync(MondayCase):

    def setUp(self):
        super().setUp()
        self.ids = self.account()

    def test_first_sync(self):
        ids = self.ids
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        # The boards reached the mapping list (the unlinked one waits for a person).
        Link = self.env["agency.pm.project.link"]
        other = Link.search([("backend_id", "=", self.monday.id),
                             ("external_id", "=", OTHER_BOARD)])
        self.assertEqual((other.name, other.project_id.id), ("Internal", False))
        self.assertEqual(self.monday_link.client_name, "Acme")
        # Tasks of the linked board only, in the linked project.
        concept = self.task_of(ids["concept"])
        self.assertEqual((concept.name, concept.project_id), ("Concept approval", self.project))
        self.assertEqual(concept.date_deadline.date(), date(2026, 3, 25))
        self.assertEqual(concept.agency_pm_status, "Working on it")
        self.assertEqual(concept.milestone_id, self.concept, "linked by its name")
        self.assertEqual(concept.service_type_hint_id, self.st_design)
        self.assertEqual(concept.agency_pm_url,
                         f"https://agency.monday.com/boards/{MONDAY_BOARD}/pulses/"
                         f"{ids['concept']}")
        if self.emp_cd.user_id:
            self.assertEqual(concept.user_ids, self.emp_cd.user_id)
        self.assertEqual(self.task_of(ids["copy"]).state, "1_done")
        self.assertEqual(self.task_of(ids["visual"]).state, "01_in_progress")
        self.assertEqual(self.env["project.task"].search_count(
            [("name", "=", "Not synced")]), 0)
        # Finished sessions became time entries (rated like manual ones).
        casey = self.entry_of(ids["concept"], ids["s_casey"])
        self.assertEqual((casey.employee_id, casey.unit_amount, casey.task_id),
                         (self.emp_cd, 1.5, concept))
        self.assertEqual((casey.source, casey.external_ref),
                         ("monday", f"monday:{ids['concept']}:{ids['s_casey']}"))
        self.assertEqual(casey.agency_rate, 150.0)
        dana = self.entry_of(ids["visual"], ids["s_dana"])
        self.assertEqual((dana.employee_id, dana.date, dana.unit_amount),
                         (self.emp_designer, date(2026, 3, 10), 1.0))
        self.assertEqual(self.entry_of(ids["visual"], ids["s_dana2"]).unit_amount, 0.75)
        self.assertIsNone(self.entry_of(ids["visual"], ids["s_running"]),
                          "a running timer waits until it stops")
        self.assertEqual(len(self.entries()), 3)
        # Pat maps to no employee; a zero-length session has no time: both quarantined
        # with a reason a person can act on.
        logs = self.open_logs(self.monday, "time")
        by_id = {log.external_id: log for log in logs}
        self.assertEqual(set(by_id), {f"{ids['copy']}:{ids['s_pat']}",
                                      f"{ids['brief']}:{ids['s_zero']}"})
        self.assertIn("pat@freelance.example", by_id[f"{ids['copy']}:{ids['s_pat']}"].error)
        # Requests: counted on the run, with Monday's headers, the token as is.
        self.assertEqual(run.requests, len(self.fake.requests))
        headers = self.fake.requests[-1].headers
        self.assertEqual((headers["authorization"], headers["api-version"]),
                         (MONDAY_TOKEN, "2025-07"))
        self.assertEqual(self.monday.daily_calls_used, run.requests)
        for text in (run.log or "", run.error or "", *logs.mapped("payload"),
                     *logs.mapped("error")):
            self.assertNotIn(MONDAY_TOKEN, text or "")

    def test_unchanged_resync_writes_nothing(self):
        first = self.sync()
        self.assertEqual(first.state, "done", first.error)
        reads = self.fake.gql_count(operation="AgencyItemsFirst")
        before = self.table_writes()
        second = self.sync()
        self.assertEqual(second.state, "done", second.error)
        self.assertEqual(self.table_writes() - before, 0)
        self.assertEqual(self.fake.gql_count(operation="AgencyItemsFirst"), reads,
                         "an unchanged board is skipped on its updated_at")
        self.assertIn("unchanged, skipped", second.log)
        # Even a full re-read (cursors forgotten) writes nothing when nothing changed.
        self.monday._agency_sync_reset_cursors()
        before = self.table_writes()
        third = self.sync()
        self.assertEqual(third.state, "done", third.error)
        self.assertEqual(self.fake.gql_count(operation="AgencyItemsFirst"), reads + 1)
        self.assertEqual(self.table_writes() - before, 0)
        self.assertEqual((third.created, third.updated), (0, 0))

    def test_edit_and_delete_at_source(self):
        ids = self.ids
        self.assertEqual(self.sync().state, "done")
        visual = self.task_of(ids["visual"])
        dana2 = self.entry_of(ids["visual"], ids["s_dana2"])
        fake = self.fake
        fake.edit_item(ids["visual"], name="Key visual v2", status="Stuck")
        fake.edit_time_session(ids["visual"], ids["s_dana"], ended_at="2026-03-11T05:30:00Z")
        fake.delete_time_session(ids["visual"], ids["s_dana2"])
        fake.edit_time_session(ids["visual"], ids["s_running"], ended_at="2026-03-12T16:30:00Z")
        fake.delete_item(ids["misc"])
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual((visual.name, visual.agency_pm_status), ("Key visual v2", "Stuck"))
        self.assertEqual(self.entry_of(ids["visual"], ids["s_dana"]).unit_amount, 2.5)
        self.assertFalse(dana2.exists(), "deleted at the source, not invoiced: removed")
        stopped = self.entry_of(ids["visual"], ids["s_running"])
        self.assertEqual((stopped.employee_id, stopped.unit_amount), (self.emp_cd, 0.5))
        misc = self.task_of(ids["misc"])
        self.assertFalse(misc.active, "an item deleted at the source archives its task")
        self.assertTrue(self.task_of(ids["concept"]).active)
        self.assertEqual(len(self.entries()), 3)

    def test_future_dated_board_does_not_hide_a_later_edit(self):
        """A board Monday dates a day ahead does not move its cursor past the server's
        now minus the lookback: an item edited later (the clock right again) is read."""
        ids = self.ids
        self.assertEqual(self.sync().state, "done")
        now = int(time.time())
        self.fake.clock = now + 86_400
        self.fake.edit_item(ids["misc"], name="Misc (skewed)")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(self.task_of(ids["misc"]).name, "Misc (skewed)")
        stored = self.monday._agency_sync_cursor(f"monday:board:{ids['board']}")
        self.assertLessEqual(monday_values.parse_datetime(stored["updated_at"]),
                             fields.Datetime.now() - timedelta(seconds=120))
        self.fake.clock = now
        self.fake.edit_item(ids["visual"], name="Key visual v2")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(self.task_of(ids["visual"]).name, "Key visual v2")

    def test_expired_cursor_mid_board(self):
        """Pages of two items; the cursor expires after the first page: the board is
        read again from its first page and ends as an uninterrupted read, nothing twice."""
        self.monday.sync_batch_size = 2
        self.fake.expire_cursors(at_next=1)
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertIn("cursor expired", run.log)
        self.assertEqual(self.fake.gql_count(operation="AgencyItemsFirst"), 2)
        self.assertEqual(self.env["project.task"].search_count(
            [("project_id", "=", self.project.id), ("name", "in", (
                "Concept approval", "Key visual", "Headlines", "Brief", "Misc"))]), 5)
        self.assertEqual(len(self.entries()), 3)
        # The next sync, with the board unchanged, reads nothing.
        reads = self.fake.gql_count(operation="AgencyItemsFirst")
        self.assertEqual(self.sync().state, "done")
        self.assertEqual(self.fake.gql_count(operation="AgencyItemsFirst"), reads)

    def test_status_reaches_milestone_invoiced_next_tick(self):
        self.assertEqual(self.sync().state, "done")
        self.assertFalse(self.concept.is_reached)
        self.fake.set_column(self.ids["concept"], "status", "Client approved")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertTrue(self.concept.is_reached)
        self.assertIn("Milestone", run.log)
        self.billing_tick()
        invoice = self.concept.agency_invoice_id
        self.assertTrue(invoice, "drafted by the next billing cron tick")
        self.assertEqual(invoice.amount_untaxed, 4000.0)
        # Moving the task back un-invoices nothing: a conflict for a person.
        self.fake.set_column(self.ids["concept"], "status", "Working on it")
        self.assertEqual(self.sync().state, "done")
        self.assertTrue(self.concept.is_reached)
        self.assertEqual(self.concept.agency_invoice_id, invoice)
        self.assertIn("milestone_status", self.open_conflicts(self.monday).mapped("field_name"))

    def test_group_as_service_and_status(self):
        """Service type from the group, milestone status from the group: an item moved to
        the "Client approved" group reaches its milestone."""
        self.monday.write({"service_source": "section", "milestone_source": "section"})
        self.fake.add_group(MONDAY_BOARD, "Client approved")
        self.assertEqual(self.sync().state, "done")
        concept = self.task_of(self.ids["concept"])
        self.assertEqual((concept.service_type_hint_id, concept.agency_pm_status),
                         (self.st_design, "Design"))
        self.assertEqual(self.task_of(self.ids["copy"]).service_type_hint_id, self.st_copy)
        self.fake.edit_item(self.ids["concept"], group="Client approved")
        self.assertEqual(self.sync().state, "done")
        self.assertEqual(concept.agency_pm_status, "Client approved")
        self.assertTrue(self.concept.is_reached)

    def test_tags_as_service_and_one_time_column(self):
        self.monday.write({"service_source": "tag", "service_field": False,
                           "time_column": "Billable time"})
        self.fake.add_column(MONDAY_BOARD, "time2", "Billable time", "time_tracking")
        self.fake.set_column(self.ids["visual"], "tags", ["Copywriting", "Design"])
        session = self.fake.add_time_session(self.ids["visual"], self.ids["casey"],
                                             "2026-03-13T09:00:00Z", "2026-03-13T09:30:00Z",
                                             column="time2")
        self.assertEqual(self.sync().state, "done")
        self.assertEqual(self.task_of(self.ids["visual"]).service_type_hint_id, self.st_copy)
        self.assertEqual(self.entries(), self.entry_of(self.ids["visual"], session),
                         "only the configured time tracking column")

    def test_deactivated_user_read_by_id(self):
        """The users list leaves deactivated people out; their time still finds them."""
        gone = self.fake.add_user("Alex (left)", "alex@agency.test", enabled=False)
        session = self.fake.add_time_session(self.ids["misc"], gone, "2026-03-09T09:00:00Z",
                                             "2026-03-09T11:00:00Z")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        entry = self.entry_of(self.ids["misc"], session)
        self.assertEqual((entry.employee_id, entry.unit_amount), (self.emp_ad, 2.0))
        self.assertEqual(self.fake.gql_count(operation="AgencyUsersById"), 1)
        # Read by id including deactivated users: never "? <no email>".
        self.assertFalse(self.open_logs(self.monday, "time").filtered(
            lambda log: "no email" in (log.error or "")))
        person = self.env["agency.pm.user"].search([("backend_id", "=", self.monday.id),
                                                    ("external_id", "=", gone)])
        self.assertEqual((person.email, person.employee_state), ("alex@agency.test", "mapped"))

    def test_user_mapped_after_quarantine_and_retried(self):
        ids = self.ids
        self.assertEqual(self.sync().state, "done")
        ref = f"{ids['copy']}:{ids['s_pat']}"
        log = self.open_logs(self.monday, "time").filtered(lambda entry: entry.external_id == ref)
        self.assertTrue(log)
        person = self.env["agency.pm.user"].search([("backend_id", "=", self.monday.id),
                                                    ("external_id", "=", ids["pat"])])
        self.assertEqual(person.email, "pat@freelance.example")
        person.employee_id = self.emp_ad  # mapping a person retries their time at once
        entry = self.entry_of(ids["copy"], ids["s_pat"])
        self.assertEqual((entry.employee_id, entry.unit_amount), (self.emp_ad, 1.0))
        self.assertEqual(log.state, "retried")
        # Fixed at the source, then retried by a person: the zero-length session.
        zero = self.open_logs(self.monday, "time")
        self.assertEqual(zero.external_id, f"{ids['brief']}:{ids['s_zero']}")
        self.assertIn("minutes", zero.error.lower())
        self.fake.edit_time_session(ids["brief"], ids["s_zero"], ended_at="2026-03-12T09:20:00Z")
        action = zero.action_agency_retry()
        run = self.env["agency.sync.run"].browse(action["res_id"])
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(zero.state, "retried")
        self.assertEqual(round(self.entry_of(ids["brief"], ids["s_zero"]).unit_amount, 4),
                         0.3333)

    def test_unreadable_item_quarantined_rest_imported(self):
        """An item Monday sends without its id (malformed data) is quarantined with its
        payload; the other items of the page are imported."""
        bad = {"name": "Broken", "group": {"id": "topics", "title": "Design"},
               "column_values": []}
        good = {"id": "990001", "name": "Fine", "state": "active",
                "updated_at": "2026-03-02T08:00:00Z", "group": {"id": "topics",
                                                                "title": "Design"},
                "column_values": []}
        body = ('{"data": {"boards": [{"id": "%s", "state": "active", "updated_at": '
                '"2026-03-02T08:00:00Z", "items_page": {"cursor": null, "items": [%s, %s]}}]}}'
                % (MONDAY_BOARD, json.dumps(bad), json.dumps(good)))
        # The run's requests: boards, then the board's first page.
        self.fake.fail(raw=body.encode(), skip=1, times=1)
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(self.task_of("990001").name, "Fine")
        log = self.open_logs(self.monday, "task")
        self.assertEqual(len(log), 1)
        self.assertIn("Broken", log.payload)
