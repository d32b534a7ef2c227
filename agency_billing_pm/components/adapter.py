"""What the Asana and Monday.com adapters share on top of the sync base's adapters."""


class DailyCallBudget:
    """Mixed in before the sync base's adapter class: every request (retries included)
    first spends one call of the account's daily budget (``daily_call_budget``; Monday's
    plans cap the calls of a day), which raises when it is used up (not retried: the
    next sync on another day continues)."""

    def _spend_request(self):
        self.backend._agency_pm_spend_calls()
        return super()._spend_request()
