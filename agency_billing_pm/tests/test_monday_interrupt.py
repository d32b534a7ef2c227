"""A Monday.com sync stopped at each page boundary (as when its process is killed after a
committed page), or failing inside a page, then run again, ends in the same state as one
that was never interrupted: nothing lost, nothing twice."""

from datetime import datetime, timedelta

from odoo.tests import tagged

from .test_monday_sync import OTHER_BOARD, MondayCase


@tagged("post_install", "-at_install")
class TestMondayInterrupted(MondayCase):
    """Two linked boards read two items a page."""

    def setUp(self):
        super().setUp()
        self.ids = self.account()
        self.monday.sync_batch_size = 2
        other = self.env["project.project"].create({"name": "Internal work",
                                                    "allow_timesheets": True})
        self.env["agency.pm.project.link"].create({
            "backend_id": self.monday.id, "external_id": OTHER_BOARD, "name": "Internal",
            "project_id": other.id})
        for i in range(3):
            item = self.fake.add_item(OTHER_BOARD, f"Internal {i}")
            self.fake.add_time_session(item, self.ids["casey"], f"2026-03-1{i}T09:00:00Z",
                                       f"2026-03-1{i}T10:{15 * i:02d}:00Z")

    def state(self):
        """What the sync made, in plain data (Odoo ids left out)."""
        out = {}
        for binding in self.monday._agency_binder(None).bindings(include_archived=True):
            record = self.env[binding.res_model].with_context(active_test=False).browse(
                binding.res_id)
            if not record.exists():
                out[(binding.external_type, binding.external_id)] = "removed"
            elif binding.res_model == "project.task":
                out[("task", binding.external_id)] = (record.name, record.project_id.name,
                                                      record.active, record.agency_pm_status)
            else:
                out[("time", binding.external_id)] = (
                    record.employee_id.name, str(record.date), record.unit_amount,
                    record.task_id.name, record.project_id.name)
        out["entries"] = len(self.entries())
        out["tasks"] = self.env["project.task"].with_context(active_test=False).search_count(
            [("name", "in", ("Concept approval", "Key visual", "Headlines", "Brief", "Misc",
                             "Internal 0", "Internal 1", "Internal 2"))])
        out["quarantine"] = sorted(self.open_logs(self.monday).mapped("external_id"))
        return out

    def _fresh(self, body):
        """Run ``body`` from the state before any sync, then undo it; return its result."""
        savepoint = self.env.cr.savepoint()
        try:
            return body()
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()

    def test_stopped_at_each_page_boundary(self):
        def uninterrupted():
            run = self.sync()
            self.assertEqual(run.state, "done", run.error)
            return self.state(), run.batches

        expected, batches = self._fresh(uninterrupted)
        self.assertEqual(batches, 5, "three pages of the first board, two of the other")
        self.assertEqual(expected["entries"], 6)
        for stop in range(1, batches):
            for expire in (False, True):
                def interrupted(stop=stop, expire=expire):
                    first = self.sync(max_batches=stop)
                    self.assertEqual((first.state, first.batches), ("partial", stop))
                    if expire:  # the stored cursor died meanwhile: the board restarts
                        self.fake.expire_cursors()
                    second = self.sync()
                    self.assertEqual(second.state, "done", second.error)
                    return self.state()

                with self.subTest(stop=stop, expire=expire):
                    self.assertEqual(self._fresh(interrupted), expected)

    def test_old_stored_cursor_not_used(self):
        """A run resumed after more than 50 minutes does not try its stored cursor (it
        would have expired): the board is read again from its first page."""
        expected = self._fresh(lambda: (self.sync(), self.state())[1])
        first = self.sync(max_batches=1)
        self.assertEqual(first.state, "partial")
        key = f"monday:board:{self.ids['board']}"
        progress = dict(self.monday._agency_sync_cursor(key)["progress"])
        self.assertTrue(progress["cursor"])
        progress["at"] = (datetime.now() - timedelta(minutes=55)).isoformat()
        self.monday._agency_sync_set_cursor(key, {**self.monday._agency_sync_cursor(key),
                                                  "progress": progress})
        firsts = self.fake.gql_count(operation="AgencyItemsFirst")
        nexts = self.fake.gql_count(operation="AgencyItemsNext")
        second = self.sync()
        self.assertEqual(second.state, "done", second.error)
        self.assertEqual(self.fake.gql_count(operation="AgencyItemsFirst") - firsts, 2)
        self.assertEqual(self.fake.gql_count(operation="AgencyItemsNext") - nexts, 3,
                         "two next pages of the first board, one of the other")
        self.assertNotIn("cursor expired", second.log)
        self.assertEqual(self.state(), expected)

    def test_failure_inside_a_page(self):
        """A request refused in the middle of the run (an auth error is not retried) loses
        the work since the last page; the next run completes it."""
        expected = self._fresh(lambda: (self.sync(), self.state())[1])
        self.fake.reset_log()
        total = self._fresh(lambda: (self.sync(), len(self.fake.requests))[1])
        for skip in range(1, total):
            def failing(skip=skip):
                self.fake.reset_log()
                self.fake.fail(status=401, skip=skip, times=1,
                               body={"errors": [{"message": "Not Authenticated"}]})
                first = self.sync()
                self.assertEqual(first.state, "failed")
                self.fake.clear_faults()
                second = self.sync()
                self.assertEqual(second.state, "done", second.error)
                return self.state()

            with self.subTest(skip=skip):
                self.assertEqual(self._fresh(failing), expected)
