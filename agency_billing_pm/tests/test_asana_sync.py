"""Asana → Odoo through the real ``asana`` SDK against a fake Asana: first sync, unchanged
re-sync, edits and deletions at the source, expired sync tokens, the milestone reached
and invoiced, users mapped after quarantine, time policies, a killed run re-run."""

from odoo.tests import tagged

from .common import TOKEN
from .test_asana_common import AsanaCase, days_ago


@tagged("post_install", "-at_install")
class TestAsanaSync(AsanaCase):
    """Tasks, status and tracked time of the linked Asana project become project tasks,
    milestones reached and time entries."""

    def test_first_sync(self):
        ids = self.workspace()
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        # The mapping list holds both projects; only the linked one synced.
        links = self.env["agency.pm.project.link"].search([("backend_id", "=", self.backend.id)])
        other = links.filtered(lambda link: link.external_id == ids["other"])
        self.assertEqual((other.name, other.client_name, other.project_id.id),
                         ("Internal ops", "Agency itself", False))
        self.assertEqual(self.asana_link.client_name, "Acme Test Foods")
        self.assertIsNone(self.task_of(ids["internal"]))
        self.assertIsNone(self.entry_of(ids["e_internal"]))
        # Tasks: name, due date, status (section), service hint, the milestone by name.
        visual = self.task_of(ids["visual"])
        self.assertEqual((visual.name, visual.project_id, visual.agency_pm_status),
                         ("Key visual", self.project, "To do"))
        self.assertEqual(str(visual.date_deadline)[:10], "2026-12-20")
        self.assertEqual(visual.service_type_hint_id, self.st_design)
        self.assertEqual(visual.agency_pm_url, f"https://app.asana.com/0/0/{ids['visual']}")
        concept = self.task_of(ids["concept"])
        self.assertEqual((concept.agency_pm_status, concept.milestone_id),
                         ("In progress", self.concept))
        self.assertFalse(self.concept.is_reached)
        # Time: hours, date, employee (by email, any case), task; the unmapped user waits.
        line = self.entry_of(ids["e_visual"])
        self.assertEqual((line.unit_amount, str(line.date), line.employee_id, line.task_id,
                          line.name), (1.5, days_ago(2), self.emp_designer, visual, "Layouts"))
        line = self.entry_of(ids["e_concept"])
        self.assertEqual((line.unit_amount, line.employee_id, line.task_id),
                         (2.0, self.emp_cd, concept))
        self.assertIsNone(self.entry_of(ids["e_nobody"]))
        logs = self.open_logs(self.backend, "time")
        self.assertEqual(logs.mapped("external_id"), [ids["e_nobody"]])
        self.assertIn("nobody@agency.test", logs.error)
        self.assertEqual(run.requests, self.fake.count())
        self.assertIn("Asana project Acme spring campaign", run.log)

    def test_second_sync_writes_nothing(self):
        self.workspace()
        self.sync()
        writes = self.table_writes()
        self.fake.reset_log()
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(self.table_writes(), writes, "an unchanged re-sync writes nothing")
        self.assertEqual((run.created, run.updated, run.archived), (0, 0, 0))
        # Projects, the linked project's events (none: no task read), the time window.
        self.assertEqual(self.fake.count(path="/events"), 1)
        self.assertEqual(self.fake.count(path="/tasks"), 0)
        self.assertEqual(self.fake.count(), 3)

    def test_edit_and_delete_at_source(self):
        ids = self.workspace()
        self.sync()
        fake = self.fake
        fake.edit_task(ids["visual"], name="Key visual v2")
        fake.set_custom_field(ids["copy"], "Service type", "Design")
        fake.edit_time_entry(ids["e_visual"], duration_minutes=150, description="Layouts v2")
        fake.delete_time_entry(ids["e_concept"])
        headlines = self.task_of(ids["copy"])
        fake.delete_task(ids["copy"])
        line_visual = self.entry_of(ids["e_visual"])
        line_concept = self.entry_of(ids["e_concept"])
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertEqual(self.task_of(ids["visual"]).name, "Key visual v2")
        self.assertEqual((line_visual.unit_amount, line_visual.name), (2.5, "Layouts v2"))
        self.assertFalse(line_concept.exists(), "deleted at the source, not invoiced: removed")
        self.assertFalse(headlines.active, "the deleted task is archived")
        # The edits read only what changed: the changed tasks, not the whole project.
        self.assertEqual(fake.count(path="/tasks/"), 0)

    def test_expired_sync_token(self):
        """A token too old answers 412: a fresh one is kept, the tasks modified since the
        last read are read again and the deleted ones found; then events continue."""
        ids = self.workspace()
        self.sync()
        token = self.backend._agency_sync_cursor(f"asana:sync:{ids['project']}")
        self.fake.expire_sync_tokens()
        self.fake.edit_task(ids["visual"], name="Key visual v3")
        headlines = self.task_of(ids["copy"])
        self.fake.delete_task(ids["copy"])
        self.fake.reset_log()
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertIn("sync token expired", run.log)
        self.assertEqual(self.task_of(ids["visual"]).name, "Key visual v3")
        self.assertFalse(headlines.active)
        fresh = self.backend._agency_sync_cursor(f"asana:sync:{ids['project']}")
        self.assertNotEqual(fresh, token)
        # A bounded read: only the task modified since the last read came back in full.
        full_reads = [r for r in self.fake.requests
                      if r.path.endswith("/tasks") and r.param("modified_since")]
        self.assertEqual(len(full_reads), 1)
        # The fresh token works: the next sync reads events again, nothing else.
        writes = self.table_writes()
        self.fake.reset_log()
        self.sync()
        self.assertEqual(self.table_writes(), writes)
        self.assertEqual(self.fake.count(path="/tasks"), 0)

    def test_many_events_has_more(self):
        """More than 100 events: ``has_more`` is followed; the changes are read once."""
        ids = self.workspace()
        self.sync()
        for number in range(120):
            self.fake.edit_task(ids["visual"], name=f"Key visual {number}")
        self.fake.reset_log()
        self.sync()
        self.assertEqual(self.fake.count(path="/events"), 2)
        self.assertEqual(self.task_of(ids["visual"]).name, "Key visual 119")

    def test_status_reaches_milestone_and_invoice(self):
        ids = self.workspace()
        self.sync()
        self.fake.move_task_to_section(ids["concept"], "Client approved")
        run = self.sync()
        self.assertTrue(self.concept.is_reached)
        self.assertIn("Concept approval", run.log)
        self.billing_tick()
        invoice = self.concept.agency_invoice_id
        self.assertTrue(invoice)
        self.assertEqual(invoice.amount_untaxed, 4000.0)
        # Moved back: nothing un-invoiced, a conflict for a person.
        self.fake.move_task_to_section(ids["concept"], "In progress")
        self.sync()
        self.assertTrue(self.concept.is_reached)
        self.assertEqual(self.concept.agency_invoice_id, invoice)
        self.assertTrue(self.open_conflicts(self.backend))

    def test_status_from_custom_field(self):
        """The milestone status can come from an enum custom field instead."""
        self.backend.write({"milestone_source": "custom_field", "milestone_field": "Approval"})
        self.fake.add_custom_field("Approval", ["Pending", "Client approved"])
        ids = self.workspace()
        self.sync()
        self.fake.set_custom_field(ids["concept"], "Approval", "Client approved")
        self.sync()
        self.assertEqual(self.task_of(ids["concept"]).agency_pm_status, "Client approved")
        self.assertTrue(self.concept.is_reached)

    def test_user_mapped_after_quarantine(self):
        """The time of a user who is no employee waits in the quarantine; mapping the user
        (People tab) re-reads it through the API and imports it at once."""
        ids = self.workspace()
        self.sync()
        log = self.open_logs(self.backend, "time")
        self.assertEqual(log.external_id, ids["e_nobody"])
        person = self.env["agency.pm.user"].search([("backend_id", "=", self.backend.id),
                                                    ("external_id", "=", ids["nobody"])])
        self.assertEqual((person.email, person.employee_id.id), ("nobody@agency.test", False))
        self.fake.reset_log()
        person.employee_id = self.emp_ad
        self.assertEqual(self.fake.count(path=f"/time_tracking_entries/{ids['e_nobody']}$"), 1)
        line = self.entry_of(ids["e_nobody"])
        self.assertEqual((line.employee_id, line.unit_amount), (self.emp_ad, 0.5))
        self.assertEqual(log.state, "retried")
        self.assertFalse(self.open_logs(self.backend))
        writes = self.table_writes()
        self.sync()
        self.assertEqual(self.table_writes(), writes, "the next sync finds it imported")

    def test_time_policies(self):
        """Not billable → non-billable time; submitted → waits until approved;
        rejected → not imported (removed once rejected)."""
        ids = self.workspace()
        fake = self.fake
        free = fake.add_time_entry(ids["visual"], ids["dana"], 60, days_ago(3),
                                   billable_status="nonBillable", approval_status="APPROVED")
        waiting = fake.add_time_entry(ids["visual"], ids["dana"], 30, days_ago(3),
                                      billable_status="billable", approval_status="SUBMITTED")
        rejected = fake.add_time_entry(ids["visual"], ids["dana"], 30, days_ago(3),
                                       billable_status="billable", approval_status="REJECTED")
        self.sync()
        self.assertTrue(self.entry_of(free).source_non_billable)
        self.assertFalse(self.entry_of(ids["e_visual"]).source_non_billable)
        self.assertIsNone(self.entry_of(waiting))
        self.assertIsNone(self.entry_of(rejected))
        fake.edit_time_entry(waiting, approval_status="approved")
        fake.edit_time_entry(ids["e_visual"], approval_status="REJECTED")
        line = self.entry_of(ids["e_visual"])
        self.sync()
        self.assertEqual(self.entry_of(waiting).unit_amount, 0.5)
        self.assertFalse(line.exists(), "rejected after import, not invoiced: removed")

    def test_entry_moved_out_of_window_is_kept(self):
        """An entry no longer listed in the window is looked up before it is removed."""
        ids = self.workspace()
        self.sync()
        line = self.entry_of(ids["e_visual"])
        self.fake.edit_time_entry(ids["e_visual"], entered_on=days_ago(90))
        self.sync()
        self.assertTrue(line.exists())
        self.assertEqual(str(line.date), days_ago(90))

    def test_time_on_subtasks(self):
        """Asana lists a project's top-level tasks only: time tracked on a subtask (of a
        subtask) goes to the nearest synced task, looked up once."""
        ids = self.workspace()
        step = self.fake.add_subtask(ids["visual"], "Sketches")
        detail = self.fake.add_subtask(step, "Thumbnails")
        entry = self.fake.add_time_entry(detail, ids["dana"], 45, days_ago(1),
                                         billable_status="billable", approval_status="APPROVED")
        self.sync()
        line = self.entry_of(entry)
        self.assertEqual((line.task_id, line.unit_amount), (self.task_of(ids["visual"]), 0.75))
        self.assertIsNone(self.task_of(step), "subtasks are not synced as tasks")
        self.fake.reset_log()
        writes = self.table_writes()
        self.sync()
        self.assertEqual(self.fake.count(path="/tasks/"), 0, "the parent is remembered")
        self.assertEqual(self.table_writes(), writes)

    def test_killed_mid_run_and_rerun(self):
        """The second page of tasks fails past every retry: the run stops; the next one
        resumes the read and ends in the state of an uninterrupted sync."""
        ids = self.workspace()
        self.backend.sync_batch_size = 100  # a batch per Asana page
        for number in range(150):
            self.fake.add_task(ids["project"], f"Banner {number:03d}",
                               fields={"Service type": "Design"})
        self.fake.fail(path=r"/tasks$", status=503, skip=1, times=self.backend.sync_max_attempts)
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("503", run.error)
        self.assertEqual(len(self.state()[0]), 100, "the first page was imported")
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        resumed = [r for r in self.fake.requests if r.path.endswith("/tasks")][-1]
        self.assertTrue(resumed.param("offset"), "the read resumed at its second page")
        tasks, entries = self.state()
        self.assertEqual(len(tasks), 153)
        self.assertEqual(set(entries), {ids["e_visual"], ids["e_concept"]})
        writes = self.table_writes()
        self.sync()
        self.assertEqual(self.table_writes(), writes)

    def test_paused_cron_run_continues(self):
        """A cron call pauses after its batch budget; the next call resumes the project's
        read where it stopped, until the sync is done."""
        ids = self.workspace()
        self.backend.sync_batch_size = 100  # a batch per Asana page
        for number in range(250):
            self.fake.add_task(ids["project"], f"Banner {number:03d}")
        states = []
        for _call in range(5):
            run = self.backend._agency_sync_run("cron", max_batches=2)
            states.append(run.state)
            if run.state == "done":
                break
        self.assertEqual(states, ["partial", "partial", "done"])
        task_reads = [r for r in self.fake.requests if r.path.endswith("/tasks")]
        self.assertEqual([bool(r.param("offset")) for r in task_reads], [False, True, True],
                         "three pages read once each: the second call resumed at the third")
        tasks, entries = self.state()
        self.assertEqual(len(tasks), 253)
        self.assertEqual(set(entries), {ids["e_visual"], ids["e_concept"]})

    def test_linked_project_deleted_at_source(self):
        """A linked project Asana no longer has (404) is skipped, the others sync."""
        ids = self.workspace()
        other = self.env["project.project"].create({"name": "Ops", "allow_timesheets": True})
        self.sync()
        self.env["agency.pm.project.link"].search([("external_id", "=", ids["other"])]).write(
            {"project_id": other.id})
        self.fake.delete_project(ids["project"])
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        self.assertIn("is gone or not shared", run.log)
        self.assertEqual(self.task_of(ids["internal"]).project_id, other)
        self.assertTrue(self.task_of(ids["visual"]).active, "left as it is")

    def test_faults_are_retried(self):
        """429 (Retry-After: 0), 5xx, a timeout, a dropped connection and a truncated
        answer are retried; the sync ends as without them."""
        ids = self.workspace()
        self.backend.sync_timeout = 0.5
        fake = self.fake
        fake.rate_limit(times=3, path="/events")
        fake.fail(path=r"/tasks$", status=502)
        fake.fail(path=r"/tasks$", delay=0.8)
        fake.fail(path="/projects", drop=True)
        fake.fail(path="/time_tracking_entries", raw=b'{"data": [{"gid": "1", "durat')
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        tasks, entries = self.state()
        self.assertEqual(len(tasks), 3)
        self.assertEqual(set(entries), {ids["e_visual"], ids["e_concept"]})
        self.assertEqual(run.requests, fake.count())

    def test_truncated_answers_never_archive(self):
        """A time window answer cut every time stops the run: nothing is removed."""
        ids = self.workspace()
        self.sync()
        self.fake.fail(path="/time_tracking_entries", raw=b'{"data": [', times=10)
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("unreadable JSON", run.error)
        self.assertTrue(self.entry_of(ids["e_visual"]).exists())

    def test_bad_input_quarantined(self):
        ids = self.workspace()
        zero = self.fake.add_time_entry(ids["visual"], ids["dana"], 0, days_ago(1))
        orphan = self.fake.add_time_entry(ids["visual"], None, 30, days_ago(1))
        run = self.sync()
        self.assertEqual(run.state, "done", run.error)
        logs = self.open_logs(self.backend, "time")
        self.assertEqual(set(logs.mapped("external_id")), {zero, orphan, ids["e_nobody"]})
        self.assertTrue(all(log.payload for log in logs))
        self.assertTrue(self.entry_of(ids["e_visual"]))

    def test_token_never_stored(self):
        """Neither a refused token nor the right one reaches runs, logs or quarantine."""
        self.workspace()
        self.sync()
        self.fake.token = "another-token-entirely"
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("401", run.error)
        texts = []
        for record in self.env["agency.sync.run"].search([("backend_id", "=", self.backend.id)]):
            texts += [record.log or "", record.error or ""]
        for log in self.env["agency.sync.log"].search([("backend_id", "=", self.backend.id)]):
            texts += [log.error or "", log.payload or ""]
        self.assertTrue(texts)
        self.assertFalse([text for text in texts if TOKEN in text])

    def test_daily_call_budget(self):
        self.workspace()
        self.backend.daily_call_budget = 2
        run = self.sync()
        self.assertEqual(run.state, "failed")
        self.assertIn("daily budget", run.error)
        self.assertEqual(self.fake.count(), 2)
