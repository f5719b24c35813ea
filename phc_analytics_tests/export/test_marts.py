"""Which marts an export writes: what phc_bi may read, checked by PostgreSQL itself."""

import psycopg
import pytest

from phc_analytics.errors import PhcError
from phc_analytics.export.marts import choose_marts, list_marts, parse_names
from phc_analytics_tests.conftest import with_user

# Privileges and catalog queries: the outcome can depend on the server.
pytestmark = pytest.mark.server


def test_names_are_split_trimmed_deduplicated_and_unprefixed():
    assert parse_names(None) is None
    assert parse_names(" fct_orders, analytics.dim_date,,fct_orders ") == ["fct_orders", "dim_date"]
    with pytest.raises(PhcError, match="--marts"):
        parse_names(" , ")


@pytest.fixture
def bi_url(migrated_database: str) -> str:
    """A warehouse with a readable table, view and materialized view, one table phc_bi was
    refused, a dim_customer it was refused (PHC_BI_PII=masked), and a table elsewhere."""
    with psycopg.connect(migrated_database, autocommit=True) as admin:
        admin.execute(
            """
            CREATE TABLE analytics.fct_probe AS SELECT 1 AS id;
            CREATE VIEW analytics.v_probe AS SELECT id FROM analytics.fct_probe;
            CREATE MATERIALIZED VIEW analytics.m_probe AS SELECT id FROM analytics.fct_probe;
            CREATE TABLE analytics.secret_probe (id int);
            CREATE TABLE analytics.dim_customer (customer_id int, email text);
            CREATE TABLE analytics.fct_probe__dbt_tmp (id int);
            CREATE TABLE staging.not_a_mart (id int);
            GRANT SELECT ON ALL TABLES IN SCHEMA analytics TO phc_bi;
            REVOKE SELECT ON analytics.secret_probe, analytics.dim_customer FROM phc_bi;
            """
        )
    return with_user(migrated_database, "phc_bi")


def test_the_default_is_every_relation_phc_bi_can_read(bi_url: str):
    with psycopg.connect(bi_url, autocommit=True) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == "phc_bi"
        kinds = {mart.name: (mart.kind, mart.readable) for mart in list_marts(conn)}
        chosen = choose_marts(conn, None, "phc_bi")
    assert kinds["v_probe"] == ("view", True)
    assert kinds["m_probe"] == ("materialized view", True)
    assert kinds["secret_probe"] == ("table", False)
    assert "fct_probe__dbt_tmp" not in kinds and "not_a_mart" not in kinds
    assert {"fct_probe", "v_probe", "m_probe", "refresh_log"} <= set(chosen)
    assert "secret_probe" not in chosen and "dim_customer" not in chosen


def test_named_marts_are_checked_with_an_error_that_says_what_to_do(bi_url: str):
    with psycopg.connect(bi_url, autocommit=True) as conn:
        assert choose_marts(conn, ["m_probe", "fct_probe"], "phc_bi") == ["m_probe", "fct_probe"]
        with pytest.raises(PhcError) as unknown:
            choose_marts(conn, ["fct_probe", "fct_nope"], "phc_bi")
        with pytest.raises(PhcError) as pii:
            choose_marts(conn, ["dim_customer"], "phc_bi")
        with pytest.raises(PhcError) as refused:
            choose_marts(conn, ["secret_probe"], "phc_bi")
    assert str(unknown.value).startswith("no mart fct_nope in analytics")
    assert "fct_probe, m_probe" in str(unknown.value) and "secret_probe" not in str(unknown.value)
    assert "PHC_BI_PII=masked" in str(pii.value) and "dim_customer_masked" in str(pii.value)
    assert "GRANT SELECT" in str(refused.value) and "secret_probe" in str(refused.value)
    for error in (unknown, pii, refused):
        assert "\n" not in str(error.value)


def test_a_warehouse_without_marts_says_to_build_them(migrated_database: str):
    with psycopg.connect(migrated_database, autocommit=True) as admin:
        admin.execute("REVOKE SELECT ON ALL TABLES IN SCHEMA analytics FROM phc_bi")
    bi = with_user(migrated_database, "phc_bi")
    with (
        psycopg.connect(bi, autocommit=True) as conn,
        pytest.raises(PhcError, match="phc-analytics run"),
    ):
        choose_marts(conn, None, "phc_bi")
