"""Benchmark section ``analytics`` (plugged into tools/bench.py's SECTIONS).

A generated year of a medium agency in the agency database — 40 people, 60 clients, about
80,000 time entries, a monthly invoice per client (about 700), payments for most of them
(about 600: some late, some partial, a few never), credit notes and disputes — then the
server time of the calls the web client makes for each report's first screen (its default
filters and grouping: a pivot asks read_group for every prefix of its row and column
groupings) and for the dashboard (the dashboard's JSON, its snapshot pivot and its three
charts). Then four earlier years are added — copies of the year shifted back 52 weeks at a
time, with their own projects, invoices, payments and reconciliations, by SQL — and the
same calls are timed again: the cost should follow what is shown, not the history.
The cash forecast's back-test error is printed, and its weekly back-test over the last
year against the naive baseline "each invoice is paid on its due date" at 1, 4 and 13
weeks. Nothing is asserted.
"""

import random
import sys
import time
from contextlib import closing
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta

CLIENTS, EMPLOYEES, ENTRIES, YEARS = 60, 40, 80_000, 5
REPORT_TARGET_S, DASHBOARD_TARGET_S, HISTORY_FACTOR = 2.0, 3.0, 2.0
# The cash forecast's weekly back-test: its horizons, and the gain over the naive baseline
# asked for at the judged ones (as lib/analytics.py's REQUIRED_GAIN, JUDGED_HORIZONS).
HORIZONS, JUDGED_HORIZONS, REQUIRED_GAIN = (1, 4, 13), (4, 13), 30.0

# Each report's first screen: its action's default domain, measures and groupings.
# ``period`` is the default date filter: this quarter, this month, this year, or none.
SCREENS = [
    ("Profitability", "agency.report.profitability", "quarter", [],
     ["revenue", "cost", "margin", "margin_percent", "wip"], ["partner_id"], []),
    ("Utilization", "agency.report.utilization", "month", [],
     ["billable_hours", "recorded_hours", "capacity_hours", "utilization_recorded",
      "utilization_capacity"], ["employee_id"], []),
    ("Recovery", "agency.report.recovery", "quarter", [],
     ["billable_hours", "invoiced_hours", "leakage_hours", "wip_hours", "hour_recovery",
      "billed_value",
      "card_value", "rate_realization", "invoiced_amount", "collected_amount",
      "collection_rate"], ["partner_id"], []),
    ("Time to Invoice", "agency.report.invoice", "quarter",
     [("move_type", "=", "out_invoice")],
     ["invoice_count", "days_to_post_median", "days_to_post_p90", "days_to_send_median",
      "days_to_send_p90"], ["date:month", "partner_id"], []),
    ("Days to Pay", "agency.report.invoice", "year", [("move_type", "=", "out_invoice")],
     ["invoice_count", "days_to_pay_median", "days_to_pay_p90", "days_past_due", "amount",
      "amount_due"], ["date:month", "partner_id"], []),
    ("Disputes", "agency.report.invoice", "year", [("move_type", "=", "out_invoice")],
     ["invoice_count", "disputed_count", "disputed_amount", "dispute_share",
      "dispute_age_days"], ["date:month", "partner_id"], []),
    ("Estimate vs Actual", "agency.report.estimate", "last12",
     [("finished", "=", True), ("has_budget", "=", True)],
     ["budget_hours", "actual_hours", "overrun_percent"], ["service_type_id"], []),
]
COLUMNS = [
    ("screen", "screen", "{}"), ("years", "years", "{}"), ("seconds", "seconds", "{:.3f}"),
    ("queries", "queries", "{:,}"), ("calls", "calls", "{}"), ("rows", "rows", "{:,}"),
]


def section(section_cls, size_cls):
    """The ``analytics`` Section for bench.py's registry."""
    return section_cls(
        run=run_section,
        help="analytics: each report's first screen and the dashboard on a generated year "
             "of a medium agency, then on five years; the cash forecast's back-test",
        size=size_cls(clients=CLIENTS, employees=EMPLOYEES, tasks_per_project=5, days=364),
        entries=ENTRIES,
        batch_sizes=(),
    )


def run_section(bench, section_def, opts):
    core = sys.modules[type(bench).__module__]  # bench.py's helpers (it may run as __main__)
    size = core.section_size(opts, section_def)
    entries = opts.entries or section_def.entries
    today = date.today()
    started = time.perf_counter()
    with bench.env("agency", commit=True) as env:
        core.say(f"Generating the analytics agency: {size.clients} clients, {size.employees} "
                 "employees ...")
        agency = core.generate_agency(env, size, tag="Bench analytics")
        core.configure_agency_rules(env, agency)
        for client in env["res.partner"].browse(agency.client_ids):
            # invoices to a client without a billing contact are held by a blocking flag
            client.billing_contact_ids = [(6, 0, client.ids)]
        marks = _marks(env)
    _generate_time(bench, core, agency, entries, today)
    _generate_billing(bench, core, agency, today)
    with bench.env("agency", commit=True) as env:
        _finish_projects(env, agency, today)
        _derived(env)
        counts = _counts(env, marks)
    _vacuum(bench)
    generation_s = round(time.perf_counter() - started, 1)
    core.say(f"Generated in {generation_s:.0f} s: {counts}")
    rows = _measure_all(bench, core, opts, 1)
    with bench.env("agency") as env:
        backtest = env["agency.cash.forecast"].backtest(today - timedelta(weeks=13), weeks=13)
        started_bt = time.perf_counter()
        weekly = env["agency.cash.forecast"].backtest_weekly(today)
        weekly["seconds"] = round(time.perf_counter() - started_bt, 3)
    core.say(f"Weekly back-test ({weekly['seconds']:.1f} s): " + "; ".join(
        f"{h} w: model {weekly[h]['model']} % vs baseline {weekly[h]['baseline']} % "
        f"(gain {weekly[h]['gain']} %, {weekly[h]['weeks']} weeks)" for h in HORIZONS))
    core.say(f"Adding {YEARS - 1} earlier years (SQL copies of the year) ...")
    with bench.env("agency", commit=True) as env:
        after = _marks(env)
        for years_back in range(1, YEARS):
            _clone_year(env, marks, after, years_back)
    _vacuum(bench)
    with bench.env("agency", commit=True) as env:
        _derived(env)
        counts5 = _counts(env, marks)
    rows += _measure_all(bench, core, opts, YEARS)
    return {
        "title": f"analytics on a generated agency ({counts['entries']:,} entries, "
                 f"{counts['invoices']:,} invoices, {counts['payments']:,} payments a year), "
                 f"one year vs {YEARS} years",
        "size": {"clients": size.clients, "employees": size.employees, "entries": entries,
                 "one_year": counts, "five_years": counts5, "generation_s": generation_s},
        "columns": COLUMNS,
        "rows": rows,
        "backtest": backtest,
        "backtest_weekly": {str(k): v for k, v in weekly.items()},
        "checks": _checks(rows, backtest, weekly),
    }


# ---------------------------------------------------------------------------
# Generation
# ---------------------------------------------------------------------------

def _vacuum(bench):
    """VACUUM ANALYZE the agency database, as autovacuum would after such a load."""
    with closing(bench.odoo.sql_db.db_connect(bench.registries["agency"].db_name).cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute("VACUUM ANALYZE")


def _marks(env):
    """The highest ids before generation: what the section generated is above them."""
    marks = {}
    for table in ("account_move", "account_analytic_line", "project_project"):
        env.cr.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
        marks[table] = env.cr.fetchone()[0]
    return marks


def _generate_time(bench, core, agency, entries, today):
    vals = core.time_entry_vals(agency, entries, today)
    step = 5_000
    for start in range(0, len(vals), step):
        core.say(f"  time entries {start + step:,}/{len(vals):,} ...")
        with bench.env("agency", commit=True) as env:
            env["account.analytic.line"].with_context(
                tracking_disable=True, agency_scope_skip=True).create(vals[start:start + step])


def _generate_billing(bench, core, agency, today):
    """A monthly invoice per client (Odoo's invoicing bounded to the month), posted a few
    days after the month; paid per each client's habit; credit notes and disputes."""
    rng = random.Random(agency.size.seed + 7)
    habits = {cid: (rng.randint(1, 9), rng.randint(-5, 30)) for cid in agency.client_ids}
    first = (today - timedelta(days=agency.size.days)).replace(day=1) + relativedelta(months=1)
    month = first
    while month + relativedelta(months=1) <= today.replace(day=1):
        end = month + relativedelta(months=1, days=-1)
        core.say(f"  invoicing {month:%Y-%m} ...")
        with bench.env("agency", commit=True) as env:
            env = env(context=dict(env.context, tracking_disable=True,
                                   agency_review_reason="bench"))
            orders = env["sale.order"].browse(agency.order_ids).with_context(
                timesheet_end_date=end, raise_if_nothing_to_invoice=False)
            orders.order_line._recompute_qty_to_invoice(None, end)
            moves = orders._create_invoices()
            term = env.ref("account.account_payment_term_30days")
            for move in moves:
                lag, _late = habits[move.commercial_partner_id.id]
                move.write({"invoice_date": end + timedelta(days=lag),
                            "invoice_payment_term_id": term.id})
            moves.action_post()
            for move in moves:
                move.agency_sent_at = f"{move.invoice_date + timedelta(days=1)} 09:00:00"
        month += relativedelta(months=1)
    core.say("  payments, credit notes, disputes ...")
    with bench.env("agency", commit=True) as env:
        env = env(context=dict(env.context, tracking_disable=True))
        moves = env["account.move"].search([
            ("partner_id", "in", agency.client_ids), ("move_type", "=", "out_invoice"),
            ("state", "=", "posted")], order="invoice_date, id")
        for move in moves:
            roll = rng.random()
            if roll < 0.02:
                _credit_note(env, move)
            if roll > 0.97:
                move.write({"disputed": True, "dispute_reason": "bench",
                            "dispute_date": move.invoice_date + timedelta(days=10)})
                continue
            _lag, late = habits[move.commercial_partner_id.id]
            day = move.invoice_date_due + timedelta(days=late + rng.randint(-3, 6))
            if day >= today or roll > 0.93:
                continue
            amount = move.amount_residual
            if roll > 0.90:
                amount = move.currency_id.round(amount / 2)
            env["account.payment.register"].with_context(
                active_model="account.move", active_ids=move.ids,
            ).create({"payment_date": day, "amount": amount,
                      "payment_difference_handling": "open"})._create_payments()


def _credit_note(env, move):
    line = move.invoice_line_ids[:1]
    refund = env["account.move"].create({
        "move_type": "out_refund", "partner_id": move.partner_id.id,
        "invoice_date": move.invoice_date + timedelta(days=7), "reversed_entry_id": move.id,
        "invoice_line_ids": [(0, 0, {
            "product_id": line.product_id.id, "quantity": 1,
            "price_unit": move.currency_id.round(line.price_subtotal * 0.1),
            "tax_ids": [(6, 0, line.tax_ids.ids)],
            "sale_line_ids": [(6, 0, line.sale_line_ids.ids)]})]})
    refund.action_post()
    lines = (move | refund).line_ids.filtered(
        lambda aml: aml.display_type == "payment_term" and not aml.reconciled)
    if len(lines.move_id) == 2:
        lines.reconcile()


def _finish_projects(env, agency, today):
    """Half the projects finished 45 days ago, each with a budget per service type it used
    (what it took, less an overrun of 20 % on creative work)."""
    projects = env["project.project"].browse(agency.project_ids[::2])
    projects.write({"date_start": today - timedelta(days=400), "date": today - timedelta(days=45)})
    groups = env["account.analytic.line"]._read_group(
        [("project_id", "in", projects.ids), ("service_type_id", "!=", False)],
        ["project_id", "service_type_id"], ["unit_amount:sum"])
    env["agency.scope.line"].with_context(agency_scope_skip=True).create([{
        "project_id": project.id, "service_type_id": stype.id,
        "budget_hours": round(hours / (1.2 if stype.code == "creative" else 1.0)),
    } for project, stype, hours in groups if hours >= 1])


def _derived(env):
    """KPI snapshots of the finished months, the stored forecast, the suggestions."""
    env["agency.kpi.snapshot"]._cron_snapshot()
    env["agency.cash.forecast"]._cron_refresh()
    env["agency.rate.suggestion"]._agency_refresh(env.company)


def _counts(env, marks):
    def count(sql):
        env.cr.execute(sql)
        return env.cr.fetchone()[0]
    return {
        "entries": count(f"SELECT COUNT(*) FROM account_analytic_line "
                         f"WHERE id > {marks['account_analytic_line']}"),
        "invoices": count(f"SELECT COUNT(*) FROM account_move WHERE move_type = 'out_invoice' "
                          f"AND state = 'posted' AND id > {marks['account_move']}"),
        "payments": count(f"SELECT COUNT(*) FROM account_move m WHERE m.move_type = 'entry' "
                          f"AND m.id > {marks['account_move']} AND m.origin_payment_id "
                          "IS NOT NULL"),
    }


# ---------------------------------------------------------------------------
# Earlier years: SQL copies shifted back by 52 weeks per year
# ---------------------------------------------------------------------------

DATE_SHIFTS = {
    "project_project": ["date_start", "date"],
    "account_move": ["date", "invoice_date", "invoice_date_due", "dispute_date",
                     "agency_sent_at", "billing_period_start", "billing_period_end",
                     "delivery_date"],
    "account_move_line": ["date", "date_maturity", "invoice_date"],
    "account_partial_reconcile": ["max_date"],
    "account_analytic_line": ["date"],
    "agency_scope_line": [],
}


def _columns(env, table):
    env.cr.execute("SELECT column_name, data_type FROM information_schema.columns "
                   "WHERE table_name = %s AND column_name != 'id'", (table,))
    return dict(env.cr.fetchall())


def _clone(env, table, where, maps, days, extra=None):
    """Copy ``table``'s rows matching ``where`` with new ids; columns named in ``maps`` go
    through those id maps, date columns move back ``days`` days. Returns the id map."""
    columns = _columns(env, table)
    mapping = f"clone_{table}"
    env.cr.execute(f"DROP TABLE IF EXISTS {mapping}")
    env.cr.execute(f"CREATE TEMP TABLE {mapping} AS SELECT t.id AS old, "
                   f"nextval('{table}_id_seq') AS new FROM {table} t WHERE {where}")
    env.cr.execute(f"CREATE INDEX ON {mapping} (old)")
    joins, exprs = [], []
    for index, (name, kind) in enumerate(columns.items()):
        if extra and name in extra:
            exprs.append(extra[name])
        elif name in maps:
            joins.append(f"LEFT JOIN {maps[name]} j{index} ON j{index}.old = t.{name}")
            exprs.append(f"COALESCE(j{index}.new, t.{name})")
        elif name in DATE_SHIFTS.get(table, []):
            exprs.append(f"t.{name} - {days}" if kind == "date"
                         else f"t.{name} - INTERVAL '{days} days'")
        else:
            exprs.append(f"t.{name}")
    names = ", ".join(f'"{name}"' for name in columns)
    env.cr.execute(f"""
        INSERT INTO {table} (id, {names})
        SELECT m.new, {", ".join(exprs)} FROM {table} t JOIN {mapping} m ON m.old = t.id
        {" ".join(joins)}""")
    return mapping


def _clone_year(env, marks, after, years_back):
    """Copy the generated year ``years_back`` years (of 52 weeks) earlier: its projects
    (with their budgets), invoices, credit notes, payments, reconciliations and time."""
    days = 364 * years_back

    def generated(table):
        return f"t.id > {marks[table]} AND t.id <= {after[table]}"

    projects = _clone(env, "project_project", generated("project_project"), {}, days,
                      extra={"alias_id": "NULL"})
    moves = _clone(env, "account_move", generated("account_move"),
                   {"reversed_entry_id": "clone_account_move"}, days,
                   extra={"name": f"CASE WHEN t.name = '/' THEN t.name "
                                  f"ELSE t.name || '-Y{years_back}' END"})
    lines = _clone(env, "account_move_line", f"t.move_id IN (SELECT old FROM {moves})",
                   {"move_id": moves}, days, extra={"full_reconcile_id": "NULL"})
    env.cr.execute(f"UPDATE account_move_line l SET move_name = a.name "
                   f"FROM account_move a, {lines} m WHERE l.id = m.new AND a.id = l.move_id")
    _clone(env, "account_partial_reconcile", f"t.debit_move_id IN (SELECT old FROM {lines})",
           {"debit_move_id": lines, "credit_move_id": lines, "exchange_move_id": moves}, days,
           extra={"full_reconcile_id": "NULL"})
    env.cr.execute(f"""INSERT INTO sale_order_line_invoice_rel (invoice_line_id, order_line_id)
                       SELECT m.new, r.order_line_id FROM sale_order_line_invoice_rel r
                       JOIN {lines} m ON m.old = r.invoice_line_id""")
    _clone(env, "account_analytic_line", generated("account_analytic_line"),
           {"project_id": projects, "timesheet_invoice_id": moves, "move_line_id": lines},
           days, extra={"retainer_period_id": "NULL"})
    _clone(env, "agency_scope_line", f"t.project_id IN (SELECT old FROM {projects})",
           {"project_id": projects}, days)


# ---------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------

def _period_domain(period, today):
    if period == "quarter":
        start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        return [("date", ">=", start)]
    if period == "month":
        start = today.replace(day=1)
        return [("date", ">=", start), ("date", "<=", start + relativedelta(months=1, days=-1))]
    if period == "year":
        return [("date", ">=", today.replace(month=1, day=1)),
                ("date", "<=", today.replace(month=12, day=31))]
    if period == "last12":
        return [("date", ">", today - relativedelta(months=12))]
    return []


def _pivot_calls(model, domain, measures, rows, cols):
    """The read_group calls of a pivot's first load: every prefix of rows × of cols."""
    fields = [f"{m}:{model._fields[m].aggregator or 'sum'}" for m in measures]
    calls = []
    for r in range(len(rows) + 1):
        for c in range(len(cols) + 1):
            calls.append((domain, fields, rows[:r] + cols[:c]))
    return calls


def _measure(bench, core, opts, label, years, calls_of):
    best = None
    for _run in range(opts.repeat):
        with bench.env("agency") as env:
            admin = env.ref("base.user_admin")
            env = env(user=admin.id, context={"allowed_company_ids": admin.company_ids.ids,
                                               "tz": "UTC"})
            env.invalidate_all()
            queries_before = env.cr.sql_log_count
            started = time.perf_counter()
            calls, rows = calls_of(env)
            seconds = time.perf_counter() - started
            queries = env.cr.sql_log_count - queries_before
        if best is None or seconds < best["seconds"]:
            best = {"screen": label, "years": years, "seconds": round(seconds, 3),
                    "queries": queries, "calls": calls, "rows": rows}
    core.say(f"  {label} ({years} y): {best['seconds']:.3f} s, {best['queries']} queries")
    return best


def _measure_all(bench, core, opts, years):
    today = date.today()
    results = []
    for label, model_name, period, extra, measures, rows, cols in SCREENS:
        def screen(env, model_name=model_name, period=period, extra=extra,
                   measures=measures, rows=rows, cols=cols):
            model = env[model_name]
            domain = _period_domain(period, today) + list(extra)
            found = 0
            calls = _pivot_calls(model, domain, measures, rows, cols)
            for dom, fields, groupby in calls:
                found += len(model.read_group(dom, fields, groupby, lazy=False))
            return len(calls), found
        results.append(_measure(bench, core, opts, label, years, screen))

    def dashboard(env):
        board = env.ref("agency_billing_analytics.spreadsheet_dashboard_agency_billing")
        board.get_readonly_dashboard()
        last_year = [("date", ">=", today - timedelta(days=365))]
        found = 0
        calls = [
            ("agency.kpi.snapshot", [], ["hour_recovery:avg", "time_to_invoice_median:avg",
                                         "days_to_pay_median:avg", "disputed_count:sum"],
             ["month:month"]),
            ("agency.kpi.snapshot", [], ["hour_recovery:avg"], []),
            ("agency.report.profitability", last_year, ["margin:sum"], ["partner_id"]),
            ("agency.report.profitability", last_year, ["margin:sum"], ["service_type_id"]),
            ("agency.cash.forecast", [], ["expected:sum"], ["week_start:week"]),
        ]
        for model, dom, fields, groupby in calls:
            found += len(env[model].read_group(dom, fields, groupby, lazy=False))
        return len(calls) + 1, found
    results.append(_measure(bench, core, opts, "Dashboard", years, dashboard))

    def smart_buttons(env):
        partner = env["res.partner"].search([("name", "like", "Bench analytics Client")], limit=1)
        project = env["project.project"].search([("name", "like", "Bench analytics Project")],
                                                limit=1)
        partner.read(["agency_margin", "agency_days_to_pay", "agency_open_wip"])
        project.read(["agency_margin", "agency_days_to_pay", "agency_open_wip"])
        return 2, 2
    results.append(_measure(bench, core, opts, "Smart buttons (client, project)", years,
                            smart_buttons))

    def forecast(env):
        return 1, len(env["agency.cash.forecast"].get_forecast())
    results.append(_measure(bench, core, opts, "Cash forecast (get_forecast)", years, forecast))
    return results


def _checks(rows, backtest, weekly):
    by = {(r["screen"], r["years"]): r for r in rows}
    checks = []
    for label, *_rest in SCREENS:
        one = by[(label, 1)]
        checks.append({"name": f"{label}: first screen", "detail": f"{one['seconds']:.3f} s",
                       "target": f"< {REPORT_TARGET_S} s", "ok": one["seconds"] < REPORT_TARGET_S})
    dash = by[("Dashboard", 1)]
    checks.append({"name": "Dashboard", "detail": f"{dash['seconds']:.3f} s",
                   "target": f"< {DASHBOARD_TARGET_S} s",
                   "ok": dash["seconds"] < DASHBOARD_TARGET_S})
    for label in [s[0] for s in SCREENS] + ["Dashboard"]:
        one, five = by[(label, 1)], by[(label, YEARS)]
        ratio = five["seconds"] / one["seconds"] if one["seconds"] else float("inf")
        checks.append({"name": f"{label}: {YEARS} years vs 1",
                       "detail": f"{five['seconds']:.3f} s / {one['seconds']:.3f} s = "
                                 f"{ratio:.2f}x", "target": f"< {HISTORY_FACTOR}x",
                       "ok": ratio < HISTORY_FACTOR})
    checks.append({"name": "Cash forecast back-test (13 weeks, receivables open then)",
                   "detail": f"WAPE {backtest['wape']} %, error on the total "
                             f"{backtest['total']} %", "target": "printed", "ok": None})
    for h in HORIZONS:
        row = weekly[h]
        judged = h in JUDGED_HORIZONS
        checks.append({
            "name": f"Cash forecast vs 'paid on the due date', {h} week(s), every week of "
                    "the last year",
            "detail": f"model {row['model']} % vs baseline {row['baseline']} % "
                      f"(gain {row['gain']} %, {row['weeks']} start weeks)",
            "target": f"gain >= {REQUIRED_GAIN:.0f} %" if judged else "printed",
            "ok": (row["gain"] is not None and row["gain"] >= REQUIRED_GAIN) if judged
            else None})
    return checks
