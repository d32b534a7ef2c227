"""HubSpot sync, on the sync base's components: the adapter (the only code that talks to
HubSpot), the importers (one per record type) and the syncer (the steps of a run)."""
