"""Time entries: who may change what a client is billed (protected fields).

The fields of ``PROTECTED_FIELDS`` (rate, billed time, holds, retainer, over scope,
classification, billability, exclusion, the sale line's price...) are changed on
``create`` and ``write`` only by the Agency Billing group each one names (billing users
classify and hold time; billing administrators also price it). Anyone else gets an
:class:`AccessError` naming the fields and the group, and the entry stays as it was.
Trusted paths are not concerned: computes (they do not go through ``write``), internal
calls under ``sudo()`` (the rules themselves) and the importers' path
(``_agency_import_create`` / ``_agency_import_write``, which refuse these fields anyway).

What a form sends back unchanged is not a change: a protected field given with the value
the entry has (or, for a computed one, the value the rules give it after the write, as
an onchange computed it) passes; so does a sale line billing at the same price as the one
the rules choose.
"""

from odoo import _, api, models
from odoo.exceptions import AccessError
from odoo.tools import float_compare

from ..access import BILLING_MANAGER, BILLING_USER

# Fields that decide what a client pays for an entry, or say why, and the group that may
# change each. People change them only through the Agency Billing groups; the rules
# themselves (computes, internal calls under sudo) and importers (``_agency_import_create``
# and ``_agency_import_write``, which refuse them all but the hint) are the trusted paths.
# Billing users (Account Directors) classify and hold time; billing administrators
# (finance) also price it: rate, role, billed time, billability, exclusion, retainer,
# over scope, the sale line it is billed on.
PROTECTED_FIELDS = {
    **dict.fromkeys((
        "service_type_id", "service_type_hint_id", "classification_method",
        "classification_rule_id", "classification_confidence", "classification_reason",
        "classification_billable", "classification_locked", "billing_hold",
        "billing_hold_reason",
    ), BILLING_USER),
    **dict.fromkeys((
        "agency_rate", "agency_currency_id", "rate_rule_id", "rate_reason", "no_rate_rule",
        "rate_issue", "rate_locked", "job_id", "billed_unit_amount", "billing_rate",
        "billed_amount", "is_billable", "exclude_from_billing", "exclusion_reason",
        "retainer_hours", "retainer_period_id", "over_scope", "over_scope_policy",
        "over_scope_reason", "needs_review", "review_reason", "so_line",
        "agency_credit_note_id", "billing_discount", "source_non_billable",
        # Odoo links invoiced time as superuser; by hand it would hide time from billing.
        "timesheet_invoice_id",
    ), BILLING_MANAGER),
}


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLineGuard(models.Model):
    _inherit = "account.analytic.line"

    @api.model
    def _agency_protected_fields(self):
        """{field name: group xml id} of the protected fields (hook: extend it to protect
        more fields; the importers' path refuses them too)."""
        return PROTECTED_FIELDS

    @api.model
    def _agency_protected_create_vals(self, vals_list):
        """Step of ``create`` (see the model's main file): refuse (:class:`AccessError`)
        protected stored values the current user may not set; set aside the protected
        computed values they gave, to be compared with what the rules compute
        (:meth:`_agency_check_computed_protected`) once the entries exist.

        :return: ``(vals_list, given)``: the values to create the entries with, and per
            entry the computed values set aside (``None`` when the user may set all the
            fields given, as under sudo: the rules' own calls and the importers' path)
        """
        refused = self._agency_protected_refused(set().union(*(vals.keys()
                                                             for vals in vals_list)))
        if not refused:
            return vals_list, None
        vals_list = [dict(vals) for vals in vals_list]
        for vals in vals_list:
            stored = [fname for fname in refused
                      if fname in vals and not self._fields[fname].compute and vals[fname]]
            if stored:
                self._agency_raise_protected(stored)
        computed = [fname for fname in refused if self._fields[fname].compute]
        given = [{fname: vals.pop(fname) for fname in computed if fname in vals}
                 for vals in vals_list]
        return vals_list, given

    def _agency_protected_write_vals(self, vals):
        """Step of ``write`` (see the model's main file): refuse (:class:`AccessError`) a
        change of a protected stored field the current user may not make (a value an
        entry already holds is no change); set aside the protected computed values they
        gave, to be compared with what the rules compute after the write
        (:meth:`_agency_check_computed_protected`).

        :return: ``(vals, computed)``: the values to write and the computed values set
            aside (empty when there is nothing to compare)
        """
        refused = self._agency_protected_refused(vals.keys())
        if not refused:
            return vals, {}
        stored = [fname for fname in refused if not self._fields[fname].compute
                  and any(not line._agency_same_value(fname, vals[fname]) for line in self)]
        if stored:
            self._agency_raise_protected(stored)
        computed = {fname: vals[fname] for fname in refused if self._fields[fname].compute}
        if not computed:
            return vals, {}
        return {fname: value for fname, value in vals.items() if fname not in computed}, \
            computed

    @api.model
    def _agency_protected_refused(self, fnames):
        """{field name: group xml id} of the protected fields among ``fnames`` that the
        current user may not change (none under sudo: the rules' own calls)."""
        if self.env.su:
            return {}
        user = self.env.user
        protected = self._agency_protected_fields()
        return {
            fname: protected[fname]
            for fname in protected.keys() & set(fnames)
            if not user.has_group(protected[fname])
        }

    @api.model
    def _agency_raise_protected(self, fnames):
        protected = self._agency_protected_fields()
        by_group = {}
        for fname in sorted(fnames):
            by_group.setdefault(protected[fname], []).append(
                f"{self._fields[fname].string} ({fname})")
        raise AccessError("\n".join(
            _("Only members of %(group)s may change %(fields)s of time entries.",
              # sudo: only the group's name, for the message.
              group=self.env.ref(group).sudo().full_name, fields=", ".join(labels))
            for group, labels in by_group.items()
        ))

    def _agency_same_value(self, fname, value):
        """Whether ``value`` (as given to write) is what this entry holds for ``fname``."""
        field = self._fields[fname]
        # sudo: compared whether or not the user may read the field (money fields).
        entry = self.sudo()
        new = field.convert_to_record(field.convert_to_cache(value, entry), entry)
        old = entry[fname]
        if field.type in ("float", "monetary"):
            digits = field.get_digits(self.env) if field.type == "float" else None
            return not float_compare(new or 0.0, old or 0.0,
                                     precision_digits=digits[1] if digits else 6)
        if field.type in ("many2one", "many2many", "one2many"):
            return new == old
        return (new or False) == (old or False)

    def _agency_check_computed_protected(self, values):
        """After the rules computed this entry: refuse protected computed values that
        differ from theirs; a sale line that bills at the rules' price is accepted."""
        self.ensure_one()
        wrong = [fname for fname, value in values.items()
                 if fname != "so_line" and not self._agency_same_value(fname, value)]
        if "so_line" in values and not self._agency_same_value("so_line", values["so_line"]):
            # sudo: prices are compared whether or not the user may read the order.
            entry = self.sudo()
            wanted = entry.env["sale.order.line"].browse(values["so_line"] or [])
            expected = entry._agency_rules_sale_line()
            if wanted != expected and not (
                    wanted and expected and wanted.currency_id == expected.currency_id
                    and not wanted.currency_id.compare_amounts(wanted.price_unit,
                                                               expected.price_unit)):
                wrong.append("so_line")
            else:
                # sudo: the chosen line bills this entry at the rules' own price.
                entry.write({"so_line": wanted.id, "is_so_line_edited": True})
        if wrong:
            self._agency_raise_protected(wrong)

    def _agency_rules_sale_line(self):
        """The sale line the rules bill this entry on (whether or not a person chose
        another one): the line of its service at its rate, else Odoo's own choice."""
        self.ensure_one()
        SaleLine = self.env["sale.order.line"]
        if not self.project_id.allow_billable or not self._is_not_billed():
            return self.so_line
        if not self.is_billable:
            return SaleLine
        key = self._agency_route_key()
        if key:
            line_id = self._agency_find_sale_lines({key: self}, create=False).get(key)
            if line_id:
                return SaleLine.browse(line_id)
        return self.with_context(agency_sale_lines={})._timesheet_determine_sale_line() \
            or SaleLine
