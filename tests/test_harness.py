"""The harness finds Odoo by itself and fails fast and clearly when there is none."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

import dev

REPO = Path(__file__).resolve().parent.parent


def test_missing_odoo_source_fails_fast(tmp_path):
    """A wrong ODOO_SOURCE stops the test command within seconds, saying how to fix it."""
    env = dict(os.environ, ODOO_SOURCE=str(tmp_path / "no-odoo-here"),
               AGENCY_BILLING_CACHE=str(tmp_path / "cache"))
    started = time.monotonic()
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "dev.py"), "test"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 20
    assert proc.returncode == 2
    assert "does not exist" in proc.stderr
    assert "git clone --depth 1 -b 18.0" in proc.stderr
    assert "docker/" in proc.stderr
    assert not (tmp_path / "cache" / "venvs").exists()


def test_no_odoo_anywhere(monkeypatch, capsys):
    """With no ODOO_SOURCE and nothing installed, the message lists where it looked."""
    monkeypatch.delenv("ODOO_SOURCE", raising=False)
    monkeypatch.setattr(dev, "_candidates", lambda: iter([Path("/nonexistent/odoo")]))
    with pytest.raises(SystemExit) as exc:
        dev.find_odoo()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "Odoo 18.0 was not found" in err
    assert "/nonexistent/odoo" in err
    assert "ODOO_SOURCE=" in err


def test_wrong_series_is_refused(tmp_path, monkeypatch, capsys):
    """An Odoo of another series is not taken for 18.0."""
    fake = tmp_path / "odoo-17.0" / "odoo"
    fake.mkdir(parents=True)
    (fake / "release.py").write_text("version_info = (17, 0, 0, 'final', 0, '')\n")
    monkeypatch.setenv("ODOO_SOURCE", str(fake.parent))
    with pytest.raises(SystemExit):
        dev.find_odoo()
    assert "these addons need 18.0" in capsys.readouterr().err


def test_finds_a_source_tree_one_level_down(tmp_path, monkeypatch):
    """An unpacked nightly (odoo-18.0+e.2025.../odoo/release.py) is found inside its folder."""
    tree = tmp_path / "nightly" / "odoo-18.0.post20250506" / "odoo"
    tree.mkdir(parents=True)
    (tree / "release.py").write_text("version_info = (18, 0, 0, 'final', 0, '')\n")
    monkeypatch.setenv("ODOO_SOURCE", str(tmp_path / "nightly"))
    odoo = dev.find_odoo()
    assert odoo.root == tree.parent
    assert odoo.version[:2] == (18, 0)


def test_requirements_adapted_for_wheels(tmp_path):
    """python-ldap is dropped and psycopg2 becomes the binary wheel; other pins stay."""
    root = tmp_path / "odoo-18.0"
    (root / "odoo").mkdir(parents=True)
    (root / "odoo" / "release.py").write_text("version_info = (18, 0, 0, 'final', 0, '')\n")
    (root / "requirements.txt").write_text(
        "python-ldap==3.4.0 ; sys_platform != 'win32'\n"
        "psycopg2==2.9.5 ; python_version == '3.11'\n"
        "lxml==4.9.3 ; python_version > '3.10'\n"
    )
    text = dev._odoo_requirements(dev.Odoo(root, "test"))
    assert "python-ldap" not in text
    assert "psycopg2-binary==2.9.9" in text
    assert "lxml==4.9.3" in text


def test_template_dependencies_come_from_manifests():
    """The template database holds exactly the Odoo modules our manifests depend on."""
    assert dev.odoo_dependencies() == [
        "account_edi_ubl_cii", "account_payment", "mail", "sale_project", "sale_timesheet",
        "spreadsheet_dashboard",
    ]


def test_template_holds_test_only_modules():
    """The demo payment provider is in the test template, never in a manifest."""
    assert "payment_demo" in dev.template_modules()
    assert "payment_demo" not in dev.odoo_dependencies()
    assert set(dev.odoo_dependencies()) <= set(dev.template_modules())
