"""Lint: ruff on all Python, pylint-odoo's mandatory checks on the addons."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ADDONS = [
    "agency_billing", "agency_billing_sync", "agency_billing_analytics",
    "agency_billing_hubspot", "agency_billing_pm",
]


def test_ruff():
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(REPO)],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_pylint_odoo_mandatory():
    proc = subprocess.run(
        [sys.executable, "-m", "pylint", f"--rcfile={REPO / '.pylintrc'}",
         *[str(REPO / a) for a in ADDONS]],
        capture_output=True, text=True, cwd=REPO,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
