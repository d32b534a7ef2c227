"""Scope budget lines: change requests and held time."""

from collections import defaultdict

from odoo import _, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_is_zero, format_amount

from ..access import BILLING_USER, check_action
from ..lib import rating


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AgencyScopeLineChangeRequest(models.Model):
    _inherit = "agency.scope.line"

    # Change requests and held time
    # ------------------------------------------------------------------

    def action_agency_change_request(self):
        """Open the change request wizard for this line."""
        check_action(self, "write", BILLING_USER)
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Change Request"),
            "res_model": "agency.change.request.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_scope_line_id": self.id},
        }

    def action_view_change_requests(self):
        check_action(self, "read")
        self.ensure_one()
        return self.project_id._agency_change_requests_action(
            [("agency_scope_line_id", "=", self.id)]
        )

    def action_agency_release_held(self):
        """Release the held time of these lines: it is billed on its own sale lines."""
        check_action(self, "write", BILLING_USER)
        for line in self:
            released = line._agency_release_held()
            if released:
                # sudo: the release was checked (billing user); the note is the rules' trace.
                line.project_id.sudo().message_post(
                    body=_("%(count)s held time entries (%(hours)s h) of %(line)s released "
                           "by %(user)s: they are billed as usual.",
                           count=len(released), line=line.display_name,
                           hours=format(sum(released.mapped('billed_unit_amount')), ".2f"),
                           user=self.env.user.name),
                    subtype_xmlid="mail.mt_note",
                )
        return True

    def _agency_held_entries(self):
        """Open time entries of this line held because they were over scope."""
        self.ensure_one()
        # sudo: the held entries of a line, for a release or change request checked by the
        # caller.
        Entry = self.env["account.analytic.line"].sudo()
        return Entry.search(
            self._agency_entry_domain() + [
                ("billing_hold", "=", True),
                ("over_scope_policy", "=", "held"),
                *Entry._agency_not_invoiced_domain(),
            ], order="date, id",
        )

    def _agency_release_held(self, order=None):
        """Release the held entries of this line; with ``order`` (an accepted change
        request), route them to its lines at their rates (added when missing).

        :return: the released entries
        """
        self.ensure_one()
        held = self._agency_held_entries()
        if not held:
            return held
        values = {"billing_hold": False, "billing_hold_reason": False}
        # sudo: releasing held time is the rules' own write (the caller was checked).
        Entry = self.env["account.analytic.line"].sudo()
        if not order:
            held.with_context(agency_scope_skip=True).write(values)
        else:
            keys = {}
            for entry in held:
                keys.setdefault(entry._agency_change_request_key(order), entry)
            keys.pop(None, None)
            mapping = Entry._agency_find_sale_lines(keys)
            by_sale_line = defaultdict(list)
            for entry in held:
                by_sale_line[mapping.get(entry._agency_change_request_key(order))].append(
                    entry.id)
            for sale_line_id, ids in by_sale_line.items():
                route = dict(values, so_line=sale_line_id, is_so_line_edited=True) \
                    if sale_line_id else values
                Entry.browse(ids).with_context(agency_scope_skip=True).write(route)
        self._agency_refresh_burn()
        return held

    def _agency_planned_rate(self, order):
        """Hourly rate of extra hours of this line for the client, in ``order``'s currency:
        the rate rule a client's entry of this service type would get (no person or
        role), else the line's blended rate so far, else the contract's price for the
        service (its sale line, else the product's sales price)."""
        self.ensure_one()
        company = self.company_id
        currency = order.currency_id
        converter = self.env["res.currency"]._agency_converter(company)
        contract = self.project_id.sale_line_id.order_id
        today = fields.Date.context_today(self)

        def fallback():
            return self.env["account.analytic.line"]._agency_product_price(
                self.service_type_id.product_id, contract, company)

        result = self.env["agency.rate.rule"]._rule_index(company).resolve(
            rating.Entry(date=today, order=contract.id or None, project=self.project_id.id,
                         partner=self.project_id._agency_scope_client().id or None,
                         service_type=self.service_type_id.id),
            convert=lambda amount, cur, day: converter.convert(amount, cur, currency, day),
            fallback=fallback,
        )
        if result.rule:
            return currency.round(result.rate)
        if self.burn_hours and self.currency_id == currency:
            return currency.round(self.burn_amount / self.burn_hours)
        price = fallback()
        if not price:
            return 0.0
        return currency.round(converter.convert(price[0], price[1], currency, today))

    def _agency_create_change_request(self, hours, note=False):
        """Draft a quotation for ``hours`` extra hours of this line at the client's rates:
        the held hours at the rates they were rated at, the rest at the planned rate.

        :return: the quotation (sale.order)
        """
        self.ensure_one()
        project = self.project_id
        product = self.service_type_id.product_id
        if not product:
            raise UserError(_("The service type %s has no service product to sell extra hours "
                              "with.", self.service_type_id.name))
        contract = project.sale_line_id.order_id
        partner = contract.partner_id or project.partner_id
        if not partner:
            raise UserError(_("The project %s has no client to send a change request to.",
                              project.name))
        held = self._agency_held_entries()
        held_hours = sum(held.mapped("billed_unit_amount"))
        if float_compare(hours, held_hours, precision_digits=2) < 0 or hours <= 0:
            raise UserError(_(
                "A change request must cover at least the %(held)s h held on %(line)s.",
                held=format(held_hours, ".2f"), line=self.display_name,
            ))
        order = self.env["sale.order"].create(self._agency_change_request_values(
            contract, partner, note))
        lines = [{"display_type": "line_section", "name": _("Change request: %s",
                                                            self.display_name)}]
        if note:
            lines.append({"display_type": "line_note", "name": note})
        by_rate = defaultdict(float)
        for entry in held:
            key = (order.currency_id.round(entry.billing_rate), entry.billing_discount)
            by_rate[key] += entry.billed_unit_amount
        for (rate, discount), qty in sorted(by_rate.items()):
            lines.append(self._agency_change_request_line(
                product, qty, rate, _("%(product)s – time held over scope", product=product.name),
                discount=discount))
        extra = hours - held_hours
        if not float_is_zero(extra, precision_digits=2):
            rate = self._agency_planned_rate(order)
            lines.append(self._agency_change_request_line(
                product, extra, rate, _("%(product)s – extra hours", product=product.name),
                discount=self._agency_contract_discount(product, rate)))
        order.write({"order_line": [fields.Command.create(vals) for vals in lines]})
        # sudo: the note of a change request drafted by a checked billing user.
        project.sudo().message_post(
            body=_("Change request %(order)s drafted for %(line)s: %(hours)s h (%(held)s h "
                   "held), %(amount)s before taxes.",
                   order=order.name, line=self.display_name, hours=format(hours, ".2f"),
                   held=format(held_hours, ".2f"),
                   amount=format_amount(self.env, order.amount_untaxed, order.currency_id)),
            subtype_xmlid="mail.mt_note",
        )
        return order

    def _agency_change_request_values(self, contract, partner, note):
        """Values of a change-request quotation (hook)."""
        project = self.project_id
        values = {
            "partner_id": partner.id,
            "agency_change_request_project_id": project.id,
            "agency_scope_line_id": self.id,
            "project_id": project.id,
            "require_signature": True,
            "require_payment": False,
            "origin": contract.name or project.name,
            "client_order_ref": contract.client_order_ref or False,
            "user_id": (project.account_director_id or self.env.user).id,
        }
        if contract:
            values.update(pricelist_id=contract.pricelist_id.id,
                          partner_invoice_id=contract.partner_invoice_id.id,
                          partner_shipping_id=contract.partner_shipping_id.id)
        return values

    def _agency_change_request_line(self, product, qty, rate, name, discount=0.0):
        """Values of a change-request line (hook): hours at a rate, with the discount the
        contract gives on that rate."""
        return {
            "product_id": product.id,
            "name": name,
            "product_uom_qty": round(qty, 2),
            "price_unit": rate,
            "discount": discount,
        }

    def _agency_contract_discount(self, product, rate):
        """The discount the contract gives on this service at this rate (its line for the
        product at that price), else none: extra hours keep the client's terms."""
        self.ensure_one()
        contract = self.project_id.sale_line_id.order_id
        line = next((sol for sol in contract.order_line
                     if sol.product_id == product and not sol.display_type
                     and contract.currency_id.round(sol.price_unit) == rate), None)
        return line.discount if line else 0.0

    def _agency_apply_change_request(self, order):
        """An accepted change request: the budget grows by its hours (and amount), the held
        time is released to its lines, alerts re-arm, the project's chatter says so."""
        self.ensure_one()
        hours = order._agency_change_request_hours()
        amount = order.currency_id._convert(order.amount_untaxed, self.currency_id,
                                            order.company_id, fields.Date.context_today(self))
        before = self._agency_budget_text()
        values = {"budget_hours": self.budget_hours + hours}
        if self.budget_amount > 0:
            values["budget_amount"] = self.budget_amount + amount
        self.write(values)
        released = self._agency_release_held(order)
        who = order.signed_by or self.env.user.name
        # sudo: a change request accepted (confirmed by the client or the back office) leaves
        # its note.
        self.project_id.sudo().message_post(
            body=_("Change request %(order)s accepted by %(who)s: %(line)s budget %(before)s → "
                   "%(after)s; %(count)s held time entries (%(hours)s h) released to it for "
                   "invoicing.",
                   order=order.name, who=who, line=self.display_name, before=before,
                   after=self._agency_budget_text(), count=len(released),
                   hours=format(sum(released.mapped('billed_unit_amount')), ".2f")),
            subtype_xmlid="mail.mt_note",
        )


