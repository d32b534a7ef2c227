"""Access in Agency Billing (plain Python, not a model): who reads what, and the check
every public action starts with.

**Who reads what.** The groups of the money and internal-reason fields. The access
matrix of the README says it per role; these are its building blocks, given as ``groups``
on each field's one definition (in the model file of its concern, where a reader of the
field sees it) and kept in step with the ACLs of ``security/ir.model.access.csv``: a
field linking to a billing model carries the groups that may read that model, so reading
a record never fails on a link it cannot follow.
Odoo checks field groups on every read, search, group-by and write that does not run as
superuser, and removes the fields from the views of users outside them; stored computes
run as superuser, so recording time never needs them.

**Actions.** An action (a button, or a public method an integrator calls over RPC) first
checks that the current user may act on the records (``check_access``: ACLs and record
rules) and belongs to the group the action needs (:func:`check_action`); only then may it
use ``sudo()`` for the rules' own work (reading contracts, posting notes, writing computed
results).
"""

from odoo.exceptions import AccessError
from odoo.tools import float_compare

# Rates, billed time and amounts, holds, exclusions, classification and rating reasons,
# rule links, review reasons, anomaly flags, send errors, retainer figures: the Agency
# Billing groups (its administrators imply its users) and Odoo's invoicing users and
# auditors (read-only accounting), who review and post the invoices.
BILLING_READERS = (
    "agency_billing.group_agency_billing_user,"
    "account.group_account_invoice,"
    "account.group_account_readonly"
)
# Contract terms a salesperson writes on the sale order (retainer hours, rollover) are
# read by sales too; sale orders copy them.
CONTRACT_READERS = "sales_team.group_sale_salesman," + BILLING_READERS
# Links to sale orders (change requests): whoever may read sale orders among staff.
SALE_ORDER_READERS = (
    "sales_team.group_sale_salesman,"
    "account.group_account_invoice,"
    "account.group_account_readonly"
)
# Client terms and preferences: internal users, never portal users.
INTERNAL_USERS = "base.group_user"

BILLING_USER = "agency_billing.group_agency_billing_user"
BILLING_MANAGER = "agency_billing.group_agency_billing_manager"
INVOICING = "account.group_account_invoice"


def check_action(records, operation, group=None):
    """Raise :class:`AccessError` unless the current user may ``operation`` ("read",
    "write"...) ``records`` and, when given, belongs to ``group`` (an XML id); the
    message names the group. Superuser calls (crons, the rules) pass."""
    env = records.env
    if env.su:
        return
    if group and not env.user.has_group(group):
        raise AccessError(env._(
            "Only members of %(group)s may do this on %(model)s.",
            group=env.ref(group).sudo().full_name,  # sudo: the group's name only
            model=records._description,
        ))
    records.check_access(operation)


# ---------------------------------------------------------------------------
# Guarded fields: who may change them (create and write)
# ---------------------------------------------------------------------------
#
# A model's guarded fields map each field name to the group that may change it, or to
# ``None`` for the fields only Agency Billing's own paths set (billing runs, the review
# queue, sending: internal calls under ``sudo()``). The model calls
# :func:`check_create` and :func:`check_write` at the start of ``create`` and ``write``
# (from its ``*_guard.py`` file).
# A value is a change only if it differs from what the record holds (on create: from
# the field's default, ignoring ``default_*`` keys of the context, which a caller
# chooses): a form sending back an unchanged value passes. Superuser calls pass.

_X2MANY_KEEPING = (3, 4, 5, 6)  # unlink, link, clear, set: no record is created or edited


def _x2many_ids(value, current):
    """The ids an x2many holds after ``value`` (commands, ids or records) is written on
    ``current`` (ids); ``None`` when it creates, updates or deletes records."""
    if not value:
        return frozenset()
    if hasattr(value, "_name"):
        return frozenset(value.ids)
    ids = set(current)
    for command in value:
        if isinstance(command, (list, tuple)):
            if command[0] not in _X2MANY_KEEPING:
                return None
            if command[0] == 3:
                ids.discard(command[1])
            elif command[0] == 4:
                ids.add(command[1])
            elif command[0] == 5:
                ids.clear()
            else:
                ids = set(command[2] or ())
        elif isinstance(command, int):
            ids.add(command)
        else:
            return None
    return frozenset(ids)


def _normalized(field, value, record):
    """``value`` (as given to create or write, or as read) in a comparable form."""
    if field.type in ("one2many", "many2many"):
        return value
    if field.type == "many2one":
        if hasattr(value, "_name"):
            return value.id or False
        if isinstance(value, (list, tuple)):
            value = value[0] if value else False
        return value or False
    if value is None or value is False:
        return False
    value = field.convert_to_cache(value, record, validate=False)
    return value if value or field.type in ("float", "integer", "monetary") else False


def _same_value(field, value, current, record):
    """Whether ``value`` (given) is ``current`` (held) for ``field`` of ``record``."""
    if field.type in ("one2many", "many2many"):
        held = frozenset(current.ids) if hasattr(current, "_name") else \
            _x2many_ids(current, ())
        return _x2many_ids(value, held) == held
    new, old = _normalized(field, value, record), _normalized(field, current, record)
    if field.type in ("float", "monetary"):
        digits = field.get_digits(record.env) if field.type == "float" else None
        return not float_compare(new or 0.0, old or 0.0,
                                 precision_digits=digits[1] if digits else 6)
    if field.type == "integer":
        return (new or 0) == (old or 0)
    return new == old


def _refused(env, guarded, fnames):
    """{field name: group} of ``fnames`` among ``guarded`` the current user may not
    change (group ``None``: no person, only Agency Billing's own paths)."""
    user = env.user
    return {fname: guarded[fname] for fname in guarded.keys() & set(fnames)
            if not (guarded[fname] and user.has_group(guarded[fname]))}


def raise_guarded(model, refused):
    """Raise :class:`AccessError` naming the fields of ``refused`` ({field: group}) and
    the group that may change them."""
    env = model.env
    by_group = {}
    for fname in sorted(refused):
        by_group.setdefault(refused[fname], []).append(
            f"{model._fields[fname].string} ({fname})")
    lines = []
    for group, labels in sorted(by_group.items(), key=lambda item: item[0] or ""):
        if group:
            lines.append(env._(
                "Only members of %(group)s may change %(fields)s of %(model)s.",
                group=env.ref(group).sudo().full_name,  # sudo: the group's name only
                fields=", ".join(labels), model=model._description))
        else:
            lines.append(env._(
                "%(fields)s of %(model)s are set by Agency Billing itself (billing runs, "
                "the review queue, sending): use its actions, such as Approve and Send.",
                fields=", ".join(labels), model=model._description))
    raise AccessError("\n".join(lines))


def check_create(model, guarded, vals_list):
    """Refuse (:class:`AccessError`) creating records of ``model`` with a guarded field
    (in the values, or as a ``default_*`` key of the context) that differs from the
    field's default, unless the current user belongs to its group. Superuser calls
    pass."""
    env = model.env
    if env.su:
        return
    context_defaults = {fname: env.context[f"default_{fname}"] for fname in guarded
                        if f"default_{fname}" in env.context}
    given = set(context_defaults).union(*(vals.keys() for vals in vals_list))
    refused = _refused(env, guarded, given)
    if not refused:
        return
    # The context without its defaults (replaced on purpose: kwargs would keep them).
    plain = model.with_context({  # pylint: disable=context-overridden
        key: value for key, value in env.context.items() if not key.startswith("default_")})
    defaults = plain.default_get(list(refused))
    empty = model.browse()
    changed = {
        fname: group for fname, group in refused.items()
        if any(not _same_value(model._fields[fname], vals[fname] if fname in vals
                               else context_defaults[fname], defaults.get(fname), empty)
               for vals in vals_list if fname in vals or fname in context_defaults)
    }
    if changed:
        raise_guarded(model, changed)


def check_write(records, guarded, vals):
    """Refuse (:class:`AccessError`) writing ``vals`` on ``records`` when it changes a
    guarded field the current user may not change (a value a record already holds is
    no change). Superuser calls pass."""
    env = records.env
    if env.su:
        return
    refused = _refused(env, guarded, vals.keys())
    if not refused:
        return
    # sudo: compared whether or not the user may read the field.
    held = records.sudo().with_context(active_test=False)
    changed = {fname: group for fname, group in refused.items()
               if any(not _same_value(records._fields[fname], vals[fname], record[fname],
                                      record) for record in held)}
    if changed:
        raise_guarded(records, changed)
