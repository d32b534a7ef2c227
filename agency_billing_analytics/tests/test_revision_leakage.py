"""Revision leakage: the time of an extra revision round the agency absorbs, exact to the
hour and the cent.

Client R (time and materials) buys a logo with 2 included rounds, extra rounds absorbed.
The client asks for changes on 2, 9 and 16 March 2026 (rounds 1, 2 and 3, the third
extra). The Creative Director (cost 50/h, rate card 150/h) logs on the logo's task 2 h on
3 March (round 1), 1.5 h on 9 March (round 2: a round owns the day it starts), 2.5 h on
16 March and 0.5 h on 20 March (round 3); and, outside the rounds, 1 h on the task on
1 March (before round 1) and 1 h on 17 March on the project without a task.
"""

from datetime import date, datetime

from odoo import Command
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestRevisionLeakage(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref = cls.env.ref
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.env["agency.rate.rule"].search([]).active = False
        cls.env["agency.classification.rule"].search([]).active = False
        creative = ref("agency_billing.service_type_creative")
        job = cls.env["hr.job"].create({"name": "Leakage CD"})
        cls.env["agency.rate.rule"].create({"name": "Card leakage CD", "job_id": job.id,
                                            "rate": 150.0})
        cls.cd = cls.env["hr.employee"].create({"name": "Rita CD", "job_id": job.id,
                                                "hourly_cost": 50.0})
        cls.client = cls.env["res.partner"].create({"name": "Client R", "is_company": True,
                                                    "time_rounding": "none"})
        cls.order = cls.env["sale.order"].create({
            "partner_id": cls.client.id,
            "order_line": [Command.create({
                "product_id": creative.product_id.id, "price_unit": 150.0,
                "product_uom_qty": 40, "tax_id": [Command.clear()]})],
        })
        cls.order.action_confirm()
        cls.project = cls.env["project.project"].create({
            "name": "Client R project", "partner_id": cls.client.id, "allow_billable": True,
            "allow_timesheets": True, "service_type_id": creative.id,
            "sale_line_id": cls.order.order_line[0].id})
        cls.task = cls.env["project.task"].create({
            "name": "Logo", "project_id": cls.project.id, "service_type_id": creative.id})
        cls.logo = cls.env["agency.deliverable"].create({
            "name": "Logo", "sale_order_id": cls.order.id, "project_id": cls.project.id,
            "included_rounds": 2, "extra_round_policy": "absorb",
            "extra_round_pricing": "fixed", "extra_round_price": 450.0,
            "task_ids": [Command.set(cls.task.ids)]})
        cls.rounds = [cls.logo._agency_start_round("odoo", when=when) for when in (
            datetime(2026, 3, 2, 10, 0), datetime(2026, 3, 9, 9, 0),
            datetime(2026, 3, 16, 8, 0))]
        cls.before = cls._time(1.0, date(2026, 3, 1))
        cls.in_first = cls._time(2.0, date(2026, 3, 3))
        cls.in_second = cls._time(1.5, date(2026, 3, 9))
        cls.in_third = cls._time(2.5, date(2026, 3, 16)) | cls._time(0.5, date(2026, 3, 20))
        cls.no_task = cls._time(1.0, date(2026, 3, 17), task=False)
        cls.env.flush_all()

    @classmethod
    def _time(cls, hours, day, task=True):
        return cls.env["account.analytic.line"].create({
            "name": "Logo work", "employee_id": cls.cd.id, "project_id": cls.project.id,
            "task_id": cls.task.id if task else False, "unit_amount": hours, "date": day})

    def _totals(self, model, aggregates, domain=(), groupby=()):
        base = [("partner_id", "=", self.client.id), *domain]
        rows = self.env[model]._read_group(base, list(groupby), aggregates)
        names = [spec.split(":")[0] for spec in aggregates]
        if groupby:
            return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}
        return dict(zip(names, rows[0], strict=True))

    def test_dataset(self):
        first, second, third = self.rounds
        self.assertEqual([(r.number, r.is_extra, r.state) for r in self.rounds],
                         [(1, False, "included"), (2, False, "included"),
                          (3, True, "absorbed")])
        self.assertEqual([r.hours for r in self.rounds], [2.0, 1.5, 3.0],
                         "the rounds' own hours: the rule the reports follow")
        everything = self.before | self.in_first | self.in_second | self.in_third \
            | self.no_task
        self.assertTrue(all(everything.mapped("is_billable")))
        # nothing billed: no line, no invoice for the absorbed round
        self.assertFalse(third.sale_line_id or third.invoice_line_id)
        self.assertFalse(self.order.order_line.filtered("agency_round_id"))
        self.assertFalse(first.sale_line_id or second.sale_line_id)

    def test_recovery_absorbed_round_is_leakage(self):
        rec = "agency.report.recovery"
        domain = [("kind", "=", "time")]
        totals = self._totals(rec, ["billable_hours:sum", "invoiced_hours:sum",
                                    "leakage_hours:sum", "wip_hours:sum",
                                    "leakage_value:sum", "billed_value:sum"], domain=domain)
        self.assertEqual(
            [totals[k] for k in ("billable_hours", "invoiced_hours", "leakage_hours",
                                 "wip_hours")],
            [8.5, 0.0, 3.0, 5.5])
        self.assertEqual(round(totals["leakage_value"], 2), 450.0, "3 h at the card's 150")
        self.assertEqual(totals["billed_value"], 0.0, "nothing billed")
        rows = {r.entry_id: r for r in self.env[rec].search(
            [("partner_id", "=", self.client.id), *domain])}
        outside = self.before | self.in_first | self.in_second | self.no_task
        self.assertEqual({e: rows[e].billing_status for e in rows},
                         {**dict.fromkeys(self.in_third, "absorbed_revision"),
                          **dict.fromkeys(outside, "open")})
        self.assertEqual([rows[e].leakage_value for e in self.in_third], [375.0, 75.0])
        self.assertEqual([rows[e].is_wip for e in self.in_third], [False, False])
        by_status = self._totals(rec, ["leakage_hours:sum"], domain=domain,
                                 groupby=["billing_status"])
        self.assertEqual(by_status["absorbed_revision"]["leakage_hours"], 3.0)

    def test_held_absorbed_round_stays_leakage(self):
        """Before a billing run the absorbed round's time is held out of hourly billing;
        Recovery still reports it as absorbed-revision leakage, not held WIP."""
        self.env["agency.deliverable.round"]._agency_prepare_billing(self.order)
        self.assertTrue(all(self.in_third.mapped("billing_hold")))
        self.assertFalse(any((self.before | self.in_first | self.in_second).mapped(
            "billing_hold")))
        self.env.flush_all()
        rows = {r.entry_id: r for r in self.env["agency.report.recovery"].search(
            [("partner_id", "=", self.client.id), ("kind", "=", "time")])}
        self.assertEqual({rows[e].billing_status for e in self.in_third},
                         {"absorbed_revision"})
        self.assertEqual(sum(rows[e].leakage_hours for e in self.in_third), 3.0)
        # A fixed-price round billed by its line: its held time counts as invoiced.
        self.logo.extra_round_policy = "bill"
        self.rounds[2].state = "billed"
        self.in_third.write({"billing_hold": False, "billing_hold_reason": False})
        self.env["agency.deliverable.round"]._agency_prepare_billing(self.order)
        self.assertTrue(all(self.in_third.mapped("billing_hold")))
        self.env.flush_all()
        self.env.invalidate_all()  # the report's rows were read above
        rows = {r.entry_id: r for r in self.env["agency.report.recovery"].search(
            [("partner_id", "=", self.client.id), ("kind", "=", "time")])}
        self.assertEqual({rows[e].billing_status for e in self.in_third}, {"invoiced"})
        self.assertEqual(sum(rows[e].wip_hours for e in self.in_third), 0.0)

    def test_revision_report(self):
        rep = "agency.report.revision"
        totals = self._totals(rep, [
            "round_count:sum", "extra_round_count:sum", "absorbed_round_count:sum",
            "hours:sum", "extra_hours:sum", "billed_hours:sum", "absorbed_hours:sum",
            "billed_value:sum", "leakage_value:sum"])
        self.assertEqual(totals, {
            "round_count": 3, "extra_round_count": 1, "absorbed_round_count": 1,
            "hours": 6.5, "extra_hours": 3.0, "billed_hours": 0.0, "absorbed_hours": 3.0,
            "billed_value": 0.0, "leakage_value": 450.0})
        rows = self.env[rep].search([("deliverable_id", "=", self.logo.id)],
                                    order="number")
        self.assertEqual([(r.number, r.round_id, r.is_extra, r.state, r.hours, r.date)
                          for r in rows],
                         [(1, self.rounds[0], False, "included", 2.0, date(2026, 3, 2)),
                          (2, self.rounds[1], False, "included", 1.5, date(2026, 3, 9)),
                          (3, self.rounds[2], True, "absorbed", 3.0, date(2026, 3, 16))])
        creative = self.env.ref("agency_billing.service_type_creative")
        by_type = self._totals(rep, ["round_count:sum", "leakage_value:sum"],
                               groupby=["service_type_id"])
        self.assertEqual(by_type, {creative: {"round_count": 3, "leakage_value": 450.0}})
        self.assertEqual(set(rows.mapped("policy")), {"absorb"})
        # a billing user reads the report (company rule: their company's rounds)
        user = new_test_user(self.env, "leak_user",
                             groups="agency_billing.group_agency_billing_user")
        self.assertEqual(len(self.env[rep].with_user(user).search(
            [("deliverable_id", "=", self.logo.id)])), 3)

    def test_profitability_revision_leakage(self):
        prof = "agency.report.profitability"
        totals = self._totals(prof, ["revision_leakage_hours:sum", "revision_leakage:sum",
                                     "cost:sum", "wip:sum"])
        self.assertEqual(totals["revision_leakage_hours"], 3.0)
        self.assertEqual(round(totals["revision_leakage"], 2), 150.0, "3 h at cost 50")
        self.assertEqual(round(totals["cost"], 2), 425.0, "8.5 h at cost 50, leakage in it")
        unbilled = self.before | self.in_first | self.in_second | self.no_task
        self.assertEqual(round(totals["wip"], 2),
                         round(sum(unbilled.mapped("billed_amount")), 2),
                         "the absorbed round's time is not work in progress")
        self.assertEqual(round(totals["wip"], 2), 825.0, "5.5 h at 150")
