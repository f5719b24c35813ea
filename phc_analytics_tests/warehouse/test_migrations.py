import shutil
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from phc_analytics import settings
from phc_analytics.warehouse.migrations import (
    ADVISORY_LOCK_KEY,
    AppliedMigration,
    Migration,
    MigrationError,
    apply_migrations,
    discover,
    lost_shared_catalog_race,
    pending,
)

# The outcome can depend on the PostgreSQL server: the external pass runs it too (docs/testing.md).
pytestmark = pytest.mark.server

ENTITIES = {
    "orders",
    "customers",
    "products",
    "addresses",
    "categories",
    "order_histories",
    "order_states",
    "countries",
    "zones",
    "currencies",
    "carriers",
    "configurations",
    "order_slip",
    "order_payments",
    "stock_availables",
    "carts",
    "cart_rules",
    "order_cart_rules",
    "shops",
    "shop_groups",
}


def ledger(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT version, filename, checksum, applied_at FROM public.schema_migrations"
            " ORDER BY version"
        ).fetchall()


@pytest.fixture
def migrations_copy(tmp_path: Path) -> Path:
    target = tmp_path / "migrations"
    shutil.copytree(settings.migrations_dir(), target)
    return target


# --- pure planning, no database -------------------------------------------------------------


def test_pending_skips_applied_and_keeps_order():
    a, b, c = (Migration(v, f"00{v}_m.sql", f"select {v}") for v in (1, 2, 3))
    applied = [AppliedMigration(1, a.filename, a.checksum)]
    assert pending([a, b, c], applied) == [b, c]


def test_pending_refuses_an_edited_file():
    original = Migration(1, "001_m.sql", "select 1")
    edited = Migration(1, "001_m.sql", "select 2")
    with pytest.raises(MigrationError, match="001_m.sql was edited after it was applied"):
        pending([edited], [AppliedMigration(1, original.filename, original.checksum)])


def test_pending_refuses_a_database_ahead_of_the_code():
    with pytest.raises(MigrationError, match="not in sql/migrations"):
        pending([], [AppliedMigration(7, "007_future.sql", "x")])


def test_discover_rejects_bad_names_and_duplicate_versions(tmp_path: Path):
    (tmp_path / "1_bad.sql").write_text("select 1")
    with pytest.raises(MigrationError, match="NNN_lowercase_name.sql"):
        discover(tmp_path)
    (tmp_path / "1_bad.sql").unlink()
    (tmp_path / "001_a.sql").write_text("select 1")
    (tmp_path / "001_b.sql").write_text("select 1")
    with pytest.raises(MigrationError, match="share version 001"):
        discover(tmp_path)


# --- against PostgreSQL ----------------------------------------------------------------------


def test_apply_on_empty_database_then_again_changes_nothing(empty_database: str):
    files = [m.filename for m in discover(settings.migrations_dir())]
    assert apply_migrations(empty_database, settings.migrations_dir()) == files
    first = ledger(empty_database)
    assert [row[1] for row in first] == files

    assert apply_migrations(empty_database, settings.migrations_dir()) == []
    assert ledger(empty_database) == first

    with psycopg.connect(empty_database) as conn:
        schemas = {
            r[0]
            for r in conn.execute(
                "SELECT nspname FROM pg_namespace WHERE nspname IN ('raw','staging','analytics')"
            )
        }
        watermarks = conn.execute(
            "SELECT entity, cursor_value::text FROM staging.etl_watermarks"
        ).fetchall()
        refresh_log_columns = {
            r[0]
            for r in conn.execute(
                "SELECT column_name FROM information_schema.columns"
                " WHERE table_schema = 'analytics' AND table_name = 'refresh_log'"
            )
        }
    assert schemas == {"raw", "staging", "analytics"}
    # A new warehouse holds no shop: a shop's watermarks come with its first write (022).
    assert watermarks == []
    assert {
        "view_name",
        "started_at",
        "finished_at",
        "row_count",
        "ran_concurrently",
        "snapshot_xmin",
        "snapshot",
        "rows_deleted",
        "rows_inserted",
    } <= (refresh_log_columns)


def test_edited_applied_migration_is_refused(empty_database: str, migrations_copy: Path):
    apply_migrations(empty_database, migrations_copy)
    target = migrations_copy / "003_refresh_log.sql"
    target.write_text(target.read_text() + "\n-- an innocent-looking edit\n")
    with pytest.raises(MigrationError) as excinfo:
        apply_migrations(empty_database, migrations_copy)
    message = str(excinfo.value)
    assert "003_refresh_log.sql was edited after it was applied" in message
    assert "new migration" in message
    assert "\n" not in message


def test_a_failing_file_is_rolled_back_whole(empty_database: str, migrations_copy: Path):
    (migrations_copy / "900_broken.sql").write_text(
        "CREATE TABLE raw.half_done (id int);\nSELECT * FROM no_such_table;\n"
    )
    with pytest.raises(MigrationError, match="900_broken.sql failed and was rolled back"):
        apply_migrations(empty_database, migrations_copy)
    with psycopg.connect(empty_database) as conn:
        assert conn.execute("SELECT to_regclass('raw.half_done')").fetchone()[0] is None
        versions = [r[0] for r in conn.execute("SELECT version FROM public.schema_migrations")]
    assert 900 not in versions
    assert len(versions) == len(discover(settings.migrations_dir()))


def test_advisory_lock_keeps_a_second_migrator_out(empty_database: str):
    with psycopg.connect(empty_database, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
        with pytest.raises(MigrationError, match="another process has been migrating"):
            apply_migrations(empty_database, settings.migrations_dir(), lock_timeout_s=1)
        holder.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
    assert apply_migrations(empty_database, settings.migrations_dir())


def test_concurrent_migrators_apply_each_file_once(empty_database: str):
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            results.append(apply_migrations(empty_database, settings.migrations_dir()))
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=migrate) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    files = [m.filename for m in discover(settings.migrations_dir())]
    assert sorted(len(r) for r in results) == [0, 0, len(files)]
    assert [row[1] for row in ledger(empty_database)] == files


def test_only_a_role_race_counts_as_lost_to_another_database():
    assert lost_shared_catalog_race("pg_authid_rolname_index")
    assert not lost_shared_catalog_race("orders_pkey")
    assert not lost_shared_catalog_race(None)


def test_a_role_created_meanwhile_by_another_database_migration_does_not_fail_this_one(
    empty_database: str, pg_admin_url: str, tmp_path: Path
):
    # Roles are server-wide and the migration lock is per database: another database's
    # migration can create the role between this one's "is it missing?" and its CREATE ROLE.
    role = f"phc_race_{uuid.uuid4().hex[:10]}"
    (tmp_path / "001_make_role.sql").write_text(
        "DO $$ BEGIN\n"
        f"  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN\n"
        f"    CREATE ROLE {role};\n"
        "  END IF;\nEND $$;\n"
    )
    outcome: list[object] = []
    with psycopg.connect(pg_admin_url) as other:
        other.execute(f"CREATE ROLE {role}")  # not committed yet: the other migration's

        def migrate() -> None:
            try:
                outcome.append(apply_migrations(empty_database, tmp_path))
            except BaseException as exc:  # surfaced by the assertion below
                outcome.append(exc)

        migrator = threading.Thread(target=migrate)
        migrator.start()
        deadline = time.monotonic() + 30
        with psycopg.connect(pg_admin_url, autocommit=True) as watch:
            while time.monotonic() < deadline:
                waiting = watch.execute(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE wait_event_type = 'Lock' AND query LIKE %s",
                    (f"%{role}%",),
                ).fetchone()[0]
                if waiting:
                    break
                time.sleep(0.05)
        assert waiting, "the migration never waited on the other transaction's role"
        other.commit()
        migrator.join(timeout=60)
    try:
        assert outcome == [["001_make_role.sql"]]
        assert [row[1] for row in ledger(empty_database)] == ["001_make_role.sql"]
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as conn:
            conn.execute(f"DROP ROLE IF EXISTS {role}")
