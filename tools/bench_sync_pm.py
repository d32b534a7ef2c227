"""Benchmark parts ``asana`` and ``monday`` of the section ``sync`` (see bench_sync.py).

    ./dev bench --sections sync [--entries 30000]

Each part, against its vendor's fake (``agency_billing_pm/tests/fake_asana.py`` through
the real ``asana`` SDK, ``fake_monday.py`` through ``requests``; real HTTP on 127.0.0.1):

* an agency of 20 clients with a confirmed contract and a billable project each, 40
  employees (work emails = the source's users) and a rate card per role;
* at the source, 20 projects (boards) linked to those projects, 5,000 tasks (250 per
  project, a service type value each) and N time entries (``--entries``, default
  30,000: 6 per task) dated within the last three weeks;
* **first sync**, committed per batch as the cron does: records per second (tasks + time
  entries), every entry rated, classified and on an order line (budgeted), peak memory;
* **re-sync of unchanged data**: the next scheduled sync in a transaction that counts the
  rows it writes and is rolled back;
* **status → milestone → draft invoice**: a task moved to "Client approved" at the source,
  its webhook event stored as the controller stores it, then one tick of the account's cron
  and one of the billing cron: the seconds from the event to the drafted invoice.

Benchmarks print figures; they assert nothing (README.md, "Benchmarks").
"""

import random
import time
from datetime import date, timedelta

import bench_sync
from bench_sync import (
    MEMORY_TARGET_MIB,
    RECORDS_PER_S_TARGET,
    RESYNC_SHARE_TARGET,
    _bench_module,
    entry_figures,
    import_fake,
    measure_run,
    say,
)

PROJECTS = 20
TASKS = 5_000
ENTRIES = 30_000
EMPLOYEES = 40
MILESTONE_TARGET_S = 300  # "under 5 minutes of the webhook (one cron tick)"
TOKEN = "bench-pm-token"
MODEL = "agency.pm.backend"
SECRET = "bench-pm-webhook-secret"
SERVICE_VALUES = ["strategy", "creative", "design", "account_management"]
PM_TABLES = ("project_task", "project_milestone", "account_analytic_line", "sale_order_line",
             "agency_sync_binding", "agency_sync_log", "agency_sync_conflict",
             "agency_pm_project_link", "agency_pm_user", "mail_message", "account_move",
             "agency_scope_line")


def pm_agency(bench, env, tag):
    """20 clients with a confirmed contract and project, 40 employees with work emails,
    the rate card; returns (agency, [(email, employee id)])."""
    module = _bench_module(bench)
    size = module.AgencySize(clients=PROJECTS, employees=EMPLOYEES, tasks_per_project=1,
                             seed=11)
    agency = module.generate_agency(env, size, tag=tag)
    module.configure_agency_rules(env, agency)
    employees = env["hr.employee"].browse(agency.employee_ids)
    people = []
    for i, employee in enumerate(employees):
        employee.work_email = f"person{i}@{tag.lower()}.bench.test"
        people.append((employee.work_email, employee.id))
    # A milestone billed when reached, on the first project.
    order = env["sale.order"].browse(agency.order_ids[0])
    product = env["product.product"].create({
        "name": f"{tag} milestone", "type": "service", "service_type": "milestones",
        "invoice_policy": "delivery", "service_tracking": "no", "list_price": 5000.0})
    order.write({"order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 1,
                                        "price_unit": 5000.0})]})
    line = order.order_line.filtered(lambda sol: sol.product_id == product)
    env["project.milestone"].create({
        "name": f"{tag} concept approval", "project_id": agency.project_ids[0],
        "sale_line_id": line.id, "quantity_percentage": 1.0})
    client = env["res.partner"].browse(agency.client_ids[0])
    client.write({"billing_automation": True, "billing_cycle": "monthly",
                  "billing_last_period_end": date.today() - timedelta(days=400)})
    env.flush_all()
    return agency, people


def asana_source(fake, agency, people, tag, entries):
    """The Asana workspace: users, a "Service type" enum field, 20 projects, tasks, time."""
    rng = random.Random(3)
    users = [fake.add_user(f"Person {i}", email) for i, (email, _eid) in enumerate(people)]
    fake.add_custom_field("Service type", options=SERVICE_VALUES)
    projects = [fake.add_project(f"{tag} source project {p:02d}",
                                 sections=("To do", "In review", "Client approved"))
                for p in range(PROJECTS)]
    per_task = max(1, entries // TASKS)
    today = date.today()
    tasks = []
    for t in range(TASKS):
        project = projects[t % PROJECTS]
        name = f"{tag} concept approval" if t == 0 else f"Task {t:05d}"
        gid = fake.add_task(project, name, assignee=users[t % len(users)],
                            fields={"Service type": SERVICE_VALUES[t % 4]})
        tasks.append(gid)
        for e in range(per_task):
            fake.add_time_entry(gid, users[(t + e) % len(users)], rng.randrange(15, 240, 5),
                                (today - timedelta(days=rng.randrange(0, 21))).isoformat(),
                                billable_status="billable", approval_status="APPROVED",
                                description=f"Work {t}.{e}")
    return projects, tasks, TASKS + per_task * TASKS


def monday_source(fake, agency, people, tag, entries):
    """The Monday.com account: users, 20 boards, items with a service type, sessions."""
    rng = random.Random(4)
    users = [fake.add_user(f"Person {i}", email) for i, (email, _eid) in enumerate(people)]
    boards = [fake.add_board(f"{tag} source board {p:02d}",
                             groups=("Working on it", "Client approved"))
              for p in range(PROJECTS)]
    per_item = max(1, entries // TASKS)
    now = int(time.time())
    items = []
    for t in range(TASKS):
        board = boards[t % PROJECTS]
        name = f"{tag} concept approval" if t == 0 else f"Item {t:05d}"
        item = fake.add_item(board, name, status="Working on it",
                             service=SERVICE_VALUES[t % 4])
        items.append(item)
        for e in range(per_item):
            start = now - rng.randrange(1, 21) * 86400 - rng.randrange(0, 36000)
            fake.add_time_session(item, users[(t + e) % len(users)], start,
                                  start + rng.randrange(15, 240, 5) * 60)
    return boards, items, TASKS + per_item * TASKS


def pm_backend(env, provider, fake, tag, sources, agency):
    values = {"name": f"Bench {provider} {tag}", "provider": provider, "access_token": TOKEN,
              "sync_retry_delay": 0.0, "sync_request_budget": 100_000,
              "daily_call_budget": 0, "webhook_secret": SECRET}
    if provider == "asana":
        values.update(base_url=fake.url, workspace_ref=fake.workspace,
                      service_field="Service type", milestone_source="section")
    else:
        values.update(base_url=fake.api_url, service_field="Service type",
                      milestone_source="section")
    backend = env["agency.pm.backend"].create(values)
    env["agency.pm.project.link"].create([
        {"backend_id": backend.id, "external_id": str(ref), "name": f"{tag} {i}",
         "project_id": project}
        for i, (ref, project) in enumerate(zip(sources, agency.project_ids, strict=True))])
    return backend


def milestone_latency(bench, backend_id, provider, fake, task_ref):
    """Move the milestone's task to "Client approved" at the source, store the webhook
    event as the controller does, run one tick of the account's cron and one of the
    billing cron: seconds until the milestone's invoice is drafted."""
    if provider == "asana":
        fake.move_task_to_section(task_ref, "Client approved")
    else:
        fake.edit_item(task_ref, group="Client approved")
    t0 = time.perf_counter()
    with bench.env("agency", commit=True) as env:
        backend = env["agency.pm.backend"].browse(backend_id)
        env["agency.sync.event"].sudo()._agency_store(backend, [{
            "event_id": f"bench-{task_ref}-{time.time()}", "external_type": "task",
            "external_id": str(task_ref), "occurred_at": None, "change": "changed"}])
    with bench.env("agency", commit=True) as env:
        env["agency.pm.backend"].browse(backend_id)._agency_cron_sync()
    with bench.env("agency", commit=True) as env:
        env.ref("agency_billing.ir_cron_agency_billing_run").method_direct_trigger()
    seconds = time.perf_counter() - t0
    with bench.env("agency") as env:
        backend = env["agency.pm.backend"].browse(backend_id)
        task = backend._agency_binder("task", "project.task").to_internal(task_ref, unwrap=True)
        milestone = task.milestone_id
        invoice = milestone.agency_invoice_id
        result = {"seconds": seconds, "reached": bool(milestone.is_reached),
                  "invoice": invoice.name or (invoice and f"draft #{invoice.id}") or "",
                  "amount": invoice.amount_untaxed if invoice else 0.0}
    return result


def pm_part(provider):
    def run_part(bench, section, opts):
        entries = opts.entries if opts.entries and opts.entries != section.entries else ENTRIES
        tag = f"PM{provider[:3].upper()}"
        fake_module = import_fake(f"odoo.addons.agency_billing_pm.tests.fake_{provider}")
        fake_class = fake_module.FakeAsana if provider == "asana" else fake_module.FakeMonday
        fake = fake_class(token=TOKEN).start()
        try:
            with bench.env("agency", commit=True) as env:
                agency, people = pm_agency(bench, env, tag)
            say(f"  {provider}: {PROJECTS} projects, {TASKS:,} tasks, {entries:,} time "
                "entries at the source ...")
            builder = asana_source if provider == "asana" else monday_source
            sources, tasks, count = builder(fake, agency, people, tag, entries)
            with bench.env("agency", commit=True) as env:
                backend_id = pm_backend(env, provider, fake, tag, sources, agency).id
            say(f"  {provider}: first sync of {count:,} records ...")
            first = measure_run(bench, backend_id, "first sync", count, commit=True,
                                model=MODEL, tables=PM_TABLES)
            say(f"  {provider}: re-sync of unchanged data ...")
            again = measure_run(bench, backend_id, "re-sync, unchanged", count,
                                commit=False, model=MODEL, tables=PM_TABLES)
            figures = entry_figures(bench, backend_id, model=MODEL)
            say(f"  {provider}: status -> milestone -> draft invoice ...")
            latency = milestone_latency(bench, backend_id, provider, fake, tasks[0])
        finally:
            fake.stop()
        rows = [first, again, {"run": "status -> milestone -> invoice", "records": 1,
                               "seconds": round(latency["seconds"], 2)}]
        share = again["seconds"] / first["seconds"] if first["seconds"] else 0
        name = "Asana" if provider == "asana" else "Monday.com"
        checks = [
            {"name": f"{name} first sync throughput", "value": round(first["per_second"], 1),
             "detail": f"{count:,} records in {first['seconds']:.0f} s = "
                       f"{first['per_second']:.0f} records/s ({figures['entries']:,} time "
                       f"entries: {figures['rated']:,} rated, {figures['classified']:,} "
                       f"classified, {figures['routed']:,} on an order line); "
                       f"{first['requests']:,} requests, state {first['state']}",
             "target": f">= {RECORDS_PER_S_TARGET} records/s",
             "ok": first["per_second"] >= RECORDS_PER_S_TARGET and first["state"] == "done"},
            {"name": f"{name} re-sync of unchanged data", "value": round(share, 3),
             "detail": f"{again['seconds']:.1f} s = {share:.1%} of the first sync, "
                       f"{again['writes']} rows written, {again['requests']:,} requests",
             "target": f"no write, < {RESYNC_SHARE_TARGET:.0%} of the first sync",
             "ok": again["writes"] == 0 and share < RESYNC_SHARE_TARGET},
            {"name": f"{name} status -> milestone -> draft invoice",
             "value": round(latency["seconds"], 1),
             "detail": f"{latency['seconds']:.1f} s from the webhook event to the invoice "
                       f"({'reached' if latency['reached'] else 'NOT reached'}, "
                       f"{latency['invoice'] or 'no invoice'}, "
                       f"{latency['amount']:,.2f})",
             "target": f"< {MILESTONE_TARGET_S} s (one cron tick)",
             "ok": latency["reached"] and latency["amount"] > 0
             and latency["seconds"] < MILESTONE_TARGET_S},
            {"name": f"{name} first sync peak memory", "value": first["rss_peak_mib"],
             "detail": f"{first['rss_peak_mib']:,.0f} MiB resident at peak (the fake's "
                       "workspace is in the same process)",
             "target": f"< {MEMORY_TARGET_MIB:,} MiB",
             "ok": first["rss_peak_mib"] < MEMORY_TARGET_MIB},
        ]
        return {"rows": rows, "checks": checks}

    return run_part


bench_sync.part("asana")(pm_part("asana"))
bench_sync.part("monday")(pm_part("monday"))
