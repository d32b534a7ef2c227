"""Shared set-up of the Asana tests: the PM agency (``PmCase``) and a fake Asana started for
each test, with a small workspace: people, a "Service type" field, the linked project and
an unlinked one, tasks and tracked time of the last days."""

from datetime import date, timedelta

from .common import ASANA_PROJECT, TOKEN, PmCase
from .fake_asana import FakeAsana


def days_ago(days):
    """An ``entered_on`` inside the time window (counted from today)."""
    return (date.today() - timedelta(days=days)).isoformat()


class AsanaCase(PmCase):
    """The Asana account of PmCase, its API a fake Asana started for each test."""

    def setUp(self):
        super().setUp()
        self.fake = FakeAsana(token=TOKEN).start()
        self.addCleanup(self.fake.stop)
        self.backend = self.asana
        self.backend.base_url = self.fake.url
        self.assertEqual(self.fake.workspace, self.backend.workspace_ref)

    def workspace(self):
        """People, the service field, the linked project with three tasks (one of them the
        milestone's) and their time, an unlinked project."""
        fake = self.fake
        ids = {}
        ids["casey"] = fake.add_user("Casey CD", "casey@agency.test")
        ids["dana"] = fake.add_user("Dana Designer", "Dana@Agency.test")
        ids["nobody"] = fake.add_user("No Body", "nobody@agency.test")
        fake.add_custom_field("Service type", ["Design", "Creative", "Copywriting"])
        ids["project"] = fake.add_project(
            "Acme spring campaign", client="Acme Test Foods", gid=ASANA_PROJECT,
            sections=("To do", "In progress", "Client approved"))
        ids["other"] = fake.add_project("Internal ops", notes="Client: Agency itself")
        ids["visual"] = fake.add_task(ids["project"], "Key visual", assignee=ids["dana"],
                                      due_on="2026-12-20", fields={"Service type": "Design"})
        ids["concept"] = fake.add_task(ids["project"], "Concept approval",
                                       section="In progress", assignee=ids["casey"],
                                       fields={"Service type": "Creative"})
        ids["copy"] = fake.add_task(ids["project"], "Headlines", fields={
            "Service type": "Copywriting"})
        ids["internal"] = fake.add_task(ids["other"], "Timesheets")
        ids["e_visual"] = fake.add_time_entry(
            ids["visual"], ids["dana"], 90, days_ago(2), billable_status="billable",
            approval_status="APPROVED", description="Layouts")
        ids["e_concept"] = fake.add_time_entry(
            ids["concept"], ids["casey"], 120, days_ago(1), billable_status="billable",
            approval_status="APPROVED", description="Concept deck")
        ids["e_nobody"] = fake.add_time_entry(
            ids["copy"], ids["nobody"], 30, days_ago(1), billable_status="billable",
            approval_status="APPROVED")
        ids["e_internal"] = fake.add_time_entry(ids["internal"], ids["casey"], 45,
                                                days_ago(1))
        return ids

    # -- helpers -----------------------------------------------------------

    def sync(self):
        """Sync Now (nothing committed, as from the button); returns the run."""
        return self.backend.action_agency_sync()

    def task_of(self, gid):
        return self.bound(self.backend, "task", gid)

    def entry_of(self, gid):
        return self.bound(self.backend, "time", gid)

    def synced_lines(self):
        """The time entries bound to Asana entries (not removed)."""
        bindings = self.backend._agency_binder("time").bindings()
        return self.env["account.analytic.line"].browse(bindings.mapped("res_id")).exists()

    def state(self):
        """What Odoo holds from Asana: {task gid: (name, section, employee)} and
        {entry gid: (hours, date, employee)}."""
        tasks, entries = {}, {}
        for binding in self.backend._agency_binder("task").bindings():
            task = self.env["project.task"].browse(binding.res_id)
            tasks[binding.external_id] = (task.name, task.agency_pm_status,
                                          task.user_ids.ids)
        for binding in self.backend._agency_binder("time").bindings():
            line = self.env["account.analytic.line"].browse(binding.res_id).exists()
            entries[binding.external_id] = line and (line.unit_amount, str(line.date),
                                                     line.employee_id.id)
        return tasks, entries
