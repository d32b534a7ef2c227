"""The time table of an invoice: rows at the client's detail level, amounts that add up
to the invoice.

An invoice bills each time line once (its quantity rounded to the unit's precision, at
its price, less its discount); the table spreads each invoice line's subtotal over the
entries it billed, in proportion to their billed hours (not covered by a retainer), to
the cent, by the largest remainder. So the table's total is the invoice's time lines'
subtotal exactly, whatever the discounts and the rounding of hours.

Plain functions on plain values; labels (including those of missing groups) come from
the model, translated.
"""

from dataclasses import dataclass

LEVELS = ("summary", "service_type", "role", "task", "annex")


@dataclass(frozen=True)
class TimeEntry:
    """One entry an invoice billed, as the table shows it."""

    key: int
    date: object = None
    who: str = ""
    role: str = ""
    task: str = ""
    service_type: str = ""
    label: str = ""
    raw: float = 0.0
    billed: float = 0.0
    covered: float = 0.0
    rate: float = 0.0  # net of the sale line's discount
    line: object = None  # the invoice line (key) that billed it, if any


def allocate(total, weights, precision=0.01):
    """Split ``total`` into amounts proportional to ``weights``, each a multiple of
    ``precision``, adding up to ``total`` exactly (largest remainder, ties to the first).

    >>> allocate(100.0, [1, 1, 1])
    [33.34, 33.33, 33.33]
    >>> allocate(314.55, [1 / 3] * 7)
    [44.94, 44.94, 44.94, 44.94, 44.93, 44.93, 44.93]
    >>> allocate(10.0, [0, 0])
    [10.0, 0.0]
    """
    units = round(total / precision)
    if not weights:
        return []
    weight_sum = sum(weights)
    if weight_sum <= 0:
        shares = [units] + [0] * (len(weights) - 1)
        return [_money(share, precision) for share in shares]
    exact = [units * weight / weight_sum for weight in weights]
    shares = [int(value // 1) for value in exact]
    left = units - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for index in order[:left]:
        shares[index] += 1
    return [_money(share, precision) for share in shares]


def _money(units, precision):
    return round(units * precision, 10)


def entry_amounts(entries, line_totals, precision=0.01):
    """{entry key: amount}: each invoice line's subtotal spread over its entries by their
    billed hours not covered by a retainer; an entry of no known line costs its hours at
    its rate.

    :param line_totals: {invoice line key: subtotal}
    """
    by_line = {}
    amounts = {}
    for entry in entries:
        if entry.line is not None and entry.line in line_totals:
            by_line.setdefault(entry.line, []).append(entry)
        else:
            amounts[entry.key] = _money(
                round((entry.billed - entry.covered) * entry.rate / precision), precision)
    for line, members in by_line.items():
        shares = allocate(line_totals[line], [max(e.billed - e.covered, 0.0) for e in members],
                          precision)
        for entry, share in zip(members, shares, strict=True):
            amounts[entry.key] = share
    return amounts


def time_rows(entries, amounts, level, missing=""):
    """(rows, totals) of the time table at a detail level.

    Annex rows: one per entry (date, who, role, task, label, raw, billed, covered, rate,
    amount). Grouped levels (service type, role, task): one row per group (label, raw,
    billed, covered, amount, count), sorted by label, ``missing`` labelling entries
    without one. Summary: no rows. Totals: raw, billed, covered, amount of all entries.

    >>> e = [TimeEntry(1, role="Designer", billed=1.0, raw=0.9, rate=120.0),
    ...      TimeEntry(2, role="", billed=0.5, raw=0.5, rate=100.0)]
    >>> rows, totals = time_rows(e, {1: 120.0, 2: 50.0}, "role", missing="No role")
    >>> [(r["label"], r["amount"]) for r in rows], totals["amount"]
    ([('Designer', 120.0), ('No role', 50.0)], 170.0)
    """
    if level not in LEVELS:
        raise ValueError(f"unknown detail level {level!r}")
    totals = {"raw": 0.0, "billed": 0.0, "covered": 0.0, "amount": 0.0}
    rows = []
    if level == "annex":
        for entry in entries:
            rows.append({
                "date": entry.date, "who": entry.who, "role": entry.role, "task": entry.task,
                "label": entry.label, "raw": entry.raw, "billed": entry.billed,
                "covered": entry.covered, "rate": entry.rate, "amount": amounts[entry.key],
            })
    elif level != "summary":
        groups = {}
        for entry in entries:
            label = getattr(entry, level) or missing
            row = groups.setdefault(label, {
                "label": label, "raw": 0.0, "billed": 0.0, "covered": 0.0, "amount": 0.0,
                "count": 0,
            })
            row["raw"] += entry.raw
            row["billed"] += entry.billed
            row["covered"] += entry.covered
            row["amount"] = round(row["amount"] + amounts[entry.key], 10)
            row["count"] += 1
        rows = sorted(groups.values(), key=lambda row: row["label"])
    for entry in entries:
        totals["raw"] += entry.raw
        totals["billed"] += entry.billed
        totals["covered"] += entry.covered
        totals["amount"] = round(totals["amount"] + amounts[entry.key], 10)
    return rows, totals
