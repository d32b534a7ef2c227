"""Time entries: re-rating the open entries after rules change."""

from odoo import api, models
from odoo.tools import SQL

# Stored computed fields recomputed by a re-rate.
RERATE_FIELDS = (
    "service_type_id",
    "is_billable",
    "agency_rate",
    "billed_unit_amount",
    "so_line",
)


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLineRerate(models.Model):
    _inherit = "account.analytic.line"

    # ------------------------------------------------------------------
    # Re-rating after rules change
    # ------------------------------------------------------------------

    def _agency_open_domain(self, companies, partners=None):
        """Time entries not (or no longer) invoiced, of these companies or clients."""
        domain = [
            ("project_id", "!=", False),
            ("company_id", "in", companies.ids),
            *self._agency_not_invoiced_domain(),
        ]
        if partners:
            domain += [
                "|", ("project_id.partner_id", "child_of", partners.ids),
                ("order_id.partner_id", "child_of", partners.ids),
            ]
        return domain

    @api.model
    def _agency_flag_rerate(self, companies, partners=None):
        """Mark the open entries of these companies (or clients) for re-rating, in one
        query, and wake the re-rate cron."""
        if not companies:
            return
        self.env.flush_all()  # the raw UPDATE below reads what the ORM may still hold
        # sudo: a rule or policy changed (written by someone allowed to): every open entry it
        # may concern is flagged, in one query.
        query = self.sudo()._search(self._agency_open_domain(companies, partners))
        self.env.cr.execute(SQL(
            "UPDATE account_analytic_line SET agency_rerate_needed = TRUE "
            "WHERE agency_rerate_needed IS NOT TRUE AND id IN %s", query.subselect()
        ))
        self.invalidate_model(["agency_rerate_needed"])
        cron = self.env.ref("agency_billing.ir_cron_agency_rerate", raise_if_not_found=False)
        if cron:
            # sudo: waking the re-rate cron (ir.cron is for administrators).
            cron.sudo()._trigger()

    def _agency_rerate(self):
        """Re-classify, re-rate, re-round and re-route these entries; invoiced ones and
        overrides are kept by the compute methods themselves."""
        lines = self.filtered(lambda line: line.project_id and line._is_not_billed())
        # Dependents of the old values (e.g. the sale line an entry leaves) and of the new
        # ones (the line it joins) must follow: a plain recompute does not notify them.
        lines.modified(RERATE_FIELDS, before=True)
        for fname in RERATE_FIELDS:
            self.env.add_to_compute(self._fields[fname], lines)
        # Rated first; then the sale lines new rates need are added in one batch, so
        # routing (a compute: it only finds lines) finds them.
        lines._recompute_recordset([fname for fname in RERATE_FIELDS if fname != "so_line"])
        lines._agency_route_missing()
        lines._recompute_recordset()
        lines.modified(RERATE_FIELDS)
        self.env.flush_all()
        self.filtered("agency_rerate_needed").write({"agency_rerate_needed": False})
        return len(lines)

    @api.model
    def _agency_rerate_pending(self, companies, limit=2000):
        # sudo: re-rating is the rules' own work (the cron, or action_rerate_now checked an
        # administrator).
        lines = self.sudo().search(
            [("agency_rerate_needed", "=", True), ("company_id", "in", companies.ids)],
            limit=limit,
        )
        return lines._agency_rerate()

    @api.model
    def _cron_agency_rerate(self, batch_size=2000):
        """Cron: re-rate flagged entries one batch per call (the cron loops while there
        are some left, committing each batch)."""
        done = self._agency_rerate_pending(self.env["res.company"].search([]), limit=batch_size)
        # sudo: the re-rate cron counts what is left.
        remaining = self.sudo().search_count([("agency_rerate_needed", "=", True)])
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

