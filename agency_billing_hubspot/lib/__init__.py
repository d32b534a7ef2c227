"""HubSpot pure code: property values, mappers, incremental search, webhook signatures."""
