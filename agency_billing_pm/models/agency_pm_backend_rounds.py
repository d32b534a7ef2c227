"""Project management accounts: revision rounds from the client's requests for changes.

The syncers read the signals (Asana stories, Monday.com activity logs: ``lib/rounds.py``)
and hand them to :meth:`AgencyPmBackendRounds._agency_pm_round_signals`, which starts a
round of each deliverable linked to the task through ``agency_billing``'s documented path
(``agency.deliverable._agency_start_round``): once per source event, and one round for a
status going back and forth within ``revision_debounce_minutes``. A signal on a task no
deliverable is linked to is logged in the run (not quarantined: nothing is wrong with it).
"""

from odoo import _, fields, models

from odoo.addons.agency_billing.lib.rounds import DEFAULT_DEBOUNCE_MINUTES


# One file per concern of the model (see the model's main file): meant, not mergeable.
# pylint: disable=consider-merging-classes-inherited
class AgencyPmBackendRounds(models.Model):
    _inherit = "agency.pm.backend"

    revision_section = fields.Char(
        default="Revisions",
        help="Asana: a deliverable's task moving back into this section starts a revision "
        "round (besides an approval task whose approval status becomes changes requested).")
    revision_status_label = fields.Char(
        default="Revisions requested",
        help="Monday.com: a deliverable's item whose status column changes to this label "
        "starts a revision round (read from the board's activity log).")
    revision_debounce_minutes = fields.Integer(
        string="Round Debounce (minutes)", default=DEFAULT_DEBOUNCE_MINUTES,
        help="Requests for changes of one deliverable closer together than this are one "
        "round (a status going back and forth). 0: every change is a round.")

    def _agency_pm_round_signals(self, signals, run=None):
        """Start the rounds of these signals (see the module docstring).

        :return: (rounds started, signals already counted, signals on no deliverable)
        """
        self.ensure_one()
        if not signals:
            return (0, 0, 0)
        # sudo: the sync's own path (bindings, deliverables) whoever started the run.
        binder = self.sudo()._agency_binder("task")
        task_ids = binder.to_internal_ids(list({s["task"] for s in signals}),
                                          include_archived=True)
        deliverables = self.env["agency.deliverable"].sudo().search(
            [("task_ids", "in", list(task_ids.values()))]) if task_ids else None
        by_task = {}
        for deliverable in deliverables or ():
            for task in deliverable.task_ids:
                by_task.setdefault(task.id, []).append(deliverable)
        started = repeated = orphan = 0
        unlinked = []
        for signal in sorted(signals, key=lambda s: s["at"]):
            targets = by_task.get(task_ids.get(signal["task"]), [])
            if not targets:
                orphan += 1
                unlinked.append(signal["task"])
                continue
            for deliverable in targets:
                before = deliverable.round_count
                deliverable._agency_start_round(
                    self.provider, external_ref=signal["ref"], requested_by=signal["by"],
                    when=signal["at"], debounce_minutes=self.revision_debounce_minutes,
                    note=signal["why"])
                deliverable.invalidate_recordset(["round_count", "round_ids"])
                if deliverable.round_count > before:
                    started += 1
                else:
                    repeated += 1
        if run and (started or repeated or orphan):
            message = _("Revision rounds: %(started)s started, %(repeated)s signals already "
                        "counted or within the debounce.", started=started, repeated=repeated)
            if orphan:
                message += " " + _("%(count)s requests for changes on tasks linked to no "
                                   "deliverable ignored: %(tasks)s.", count=orphan,
                                   tasks=", ".join(sorted(set(unlinked))))
            run._agency_log(message)
        return (started, repeated, orphan)
