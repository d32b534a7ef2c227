from collections import Counter

from odoo import api, fields, models

from ..lib import classification

TOTAL = "__total__"
# A hint was set by a person in the source system: as trusted as a task's type.
TRUSTED_METHODS = ("rule", "manual", "hint", "task")


class AgencyClassificationStat(models.Model):
    """What the agency's own classified time taught: per word, how many entries of each
    service type used it (see :mod:`..lib.classification`). Rebuilt by a daily cron and on
    demand; the row with token ``__total__`` counts the training entries of each type."""

    _name = "agency.classification.stat"
    _description = "Learned Classification Statistic"
    _log_access = False
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, index=True, ondelete="cascade")
    token = fields.Char(required=True)
    service_type_id = fields.Many2one(
        "agency.service.type", required=True, ondelete="cascade", check_company=True
    )
    count = fields.Integer(required=True)

    _sql_constraints = [
        ("uniq", "unique(company_id, token, service_type_id)", "One statistic per word and type."),
    ]

    def init(self):
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS agency_classification_stat_lookup "
            "ON agency_classification_stat (company_id, token)"
        )

    @api.model
    def _learn(self, companies=None):
        """Rebuild the statistics of each company from its trusted, classified time."""
        companies = companies or self.env["res.company"].search([])
        self.env["account.analytic.line"].flush_model()
        self.env["project.task"].flush_model(["name"])
        for company in companies:
            counts = Counter()
            self.env.cr.execute(
                """
                SELECT aal.name, task.name, aal.source, aal.external_activity_type,
                       aal.service_type_id
                  FROM account_analytic_line aal
             LEFT JOIN project_task task ON task.id = aal.task_id
                 WHERE aal.company_id = %s AND aal.project_id IS NOT NULL
                   AND aal.service_type_id IS NOT NULL
                   AND aal.classification_method IN %s
                """,
                (company.id, TRUSTED_METHODS),
            )
            for name, task_name, source, activity, stype in self.env.cr.fetchall():
                task_name = task_name.get("en_US") if isinstance(task_name, dict) else task_name
                counts[(TOTAL, stype)] += 1
                for token in classification.features(name, task_name, source, activity):
                    counts[(token, stype)] += 1
            self.env.cr.execute(
                "DELETE FROM agency_classification_stat WHERE company_id = %s", (company.id,)
            )
            rows = [(company.id, token, stype, n) for (token, stype), n in counts.items()]
            for start in range(0, len(rows), 1000):
                chunk = rows[start:start + 1000]
                self.env.cr.execute(
                    "INSERT INTO agency_classification_stat "
                    "(company_id, token, service_type_id, count) VALUES "
                    + ",".join(["(%s, %s, %s, %s)"] * len(chunk)),
                    [value for row in chunk for value in row],
                )
        self.invalidate_model()
        return True

    @api.model
    def _cron_learn(self):
        self._learn()

    @api.model
    def _statistics(self, company, tokens):
        """(token_counts, class_totals) for the given tokens, in one query."""
        token_counts, totals = {}, {}
        if not tokens:
            return token_counts, totals
        self.env.cr.execute(
            """
            SELECT token, service_type_id, count FROM agency_classification_stat
             WHERE company_id = %s AND token = ANY(%s)
            """,
            (company.id, [TOTAL, *tokens]),
        )
        for token, stype, count in self.env.cr.fetchall():
            if token == TOTAL:
                totals[stype] = count
            else:
                token_counts[(token, stype)] = count
        return token_counts, totals
