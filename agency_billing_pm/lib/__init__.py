"""Asana and Monday.com pure code: the mapping rules both share (``mappers``) and each
provider's values, mappers and webhooks (``asana/``, ``monday/``)."""
