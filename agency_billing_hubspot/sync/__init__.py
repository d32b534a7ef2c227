"""HubSpot sync: the adapter (the only code that talks to HubSpot), importers, the run."""
