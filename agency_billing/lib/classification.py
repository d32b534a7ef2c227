"""Classify a time entry into a service type: rules first, then what the agency taught.

The learned suggestion is a multinomial naive Bayes model over words. Its training data
are the agency's own past time entries whose service type was set by a classification
rule, by a person, or by the task (never entries classified by a suggestion, so it does
not learn from its own guesses). Each entry contributes the words of its description and
of its task name, plus its source ("src:asana") and external activity type ("act:call").
"""

import math
import re
from dataclasses import dataclass

WORD_RE = re.compile(r"[a-z0-9][a-z0-9&+-]{2,}")
STOPWORDS = frozenset(
    """and the for with from into onto about after before over under this that these those
    our your their its are was were been being have has had not but all any can could will
    would should per via new more less some such than then them they you yet also just only
    very what when where which while who whom why how out off own same too week weekly""".split()
)


def tokenize(*texts):
    """Lower-case words of at least three letters, without stop words, deduplicated."""
    words = []
    seen = set()
    for text in texts:
        for word in WORD_RE.findall((text or "").lower()):
            if word not in STOPWORDS and word not in seen:
                seen.add(word)
                words.append(word)
    return words


def features(description, task_name=None, source=None, activity_type=None):
    """Tokens of one entry, as used for learning and suggesting."""
    tokens = tokenize(description, task_name)
    if source:
        tokens.append(f"src:{source}")
    if activity_type:
        tokens.append(f"act:{activity_type.lower()}")
    return tokens


@dataclass(frozen=True)
class ClassificationRule:
    """A classification rule as plain data; empty criteria match anything."""

    id: int
    sequence: int = 10
    source: str = None
    project: int = None
    tags: frozenset = frozenset()
    keywords: tuple = ()
    activity_type: str = None
    service_type: int = None
    billable: str = "default"  # default | billable | non_billable
    reason: str = ""


@dataclass(frozen=True)
class Item:
    """What an entry offers to classification rules."""

    description: str = ""
    task_name: str = ""
    source: str = None
    project: int = None
    tags: frozenset = frozenset()
    activity_type: str = None


def rule_matches(rule, item):
    if rule.source and rule.source != item.source:
        return False
    if rule.project and rule.project != item.project:
        return False
    if rule.tags and not (rule.tags & item.tags):
        return False
    if rule.activity_type and (rule.activity_type or "").lower() != (
        item.activity_type or ""
    ).lower():
        return False
    if rule.keywords:
        text = f" {(item.description or '').lower()} {(item.task_name or '').lower()} "
        if not any(_has_keyword(text, kw) for kw in rule.keywords):
            return False
    return True


def _has_keyword(text, keyword):
    return re.search(r"(?<![a-z0-9])" + re.escape(keyword.lower()) + r"(?![a-z0-9])", text)


def first_matching_rule(rules, item):
    """The first rule (by sequence, then id) matching the item, or None."""
    for rule in sorted(rules, key=lambda r: (r.sequence, r.id)):
        if rule_matches(rule, item):
            return rule
    return None


def parse_keywords(text):
    """'banner, resize;  KV ' -> ('banner', 'resize', 'kv')"""
    return tuple(k.strip().lower() for k in re.split(r"[,;\n]", text or "") if k.strip())


@dataclass
class Suggestion:
    service_type: int
    confidence: float
    evidence: list  # the tokens that weighed most for the winner
    entries: int  # how many training entries of the winning type


def suggest(tokens, token_counts, class_totals, min_entries=5, alpha=1.0):
    """Naive Bayes suggestion.

    :param tokens: features of the entry to classify
    :param token_counts: {(token, service_type): count of training entries with the token}
    :param class_totals: {service_type: number of training entries}
    :param min_entries: below this many training entries in total, suggest nothing
    :return: :class:`Suggestion` or None
    """
    total = sum(class_totals.values())
    known = [t for t in tokens if any((t, c) in token_counts for c in class_totals)]
    # Source and activity tokens ("src:", "act:") refine, but never suggest on their own.
    if total < min_entries or not any(":" not in t for t in known):
        return None
    scores = {}
    for cls, n_cls in class_totals.items():
        # Bernoulli-style likelihood of the entry's known tokens given the class
        score = math.log(n_cls / total)
        for token in known:
            p = (token_counts.get((token, cls), 0) + alpha) / (n_cls + 2 * alpha)
            score += math.log(p)
        scores[cls] = score
    top = max(scores, key=scores.get)
    peak = scores[top]
    norm = sum(math.exp(s - peak) for s in scores.values())
    confidence = 1.0 / norm
    evidence = sorted(
        (t for t in known if ":" not in t),
        key=lambda t: token_counts.get((t, top), 0) / class_totals[top], reverse=True,
    )[:3]
    return Suggestion(top, confidence, evidence, class_totals[top])


# Why an entry is billable or not, first that applies (the model words it):
BILLABILITY_CODES = (
    "no_project",  # not time of a project
    "excluded",  # excluded from billing by hand
    "absorbed",  # over scope, absorbed by the agency
    "source",  # not billable in the system it came from (Asana, Monday.com)
    "rule_billable",  # a classification rule says billable
    "rule_non_billable",  # a classification rule says non-billable
    "service_type",  # the service type's billable flag
    "default",  # no service type: billable, and flagged for review
)


def billability(has_project, excluded, absorbed, rule_billable, service_type_billable,
                source_non_billable=False):
    """(billable, code) of an open time entry, first that applies (BILLABILITY_CODES).

    :param rule_billable: ``default``, ``billable`` or ``non_billable`` (the entry's
        classification)
    :param service_type_billable: the service type's flag, or None without service type
    :param source_non_billable: the source system marked the time not billable (an
        importer's policy imported it as such): no rule makes it billable again

    >>> billability(True, False, False, "default", False)
    (False, 'service_type')
    >>> billability(True, False, True, "billable", True)
    (False, 'absorbed')
    >>> billability(True, False, False, "default", None)
    (True, 'default')
    >>> billability(True, False, False, "billable", True, source_non_billable=True)
    (False, 'source')
    """
    if not has_project:
        return False, "no_project"
    if excluded:
        return False, "excluded"
    if absorbed:
        return False, "absorbed"
    if source_non_billable:
        return False, "source"
    if rule_billable == "billable":
        return True, "rule_billable"
    if rule_billable == "non_billable":
        return False, "rule_non_billable"
    if service_type_billable is not None:
        return bool(service_type_billable), "service_type"
    return True, "default"
