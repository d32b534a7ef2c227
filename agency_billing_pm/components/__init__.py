"""Asana and Monday.com sync, on the sync base's components: what both providers share
(``adapter``: the daily call budget; ``importer``: tasks and tracked time; ``syncer``: the
syncer contract and registry) and each provider's adapter and syncer (``asana/``,
``monday/``)."""
