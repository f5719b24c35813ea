"""PHC_BI_PII: what the BI role reads of customers' emails and names, on the built warehouse."""

from __future__ import annotations

import hashlib
import os

import psycopg
import pytest

from phc_analytics import settings
from phc_analytics.errors import PhcError
from phc_analytics.warehouse.pii import (
    MASKED_RELATION,
    PII_RELATION,
    apply_bi_pii,
    customer_relation,
)
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.support.databases import with_user
from phc_analytics_tests.transform.dbt_runner import run_dbt

# Grants, views and sha256() are the server's.
pytestmark = pytest.mark.server


def bi_can_read(url: str, relation: str) -> bool:
    with psycopg.connect(with_user(url, "phc_bi"), autocommit=True) as conn:
        try:
            conn.execute(f"SELECT * FROM {relation} LIMIT 1")
        except psycopg.errors.InsufficientPrivilege:
            return False
        return True


def test_masked_by_default_full_on_request_and_a_rebuild_keeps_the_mode(
    built_copy: BuiltWarehouse, monkeypatch: pytest.MonkeyPatch
):
    url = built_copy.url
    # Built with the variable unset: masked.
    assert os.environ.get(settings.ENV_BI_PII) is None
    assert not bi_can_read(url, PII_RELATION)
    assert bi_can_read(url, MASKED_RELATION)
    with psycopg.connect(with_user(url, "phc_bi")) as bi:
        assert customer_relation(bi) == MASKED_RELATION
        masked = dict(
            (cid, (email, first, last))
            for cid, email, first, last in bi.execute(
                f"SELECT customer_id, email, firstname, lastname FROM {MASKED_RELATION}"
            )
        )
    with psycopg.connect(url) as admin:
        clear = admin.execute(
            f"SELECT customer_id, email, firstname, lastname FROM {PII_RELATION}"
        ).fetchall()
        columns = [
            admin.execute(
                "SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute"
                " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped",
                (relation,),
            ).fetchone()[0]
            for relation in (PII_RELATION, MASKED_RELATION)
        ]
    assert columns[0] == columns[1]  # a report switches by the table's name alone
    assert len(masked) == len(clear) > 100
    with_email = 0
    for cid, email, first, last in clear:
        hashed, initial_first, initial_last = masked[cid]
        if email and email.strip():
            with_email += 1
            assert hashed == hashlib.sha256(email.strip().lower().encode()).hexdigest()
            assert email not in hashed
        else:
            assert hashed is None  # erased or the unknown member: nothing to hash
        assert initial_first == ((first or "").strip()[:1] or None)
        assert initial_last == ((last or "").strip()[:1] or None)
    assert with_email > 100

    # full: granted at once, without a rebuild (what `phc-analytics migrate` does)...
    with psycopg.connect(url, autocommit=True) as admin:
        assert apply_bi_pii(admin, "full")
    assert bi_can_read(url, PII_RELATION)
    with psycopg.connect(with_user(url, "phc_bi")) as bi:
        assert customer_relation(bi) == PII_RELATION

    # ... and a rebuild of dim_customer (a new relation, default grants) keeps the mode. With
    # its dependants (`+`): replacing it drops the masked view, which PostgreSQL ties to it.
    monkeypatch.setenv(settings.ENV_BI_PII, "full")
    run_dbt(url, ["run", "--select", "dim_customer+", "--full-refresh"])
    assert bi_can_read(url, PII_RELATION)
    monkeypatch.setenv(settings.ENV_BI_PII, "masked")
    run_dbt(url, ["run", "--select", "dim_customer+", "--full-refresh"])
    assert not bi_can_read(url, PII_RELATION)
    assert bi_can_read(url, MASKED_RELATION)


def test_a_bad_mode_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(settings.ENV_BI_PII, "hashed")
    with pytest.raises(PhcError, match=r"^PHC_BI_PII='hashed' is not a mode; use masked"):
        settings.bi_pii_mode()
    monkeypatch.setenv(settings.ENV_BI_PII, " FULL ")
    assert settings.bi_pii_mode() == "full"
    monkeypatch.delenv(settings.ENV_BI_PII)
    assert settings.bi_pii_mode() == "masked"
