"""What both providers share, fed with provider-neutral records: the mapping list, tasks,
tracked time and its policies, milestones, people, the daily call budget and the
handshake window. The providers' own reading is tested against their fakes."""

from datetime import date, datetime, timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from odoo.addons.agency_billing_sync.lib.errors import SyncError
from odoo.addons.agency_billing_sync.lib.webhook import WebhookRefused

from ..components.importer import TaskImporter, TimeImporter
from .common import ASANA_PROJECT, TODAY, PmCase

CASEY = {"id": "u-casey", "name": "Casey", "email": "Casey@Agency.test"}
DANA = {"id": "u-dana", "name": "Dana", "email": "dana@agency.test"}
PAT = {"id": "u-pat", "name": "Pat Freelance", "email": "pat@freelance.example"}


def task(tid, name="Key visual", **extra):
    return {"id": tid, "project": ASANA_PROJECT, "name": name, "assignee": CASEY,
            "due_on": "2026-03-31", "completed": False, "service": "Design",
            "status": "In progress", "updated_at": datetime(2026, 3, 9, 10, 0),
            "url": f"https://app.asana.com/0/{ASANA_PROJECT}/{tid}", "raw": {}, **extra}


def entry(eid, minutes=90, task_id="t1", **extra):
    return {"id": eid, "task": task_id, "project": ASANA_PROJECT, "user": CASEY,
            "minutes": minutes, "date": "2026-03-10", "started_at": None,
            "description": "Layouts", "billable": True, "approval": "approved",
            "updated_at": None, "url": None, "raw": {}, **extra}


@tagged("post_install", "-at_install")
class TestPmImporters(PmCase):

    def run_import(self, tasks=(), entries=(), backend=None, deleted_times=()):
        """One manual run of the account importing these records; returns the run."""
        backend = backend or self.asana

        def job(run):
            if tasks:
                TaskImporter(backend, run).import_records(list(tasks))
            if entries:
                TimeImporter(backend, run).import_records(list(entries))
            if deleted_times:
                TimeImporter(backend, run).archive(list(deleted_times))

        return backend._agency_sync_run("manual", job=job)

    # -- projects -------------------------------------------------------------

    def test_mapping_list_suggests_links_and_creates(self):
        Link = self.env["agency.pm.project.link"]
        other = self.env["res.partner"].create({"name": "Globex Test", "is_company": True})
        _order, globex_project = self._make_contract(other)
        globex_project.name = "Globex retainer"
        rows = Link._agency_upsert(self.asana, [
            {"id": ASANA_PROJECT, "name": "Acme spring campaign"},
            {"id": "p2", "name": "Retainer work", "client": "globex test"},
            {"id": "p3", "name": self.project.name},  # its name is taken by a linked row
            {"id": "p4", "name": "Brand new thing", "client": "Nobody Inc"},
        ])
        self.assertEqual(rows[ASANA_PROJECT], self.asana_link)
        self.assertEqual(rows["p2"].suggested_project_id, globex_project)
        self.assertEqual(rows["p2"].suggestion_reason, "The only project of Globex Test")
        self.assertEqual(rows["p2"].state, "suggested")
        self.assertFalse(rows["p3"].suggested_project_id, "a linked project is not offered")
        self.assertEqual(rows["p4"].state, "new")
        rows["p2"].action_agency_accept_suggestion()
        self.assertEqual((rows["p2"].project_id, rows["p2"].state), (globex_project, "linked"))
        rows["p4"].action_agency_create_project()
        self.assertEqual(rows["p4"].project_id.name, "Brand new thing")
        self.assertTrue(rows["p4"].project_id.allow_timesheets)
        rows["p3"].action_agency_ignore()
        self.assertEqual(rows["p3"].state, "ignored")
        linked = self.asana._agency_pm_links()
        self.assertEqual(set(linked.mapped("external_id")), {ASANA_PROJECT, "p2", "p4"})
        # Seen again unchanged: nothing written.
        before = self.table_writes(("agency_pm_project_link",))
        Link._agency_upsert(self.asana, [
            {"id": ASANA_PROJECT, "name": "Acme spring campaign"},
            {"id": "p2", "name": "Retainer work", "client": "globex test"},
            {"id": "p3", "name": self.project.name},
            {"id": "p4", "name": "Brand new thing", "client": "Nobody Inc"},
        ])
        self.assertEqual(self.table_writes(("agency_pm_project_link",)), before)

    def test_only_billing_managers_link_projects(self):
        user = new_test_user(self.env, login="pm_ad",
                             groups="agency_billing.group_agency_billing_user")
        with self.assertRaises(AccessError):
            self.asana_link.with_user(user).write({"project_id": False})
        with self.assertRaises(AccessError):
            self.asana.with_user(user).action_agency_sync()

    # -- tasks ------------------------------------------------------------------

    def test_tasks_become_project_tasks_with_hint(self):
        self.env["agency.pm.value.mapping"].create({
            "backend_id": self.asana.id, "value": "Words", "service_type_id": self.st_copy.id})
        run = self.run_import(tasks=[
            task("t1"), task("t2", name="Headlines", service="words", assignee=None,
                             completed=True),
            task("t3", name="Chain thing", service="Blockchain"),
            task("t4", project=None), task("t5", project="not-linked"),
        ])
        t1, t2, t3 = (self.bound(self.asana, "task", tid) for tid in ("t1", "t2", "t3"))
        self.assertEqual(t1.project_id, self.project)
        self.assertEqual(t1.service_type_hint_id, self.st_design, "by the type's name")
        self.assertFalse(t1.service_type_id, "a hint, not the task's own type")
        self.assertEqual(t1.date_deadline, datetime(2026, 3, 31, 12, 0))
        self.assertEqual(t1.agency_pm_url, f"https://app.asana.com/0/{ASANA_PROJECT}/t1")
        self.assertEqual(t2.service_type_hint_id, self.st_copy, "by the value mapping")
        self.assertEqual(t2.state, "1_done")
        self.assertFalse(t3.service_type_hint_id)
        self.assertIsNone(self.bound(self.asana, "task", "t5"), "unlinked projects do not sync")
        logs = self.open_logs(self.asana, "task")
        self.assertEqual(sorted(logs.mapped("external_id")), ["t3", "t4"])
        self.assertIn("Unknown service type 'Blockchain'", logs.filtered(
            lambda log: log.external_id == "t3").error)
        self.assertIn("belongs to no project", logs.filtered(
            lambda log: log.external_id == "t4").error)
        self.assertEqual((run.created, run.quarantined), (3, 2))
        # The same tasks again: nothing written.
        before = self.table_writes()
        run = self.run_import(tasks=[task("t1"), task("t2", name="Headlines", service="words",
                                                      assignee=None, completed=True)])
        self.assertEqual((run.created, run.updated, run.unchanged), (0, 0, 2))
        self.assertEqual(self.table_writes() - before, 0)

    # -- time -------------------------------------------------------------------

    def test_time_is_rated_and_budgeted_like_a_timesheet(self):
        self.run_import(tasks=[task("t1")], entries=[
            entry("e1", minutes=90), entry("e2", minutes=20, user=DANA, date=None,
                                            started_at=datetime(2026, 3, 11, 2, 30))])
        e1, e2 = self.bound(self.asana, "time", "e1"), self.bound(self.asana, "time", "e2")
        self.assertEqual((e1.source, e1.external_ref), ("asana", "asana:e1"))
        self.assertEqual(e1.unit_amount, 1.5)
        self.assertEqual(e1.employee_id, self.emp_cd, "by work email, any case")
        self.assertEqual(e1.task_id, self.bound(self.asana, "task", "t1"))
        self.assertEqual(e1.service_type_id, self.st_design, "the task's hint classifies")
        self.assertEqual(e1.classification_method, "hint")
        self.assertEqual(e1.agency_rate, 150.0, "the Creative Director's card rate")
        self.assertEqual(e1.so_line.order_id, self.order)
        self.assertEqual((e1.so_line.product_id, e1.so_line.price_unit),
                         (self.st_design.product_id, 150.0), "design billed at 150 on the order")
        self.assertTrue(e1.is_billable)
        self.assertEqual(e2.date, date(2026, 3, 10), "02:30 UTC is the 10th in Los Angeles")
        self.assertEqual(e2.unit_amount, round(20 / 60, 6))
        self.assertEqual(e2.agency_rate, 120.0)
        self.assertEqual(e1.agency_pm_url, f"https://app.asana.com/0/{ASANA_PROJECT}/t1")
        # Edited at the source before invoicing: the entry follows.
        self.run_import(entries=[entry("e1", minutes=120, description="Layouts v2")])
        self.assertEqual((e1.unit_amount, e1.name), (2.0, "Layouts v2"))

    def test_bad_time_is_quarantined_and_the_rest_imported(self):
        run = self.run_import(tasks=[task("t1")], entries=[
            entry("ok"), entry("zero", minutes=0), entry("neg", minutes=-15),
            entry("nouser", user=None), entry("notask", task_id="t-unknown"),
            entry("nodate", date=None), entry("pat", user=PAT)])
        self.assertTrue(self.bound(self.asana, "time", "ok"))
        errors = {log.external_id: log.error for log in self.open_logs(self.asana, "time")}
        self.assertEqual(set(errors), {"zero", "neg", "nouser", "notask", "nodate", "pat"})
        self.assertIn("no duration (0 minutes)", errors["zero"])
        self.assertIn("negative duration (-15 minutes)", errors["neg"])
        self.assertIn("has no user", errors["nouser"])
        self.assertIn("Task t-unknown is not synced", errors["notask"])
        self.assertIn("User not mapped: Pat Freelance <pat@freelance.example>", errors["pat"])
        self.assertEqual(run.quarantined, 6)
        pat = self.env["agency.pm.user"].search([("backend_id", "=", self.asana.id),
                                                ("external_id", "=", "u-pat")])
        self.assertFalse(pat.employee_id)
        self.assertEqual(self.env["agency.pm.user"].search([
            ("backend_id", "=", self.asana.id), ("external_id", "=", "u-casey")]).mapped_by,
            "email")
        # Mapped by a person (the retry re-reads it from the source: here, imported again
        # from the same record), the entry imports and its quarantine entry closes.
        pat.with_context(agency_pm_auto_map=True).employee_id = self.emp_ad
        self.run_import(entries=[entry("pat", user=PAT)])
        self.assertEqual(self.bound(self.asana, "time", "pat").employee_id, self.emp_ad)
        self.assertNotIn("pat", self.open_logs(self.asana, "time").mapped("external_id"))

    def test_policies_not_billable_unapproved_rejected(self):
        self.run_import(tasks=[task("t1")], entries=[
            entry("nb", billable=False), entry("draft", approval="pending"),
            entry("rej", approval="rejected"), entry("na", billable=None, approval=None)])
        nb = self.bound(self.asana, "time", "nb")
        self.assertTrue(nb.source_non_billable)
        self.assertFalse(nb.is_billable, "imported as non-billable")
        self.assertIsNone(self.bound(self.asana, "time", "draft"), "waits until approved")
        self.assertIsNone(self.bound(self.asana, "time", "rej"))
        self.assertTrue(self.bound(self.asana, "time", "na").is_billable)
        # Approved later: imported; then rejected: removed (not invoiced).
        self.run_import(entries=[entry("draft")])
        draft = self.bound(self.asana, "time", "draft")
        self.assertTrue(draft.is_billable)
        self.run_import(entries=[entry("draft", approval="rejected")])
        self.assertFalse(draft.exists())
        # Other policies: not billable → not imported; unapproved → imported now;
        # rejected → non-billable.
        self.asana.write({"not_billable_policy": "skip", "unapproved_policy": "import",
                          "rejected_policy": "non_billable"})
        self.run_import(entries=[entry("nb2", billable=False), entry("draft2", approval="pending"),
                                 entry("rej2", approval="rejected")])
        self.assertIsNone(self.bound(self.asana, "time", "nb2"))
        self.assertTrue(self.bound(self.asana, "time", "draft2").is_billable)
        self.assertFalse(self.bound(self.asana, "time", "rej2").is_billable)
        # A person cannot make the time billable by hand without billing rights.
        with self.assertRaises(AccessError):
            nb.with_user(self.user_ad).write({"source_non_billable": False})
        self.assertTrue(nb.source_non_billable)

    def test_invoiced_time_never_changes(self):
        self.run_import(tasks=[task("t1")], entries=[entry("e1", minutes=60),
                                                     entry("e2", minutes=30)])
        e1, e2 = self.bound(self.asana, "time", "e1"), self.bound(self.asana, "time", "e2")
        run = self._run_due(date(2026, 3, 1) + timedelta(days=31))
        invoice = run.invoice_ids
        self.assertEqual(invoice.amount_untaxed, 225.0, "1.5 h of design at 150.00")
        self.assertFalse(e1._is_not_billed())
        run = self.run_import(entries=[entry("e1", minutes=75)], deleted_times=["e2"])
        self.assertEqual(e1.unit_amount, 1.0, "invoiced: unchanged")
        self.assertTrue(e2.exists(), "invoiced: kept")
        conflicts = self.open_conflicts(self.asana)
        self.assertEqual(sorted(conflicts.mapped("field_name")), ["unit_amount", "unlink"])
        with self.assertRaises(UserError):
            conflicts.filtered(lambda c: c.field_name == "unlink").action_agency_take_source()
        # Not invoiced time deleted at the source is removed.
        self.run_import(entries=[entry("e3", minutes=45)])
        e3 = self.bound(self.asana, "time", "e3")
        self.run_import(deleted_times=["e3"])
        self.assertFalse(e3.exists())
        self.assertEqual(invoice.amount_untaxed, 225.0)

    # -- milestones ----------------------------------------------------------------

    def test_status_reaches_milestone_and_next_tick_drafts_invoice(self):
        self.run_import(tasks=[task("t9", name="Concept approval", status="In review")])
        approval = self.bound(self.asana, "task", "t9")
        self.assertEqual(approval.milestone_id, self.concept, "linked by the milestone's name")
        self.assertFalse(self.concept.is_reached)
        triggers = self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.billing_cron.id)])
        run = self.run_import(tasks=[task("t9", name="Concept approval",
                                          status="client APPROVED")])
        self.assertTrue(self.concept.is_reached)
        self.assertIn("Milestone Concept approval reached", run.log)
        self.assertEqual(self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.billing_cron.id)]), triggers + 1)
        self.billing_tick(TODAY)
        invoice = self.concept.agency_invoice_id
        self.assertEqual(invoice.amount_untaxed, 4000.0)
        self.assertEqual(invoice.billing_trigger, "milestone")
        # Moved back at the source: nothing un-invoiced, a conflict for a person.
        self.run_import(tasks=[task("t9", name="Concept approval", status="In review")])
        self.assertTrue(self.concept.is_reached)
        self.assertEqual(self.concept.agency_invoice_id, invoice)
        conflict = self.open_conflicts(self.asana)
        self.assertEqual(conflict.field_name, "milestone_status")
        with self.assertRaises(UserError):
            conflict.action_agency_take_source()
        conflict.action_agency_keep_odoo()
        self.assertEqual(conflict.state, "kept_odoo")

    # -- the account ------------------------------------------------------------------

    def test_daily_call_budget(self):
        self.monday.daily_call_budget = 3
        self.monday._agency_pm_spend_calls(2)
        self.monday._agency_pm_spend_calls()
        self.assertEqual(self.monday.daily_calls_used, 3)
        with self.assertRaisesRegex(SyncError, "daily budget of 3 API calls"):
            self.monday._agency_pm_spend_calls()
        self.monday.daily_calls_day = date.today() - timedelta(days=1)
        self.monday._agency_pm_spend_calls()
        self.assertEqual(self.monday.daily_calls_used, 1, "a new day, a new budget")

    def test_handshake_window_and_secrets(self):
        with self.assertRaises(WebhookRefused) as refused:
            self.asana._agency_pm_accept_hook_secret("planted")
        self.assertEqual(refused.exception.status, 403)
        self.asana.action_agency_open_handshake()
        self.asana._agency_pm_accept_hook_secret("hook-1")
        self.asana._agency_pm_accept_hook_secret("hook-2")
        self.assertEqual(self.asana._agency_pm_hook_secrets(), ["hook-1", "hook-2"])
        finance = self.asana.with_user(self.user_finance)
        for fname in ("access_token", "webhook_secret", "webhook_secrets"):
            with self.assertRaises(AccessError):
                finance.read([fname])
        self.assertNotIn("hook-1", str(finance.read(["name", "provider"])))

    def test_task_deleted_at_source_takes_its_open_time(self):
        self.run_import(tasks=[task("t1"), task("t2", name="Other")],
                        entries=[entry("e1", minutes=60), entry("e2", task_id="t2")])
        t1, e1 = self.bound(self.asana, "task", "t1"), self.bound(self.asana, "time", "e1")
        e2 = self.bound(self.asana, "time", "e2")
        run = self.asana._agency_sync_run(
            "manual", job=lambda run: TaskImporter(self.asana, run).archive(["t1"]))
        self.assertFalse(t1.active, "the task is archived")
        self.assertFalse(e1.exists(), "its time (gone with it at the source) is removed")
        self.assertTrue(e2.exists(), "other tasks' time stays")
        self.assertEqual(run.archived, 2)
        self.assertFalse(self.open_conflicts(self.asana))
        users = self.env["agency.pm.user"].search([("backend_id", "=", self.asana.id),
                                                   ("external_id", "=", "u-casey")])
        self.assertEqual(users.name, "Casey")
        self.env["agency.pm.user"]._agency_upsert(self.asana, [{"id": "u-casey"}])
        self.assertEqual((users.name, users.email), ("Casey", "casey@agency.test"),
                         "a user named by id only keeps its name and email")
