"""Billable utilization with its two named denominators: recorded hours and capacity
(README, "Analytics > Utilization")."""

from odoo import fields, models
from odoo.tools import SQL

from .agency_report_mixin import BILLABLE_WORK, is_agency_person, is_agency_work

# An employee's working intervals of a day (the attendances of their calendar, in the
# calendar's time zone, two-week calendars by Odoo's week parity) minus the calendar
# leaves that overlap them: the resource's own, and the global ones of its calendar.
CAPACITY = """
    SELECT emp.id AS employee_id, emp.company_id, emp.job_id, d.day::date AS date,
           SUM(GREATEST(0.0, (att.hour_to - att.hour_from) - LEAST(
               att.hour_to - att.hour_from,
               COALESCE((SELECT SUM(EXTRACT(EPOCH FROM
                            LEAST(lv.date_to AT TIME ZONE 'UTC', w.stop)
                            - GREATEST(lv.date_from AT TIME ZONE 'UTC', w.start)) / 3600.0)
                           FROM resource_calendar_leaves lv
                          WHERE lv.date_from AT TIME ZONE 'UTC' < w.stop
                            AND lv.date_to AT TIME ZONE 'UTC' > w.start
                            AND (lv.resource_id = emp.resource_id
                                 OR (lv.resource_id IS NULL
                                     AND (lv.calendar_id IS NULL OR lv.calendar_id = cal.id)
                                     AND (lv.company_id IS NULL
                                          OR lv.company_id = emp.company_id)))), 0.0))
           )) AS capacity
      FROM hr_employee emp
      JOIN resource_resource res ON res.id = emp.resource_id
      JOIN resource_calendar cal ON cal.id = COALESCE(emp.resource_calendar_id, res.calendar_id)
      JOIN LATERAL (
            SELECT (SELECT MIN(x.date) FROM account_analytic_line x
                     WHERE x.employee_id = emp.id AND x.project_id IS NOT NULL) AS first_day,
                   (SELECT MAX(x.date) FROM account_analytic_line x
                     WHERE x.employee_id = emp.id AND x.project_id IS NOT NULL) AS last_day
           ) span ON span.first_day IS NOT NULL
      JOIN LATERAL generate_series(span.first_day, GREATEST(span.last_day, CURRENT_DATE),
                                   INTERVAL '1 day') d(day) ON TRUE
      JOIN resource_calendar_attendance att
        ON att.calendar_id = cal.id AND att.display_type IS NULL
       AND COALESCE(att.day_period, '') != 'lunch' AND att.resource_id IS NULL
       AND att.dayofweek = (EXTRACT(ISODOW FROM d.day)::int - 1)::text
       AND (att.date_from IS NULL OR att.date_from <= d.day::date)
       AND (att.date_to IS NULL OR att.date_to >= d.day::date)
       AND (NOT COALESCE(cal.two_weeks_calendar, FALSE) OR att.week_type =
            mod((d.day::date - DATE '0001-01-01') / 7, 2)::text)
      CROSS JOIN LATERAL (
            SELECT (d.day + att.hour_from * INTERVAL '1 hour')
                       AT TIME ZONE COALESCE(res.tz, cal.tz, 'UTC') AS start,
                   (d.day + att.hour_to * INTERVAL '1 hour')
                       AT TIME ZONE COALESCE(res.tz, cal.tz, 'UTC') AS stop) w
     GROUP BY emp.id, emp.company_id, emp.job_id, d.day
"""


class AgencyReportUtilization(models.Model):
    """One row per time entry (recorded and billable hours) and per employee and working
    day (capacity: the working calendar's hours minus calendar leaves). Utilization of
    recorded = billable ÷ recorded hours; of capacity = billable ÷ capacity hours."""

    _name = "agency.report.utilization"
    _inherit = "agency.report.work.mixin"
    _description = "Agency Billing: utilization"
    _auto = False
    _order = "date desc, id"
    _agency_ratios = {
        "utilization_recorded": ("billable_hours", "recorded_hours", 100),
        "utilization_capacity": ("billable_hours", "capacity_hours", 100),
    }

    recorded_hours = fields.Float(readonly=True)
    billable_hours = fields.Float(readonly=True)
    capacity_hours = fields.Float(readonly=True,
                                  help="Working-calendar hours minus calendar leaves.")
    utilization_recorded = fields.Float(string="Billable % of Recorded", readonly=True,
                                        aggregator="avg")
    utilization_capacity = fields.Float(string="Billable % of Capacity", readonly=True,
                                        aggregator="avg")

    def init(self):
        # Each employee's first and last time entry bound its capacity days: an index
        # answers both without reading the history.
        self.env.cr.execute(SQL("""
            CREATE INDEX IF NOT EXISTS account_analytic_line_agency_employee_date_idx
                ON account_analytic_line (employee_id, date) WHERE project_id IS NOT NULL"""))
        return super().init()

    def _agency_query(self):
        return f"""
        SELECT e.id * 2 AS id, e.date, e.company_id, e.employee_id, e.job_id,
               pp.commercial_partner_id AS partner_id, e.project_id, e.service_type_id,
               e.unit_amount AS recorded_hours,
               CASE WHEN {BILLABLE_WORK} THEN e.unit_amount ELSE 0.0 END AS billable_hours,
               0.0 AS capacity_hours,
               CASE WHEN e.unit_amount != 0 AND {BILLABLE_WORK} THEN 100.0 ELSE 0.0 END
                   AS utilization_recorded,
               NULL::float AS utilization_capacity
          FROM account_analytic_line e
          JOIN project_project p ON p.id = e.project_id
     LEFT JOIN res_partner pp ON pp.id = p.partner_id
         WHERE e.employee_id IS NOT NULL AND {is_agency_person("e.employee_id")}
           AND {is_agency_work()}
        UNION ALL
        SELECT -((c.employee_id::bigint * 100000) + (c.date - DATE '2000-01-01')) AS id,
               c.date, c.company_id, c.employee_id, c.job_id, NULL, NULL, NULL,
               0.0, 0.0, c.capacity, NULL, 0.0
          FROM ({CAPACITY}) c
         WHERE {is_agency_person("c.employee_id")}
        """
