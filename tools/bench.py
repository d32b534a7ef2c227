#!/usr/bin/env python3
"""Agency Billing benchmarks: generate an agency of a given size, print figures.

    ./dev bench [--sections create] [--entries N] [--batch-sizes 1000] [--keep] [--json PATH]

Run through ``./dev bench``: the harness provides the virtualenv, the template database
(Odoo's sale_timesheet, sale_project, account_payment, mail and their demo data) and these
environment variables:

    PYTHONPATH            the Odoo root, so ``import odoo`` works
    AB_ODOO_ADDONS_PATH   comma-separated addons path, including this repository
    AB_DATA_DIR           Odoo data dir (filestores in AB_DATA_DIR/filestore/<db>)
    AB_TEMPLATE_DB        the template database
    AB_DB_OPTS            JSON dict of Odoo database options (db_host, db_port, ...)
    AB_ODOO_COMMAND       JSON list: how dev.py starts Odoo (python + odoo-bin); optional

Two fresh databases are copied from the template: ``ab_bench_native`` (Odoo's own
sale_timesheet, the baseline) and ``ab_bench_agency`` (the agency addons installed).
Odoo then runs in this process; every measurement happens in its own cursor, which is
rolled back, so each one starts from the same state. Both databases are dropped at the
end unless ``--keep``.

The benchmark is made of *sections* (``SECTIONS``), each a function that receives the
prepared databases and shares the data-generation helpers below. Today:

    create   create N time entries in one create() + flush_all(), native vs agency
    scope    the scope cron (burn, forecasts, alerts) over 500 projects at 10,000 and
             50,000 time entries, and the scope hook on 1,000 new entries (agency only)
    billing  a billing run for every client vs Odoo's own sale.order._create_invoices
    sync     first sync, unchanged re-sync and a webhook burst against the vendors'
             local fakes (tools/bench_sync.py and its parts, tools/bench_sync_*.py)
    analytics  each report's first screen and the dashboard on a year, then five years, of
             a medium agency; the cash forecast's back-test (tools/bench_analytics.py)
    workers  a multi-worker Odoo (--workers 2 --max-cron-threads 1) under a webhook burst,
             Sync Now and Bill All Due Clients Now at once: events, duplicates, invoices
             per client and period, collisions and how each ended (tools/bench_workers.py)

Benchmarks print figures; they assert nothing about time (see README.md, "Benchmarks").
"""

import argparse
import cProfile
import gc
import importlib
import io
import json
import os
import platform
import pstats
import random
import re
import resource
import shutil
import subprocess
import sys
import time
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
import bench_sync  # noqa: E402
import dev  # noqa: E402
import odoo_log  # noqa: E402

NATIVE_DB = "ab_bench_native"
AGENCY_DB = "ab_bench_agency"
# Order matters: each measurement runs the native database first, then the agency one.
DATABASES = {"native": NATIVE_DB, "agency": AGENCY_DB}
TIME_TARGET = 1.25  # agency time at most 1.25x native sale_timesheet for the same entries
EDIT_ENTRIES = 1_000  # a grid edit: the description of this many existing entries
FLAT_FACTOR = 2.0  # queries "flat" when the largest batch needs less than 2x the smallest

# Job positions and what each writes in its timesheets (names only matter for realism).
ROLES = {
    "Account Director": ["Weekly status call with client", "Budget and scope follow-up"],
    "Creative Director": ["Concept review round", "Key visual direction"],
    "Designer": ["Banner resizes for display", "Landing page mockups", "Social post designs"],
    "Copywriter": ["Landing page copy", "Email newsletter copy", "Social captions"],
    "Media Buyer": ["Campaign setup in Meta Ads", "Bid optimisation and pacing"],
    "Strategist": ["Audience research", "Competitor analysis"],
}
# Service products sold by the hour: (name, price per hour). Each order has one line each.
SERVICES = [
    ("Bench Strategy (hour)", 160.0),
    ("Bench Creative (hour)", 150.0),
    ("Bench Design (hour)", 120.0),
    ("Bench Account management (hour)", 110.0),
]


def say(msg=""):
    """Progress messages go to stderr; the figures go to stdout."""
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencySize:
    """How big the generated agency is; everything derives from ``seed``."""

    clients: int = 50
    employees: int = 40
    tasks_per_project: int = 5
    days: int = 60
    seed: int = 2026

    def check(self):
        """Raise ValueError when a parameter makes no agency."""
        for name in ("clients", "employees", "tasks_per_project", "days"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, not {getattr(self, name)}")
        return self


@dataclass(frozen=True)
class Section:
    """One part of the benchmark: a function and the sizes it runs at by default."""

    run: object
    help: str
    size: AgencySize = AgencySize()
    entries: int = 10_000
    batch_sizes: tuple = (1_000,)


def positive_int(text):
    """argparse type: an integer >= 1; accepts 10000, 10_000 and 10,000."""
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}")
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value


def int_list(text):
    """argparse type: comma-separated positive integers ("1000" or "100,1000")."""
    return tuple(positive_int(part) for part in text.split(",") if part.strip())


def section_list(text):
    """argparse type: comma-separated names of SECTIONS, in the order given."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown section(s) {', '.join(unknown) or '(none)'}; "
            f"choose among: {', '.join(SECTIONS)}"
        )
    return names


def build_parser():
    """Command-line options; size options default to each section's own defaults."""
    parser = argparse.ArgumentParser(
        prog="./dev bench", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    create = SECTIONS["create"]
    parser.add_argument("--sections", type=section_list, default=list(SECTIONS),
                        metavar="NAMES", help="comma-separated sections to run "
                        f"(default: all, i.e. {','.join(SECTIONS)})")
    parser.add_argument("--entries", type=positive_int, metavar="N",
                        help=f"time entries of the largest batch (create: {create.entries:,})")
    parser.add_argument("--batch-sizes", type=int_list, metavar="N[,N...]",
                        help="smaller batch sizes measured too "
                        f"(create: {','.join(map(str, create.batch_sizes))})")
    parser.add_argument("--clients", type=positive_int, metavar="N",
                        help=f"clients, one order and project each (create: {create.size.clients})")
    parser.add_argument("--employees", type=positive_int, metavar="N",
                        help=f"employees logging time (create: {create.size.employees})")
    parser.add_argument("--tasks", type=positive_int, metavar="N",
                        help=f"tasks per project (create: {create.size.tasks_per_project})")
    parser.add_argument("--days", type=positive_int, metavar="N",
                        help=f"entries spread over the last N days (create: {create.size.days})")
    parser.add_argument("--seed", type=int, help=f"random seed (create: {create.size.seed})")
    parser.add_argument("--repeat", type=positive_int, default=1, metavar="R",
                        help="measure each batch R times, report the fastest (default 1)")
    parser.add_argument("--history", type=int, default=10000, metavar="N",
                        help="create section: also measure after N earlier entries were "
                        "committed (the 'steady' scenario, where the billing lines at the "
                        "agreed rates already exist); 0 measures only the cold scenario "
                        "(default: %(default)s)")
    parser.add_argument("--warmup", type=int, default=50, metavar="N",
                        help="entries created and rolled back first in each database (default 50)")
    parser.add_argument("--keep", action="store_true",
                        help=f"keep the databases {NATIVE_DB} and {AGENCY_DB} afterwards")
    parser.add_argument("--json", metavar="PATH", type=Path,
                        help="also write the figures as JSON to PATH")
    parser.add_argument("--profile", metavar="DIR", type=Path,
                        help="profile each measured block with cProfile: DIR/<label>.prof "
                        "and the top functions in DIR/<label>.txt (the profiler's overhead "
                        "makes these runs' figures incomparable with unprofiled ones)")
    return parser


def section_size(opts, section):
    """The agency size of a section: its defaults, overridden by the command line."""
    overrides = {
        "clients": opts.clients, "employees": opts.employees,
        "tasks_per_project": opts.tasks, "days": opts.days, "seed": opts.seed,
    }
    return replace(section.size, **{k: v for k, v in overrides.items() if v is not None}).check()


def section_batches(opts, section):
    """Batch sizes of a section, ascending, always ending with the number of entries."""
    entries = opts.entries or section.entries
    smaller = opts.batch_sizes if opts.batch_sizes is not None else section.batch_sizes
    return sorted({*(n for n in smaller if n < entries), entries})


# ---------------------------------------------------------------------------
# Harness environment and Odoo
# ---------------------------------------------------------------------------


@dataclass
class Harness:
    """What ./dev bench hands over in the environment (see the module docstring)."""

    addons_path: str
    data_dir: Path
    template: str
    db_opts: dict
    odoo_command: list

    @classmethod
    def from_environ(cls, environ=None):
        """Read the AB_* variables; stop with a clear message when run outside ./dev."""
        environ = os.environ if environ is None else environ
        missing = [name for name in ("AB_ODOO_ADDONS_PATH", "AB_DATA_DIR", "AB_TEMPLATE_DB",
                                     "AB_DB_OPTS") if not environ.get(name)]
        if missing:
            sys.exit(f"bench.py: {', '.join(missing)} not set. Run it as ./dev bench ...")
        command = json.loads(environ.get("AB_ODOO_COMMAND") or "null")
        if not command:
            odoo_root = next(p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p)
            command = [sys.executable, str(Path(odoo_root) / "odoo-bin")]
        return cls(
            addons_path=environ["AB_ODOO_ADDONS_PATH"],
            data_dir=Path(environ["AB_DATA_DIR"]),
            template=environ["AB_TEMPLATE_DB"],
            db_opts=json.loads(environ["AB_DB_OPTS"]),
            odoo_command=command,
        )

    def odoo_args(self, *extra):
        """Odoo options shared by the install subprocess and the in-process config."""
        args = [f"--addons-path={self.addons_path}", f"--data-dir={self.data_dir}",
                "--max-cron-threads=0", "--log-level=warn"]
        args += [f"--{key}={value}" for key, value in self.db_opts.items()]
        return [*args, *extra]

    def filestore(self, dbname):
        return self.data_dir / "filestore" / dbname


def load_odoo(harness):
    """Import Odoo and configure it like the harness does; return the odoo package."""
    odoo = importlib.import_module("odoo")
    for name in ("odoo.api", "odoo.modules.registry", "odoo.release", "odoo.sql_db"):
        importlib.import_module(name)
    odoo.tools.config.parse_config(harness.odoo_args())
    return odoo


class PeakMemory:
    """Peak resident memory (RSS) of the process while a block runs, in MiB.

    On Linux the kernel's peak-RSS mark (VmHWM) is reset before the block by writing 5 to
    /proc/self/clear_refs, so ``peak`` is the block's own peak and ``growth`` that peak
    minus the RSS at the start. Elsewhere both come from getrusage(RUSAGE_SELF).ru_maxrss,
    whose growth only shows what goes beyond the earlier peak of the process.

    Python keeps freed memory for reuse, so the growth of a block that follows a bigger
    one is small: compare the peaks, and read the growth of the first runs.
    """

    METHOD_HWM = "RSS peak per measurement (VmHWM reset via /proc/self/clear_refs)"
    METHOD_RUSAGE = "getrusage(RUSAGE_SELF).ru_maxrss (process peak; growth beyond it only)"

    def __init__(self):
        self.method = self.available_method()
        self.start = self._now()

    @classmethod
    def available_method(cls):
        """Which figure this machine gives (resets the peak mark when it can)."""
        return cls.METHOD_HWM if cls._reset_hwm() else cls.METHOD_RUSAGE

    @staticmethod
    def _reset_hwm():
        try:
            with open("/proc/self/clear_refs", "w") as handle:
                handle.write("5")
            return True
        except OSError:
            return False

    @staticmethod
    def _status_kib(key):
        with open("/proc/self/status") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        raise KeyError(key)

    def _now(self):
        if self.method == self.METHOD_HWM:
            return self._status_kib("VmRSS")
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def peak_kib(self):
        """The peak since the start (VmHWM) or of the process (ru_maxrss), in KiB."""
        if self.method == self.METHOD_HWM:
            return self._status_kib("VmHWM")
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def figures(self):
        """(peak MiB, growth MiB over the start) at the end of the block."""
        peak = self.peak_kib()
        return round(peak / 1024, 1), round(max(peak - self.start, 0) / 1024, 1)


@contextmanager
def profiled(bench, label):
    """cProfile the block when ``--profile DIR`` was given: DIR/<label>.prof, and the top
    40 functions by cumulative and by own time in DIR/<label>.txt."""
    directory = getattr(bench.opts, "profile", None)
    if not directory:
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        profiler.dump_stats(directory / f"{label}.prof")
        out = io.StringIO()
        for order in ("cumulative", "tottime"):
            pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(40)
        (directory / f"{label}.txt").write_text(out.getvalue())


# ---------------------------------------------------------------------------
# Databases
# ---------------------------------------------------------------------------


def _quote_db(name):
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        raise ValueError(f"unexpected database name {name!r}")
    return f'"{name}"'


class Bench:
    """The prepared databases, their registries, and the figures collected so far."""

    def __init__(self, harness, opts):
        self.harness = harness
        self.opts = opts
        self.odoo = None
        self.registries = {}
        self.context = {}
        self.results = {}

    # -- administration ------------------------------------------------------

    @contextmanager
    def admin_cursor(self):
        """Autocommit cursor on the 'postgres' database, for CREATE/DROP DATABASE."""
        with closing(self.odoo.sql_db.db_connect("postgres").cursor()) as cr:
            cr._cnx.autocommit = True
            yield cr

    def drop(self, dbname):
        """Drop a database and its filestore, closing Odoo's and others' connections."""
        self.odoo.modules.registry.Registry.delete(dbname)
        self.odoo.sql_db.close_db(dbname)
        with self.admin_cursor() as cr:
            cr.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = %s AND pid != pg_backend_pid()", (dbname,))
            cr.execute(f"DROP DATABASE IF EXISTS {_quote_db(dbname)}")
        shutil.rmtree(self.harness.filestore(dbname), ignore_errors=True)

    def copy_template(self, dbname, attempts=30):
        """CREATE DATABASE ... TEMPLATE, retrying while someone else copies the template."""
        template = self.harness.template
        for attempt in range(attempts):
            try:
                with self.admin_cursor() as cr:
                    cr.execute(f"CREATE DATABASE {_quote_db(dbname)} "
                               f"TEMPLATE {_quote_db(template)}")
                break
            except Exception as exc:
                if "being accessed by other users" not in str(exc) or attempt == attempts - 1:
                    raise
                time.sleep(1)
        src = self.harness.filestore(template)
        if src.exists():
            shutil.copytree(src, self.harness.filestore(dbname), dirs_exist_ok=True)

    def install_addons(self, dbname):
        """Install the agency addons in a subprocess, as ./dev does (without our demo)."""
        log_path = self.harness.data_dir.parent / "logs" / f"{dbname}-install.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        cmd = [*self.harness.odoo_command, *self.harness.odoo_args(
            f"--database={dbname}", f"--db-filter=^{dbname}$", "-i", ",".join(dev.ADDONS),
            "--stop-after-init", "--without-demo=all", f"--http-port={dev.free_port()}",
        )]
        with open(log_path, "w") as log:
            proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, check=False)
        lines = log_path.read_text().splitlines()
        report = odoo_log.analyse(lines, dev.ADDONS, dev.IGNORED_LOG)
        if proc.returncode or report.log_errors:
            errors = "\n".join(rec.text for rec in report.log_errors[:3]) or "\n".join(lines[-20:])
            raise RuntimeError(f"installing {', '.join(dev.ADDONS)} in {dbname} failed "
                               f"(exit {proc.returncode}); log: {log_path}\n{errors}")

    def prepare(self):
        """Fresh copies of the template; the agency addons installed in one of them."""
        self.odoo = load_odoo(self.harness)
        for dbname in DATABASES.values():
            self.drop(dbname)
        for dbname in DATABASES.values():
            say(f"Copying {self.harness.template} into {dbname} ...")
            self.copy_template(dbname)
        say(f"Installing {', '.join(dev.ADDONS)} in {AGENCY_DB} ...")
        started = time.perf_counter()
        self.install_addons(AGENCY_DB)
        self.context["install_agency_addons_s"] = round(time.perf_counter() - started, 1)
        for key, dbname in DATABASES.items():
            say(f"Loading the Odoo registry of {dbname} ...")
            self.registries[key] = self.odoo.modules.registry.Registry(dbname)
        self.context.update(self.machine_context())

    def cleanup(self):
        """Drop the databases unless --keep."""
        if self.odoo is None:
            return
        if self.opts.keep:
            say(f"Databases kept: {', '.join(DATABASES.values())}")
            return
        for dbname in DATABASES.values():
            self.drop(dbname)

    # -- environments --------------------------------------------------------

    @contextmanager
    def env(self, key, commit=False):
        """A superuser environment on a new cursor; rolled back unless commit=True."""
        with self.registries[key].cursor() as cr:
            env = self.odoo.api.Environment(cr, self.odoo.SUPERUSER_ID, {})
            try:
                yield env
                if commit:
                    env.flush_all()
                    cr.commit()
            finally:
                cr.rollback()

    def machine_context(self):
        """What the figures depend on: machine, versions, load."""
        with self.env("agency") as env:
            env.cr.execute("SHOW server_version")
            pg_version = env.cr.fetchone()[0]
            modules = env["ir.module.module"].search([("name", "in", list(dev.ADDONS))])
            addons = {m.name: f"{m.latest_version} ({m.state})" for m in modules}
        try:
            commit = subprocess.run(["git", "-C", str(REPO), "describe", "--always", "--dirty"],
                                    capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            commit = ""
        return {
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
            "cpu_count": os.cpu_count(),
            "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(),
            "odoo": self.odoo.release.version,
            "postgresql": pg_version,
            "repo_commit": commit,
            "agency_addons": addons,
            "memory_method": PeakMemory.available_method(),
        }


# ---------------------------------------------------------------------------
# Data generation (Odoo core models only: works in the native database too)
# ---------------------------------------------------------------------------


@dataclass
class Agency:
    """Ids of a generated agency in one database: what time-entry vals are made of.

    Lists are in generation order, so the same index means the same thing in every
    database even though the ids differ.
    """

    size: AgencySize
    client_ids: list = field(default_factory=list)
    employee_ids: list = field(default_factory=list)
    employee_roles: list = field(default_factory=list)
    product_ids: list = field(default_factory=list)
    order_ids: list = field(default_factory=list)
    project_ids: list = field(default_factory=list)
    task_ids: list = field(default_factory=list)  # one list of task ids per project


def _find_or_create(model, name):
    record = model.search([("name", "=", name)], limit=1)
    return record or model.create({"name": name})


def generate_people(env, rng, agency, jobs, tag):
    """``agency.size.employees`` employees in random roles (job positions), hourly costs."""
    roles = [rng.choice(list(ROLES)) for _i in range(agency.size.employees)]
    employees = env["hr.employee"].create([
        {"name": f"{tag} Employee {i:04d}", "job_id": jobs[role].id, "job_title": role,
         "hourly_cost": rng.randrange(30, 80)}
        for i, role in enumerate(roles)
    ])
    agency.employee_ids, agency.employee_roles = employees.ids, roles


def archive_rules(env):
    """Archive the rules already there (our demo agency's), so a section measures its own
    configuration only."""
    env["agency.rate.rule"].search([]).active = False
    env["agency.classification.rule"].search([]).active = False


def generate_agency(env, size, tag="Bench"):
    """Create clients, employees, products, confirmed orders, projects and tasks.

    One confirmed sale order per client with one hourly line per service, one billable
    project per client invoiced on the order's first line, ``tasks_per_project`` tasks
    each. Deterministic: random.Random(size.seed). Mail tracking is off (setup, not timed).
    """
    rng = random.Random(size.seed)
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True,
                           mail_notrack=True))
    agency = Agency(size=size)
    hour = env.ref("uom.product_uom_hour")
    jobs = {role: _find_or_create(env["hr.job"], role) for role in ROLES}

    clients = env["res.partner"].create([
        {"name": f"{tag} Client {i:04d}", "is_company": True,
         "email": f"billing{i}@client{i}.example"}
        for i in range(size.clients)
    ])
    agency.client_ids = clients.ids

    generate_people(env, rng, agency, jobs, tag)

    products = env["product.product"].create([
        {"name": f"{name} [{tag}]", "type": "service", "service_type": "timesheet",
         "invoice_policy": "delivery", "service_tracking": "no", "list_price": price,
         "uom_id": hour.id, "uom_po_id": hour.id}
        for name, price in SERVICES
    ])
    agency.product_ids = products.ids

    orders = env["sale.order"].create([
        {"partner_id": client.id, "client_order_ref": f"{tag} contract {i:04d}",
         "order_line": [
             (0, 0, {"product_id": product.id, "product_uom_qty": rng.randrange(20, 200, 10),
                     "price_unit": product.list_price})
             for product in products
         ]}
        for i, client in enumerate(clients)
    ])
    orders.action_confirm()
    agency.order_ids = orders.ids

    projects = env["project.project"].create([
        {"name": f"{tag} Project {i:04d}", "partner_id": order.partner_id.id,
         "allow_billable": True, "allow_timesheets": True,
         "sale_line_id": order.order_line.sorted("id")[0].id}
        for i, order in enumerate(orders)
    ])
    agency.project_ids = projects.ids
    tasks = env["project.task"].create([
        {"name": f"{tag} Task {p:04d}.{t}", "project_id": project.id}
        for p, project in enumerate(projects)
        for t in range(size.tasks_per_project)
    ])
    per_project = size.tasks_per_project
    agency.task_ids = [tasks.ids[p * per_project:(p + 1) * per_project]
                       for p in range(len(projects))]
    env.flush_all()
    return agency


def time_entry_vals(agency, count, today=None):
    """``count`` account.analytic.line vals on the agency's projects, deterministic.

    Larger clients get more time (weights 1/sqrt(rank)); dates spread over the last
    ``days`` days; durations in 0.05 h steps from 0.25 to 4 h. A shorter list is a
    prefix of a longer one with the same seed.
    """
    size = agency.size
    rng = random.Random(size.seed + 1)
    today = today or date.today()
    weights = [1 / (rank + 1) ** 0.5 for rank in range(len(agency.project_ids))]
    project_indexes = range(len(agency.project_ids))
    vals_list = []
    for _i in range(count):
        p = rng.choices(project_indexes, weights)[0]
        e = rng.randrange(len(agency.employee_ids))
        vals_list.append({
            "name": rng.choice(ROLES[agency.employee_roles[e]]),
            "date": today - timedelta(days=rng.randint(1, size.days)),
            "employee_id": agency.employee_ids[e],
            "project_id": agency.project_ids[p],
            "task_id": rng.choice(agency.task_ids[p]),
            "unit_amount": round(rng.randint(5, 80) * 0.05, 2),
        })
    return vals_list


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------


@dataclass
class Figures:
    """One measurement of creating time entries."""

    db: str
    entries: int
    seconds: float
    create_seconds: float
    flush_seconds: float
    queries: int
    create_queries: int
    flush_queries: int
    rss_peak_mib: float
    rss_growth_mib: float
    with_so_line: int
    scenario: str = "cold"

    @property
    def per_second(self):
        return self.entries / self.seconds if self.seconds else 0.0

    @property
    def queries_per_entry(self):
        return self.queries / self.entries

    def as_dict(self):
        return dict(asdict(self), entries_per_second=round(self.per_second, 1),
                    queries_per_entry=round(self.queries_per_entry, 4))


def measure_create(bench, key, vals_list, label=None):
    """Time one create(vals_list) + flush_all() in a cursor that is rolled back."""
    sql_db = bench.odoo.sql_db
    label = label or f"create-{key}-{len(vals_list)}"
    with bench.env(key) as env:
        vals_list = [dict(vals) for vals in vals_list]  # create() alters its vals
        gc.collect()
        memory = PeakMemory()
        q0, t0 = sql_db.sql_counter, time.perf_counter()
        with profiled(bench, f"{label}-create"):
            lines = env["account.analytic.line"].create(vals_list)
        q1, t1 = sql_db.sql_counter, time.perf_counter()
        with profiled(bench, f"{label}-flush"):
            env.flush_all()
        q2, t2 = sql_db.sql_counter, time.perf_counter()
        rss_peak, rss_growth = memory.figures()
        with_so_line = len(lines.filtered("so_line"))
    return Figures(
        db=key, entries=len(vals_list), seconds=round(t2 - t0, 3),
        create_seconds=round(t1 - t0, 3), flush_seconds=round(t2 - t1, 3),
        queries=q2 - q0, create_queries=q1 - q0, flush_queries=q2 - q1,
        rss_peak_mib=rss_peak, rss_growth_mib=rss_growth, with_so_line=with_so_line,
    )


# Service type (code) of each bench product, by position in SERVICES.
SERVICE_TYPE_CODES = ["strategy", "creative", "design", "account_management"]
ROLE_RATES = {
    "Account Director": 140.0, "Creative Director": 160.0, "Designer": 110.0,
    "Copywriter": 100.0, "Media Buyer": 120.0, "Strategist": 150.0,
}


def configure_agency_rules(env, agency):
    """Give the agency database what a real agency has configured: service types billed
    under the bench products, a rate card per role, client agreements (a role rate for
    every 5th client, a 10% creative discount for every 7th), classification rules and
    time rounding for every 3rd client. Rules make each entry go through matching,
    currency-free rating, SO-line routing (new lines at agreed rates) and rounding."""
    env = env(context=dict(env.context, tracking_disable=True))
    # Start from the bench's own configuration only (our demo data may be installed).
    archive_rules(env)
    types = {t.code: t for t in env["agency.service.type"].search([("code", "!=", False)])}
    for code, product_id in zip(SERVICE_TYPE_CODES, agency.product_ids, strict=True):
        types[code].product_id = product_id
    jobs = {job.name: job for job in env["hr.job"].search([("name", "in", list(ROLES))])}
    Rule = env["agency.rate.rule"]
    Rule.create([{"name": f"Card {role}", "job_id": jobs[role].id, "rate": rate}
                 for role, rate in ROLE_RATES.items()])
    clients = env["res.partner"].browse(agency.client_ids)
    Rule.create([{"name": f"Agreement {c.name}", "partner_id": c.id,
                  "job_id": jobs["Creative Director"].id, "rate": 175.0}
                 for c in clients[::5]])
    Rule.create([{"name": f"Discount {c.name}", "partner_id": c.id,
                  "service_type_id": types["creative"].id, "rate_type": "discount",
                  "discount": 10.0} for c in clients[::7]])
    env["agency.classification.rule"].create([
        {"name": "Client calls", "keywords": "status call, client call",
         "service_type_id": types["client_communication"].id},
        {"name": "Design", "keywords": "banner, mockups, designs",
         "service_type_id": types["design"].id},
        {"name": "Concepts", "keywords": "concept, key visual",
         "service_type_id": types["creative"].id},
        {"name": "Research", "keywords": "research, competitor",
         "service_type_id": types["strategy"].id},
        {"name": "Internal", "keywords": "internal", "billable": "non_billable",
         "service_type_id": types["internal"].id},
    ])
    clients[::3].write({"time_rounding": "up", "time_rounding_unit": 15})
    env.flush_all()


def prepare_agencies(bench, size, tag):
    """Generate (and commit) the same agency in both databases; return {key: Agency}.
    The agency database also gets its rate card, agreements and classification rules."""
    agencies = {}
    for key, dbname in DATABASES.items():
        say(f"Generating the agency in {dbname}: {size.clients} clients, "
            f"{size.employees} employees, {size.tasks_per_project} tasks per project ...")
        with bench.env(key, commit=True) as env:
            agencies[key] = generate_agency(env, size, tag=tag)
            if key == "agency":
                configure_agency_rules(env, agencies[key])
    return agencies


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def section_create(bench, section, opts):
    """Creating time entries: one create() of N vals + flush_all(), native vs agency.

    Batches run in ascending size; within a batch size the databases alternate so a
    noisy neighbour hurts both alike. The fastest of --repeat runs is reported.
    """
    size = section_size(opts, section)
    batches = section_batches(opts, section)
    agencies = prepare_agencies(bench, size, tag="Bench create")
    today = date.today()
    vals = {key: time_entry_vals(agency, batches[-1], today) for key, agency in agencies.items()}
    if opts.warmup:
        for key in DATABASES:
            say(f"Warming up {DATABASES[key]} with {opts.warmup} entries (rolled back) ...")
            measure_create(bench, key, vals[key][:opts.warmup])
    samples = []
    scenarios = ["cold"] + (["steady"] if opts.history else [])
    for scenario in scenarios:
        if scenario == "steady":
            commit_history(bench, agencies, opts.history, today)
        for entries in batches:
            for run in range(opts.repeat):
                for key in DATABASES:
                    say(f"Measuring {entries:,} entries in {DATABASES[key]} ({scenario})"
                        + (f" (run {run + 1}/{opts.repeat})" if opts.repeat > 1 else "")
                        + " ...")
                    fig = measure_create(bench, key, vals[key][:entries],
                                         label=f"create-{key}-{entries}-{scenario}-{run + 1}")
                    fig.scenario = scenario
                    samples.append(fig)
    edits = min(EDIT_ENTRIES, batches[-1])
    for run in range(opts.repeat):
        for key in DATABASES:
            say(f"Measuring a grid edit of {edits:,} entries in {DATABASES[key]}"
                + (f" (run {run + 1}/{opts.repeat})" if opts.repeat > 1 else "") + " ...")
            samples.extend(measure_edit(bench, key, vals[key][:edits],
                                        label=f"edit-{key}-{edits}-{run + 1}"))
    best = {}
    for fig in samples:
        slot = (fig.db, fig.entries, fig.scenario)
        if slot not in best or fig.seconds < best[slot].seconds:
            best[slot] = fig
    return {
        "title": f"time entries in ONE create() + flush_all() "
                 f"(agency of {size.clients} clients, {size.employees} employees); "
                 f"then a grid edit of {edits:,} existing entries' descriptions",
        "size": asdict(size),
        "batch_sizes": batches,
        "repeat": opts.repeat,
        "rows": [best[(key, n, scenario)].as_dict()
                 for scenario in scenarios for n in batches for key in DATABASES]
        + [best[(key, edits, scenario)].as_dict()
           for scenario in EDIT_SCENARIOS for key in DATABASES],
        "samples": [fig.as_dict() for fig in samples],
        "checks": [check for scenario in scenarios
                   for check in create_checks(best, batches, scenario)]
        + [edit_check(best, edits, scenario) for scenario in EDIT_SCENARIOS],
    }


# A grid edit, as the list view saves it. "edit N writes": the rows saved one by one, each
# its own description corrected (one write per entry; the words the rules match stay, so
# the classification stays): the target. "edit 1 write": a multi-edit giving 1,000
# entries one new description, which re-classifies (and so re-rates and re-routes) the
# entries whose old words a rule or a learned suggestion matched: a reference figure.
EDIT_SCENARIOS = ("edit N writes", "edit 1 write")
EDIT_TARGETED = {"edit N writes"}


def measure_edit(bench, key, vals_list, label="edit"):
    """Time the two grid edits of existing entries' descriptions, as the admin user (not
    superuser: the guards run as for finance staff), each on entries created and flushed
    (not timed) in a cursor that is rolled back. Returns one Figures per EDIT_SCENARIOS."""
    sql_db = bench.odoo.sql_db
    figures = []
    for scenario in EDIT_SCENARIOS:
        with bench.env(key) as env:
            ids = env["account.analytic.line"].create([dict(vals) for vals in vals_list]).ids
            env.flush_all()
            env.invalidate_all()
            user_env = env(user=env.ref("base.user_admin").id)
            lines = user_env["account.analytic.line"].browse(ids)
            slug = scenario.replace(" ", "-")
            gc.collect()
            memory = PeakMemory()
            q0, t0 = sql_db.sql_counter, time.perf_counter()
            with profiled(bench, f"{label}-{slug}-write"):
                if scenario == "edit 1 write":
                    lines.write({"name": "Reviewed with the client"})
                else:
                    for line, vals in zip(lines, vals_list, strict=True):
                        line.write({"name": f"{vals['name']} (reviewed)"})
            q1, t1 = sql_db.sql_counter, time.perf_counter()
            with profiled(bench, f"{label}-{slug}-flush"):
                user_env.flush_all()
            q2, t2 = sql_db.sql_counter, time.perf_counter()
            rss_peak, rss_growth = memory.figures()
            with_so_line = len(lines.sudo().filtered("so_line"))
        figures.append(Figures(
            db=key, entries=len(ids), seconds=round(t2 - t0, 3),
            create_seconds=round(t1 - t0, 3), flush_seconds=round(t2 - t1, 3),
            queries=q2 - q0, create_queries=q1 - q0, flush_queries=q2 - q1,
            rss_peak_mib=rss_peak, rss_growth_mib=rss_growth, with_so_line=with_so_line,
            scenario=scenario,
        ))
    return figures


def edit_check(best, entries, scenario):
    """The target of a grid edit: agency time over native time."""
    native, agency = best[("native", entries, scenario)], best[("agency", entries, scenario)]
    ratio = agency.seconds / native.seconds if native.seconds else float("inf")
    return {
        "name": f"[{scenario}] agency/native time of a grid edit of {entries:,} entries",
        "value": round(ratio, 2),
        "detail": f"{agency.seconds:.2f} s / {native.seconds:.2f} s = {ratio:.2f}x "
                  f"({agency.queries:,} vs {native.queries:,} queries)",
        "target": f"<= {TIME_TARGET}x native" if scenario in EDIT_TARGETED else "reference",
        "ok": ratio <= TIME_TARGET if scenario in EDIT_TARGETED else None,
    }


def commit_history(bench, agencies, count, today):
    """Commit `count` earlier time entries in both databases (not timed): the weeks of work
    before the measured batch, after which a contract's billing lines exist."""
    for key, agency in agencies.items():
        say(f"Committing {count:,} earlier entries in {DATABASES[key]} (not timed) ...")
        history = time_entry_vals(replace(agency, size=replace(agency.size,
                                                               seed=agency.size.seed + 7)),
                                  count, today)
        with bench.env(key, commit=True) as env:
            env["account.analytic.line"].create(history)
            env.flush_all()


def create_checks(best, batches, scenario="cold"):
    """The targets of the create section, with the numbers they are decided on."""
    largest, smallest = batches[-1], batches[0]
    native, agency = best[("native", largest, scenario)], best[("agency", largest, scenario)]
    ratio = agency.seconds / native.seconds if native.seconds else float("inf")
    checks = [{
        "name": f"[{scenario}] agency/native time at {largest:,} entries",
        "value": round(ratio, 2),
        "detail": f"{agency.seconds:.2f} s / {native.seconds:.2f} s = {ratio:.2f}x",
        "target": f"<= {TIME_TARGET}x native",
        "ok": ratio <= TIME_TARGET,
    }]
    for key in DATABASES:
        if largest == smallest:
            continue
        small, large = best[(key, smallest, scenario)], best[(key, largest, scenario)]
        growth = large.queries / small.queries if small.queries else float("inf")
        marginal = (large.queries - small.queries) / (largest - smallest) * 1000
        checks.append({
            "name": f"[{scenario}] {key} query count {smallest:,} -> {largest:,} entries",
            "value": round(growth, 2),
            "marginal_queries_per_1000_entries": round(marginal, 1),
            "detail": f"{small.queries:,} -> {large.queries:,} queries = {growth:.2f}x "
                      f"for {largest / smallest:g}x the entries, "
                      f"{marginal:+.0f} queries per 1,000 more",
            "target": f"flat: < {FLAT_FACTOR:g}x",
            "ok": growth < FLAT_FACTOR,
        })
    return checks


# ---------------------------------------------------------------------------
# Section "scope": burn and alerts of scope budget lines
# ---------------------------------------------------------------------------

SCOPE_TYPE_CODES = ["strategy", "creative", "design", "account_management"]
# Share of its budget each line is calibrated to before a measurement, by line index:
# the same mix of quiet lines, 75 %, 90 % and 100 % alerts at every number of entries.
SCOPE_TARGETS = [0.3, 0.5, 0.8, 0.92, 1.05]
SCOPE_CHUNK = 5_000  # time entries created (and committed) per create() while generating


def generate_scope_agency(env, size, tag="Bench scope"):
    """Projects with a scope budget line per service type, people and a rate card.

    ``size.clients`` clients with one billable project each (no sale order: burn needs
    rated billable time, not a contract), ``size.tasks_per_project`` tasks each of a
    service type, one budget line per project and service type, an Account Director,
    an end date 30 days ahead (so forecasts matter). Deterministic (``size.seed``).
    """
    rng = random.Random(size.seed)
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True,
                           mail_notrack=True, agency_scope_skip=True))
    archive_rules(env)
    agency = Agency(size=size)
    jobs = {role: _find_or_create(env["hr.job"], role) for role in ROLES}
    generate_people(env, rng, agency, jobs, tag)
    env["agency.rate.rule"].create([{"name": f"Card {role}", "job_id": jobs[role].id,
                                     "rate": rate} for role, rate in ROLE_RATES.items()])
    types = env["agency.service.type"].search([("code", "in", SCOPE_TYPE_CODES)])
    types = [types.filtered(lambda t, c=code: t.code == c) for code in SCOPE_TYPE_CODES]
    clients = env["res.partner"].create([
        {"name": f"{tag} Client {i:04d}", "is_company": True} for i in range(size.clients)
    ])
    agency.client_ids = clients.ids
    today = date.today()
    projects = env["project.project"].create([
        {"name": f"{tag} Project {i:04d}", "partner_id": client.id, "allow_billable": True,
         "allow_timesheets": True, "account_director_id": env.ref("base.user_admin").id,
         "date_start": today - timedelta(days=size.days), "date": today + timedelta(days=30)}
        for i, client in enumerate(clients)
    ])
    agency.project_ids = projects.ids
    per_project = size.tasks_per_project
    tasks = env["project.task"].create([
        {"name": f"{tag} Task {p:04d}.{t}", "project_id": project.id,
         "service_type_id": types[t % len(types)].id}
        for p, project in enumerate(projects) for t in range(per_project)
    ])
    agency.task_ids = [tasks.ids[p * per_project:(p + 1) * per_project]
                       for p in range(len(projects))]
    env["agency.scope.line"].create([
        {"project_id": project.id, "service_type_id": stype.id, "budget_hours": 1.0,
         "budget_amount": 0.0}
        for project in projects for stype in types[:per_project]
    ])
    env.flush_all()
    return agency


def add_scope_entries(bench, vals_list):
    """Create time entries in committed chunks (generation, not measured)."""
    for start in range(0, len(vals_list), SCOPE_CHUNK):
        with bench.env("agency", commit=True) as env:
            env["account.analytic.line"].with_context(
                tracking_disable=True, agency_scope_skip=True
            ).create([dict(vals) for vals in vals_list[start:start + SCOPE_CHUNK]])


def calibrate_scope(env, project_ids):
    """Budgets putting each line at SCOPE_TARGETS of its current burn, alerts unsent
    (set-up of a measurement, not measured)."""
    quiet = env(context=dict(env.context, agency_scope_skip=True))
    lines = quiet["agency.scope.line"].search([("project_id", "in", project_ids)],
                                              order="id")
    burns = {
        (project.id, stype.id): (hours, amount)
        for project, stype, hours, amount in quiet["account.analytic.line"]._read_group(
            [("project_id", "in", project_ids), ("is_billable", "=", True)],
            ["project_id", "service_type_id"], ["billed_unit_amount:sum", "billed_amount:sum"],
        )
    }
    for index, line in enumerate(lines):
        hours, amount = burns.get((line.project_id.id, line.service_type_id.id), (0.0, 0.0))
        target = SCOPE_TARGETS[index % len(SCOPE_TARGETS)]
        line.write({"budget_hours": round(hours / target, 2) or 1.0,
                    "budget_amount": round(amount / target, 2)})
    lines.write({"alerted_threshold": 0, "forecast_alerted": False, "evaluated_on": False})
    env.flush_all()
    return lines


def measure_scope_run(bench, env, label, entries):
    """Time the scope cron until every line is evaluated (batches of 1,000 lines)."""
    sql_db = bench.odoo.sql_db
    Line = env["agency.scope.line"]
    activities = env["mail.activity"].search_count([("res_model", "=", "project.project")])
    lines = Line.search_count([])
    gc.collect()
    memory = PeakMemory()
    q0, t0 = sql_db.sql_counter, time.perf_counter()
    batches = 0
    while Line._cron_scope_evaluate():
        batches += 1
    env.flush_all()
    q1, t1 = sql_db.sql_counter, time.perf_counter()
    alerts = env["mail.activity"].search_count([("res_model", "=", "project.project")]) \
        - activities
    return {
        "run": label, "entries": entries, "lines": lines, "batches": batches,
        "seconds": round(t1 - t0, 3), "queries": q1 - q0, "alerts": alerts,
        "queries_per_line": round((q1 - q0) / lines, 3) if lines else 0.0,
        "rss_peak_mib": memory.figures()[0],
    }


def measure_scope_hook(bench, agency, vals_list, entries, hook):
    """One create() of new time entries + flush_all() on calibrated budgets whose due
    alerts were sent, with or without the scope hook (burn, over-scope policy, alerts)."""
    sql_db = bench.odoo.sql_db
    with bench.env("agency") as env:
        calibrate_scope(env, agency.project_ids)
        env["agency.scope.line"]._cron_scope_evaluate(batch_size=100_000)
        env.flush_all()
        context = dict(env.context, tracking_disable=True)
        if not hook:
            context["agency_scope_skip"] = True
        Entry = env["account.analytic.line"].with_context(context)
        activities = env["mail.activity"].search_count([("res_model", "=", "project.project")])
        tasks = env["project.task"].browse({vals["task_id"] for vals in vals_list})
        task_types = {task.id: task.service_type_id.id for task in tasks}
        lines = len({(vals["project_id"], task_types[vals["task_id"]]) for vals in vals_list})
        gc.collect()
        memory = PeakMemory()
        q0, t0 = sql_db.sql_counter, time.perf_counter()
        Entry.create([dict(vals) for vals in vals_list])
        env.flush_all()
        q1, t1 = sql_db.sql_counter, time.perf_counter()
        alerts = env["mail.activity"].search_count([("res_model", "=", "project.project")]) \
            - activities
    return {
        "run": f"record {len(vals_list):,} entries" + (" (scope hook)" if hook else
                                                     " (hook off)"),
        "entries": entries, "lines": lines if hook else 0, "batches": 1,
        "seconds": round(t1 - t0, 3), "queries": q1 - q0, "alerts": alerts,
        "queries_per_line": round((q1 - q0) / lines, 3) if hook and lines else 0.0,
        "rss_peak_mib": memory.figures()[0],
    }


def section_scope(bench, section, opts):
    """Scope burn and alerts: the scope cron over all budget lines, at growing numbers of
    time entries (agency database only; the native one has no scope).

    At each size: budgets calibrated to the current burn (a fixed mix of quiet lines and
    lines crossing 75, 90 and 100 %), then the cron's first run (burn, forecasts and
    alerts: activities, emails, chatter notes) and a second run the next day (nothing
    left to alert), each in a transaction rolled back; and one create() of 1,000 new
    entries with and without the scope hook.
    """
    size = section_size(opts, section)
    batches = section_batches(opts, section)
    say(f"Generating the scope agency in {AGENCY_DB}: {size.clients} projects, "
        f"{size.tasks_per_project} budget lines each ...")
    with bench.env("agency", commit=True) as env:
        agency = generate_scope_agency(env, size)
    today = date.today()
    vals = time_entry_vals(agency, batches[-1] + 1_000, today)
    extra, vals = vals[-1_000:], vals[:-1_000]
    rows, done = [], 0
    for entries in batches:
        say(f"Adding {entries - done:,} time entries (in chunks of {SCOPE_CHUNK:,}) ...")
        add_scope_entries(bench, vals[done:entries])
        done = entries
        for _repeat in range(opts.repeat):
            say(f"Measuring the scope cron over {entries:,} entries ...")
            with bench.env("agency") as env:
                calibrate_scope(env, agency.project_ids)
                rows.append(measure_scope_run(bench, env, "cron, first run", entries))
                env["agency.scope.line"].search([]).with_context(
                    agency_scope_skip=True).write({"evaluated_on": False})
                env.flush_all()
                rows.append(measure_scope_run(bench, env, "cron, next day", entries))
        say("Measuring the scope hook on 1,000 new entries ...")
        rows.append(measure_scope_hook(bench, agency, extra, entries, hook=False))
        rows.append(measure_scope_hook(bench, agency, extra, entries, hook=True))
    return {
        "title": f"scope burn, forecasts and alerts ({size.clients} projects, "
                 f"{size.clients * size.tasks_per_project:,} budget lines)",
        "size": asdict(size),
        "batch_sizes": batches,
        "repeat": opts.repeat,
        "columns": SCOPE_COLUMNS,
        "rows": rows,
        "checks": scope_checks(rows, batches),
    }


def scope_checks(rows, batches):
    """Query counts of the cron runs must not grow with the number of entries."""
    checks = []
    smallest, largest = batches[0], batches[-1]
    if smallest == largest:
        return checks
    for run in ("cron, first run", "cron, next day"):
        small = min((r for r in rows if r["run"] == run and r["entries"] == smallest),
                    key=lambda r: r["seconds"])
        large = min((r for r in rows if r["run"] == run and r["entries"] == largest),
                    key=lambda r: r["seconds"])
        growth = large["queries"] / small["queries"] if small["queries"] else float("inf")
        checks.append({
            "name": f"scope {run}: query count {smallest:,} -> {largest:,} entries",
            "value": round(growth, 2),
            "detail": f"{small['queries']:,} -> {large['queries']:,} queries = {growth:.2f}x "
                      f"for {largest / smallest:g}x the entries ({small['alerts']} and "
                      f"{large['alerts']} alerts)",
            "target": f"flat: < {FLAT_FACTOR:g}x",
            "ok": growth < FLAT_FACTOR,
        })
    return checks


SCOPE_COLUMNS = [
    ("run", "run", "{}"),
    ("entries", "entries", "{:,}"),
    ("lines", "lines", "{:,}"),
    ("cron batches", "batches", "{:,}"),
    ("seconds", "seconds", "{:.2f}"),
    ("queries", "queries", "{:,}"),
    ("queries/line", "queries_per_line", "{:.3f}"),
    ("alerts", "alerts", "{:,}"),
    ("RSS peak MiB", "rss_peak_mib", "{:,.0f}"),
]


# Section "billing": a billing run vs Odoo's own sale.order._create_invoices
# ---------------------------------------------------------------------------

BILLING_TIME_TARGET = 1.0  # the billing run at most 1.0x native _create_invoices
BILLING_FLAT_FACTOR = 1.25  # queries per invoice "flat" as entries per invoice grow
MEMORY_TARGET_MIB = 1024  # peak resident memory of the billing run


@dataclass
class InvoicingFigures:
    """One measurement of invoicing every client's delivered time."""

    db: str
    entries: int
    invoices: int
    seconds: float
    queries: int
    rss_peak_mib: float
    rss_growth_mib: float
    invoiced_entries: int
    untaxed: float
    invoice_lines: int = 0

    @property
    def per_second(self):
        return self.invoices / self.seconds if self.seconds else 0.0

    @property
    def lines_per_invoice(self):
        return self.invoice_lines / self.invoices if self.invoices else 0.0

    @property
    def queries_per_invoice(self):
        return self.queries / self.invoices if self.invoices else 0.0

    @property
    def entries_per_invoice(self):
        return self.entries / self.invoices if self.invoices else 0.0

    def as_dict(self):
        return dict(asdict(self), invoices_per_second=round(self.per_second, 2),
                    queries_per_invoice=round(self.queries_per_invoice, 1),
                    entries_per_invoice=round(self.entries_per_invoice, 1),
                    lines_per_invoice=round(self.lines_per_invoice, 1))


BILLING_COLUMNS = [
    ("DB", "db", "{}"),
    ("entries", "entries", "{:,}"),
    ("invoices", "invoices", "{:,}"),
    ("entries/invoice", "entries_per_invoice", "{:,.0f}"),
    ("lines/invoice", "lines_per_invoice", "{:,.1f}"),
    ("seconds", "seconds", "{:.2f}"),
    ("invoices/s", "invoices_per_second", "{:,.1f}"),
    ("queries", "queries", "{:,}"),
    ("queries/invoice", "queries_per_invoice", "{:,.1f}"),
    ("RSS peak MiB", "rss_peak_mib", "{:,.0f}"),
    ("RSS +MiB", "rss_growth_mib", "{:,.1f}"),
    ("entries invoiced", "invoiced_entries", "{:,}"),
    ("untaxed", "untaxed", "{:,.2f}"),
]


def add_time_entries(env, vals_list, batch_size=10_000):
    """Create time entries batch by batch (set-up, not measured), leaving a cold cache."""
    for start in range(0, len(vals_list), batch_size):
        env["account.analytic.line"].create([dict(v) for v in
                                             vals_list[start:start + batch_size]])
        env.flush_all()
        env.invalidate_all()


def invoice_natively(env, agency):
    """Odoo's own invoicing of every order, in one call (the "Create invoices" button on
    all selected orders)."""
    return env["sale.order"].browse(agency.order_ids)._create_invoices()


def invoice_by_billing_run(env, agency):
    """A billing run for every client: everything delivered up to today."""
    clients = env["res.partner"].browse(agency.client_ids)
    return env["agency.billing.run"]._run_clients(clients).invoice_ids


def bill_roles_natively(env, agency):
    """Native Odoo's own way to bill each role at its rate: one sale line per role on every
    order (the role's rate card price) and the project's employee map (``Employee rate``
    pricing) sending each employee's time to the line of their role. Invoices then carry
    one line per role that worked for the client, about as many as the agency's rated
    invoices (one per service and rate), so the two are compared line for line."""
    env = env(context=dict(env.context, tracking_disable=True, mail_notrack=True))
    orders = env["sale.order"].browse(agency.order_ids)
    product = env["product.product"].browse(agency.product_ids[0])
    roles = sorted(ROLE_RATES)
    lines = env["sale.order.line"].create([
        {"order_id": order.id, "product_id": product.id, "name": f"{product.name} ({role})",
         "product_uom_qty": 0.0, "price_unit": ROLE_RATES[role]}
        for order in orders for role in roles
    ])
    line_ids = iter(lines.ids)
    role_line = {(order.id, role): next(line_ids) for order in orders for role in roles}
    projects = env["project.project"].browse(agency.project_ids)
    env["project.sale.line.employee.map"].create([
        {"project_id": project.id, "employee_id": employee_id,
         "sale_line_id": role_line[(order.id, role)]}
        for project, order in zip(projects, orders, strict=True)
        for employee_id, role in zip(agency.employee_ids, agency.employee_roles, strict=True)
    ])
    env.flush_all()


# How each row invoices: (database key, function, preparation in the same rolled-back
# transaction before the time is created, or None).
# "native": Odoo alone, every order's time on one line (one invoice line per invoice).
# "native@roles": Odoo alone, each role's time on the line of its rate (employee map):
# invoices with about as many lines as the agency's, the like-for-like baseline.
# "odoo@agency": Odoo's own invoicing in the agency database: the same rated time, without
# the run, to tell the run's own cost from the cost of rated invoices.
INVOICING = {
    "native": ("native", invoice_natively, None),
    "native@roles": ("native", invoice_natively, bill_roles_natively),
    "odoo@agency": ("agency", invoice_natively, None),
    "agency": ("agency", invoice_by_billing_run, None),
}


def measure_invoicing(bench, key, agency, vals_list):
    """Create the entries (not measured), then time invoicing them; rolled back."""
    sql_db = bench.odoo.sql_db
    db_key, invoice, prepare = INVOICING[key]
    with bench.env(db_key) as env:
        env = env(context=dict(env.context, tracking_disable=True))
        if prepare:
            prepare(env, agency)
        add_time_entries(env, vals_list)
        gc.collect()
        memory = PeakMemory()
        q0, t0 = sql_db.sql_counter, time.perf_counter()
        with profiled(bench, f"billing-{key}-{len(vals_list)}"):
            moves = invoice(env, agency)
            env.flush_all()
        q1, t1 = sql_db.sql_counter, time.perf_counter()
        rss_peak, rss_growth = memory.figures()
        invoiced = env["account.analytic.line"].search_count(
            [("timesheet_invoice_id", "in", moves.ids)])
        untaxed = sum(moves.mapped("amount_untaxed"))
        invoice_lines = len(moves.invoice_line_ids.filtered(
            lambda line: line.display_type == "product"))
    return InvoicingFigures(
        db=key, entries=len(vals_list), invoices=len(moves), seconds=round(t1 - t0, 3),
        queries=q1 - q0, rss_peak_mib=rss_peak, rss_growth_mib=rss_growth,
        invoiced_entries=invoiced, untaxed=round(untaxed, 2), invoice_lines=invoice_lines,
    )


def subset(agency, count):
    """The first ``count`` clients of an agency (their orders and projects)."""
    return replace(agency, client_ids=agency.client_ids[:count],
                   order_ids=agency.order_ids[:count],
                   project_ids=agency.project_ids[:count], task_ids=agency.task_ids[:count])


def section_billing(bench, section, opts):
    """Invoicing every client's delivered time: Odoo's own sale.order._create_invoices on
    all orders (native) vs a billing run for every client (agency), at N entries and at
    the smaller sizes, i.e. at different numbers of entries per invoice.

    Each measurement creates its entries in a transaction (not timed) and rolls it back
    after invoicing, so both databases invoice the same generated time."""
    size = section_size(opts, section)
    batches = section_batches(opts, section)
    agencies = prepare_agencies(bench, size, tag="Bench billing")
    today = date.today()
    if opts.warmup:
        for key, agency in agencies.items():
            small = subset(agency, min(3, size.clients))
            say(f"Warming up {DATABASES[key]}: invoicing {len(small.client_ids)} clients "
                "(rolled back) ...")
            measure_invoicing(bench, key, small, time_entry_vals(small, opts.warmup, today))
    samples = []
    for entries in batches:
        vals = {key: time_entry_vals(agency, entries, today) for key, agency in agencies.items()}
        for run in range(opts.repeat):
            for key, (db_key, _invoice, _prepare) in INVOICING.items():
                say(f"Invoicing {entries:,} entries of {size.clients} clients ({key}) in "
                    f"{DATABASES[db_key]}" + (f" (run {run + 1}/{opts.repeat})"
                                              if opts.repeat > 1 else "") + " ...")
                samples.append(measure_invoicing(bench, key, agencies[db_key], vals[db_key]))
    best = {}
    for fig in samples:
        slot = (fig.db, fig.entries)
        if slot not in best or fig.seconds < best[slot].seconds:
            best[slot] = fig
    return {
        "title": f"invoicing {size.clients} clients' delivered time: billing run vs "
                 "sale.order._create_invoices",
        "size": asdict(size),
        "batch_sizes": batches,
        "repeat": opts.repeat,
        "columns": BILLING_COLUMNS,
        "rows": [best[(key, n)].as_dict() for n in batches for key in INVOICING],
        "samples": [fig.as_dict() for fig in samples],
        "checks": billing_checks(best, batches),
    }


def _run_time_check(name, agency, baseline, compared, targeted=True):
    """The billing run's time over a baseline's, with what else the two rows differ by."""
    ratio = agency.seconds / baseline.seconds if baseline.seconds else float("inf")
    return {
        "name": name,
        "value": round(ratio, 2),
        "detail": f"{agency.seconds:.2f} s / {baseline.seconds:.2f} s = {ratio:.2f}x "
                  f"({compared})",
        "target": f"<= {BILLING_TIME_TARGET}x native" if targeted else "reference",
        "ok": ratio <= BILLING_TIME_TARGET if targeted else None,
    }


def billing_checks(best, batches):
    """The targets of the billing section, with the numbers they are decided on."""
    largest, smallest = batches[-1], batches[0]
    agency = best[("agency", largest)]
    native, roles, reference = (best[(key, largest)]
                                for key in ("native", "native@roles", "odoo@agency"))
    checks = [
        _run_time_check(
            f"billing run/native time at {largest:,} entries", agency, native,
            f"{agency.per_second:.1f} vs {native.per_second:.1f} invoices/s; one invoice "
            "line per order natively", targeted=False),
    ]
    # The target: like for like (one invoice line per role rate), at every size.
    for entries in sorted({smallest, largest}):
        run, like = best[("agency", entries)], best[("native@roles", entries)]
        checks.append(_run_time_check(
            f"billing run/native with one line per role rate at {entries:,} entries "
            "(like for like)", run, like,
            f"{run.lines_per_invoice:.1f} vs {like.lines_per_invoice:.1f} lines per invoice"))
    checks += [
        _run_time_check(
            f"billing run/Odoo's own invoicing of the same rated time at {largest:,} entries",
            agency, reference,
            f"{agency.queries_per_invoice:.1f} vs {reference.queries_per_invoice:.1f} queries "
            "per invoice", targeted=False),
    ]
    for key in ("native", "native@roles", "agency"):
        if largest == smallest:
            continue
        small, large = best[(key, smallest)], best[(key, largest)]
        growth = (large.queries_per_invoice / small.queries_per_invoice
                  if small.queries_per_invoice else float("inf"))
        checks.append({
            "name": f"{key} queries per invoice at {small.entries_per_invoice:,.0f} -> "
                    f"{large.entries_per_invoice:,.0f} entries per invoice",
            "value": round(growth, 2),
            "detail": f"{small.queries_per_invoice:.1f} -> {large.queries_per_invoice:.1f} "
                      f"queries per invoice = {growth:.2f}x",
            "target": f"flat: < {BILLING_FLAT_FACTOR:g}x",
            "ok": growth < BILLING_FLAT_FACTOR,
        })
    checks.append({
        "name": f"billing run peak memory at {largest:,} entries",
        "value": agency.rss_peak_mib,
        "detail": f"{agency.rss_peak_mib:,.0f} MiB resident at peak",
        "target": f"< {MEMORY_TARGET_MIB:,} MiB",
        "ok": agency.rss_peak_mib < MEMORY_TARGET_MIB,
    })
    return checks


SECTIONS = {
    "create": Section(
        run=section_create,
        help="create N time entries in one create() + flush_all(), native vs agency",
    ),
    "scope": Section(
        run=section_scope,
        help="scope burn, forecasts and alerts over 500 projects at 10,000 and 50,000 entries",
        size=AgencySize(clients=500, employees=40, tasks_per_project=4, days=60),
        entries=50_000,
        batch_sizes=(10_000,),
    ),
    "billing": Section(
        run=section_billing,
        help="a billing run for every client vs sale.order._create_invoices on the same "
             "orders, at two entries-per-invoice sizes",
        size=AgencySize(clients=200),
        entries=50_000,
        batch_sizes=(10_000,),
    ),
    "sync": Section(run=bench_sync.section_sync, help=bench_sync.HELP, entries=20_000,
                    batch_sizes=(5_000,)),
}
SECTIONS["analytics"] = importlib.import_module("bench_analytics").section(Section, AgencySize)
SECTIONS["workers"] = importlib.import_module("bench_workers").section(Section)


# ---------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------

COLUMNS = [
    # (header, key, format)
    ("DB", "db", "{}"),
    ("contracts", "scenario", "{}"),
    ("entries", "entries", "{:,}"),
    ("seconds", "seconds", "{:.2f}"),
    ("entries/s", "entries_per_second", "{:,.0f}"),
    ("queries", "queries", "{:,}"),
    ("queries/entry", "queries_per_entry", "{:.4f}"),
    ("create s", "create_seconds", "{:.2f}"),
    ("flush s", "flush_seconds", "{:.2f}"),
    ("create q", "create_queries", "{:,}"),
    ("flush q", "flush_queries", "{:,}"),
    ("RSS peak MiB", "rss_peak_mib", "{:,.0f}"),
    ("RSS +MiB", "rss_growth_mib", "{:,.1f}"),
    ("with SO line", "with_so_line", "{:,}"),
]


def format_table(rows, columns=COLUMNS):
    """Right-aligned plain-text table (first column left-aligned)."""
    cells = [[header for header, _key, _fmt in columns]]
    cells += [[fmt.format(row[key]) for _header, key, fmt in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    out = []
    for line in cells:
        parts = [line[0].ljust(widths[0])]
        parts += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:], strict=True)]
        out.append("  ".join(parts))
    out.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(out)


def format_context(context):
    """The machine context as a few lines."""
    return "\n".join([
        f"Machine: {context['cpu_count']} CPUs ({context['cpus_usable']} usable), "
        f"load average {' '.join(map(str, context['load_average']))}, "
        f"Python {context['python']}",
        f"Odoo {context['odoo']}, PostgreSQL {context['postgresql']}, "
        f"repository {context['repo_commit'] or '?'}",
        "Agency addons: " + ", ".join(f"{k} {v}" for k, v in sorted(
            context["agency_addons"].items())),
        f"Memory: {context['memory_method']}",
    ])


def print_section(name, result):
    """A section's table and checks on stdout."""
    print(f"\n== {name}: {result['title']} ==")
    if result.get("repeat", 1) > 1:
        print(f"(fastest of {result['repeat']} runs per row)")
    print(format_table(result["rows"], result.get("columns", COLUMNS)))
    print()
    for check in result["checks"]:
        verdict = {True: "OK", False: "NOT MET"}.get(check["ok"], "INFO")
        print(f"  {check['name']}: {check['detail']} (target {check['target']}): {verdict}")
    sys.stdout.flush()


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def run(opts, harness):
    """Prepare the databases, run the sections, print (and save) the figures."""
    started = time.perf_counter()
    bench = Bench(harness, opts)
    # The benchmark databases have fixed names: one benchmark at a time on a machine
    # (other checkouts and worktrees share the cache, hence the lock).
    lock = dev.file_lock("bench")
    say("Waiting for any other benchmark on this machine to finish ...")
    lock.__enter__()
    try:
        bench.prepare()
        print(format_context(bench.context), flush=True)
        for name in opts.sections:
            section = SECTIONS[name]
            bench.results[name] = section.run(bench, section, opts)
            print_section(name, bench.results[name])
    finally:
        try:
            bench.cleanup()
        finally:
            lock.__exit__(None, None, None)
    bench.context["total_s"] = round(time.perf_counter() - started, 1)
    bench.context["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print(f"\nTotal {bench.context['total_s']:.0f} s (set-up included).")
    if opts.json:
        opts.json.write_text(json.dumps(
            {"context": bench.context, "sections": bench.results}, indent=2, default=str) + "\n")
        print(f"Figures written to {opts.json}")
    return 0


def main(argv=None):
    opts = build_parser().parse_args(argv)
    for name in opts.sections:
        try:
            section_size(opts, SECTIONS[name])
        except ValueError as exc:
            build_parser().error(str(exc))
    return run(opts, Harness.from_environ())


if __name__ == "__main__":
    sys.exit(main())
