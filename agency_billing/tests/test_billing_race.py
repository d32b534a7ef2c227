import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import odoo
from odoo import Command
from odoo.tests import tagged

from .common import CommittedDataCase

APRIL = date(2026, 4, 1)
CLIENTS = 6
WORKER = Path(__file__).with_name("race_worker.py")
WORKER_TIMEOUT = 300  # seconds


@tagged("post_install", "-at_install")
class TestRacingRuns(CommittedDataCase):
    """Two billing runs started at the same moment, each in its own transaction on its own
    database connection, bill each client exactly once: two threads of this process (as
    two cron threads of one server would), and two separate processes (as two servers, or
    two workers of a multi-process server, would).

    The fixture is committed by a real cursor (the runs' transactions must see it) and
    deleted afterwards; the test's own transaction writes nothing the runs touch.
    """

    def _build_fixture(self, env):
        creative = env.ref("agency_billing.service_type_creative")
        job = env["hr.job"].create({"name": "Race Tester"})
        employee = env["hr.employee"].create({"name": "Rae Racer", "job_id": job.id})
        clients = env["res.partner"].create([{
            "name": f"Race Client {i}", "is_company": True, "billing_automation": True,
            "billing_cycle": "monthly", "billing_month_day": 1,
            "billing_last_period_end": date(2026, 2, 28),
        } for i in range(CLIENTS)])
        orders = env["sale.order"].create([{
            "partner_id": client.id,
            "order_line": [Command.create({"product_id": creative.product_id.id,
                                           "price_unit": 100.0, "product_uom_qty": 50})],
        } for client in clients])
        orders.action_confirm()
        projects = env["project.project"].create([{
            "name": f"Race project {i}", "partner_id": order.partner_id.id,
            "allow_billable": True, "allow_timesheets": True,
            "sale_line_id": order.order_line.id, "service_type_id": creative.id,
        } for i, order in enumerate(orders)])
        env["account.analytic.line"].create([{
            "name": "Race work", "employee_id": employee.id, "project_id": project.id,
            "unit_amount": hours, "date": date(2026, 3, day),
        } for project in projects for day, hours in ((3, 1.0), (10, 2.0), (17, 3.0))])
        return {"clients": clients.ids, "orders": orders.ids, "projects": projects.ids,
                "employee": employee.id, "job": job.id}

    def _delete_fixture(self, env, fixture):
        clients = env["res.partner"].browse(fixture["clients"])
        env["account.move"].search([("partner_id", "in", clients.ids)]).unlink()
        env["agency.billing.run"].search([("line_ids.partner_id", "in", clients.ids)]).unlink()
        projects = env["project.project"].browse(fixture["projects"])
        env["account.analytic.line"].search([("project_id", "in", projects.ids)]).unlink()
        projects.unlink()
        orders = env["sale.order"].browse(fixture["orders"])
        orders._action_cancel()
        orders.unlink()
        env["hr.employee"].browse(fixture["employee"]).unlink()
        env["hr.job"].browse(fixture["job"]).unlink()
        clients.write({"billing_automation": False, "active": False})

    def test_two_runs_bill_each_client_once(self):
        self._race_and_check(self._race)

    def test_two_processes_bill_each_client_once(self):
        self._race_and_check(self._race_processes)

    def _race_and_check(self, race):
        with self._cursor() as cr:
            fixture = self._build_fixture(self._env(cr))
            cr.commit()  # pylint: disable=invalid-commit
        try:
            results = race(fixture)
            with self._cursor() as cr:
                self._check(self._env(cr), fixture, results)
        finally:
            with self._cursor() as cr:
                self._delete_fixture(self._env(cr), fixture)
                cr.commit()  # pylint: disable=invalid-commit

    def _race(self, fixture):
        barrier = threading.Barrier(2, timeout=60)
        results = {}

        def bill(key):
            try:
                with self._cursor() as cr:
                    env = self._env(cr, agency_billing_today=APRIL)
                    clients = env["res.partner"].browse(fixture["clients"])
                    # Both transactions start (take their snapshot) before either bills.
                    self.assertTrue(all(clients.mapped("billing_next_date")))
                    barrier.wait()
                    run = env["agency.billing.run"]._run_due(APRIL, clients=clients)
                    results[key] = run.id
                    cr.commit()  # pylint: disable=invalid-commit
            except Exception as error:  # reported by the assertions below
                results[key] = error

        threads = [threading.Thread(target=bill, args=(key,), name=f"billing-run-{key}",
                                    daemon=True)
                   for key in ("first", "second")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
            self.assertFalse(thread.is_alive(), "a billing run is stuck")
        return results

    def _race_processes(self, fixture):
        """Two ``race_worker.py`` processes: each loads the registry, opens its transaction,
        then both bill at the same signal (a file both wait for)."""
        config = odoo.tools.config
        odoo_args = [f"--addons-path={config['addons_path']}", f"--data-dir={config['data_dir']}",
                     "--log-level=warn", "--max-cron-threads=0"]
        odoo_args += [f"--{key}={config[key]}"
                      for key in ("db_host", "db_port", "db_user", "db_password", "db_sslmode")
                      if config.get(key)]
        odoo_root = str(Path(odoo.__file__).resolve().parent.parent)
        environ = dict(os.environ, PYTHONPATH=os.pathsep.join(
            filter(None, [odoo_root, os.environ.get("PYTHONPATH")])))
        results = {}
        with tempfile.TemporaryDirectory(prefix="agency-race-") as tmp, ExitStack() as files:
            tmp = Path(tmp)
            workers = {}
            for key in ("first", "second"):
                job = {"odoo_args": odoo_args, "db": self.env.cr.dbname,
                       "clients": fixture["clients"], "today": APRIL.isoformat(),
                       "ready": str(tmp / f"{key}.ready"), "go": str(tmp / "go")}
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
            (tmp / "go").touch()
            for key, (proc, out, err) in workers.items():
                try:
                    proc.wait(timeout=max(deadline - time.monotonic(), 1))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                out.seek(0)
                err.seek(0)
                lines = out.read().strip().splitlines()
                log = err.read()
                if proc.returncode == 0 and lines:
                    results[key] = json.loads(lines[-1])["run"]
                else:
                    results[key] = RuntimeError(
                        f"worker exited with {proc.returncode}: {log[-3000:]}")
                # The workers log apart from this server: a run that only succeeded after
                # failed queries (say, serialization failures without the clients' lock)
                # shows here.
                errors = [line for line in log.splitlines()
                          if re.search(r" (ERROR|CRITICAL) ", line)]
                self.assertFalse(errors, f"worker {key} logged errors:\n" + "\n".join(errors))
        return results

    def _check(self, env, fixture, results):
        for key, value in results.items():
            self.assertIsInstance(value, int, f"run {key} failed: {value!r}")
        runs = env["agency.billing.run"].browse(list(results.values()))
        self.assertEqual(len(runs.exists()), 2, "both runs started and were recorded")
        clients = env["res.partner"].browse(fixture["clients"])
        invoices = env["account.move"].search([("partner_id", "in", clients.ids)])
        self.assertEqual(Counter(invoices.mapped("partner_id.id")),
                         Counter(dict.fromkeys(fixture["clients"], 1)),
                         "each client invoiced exactly once")
        self.assertEqual(set(invoices.mapped("amount_untaxed")), {600.0})
        self.assertEqual(invoices.billing_run_id, runs.filtered("invoice_ids"))
        entries = env["account.analytic.line"].search(
            [("project_id", "in", fixture["projects"])])
        self.assertEqual(len(entries), CLIENTS * 3)
        self.assertTrue(all(entry.timesheet_invoice_id for entry in entries))
        outcomes = Counter((line.partner_id.id, line.outcome) for line in runs.line_ids)
        for client in clients:
            self.assertEqual(outcomes[(client.id, "invoiced")], 1, client.name)
            self.assertEqual(outcomes[(client.id, "invoiced")]
                             + outcomes[(client.id, "skipped")], 2, client.name)
            self.assertEqual(client.billing_last_period_end, date(2026, 3, 31))
        skipped = runs.line_ids.filtered(lambda line: line.outcome == "skipped")
        self.assertEqual(set(skipped.mapped("reason")), {"locked"} if skipped else set())
