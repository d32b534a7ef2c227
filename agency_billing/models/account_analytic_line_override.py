"""Time entries: classification, rate and exclusion set by hand (overrides), with who and why."""

from odoo import _, api, models
from odoo.exceptions import UserError, ValidationError

from ..access import BILLING_USER, check_action
from ..constants import OVERRIDE_FIELDS


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AccountAnalyticLineOverride(models.Model):
    _inherit = "account.analytic.line"

    def _agency_override_vals(self, vals):
        """Step of ``write`` (see the model's main file): values set by hand become locked
        overrides (:meth:`_agency_override_locks`); refused (:class:`UserError`) on
        invoiced entries.

        :return: ``(vals, before)``: the values to write, and per entry id the values the
            fields set by hand had (empty when nothing is set by hand)
        """
        changed = OVERRIDE_FIELDS.keys() & vals.keys()
        if not changed:
            return vals, {}
        billed = self.filtered(lambda line: not line._is_not_billed())
        if billed:
            raise UserError(_(
                "These time entries are already invoiced; their rate, classification and "
                "billability cannot change: %s", ", ".join(billed.mapped("display_name"))
            ))
        before = {line.id: {fname: line[fname] for fname in changed} for line in self}
        vals = dict(vals)
        self._agency_override_locks(vals)
        return vals, before

    def _agency_override_locks(self, vals):
        """Turn values set by hand into locked overrides, in place."""
        reason = self.env.context.get("agency_override_reason")
        who = self.env.user.name
        if "service_type_id" in vals:
            vals.setdefault("classification_locked", True)
            vals.setdefault("classification_method", "manual")
            vals.setdefault("classification_rule_id", False)
            vals.setdefault("classification_confidence", 1.0)
            vals.setdefault("classification_reason", _(
                "Set by hand by %(who)s: %(why)s", who=who, why=reason or _("no reason given")
            ))
        if "agency_rate" in vals:
            vals.setdefault("rate_locked", True)
            vals.setdefault("rate_rule_id", False)
            vals.setdefault("no_rate_rule", False)
            vals.setdefault("rate_issue", False)
            vals.setdefault("rate_reason", _(
                "Set by hand by %(who)s: %(why)s", who=who, why=reason or _("no reason given")
            ))
        if vals.get("exclude_from_billing") and not vals.get("exclusion_reason"):
            vals["exclusion_reason"] = reason or False

    def _agency_log_overrides(self, before):
        """Record each override of this entry and say it in the project's chatter."""
        self.ensure_one()
        reason = self.env.context.get("agency_override_reason") or (
            self.exclusion_reason if "exclude_from_billing" in before else False
        )
        logs = []
        for fname, old in before.items():
            new = self[fname]
            logs.append({
                "line_id": self.id,
                "kind": OVERRIDE_FIELDS[fname],
                "old_value": self._agency_display_value(fname, old),
                "new_value": self._agency_display_value(fname, new),
                "reason": reason or _("no reason given"),
            })
        # sudo: the override log is written here only (read-only to people); the override itself
        # was checked (protected fields).
        overrides = self.env["agency.time.override"].sudo().create(logs)
        if self.project_id:
            entry = f"{self.date} {self.employee_id.name or ''} «{self.name or ''}»"
            body = _(
                "Time entry %(entry)s: %(changes)s — by %(who)s. Reason: %(why)s",
                entry=entry,
                changes="; ".join(o.summary for o in overrides),
                who=self.env.user.name,
                why=reason or _("no reason given"),
            )
            # sudo: the override's note in the project's chatter, whoever made it.
            self.project_id.sudo().message_post(body=body, message_type="comment",
                                                subtype_xmlid="mail.mt_note")

    def _agency_display_value(self, fname, value):
        if value is None:
            return _("(computed)")
        field = self._fields[fname]
        if field.type == "many2one":
            return value.display_name if value else _("none")
        if field.type == "boolean":
            return _("excluded") if value else _("billable")
        if field.type == "monetary":
            return f"{value or 0.0:.2f}"
        return str(value)

    @api.constrains("exclude_from_billing", "exclusion_reason")
    def _check_exclusion_reason(self):
        for line in self:
            if line.exclude_from_billing and not (line.exclusion_reason or "").strip():
                raise ValidationError(_("Say why the time entry is excluded from billing."))

    def action_agency_unlock(self):
        """Drop the overrides of these open entries and let the rules decide again
        (a rate set by hand only by an Agency Billing administrator: see the protected
        fields)."""
        check_action(self, "write", BILLING_USER)
        lines = self.filtered(lambda line: line._is_not_billed())
        lines.filtered("classification_locked").write({"classification_locked": False})
        lines.filtered("rate_locked").write({"rate_locked": False})
        for line in lines:
            if line.project_id:
                entry = f"{line.date} «{line.name or ''}»"
                # sudo: the note of an unlock checked by action_agency_unlock.
                line.project_id.sudo().message_post(
                    body=_("Time entry %(entry)s: overrides removed by %(who)s; rules apply.",
                           entry=entry, who=self.env.user.name),
                    subtype_xmlid="mail.mt_note",
                )
        lines._agency_rerate()
        return True

