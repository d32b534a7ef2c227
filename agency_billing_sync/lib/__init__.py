"""The sync base's plain Python: back-off and request budgets, errors, field ownership,
payload canonical forms and redaction, webhook signatures. No database."""
