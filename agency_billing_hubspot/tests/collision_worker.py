"""A sync batch or a billing run in a process of its own, for ``test_sync_collisions``.

Started as ``python collision_worker.py JOB`` where JOB is a JSON object: the Odoo options,
the database, ``action`` (``sync`` or ``bill``) and its data, and two file paths used as a
starting line across processes. The worker loads the registry and opens its transaction
(its snapshot: it reads the records it will write), says it is ready, waits for the
signal, then does its work and commits — as another worker of a multi-process server
would. ``sync`` imports the given test calls in a run of the backend's cron (batches
committed); ``bill`` bills the given clients. It prints a JSON result on its last line.

Not a test module: Odoo's test loader only imports ``test_*`` modules.
"""

import importlib.util
import json
import sys
import time
from datetime import date
from pathlib import Path

START_TIMEOUT = 120  # seconds to wait for the signal


def wait_for(job):
    Path(job["ready"]).touch()
    deadline = time.monotonic() + START_TIMEOUT
    while not Path(job["go"]).exists():
        if time.monotonic() > deadline:
            raise RuntimeError("no start signal")
        time.sleep(0.005)


def load_common():
    """``collision_common.py`` by its path: importing the tests package would load Odoo's
    test framework, which a server process must not."""
    spec = importlib.util.spec_from_file_location(
        "agency_collision_common", Path(__file__).with_name("collision_common.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sync(env, job):
    common = load_common()
    CallImporter, call_items = common.CallImporter, common.call_items

    backend = env["agency.hubspot.backend"].browse(job["backend"]).with_context(
        agency_sync_commit=True)

    def work(run):
        # The run's first batch starts here: its snapshot is taken before the signal.
        env.cr.execute("SELECT unit_amount FROM account_analytic_line WHERE id IN %s",
                       (tuple(job["entries"]),))
        wait_for(job)
        CallImporter(backend, run).import_items(call_items(job["calls"]))

    run = backend._agency_sync_run("cron", job=work)
    return {"run": run.id}


def bill(env, job):
    today = date.fromisoformat(job["today"])
    env = env(context=dict(env.context, agency_billing_today=today))
    clients = env["res.partner"].browse(job["clients"])
    # The transaction takes its snapshot here, before the signal.
    if not all(clients.mapped("billing_next_date")):
        raise RuntimeError("the clients are not due: the fixture was not seen")
    env.cr.execute("SELECT unit_amount FROM account_analytic_line WHERE id IN %s",
                   (tuple(job["entries"]),))
    wait_for(job)
    run = env["agency.billing.run"]._run_due(today, clients=clients)
    return {"run": run.id}


def main(job):
    import odoo  # noqa: PLC0415 (imported once the caller's sys.path is in place)
    import odoo.api  # noqa: PLC0415
    import odoo.modules.registry  # noqa: PLC0415

    odoo.tools.config.parse_config(job["odoo_args"])
    registry = odoo.modules.registry.Registry(job["db"])
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        result = {"sync": sync, "bill": bill}[job["action"]](env, job)
        cr.commit()  # pylint: disable=invalid-commit
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
