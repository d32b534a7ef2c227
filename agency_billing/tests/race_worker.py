"""One billing run in a process of its own, for ``test_billing_race``.

Started by the test as ``python race_worker.py JOB`` where JOB is a JSON object: the Odoo
options (addons path, data dir, database options), the database, the clients to bill, the
day to bill at, and two file paths used as a starting line across processes. The worker
loads the registry, opens its transaction (reads the clients), says it is ready, waits for
the signal to go, runs the billing of those clients and commits — as a second cron worker
process would. It prints ``{"run": id}`` on its last line of standard output.

Not a test module: Odoo's test loader only imports ``test_*`` modules.
"""

import json
import sys
import time
from datetime import date
from pathlib import Path

START_TIMEOUT = 120  # seconds to wait for the other worker to be ready


def main(job):
    import odoo  # noqa: PLC0415 (imported once the caller's sys.path is in place)
    import odoo.api  # noqa: PLC0415
    import odoo.modules.registry  # noqa: PLC0415

    odoo.tools.config.parse_config(job["odoo_args"])
    registry = odoo.modules.registry.Registry(job["db"])
    today = date.fromisoformat(job["today"])
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {
            "tracking_disable": True, "agency_billing_today": today,
        })
        clients = env["res.partner"].browse(job["clients"])
        # The transaction takes its snapshot here, before either worker bills.
        if not all(clients.mapped("billing_next_date")):
            raise RuntimeError("the clients are not due: the fixture was not seen")
        Path(job["ready"]).touch()
        deadline = time.monotonic() + START_TIMEOUT
        while not Path(job["go"]).exists():
            if time.monotonic() > deadline:
                raise RuntimeError("no start signal")
            time.sleep(0.005)
        run = env["agency.billing.run"]._run_due(today, clients=clients)
        run_id = run.id
        cr.commit()  # pylint: disable=invalid-commit
    sys.stdout.write(json.dumps({"run": run_id}) + "\n")


if __name__ == "__main__":
    main(json.loads(sys.argv[1]))
