"""The binder: the one place where a source record's external id and the Odoo record it
became meet (OCA connector's binder). Nothing else reads or writes ``agency.sync.binding``
by domain.

A binder serves one backend and one record type (``backend._agency_binder("company")``;
importers have theirs as ``self.binder``). Every look-up takes many ids and costs one
query, whatever their number: importers work in batches of hundreds.

External ids → Odoo:

    to_internal(external_id, unwrap=False)   the binding (or, unwrapped, the Odoo record)
    to_internal_many(external_ids)           {external id: binding}
    to_internal_ids(external_ids)            {external id: Odoo record id} (not archived)
    bound(include_archived=False)            {external id: Odoo record id} of the whole type

Odoo → external ids:

    to_external(record)                      the external id of an Odoo record (or None)
    to_external_many(records)                {Odoo record id: binding}
    SyncBinder.links(records, backend_model) bindings of records on any backend of a vendor

Binding:

    bind(external_id, record, values)        bind an external id to a record (create or
                                             re-point its binding); returns the binding
    bind_many(rows, known)                   many at once: one INSERT for the new ones
    archive(bindings)                        the source record is gone: mark its binding
    bindings(...), count(...), children(...) whole-type reads (write-back, archive guard,
                                             sessions of Monday.com items)
"""

from odoo import fields
from odoo.tools import SQL

# What importers read of a batch's bindings (the rest is fetched when used).
FETCHED = ["external_id", "res_id", "payload_hash", "synced_values", "archived"]


class SyncBinder:
    """Bindings of one backend and one record type (``external_type``) to Odoo records
    (of ``res_model``: what ``to_internal(..., unwrap=True)`` returns for an unbound id).

    ``external_type=None`` reads the bindings of every type of the backend (figures,
    tests); it cannot bind.
    """

    def __init__(self, backend, external_type, res_model=None):
        self.backend = backend
        self.external_type = external_type
        self.res_model = res_model
        self.env = backend.env
        self.Binding = backend.env["agency.sync.binding"]

    def _domain(self, external_ids=None, archived=None):
        domain = self.Binding._agency_backend_domain(self.backend)
        if self.external_type is not None:
            domain.append(("external_type", "=", self.external_type))
        if external_ids is not None:
            domain.append(("external_id", "in", [str(eid) for eid in external_ids]))
        if archived is not None:
            domain.append(("archived", "=", archived))
        return domain

    # ------------------------------------------------------------------
    # External ids → Odoo
    # ------------------------------------------------------------------

    def to_internal(self, external_id, unwrap=False):
        """The binding of one external id (an empty recordset when unbound); with
        ``unwrap``, the bound Odoo record (archived ones included; empty when unbound or
        deleted in Odoo)."""
        binding = self.to_internal_many([external_id]).get(str(external_id), self.Binding)
        if not unwrap:
            return binding
        model = binding.res_model or self.res_model
        if not binding:
            return self.env[model] if model else None
        return self.env[model].with_context(active_test=False).browse(binding.res_id).exists()

    def to_internal_many(self, external_ids):
        """``{external id: binding}`` of these external ids (bound ones only), in one
        query; the bindings come with what importers read of them."""
        if not external_ids:
            return {}
        bindings = self.Binding.search_fetch(self._domain(external_ids), FETCHED)
        return {binding.external_id: binding for binding in bindings}

    def to_internal_ids(self, external_ids, include_archived=False):
        """``{external id: Odoo record id}`` of these external ids (bound ones only), in
        one query; bindings archived at the source are left out unless asked."""
        if not external_ids:
            return {}
        rows = self.Binding.search_read(
            self._domain(external_ids, archived=None if include_archived else False),
            ["external_id", "res_id"])
        return {row["external_id"]: row["res_id"] for row in rows}

    def bound(self, include_archived=False):
        """``{external id: Odoo record id}`` of every record of the type bound on the
        backend (archived at the source: only when asked), in one query."""
        rows = self.Binding.search_read(
            self._domain(archived=None if include_archived else False),
            ["external_id", "res_id"])
        return {row["external_id"]: row["res_id"] for row in rows}

    # ------------------------------------------------------------------
    # Odoo → external ids
    # ------------------------------------------------------------------

    def to_external(self, record):
        """The external id ``record`` is bound to on this backend, or None."""
        binding = self.to_external_many(record).get(record.id)
        return binding.external_id if binding else None

    def to_external_many(self, records, include_archived=True):
        """``{Odoo record id: binding}`` of these records on this backend, in one query."""
        if not records:
            return {}
        domain = self._domain(archived=None if include_archived else False) + [
            ("res_model", "=", records._name), ("res_id", "in", records.ids)]
        return {binding.res_id: binding for binding in self.Binding.search(domain)}

    @staticmethod
    def links(records, backend_model, external_types=None):
        """The bindings of some Odoo records on every backend of one vendor model (links
        shown on partners, orders, time entries), in one query."""
        Binding = records.env["agency.sync.binding"]
        if not records:
            return Binding
        domain = [("res_model", "=", records._name), ("res_id", "in", records.ids),
                  ("backend_model", "=", backend_model)]
        if external_types is not None:
            domain.append(("external_type", "in", list(external_types)))
        return Binding.search(domain)

    # ------------------------------------------------------------------
    # Binding
    # ------------------------------------------------------------------

    def bind(self, external_id, record, values=None, binding=None):
        """Bind ``external_id`` to ``record`` (with more binding ``values``): its binding
        (``binding``, when the caller has it; else it is looked up) is pointed at the
        record, or a binding is created. Returns the binding."""
        known = {str(external_id): binding} if binding else None
        return self.bind_many([(external_id, record, values or {})], known=known)[0]

    def bind_many(self, rows, known=None):
        """Bind many external ids: ``rows`` are ``(external id, Odoo record, values)``;
        ``known`` is the ``{external id: binding}`` the caller looked up already (an id
        it does not hold is unbound; without ``known`` they are looked up, one query).
        Existing bindings are re-pointed, new ones created in one INSERT. Returns the
        bindings, a list in the order of ``rows``."""
        if self.external_type is None:
            raise ValueError("A binder of every record type cannot bind.")
        if known is None:
            known = self.to_internal_many([external_id for external_id, _rec, _v in rows])
        to_create = []
        for external_id, record, values in rows:
            binding = known.get(str(external_id))
            if binding:
                binding.write({**values, "res_id": record.id})
                continue
            to_create.append({
                **values, **self.Binding._agency_backend_values(self.backend),
                "external_type": self.external_type, "external_id": str(external_id),
                "res_model": record._name, "res_id": record.id,
            })
        created = iter(self.Binding._agency_insert(to_create))
        return [known.get(str(external_id)) or next(created)
                for external_id, _record, _values in rows]

    def archive(self, bindings):
        """The source records of these bindings (a recordset or a list) are gone
        (deleted, archived, or left out by the account's policy): their bindings say so,
        and their hash is forgotten so the record is compared again if it comes back."""
        ids = [binding.id for binding in bindings]
        self.Binding.browse(ids).write({
            "archived": True, "sync_date": fields.Datetime.now(), "payload_hash": False})

    # ------------------------------------------------------------------
    # The whole type
    # ------------------------------------------------------------------

    def bindings(self, include_archived=False, fnames=None):
        """Every binding of the type on the backend (archived at the source: only when
        asked), in one query (``fnames``: the fields to fetch with them)."""
        domain = self._domain(archived=None if include_archived else False)
        if fnames:
            return self.Binding.search_fetch(domain, fnames)
        return self.Binding.search(domain)

    def count(self, include_archived=False):
        """How many records of the type are bound on the backend."""
        return self.Binding.search_count(
            self._domain(archived=None if include_archived else False))

    def children(self, parent_ids, separator=":"):
        """The external ids ``<parent>:<child>`` bound (not archived) for these parents,
        as ``(parent id, external id)`` (Monday.com's time sessions of items), in one
        query."""
        if not parent_ids:
            return []
        self.Binding.flush_model()
        self.env.cr.execute(SQL(
            "SELECT external_id FROM agency_sync_binding WHERE backend_model = %s AND "
            "backend_id = %s AND external_type = %s AND NOT COALESCE(archived, false) "
            "AND split_part(external_id, %s, 1) = ANY(%s)",
            self.backend._name, self.backend.id, self.external_type, separator,
            [str(pid) for pid in parent_ids]))
        return [(ref.split(separator)[0], ref) for (ref,) in self.env.cr.fetchall()]
