"""Benchmark section ``workers``: a multi-worker Odoo under a webhook burst, syncs and
billing runs at once (issue 23's acceptance), then what came out of it.

    ./dev bench --sections workers
    AGENCY_BENCH_WORKERS_SECONDS=180 ./dev bench --sections workers   (a longer load)

On the agency database of ``./dev bench`` (the addons installed, no demo):

1. a fake HubSpot portal (``agency_billing_hubspot/tests/fake_hubspot.py``, real HTTP on
   127.0.0.1) of ``ACTIVITIES`` calls and meetings, its companies, contacts and won deals;
   the first sync imports it (committed per batch, as the cron does); every imported
   client bills monthly by automation from June, so the billing cron finds them due;
2. Odoo started from the harness as it is deployed: ``--workers 2 --max-cron-threads 1``
   (two HTTP workers, one cron worker, the longpolling worker), on 127.0.0.1 only; the
   backend syncs on a one-minute schedule and the billing cron runs every minute;
3. for ``AGENCY_BENCH_WORKERS_SECONDS`` (default 60): ``SENDERS`` threads change calls in
   the fake and send signed HubSpot webhook deliveries naming them (at most
   ``DELIVERIES``), while one thread presses *Sync Now* and another *Bill All Due Clients
   Now* as the administrator's web client does (``/web/dataset/call_button``) every few
   seconds; the webhooks wake the sync
   cron, the billing cron runs on its own;
4. the load stops; the cron worker gets ``DRAIN_SECONDS`` to handle what is still waiting;
   the server stops; the figures are read from the database and the server's log.

Printed: webhook events sent / answered 200 / stored / processed, duplicates (bindings,
records bound twice, invoices of a client and period), invoices per client and period,
serialization failures (deadlocks, lock timeouts) and how each ended (sync batches retried
and imported, records kept *retry pending* and imported later or still waiting, billing
clients skipped as *billed by another run* and billed later), runs by how they were
started and how they ended, and the server log's ERROR lines.

Benchmarks print figures; they assert nothing (see README.md, "Benchmarks").
"""

import http.cookiejar
import json
import os
import random
import re
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import date

import bench_sync

HELP = ("a multi-worker Odoo (--workers 2 --max-cron-threads 1) under a HubSpot webhook "
        "burst, Sync Now and Bill All Due Clients Now at once: events, duplicates, invoices "
        "per client and period, collisions and how each ended")
DEFAULT_SECONDS = 60
ACTIVITIES = 300  # calls and meetings of the fake portal (30 companies, 15 won deals)
SENDERS = 6
DELIVERIES = 1000
EVENTS_PER_DELIVERY = 3
SYNC_EVERY = 6.0  # seconds between two Sync Now
BILL_EVERY = 8.0  # seconds between two Bill All Due Clients Now
DRAIN_SECONDS = 120
ADMIN_PASSWORD = "admin"
BILLED_FROM = date(2026, 5, 31)
# Lines of the server's log that name a collision between two transactions.
COLLISION_PATTERNS = {
    "serialization failure": re.compile(r"could not serialize access", re.I),
    "deadlock": re.compile(r"deadlock detected", re.I),
    "lock timeout": re.compile(r"lock timeout|canceling statement due to lock", re.I),
    # Odoo's own answer to a request that lost (it runs the request again).
    "odoo retried": re.compile(r"SERIALIZATION_FAILURE, \d+ tries left"),
    # The runs' INFO line for a collision they handled (retry, or client left to later).
    "handled by a run": re.compile(r"collided with another transaction"),
}
ERROR_LINE = re.compile(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ")

COLUMNS = [
    ("figure", "figure", "{}"),
    ("value", "value", "{}"),
    ("detail", "detail", "{}"),
]


def section(section_cls):
    """The ``workers`` Section for bench.py's registry."""
    return section_cls(run=run_section, help=HELP, entries=ACTIVITIES, batch_sizes=())


def say(msg=""):
    bench_sync.say(msg)


# ---------------------------------------------------------------------------
# Figures (pure: tested in tests/test_bench_workers.py)
# ---------------------------------------------------------------------------


def log_figures(lines):
    """Collision lines and ERROR lines of an Odoo log.

    >>> log_figures([
    ...     "2026-12-08 02:00:00,000 1 ERROR db odoo.sql_db: bad query: x",
    ...     "ERROR: could not serialize access due to concurrent update",
    ...     "2026-12-08 02:00:01,000 1 INFO db odoo.addons.x: deadlock detected, retried",
    ...     "2026-12-08 02:00:02,000 1 WARNING db odoo.http: fine"])
    {'serialization failure': 1, 'deadlock': 1, 'lock timeout': 0, 'odoo retried': 0, \
'handled by a run': 0, 'error_lines': 1}
    """
    counts = dict.fromkeys(COLLISION_PATTERNS, 0)
    errors = 0
    for line in lines:
        for name, pattern in COLLISION_PATTERNS.items():
            if pattern.search(line):
                counts[name] += 1
        if ERROR_LINE.match(line):
            errors += 1
    return {**counts, "error_lines": errors}


def invoice_figures(rows):
    """Invoices per client and period from ``(client id, period start, period end,
    invoices)`` rows: client-periods invoiced, those with more than one invoice, the
    clients, the invoices.

    >>> invoice_figures([(1, "2026-07-01", "2026-07-31", 1), (2, "2026-07-01",
    ...                   "2026-07-31", 2), (1, "2026-08-01", "2026-08-31", 1)])
    {'client_periods': 3, 'doubled': 1, 'clients': 2, 'invoices': 4, 'max_per_period': 2}
    >>> invoice_figures([])["max_per_period"]
    0
    """
    return {
        "client_periods": len(rows),
        "doubled": sum(1 for *_key, count in rows if count > 1),
        "clients": len({row[0] for row in rows}),
        "invoices": sum(row[3] for row in rows),
        "max_per_period": max((row[3] for row in rows), default=0),
    }


def event_figures(sent, answered, stored_states):
    """Webhook events: ``sent`` and ``answered`` (event ids of deliveries answered 200),
    ``stored_states`` ({event id: state} of those stored).

    >>> event_figures({"1", "2", "3"}, {"1", "2"}, {"1": "done", "2": "pending"})
    {'sent': 3, 'answered': 2, 'stored': 2, 'processed': 1, 'pending': 1, 'lost': 0}
    """
    stored = {eid: state for eid, state in stored_states.items() if eid in sent}
    return {
        "sent": len(sent),
        "answered": len(answered),
        "stored": len(stored),
        "processed": sum(1 for state in stored.values() if state == "done"),
        "pending": sum(1 for state in stored.values() if state == "pending"),
        "lost": len(set(answered) - set(stored)),
    }


def collision_outcomes(sync_runs, logs, locked_lines):
    """How the collisions ended.

    ``sync_runs``: ``(collisions, retry_pending)`` per sync run (tries of a batch that
    lost to another transaction; records kept *retry pending* once the tries were spent);
    ``logs``: states of the records ever kept *retry pending* (``retried`` = imported by a
    later run, ``pending`` = still waiting, ``open`` = quarantined); ``locked_lines``: per
    billing-run line skipped as *billed by another run*, whether another run handled that
    client and period afterwards (billed it, or found nothing to bill).

    >>> collision_outcomes([(3, 0), (2, 4), (None, None)], ["retried", "pending"],
    ...                    [True, True, False])
    {'sync_collisions': 5, 'retry_pending_keeps': 4, 'pending_records': 2, \
'pending_imported_later': 1, 'pending_waiting': 1, 'pending_quarantined': 0, \
'billing_locked': 3, 'billing_locked_handled_later': 2, 'billing_locked_not_handled': 1}
    """
    states = Counter(logs)
    return {
        "sync_collisions": sum(c or 0 for c, _p in sync_runs),
        "retry_pending_keeps": sum(p or 0 for _c, p in sync_runs),
        "pending_records": len(logs),
        "pending_imported_later": states["retried"],
        "pending_waiting": states["pending"],
        "pending_quarantined": states["open"],
        "billing_locked": len(locked_lines),
        "billing_locked_handled_later": sum(1 for handled in locked_lines if handled),
        "billing_locked_not_handled": sum(1 for handled in locked_lines if not handled),
    }


def figure_rows(figures):
    """The printed table: one row per figure."""
    ev, inv, dup = figures["events"], figures["invoices"], figures["duplicates"]
    col, log, load = figures["collisions"], figures["log"], figures["load"]
    runs = figures["runs"]
    return [
        {"figure": "webhook events", "value": f"{ev['sent']:,} sent",
         "detail": f"{ev['answered']:,} answered 200, {ev['stored']:,} stored, "
                   f"{ev['processed']:,} processed, {ev['pending']:,} still pending, "
                   f"{ev['lost']:,} answered but not stored "
                   f"({load['deliveries']:,} deliveries, {load['refused']} not answered 200)"},
        {"figure": "duplicates", "value": sum(dup.values()),
         "detail": ", ".join(f"{name} {count}" for name, count in dup.items())},
        {"figure": "invoices per client and period",
         "value": f"{inv['client_periods']:,} periods",
         "detail": f"{inv['invoices']:,} invoices for {inv['clients']} clients; "
                   f"{inv['doubled']} client-periods with more than one invoice "
                   f"(at most {inv['max_per_period']})"},
        {"figure": "sync collisions", "value": col["sync_collisions"],
         "detail": f"batch tries that lost to another transaction, tried again after a "
                   f"backoff; once the tries were spent, {col['pending_records']} records "
                   f"kept retry pending ({col['retry_pending_keeps']} keeps): "
                   f"{col['pending_imported_later']} imported by a later run, "
                   f"{col['pending_waiting']} still waiting, "
                   f"{col['pending_quarantined']} quarantined"},
        {"figure": "billing clients locked", "value": col["billing_locked"],
         "detail": f"skipped as billed by another run: "
                   f"{col['billing_locked_handled_later']} client-periods handled by another "
                   f"run afterwards (billed, or nothing to bill), "
                   f"{col['billing_locked_not_handled']} not (yet)"},
        {"figure": "serialization failures in the log",
         "value": log["serialization failure"],
         "detail": f"{log['odoo retried']} requests Odoo ran again itself (SERIALIZATION_FAILURE"
                   f", tries left); {log['handled by a run']} collisions handled by the runs "
                   f"(INFO); deadlocks {log['deadlock']}, lock timeouts "
                   f"{log['lock timeout']}; ERROR lines {log['error_lines']}"},
        {"figure": "sync runs", "value": sum(runs["sync"].values()),
         "detail": ", ".join(f"{key} {count}" for key, count in sorted(runs["sync"].items()))},
        {"figure": "billing runs", "value": sum(runs["billing"].values()),
         "detail": ", ".join(f"{key} {count}"
                             for key, count in sorted(runs["billing"].items()))},
        {"figure": "buttons pressed", "value": load["sync_now"] + load["bill_now"],
         "detail": f"Sync Now {load['sync_now']} ({load['sync_refused']} refused: a run "
                   f"held the backend), Bill All Due Clients Now {load['bill_now']}, "
                   f"{load['rpc_errors']} other errors"},
    ]


def checks(figures):
    """What must hold (printed OK / NOT MET; nothing is asserted)."""
    ev, inv, dup = figures["events"], figures["invoices"], figures["duplicates"]
    col, runs = figures["collisions"], figures["runs"]
    return [
        {"name": "every webhook event stored and processed",
         "value": ev["processed"],
         "detail": f"{ev['processed']:,} of {ev['answered']:,} answered",
         "target": "none lost, none left pending",
         "ok": ev["lost"] == 0 and ev["pending"] == 0 and ev["processed"] == ev["answered"]},
        {"name": "no duplicate", "value": sum(dup.values()),
         "detail": ", ".join(f"{k} {v}" for k, v in dup.items()),
         "target": "0", "ok": not sum(dup.values()) and not inv["doubled"]},
        {"name": "collisions end in an import or a later run", "value": col["sync_collisions"],
         "detail": f"{col['pending_waiting']} waiting, {col['pending_quarantined']} "
                   "quarantined", "target": "none quarantined",
         "ok": col["pending_quarantined"] == 0},
        {"name": "no run failed or left running",
         "value": runs["sync"].get("failed", 0) + runs["billing"].get("running", 0),
         "detail": f"sync {dict(runs['sync'])}, billing {dict(runs['billing'])}",
         "target": "0 failed, 0 running",
         "ok": not runs["sync"].get("failed") and not runs["sync"].get("running")
         and not runs["billing"].get("running")},
    ]


# ---------------------------------------------------------------------------
# The agency, the server, the load
# ---------------------------------------------------------------------------


def prepare_agency(env, backend_id):
    """The administrator may bill (password known to the load); every imported client
    bills monthly by automation from June; the backend syncs every minute; the billing
    cron runs every minute."""
    admin = env.ref("base.user_admin")
    admin.write({"password": ADMIN_PASSWORD, "groups_id": [
        (4, env.ref("agency_billing.group_agency_billing_manager").id)]})
    backend = env["agency.hubspot.backend"].browse(backend_id)
    backend.write({"sync_auto": True, "sync_interval": 1})
    clients = env["res.partner"].browse(
        list(backend._agency_binder("company").bound().values()))
    clients.write({"billing_automation": True, "billing_cycle": "monthly",
                   "billing_month_day": 1, "billing_last_period_end": BILLED_FROM})
    cron = env.ref("agency_billing.ir_cron_agency_billing_run")
    cron.write({"active": True, "interval_number": 1, "interval_type": "minutes",
                "nextcall": env.cr.now()})
    return len(clients)


def start_workers(bench, log_path):
    """Odoo with two HTTP workers and one cron worker on the agency database."""
    dev = bench_sync._bench_module(bench).dev
    db = bench_sync._bench_module(bench).AGENCY_DB
    port = dev.free_port()
    harness = bench.harness
    log = open(log_path, "w")  # closed by stop_workers
    cmd = [*harness.odoo_command, *harness.odoo_args(
        f"--database={db}", f"--db-filter=^{db}$", f"--http-port={port}",
        f"--gevent-port={dev.free_port()}", "--http-interface=127.0.0.1", "--workers=2",
        "--max-cron-threads=1", "--limit-time-real=900", "--limit-time-cpu=600",
        "--log-level=info")]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    for _i in range(240):
        try:
            urllib.request.urlopen(f"{url}/web/login", timeout=5)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if proc.poll() is not None:
                raise RuntimeError(f"the Odoo server stopped; log: {log_path}") from None
            time.sleep(0.5)
    return proc, log, url


def stop_workers(proc, log):
    """Stop the server (its workers with it) and close its log."""
    try:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=60)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()
    log.close()


class Load:
    """The threads of the load and what they did."""

    def __init__(self, url, db, backend_id, fake, calls, signed_delivery, seconds):
        self.url, self.db, self.backend_id = url, db, backend_id
        self.fake, self.calls, self.signed = fake, calls, signed_delivery
        self.deadline = time.monotonic() + seconds
        self.lock = threading.Lock()
        self.sent, self.answered = set(), set()
        self.deliveries = self.refused = 0
        self.counts = Counter()
        self.event_ids = iter(range(1, 10 ** 9))
        self.rng = random.Random(23)

    def _session(self):
        """A logged-in session of the administrator, as Odoo's web client has."""
        opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        self._json(opener, "/web/session/authenticate",
                   {"db": self.db, "login": "admin", "password": ADMIN_PASSWORD})
        return opener

    def _json(self, opener, path, params):
        """One JSON-RPC call; raises RuntimeError with the server's message."""
        body = json.dumps({"jsonrpc": "2.0", "method": "call", "params": params,
                           "id": 1}).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=body,
                                         headers={"Content-Type": "application/json"})
        with opener.open(request, timeout=900) as answer:
            reply = json.load(answer)
        if reply.get("error"):
            raise RuntimeError(reply["error"].get("data", {}).get("message")
                               or reply["error"].get("message"))
        return reply.get("result")

    def sender(self):
        """Change calls in the fake and send deliveries naming them."""
        hook = f"{self.url}/agency_billing/hubspot/webhook/{self.backend_id}"
        while time.monotonic() < self.deadline:
            with self.lock:
                if self.deliveries >= DELIVERIES:
                    return
                self.deliveries += 1
                picks = [self.rng.choice(self.calls) for _e in range(EVENTS_PER_DELIVERY)]
                ids = [str(next(self.event_ids)) for _e in picks]
                minutes = [self.rng.randrange(5, 90) for _e in picks]
            for call, minute in zip(picks, minutes, strict=True):
                self.fake.update("calls", call, hs_call_duration=str(minute * 60_000))
            events = [{"eventId": int(eid), "subscriptionId": 1, "portalId": 4242,
                       "occurredAt": int(time.time() * 1000),
                       "subscriptionType": "object.propertyChange", "objectTypeId": "0-48",
                       "objectId": int(call), "propertyName": "hs_call_duration",
                       "attemptNumber": 0} for eid, call in zip(ids, picks, strict=True)]
            headers, body = self.signed(hook, bench_sync.SECRET, events)
            try:
                with urllib.request.urlopen(urllib.request.Request(
                        hook, data=body, headers=headers), timeout=60) as answer:
                    ok = answer.status == 200
            except (urllib.error.HTTPError, OSError):
                ok = False
            with self.lock:
                self.sent.update(ids)
                if ok:
                    self.answered.update(ids)
                else:
                    self.refused += 1

    def button(self, model, method, ids, every, key):
        """Press a button the way Odoo's web client does (``/web/dataset/call_button``,
        as the administrator) every ``every`` seconds until the deadline."""
        opener = self._session()
        path = f"/web/dataset/call_button/{model}/{method}"
        while time.monotonic() < self.deadline:
            started = time.monotonic()
            try:
                self._json(opener, path, {"model": model, "method": method, "args": [ids],
                                          "kwargs": {}})
                outcome = key
            except RuntimeError as error:
                outcome = (f"{key.split('_')[0]}_refused" if "already running" in str(error)
                           else "rpc_errors")
            except OSError:
                outcome = "rpc_errors"
            with self.lock:
                self.counts[outcome] += 1
            time.sleep(max(0.0, every - (time.monotonic() - started)))

    def run(self):
        threads = [threading.Thread(target=self.sender) for _t in range(SENDERS)]
        threads.append(threading.Thread(target=self.button, args=(
            "agency.hubspot.backend", "action_agency_sync", [self.backend_id], SYNC_EVERY,
            "sync_now")))
        threads.append(threading.Thread(target=self.button, args=(
            "agency.billing.run", "action_agency_bill_due_now", [], BILL_EVERY, "bill_now")))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return {"deliveries": self.deliveries, "refused": self.refused,
                "sync_now": self.counts["sync_now"], "sync_refused": self.counts["sync_refused"],
                "bill_now": self.counts["bill_now"], "rpc_errors": self.counts["rpc_errors"]}


def drained(env, backend_id):
    """Whether nothing waits any more: no pending event or retry, no run at work."""
    backend = env["agency.hubspot.backend"].browse(backend_id)
    domain = env["agency.sync.run"]._agency_backend_domain(backend)
    return not (env["agency.sync.event"].search_count(domain + [("state", "=", "pending")])
                or env["agency.sync.log"].search_count(domain + [("state", "=", "pending")])
                or env["agency.sync.run"].search_count(domain + [("state", "=", "running")])
                or env["agency.billing.run"].search_count([("state", "=", "running")]))


def collect(env, backend_id, sent, answered, started_at):
    """Every figure the database holds about the load."""
    cr = env.cr
    backend = ("agency.hubspot.backend", backend_id)

    def rows(query, *params):
        cr.execute(query, params)
        return cr.fetchall()

    mine = "backend_model = %s AND backend_id = %s"
    events = event_figures(sent, answered, dict(rows(
        f"SELECT event_id, state FROM agency_sync_event WHERE {mine}", *backend)))
    duplicates = {
        "bindings": rows(f"SELECT count(*) FROM (SELECT 1 FROM agency_sync_binding WHERE "
                         f"{mine} GROUP BY external_type, external_id HAVING count(*) > 1) d",
                         *backend)[0][0],
        "records bound twice": rows(
            f"SELECT count(*) FROM (SELECT 1 FROM agency_sync_binding WHERE {mine} "
            "GROUP BY res_model, res_id HAVING count(*) > 1) d", *backend)[0][0],
    }
    periods = rows("""
        SELECT m.commercial_partner_id, m.billing_period_start, m.billing_period_end, count(*)
          FROM account_move m
         WHERE m.billing_run_id IS NOT NULL AND m.move_type = 'out_invoice'
           AND m.state != 'cancel'
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3""")
    invoices = invoice_figures(periods)
    duplicates["invoices of a client and period"] = invoices["doubled"]
    sync_runs = rows(f"SELECT collisions, retry_pending FROM agency_sync_run WHERE {mine} "
                     "AND date_start >= %s", *backend, started_at)
    logs = [state for (state,) in rows(
        f"SELECT state FROM agency_sync_log WHERE {mine} AND error ILIKE %s", *backend,
        "%another transaction%")]
    locked = [handled for (handled,) in rows("""
        SELECT EXISTS (SELECT 1 FROM agency_billing_run_line o
                        WHERE o.partner_id = l.partner_id AND o.run_id != l.run_id
                          AND o.period_end IS NOT DISTINCT FROM l.period_end
                          AND o.reason IS DISTINCT FROM 'locked')
          FROM agency_billing_run_line l JOIN agency_billing_run r ON r.id = l.run_id
         WHERE l.reason = 'locked' AND r.started_at >= %s""", started_at)]
    sync = Counter(dict(rows(
        f"SELECT kind || ' ' || trigger || ' ' || state, count(*) FROM agency_sync_run "
        f"WHERE {mine} AND date_start >= %s GROUP BY 1", *backend, started_at)))
    billing = Counter(dict(rows(
        "SELECT trigger || ' ' || state, count(*) FROM agency_billing_run "
        "WHERE started_at >= %s GROUP BY 1", started_at)))
    return {"events": events, "duplicates": duplicates, "invoices": invoices,
            "collisions": collision_outcomes(sync_runs, logs, locked),
            "runs": {"sync": sync, "billing": billing}}


def by_state(counts):
    """``{"<kind> <trigger> <state>": n}`` summed by state (the last word).

    >>> by_state({"sync cron done": 2, "events webhook done": 3, "sync manual failed": 1})
    {'done': 5, 'failed': 1}
    """
    states = {}
    for key, count in counts.items():
        state = key.rsplit(" ", 1)[-1]
        states[state] = states.get(state, 0) + count
    return states


def run_section(bench, section_def, opts):
    """Set up, load, drain, collect (see the module docstring)."""
    seconds = int(os.environ.get("AGENCY_BENCH_WORKERS_SECONDS") or DEFAULT_SECONDS)
    fake_module = bench_sync.import_fake("odoo.addons.agency_billing_hubspot.tests.fake_hubspot")
    module = bench_sync._bench_module(bench)
    db = module.AGENCY_DB
    fake = fake_module.FakeHubSpot(token=bench_sync.TOKEN).start()
    log_path = bench.harness.data_dir.parent / "logs" / f"{db}-workers.log"
    try:
        with bench.env("agency", commit=True) as env:
            owners, jobs = bench_sync.hubspot_agency(bench, env, "WK", employees=12)
        ids, count = bench_sync.hubspot_portal(fake, opts.entries or ACTIVITIES, seed=23,
                                               owners=owners)
        with bench.env("agency", commit=True) as env:
            backend_id = bench_sync.hubspot_backend(env, fake, "Bench workers", jobs).id
        say(f"  first sync of {count:,} records ...")
        first = bench_sync.measure_run(bench, backend_id, "first sync", count, commit=True)
        with bench.env("agency", commit=True) as env:
            clients = prepare_agency(env, backend_id)
            started_at = env.cr.now()
        say(f"  Odoo --workers 2 --max-cron-threads 1 on {db}; {seconds} s of load ...")
        proc, log, url = start_workers(bench, log_path)
        try:
            load = Load(url, db, backend_id, fake, ids["call"], fake_module.signed_delivery,
                        seconds)
            load_figures = load.run()
            say(f"  load done ({load_figures}); draining (at most {DRAIN_SECONDS} s) ...")
            waited = time.monotonic()
            while time.monotonic() - waited < DRAIN_SECONDS:
                with bench.env("agency") as env:
                    if drained(env, backend_id):
                        break
                time.sleep(3)
            drain_seconds = time.monotonic() - waited
        finally:
            stop_workers(proc, log)
        with bench.env("agency") as env:
            figures = collect(env, backend_id, load.sent, load.answered, started_at)
        figures["load"] = load_figures
        with open(log_path) as handle:
            figures["log"] = log_figures(handle)
    finally:
        fake.stop()
    rows = figure_rows(figures)
    rows.insert(0, {"figure": "set-up", "value": f"{count:,} records",
                    "detail": f"first sync {first['seconds']:.0f} s ({first['state']}); "
                              f"{clients} clients billing monthly from June; load "
                              f"{seconds} s, drained in {drain_seconds:.0f} s; server log "
                              f"{log_path}"})
    states = {"sync": by_state(figures["runs"]["sync"]),
              "billing": by_state(figures["runs"]["billing"])}
    return {"title": HELP, "columns": COLUMNS, "rows": rows,
            "checks": checks({**figures, "runs": states}), "figures": figures}
