"""The ``workers`` benchmark section (tools/bench_workers.py) without Odoo: its figures and
checks from what the database and the server's log hold."""

import doctest
from collections import Counter

import bench
import bench_workers


def test_section_registered():
    section = bench.SECTIONS["workers"]
    assert section.run is bench_workers.run_section
    assert section.help == bench_workers.HELP


def test_doctests():
    result = doctest.testmod(bench_workers)
    assert result.attempted >= 6
    assert result.failed == 0


def test_log_figures_count_collisions_and_errors():
    lines = [
        "2026-12-08 02:00:00,000 11 ERROR ab_bench_agency odoo.sql_db: bad query: UPDATE x",
        "ERROR: could not serialize access due to concurrent update",
        "2026-12-08 02:00:00,100 11 INFO ab_bench_agency odoo.addons.agency_billing_sync: "
        "batch collided (could not serialize access); retried",
        "2026-12-08 02:00:00,200 12 INFO ab_bench_agency x: canceling statement due to lock "
        "timeout",
        "2026-12-08 02:00:00,300 12 CRITICAL ab_bench_agency odoo.service.server: gone",
    ]
    lines.append("2026-12-08 02:00:00,400 11 INFO ab_bench_agency odoo.service.model: "
                 "SERIALIZATION_FAILURE, 4 tries left, try again in 0.89 sec...")
    lines.append("2026-12-08 02:00:00,500 11 INFO ab_bench_agency odoo.addons.agency_billing_"
                 "sync.components.importer: Sync batch of call collided with another "
                 "transaction (concurrent update); trying again (1)")
    assert bench_workers.log_figures(lines) == {
        "serialization failure": 2, "deadlock": 0, "lock timeout": 1, "odoo retried": 1,
        "handled by a run": 1, "error_lines": 2}


def test_events_lost_and_pending():
    figures = bench_workers.event_figures({"1", "2", "3", "4"}, {"1", "2", "3"},
                                          {"1": "done", "2": "done", "9": "done"})
    assert figures == {"sent": 4, "answered": 3, "stored": 2, "processed": 2, "pending": 0,
                       "lost": 1}


def _figures(**changes):
    figures = {
        "events": {"sent": 30, "answered": 30, "stored": 30, "processed": 30, "pending": 0,
                   "lost": 0},
        "duplicates": {"bindings": 0, "records bound twice": 0,
                       "invoices of a client and period": 0},
        "invoices": bench_workers.invoice_figures([(1, "2026-07-01", "2026-07-31", 1)]),
        "collisions": bench_workers.collision_outcomes([(2, 1)], ["retried"], [True]),
        "log": {"serialization failure": 2, "deadlock": 0, "lock timeout": 0,
                "odoo retried": 1, "handled by a run": 1, "error_lines": 0},
        "load": {"deliveries": 10, "refused": 0, "sync_now": 3, "sync_refused": 1,
                 "bill_now": 2, "rpc_errors": 0},
        "runs": {"sync": Counter({"events webhook done": 4}),
                 "billing": Counter({"api done": 2, "cron done": 1})},
    }
    figures.update(changes)
    return figures


def test_rows_and_checks_decide_on_the_figures():
    figures = _figures()
    rows = bench_workers.figure_rows(figures)
    assert [row["figure"] for row in rows][:4] == [
        "webhook events", "duplicates", "invoices per client and period", "sync collisions"]
    table = bench.format_table(rows, bench_workers.COLUMNS)
    assert "30 answered 200, 30 stored, 30 processed" in table
    assert "1 records kept retry pending (1 keeps): 1 imported by a later run" in table
    states = {"sync": bench_workers.by_state(figures["runs"]["sync"]),
              "billing": bench_workers.by_state(figures["runs"]["billing"])}
    assert all(check["ok"] for check in bench_workers.checks({**figures, "runs": states}))
    bad = _figures(
        events=dict(figures["events"], processed=28, pending=2),
        invoices=bench_workers.invoice_figures([(1, "2026-07-01", "2026-07-31", 2)]),
        collisions=bench_workers.collision_outcomes([(2, 1)], ["open"], [False]))
    bad_states = {"sync": {"failed": 1}, "billing": {"running": 1}}
    assert [c["ok"] for c in bench_workers.checks({**bad, "runs": bad_states})] == [
        False, False, False, False]
