"""Asana: the adapter (the only code that talks to Asana) and the syncer (a run's steps)."""
