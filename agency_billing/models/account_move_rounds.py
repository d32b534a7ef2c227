"""Customer invoices: the revision rounds they bill, in the client's words (PDF annex)."""

from odoo import models


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountMoveRounds(models.Model):
    _inherit = "account.move"

    def _agency_report_data(self):
        """…and the extra revision rounds this invoice bills ("Homepage design — revision
        round 3 (2 included)") with the day each was asked for."""
        data = super()._agency_report_data()
        # sudo: the invoice PDF's data (the reader was allowed the invoice by the report).
        rounds = self.sudo().invoice_line_ids.sale_line_ids.agency_round_id
        if rounds and data:  # without a project context the invoice line says it alone
            data = dict(data)
            data["revision_rounds"] = [{"label": rnd.label, "date": rnd.date.date()}
                                       for rnd in rounds.sorted(lambda r: (r.deliverable_id.id,
                                                                           r.number))]
        return data

    def _agency_label_lines(self):
        """…except the lines of extra revision rounds: the round's wording is the label."""
        res = super()._agency_label_lines()
        for line in self.invoice_line_ids.filtered(
                lambda ml: ml.display_type == "product"
                and ml.move_id.state == "draft" and ml.sale_line_ids.agency_round_id):
            sol = line.sale_line_ids.filtered("agency_round_id")[:1]
            if line.name != sol.name:
                line.with_context(check_move_validity=False).name = sol.name
        return res
