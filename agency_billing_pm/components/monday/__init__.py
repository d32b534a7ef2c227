"""Monday.com: the adapter (the only code that talks to Monday) and the syncer (a run's
steps)."""
