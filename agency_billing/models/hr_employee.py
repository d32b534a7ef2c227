"""Employees who left: their past time is still imported (the importers' path)."""

from odoo import api, fields, models
from odoo.osv import expression


class HrEmployee(models.Model):
    _inherit = "hr.employee"

    @api.model
    def _search(self, domain, *args, **kwargs):
        # The importers' path creates the history of people who left: Odoo's timesheet
        # create looks employees up among active ones only, so during that create the
        # departed employees it named (checked against their departure) are found too.
        departed = self.env.context.get("agency_import_departed_ids")
        if departed and self.env.context.get("active_test", True):
            domain = expression.AND([list(domain or []), [
                "|", ("active", "=", True), ("id", "in", list(departed))]])
            return super(HrEmployee, self.with_context(active_test=False))._search(
                domain, *args, **kwargs)
        return super()._search(domain, *args, **kwargs)

    def _agency_left_before(self, day):
        """Whether this employee had left before ``day`` (a date or its string): archived
        with a departure date earlier than it. An archived employee without a departure
        date left after all of their time."""
        self.ensure_one()
        if self.active or not day:
            return False
        # sudo: the departure date is HR's field; only compared here.
        departure = self.sudo().departure_date
        return bool(departure and fields.Date.to_date(day) > departure)

    def _agency_departure_message(self):
        """Why time after the departure is not imported ("left on <date>")."""
        self.ensure_one()
        return self.env._("%(name)s left on %(date)s: time dated later is not theirs to "
                          "bill. Give it to the person who did the work at the source, "
                          "then Retry.", name=self.sudo().name,
                          date=fields.Date.to_string(self.sudo().departure_date))
