"""Credit notes: which time a credit note gives back to billing.

Odoo counts a credit note line against its sale line's invoiced quantity. For time, a
credit note line gives back whole time entries of the invoice it reverses on that sale
line: all of them when it credits the line's whole quantity, otherwise the latest ones,
as long as their hours stay within the quantity credited. What a partial credit leaves
over (less than the next entry) is a price adjustment: that time stays invoiced.

Plain functions on plain numbers.
"""

TOLERANCE = 0.005  # hours: quantities on invoices have 2 decimals


def is_full(credited, invoiced, tolerance=TOLERANCE):
    """True when ``credited`` covers the whole ``invoiced`` quantity.

    >>> is_full(3.0, 3.0), is_full(2.999, 3.0), is_full(1.0, 3.0), is_full(1.0, 0.0)
    (True, True, False, False)
    """
    return invoiced > 0 and credited >= invoiced - tolerance


def given_back(credited, invoiced, entries, tolerance=TOLERANCE):
    """The entries a credit of ``credited`` hours on a line that invoiced ``invoiced``
    hours gives back.

    :param entries: [(key, hours)] the entries the invoice billed on the line, in date
        order (hours: their billed time not covered by a retainer)
    :return: the keys given back, in date order

    >>> entries = [("a", 2.0), ("b", 1.5), ("c", 1.0)]
    >>> given_back(4.5, 4.5, entries)
    ['a', 'b', 'c']
    >>> given_back(2.5, 4.5, entries)
    ['b', 'c']
    >>> given_back(0.5, 4.5, entries)
    []
    """
    if credited <= 0:
        return []
    if is_full(credited, invoiced, tolerance):
        return [key for key, _hours in entries]
    taken, total = [], 0.0
    for key, hours in reversed(entries):
        if total + hours > credited + tolerance:
            break
        taken.append(key)
        total += hours
    return list(reversed(taken))
