"""Scope budget lines: the over-scope policy for time recorded after a line is used up."""

from collections import defaultdict

from odoo import _, models

from ..lib import scope


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AgencyScopeLineOverScope(models.Model):
    _inherit = "agency.scope.line"

    # Over-scope policy for time recorded after a line is used up
    # ------------------------------------------------------------------

    def _agency_line_for(self, entry, by_key):
        """The line an entry burns, among ``by_key`` {(project, type, milestone): line}."""
        project, stype = entry.project_id.id, entry.service_type_id.id
        milestone = entry.task_id.milestone_id.id
        return (milestone and by_key.get((project, stype, milestone))) \
            or by_key.get((project, stype, False))

    def _agency_apply_over_scope(self, entries):
        """Decide which of the newly recorded ``entries`` are over scope and apply each
        client's policy to them. The lines' burn must be fresh (it includes the entries).

        :return: True when some entries were found over scope (the burn changed)
        """
        by_key = {(line.project_id.id, line.service_type_id.id, line.milestone_id.id or False):
                  line for line in self}
        todo = defaultdict(list)
        # sudo: the over-scope policy applies to time whoever recorded it (the rules' own
        # write).
        for entry in entries.sudo():
            if (entry.project_id and entry.service_type_id and entry.is_billable
                    and not entry.over_scope_policy and entry._is_not_billed()):
                line = self._agency_line_for(entry, by_key)
                if line and scope.has_budget(line.budget_hours, line.budget_amount):
                    todo[line].append(entry)
        marked = False
        for line, new_entries in todo.items():
            ordered = sorted(new_entries, key=lambda e: (e.date, e.id))
            before = (line.burn_hours - sum(e.billed_unit_amount for e in ordered),
                      line.burn_amount - sum(e.billed_amount for e in ordered))
            first = scope.first_over_scope(
                before, (line.budget_hours, line.budget_amount),
                [(e.billed_unit_amount, e.billed_amount) for e in ordered],
            )
            if first is None:
                continue
            over = self.env["account.analytic.line"].browse([e.id for e in ordered[first:]])
            policy = line._agency_over_scope_policy()
            line._agency_mark_over_scope(over, policy)
            marked = True
        return marked

    def _agency_over_scope_policy(self):
        """billed / held / absorbed: the client's policy, else the company's."""
        self.ensure_one()
        client = self.project_id._agency_scope_client()
        if client.agency_over_scope_policy and client.agency_over_scope_policy != "company":
            return client.agency_over_scope_policy
        return self.company_id.agency_over_scope_policy or "billed"

    def _agency_mark_over_scope(self, entries, policy):
        """Flag entries recorded over scope and apply the policy, with a readable reason
        on each entry and one note in the project's chatter."""
        self.ensure_one()
        outcome = {
            "billed": _("billed at rate"),
            "held": _("held until the client approves a change request"),
            "absorbed": _("absorbed (not billed)"),
        }[policy]
        reason = _(
            "Over scope: the %(line)s budget (%(budget)s) was used up before this entry "
            "(%(burn)s burned); %(outcome)s per the client's over-scope policy.",
            line=self.service_type_id.name, budget=self._agency_budget_text(),
            burn=self._agency_burn_text(), outcome=outcome,
        )
        values = {"over_scope": True, "over_scope_policy": policy, "over_scope_reason": reason}
        if policy == "held":
            values.update(billing_hold=True, billing_hold_reason=reason)
        entries.with_context(agency_scope_skip=True).write(values)
        hours = sum(entries.mapped("unit_amount"))
        # sudo: the rules' note about time recorded over scope.
        self.project_id.sudo()._message_log(body=_(
            "%(count)s time entries (%(hours)s h) recorded after the %(line)s budget was "
            "used up: %(outcome)s.",
            count=len(entries), hours=format(hours, ".2f"), line=self.display_name, outcome=outcome,
        ))

    # ------------------------------------------------------------------
