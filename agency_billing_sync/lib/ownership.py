"""Which side owns a synced field, and what an update does with it (no database).

Every mapped field has an owner:

``source``
    the source system owns it: a change there is written to Odoo, unless the field was
    also changed in Odoo since the last sync — then it becomes a **conflict** for a person
    to decide, and nothing is overwritten;
``odoo``
    Odoo owns it: the source's value is set when the record is created, never after.

``synced`` is what both sides agreed on at the last sync (per field, canonical values);
``current`` is the record in Odoo now; ``new`` is what the source says now.
"""

from dataclasses import dataclass, field

from .payload import canonical, same

OWNERS = ("source", "odoo")


@dataclass
class Plan:
    """What to do with one record: the values to write, the conflicts to record, and the
    agreed values to keep on the binding afterwards."""

    write: dict = field(default_factory=dict)
    conflicts: list = field(default_factory=list)  # [(field, odoo value, source value)]
    synced: dict = field(default_factory=dict)

    @property
    def changed(self):
        """Whether anything is written or disputed."""
        return bool(self.write or self.conflicts)


def plan_create(new):
    """A new record takes every mapped value.

    >>> plan_create({"name": "Acme", "ref": 7}).write
    {'name': 'Acme', 'ref': 7}
    """
    values = canonical(new)
    return Plan(write=dict(new), synced=values)


def plan_update(new, synced, current, owners, default_owner="source"):
    """Decide, field by field, what an update from the source does.

    :param new: the source's mapped values now
    :param synced: the values agreed at the last sync (``{}`` if unknown)
    :param current: the record's values in Odoo now (same keys as ``new``)
    :param owners: ``{field: "source" | "odoo"}``; others get ``default_owner``

    The source changed the name, Odoo did not: written.

    >>> plan_update({"name": "Acme Inc"}, {"name": "Acme"}, {"name": "Acme"}, {}).write
    {'name': 'Acme Inc'}

    Odoo changed it, the source did not: Odoo's edit stays, nothing is written.

    >>> plan_update({"name": "Acme"}, {"name": "Acme"}, {"name": "ACME"}, {}).changed
    False

    Both changed it: a conflict, nothing written.

    >>> p = plan_update({"name": "Acme Inc"}, {"name": "Acme"}, {"name": "ACME"}, {})
    >>> p.write, p.conflicts, p.synced
    ({}, [('name', 'ACME', 'Acme Inc')], {'name': 'Acme'})

    Both made the same change: nothing to write, and it is agreed.

    >>> p = plan_update({"name": "Acme Inc"}, {"name": "Acme"}, {"name": "Acme Inc"}, {})
    >>> p.changed, p.synced
    (False, {'name': 'Acme Inc'})

    A field Odoo owns is never written after creation.

    >>> plan_update({"ref": "B"}, {"ref": "A"}, {"ref": "A"}, {"ref": "odoo"}).write
    {}
    """
    plan = Plan(synced=dict(synced or {}))
    for fname, value in new.items():
        value = canonical(value)
        owner = owners.get(fname, default_owner)
        now = canonical(current.get(fname))
        known = fname in plan.synced
        before = plan.synced.get(fname)
        if owner == "odoo":
            plan.synced[fname] = value
            continue
        if known and same(value, before):
            continue  # the source did not change it: Odoo's value stands, edited or not
        if same(value, now):
            plan.synced[fname] = value  # already equal on both sides
            continue
        if known and not same(now, before):
            plan.conflicts.append((fname, now, value))
            continue
        plan.write[fname] = new[fname]
        plan.synced[fname] = value
    return plan


def resolve(synced, fname, source_value):
    """The agreed values once a person settled a conflict (either way): the source's
    value is acknowledged, so the same value never raises the conflict again.

    >>> resolve({"name": "Acme"}, "name", "Acme Inc")
    {'name': 'Acme Inc'}
    """
    agreed = dict(synced or {})
    agreed[fname] = canonical(source_value)
    return agreed
