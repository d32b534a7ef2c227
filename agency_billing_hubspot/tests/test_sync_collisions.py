"""Syncs and billing runs that collide on the same rows, as several Odoo workers do.

Two real processes (``collision_worker.py``) each open their transaction, then one commits
while the other still works from its older snapshot: PostgreSQL refuses the loser's
writes (*could not serialize access due to concurrent update*). A sync batch that loses
is tried again in a new transaction and imported, never quarantined; a billing run that
loses skips the client quietly (no ERROR in its log) and the next run bills it.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date, timedelta
from pathlib import Path
from unittest.mock import patch

import odoo
from odoo import Command, fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.agency_billing.tests.common import CommittedDataCase
from odoo.addons.agency_billing_sync.components.importer import SyncImporter, SyncItem

from .collision_common import CallImporter, call_items

APRIL = date(2026, 4, 1)
WORKER = Path(__file__).with_name("collision_worker.py")
WORKER_TIMEOUT = 300  # seconds


@tagged("post_install", "-at_install")
class TestSyncBillingCollisions(CommittedDataCase):
    """A sync batch and a billing run on the same time entries, in two processes.

    The fixture is committed by a real cursor (the workers' transactions must see it) and
    deleted afterwards; the test's own transaction writes nothing the workers touch.
    """

    def _build_fixture(self, env):
        creative = env.ref("agency_billing.service_type_creative")
        job = env["hr.job"].create({"name": "Collision Tester"})
        employee = env["hr.employee"].create({"name": "Cole Collider", "job_id": job.id})
        client = env["res.partner"].create({
            "name": "Collision Client", "is_company": True, "billing_automation": True,
            "billing_cycle": "monthly", "billing_month_day": 1,
            "billing_last_period_end": date(2026, 2, 28),
        })
        order = env["sale.order"].create({
            "partner_id": client.id,
            "order_line": [Command.create({"product_id": creative.product_id.id,
                                           "price_unit": 100.0, "product_uom_qty": 50})],
        })
        order.action_confirm()
        project = env["project.project"].create({
            "name": "Collision project", "partner_id": client.id, "allow_billable": True,
            "allow_timesheets": True, "sale_line_id": order.order_line.id,
            "service_type_id": creative.id,
        })
        backend = env["agency.hubspot.backend"].create({
            "name": "Collision test", "access_token": "pat-na1-collision-0001",
            "client_secret": "collision-app-secret", "base_url": "http://127.0.0.1:9",
        })
        calls = {
            "1": self._call("Kick-off call", 2.0, date(2026, 3, 3), employee, project),
            "2": self._call("Review call", 1.5, date(2026, 3, 10), employee, project),
        }
        CallImporter(backend, None).import_items(call_items(calls))
        entries = env["account.analytic.line"].search([("project_id", "=", project.id)])
        self.assertEqual(len(entries), 2)
        return {"client": client.id, "order": order.id, "project": project.id,
                "employee": employee.id, "job": job.id, "backend": backend.id,
                "entries": entries.ids, "calls": calls}

    def _call(self, name, hours, day, employee, project):
        return {"name": name, "hours": hours, "date": day.isoformat(),
                "employee": employee.id if hasattr(employee, "id") else employee,
                "project": project.id if hasattr(project, "id") else project}

    def _delete_fixture(self, env, fixture):
        backend = env["agency.hubspot.backend"].browse(fixture["backend"])
        for model in ("agency.sync.conflict", "agency.sync.log", "agency.sync.binding",
                      "agency.sync.run"):
            env[model].search(env[model]._agency_backend_domain(backend)).unlink()
        backend.unlink()
        client = env["res.partner"].browse(fixture["client"])
        env["account.move"].search([("partner_id", "=", client.id)]).unlink()
        env["agency.billing.run"].search([("line_ids.partner_id", "=", client.id)]).unlink()
        project = env["project.project"].browse(fixture["project"])
        env["account.analytic.line"].search([("project_id", "=", project.id)]).unlink()
        project.unlink()
        order = env["sale.order"].browse(fixture["order"])
        order._action_cancel()
        order.unlink()
        env["hr.employee"].browse(fixture["employee"]).unlink()
        env["hr.job"].browse(fixture["job"]).unlink()
        client.write({"billing_automation": False, "active": False})

    def _with_fixture(self, check):
        with self._cursor() as cr:
            fixture = self._build_fixture(self._env(cr))
            cr.commit()  # pylint: disable=invalid-commit
        try:
            check(fixture)
        finally:
            with self._cursor() as cr:
                self._delete_fixture(self._env(cr), fixture)
                cr.commit()  # pylint: disable=invalid-commit

    def _workers(self, jobs, order):
        """Start one worker per job; when all hold their snapshot, let them go one after
        the other in ``order`` (each finishes and commits before the next goes). Returns
        ``{key: result}``; fails on a worker's error or an ERROR line in its log."""
        config = odoo.tools.config
        odoo_args = [f"--addons-path={config['addons_path']}", f"--data-dir={config['data_dir']}",
                     "--log-level=info", "--max-cron-threads=0"]
        odoo_args += [f"--{key}={config[key]}"
                      for key in ("db_host", "db_port", "db_user", "db_password", "db_sslmode")
                      if config.get(key)]
        odoo_root = str(Path(odoo.__file__).resolve().parent.parent)
        environ = dict(os.environ, PYTHONPATH=os.pathsep.join(
            filter(None, [odoo_root, os.environ.get("PYTHONPATH")])))
        results, logs = {}, {}
        with tempfile.TemporaryDirectory(prefix="agency-collide-") as tmp, \
                ExitStack() as files:
            tmp = Path(tmp)
            workers = {}
            for key, job in jobs.items():
                job = {**job, "odoo_args": odoo_args, "db": self.env.cr.dbname,
                       "ready": str(tmp / f"{key}.ready"), "go": str(tmp / f"{key}.go")}
                out = files.enter_context(open(tmp / f"{key}.out", "w+"))
                err = files.enter_context(open(tmp / f"{key}.err", "w+"))
                proc = subprocess.Popen([sys.executable, str(WORKER), json.dumps(job)],
                                        stdout=out, stderr=err, env=environ, text=True)
                workers[key] = (proc, out, err)
            deadline = time.monotonic() + WORKER_TIMEOUT
            while not all((tmp / f"{key}.ready").exists() for key in workers):
                if time.monotonic() > deadline or any(
                        proc.poll() is not None for proc, _out, _err in workers.values()):
                    break  # the results below say which worker failed
                time.sleep(0.01)
            for key in order:
                proc, out, err = workers[key]
                (tmp / f"{key}.go").touch()
                try:
                    proc.wait(timeout=max(deadline - time.monotonic(), 1))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                out.seek(0)
                err.seek(0)
                lines = out.read().strip().splitlines()
                logs[key] = err.read()
                self.assertEqual(proc.returncode, 0,
                                 f"worker {key} failed: {logs[key][-3000:]}")
                results[key] = json.loads(lines[-1])
            for key in workers:
                proc = workers[key][0]
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        for key, log in logs.items():
            errors = [line for line in log.splitlines()
                      if re.search(r" (ERROR|CRITICAL) ", line) or "bad query" in line]
            self.assertFalse(errors, f"worker {key} logged errors:\n" + "\n".join(errors))
        return results, logs

    def _jobs(self, fixture, calls):
        base = {"entries": fixture["entries"]}
        return {
            "sync": {**base, "action": "sync", "backend": fixture["backend"], "calls": calls},
            "bill": {**base, "action": "bill", "clients": [fixture["client"]],
                     "today": APRIL.isoformat()},
        }

    def _changed_calls(self, fixture):
        return {
            "2": self._call("Review call", 2.5, date(2026, 3, 10), fixture["employee"],
                            fixture["project"]),
            "3": self._call("Follow-up call", 1.25, date(2026, 3, 12), fixture["employee"],
                            fixture["project"]),
        }

    def test_sync_losing_to_billing_is_retried_and_imported(self):
        """The billing run commits first: the sync batch, working from an older snapshot,
        collides, is tried again in a new transaction and imports everything — the new
        call as time, the edit of the invoiced call as a conflict — with nothing
        quarantined and nothing left pending."""

        def check(fixture):
            results, logs = self._workers(self._jobs(fixture, self._changed_calls(fixture)),
                                          order=("bill", "sync"))
            with self._cursor() as cr:
                env = self._env(cr)
                billing = env["agency.billing.run"].browse(results["bill"]["run"])
                self.assertEqual(billing.line_ids.mapped("outcome"), ["invoiced"])
                self.assertEqual(billing.invoice_ids.amount_untaxed, 350.0)
                run = env["agency.sync.run"].browse(results["sync"]["run"])
                self.assertEqual(run.state, "done")
                self.assertGreaterEqual(run.collisions, 1, "the batch did collide")
                self.assertIn("collided with another transaction", logs["sync"])
                self.assertEqual((run.created, run.conflicts, run.quarantined,
                                  run.retry_pending), (1, 1, 0, 0))
                backend = env["agency.hubspot.backend"].browse(fixture["backend"])
                Log = env["agency.sync.log"]
                self.assertFalse(Log.search(Log._agency_backend_domain(backend)))
                entries = env["account.analytic.line"].search(
                    [("project_id", "=", fixture["project"])], order="date")
                self.assertEqual(entries.mapped("unit_amount"), [2.0, 1.5, 1.25])
                self.assertEqual([bool(e.timesheet_invoice_id) for e in entries],
                                 [True, True, False])
                conflict = env["agency.sync.conflict"].search(
                    env["agency.sync.conflict"]._agency_backend_domain(backend))
                self.assertEqual((conflict.field_name, conflict.source_raw),
                                 ("unit_amount", 2.5))

        self._with_fixture(check)

    def test_billing_losing_to_sync_skips_quietly(self):
        """The sync commits first: the billing run, working from an older snapshot, loses
        the client's rows, skips it ("locked") without an ERROR line in its log, and the
        next run bills all of the time, the synced change included."""

        def check(fixture):
            results, logs = self._workers(self._jobs(fixture, self._changed_calls(fixture)),
                                          order=("sync", "bill"))
            self.assertIn("left to the next run", logs["bill"])
            with self._cursor() as cr:
                env = self._env(cr, agency_billing_today=APRIL)
                run = env["agency.sync.run"].browse(results["sync"]["run"])
                self.assertEqual((run.created, run.updated, run.quarantined,
                                  run.collisions), (1, 1, 0, 0))
                billing = env["agency.billing.run"].browse(results["bill"]["run"])
                self.assertEqual(billing.line_ids.mapped("outcome"), ["skipped"])
                self.assertEqual(billing.line_ids.reason, "locked")
                self.assertFalse(billing.invoice_ids)
                client = env["res.partner"].browse(fixture["client"])
                again = env["agency.billing.run"]._run_due(APRIL, clients=client)
                self.assertEqual(again.invoice_ids.amount_untaxed, 575.0)
                cr.commit()  # pylint: disable=invalid-commit

        self._with_fixture(check)


class HeldImporter(SyncImporter):
    """Test companies → partners, whose batch needs a row another transaction holds."""

    external_type = "test_held"
    res_model = "res.partner"
    collision_attempts = 3
    collision_delay = 0.0
    held_row = None

    def map(self, item):
        item.values = {"name": item.payload["name"], "is_company": True}

    def create_records(self, items):
        self.env.cr.execute("SELECT id FROM res_partner WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                            (self.held_row,))
        return super().create_records(items)


@tagged("post_install", "-at_install")
class TestSyncWaits(TransactionCase):
    """Retries spent, a held backend lock: the work waits for the next cron call, which
    comes by itself within a minute. The other transaction is a second database
    connection (another PostgreSQL session, as another Odoo worker would hold)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = cls.env["agency.hubspot.backend"].create({
            "name": "Waits test", "access_token": "pat-na1-waits-0001",
            "client_secret": "waits-app-secret", "base_url": "http://127.0.0.1:9",
            "sync_auto": True,
        })
        # The scheduled sync ran a moment ago: the cron calls below have only the waiting
        # work to do.
        Run = cls.env["agency.sync.run"]
        Run.create({**Run._agency_backend_values(cls.backend), "kind": "sync",
                    "trigger": "cron", "state": "done"})

    def _other_session(self):
        cr = self.registry.cursor()
        self.addCleanup(cr.close)
        return cr

    def _triggers_within(self, seconds):
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT call_at FROM ir_cron_trigger WHERE cron_id = %s AND call_at > "
            "(now() at time zone 'UTC') - interval '1 second' AND call_at <= "
            "(now() at time zone 'UTC') + %s * interval '1 second'",
            (self.backend.sync_cron_id.id, seconds))
        return self.env.cr.fetchall()

    def _import_from_payloads(self, importer_class):
        """The backend's re-read of records (the HubSpot API here) replaced by the payload
        each quarantine entry kept."""

        def import_ids(backend, run, external_type, external_ids, deleted_ids=()):
            Log = backend.env["agency.sync.log"]
            logs = Log.search(Log._agency_backend_domain(backend) + [
                ("external_id", "in", list(external_ids))])
            importer_class(backend, run).import_items([
                SyncItem(external_id=log.external_id, payload=json.loads(log.payload))
                for log in logs])

        return patch.object(type(self.backend), "_agency_sync_import_ids", import_ids)

    def test_collided_records_wait_retry_pending_and_the_next_run_imports_them(self):
        held = self.env.company.partner_id
        other = self._other_session()
        other.execute("SELECT id FROM res_partner WHERE id = %s FOR UPDATE", (held.id,))
        importer = type("Held", (HeldImporter,), {"held_row": held.id})
        run = self.backend._agency_sync_run("cron", job=lambda run: importer(
            self.backend, run).import_items([
                SyncItem(external_id="h1", payload={"name": "Held One"}),
                SyncItem(external_id="h2", payload={"name": "Held Two"})]))
        self.assertEqual((run.retry_pending, run.quarantined, run.created, run.collisions),
                         (2, 0, 0, 3))
        Log = self.env["agency.sync.log"]
        logs = Log.search(Log._agency_backend_domain(self.backend))
        self.assertEqual(logs.mapped("state"), ["pending", "pending"])
        self.assertIn("another transaction was changing the same records (lock timeout)",
                      logs[0].error)
        self.assertEqual(self.backend.sync_open_log_count, 0, "not in the quarantine")
        self.assertTrue(self._triggers_within(60), "the failing run calls the cron again")
        # The backend's form counts them, and its button lists them.
        self.assertEqual(self.backend.sync_retry_pending_count, 2)
        action = self.backend.action_agency_view_retry_pending()
        self.assertEqual(action["context"], {"search_default_pending": 1})
        self.assertEqual(Log.search(action["domain"] + [("state", "=", "pending")]), logs)
        other.rollback()  # the other transaction is done
        with self._import_from_payloads(importer):
            self.backend._agency_cron_sync()
        self.assertEqual(logs.mapped("state"), ["retried", "retried"])
        self.backend.invalidate_recordset(["sync_retry_pending_count"])
        self.assertEqual(self.backend.sync_retry_pending_count, 0)
        retry = self.env["agency.sync.run"].search(
            [("kind", "=", "retry")] + Log._agency_backend_domain(self.backend))
        self.assertEqual((retry.trigger, retry.created, retry.retry_pending), ("cron", 2, 0))
        self.assertEqual(self.backend._agency_binder("test_held").count(), 2)

    def test_wake_up_while_locked_calls_the_cron_again_within_a_minute(self):
        self.env["agency.sync.event"]._agency_store(self.backend, [{
            "event_id": "e1", "external_type": "test_held", "external_id": "w1",
            "occurred_at": fields.Datetime.now(), "change": "creation"}])
        other = self._other_session()
        other.execute("SELECT pg_advisory_lock(%s, %s)", self.backend._agency_sync_lock_key())
        self.env["ir.cron.trigger"].search(
            [("cron_id", "=", self.backend.sync_cron_id.id)]).unlink()
        self.backend._agency_cron_sync()
        Run = self.env["agency.sync.run"]
        self.assertFalse(Run.search(Run._agency_backend_domain(self.backend)
                                    + [("kind", "=", "events")]),
                         "the backend was locked: nothing ran")
        calls = self._triggers_within(60)
        self.assertTrue(calls, "the cron is called again within a minute")
        self.assertGreater(calls[0][0], fields.Datetime.now() - timedelta(seconds=1))
        other.execute("SELECT pg_advisory_unlock(%s, %s)", self.backend._agency_sync_lock_key())
        imported = []
        with patch.object(type(self.backend), "_agency_sync_import_ids",
                          lambda backend, run, etype, ids, deleted_ids=(): imported.append(
                              (etype, list(ids)))):
            self.backend._agency_cron_sync()
        self.assertEqual(imported[0], ("test_held", ["w1"]))
        self.assertFalse(self.env["agency.sync.event"]._agency_has_pending(self.backend))

    def test_a_stuck_lock_calls_the_cron_again_less_and_less_often(self):
        """A lock held for hours (a run that never ends) does not have the cron called
        every few seconds: the wait grows with the time the lock has been held, up to the
        scheduled interval, and one planned call is enough however many calls found the
        backend locked."""
        self.env["agency.sync.event"]._agency_store(self.backend, [{
            "event_id": "e2", "external_type": "test_held", "external_id": "w2",
            "occurred_at": fields.Datetime.now(), "change": "creation"}])
        key = self.backend._agency_sync_lock_key()
        other = self._other_session()
        other.execute("SELECT pg_advisory_lock(%s, %s)", key)
        self.addCleanup(other.execute, "SELECT pg_advisory_unlock(%s, %s)", key)
        Trigger = self.env["ir.cron.trigger"]
        cron = self.backend.sync_cron_id
        Trigger.search([("cron_id", "=", cron.id)]).unlink()
        # The run holding the lock started two hours ago and never ended.
        Run = self.env["agency.sync.run"]
        Run.create({**Run._agency_backend_values(self.backend), "kind": "sync",
                    "trigger": "manual", "state": "running",
                    "date_start": fields.Datetime.now() - timedelta(hours=2)})
        self.assertGreaterEqual(self.backend._agency_sync_lock_held_for(), 7200)
        for _call in range(3):
            self.backend._agency_cron_sync()
        triggers = Trigger.search([("cron_id", "=", cron.id)])
        self.assertEqual(len(triggers), 1, "one planned call is enough")
        wait = (triggers.call_at - fields.Datetime.now()).total_seconds()
        self.assertTrue(880 < wait <= 900, f"called again after the interval (15 min), "
                        f"not in a few seconds: {wait} s")
        self.assertFalse(self._triggers_within(60))
