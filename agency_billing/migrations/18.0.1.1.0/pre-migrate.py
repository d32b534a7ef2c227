"""One addon per wing: the sync base and the analytics leave ``agency_billing``.

A database made with ``agency_billing`` 18.0.1.0.0 holds the sync models (bindings, runs,
quarantine, conflicts, webhook events, field ownership) and the analytics (reports, KPI
snapshots, cash forecast, rate suggestions, the dashboard) under the core's name. Before the
core's new code loads, this script:

1. marks ``agency_billing_sync`` and ``agency_billing_analytics`` to be installed in the
   same upgrade, so their models find their tables and rows where they are, and the
   installed addons that now depend on them (HubSpot, PM) to be upgraded with them;
2. moves the external ids of everything the two addons now own — their models, fields,
   selection values, constraints and inheritances, and the records of their data files
   (views, actions, menus, crons, access rules, record rules, the dashboard) — from
   ``agency_billing`` to the addon that owns them, so the upgrade updates those records in
   place instead of deleting them with the core's stale data and creating them anew.

Nothing is deleted and no row of a business table is touched.
"""

import csv
import logging
import os

from lxml import etree

from odoo.modules.module import get_manifest, get_module_path

_logger = logging.getLogger(__name__)

CORE = "agency_billing"
# The models each new addon took from the core, and the fields it adds to core models.
MOVED_MODELS = {
    "agency_billing_sync": (
        "agency.sync.backend.mixin", "agency.sync.binding", "agency.sync.conflict",
        "agency.sync.event", "agency.sync.log", "agency.sync.ownership", "agency.sync.run",
    ),
    "agency_billing_analytics": (
        "agency.analytics.buttons", "agency.analytics.demo", "agency.cash.forecast",
        "agency.kpi.snapshot", "agency.rate.suggestion", "agency.report.estimate",
        "agency.report.invoice", "agency.report.mixin", "agency.report.profitability",
        "agency.report.recovery", "agency.report.utilization", "agency.report.work.mixin",
    ),
}
ADDED_FIELDS = {
    "agency_billing_sync": (),
    "agency_billing_analytics": (
        "agency_analytics_currency_id", "agency_days_to_pay", "agency_margin",
        "agency_margin_percent", "agency_open_wip", "agency_target_margin",
    ),
}


def _data_ids(addon):
    """The bare external ids that ``addon``'s data and demo files define."""
    path = get_module_path(addon)
    manifest = get_manifest(addon)
    ids = set()
    for rel in manifest.get("data", []) + manifest.get("demo", []):
        full = os.path.join(path, rel)
        if rel.endswith(".csv"):
            with open(full, newline="") as handle:
                ids.update(row["id"] for row in csv.DictReader(handle))
        elif rel.endswith(".xml"):
            tree = etree.parse(full)
            ids.update(node.get("id") for node in tree.iter("record", "menuitem", "template")
                       if node.get("id"))
    bare = {xid.split(".", 1)[1] if xid.startswith(f"{addon}.") else xid for xid in ids}
    # a cron's server action carries its own external id
    return {xid for xid in bare if "." not in xid} | {f"{xid}_ir_actions_server" for xid in bare}


def _move(cr, addon, names):
    """Give ``addon`` the core's external ids named ``names``."""
    if not names:
        return 0
    cr.execute("""
        UPDATE ir_model_data SET module = %s
         WHERE module = %s AND name = ANY(%s)
           AND NOT EXISTS (SELECT 1 FROM ir_model_data o WHERE o.module = %s
                              AND o.name = ir_model_data.name)
    """, (addon, CORE, list(names), addon))
    return cr.rowcount


def _reflection_names(cr, addon):
    """External ids of the models, fields, selection values, constraints and inheritances
    that belong to ``addon``'s models (and of the fields it adds to core models)."""
    models, added = list(MOVED_MODELS[addon]), list(ADDED_FIELDS[addon])
    # a field of a moved model, one the addon adds to a core model, or one that a vendor
    # model inherits from a moved mixin (the backend mixin's fields on the HubSpot account)
    owned_field = """
        f.model = ANY(%(models)s) OR f.name = ANY(%(added)s) OR EXISTS (
            SELECT 1 FROM ir_model_inherit i
              JOIN ir_model c ON c.id = i.model_id JOIN ir_model p ON p.id = i.parent_id
              JOIN ir_model_fields pf ON pf.model_id = p.id AND pf.name = f.name
             WHERE c.model = f.model AND p.model = ANY(%(models)s))"""
    queries = [
        ("ir.model", "SELECT id FROM ir_model WHERE model = ANY(%(models)s)"),
        ("ir.model.fields", f"SELECT f.id FROM ir_model_fields f WHERE {owned_field}"),
        ("ir.model.fields.selection", f"""
            SELECT s.id FROM ir_model_fields_selection s
              JOIN ir_model_fields f ON f.id = s.field_id
             WHERE {owned_field}"""),
        ("ir.model.constraint", """
            SELECT c.id FROM ir_model_constraint c JOIN ir_model m ON m.id = c.model
             WHERE m.model = ANY(%(models)s)"""),
        ("ir.model.inherit", """
            SELECT i.id FROM ir_model_inherit i
              JOIN ir_model m ON m.id = i.model_id JOIN ir_model p ON p.id = i.parent_id
             WHERE m.model = ANY(%(models)s) OR p.model = ANY(%(models)s)"""),
    ]
    names = set()
    for model, query in queries:
        cr.execute(f"""SELECT name FROM ir_model_data
                        WHERE module = %(core)s AND model = %(model)s
                          AND res_id IN ({query})""",
                   {"core": CORE, "model": model, "models": models, "added": added})
        names.update(row[0] for row in cr.fetchall())
    return names


def _own_schema(cr, addon):
    """SQL constraints and many2many tables of the moved models are the new addon's."""
    cr.execute("SELECT id FROM ir_module_module WHERE name = %s", (addon,))
    (module_id,) = cr.fetchone()
    cr.execute("SELECT id FROM ir_module_module WHERE name = %s", (CORE,))
    (core_id,) = cr.fetchone()
    models = list(MOVED_MODELS[addon])
    for table in ("ir_model_constraint", "ir_model_relation"):
        cr.execute(f"""UPDATE {table} t SET module = %s FROM ir_model m
                        WHERE m.id = t.model AND t.module = %s AND m.model = ANY(%s)""",
                   (module_id, core_id, models))


def _install_with_dependents(cr, addon):
    """Install ``addon`` in this upgrade, and upgrade the installed addons that now depend
    on it (the HubSpot and PM addons depend on the sync base, no longer on the core, so
    ``-u agency_billing`` would not reach them otherwise)."""
    cr.execute("""UPDATE ir_module_module SET state = 'to install'
                   WHERE name = %s AND state = 'uninstalled'""", (addon,))
    cr.execute("""UPDATE ir_module_module m SET state = 'to upgrade'
                    FROM ir_module_module_dependency d
                   WHERE d.module_id = m.id AND d.name = %s AND m.state = 'installed'""",
               (addon,))


def migrate(cr, version):
    if not version:
        return
    for addon in MOVED_MODELS:
        _install_with_dependents(cr, addon)
        moved = _move(cr, addon, _reflection_names(cr, addon) | _data_ids(addon))
        _own_schema(cr, addon)
        _logger.info("agency_billing %s: %s external ids now belong to %s",
                     version, moved, addon)
