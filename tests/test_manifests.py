"""OCA repository conventions for every addon: manifest, files, readme, icon, security."""

import ast
import csv
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

REPO = Path(__file__).resolve().parent.parent
ADDONS = [
    "agency_billing", "agency_billing_sync", "agency_billing_analytics",
    "agency_billing_hubspot", "agency_billing_pm",
]


def manifest(addon):
    return ast.literal_eval((REPO / addon / "__manifest__.py").read_text())


DEPENDS = {
    "agency_billing": {"sale_timesheet", "sale_project", "account_payment", "mail",
                       "account_edi_ubl_cii"},
    "agency_billing_sync": {"agency_billing"},
    "agency_billing_analytics": {"agency_billing", "spreadsheet_dashboard"},
    "agency_billing_hubspot": {"agency_billing_sync"},
    "agency_billing_pm": {"agency_billing_sync"},
}


@pytest.mark.parametrize("addon", ADDONS)
def test_manifest(addon):
    m = manifest(addon)
    assert re.fullmatch(r"18\.0\.\d+\.\d+\.\d+", m["version"])
    assert m["license"] == "LGPL-3"
    assert m["installable"] is True
    assert "external_dependencies" in m
    assert set(m["depends"]) == DEPENDS[addon]


@pytest.mark.parametrize("addon", ADDONS)
def test_declared_files_exist_and_parse(addon):
    m = manifest(addon)
    for rel in m.get("data", []) + m.get("demo", []):
        path = REPO / addon / rel
        assert path.is_file(), rel
        if path.suffix == ".xml":
            etree.parse(str(path))
    # every XML file in the addon is declared (no forgotten view)
    declared = set(m.get("data", []) + m.get("demo", []))
    for path in (REPO / addon).rglob("*.xml"):
        rel = str(path.relative_to(REPO / addon))
        if not rel.startswith("static/"):
            assert rel in declared, f"{addon}: {rel} is not in the manifest"


@pytest.mark.parametrize("addon", ADDONS)
def test_readme_and_icon(addon):
    for fragment in ("DESCRIPTION.md", "USAGE.md", "CONFIGURE.md"):
        text = (REPO / addon / "readme" / fragment).read_text()
        assert len(text.strip()) > 40, fragment
    icon = REPO / addon / "static" / "description" / "icon.png"
    assert icon.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("addon", ADDONS)
def test_security_csv(addon):
    path = REPO / addon / "security" / "ir.model.access.csv"
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    assert rows, "no access rules"
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids))
    m = manifest(addon)
    data = m["data"]
    assert data.index("security/ir.model.access.csv") < min(
        i for i, f in enumerate(data) if f.startswith(("views/", "data/"))
    ), "security must load before data and views"


def test_readme_rst_generated_from_fragments():
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "gen_readme.py"), "--check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
