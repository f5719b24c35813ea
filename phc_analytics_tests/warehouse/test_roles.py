"""Least privilege, checked by connecting as each role."""

import secrets

import psycopg
import pytest

from phc_analytics.warehouse.migrations import set_role_passwords
from phc_analytics_tests.conftest import with_user

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server

SCHEMAS = ("raw", "staging", "analytics")


def privileges(url: str) -> dict[str, tuple[bool, bool]]:
    """(USAGE, CREATE) per schema, as the connected role sees them."""
    with psycopg.connect(url) as conn:
        return {
            schema: conn.execute(
                "SELECT has_schema_privilege(current_user, %s, 'USAGE'),"
                " has_schema_privilege(current_user, %s, 'CREATE')",
                (schema, schema),
            ).fetchone()
            for schema in SCHEMAS
        }


@pytest.fixture
def role_urls(migrated_database: str) -> dict[str, str]:
    passwords = {role: secrets.token_urlsafe(16) for role in ("phc_etl", "phc_bi")}
    set_role_passwords(migrated_database, passwords)
    return {role: with_user(migrated_database, role, pw) for role, pw in passwords.items()}


def test_etl_role_writes_every_layer_and_creates_nowhere_else(role_urls: dict[str, str]):
    etl = role_urls["phc_etl"]
    # CREATE on analytics (migration 008): dbt, running as phc_etl, creates and owns the marts.
    assert privileges(etl) == {
        "raw": (True, True),
        "staging": (True, True),
        "analytics": (True, True),
    }
    with psycopg.connect(etl) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == "phc_etl"
        conn.execute("CREATE TABLE raw.etl_probe (id int PRIMARY KEY, payload jsonb)")
        conn.execute("INSERT INTO raw.etl_probe VALUES (1, '{}')")
        conn.execute("UPDATE staging.etl_watermarks SET run_id = 'probe' WHERE entity = 'orders'")
        conn.execute(
            "INSERT INTO analytics.refresh_log (view_name, started_at, ran_concurrently)"
            " VALUES ('probe', now(), true)"
        )
        conn.execute("CREATE TABLE analytics.etl_probe (id int)")
        conn.commit()
        for statement in ("CREATE TABLE public.etl_probe (id int)", "CREATE SCHEMA etl_probe"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
            conn.rollback()


def test_bi_role_reads_analytics_only_and_writes_nowhere(
    role_urls: dict[str, str], migrated_database: str
):
    with psycopg.connect(migrated_database) as admin:
        admin.execute("CREATE TABLE analytics.bi_probe AS SELECT 1 AS id")
    bi = role_urls["phc_bi"]
    assert privileges(bi) == {
        "raw": (False, False),
        "staging": (False, False),
        "analytics": (True, False),
    }
    with psycopg.connect(bi, autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == "phc_bi"
        # Default privileges reach tables created after the migration.
        assert conn.execute("SELECT count(*) FROM analytics.bi_probe").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) >= 0 FROM analytics.refresh_log").fetchone()[0]
        for statement in (
            "INSERT INTO analytics.bi_probe VALUES (2)",
            "DELETE FROM analytics.refresh_log",
            "SELECT * FROM staging.etl_watermarks",
            "CREATE TABLE analytics.bi_table (id int)",
            "CREATE TABLE raw.bi_table (id int)",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(statement)
