"""The benchmark script (tools/bench.py) without Odoo: options, sections, generated vals.

Nothing here runs Odoo or measures time; ./dev bench does that and prints figures.
"""

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

import bench

REPO = Path(__file__).resolve().parent.parent


def fake_agency(**size):
    """An Agency with made-up ids, as generate_agency() would return it."""
    size = bench.AgencySize(**size)
    roles = list(bench.ROLES)
    return bench.Agency(
        size=size,
        client_ids=list(range(1, size.clients + 1)),
        employee_ids=list(range(100, 100 + size.employees)),
        employee_roles=[roles[i % len(roles)] for i in range(size.employees)],
        project_ids=list(range(1000, 1000 + size.clients)),
        task_ids=[list(range(5000 + p * 10, 5000 + p * 10 + size.tasks_per_project))
                  for p in range(size.clients)],
    )


def test_help_runs_without_odoo():
    """--help works outside ./dev (no AB_* variables, no Odoo import)."""
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "bench.py"), "--help"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    for option in ("--sections", "--entries", "--batch-sizes", "--keep", "--json"):
        assert option in proc.stdout


def test_sections_registry():
    assert "create" in bench.SECTIONS
    for section in bench.SECTIONS.values():
        assert callable(section.run)
        assert section.help


def test_default_parameters():
    opts = bench.build_parser().parse_args([])
    section = bench.SECTIONS["create"]
    assert opts.sections == list(bench.SECTIONS)
    assert bench.section_batches(opts, section) == [1_000, 10_000]
    assert bench.section_size(opts, section) == bench.AgencySize()
    assert opts.repeat == 1 and not opts.keep and opts.json is None


def test_parameters_parse():
    opts = bench.build_parser().parse_args([
        "--sections", "create", "--entries", "20,000", "--batch-sizes", "100,1_000,50000",
        "--clients", "7", "--employees", "9", "--tasks", "2", "--days", "30", "--seed", "1",
        "--repeat", "3", "--keep", "--json", "out.json",
    ])
    section = bench.SECTIONS["create"]
    assert opts.sections == ["create"]
    # Sizes above --entries are dropped; --entries is always the last batch.
    assert bench.section_batches(opts, section) == [100, 1_000, 20_000]
    assert bench.section_size(opts, section) == bench.AgencySize(
        clients=7, employees=9, tasks_per_project=2, days=30, seed=1)
    assert opts.repeat == 3 and opts.keep and opts.json == Path("out.json")


@pytest.mark.parametrize("argv", [
    ["--sections", "nope"],
    ["--entries", "0"],
    ["--entries", "many"],
    ["--batch-sizes", "10,-1"],
])
def test_bad_parameters_are_refused(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        bench.build_parser().parse_args(argv)
    assert exc.value.code == 2
    assert "error" in capsys.readouterr().err


def test_time_entry_vals_are_deterministic_and_plausible():
    agency = fake_agency(clients=4, employees=6, tasks_per_project=3, days=60)
    today = date(2026, 3, 31)
    vals = bench.time_entry_vals(agency, 500, today)
    assert len(vals) == 500
    assert vals == bench.time_entry_vals(agency, 500, today)
    # A smaller batch is a prefix of a larger one: batch sizes compare like with like.
    assert bench.time_entry_vals(agency, 50, today) == vals[:50]
    for v in vals:
        assert 0.25 <= v["unit_amount"] <= 4
        assert round(v["unit_amount"] * 20, 6).is_integer()
        assert today - timedelta(days=60) <= v["date"] < today
        p = agency.project_ids.index(v["project_id"])
        assert v["task_id"] in agency.task_ids[p]
        e = agency.employee_ids.index(v["employee_id"])
        assert v["name"] in bench.ROLES[agency.employee_roles[e]]
    assert len({v["project_id"] for v in vals}) == 4


def test_harness_environment(monkeypatch):
    for name in ("AB_ODOO_ADDONS_PATH", "AB_DATA_DIR", "AB_TEMPLATE_DB", "AB_DB_OPTS"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(SystemExit) as exc:
        bench.Harness.from_environ()
    assert "./dev bench" in str(exc.value.code)
    harness = bench.Harness.from_environ({
        "AB_ODOO_ADDONS_PATH": "/odoo/addons,/repo", "AB_DATA_DIR": "/data",
        "AB_TEMPLATE_DB": "ab_tpl_x", "AB_DB_OPTS": '{"db_host": "/run/pg", "db_port": "5432"}',
        "AB_ODOO_COMMAND": '["/venv/bin/python", "/odoo/odoo-bin"]',
    })
    args = harness.odoo_args("-d", "x")
    assert "--addons-path=/odoo/addons,/repo" in args
    assert "--db_host=/run/pg" in args and "--db_port=5432" in args
    assert args[-2:] == ["-d", "x"]
    assert harness.filestore("db") == Path("/data/filestore/db")


def figures(db, entries, seconds, queries):
    return bench.Figures(db=db, entries=entries, seconds=seconds, create_seconds=seconds,
                         flush_seconds=0, queries=queries, create_queries=queries,
                         flush_queries=0, rss_peak_mib=0, rss_growth_mib=0,
                         with_so_line=entries)


def test_checks_and_table_from_given_figures():
    """The verdicts are computed from the printed numbers (no timing happens here)."""
    best = {
        ("native", 1000, "cold"): figures("native", 1000, 1.0, 200),
        ("agency", 1000, "cold"): figures("agency", 1000, 1.2, 250),
        ("native", 10000, "cold"): figures("native", 10000, 10.0, 300),
        ("agency", 10000, "cold"): figures("agency", 10000, 16.0, 900),
    }
    checks = bench.create_checks(best, [1000, 10000], "cold")
    assert [c["ok"] for c in checks] == [False, True, False]
    assert checks[0]["value"] == 1.6
    table = bench.format_table([f.as_dict() for f in best.values()])
    assert "queries/entry" in table and "10,000" in table and "cold" in table
    assert checks[0]["name"].startswith("[cold]")


def test_edit_checks_from_given_figures():
    """The grid edit (one write per entry) is held to the create target; the multi-edit
    that re-classifies entries is a reference."""
    best = {
        ("native", 1000, "edit N writes"): figures("native", 1000, 2.0, 20),
        ("agency", 1000, "edit N writes"): figures("agency", 1000, 2.4, 40),
        ("native", 1000, "edit 1 write"): figures("native", 1000, 0.5, 20),
        ("agency", 1000, "edit 1 write"): figures("agency", 1000, 3.0, 90),
    }
    grid = bench.edit_check(best, 1000, "edit N writes")
    assert grid["value"] == 1.2 and grid["ok"] is True
    assert grid["target"] == "<= 1.25x native"
    multi = bench.edit_check(best, 1000, "edit 1 write")
    assert multi["value"] == 6.0 and multi["ok"] is None
    assert "90 vs 20 queries" in multi["detail"]


def invoicing(db, entries, seconds, queries, invoices=200, rss=400.0, lines=200):
    return bench.InvoicingFigures(db=db, entries=entries, invoices=invoices, seconds=seconds,
                                  queries=queries, rss_peak_mib=rss, rss_growth_mib=0.0,
                                  invoiced_entries=entries, untaxed=0.0, invoice_lines=lines)


def test_billing_section_defaults():
    """200 clients; 10,000 then 50,000 entries, i.e. 50 then 250 entries per invoice."""
    opts = bench.build_parser().parse_args(["--sections", "billing"])
    section = bench.SECTIONS["billing"]
    assert opts.sections == ["billing"]
    assert bench.section_batches(opts, section) == [10_000, 50_000]
    assert bench.section_size(opts, section).clients == 200
    assert set(bench.INVOICING) == {"native", "native@roles", "odoo@agency", "agency"}
    # Only the like-for-like baseline prepares its orders (role lines, employee map).
    assert [key for key, (_db, _fn, prepare) in bench.INVOICING.items() if prepare] == \
        ["native@roles"]


def test_billing_checks_from_given_figures():
    best = {
        ("native", 10_000): invoicing("native", 10_000, 10.0, 4_000),
        ("native@roles", 10_000): invoicing("native@roles", 10_000, 14.0, 7_000, lines=1_200),
        ("odoo@agency", 10_000): invoicing("odoo@agency", 10_000, 12.0, 5_000),
        ("agency", 10_000): invoicing("agency", 10_000, 12.5, 5_200),
        ("native", 50_000): invoicing("native", 50_000, 20.0, 4_400),
        ("native@roles", 50_000): invoicing("native@roles", 50_000, 18.0, 9_000, lines=1_200),
        ("odoo@agency", 50_000): invoicing("odoo@agency", 50_000, 24.0, 5_600),
        ("agency", 50_000): invoicing("agency", 50_000, 25.0, 8_000, rss=1_100.0),
    }
    listed = bench.billing_checks(best, [10_000, 50_000])
    checks = {c["name"].split(" at ")[0]: c for c in listed}
    assert checks["billing run/native time"]["value"] == 1.25
    assert checks["billing run/native time"]["ok"] is None  # a reference, not the target
    like = checks["billing run/native with one line per role rate"]
    assert like["value"] == 1.39 and like["ok"] is False  # 25 s / 18 s
    assert like["target"] == "<= 1.0x native"
    small = next(c for c in listed if c["name"].startswith(
        "billing run/native with one line per role rate at 10,000"))
    assert small["value"] == 0.89 and small["ok"] is True  # 12.5 s / 14 s
    assert "1.0 vs 6.0 lines per invoice" in like["detail"]
    assert checks["native@roles queries per invoice"]["ok"] is False  # 35 -> 45 per invoice
    assert checks["billing run/Odoo's own invoicing of the same rated time"]["ok"] is None
    assert checks["native queries per invoice"]["ok"] is True  # 20 -> 22 per invoice
    assert checks["agency queries per invoice"]["ok"] is False  # 26 -> 40 per invoice
    assert checks["billing run peak memory"]["ok"] is False
    table = bench.format_table([f.as_dict() for f in best.values()], bench.BILLING_COLUMNS)
    assert "queries/invoice" in table and "odoo@agency" in table and "50,000" in table
    assert "lines/invoice" in table and "6.0" in table
