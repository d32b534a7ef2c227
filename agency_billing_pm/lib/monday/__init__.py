"""Monday.com JSON → the normalized dicts of the PM importers, and Monday's webhooks (no
database, no HTTP): ``values`` (timestamps, ids), ``columns`` (what an item's column
values say), ``mappers`` (users, boards, items, time sessions) and ``webhook`` (challenge,
JWT HS256, delivery events)."""
