import logging
from datetime import date
from itertools import combinations

from odoo import sql_db
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import AgencyBillingCase

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestRateRules(AgencyBillingCase):
    """Which rate rule wins, at what rate, and where the time is billed."""

    def _criteria(self):
        """One value per criterion, all matching a Creative Director's creative time."""
        return {
            "order_id": self.order,
            "project_id": self.project,
            "partner_id": self.client,
            "employee_id": self.emp_cd,
            "job_id": self.job_cd,
            "service_type_id": self.st_creative,
        }

    def test_precedence_every_pair(self):
        """For each pair of criteria, the rule naming the more important one wins:
        sale order > project > client > employee > role > service type."""
        order_of_importance = list(self._criteria())
        for first, second in combinations(order_of_importance, 2):
            with self.subTest(winner=first, loser=second):
                criteria = self._criteria()
                loser = self._rule(111.0, **{second: criteria[second]})
                winner = self._rule(222.0, **{first: criteria[first]})
                entry = self._time(self.emp_cd, 1.0, name="Concept", task=self.env[
                    "project.task"].create({"name": "KV", "project_id": self.project.id,
                                            "service_type_id": self.st_creative.id}))
                self.assertEqual(entry.rate_rule_id, winner)
                self.assertEqual(entry.agency_rate, 222.0)
                self.assertIn("preferred over", entry.rate_reason)
                (winner | loser).unlink()

    def test_more_criteria_of_lower_rank_do_not_beat_a_higher_one(self):
        """Client alone beats employee + role + service type together."""
        self._rule(190.0, employee_id=self.emp_cd, job_id=self.job_cd,
                   service_type_id=self.st_design)
        client_rule = self._rule(175.0, partner_id=self.client)
        entry = self._time(self.emp_cd, 2.0, task=self.task_design)
        self.assertEqual(entry.rate_rule_id, client_rule)
        self.assertEqual(entry.agency_rate, 175.0)

    def test_client_role_agreement_beats_rate_card(self):
        """'Acme pays 180/h for a Creative Director' beats the CD rate card and the
        person's own rate, and the entry says why."""
        self._rule(150.0, job_id=self.job_cd, name="Rate card CD")
        self._rule(160.0, employee_id=self.emp_cd, name="Casey senior rate")
        agreement = self._rule(180.0, partner_id=self.client, job_id=self.job_cd,
                               name="Acme CD agreement")
        entry = self._time(self.emp_cd, 1.5)
        self.assertEqual(entry.rate_rule_id, agreement)
        self.assertEqual(entry.agency_rate, 180.0)
        self.assertEqual(
            entry.rate_reason,
            "Acme CD agreement (client + role): 180.00/h; preferred over Casey senior rate "
            "(employee)",
        )
        self.assertFalse(entry.no_rate_rule)

    def test_date_validity_edges(self):
        """A rule valid in March applies on the 1st and the 31st, not a day outside."""
        self._rule(100.0, job_id=self.job_designer)
        march = self._rule(130.0, job_id=self.job_designer, date_from=date(2026, 3, 1),
                           date_to=date(2026, 3, 31))
        expected = {
            date(2026, 2, 28): 100.0,
            date(2026, 3, 1): 130.0,
            date(2026, 3, 31): 130.0,
            date(2026, 4, 1): 100.0,
        }
        for day, rate in expected.items():
            entry = self._time(self.emp_designer, 1.0, day=day, task=self.task_design)
            self.assertEqual(entry.agency_rate, rate, day)
            self.assertEqual(entry.rate_rule_id == march, rate == 130.0, day)

    def test_sequence_breaks_ties(self):
        """Equally specific rules: the lower sequence wins."""
        self._rule(101.0, job_id=self.job_designer, sequence=20)
        first = self._rule(99.0, job_id=self.job_designer, sequence=5)
        entry = self._time(self.emp_designer, 1.0, task=self.task_design)
        self.assertEqual(entry.rate_rule_id, first)
        self.assertEqual(entry.agency_rate, 99.0)

    def test_currency_conversion_at_entry_date(self):
        """A rule in EUR on a USD contract is converted at the rate of the entry's date."""
        eur = self.env.ref("base.EUR")
        eur.active = True
        usd = self.env.ref("base.USD")
        usd.active = True
        self.assertEqual(self.company.currency_id, usd, "the test company works in USD")
        Rate = self.env["res.currency.rate"]
        Rate.search([("currency_id", "=", eur.id)]).unlink()
        Rate.create([
            {"currency_id": eur.id, "name": date(2026, 3, 1), "rate": 0.8},   # 1 USD = 0.8 EUR
            {"currency_id": eur.id, "name": date(2026, 3, 15), "rate": 0.5},  # 1 USD = 0.5 EUR
        ])
        rule = self._rule(100.0, job_id=self.job_designer, currency_id=eur)
        early = self._time(self.emp_designer, 1.0, day=date(2026, 3, 10), task=self.task_design)
        late = self._time(self.emp_designer, 1.0, day=date(2026, 3, 20), task=self.task_design)
        self.assertEqual(early.rate_rule_id, rule)
        self.assertEqual(early.agency_currency_id, usd)
        self.assertEqual(early.agency_rate, 125.0)
        self.assertEqual(late.agency_rate, 200.0)
        self.assertEqual(early.so_line.price_unit, 125.0)
        self.assertEqual(late.so_line.price_unit, 200.0)
        self.assertFalse(early.rate_issue)

    def test_missing_exchange_rate_is_flagged_not_lost(self):
        """A rule in a currency without any rate is applied 1:1 and the entry flagged."""
        chf = self.env.ref("base.CHF")
        chf.active = True
        self.env["res.currency.rate"].search([("currency_id", "=", chf.id)]).unlink()
        self._rule(90.0, job_id=self.job_designer, currency_id=chf)
        entry = self._time(self.emp_designer, 1.0, task=self.task_design)
        self.assertTrue(entry.exists())
        self.assertEqual(entry.agency_rate, 90.0)
        self.assertIn("No exchange rate for CHF", entry.rate_issue)
        self.assertTrue(entry.needs_review)

    def test_discount_applies_to_the_rate_below(self):
        """'10% off creative for this client' applies to the CD rate card: 150 → 135."""
        card = self._rule(150.0, job_id=self.job_cd, name="CD card")
        discount = self.env["agency.rate.rule"].create({
            "name": "10% off creative", "partner_id": self.client.id,
            "service_type_id": self.st_creative.id, "rate_type": "discount", "discount": 10,
        })
        task = self.env["project.task"].create({
            "name": "Key visual", "project_id": self.project.id,
            "service_type_id": self.st_creative.id,
        })
        entry = self._time(self.emp_cd, 1.0, task=task)
        self.assertEqual(entry.rate_rule_id, discount)
        self.assertEqual(entry.agency_rate, 135.0)
        self.assertIn("10% off CD card 150.00/h", entry.rate_reason)
        card.unlink()
        entry._agency_rerate()
        # without a rate card the discount applies to the contract's creative line (150)
        self.assertEqual(entry.agency_rate, 135.0)
        self.assertIn("sale line", entry.rate_reason)

    def test_no_rule_falls_back_to_odoo_and_is_flagged(self):
        """Without a matching rule Odoo's own sale line bills the entry, flagged."""
        self.project.service_type_id = self.st_creative  # classified: priced (else no rate)
        entry = self._time(self.emp_ad, 1.0)
        self.assertFalse(entry.rate_rule_id)
        self.assertTrue(entry.no_rate_rule)
        self.assertEqual(entry.so_line, self.project.sale_line_id)
        self.assertEqual(entry.billing_rate, 150.0)
        self.assertTrue(entry.needs_review)
        self.assertIn("No rate rule", entry.review_reason)

    def test_routing_creates_the_billing_line_once(self):
        """Entries at a rule rate without a matching order line get one, shared by all."""
        self.project.service_type_id = self.st_creative  # unclassified time is not delivered
        self._rule(180.0, partner_id=self.client, job_id=self.job_cd, name="Acme CD")
        lines_before = self.order.order_line
        first = self._time(self.emp_cd, 1.0)
        second = self._time(self.emp_cd, 2.0, day=date(2026, 3, 11))
        new_line = self.order.order_line - lines_before
        self.assertEqual(len(new_line), 1)
        self.assertEqual(first.so_line, new_line)
        self.assertEqual(second.so_line, new_line)
        self.assertEqual(new_line.price_unit, 180.0)
        self.assertEqual(new_line.product_id, self.st_creative.product_id)
        self.assertEqual(new_line.product_uom_qty, 0.0)
        self.assertEqual(new_line.qty_delivered, 3.0)
        # Client-facing: the service and the rate's label, never the rule's own name.
        self.assertEqual(new_line.name, "Creative – Test Creative Director rate")

    def test_routing_reuses_the_contract_line_at_the_same_rate(self):
        """A rule rate equal to the contract's line price bills on that line."""
        self._rule(120.0, job_id=self.job_designer)
        entry = self._time(self.emp_designer, 2.0, task=self.task_design)
        design_line = self.order.order_line.filtered(
            lambda sol: sol.product_id == self.st_design.product_id
        )
        self.assertEqual(entry.so_line, design_line)
        self.assertEqual(design_line.qty_delivered, 2.0)

    def test_invoice_at_rule_rates_to_the_cent(self):
        """Invoicing the order bills each service at the rules' rates, to the cent."""
        self.project.service_type_id = self.st_creative  # unclassified time is not invoiced
        self._rule(180.0, partner_id=self.client, job_id=self.job_cd)
        self._rule(117.5, job_id=self.job_designer)
        self._time(self.emp_cd, 2.25, name="Concept review")
        self._time(self.emp_cd, 1.0, name="KV direction")
        self._time(self.emp_designer, 3.5, task=self.task_design)
        self._time(self.emp_designer, 0.75, task=self.task_design)
        invoice = self._invoice()
        amounts = self._line_amounts(invoice)
        creative = self.st_creative.product_id
        design = self.st_design.product_id
        self.assertEqual(amounts[(creative, 180.0)], (3.25, 585.0))
        self.assertEqual(amounts[(design, 117.5)], (4.25, 499.38))
        self.assertEqual(invoice.amount_untaxed, 1084.38)
        linked = self.env["account.analytic.line"].search(
            [("timesheet_invoice_id", "=", invoice.id)]
        )
        self.assertEqual(len(linked), 4)

    def test_validation_errors(self):
        """Bad rules are refused with a clear message and nothing is stored."""
        Rule = self.env["agency.rate.rule"]
        count = Rule.search_count([])
        with self.assertRefused(ValidationError, "negative rate"):
            Rule.create({"rate": -1.0, "job_id": self.job_cd.id})
        with self.assertRefused(ValidationError, "ends .* before it starts"):
            Rule.create({"rate": 10.0, "date_from": date(2026, 5, 2),
                         "date_to": date(2026, 5, 1)})
        with self.assertRefused(ValidationError, "discount"):
            Rule.create({"rate_type": "discount", "discount": 120, "job_id": self.job_cd.id})
        Rule.create({"rate": 10.0, "job_id": self.job_cd.id, "sequence": 3})
        with self.assertRefused(ValidationError, "same criteria and sequence"):
            Rule.create({"rate": 12.0, "job_id": self.job_cd.id, "sequence": 3})
        self.assertEqual(Rule.search_count([]), count + 1)

    def test_entry_without_client_is_saved_and_flagged(self):
        """Time on a billable project without a client is kept and flagged."""
        project = self.env["project.project"].create(
            {"name": "No client", "allow_billable": True, "allow_timesheets": True}
        )
        self._rule(100.0, job_id=self.job_designer)
        entry = self._time(self.emp_designer, 1.0, project=project)
        self.assertTrue(entry.exists())
        self.assertEqual(entry.agency_rate, 100.0)
        self.assertFalse(entry.so_line)
        self.assertIn("No client", entry.rate_issue)
        self.assertTrue(entry.needs_review)

    def _count_create_queries(self, count, start_day):
        """Queries to create and flush `count` entries spread over the same people and tasks."""
        people = [self.emp_cd, self.emp_designer, self.emp_ad]
        vals_list = [{
            "name": f"Batch work {i}",
            "employee_id": people[i % 3].id,
            "project_id": self.project.id,
            "task_id": self.task_design.id if i % 2 else False,
            "unit_amount": 0.25 + (i % 7) * 0.25,
            "date": date(2026, 3, start_day + i % 5),
        } for i in range(count)]
        self.env.flush_all()
        before = sql_db.sql_counter
        self.env["account.analytic.line"].create(vals_list)
        self.env.flush_all()
        return sql_db.sql_counter - before

    def test_batch_rating_queries_do_not_grow_with_the_batch(self):
        """Rating, classification, rounding and routing run once per batch, not per entry."""
        self._rule(180.0, partner_id=self.client, job_id=self.job_cd)
        self._rule(110.0, job_id=self.job_designer)
        self._rule(140.0, job_id=self.job_ad)
        self.env["agency.classification.rule"].create(
            {"name": "Batch", "keywords": "batch", "service_type_id": self.st_creative.id}
        )
        self._count_create_queries(5, 1)  # warm caches and create the billing lines
        small = self._count_create_queries(20, 10)
        large = self._count_create_queries(200, 10)
        _logger.info("queries to create 20 entries: %s, 200 entries: %s", small, large)
        self.assertLessEqual(large, small + 25, f"20 entries: {small} queries, 200: {large}")
