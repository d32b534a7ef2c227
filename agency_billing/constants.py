"""Constants that several model files of Agency Billing share (plain Python, not a model).

Model files reach each other through ``self.env``, never by importing each other; what
more than one of them needs to name — a selection's values, the fields one concern of
time entries hands to another — lives here, beside ``lib/`` (pure logic) and
``access.py`` (groups and the access checks). A constant one file alone uses stays in
that file.
"""

# ---------------------------------------------------------------------------
# Time entries and classification rules
# ---------------------------------------------------------------------------

# Where a time entry was recorded (``account.analytic.line.source``) and the source a
# classification rule matches (``agency.classification.rule.source``). The core knows no
# vendor: each sync addon adds its own sources to both fields (``selection_add``).
SOURCES = [
    ("manual", "Timesheet"),
    ("import", "Import"),
]

# Fields a person (or an integration) may set by hand on a time entry; each such change is
# an override that re-rating keeps, logged with who and why (kind of override per field).
OVERRIDE_FIELDS = {
    "service_type_id": "classification",
    "agency_rate": "rate",
    "exclude_from_billing": "exclusion",
}
# Stored outputs of the time entries' classification compute.
CLASSIFICATION_FIELDS = (
    "service_type_id",
    "classification_method",
    "classification_rule_id",
    "classification_confidence",
    "classification_reason",
    "classification_billable",
)
# Stored outputs of the time entries' rating compute.
RATING_FIELDS = (
    "agency_currency_id",
    "rate_rule_id",
    "agency_rate",
    "rate_reason",
    "no_rate_rule",
    "rate_issue",
)

# ---------------------------------------------------------------------------
# Billing preferences: of each client (res.partner) and their company defaults
# (res.company); invoices keep the detail level they print with (account.move).
# ---------------------------------------------------------------------------

BILLING_CYCLES = [
    ("weekly", "Weekly"),
    ("biweekly", "Every two weeks"),
    ("monthly", "Monthly"),
    ("milestone", "On milestones only"),
    ("manual", "Manual"),
]
WEEKDAYS = [
    ("0", "Monday"), ("1", "Tuesday"), ("2", "Wednesday"), ("3", "Thursday"),
    ("4", "Friday"), ("5", "Saturday"), ("6", "Sunday"),
]
DETAIL_LEVELS = [
    ("summary", "Summary"),
    ("service_type", "By service type"),
    ("role", "By role"),
    ("task", "By task"),
    ("annex", "Full time-entry annex"),
]
INVOICE_GROUPING = [
    ("project", "One invoice per project (contract)"),
    ("client", "One invoice per client"),
]
