"""The sync benchmark section (tools/bench_sync.py) without Odoo: parts and checks."""

import bench
import bench_sync


def test_section_registered_in_one_entry():
    section = bench.SECTIONS["sync"]
    assert section.run is bench_sync.section_sync
    assert section.help == bench_sync.HELP
    assert {"hubspot", "asana", "monday"} <= set(bench_sync.load_parts())


def test_parts_are_gathered(monkeypatch):
    """A vendor's part (as tools/bench_sync_*.py registers them) adds its rows and
    checks; missing columns are filled."""
    monkeypatch.setattr(bench_sync, "PARTS", {})
    monkeypatch.setattr(bench_sync, "load_parts", lambda: bench_sync.PARTS)

    @bench_sync.part("demo")
    def demo(_bench, _section, _opts):
        return {"rows": [{"run": "first sync", "records": 10, "seconds": 1.0}],
                "checks": [{"name": "demo", "ok": True}]}

    result = bench_sync.section_sync(None, None, None)
    assert result["rows"][0]["part"] == "demo"
    assert result["rows"][0]["queries"] == 0
    assert result["checks"] == [{"name": "demo", "ok": True}]
    assert bench.format_table(result["rows"], result["columns"]).count("\n") == 2


def _row(seconds, records=1000, queries=4000, writes=0, peak=300.0):
    return {"records": records, "seconds": seconds, "per_second": records / seconds,
            "queries_per_record": queries / records, "writes": writes, "unchanged": records,
            "rss_peak_mib": peak, "state": "done"}


def test_hubspot_checks_decide_on_the_figures():
    first, small = _row(4.0), _row(1.0, records=250, queries=1000)
    burst = {"p50": 40, "p95": 120, "max": 300, "failures": [], "deliveries": 1000,
             "burst_seconds": 9.0, "reread": 600, "distinct_changed": 600, "reread_max": 1,
             "updated": 600}
    entries = {"entries": 10, "rated": 10, "classified": 10, "routed": 10}
    checks = bench_sync.hubspot_checks(first, small, _row(0.2), _row(0.3), entries, burst)
    assert [c["ok"] for c in checks] == [True, True, True, True, True, True]
    slow = bench_sync.hubspot_checks(_row(10.0), small, _row(2.0, writes=3), _row(0.3),
                                     entries, dict(burst, p95=250, reread_max=2))
    assert [c["ok"] for c in slow] == [False, False, True, True, True, False]
