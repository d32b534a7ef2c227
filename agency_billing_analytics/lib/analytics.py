"""Analytics formulas: margin, utilization, recovery, time to invoice, days to pay,
disputes, estimate vs actual, rate suggestions, the cash forecast and its back-test.

Plain functions on plain numbers and dates (no database). The report models compute the
same figures in SQL over many rows (``report/``); these functions are the definitions
(README, "Analytics") and what the KPI snapshots, the forecast and the suggestions call.
Every ratio is ``None`` when its denominator is zero: a figure without data is *undefined*,
never a division by zero and never a silent 0.
"""

import math
from datetime import date, timedelta

# A back-test or forecast band: the expected amount ± Z times its standard deviation
# (1.2816 = the 10th/90th percentiles of a normal distribution: an 80 % band).
BAND_Z = 1.2816


def ratio(numerator, denominator):
    """``numerator / denominator``, or ``None`` when the denominator is zero or missing.

    >>> ratio(3, 4)
    0.75
    >>> ratio(3, 0) is None
    True
    """
    if not denominator:
        return None
    return (numerator or 0.0) / denominator


def percent(numerator, denominator, digits=2):
    """A ratio in percent, rounded; ``None`` when undefined.

    >>> percent(1, 3)
    33.33
    >>> percent(5, 0) is None
    True
    """
    value = ratio(numerator, denominator)
    return None if value is None else round(value * 100.0, digits)


def money(amount):
    """Round to the cent, halves away from zero (as invoices do).

    >>> money(2.675), money(-0.125)
    (2.68, -0.13)
    """
    sign = -1 if amount < 0 else 1
    return sign * math.floor(abs(amount) * 100 + 0.5 + 1e-9) / 100


# ----------------------------------------------------------------------
# Profitability
# ----------------------------------------------------------------------

def margin(revenue, cost):
    """Margin = revenue − cost, and margin % = margin ÷ revenue (``None`` without revenue).

    >>> margin(1000.0, 600.0)
    (400.0, 40.0)
    >>> margin(0.0, 50.0)
    (-50.0, None)
    """
    value = money((revenue or 0.0) - (cost or 0.0))
    return value, percent(value, revenue)


def allocate(amount, weights):
    """Split ``amount`` over ``weights`` in proportion, to the cent, summing exactly.

    Used for a retainer fee (weights: the covered hours' value at rate per service type).
    Cents left by rounding go to the largest remainders; no weight (or all zero) → ``[]``.

    >>> allocate(100.0, [1, 1, 1])
    [33.34, 33.33, 33.33]
    >>> allocate(-10.0, [3, 1])
    [-7.5, -2.5]
    >>> allocate(50.0, [0, 0])
    []
    """
    total = sum(weights)
    if not weights or not total:
        return []
    cents = round(amount * 100)
    raw = [cents * w / total for w in weights]
    parts = [math.trunc(r) for r in raw]
    left = cents - sum(parts)
    step = 1 if left > 0 else -1
    order = sorted(range(len(raw)), key=lambda i: (-abs(raw[i] - parts[i]), i))
    for i in order[:abs(left)]:
        parts[i] += step
    return [p / 100 for p in parts]


def cost_flag(hours, hourly_cost):
    """Time cost of an employee's hours, and whether it is unknown ("no cost").

    >>> cost_flag(2.5, 40.0)
    (100.0, False)
    >>> cost_flag(3.0, 0)
    (0.0, True)
    """
    if not hourly_cost:
        return 0.0, bool(hours)
    return money(hours * hourly_cost), False


# ----------------------------------------------------------------------
# Utilization and capacity
# ----------------------------------------------------------------------

def utilization(billable_hours, recorded_hours, capacity_hours):
    """The two named utilization figures, in percent: billable ÷ recorded and
    billable ÷ capacity.

    >>> utilization(30.0, 40.0, 38.0)
    {'of_recorded': 75.0, 'of_capacity': 78.95}
    >>> utilization(0.0, 0.0, 0.0)
    {'of_recorded': None, 'of_capacity': None}
    """
    return {
        "of_recorded": percent(billable_hours, recorded_hours),
        "of_capacity": percent(billable_hours, capacity_hours),
    }


def capacity(work_intervals, leave_intervals):
    """Working hours of ``work_intervals`` not covered by ``leave_intervals``.

    Intervals are ``(start, end)`` pairs of hours (floats) or datetimes; leaves may overlap
    each other (an hour on leave twice is one hour off).

    >>> capacity([(8, 12), (13, 17)], [])
    8.0
    >>> capacity([(8, 12), (13, 17)], [(11, 14), (11.5, 12)])
    6.0
    >>> capacity([(8, 12)], [(0, 24)])
    0.0
    """
    total = 0.0
    for start, end in work_intervals:
        cuts = sorted((max(s, start), min(e, end))
                      for s, e in leave_intervals if s < end and e > start)
        free, cursor = 0.0, start
        for s, e in cuts:
            if s > cursor:
                free += _hours(s, cursor)
            cursor = max(cursor, e)
        if end > cursor:
            free += _hours(end, cursor)
        total += free
    return round(total, 4)


def _hours(later, earlier):
    delta = later - earlier
    return delta.total_seconds() / 3600.0 if isinstance(delta, timedelta) else float(delta)


# ----------------------------------------------------------------------
# Recovery
# ----------------------------------------------------------------------

def recovery(invoiced_hours, billable_hours, billed_value, card_value, collected, invoiced):
    """The three recovery figures, in percent.

    * hour recovery = hours invoiced ÷ billable hours recorded, both counted only over the
      time whose billing cycle has closed (time still waiting for its cycle or in review is
      unbilled work in progress, not lost);
    * rate realization = billed value ÷ value at the rate card;
    * collection = collected ÷ invoiced.

    >>> recovery(90, 100, 8550.0, 9500.0, 5000.0, 10000.0)
    {'hour_recovery': 90.0, 'rate_realization': 90.0, 'collection': 50.0}
    >>> recovery(0, 0, 0, 0, 0, 0)
    {'hour_recovery': None, 'rate_realization': None, 'collection': None}
    """
    return {
        "hour_recovery": percent(invoiced_hours, billable_hours),
        "rate_realization": percent(billed_value, card_value),
        "collection": percent(collected, invoiced),
    }


# ----------------------------------------------------------------------
# Time to invoice, days to pay, disputes
# ----------------------------------------------------------------------

def weighted_date(pairs):
    """The hours-weighted date of ``(date, hours)`` pairs (the work's centre of gravity),
    rounded to the nearest day (halves to the later day); ``None`` without hours.

    >>> weighted_date([(date(2026, 1, 1), 1.0), (date(2026, 1, 11), 4.0)])
    datetime.date(2026, 1, 9)
    >>> weighted_date([(date(2026, 1, 1), 1.0), (date(2026, 1, 2), 1.0)])
    datetime.date(2026, 1, 2)
    >>> weighted_date([]) is None
    True
    """
    hours = sum(h for _d, h in pairs)
    if not hours:
        return None
    mean = sum(d.toordinal() * h for d, h in pairs) / hours
    return date.fromordinal(math.floor(mean + 0.5 + 1e-9))


def days(later, earlier):
    """Whole days from ``earlier`` to ``later`` (negative when before); ``None`` if either
    is missing.

    >>> days(date(2026, 2, 1), date(2026, 1, 30))
    2
    >>> days(None, date(2026, 1, 30)) is None
    True
    """
    if not later or not earlier:
        return None
    return (later - earlier).days


def percentile(values, fraction):
    """Percentile with linear interpolation between closest ranks (PostgreSQL's
    ``percentile_cont``, so the reports and this function agree); ``None`` when empty.

    >>> percentile([1, 2, 3, 4], 0.5)
    2.5
    >>> percentile([10, 1, 5], 0.9)
    9.0
    >>> percentile([], 0.5) is None
    True
    """
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    position = (len(data) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (position - low)


def median(values):
    """The median (``percentile(values, 0.5)``).

    >>> median([3, 1, 2])
    2.0
    """
    return percentile(values, 0.5)


def days_to_pay(invoice_date, due_date, paid_date, today):
    """Days to pay (full-payment date − invoice date, ``None`` while not fully paid) and
    days past due (at the full payment, else today; never negative).

    >>> days_to_pay(date(2026, 1, 1), date(2026, 1, 31), date(2026, 2, 10), date(2026, 3, 1))
    (40, 10)
    >>> days_to_pay(date(2026, 1, 1), date(2026, 1, 31), None, date(2026, 2, 5))
    (None, 5)
    >>> days_to_pay(date(2026, 1, 1), None, date(2026, 1, 5), date(2026, 3, 1))
    (4, 4)
    """
    end = paid_date or today
    past_due = max(0, days(end, due_date or invoice_date) or 0)
    return days(paid_date, invoice_date), past_due


def dso(receivable_end, sales, period_days):
    """Days sales outstanding over a period: receivables open at its end ÷ the period's
    invoiced sales × its days (``None`` without sales).

    >>> dso(5000.0, 15000.0, 90)
    30.0
    >>> dso(100.0, 0.0, 30) is None
    True
    """
    value = ratio(receivable_end, sales)
    return None if value is None else round(value * period_days, 2)


def dispute_share(disputed_count, invoice_count):
    """Share of invoices disputed, in percent.

    >>> dispute_share(1, 8)
    12.5
    """
    return percent(disputed_count, invoice_count)


# ----------------------------------------------------------------------
# Estimate vs actual, rate suggestions
# ----------------------------------------------------------------------

def overrun(budget_hours, actual_hours):
    """Actual ÷ budget hours (1.25 = 25 % over); ``None`` without a budget.

    >>> overrun(40, 50)
    1.25
    """
    return ratio(actual_hours, budget_hours)


def confidence(project_count):
    """How far a suggestion can be trusted from how many finished projects support it:
    ``low`` (fewer than 3), ``medium`` (3 to 5), ``high`` (6 or more).

    >>> [confidence(n) for n in (1, 3, 6)]
    ['low', 'medium', 'high']
    """
    if project_count >= 6:
        return "high"
    return "medium" if project_count >= 3 else "low"


def suggest(projects, target_margin, min_overrun=1.05):
    """A suggestion from finished projects ``(budget_hours, actual_hours, revenue, cost)``:
    a new estimate multiplier and the rate factor that would have reached the target margin.

    It exists only when the group runs *consistently* over: the hours-weighted overrun
    (Σ actual ÷ Σ budget) reaches ``min_overrun`` and more than half of the projects ran
    over their own budget. ``rate_factor`` multiplies today's rates so that the same
    revenue per hour would have given ``target_margin`` percent: cost ÷ (1 − target) ÷
    revenue (``None`` without revenue; never below 1: a suggestion never lowers a rate).

    >>> s = suggest([(10, 15, 1000.0, 900.0), (20, 24, 2000.0, 1500.0)], 30.0)
    >>> s['multiplier'], s['rate_factor'], s['margin_percent'], s['confidence']
    (1.3, 1.1429, 20.0, 'low')
    >>> suggest([(10, 9, 1000.0, 500.0)], 30.0) is None
    True
    >>> suggest([], 30.0) is None
    True
    """
    rows = [p for p in projects if p[0]]
    budget = sum(p[0] for p in rows)
    actual = sum(p[1] for p in rows)
    weighted = overrun(budget, actual)
    over_count = sum(1 for p in rows if p[1] > p[0])
    if weighted is None or weighted < min_overrun or over_count * 2 <= len(rows):
        return None
    revenue = sum(p[2] for p in rows)
    cost = sum(p[3] for p in rows)
    _margin, margin_pct = margin(revenue, cost)
    factor = None
    if revenue and target_margin < 100:
        factor = round(max(1.0, cost / (1 - target_margin / 100.0) / revenue), 4)
    return {
        "multiplier": round(weighted, 4),
        "rate_factor": factor,
        "margin_percent": margin_pct,
        "project_count": len(rows),
        "over_count": over_count,
        "confidence": confidence(len(rows)),
    }


# ----------------------------------------------------------------------
# Cash forecast and back-test
# ----------------------------------------------------------------------

def week_start(day):
    """The Monday of ``day``'s week.

    >>> week_start(date(2026, 12, 3))
    datetime.date(2026, 11, 30)
    """
    return day - timedelta(days=day.weekday())


def lateness(history, company_history, minimum=3):
    """The days-late distribution to use for a client: its own history (days paid after
    the due date, negative = early) when it has at least ``minimum`` paid invoices, else
    the company's; with where it came from. Without any history: paid on the due date.

    >>> lateness([1, 2, 3], [9])
    ([1, 2, 3], 'client')
    >>> lateness([4], [9, 10, 11])
    ([9, 10, 11], 'company')
    >>> lateness([], [])
    ([0], 'none')
    """
    if len(history) >= minimum:
        return list(history), "client"
    if company_history:
        return list(company_history), "company"
    return [0], "none"


def place(amount, due, distribution, start, weeks, today=None):
    """Spread ``amount`` due on ``due`` over the forecast weeks: each observed lateness of
    ``distribution`` is one equally likely payment date (``due`` + days late). For an item
    already overdue at ``today`` only the observations later than its current lateness
    count (it was not paid yet); when none is later, it is expected in the first week.
    Dates before ``start`` count in the first week; after the horizon, in none.

    Returns ``{week index: probability}``.

    >>> place(100.0, date(2026, 1, 5), [0, 7, 7, 30], date(2026, 1, 5), 2)
    {0: 0.25, 1: 0.5}
    >>> place(100.0, date(2026, 1, 1), [0, 2, 10], date(2026, 1, 5), 2, date(2026, 1, 5))
    {0: 1.0}
    """
    observed = list(distribution)
    if today is not None and due < today:
        late_now = (today - due).days
        observed = [d for d in observed if d > late_now] or [late_now]
    share = 1.0 / len(observed)
    result = {}
    for late in observed:
        index = max(0, ((due + timedelta(days=late)) - start).days // 7)
        if index < weeks:
            result[index] = result.get(index, 0.0) + share
    return result


def forecast(items, start, weeks=13):
    """The weekly cash forecast of ``items``: dicts with ``amount``, ``due`` (date),
    ``distribution`` (days late), ``source`` and optionally ``today`` (see :func:`place`).

    Each week: ``expected`` = Σ amount × probability; ``low``/``high`` = expected ∓ an
    80 % band (each item paid that week or not, independently: variance Σ amount² × p ×
    (1 − p)), low never below 0; ``sources`` = expected amount per source.

    >>> rows = forecast([{"amount": 100.0, "due": date(2026, 1, 5), "distribution": [0, 7],
    ...                   "source": "receivable"}], date(2026, 1, 5), 2)
    >>> [(r['week_start'].isoformat(), r['expected'], r['low'], r['high']) for r in rows]
    [('2026-01-05', 50.0, 0.0, 114.08), ('2026-01-12', 50.0, 0.0, 114.08)]
    >>> rows[0]['sources']
    {'receivable': 50.0}
    """
    expected = [0.0] * weeks
    variance = [0.0] * weeks
    sources = [{} for _w in range(weeks)]
    for item in items:
        amount = item["amount"]
        if not amount:
            continue
        spread = place(amount, item["due"], item["distribution"], start, weeks, item.get("today"))
        for index, probability in spread.items():
            value = amount * probability
            expected[index] += value
            variance[index] += amount * amount * probability * (1 - probability)
            src = sources[index]
            src[item["source"]] = src.get(item["source"], 0.0) + value
    rows = []
    for index in range(weeks):
        band = BAND_Z * math.sqrt(variance[index])
        rows.append({
            "week_start": start + timedelta(days=7 * index),
            "expected": money(expected[index]),
            "low": money(max(0.0, expected[index] - band)),
            "high": money(expected[index] + band),
            "sources": {k: money(v) for k, v in sorted(sources[index].items())},
        })
    return rows


def backtest_error(forecast_amounts, actual_amounts):
    """How far a forecast was from the cash received, week by week: the weighted absolute
    percentage error Σ|forecast − actual| ÷ Σ actual, and the error on the total, both in
    percent (``None`` when no cash was received).

    >>> backtest_error([100, 50], [80, 70])
    {'wape': 26.67, 'total': 0.0}
    >>> backtest_error([10], [0])
    {'wape': None, 'total': None}
    """
    actual = sum(actual_amounts)
    absolute = sum(abs(f - a) for f, a in zip(forecast_amounts, actual_amounts, strict=True))
    return {
        "wape": percent(absolute, actual),
        "total": percent(abs(sum(forecast_amounts) - actual), actual),
    }


# A forecast model earns its place when it cuts the naive baseline's error by this much
# (percent) at these horizons (weeks).
REQUIRED_GAIN, JUDGED_HORIZONS = 30.0, (4, 13)


def window_totals(amounts, horizons):
    """The cash of the first ``h`` weeks of ``amounts`` for each horizon ``h``.

    >>> window_totals([10.0, 20.0, 30.0, 40.0], (1, 4))
    {1: 10.0, 4: 100.0}
    """
    return {h: money(sum(amounts[:h])) for h in horizons}


def rolling_error(windows):
    """The error of forecasts of the cash received within a horizon, over many start
    weeks: ``windows`` is a list of (forecast, actual) totals; the result is
    Σ|forecast − actual| ÷ Σ actual in percent (``None`` when no cash was received).

    >>> rolling_error([(100.0, 80.0), (50.0, 70.0)])
    26.67
    >>> rolling_error([(10.0, 0.0)]) is None
    True
    """
    actual = sum(a for _f, a in windows)
    return percent(sum(abs(f - a) for f, a in windows), actual)


def gain(model_error, baseline_error):
    """How much of the baseline's error the model removes, in percent (``None`` when
    either is undefined or the baseline is perfect).

    >>> gain(28.0, 40.0)
    30.0
    >>> gain(50.0, 40.0)
    -25.0
    >>> gain(None, 40.0) is None
    True
    """
    if model_error is None or not baseline_error:
        return None
    return percent(baseline_error - model_error, baseline_error)


def earns_its_place(results, required=REQUIRED_GAIN, horizons=JUDGED_HORIZONS):
    """Whether the model's gain over the baseline reaches ``required`` percent at every
    judged horizon of ``results`` (``{horizon: {"gain": ...}}``).

    >>> earns_its_place({1: {"gain": 5.0}, 4: {"gain": 31.0}, 13: {"gain": 40.0}})
    True
    >>> earns_its_place({4: {"gain": 31.0}, 13: {"gain": 12.0}})
    False
    """
    return all((results.get(h) or {}).get("gain") is not None
               and results[h]["gain"] >= required for h in horizons)
