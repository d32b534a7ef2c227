"""What real Asana workspaces hold (issue 20): tasks in two projects, people who left,
entries no one works, time from before the account's "sync from" date, a clock that runs
ahead."""

from datetime import UTC, date, datetime, timedelta

from odoo import fields
from odoo.tests import tagged

from ..lib.asana import values as asana_values
from .test_asana_common import AsanaCase, days_ago


@tagged("post_install", "-at_install")
class TestAsanaRealPortals(AsanaCase):
    """Each case against the fake Asana over real HTTP."""

    def test_multi_homed_task_has_one_status(self):
        """A task in two linked projects takes its home project's section (and Odoo
        project), whichever project is read; a full re-read of unchanged data writes
        nothing."""
        ids = self.workspace()
        second = self.fake.add_project("Acme retainer", client="Acme Test Foods",
                                       sections=("Backlog", "Doing"))
        other_project = self.env["project.project"].create({
            "name": "Acme retainer", "partner_id": self.client.id})
        self.env["agency.pm.project.link"].create({
            "backend_id": self.backend.id, "external_id": second, "name": "Acme retainer",
            "project_id": other_project.id})
        self.fake.add_task_to_project(ids["concept"], second, section="Doing")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        task = self.task_of(ids["concept"])
        self.assertEqual((task.agency_pm_status, task.project_id),
                         ("In progress", self.project))
        for _round in range(2):
            self.backend._agency_sync_reset_cursors()
            writes = self.table_writes()
            again = self.sync()
            self.assertEqual(again.state, "done", again.error)
            self.assertEqual(self.table_writes(), writes, again.log)
            self.assertEqual(again.updated, 0)
        self.assertEqual(task.agency_pm_status, "In progress")

    def test_departed_person_history_and_later_time(self):
        """A person who left: time up to the departure date imported for them, later time
        quarantined "left on <date>"; the people list shows a former employee."""
        ids = self.workspace()
        leaver = self.env["hr.employee"].create({"name": "Lee Leaver",
                                                 "work_email": "lee@agency.test"})
        departure = date.today() - timedelta(days=3)
        leaver.write({"active": False, "departure_date": departure})
        lee = self.fake.add_user("Lee Leaver", "lee@agency.test")
        before = self.fake.add_time_entry(ids["visual"], lee, 60, days_ago(5),
                                          billable_status="billable",
                                          approval_status="APPROVED")
        after = self.fake.add_time_entry(ids["visual"], lee, 30, days_ago(1),
                                         billable_status="billable",
                                         approval_status="APPROVED")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        entry = self.entry_of(before)
        self.assertEqual((entry.employee_id, entry.unit_amount), (leaver, 1.0))
        self.assertIsNone(self.entry_of(after))
        log = self.open_logs(self.backend, "time").filtered(
            lambda entry_log: entry_log.external_id == after)
        self.assertIn(f"left on {departure.isoformat()}", log.error)
        person = self.backend.user_ids.filtered(lambda u: u.external_id == lee)
        self.assertEqual((person.employee_id, person.employee_state), (leaver, "former"))
        casey = self.backend.user_ids.filtered(lambda u: u.external_id == ids["casey"])
        self.assertEqual(casey.employee_state, "mapped")

    def test_long_entry_held_and_sync_from(self):
        ids = self.workspace()
        long_entry = self.fake.add_time_entry(ids["visual"], ids["dana"], 15 * 60, days_ago(1),
                                              billable_status="billable",
                                              approval_status="APPROVED")
        self.backend.sync_from = date.today() - timedelta(days=2)
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        entry = self.entry_of(long_entry)
        self.assertEqual(entry.unit_amount, 15.0)
        self.assertTrue(entry.billing_hold)
        self.assertIn("15 h in one entry", entry.billing_hold_reason)
        self.assertFalse(self.entry_of(ids["e_visual"]).billing_hold)
        # e_visual is dated two days ago (kept); none dated earlier exists in the
        # workspace: one three days back is left out.
        self.fake.add_time_entry(ids["visual"], ids["dana"], 45, days_ago(3),
                                 billable_status="billable", approval_status="APPROVED")
        self.backend._agency_sync_reset_cursors()
        before = len(self.synced_lines())
        again = self.sync()
        self.assertEqual(again.state, "done", again.error)
        self.assertEqual(len(self.synced_lines()), before)
        self.assertFalse(self.open_logs(self.backend, "time").filtered(
            lambda log: "45" in (log.payload or "")))

    def test_future_dated_task_does_not_hide_a_later_edit(self):
        """A task Asana dates a day ahead does not move the project's modified-since
        cursor past the server's now minus the lookback: a later edit is read."""
        ids = self.workspace()
        self.assertEqual(self.sync().state, "done")
        now = datetime.now(UTC).replace(microsecond=0)
        self.fake.clock = now + timedelta(days=1)
        self.fake.edit_task(ids["concept"], name="Concept approval (skewed)")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(self.task_of(ids["concept"]).name, "Concept approval (skewed)")
        cursors = {key: value for key, value in self.backend.sync_cursors.items()
                   if key.startswith("asana:tasks:")}
        self.assertTrue(cursors)
        for value in cursors.values():
            self.assertLessEqual(asana_values.parse_time(value),
                                 fields.Datetime.now() - timedelta(seconds=120))
        # Edited after that sync, the clock right again: before the skewed time.
        self.fake.clock = now
        self.fake.edit_task(ids["visual"], name="Key visual v2")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(self.task_of(ids["visual"]).name, "Key visual v2")
