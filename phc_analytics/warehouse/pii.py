"""What the BI role may read of customers' personal data (``PHC_BI_PII``).

dbt applies the rule after each build of ``analytics.dim_customer`` (macros/bi_pii.sql), since
a rebuilt relation starts with the schema's default grant. This applies it to the relation as it
stands, so that changing the variable takes effect at the next ``migrate``, ``run`` or ``dev``
without waiting for the shop to change and dim_customer to be rebuilt.
"""

from __future__ import annotations

import psycopg

from phc_analytics import settings
from phc_analytics.warehouse.roles import ROLES

PII_RELATION = "analytics.dim_customer"
MASKED_RELATION = "analytics.dim_customer_masked"


def privilege_statement(mode: str) -> str | None:
    """The GRANT or REVOKE for ``mode``; the relation and role names are the project's own."""
    role = ROLES["bi"].name
    if mode == "full":
        return f"GRANT SELECT ON {PII_RELATION} TO {role}"
    if mode == "masked":
        return f"REVOKE SELECT ON {PII_RELATION} FROM {role}"
    return None


def apply_bi_pii(conn: psycopg.Connection, mode: str | None = None) -> bool:
    """Grant or revoke phc_bi's SELECT on dim_customer; False when it does not exist yet."""
    mode = mode or settings.bi_pii_mode()
    statement = privilege_statement(mode)
    if statement is None:
        raise ValueError(f"unknown PII mode {mode!r}")
    (exists,) = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (PII_RELATION,)).fetchone()
    if not exists:
        return False
    conn.execute(statement)
    return True


def customer_relation(conn: psycopg.Connection) -> str:
    """The customer dimension the connected role may read: dim_customer, else the masked view."""
    (readable,) = conn.execute(
        "SELECT CASE WHEN to_regclass(%s) IS NOT NULL"
        " THEN has_table_privilege(%s, 'SELECT') ELSE false END",
        (PII_RELATION, PII_RELATION),
    ).fetchone()
    return PII_RELATION if readable else MASKED_RELATION
