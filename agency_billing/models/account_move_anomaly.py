"""Customer invoices: anomaly flags of drafts in the review queue."""

from collections import defaultdict
from datetime import timedelta

from odoo import _, models
from odoo.tools import SQL, format_amount

from ..access import INVOICING, check_action
from ..lib import anomaly


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountMoveAnomaly(models.Model):
    _inherit = "account.move"

    # Anomaly flags
    # ------------------------------------------------------------------

    def action_agency_check(self):
        """Re-check the anomaly flags of these drafts."""
        check_action(self, "write", INVOICING)
        self._agency_check_anomalies()
        return True

    def _agency_check_anomalies(self):
        """Raise the anomaly flags of these invoices again, in batch; flags a person
        overrode keep their override."""
        moves = self.filtered(lambda m: m.move_type == "out_invoice")
        if not moves:
            return
        self.env.flush_all()
        findings = moves._agency_find_anomalies()
        # sudo: flags are raised by the review queue only (read-only to people); the caller was
        # checked (action_agency_check, approval, the run).
        Anomaly = self.env["agency.invoice.anomaly"].sudo()
        Anomaly.search([("move_id", "in", moves.ids), ("state", "=", "open")]).unlink()
        overridden = {(a.move_id.id, a.code) for a in Anomaly.search(
            [("move_id", "in", moves.ids), ("state", "=", "overridden")])}
        Anomaly.create([
            {"move_id": move.id, "code": code, "reason": reason,
             "severity": Anomaly._severity(code)}
            for move in moves
            for code, reason in findings.get(move.id, [])
            if (move.id, code) not in overridden
        ])

    def _agency_find_anomalies(self):
        """{move id: [(code, reason), ...]} for these customer invoices (one query per
        kind of check, whatever the number of invoices). Hook: extend with more checks."""
        found = defaultdict(list)
        for move, reasons in self._agency_check_preferences().items():
            found[move.id] += reasons
        for move, reasons in self._agency_check_history().items():
            found[move.id] += reasons
        for move, reasons in self._agency_check_time().items():
            found[move.id] += reasons
        for move, reasons in self._agency_check_lines().items():
            found[move.id] += reasons
        return found

    def _agency_check_preferences(self):
        """Missing PO number, no billing contact (hook)."""
        found = defaultdict(list)
        for move in self:
            client = move.commercial_partner_id
            if client.po_required and not (move.ref or "").strip():
                found[move].append(("missing_po", _(
                    "%s requires a purchase order number: set it as the invoice reference "
                    "(or the contract's customer reference).", client.name)))
            if not client._agency_billing_recipients():
                found[move].append(("no_billing_contact", _(
                    "%s has no billing contact with an email address: nobody would receive "
                    "the invoice.", client.name)))
        return found

    def _agency_check_history(self):
        """Total far from the client's trailing average, hours spike, near-duplicate (hook)."""
        found = defaultdict(list)
        companies = self.company_id
        history = self._agency_trailing_invoices()
        hours = self._agency_invoice_hours(self | self.browse(
            [mid for rows in history.values() for mid, _a, _d in rows]))
        window = max(companies.mapped("agency_duplicate_days") or [14])
        others = self._agency_duplicate_candidates(window)
        for move in self:
            company = move.company_id
            rows = history.get((move.commercial_partner_id.id, company.id), [])
            amounts = [amount for _mid, amount, _day in rows]
            total = move.amount_untaxed_signed
            ratio = anomaly.deviation(total, amounts, company.agency_anomaly_total_factor)
            if ratio is not None:
                found[move].append(("total_deviation", _(
                    "Total %(total)s is %(pct)s%% of the client's average %(avg)s over the "
                    "last %(n)s invoices.",
                    total=format_amount(self.env, total, company.currency_id),
                    pct=round(ratio * 100),
                    avg=format_amount(self.env, anomaly.average(amounts), company.currency_id),
                    n=len(amounts),
                )))
            past_hours = [hours.get(mid, 0.0) for mid, _a, _d in rows if hours.get(mid)]
            ratio = anomaly.spike(hours.get(move.id, 0.0), past_hours,
                                  company.agency_anomaly_hours_factor)
            if ratio is not None:
                found[move].append(("hours_spike", _(
                    "%(hours)s billed hours: %(x)s× the client's average of %(avg)s hours.",
                    hours=format(hours.get(move.id, 0.0), ".2f"), x=format(ratio, ".1f"),
                    avg=format(anomaly.average(past_hours), ".2f"),
                )))
            candidates = [
                anomaly.Candidate(other.id, other.amount_untaxed_signed,
                                  other.invoice_date or other.date, other.billing_period_end)
                for other in others.get((move.commercial_partner_id.id, company.id), [])
                if other != move
            ]
            twin = anomaly.near_duplicate(total, move.invoice_date or move.date, candidates,
                                          days=company.agency_duplicate_days,
                                          period=move.billing_period_end)
            if twin:
                other = self.browse(twin.key)
                found[move].append(("near_duplicate", _(
                    "Nearly the same amount as %(other)s (%(amount)s, %(day)s).",
                    other=other.name if other.name and other.name != "/" else
                    _("draft #%s", other.id),
                    amount=format_amount(self.env, other.amount_untaxed_signed,
                                         company.currency_id),
                    day=other.invoice_date or other.date,
                )))
        return found

    def _agency_trailing_invoices(self):
        """{(client id, company id): [(invoice id, untaxed amount, date), ...]}: each
        client's last posted invoices in each company (the company's anomaly history
        length), newest first, in one query. Per company: the amounts are in its currency,
        and another company's invoices are none of its business. The amounts are net of
        their credit notes; reversed (fully credited) invoices are no history: in the end
        they billed nothing."""
        clients = self.commercial_partner_id
        if not clients:
            return {}
        limit = max(self.company_id.mapped("agency_anomaly_history") or [3])
        self.env.cr.execute(SQL(
            """
            SELECT id, commercial_partner_id, company_id, net, invoice_date
              FROM (SELECT m.id, m.commercial_partner_id, m.company_id, m.invoice_date,
                           m.amount_untaxed_signed + COALESCE(credited.amount, 0) AS net,
                           ROW_NUMBER() OVER (PARTITION BY m.commercial_partner_id, m.company_id
                                              ORDER BY m.invoice_date DESC, m.id DESC) AS rank
                      FROM account_move m
                 LEFT JOIN (SELECT r.reversed_entry_id, SUM(r.amount_untaxed_signed) AS amount
                              FROM account_move r
                             WHERE r.move_type = 'out_refund' AND r.state = 'posted'
                               AND r.reversed_entry_id IS NOT NULL
                               AND r.commercial_partner_id IN %(clients)s
                          GROUP BY r.reversed_entry_id) AS credited
                        ON credited.reversed_entry_id = m.id
                     WHERE m.commercial_partner_id IN %(clients)s
                       AND m.company_id IN %(companies)s
                       AND m.move_type = 'out_invoice'
                       AND m.state = 'posted'
                       AND m.payment_state != 'reversed'
                       AND m.amount_untaxed_signed + COALESCE(credited.amount, 0) > 0
                       AND m.id NOT IN %(moves)s) AS ranked
             WHERE rank <= %(limit)s
             ORDER BY commercial_partner_id, company_id, rank
            """,
            clients=tuple(clients.ids), companies=tuple(self.company_id.ids),
            moves=tuple(self.ids) or (0,), limit=limit,
        ))
        history = defaultdict(list)
        for move_id, client_id, company_id, amount, day in self.env.cr.fetchall():
            history[client_id, company_id].append((move_id, amount, day))
        return history

    def _agency_invoice_hours(self, moves):
        """{invoice id: billed hours of the time entries it invoiced} (entries a credit
        note gave back are no longer invoiced by it)."""
        if not moves:
            return {}
        # sudo: hours of the client's past invoices (grouped) for the anomaly check.
        groups = self.env["account.analytic.line"].sudo()._read_group(
            [("timesheet_invoice_id", "in", moves.ids), ("agency_credit_note_id", "=", False)],
            ["timesheet_invoice_id"], ["billed_unit_amount:sum"],
        )
        return {move.id: hours for move, hours in groups}

    def _agency_duplicate_candidates(self, window_days):
        """{(client id, company id): other customer invoices (not cancelled) of the same
        companies dated around these}."""
        days = [d for d in (self.mapped("invoice_date") + self.mapped("date")) if d]
        if not days:
            return {}
        others = self.search([
            ("commercial_partner_id", "in", self.commercial_partner_id.ids),
            ("company_id", "in", self.company_id.ids),
            ("move_type", "=", "out_invoice"),
            ("state", "!=", "cancel"),
            ("payment_state", "!=", "reversed"),
            ("date", ">=", min(days) - timedelta(days=window_days)),
            ("date", "<=", max(days) + timedelta(days=window_days)),
        ])
        by_client = defaultdict(list)
        for other in others:
            by_client[other.commercial_partner_id.id, other.company_id.id].append(other)
        return by_client

    def _agency_check_time(self):
        """Entries without rate rule, time left out to classify, held or over-scope time
        of the invoiced contracts (hook)."""
        found = defaultdict(list)
        # sudo: counts of the invoice's entries (grouped) for the anomaly check.
        Line = self.env["account.analytic.line"].sudo()

        def count_by_move(domain):
            return dict(Line._read_group(
                [("timesheet_invoice_id", "in", self.ids), *domain],
                ["timesheet_invoice_id"], ["__count"],
            ))

        no_rule = count_by_move([("no_rate_rule", "=", True), ("is_billable", "=", True)])
        over_scope = count_by_move([("over_scope", "=", True)])
        held = self._agency_held_time()
        for move in self:
            if no_rule.get(move):
                found[move].append(("no_rate_rule", _(
                    "%s time entries have no rate rule: billed at the sale line's price.",
                    no_rule[move])))
            review_count, review_hours = held.get(move.id, {}).get("review", (0, 0.0))
            if review_count:
                found[move].append(("low_confidence", _(
                    "%(count)s time entries (%(hours)s h) could not be classified with "
                    "confidence: left out until someone decides their service type.",
                    count=review_count, hours=format(review_hours, ".2f"))))
            count, hours = held.get(move.id, {}).get("hold", (0, 0.0))
            if over_scope.get(move) or count:
                parts = []
                if over_scope.get(move):
                    parts.append(_("%s invoiced entries are over scope", over_scope[move]))
                if count:
                    parts.append(_("%(count)s entries (%(hours)s h) are held and left out",
                                   count=count, hours=format(hours, ".2f")))
                found[move].append(("held_time", "; ".join(parts) + "."))
        return found

    def _agency_held_time(self):
        """{invoice id: {kind: (entries, hours)}} of time held out (``hold``: held or over
        scope; ``review``: waiting to be classified), not invoiced, on the contracts an
        invoice bills, dated up to its period end."""
        orders_by_move = {move.id: move.invoice_line_ids.sale_line_ids.order_id for move in self}
        orders = self.env["sale.order"].union(*orders_by_move.values())
        if not orders:
            return {}
        held = self.env["account.analytic.line"]._agency_held_time(orders)
        result = {}
        for move in self:
            order_ids = orders_by_move[move.id].ids
            for kind in ("hold", "review"):
                count, hours, _ids = held.total(order_ids, move.billing_period_end, kind)
                if count:
                    result.setdefault(move.id, {})[kind] = (count, hours)
        return result

    def _agency_check_lines(self):
        """Invoice lines of zero amount (hook)."""
        found = defaultdict(list)
        for move in self:
            zero = move.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
                and line.currency_id.is_zero(line.price_subtotal)
            )
            if zero:
                found[move].append(("zero_amount", _(
                    "Zero-amount lines: %s", ", ".join(zero.mapped("name")[:5]))))
        return found

    # ------------------------------------------------------------------
