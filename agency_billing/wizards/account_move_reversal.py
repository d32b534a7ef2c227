from odoo import models


class AccountMoveReversal(models.TransientModel):
    """Odoo's credit note wizard: *Reverse and Create Invoice* hands what the reversed
    invoice billed (time, retainer periods, milestones) to the new draft, which bills it
    instead of the next billing run (see ``account_move_credit``)."""

    _inherit = "account.move.reversal"

    def reverse_moves(self, is_modify=False):
        if not is_modify:
            return super().reverse_moves(is_modify=is_modify)
        originals = self.move_ids
        action = super(AccountMoveReversal, self.with_context(agency_credit_transfer=True)
                       ).reverse_moves(is_modify=is_modify)
        copies = self.new_move_ids.filtered(lambda m: m.move_type == "out_invoice")
        for original in originals.filtered(lambda m: m.move_type == "out_invoice"):
            sale_lines = original.invoice_line_ids.sale_line_ids
            new = next((copy for copy in copies
                        if copy.invoice_line_ids.sale_line_ids == sale_lines
                        and copy.commercial_partner_id == original.commercial_partner_id),
                       None)
            if new:
                copies -= new
                original._agency_transfer_billing(new)
        return action
