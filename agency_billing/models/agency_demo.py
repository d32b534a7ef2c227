"""Demo agency: a month of realistic time entries, generated at demo install.

Only called from ``demo/agency_demo.xml``; a plain random generator with a fixed
seed so every demo database looks the same relative to its install date.
"""

import random
from datetime import timedelta

from odoo import api, fields, models

from ..lib.demo import ROLE_TYPES, ROLE_WORK


class AgencyDemo(models.AbstractModel):
    """Helpers that build the demo agency (demo data only)."""

    _name = "agency.demo"
    _description = "Agency Billing demo data helpers"

    @api.model
    def _generate_demo_time(self, project_xmlids, employee_xmlids, days=30, seed=2026):
        """Create about a month of time entries for the demo employees on the demo projects.

        Each working day, each employee logs two to four entries of work typical of
        their job position on the projects they staff. Durations are deliberately
        not round (e.g. 0.3 h) so time rounding has something to do.
        """
        rng = random.Random(seed)
        projects = [self.env.ref(x) for x in project_xmlids]
        employees = [self.env.ref(x) for x in employee_xmlids]
        today = fields.Date.context_today(self)
        vals_list = []
        for offset in range(days, 0, -1):
            day = today - timedelta(days=offset)
            if day.weekday() >= 5:
                continue
            for employee in employees:
                work = ROLE_WORK.get(employee.job_id.name)
                if not work:
                    continue
                for _i in range(rng.randint(2, 4)):
                    project = rng.choice(projects)
                    label, low, high = rng.choice(work)
                    if rng.random() < 0.03:
                        # Now and then a description nobody can classify: left for review.
                        label, low, high = "Misc tweaks", 0.25, 1.0
                    hours = round(rng.uniform(low, high) * 20) / 20  # 3-minute steps
                    fitting = project.task_ids.filtered(
                        lambda t, e=employee: t.service_type_id.code
                        in ROLE_TYPES.get(e.job_id.name, ())
                    )
                    task = rng.choice(fitting) if fitting and rng.random() < 0.7 else False
                    vals_list.append({
                        "name": label,
                        "date": day,
                        "employee_id": employee.id,
                        "project_id": project.id,
                        "task_id": task.id if task else False,
                        "unit_amount": hours,
                    })
        return self.env["account.analytic.line"].create(vals_list).ids

    @api.model
    def _demo_bank_journal(self, bank_account_id):
        """The agency's bank account on its bank journal (invoices print it)."""
        journal = self.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", self.env.company.id)], limit=1)
        if journal and not journal.bank_account_id:
            journal.bank_account_id = bank_account_id
        return True

    @api.model
    def _archive_generic_demo_projects(self):
        """Odoo's own demo projects (office design, R&D, the projects its demo sale orders
        created...) would crowd the agency's screens: every project that is not the demo
        agency's is archived, with its tasks."""
        ours = self.env["ir.model.data"].search([
            ("model", "=", "project.project"), ("module", "=", "agency_billing"),
        ]).mapped("res_id")
        projects = self.env["project.project"].search([("id", "not in", ours)])
        projects.with_context(active_test=False).task_ids.write({"active": False})
        projects.write({"active": False})
        return projects.ids

    @api.model
    def _demo_portal_client(self, project_xmlid, contact_xmlid, login):
        """The client's billing contact signs in to the portal (login = password): it
        follows the client's project, whose timesheets the portal shows."""
        ref = self.env.ref
        contact = ref(contact_xmlid)
        user = self.env["res.users"].with_context(no_reset_password=True).create({
            "name": contact.name, "login": login, "password": login,
            "partner_id": contact.id, "email": contact.email,
            "groups_id": [(6, 0, [ref("base.group_portal").id])],
        })
        project = ref(project_xmlid)
        project.privacy_visibility = "portal"
        partners = contact | contact.commercial_partner_id
        project.message_subscribe(partners.ids)
        project.task_ids.message_subscribe(partners.ids)
        return user.id

    @api.model
    def _learn_and_rerate(self):
        """Learn from the demo's classified time, then re-rate the open entries so the ones
        no rule or task classified get the learned suggestion (or stay flagged)."""
        self.env["agency.classification.stat"]._learn()
        lines = self.env["account.analytic.line"].search([("project_id", "!=", False)])
        lines._agency_rerate()
        return True

    @api.model
    def _generate_demo_billing(self):
        """Billing runs over the demo month: each cycle client billed for its first period,
        Initech's reached milestone, Umbrella's retainer, and an overdue Stark invoice
        with its first reminder."""
        ref = self.env.ref
        today = fields.Date.context_today(self)
        # Billed up to two weeks (Umbrella: five weeks) ago: a period of the month is due.
        for xmlid, days in (("agency_billing.partner_acme", 14),
                            ("agency_billing.partner_globex", 14),
                            ("agency_billing.partner_umbrella", 35)):
            ref(xmlid).billing_last_period_end = today - timedelta(days=days)
        Run = self.env["agency.billing.run"]
        Run._run_due(today)
        stark = ref("agency_billing.partner_stark")
        day = today - timedelta(days=20)
        # The day is passed on: Stark's own today would bill the time after its invoice date.
        run = Run.with_context(agency_billing_today=day)._run_clients(stark, today=day)
        invoice = run.invoice_ids.filtered(lambda m: m.state == "draft")[:1]
        if invoice:
            invoice.write({
                "invoice_date": day,
                "invoice_payment_term_id": ref("account.account_payment_term_15days").id,
            })
            invoice.with_context(agency_review_reason="Demo: reviewed")._agency_approve(
                "Demo: reviewed")
        self.env["account.move"]._cron_agency_reminders()
