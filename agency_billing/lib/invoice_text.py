"""What a client reads on an invoice: line labels and hours, as plain functions.

Client documents (the PDF, the mail, the portal) speak of the work in the client's terms:
the service type billed, the role or the task per the client's detail level, a labelled
rate when one service is billed at two rates, milestones as a share of the fee, retainer
periods with the hours they covered. Never a rule name, a reason or (outside the time
annex) a person's name: those stay in the back office.

Functions here take and return plain data; ``models/account_move_label.py`` gathers the
records and writes the labels.
"""

HOURS_FORMATS = ("decimal", "hhmm")
MAX_NAMES = 3


def format_hours(hours, style="decimal"):
    """Hours as the company shows them: ``decimal`` (2 decimals) or ``hhmm``.

    >>> format_hours(1.25)
    '1.25'
    >>> format_hours(1.25, "hhmm")
    '1:15'
    >>> format_hours(0.33, "hhmm")
    '0:20'
    >>> format_hours(-0.5, "hhmm")
    '-0:30'
    >>> format_hours(1234.5)
    '1,234.50'
    """
    if style not in HOURS_FORMATS:
        raise ValueError(f"unknown hours format {style!r}")
    hours = hours or 0.0
    if style == "decimal":
        return f"{hours:,.2f}"
    sign = "-" if hours < 0 else ""
    minutes = round(abs(hours) * 60)
    return f"{sign}{minutes // 60}:{minutes % 60:02d}"


def join_names(names, more="+%d more", limit=MAX_NAMES):
    """A short list of names: the first ``limit``, then how many more.

    >>> join_names(["Layouts", "Copy"])
    'Layouts, Copy'
    >>> join_names(["a", "b", "c", "d", "e"])
    'a, b, c, +2 more'
    >>> join_names([])
    ''
    """
    names = list(dict.fromkeys(n for n in names if n))
    if len(names) <= limit:
        return ", ".join(names)
    return ", ".join(names[:limit] + [more % (len(names) - limit)])


def time_line_labels(lines, level, at_price="at %s/h"):
    """Labels of an invoice's time lines, each naming what it bills.

    :param lines: list of dicts, one per invoice line: ``key`` (any hashable), ``types``
        (service type names, most hours first), ``roles``, ``tasks`` (names), ``rate_label``
        (the rate's client-facing label, may be empty) and ``price`` (text of the rate)
    :param level: the client's detail level (``summary``, ``service_type``, ``role``,
        ``task``, ``annex``)
    :param at_price: how a price reads when nothing else tells two lines apart
        (translated by the caller)
    :return: {key: label}

    The service type always; the roles (levels *role* and *annex*) or tasks (level *task*)
    after a dash; when two lines would read the same (one service at two rates), each says
    its rate: its label, else the price.

    >>> labels = time_line_labels([
    ...     {"key": 1, "types": ["Creative"], "roles": ["Creative Director"], "tasks": [],
    ...      "rate_label": "Senior creative rate", "price": "170.00"},
    ...     {"key": 2, "types": ["Creative"], "roles": ["Creative Director"], "tasks": [],
    ...      "rate_label": "Creative Director rate", "price": "160.00"},
    ...     {"key": 3, "types": ["Design"], "roles": ["Designer"], "tasks": ["Banners"],
    ...      "rate_label": "", "price": "120.00"},
    ... ], "service_type")
    >>> labels[1], labels[2], labels[3]
    ('Creative – Senior creative rate', 'Creative – Creative Director rate', 'Design')
    >>> time_line_labels([
    ...     {"key": 1, "types": ["Design"], "roles": ["Designer"], "tasks": ["Banners"],
    ...      "rate_label": "", "price": "120.00"}], "task")[1]
    'Design – Banners'
    >>> sorted(time_line_labels([
    ...     {"key": 1, "types": ["Copy"], "roles": [], "tasks": [], "rate_label": "",
    ...      "price": "100.00"},
    ...     {"key": 2, "types": ["Copy"], "roles": [], "tasks": [], "rate_label": "",
    ...      "price": "110.00"}], "summary").values())
    ['Copy – at 100.00/h', 'Copy – at 110.00/h']
    """
    detail = {"role": "roles", "annex": "roles", "task": "tasks"}.get(level)
    labels = {}
    for line in lines:
        label = join_names(line["types"]) or ""
        if detail and line[detail]:
            label = " – ".join(filter(None, [label, join_names(line[detail])]))
        labels[line["key"]] = label
    for step in ("rate_label", "price"):
        seen = {}
        for line in lines:
            seen.setdefault(labels[line["key"]], []).append(line)
        for label, same in seen.items():
            if len(same) < 2:
                continue
            for line in same:
                extra = line[step] if step == "rate_label" else at_price % line["price"]
                if extra:
                    labels[line["key"]] = " – ".join(filter(None, [label, extra]))
    return labels


def milestone_label(names, percent, fee, template="%(names)s – %(share)s %% of %(fee)s"):
    """A milestone line: the milestones and the share of the fee they bill (``template``
    translated by the caller).

    >>> milestone_label(["Creative approved"], 50, "12,000.00")
    'Creative approved – 50 % of 12,000.00'
    >>> milestone_label(["Design", "Launch"], 100, "8,000.00")
    'Design, Launch – 100 % of 8,000.00'
    >>> milestone_label(["Kick-off"], 33.333, "9,000.00")
    'Kick-off – 33.33 % of 9,000.00'
    """
    share = f"{percent:.2f}".rstrip("0").rstrip(".")
    return template % {"names": join_names(names, limit=5), "share": share, "fee": fee}
