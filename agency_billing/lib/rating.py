"""Which rate rule applies to a time entry, and at what hourly rate.

Precedence (documented in the README): a rule that names more important criteria wins.
Criteria, most important first:

    sale order > project > client > employee > role (job position) > service type

Client-side criteria come first because they express a contract ("ACME pays 180/h for a
Creative Director"), which beats the agency's internal rate card ("Creative Director:
150/h", "Marco: 160/h"). Comparison is lexicographic: the rule naming the most important
criterion wins whatever else the other rule names. Between rules naming the same criteria,
one limited to a date range beats an open-ended one; then the lower sequence, then the
older rule.

A rule either gives an hourly rate in its currency ("fixed") or a percentage off
("discount"): a discount applies to the rate the entry would get without it — the best
fixed rule ranked below it, otherwise the fallback price of the sale line or product.
"""

from dataclasses import dataclass, field
from datetime import date

CRITERIA = ("order", "project", "partner", "employee", "job", "service_type")
# order: 64, project: 32, partner: 16, employee: 8, job: 4, service_type: 2, dated: 1
WEIGHTS = {name: 2 ** (len(CRITERIA) - i) for i, name in enumerate(CRITERIA)}
DATED_WEIGHT = 1


@dataclass(frozen=True)
class Rule:
    """A rate rule as plain data. Criteria are ids (or None for 'any')."""

    id: int
    sequence: int = 10
    order: int = None
    project: int = None
    partner: int = None
    employee: int = None
    job: int = None
    service_type: int = None
    date_from: date = None
    date_to: date = None
    kind: str = "fixed"  # or "discount"
    rate: float = 0.0
    discount: float = 0.0
    currency: int = None
    label: str = ""


@dataclass(frozen=True)
class Entry:
    """What a time entry offers to match against (ids or None)."""

    date: date
    order: int = None
    project: int = None
    partner: int = None
    employee: int = None
    job: int = None
    service_type: int = None


# Why an entry got its rate (the model words it, translated):
#   fixed     the rule's rate (``rule``; ``runner``: the next rule it beat, if any)
#   discount  the rule's discount off a base: ``base_rule``, else the fallback price
#             (``base_label``, ``base_rate``)
#   no_base   a discount rule matched but there is no rate to take it off
#   no_rule   no rule matched
REASON_CODES = ("fixed", "discount", "no_base", "no_rule")


@dataclass
class Rating:
    """The outcome for one entry; ``code`` says why (see REASON_CODES)."""

    rule: Rule = None  # the rule that set the rate (the discount rule for a discount)
    base_rule: Rule = None  # for a discount: the fixed rule it applied to
    rate: float = None  # in `currency`
    currency: int = None
    code: str = "no_rule"
    runner: Rule = None  # the next matching rule, which the winner beat
    base_label: str = ""  # for a discount off the fallback price: what it is
    base_rate: float = None  # for a discount: the rate it was taken off (in its currency)
    candidates: list = field(default_factory=list)


def specificity(rule):
    """Score used to rank rules; higher is more specific."""
    score = sum(WEIGHTS[name] for name in CRITERIA if getattr(rule, name))
    if rule.date_from or rule.date_to:
        score += DATED_WEIGHT
    return score


def rank_key(rule):
    return (-specificity(rule), rule.sequence, rule.id)


def matches(rule, entry):
    """True when every criterion the rule names equals the entry's, and the date fits."""
    for name in CRITERIA:
        wanted = getattr(rule, name)
        if wanted and wanted != getattr(entry, name):
            return False
    if rule.date_from and entry.date < rule.date_from:
        return False
    return not (rule.date_to and entry.date > rule.date_to)


def matching_rules(rules, entry):
    """All rules matching the entry, best first."""
    return sorted((r for r in rules if matches(r, entry)), key=rank_key)


def criteria(rule):
    """The criteria a rule names, most important first (codes of CRITERIA).

    >>> criteria(Rule(id=1, partner=3, job=2))
    ['partner', 'job']
    """
    return [name for name in CRITERIA if getattr(rule, name)]


def resolve(rules, entry, convert=None, fallback=None):
    """Rate an entry.

    :param rules: iterable of :class:`Rule` (pre-filtered to the company is enough)
    :param convert: ``convert(amount, from_currency, day) -> amount`` into the target
        currency; identity when None
    :param fallback: ``(rate, currency, label)`` used as the base of a discount when no
        fixed rule ranks below it (e.g. the sale line's price), or a callable returning
        it (called only when needed); may be None
    :return: :class:`Rating`; ``rating.rule`` is None when no rule matched
    """
    convert = convert or (lambda amount, _currency, _day: amount)
    ranked = matching_rules(rules, entry)
    rating = Rating(candidates=ranked)
    if not ranked:
        return rating
    best = ranked[0]
    rating.rule = best
    rating.runner = ranked[1] if len(ranked) > 1 else None
    if best.kind == "fixed":
        rating.rate = convert(best.rate, best.currency, entry.date)
        rating.code = "fixed"
        return rating
    base = next((r for r in ranked[1:] if r.kind == "fixed"), None)
    if base:
        base_rate = convert(base.rate, base.currency, entry.date)
        rating.base_rule, rating.base_rate = base, base.rate
    elif callable(fallback) and (fallback := fallback()) and fallback[0] is not None:
        base_rate = convert(fallback[0], fallback[1], entry.date)
        rating.base_label, rating.base_rate = fallback[2], fallback[0]
    elif fallback and not callable(fallback) and fallback[0] is not None:
        base_rate = convert(fallback[0], fallback[1], entry.date)
        rating.base_label, rating.base_rate = fallback[2], fallback[0]
    else:
        rating.rule = None
        rating.code = "no_base"  # the discount rule (candidates[0]) has nothing to apply to
        return rating
    rating.rate = base_rate * (1.0 - best.discount / 100.0)
    rating.code = "discount"
    return rating


class RuleIndex:
    """Rules of one company, with results memoised per distinct entry.

    Entries of a batch share a handful of (order, project, employee, ...) combinations;
    matching each combination once keeps rating linear in the number of combinations.
    """

    def __init__(self, rules):
        # Ranked once: the rules matching an entry, in this order, are ranked already.
        self.rules = sorted(rules, key=rank_key)
        self.dated = any(r.date_from or r.date_to for r in self.rules)
        self._memo = {}

    def matching(self, entry):
        """The rules matching the entry, best first (as :func:`matching_rules`)."""
        key = entry if self.dated else tuple(getattr(entry, name) for name in CRITERIA)
        if key not in self._memo:
            self._memo[key] = [rule for rule in self.rules if matches(rule, entry)]
        return self._memo[key]

    def resolve(self, entry, convert=None, fallback=None):
        return resolve(self.matching(entry), entry, convert=convert, fallback=fallback)

    def memo_key(self, entry, currency):
        """A key under which the rating of `entry` in `currency` can be reused for other
        entries, or None when it depends on the entry's date (currency conversion)."""
        matching = self.matching(entry)
        if any(rule.currency and rule.currency != currency for rule in matching):
            return None
        if any(rule.kind == "discount" for rule in matching[:1]):
            return None  # the fallback base price depends on the entry's own contract
        return (tuple(rule.id for rule in matching), entry.order, currency)


def net_rate(rate, discount=0.0):
    """The hourly rate after a sale line's discount (in percent).

    >>> net_rate(150.0, 10.0)
    135.0
    """
    return rate * (1.0 - (discount or 0.0) / 100.0)


def billed_amount(hours, rate, discount=0.0):
    """What billed hours cost at a rate less a discount (not rounded to the currency).

    >>> round(billed_amount(1 / 3, 150.0, 10.0), 6)
    45.0
    """
    return hours * net_rate(rate, discount)
