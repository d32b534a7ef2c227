"""Currencies: conversion at a day's rates for Agency Billing's rating, memoised.

Rating a batch of time entries (and planning a change request's rate) converts the rates
of rules in other currencies at each entry's date, many times over the same few
(currency, day) pairs: :meth:`ResCurrency._agency_converter` gives one converter per
batch that asks Odoo once per pair and says which rates were missing.
"""

from odoo import models


class ResCurrency(models.Model):
    _inherit = "res.currency"

    def _agency_converter(self, company):
        """A converter at ``company``'s rates for one batch (see :class:`_Converter`):
        ``convert(amount, from currency id, to currency, day)`` and ``pop_issues()`` (the
        missing rates it met since last asked, worded for the entries' rate issue)."""
        return _Converter(self.env, company)

    def _agency_rate_status(self, company, day):
        """``known`` (a rate on or before ``day``), ``later`` (only later rates) or
        ``none`` for this currency, in the rate table ``_get_rates`` reads for
        ``company``: its root company's and shared rates (the company's own currency is
        always known)."""
        self.ensure_one()
        if self == company.currency_id:
            return "known"
        # sudo: exchange rates of the root company (a branch converts at its root's
        # rates, as res.currency._get_rates does); a read-only lookup of rates.
        Rate = self.env["res.currency.rate"].sudo()
        domain = [("currency_id", "=", self.id),
                  ("company_id", "in", [company.root_id.id, False])]
        if Rate.search_count(domain + [("name", "<=", day)], limit=1):
            return "known"
        return "later" if Rate.search_count(domain, limit=1) else "none"


class _Converter:
    """Currency conversion at an entry's date, memoised per (currency, date).

    Converts with Odoo's own rates (``res.currency._convert``, which reads
    ``_get_rates``): a branch uses its root company's rates. A rate missing on the day is
    said in the entry's rate issue: Odoo then takes the first later rate, or 1:1 when the
    currency has none at all.
    """

    def __init__(self, env, company):
        """Convert at ``company``'s rates; nothing asked yet."""
        self.env = env
        self.company = company
        self._rates = {}
        self._status = {}
        self._issues = []

    def convert(self, amount, from_id, to_currency, day):
        """``amount`` of the currency ``from_id`` in ``to_currency`` at ``day``'s rate
        (unrounded); a missing rate is noted for :meth:`pop_issues`."""
        if not amount or not from_id or from_id == to_currency.id:
            return amount
        key = (from_id, to_currency.id, day)
        if key not in self._rates:
            source = self.env["res.currency"].browse(from_id)
            missing = [currency for currency in (source, to_currency)
                       if self._rate_status(currency, day) != "known"]
            self._rates[key] = (source._convert(1.0, to_currency, self.company, day,
                                                round=False), missing)
        factor, missing = self._rates[key]
        if missing:
            names = {"from": self.env["res.currency"].browse(from_id).name,
                     "to": to_currency.name, "day": day}
            if any(self._rate_status(currency, day) == "none" for currency in missing):
                issue = self.env._(
                    "No exchange rate for %(from)s→%(to)s on %(day)s: converted at 1:1",
                    **names)
            else:
                issue = self.env._(
                    "No exchange rate for %(from)s→%(to)s on %(day)s: converted at the "
                    "first later rate", **names)
            self._issues.append(issue)
        return amount * factor

    def _rate_status(self, currency, day):
        """:meth:`ResCurrency._agency_rate_status` of ``currency``, memoised."""
        key = (currency.id, day)
        if key not in self._status:
            self._status[key] = currency._agency_rate_status(self.company, day)
        return self._status[key]

    def pop_issues(self):
        """The missing rates met since last asked (each said once), worded for the
        entries' rate issue."""
        issues, self._issues = list(dict.fromkeys(self._issues)), []
        return issues
