"""Which relations an export writes: the marts of ``analytics`` the connected role may read.

The export logs in as phc_bi, so "readable" is PostgreSQL's answer (``has_table_privilege``),
not a list kept here: a mart the BI role is refused (dim_customer when PHC_BI_PII=masked) is
left out of a full export, and asking for it by name is an error that says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg

from phc_analytics.errors import PhcError

SCHEMA = "analytics"
# Tables, views, materialized views and partitioned tables; a partition is exported through its
# parent only.
KINDS = {"r": "table", "v": "view", "m": "materialized view", "p": "table"}
# dbt's relations of a build in progress, not marts.
TRANSIENT_SUFFIXES = ("__dbt_tmp", "__dbt_backup")
# The one mart with personal data, which PHC_BI_PII (warehouse/pii.py) may withhold from phc_bi.
PII_MART = "dim_customer"


@dataclass(frozen=True)
class Mart:
    name: str
    kind: str
    readable: bool


def list_marts(conn: psycopg.Connection) -> list[Mart]:
    """Every relation of the schema, by name, and whether the connected role may SELECT it."""
    rows = conn.execute(
        """
        SELECT c.relname, c.relkind::text, has_table_privilege(c.oid, 'SELECT')
          FROM pg_class AS c
          JOIN pg_namespace AS n ON n.oid = c.relnamespace
         WHERE n.nspname = %s AND c.relkind = ANY(%s) AND NOT c.relispartition
         ORDER BY c.relname
        """,
        (SCHEMA, list(KINDS)),
    ).fetchall()
    return [
        Mart(name, KINDS[kind], readable)
        for name, kind, readable in rows
        if not name.endswith(TRANSIENT_SUFFIXES)
    ]


def parse_names(text: str | None) -> list[str] | None:
    """``--marts a,b``: the names in order, without duplicates or an ``analytics.`` prefix."""
    if text is None:
        return None
    names: list[str] = []
    for part in text.split(","):
        name = part.strip().removeprefix(f"{SCHEMA}.")
        if name and name not in names:
            names.append(name)
    if not names:
        raise PhcError("--marts names no mart; give comma-separated names, e.g. --marts fct_orders")
    return names


def choose_marts(conn: psycopg.Connection, names: list[str] | None, role: str) -> list[str]:
    """The marts to export: ``names``, checked, or every readable one when ``names`` is None."""
    (usage,) = conn.execute("SELECT has_schema_privilege(%s, 'USAGE')", (SCHEMA,)).fetchone()
    if not usage:
        raise PhcError(
            f"{role} may not use the {SCHEMA} schema; run `phc-analytics migrate`, which grants it"
        )
    marts = {mart.name: mart for mart in list_marts(conn)}
    readable = [name for name, mart in marts.items() if mart.readable]
    if names is None:
        if not readable:
            raise PhcError(
                f"{role} can read no mart in {SCHEMA} yet; run `phc-analytics run` to build them"
            )
        return readable
    unknown = [name for name in names if name not in marts]
    if unknown:
        raise PhcError(
            f"no mart {', '.join(unknown)} in {SCHEMA}; the marts {role} can read:"
            f" {', '.join(readable) or 'none (run `phc-analytics run`)'}"
        )
    refused = [name for name in names if not marts[name].readable]
    if refused:
        listed = ", ".join(f"{SCHEMA}.{name}" for name in refused)
        refusal = f"{role}, the read-only role exports log in as, may not read {listed}"
        if PII_MART in refused:
            raise PhcError(
                f"{refusal}: PHC_BI_PII=masked (the default) withholds customers' personal data;"
                f" export {PII_MART}_masked instead, or set PHC_BI_PII=full and run"
                " `phc-analytics migrate`"
            )
        raise PhcError(
            f"{refusal}; leave it out of --marts, or GRANT SELECT on it TO {role}"
            f" (PHC_BI_PII governs {PII_MART} only)"
        )
    return names
