"""BI readers and view refreshes do not wait for each other (REFRESH ... CONCURRENTLY).

customer_rfm stands for every materialized view (the incremental tables have their own tests in
test_incremental_marts.py).

Each test also shows what a plain REFRESH would do in the same situation, so the assertions
demonstrably depend on the concurrent refresh and not on timing luck."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from psycopg import errors

from phc_analytics_tests.support.built_warehouse import BuiltWarehouse
from phc_analytics_tests.transform.dbt_runner import run_dbt

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server

VIEW = "analytics.customer_rfm"
REFRESH_VIEW = ["run", "--select", "customer_rfm"]


def wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.1)


class InBackground:
    """``call()`` on a thread of its own; ``join`` waits for it and fails the test if it raised
    or is still running. ``result`` is what it returned."""

    def __init__(self, call) -> None:
        self.result = None
        self.failures: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(call,))
        self.thread.start()

    def _run(self, call) -> None:
        try:
            self.result = call()
        except BaseException as exc:  # reported by join, in the test's thread
            self.failures.append(exc)

    def is_alive(self) -> bool:
        return self.thread.is_alive()

    def join(self, timeout: float = 120) -> None:
        self.thread.join(timeout=timeout)
        assert not self.thread.is_alive()
        assert self.failures == []


def waiting_on_lock(url: str, statement: str) -> bool:
    """Some session runs `statement` (dbt prefixes a comment) and waits for a lock."""
    with psycopg.connect(url, autocommit=True) as conn:
        return bool(conn.execute(
            """SELECT 1 FROM pg_stat_activity
               WHERE wait_event_type = 'Lock' AND query ILIKE %s""",
            ("%" + statement + "%",),
        ).fetchone())  # fmt: skip


def test_refresh_does_not_wait_for_an_open_reader(built_copy: BuiltWarehouse):
    url = built_copy.url
    with psycopg.connect(url) as reader:
        # A BI session in the middle of a transaction that has read the mart: it holds an
        # ACCESS SHARE lock on it until it ends.
        before = reader.execute(f"SELECT count(*) FROM {VIEW}").fetchone()[0]
        started = time.monotonic()
        run_dbt(url, REFRESH_VIEW)
        took = time.monotonic() - started
        # The reader is still inside its transaction and still reads its snapshot.
        assert reader.execute(f"SELECT count(*) FROM {VIEW}").fetchone()[0] == before
        with psycopg.connect(url, autocommit=True) as other:
            # The control: a plain REFRESH needs ACCESS EXCLUSIVE and would wait for the reader.
            other.execute("SET lock_timeout = '500ms'")
            with pytest.raises(errors.LockNotAvailable):
                other.execute(f"REFRESH MATERIALIZED VIEW {VIEW}")
    with psycopg.connect(url) as conn:
        concurrently = conn.execute(
            """SELECT ran_concurrently FROM analytics.refresh_log
               WHERE view_name = %s ORDER BY id DESC LIMIT 1""",
            (VIEW,),
        ).fetchone()[0]
    assert concurrently
    assert took < 120


def test_reader_does_not_wait_for_a_refresh_in_progress(built_copy: BuiltWarehouse):
    url = built_copy.url
    blocker = psycopg.connect(url)
    # Stall the refresh half-way: it takes its lock on the view, then waits to read the facts.
    with psycopg.connect(url) as conn:
        before = conn.execute(f"SELECT count(*) FROM {VIEW}").fetchone()[0]
    blocker.execute("LOCK TABLE analytics.fct_orders IN ACCESS EXCLUSIVE MODE")
    refresh = InBackground(lambda: run_dbt(url, REFRESH_VIEW))
    try:
        wait_for(lambda: waiting_on_lock(url, "refresh materialized view concurrently"))
        with psycopg.connect(url, autocommit=True) as reader:
            reader.execute("SET lock_timeout = '2s'")
            started = time.monotonic()
            count = reader.execute(f"SELECT count(*) FROM {VIEW}").fetchone()[0]
            assert time.monotonic() - started < 2
            assert count == before
            # The control: while a plain REFRESH is in the same spot, the reader waits.
            plain = psycopg.connect(url, autocommit=True)
            plain_thread = threading.Thread(
                target=lambda: plain.execute(f"REFRESH MATERIALIZED VIEW {VIEW}")
            )
            # The concurrent refresh holds EXCLUSIVE on the view; the plain one queues behind it
            # for ACCESS EXCLUSIVE, and from then on new readers queue behind the plain one.
            plain_thread.start()
            wait_for(lambda: waiting_on_lock(url, f"REFRESH MATERIALIZED VIEW {VIEW}"))
            with pytest.raises(errors.LockNotAvailable):
                reader.execute(f"SELECT count(*) FROM {VIEW}")
    finally:
        blocker.rollback()
        blocker.close()
        refresh.join()
    plain_thread.join(timeout=60)
    plain.close()
