"""`phc-analytics sync` against a shop given by PRESTASHOP_URL / PRESTASHOP_WS_KEY."""

from pathlib import Path

import psycopg

from phc_analytics import settings
from phc_analytics.prestashop.entities import BY_NAME
from phc_analytics.warehouse.location import to_sqlalchemy
from phc_analytics_tests.support.shop import raw_latest, shop_truth
from phc_analytics_tests.test_cli import run_cli


def cli_env(database: str, tmp_path, server=None, **extra) -> dict:
    env = {
        settings.ENV_DATABASE_URL: database,
        settings.ENV_DAGSTER_PG_URL: to_sqlalchemy(database),
        "PHC_DAGSTER_STORAGE": str(tmp_path / "dagster"),
        settings.ENV_HOME: str(tmp_path / "phc"),
    }
    if server is not None:
        env[settings.ENV_PRESTASHOP_URL] = server.url
        env[settings.ENV_PRESTASHOP_WS_KEY] = server.ws_key
    env.update(extra)
    return env


def test_sync_some_entities_from_a_shop_in_the_environment(
    shop_server, migrated_database, tmp_path
):
    out = run_cli(
        "sync",
        "--entities",
        "orders,order_states",
        env=cli_env(migrated_database, tmp_path, shop_server),
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "raw_orders" in out.stdout and "raw_customers" not in out.stdout
    with psycopg.connect(migrated_database) as conn:
        assert raw_latest(conn, BY_NAME["orders"]) == shop_truth(
            shop_server.url, shop_server.ws_key, BY_NAME["orders"]
        )
        assert conn.execute("SELECT count(*) FROM raw.customers").fetchone()[0] == 0


def test_wrong_key_is_one_line_naming_the_variable_and_the_log(
    shop_server, migrated_database, tmp_path
):
    wrong = "A" * 32
    env = cli_env(
        migrated_database, tmp_path, shop_server, **{settings.ENV_PRESTASHOP_WS_KEY: wrong}
    )
    out = run_cli("sync", "--entities", "orders", env=env)
    assert out.returncode == 2
    # Dagster's step failure (some 90 lines of trace) goes to the log file, not the terminal.
    assert "Traceback" not in out.stderr and "Stack Trace" not in out.stderr + out.stdout
    (error,) = out.stderr.strip().splitlines()
    assert error.startswith("error:") and "PRESTASHOP_WS_KEY" in error and "401" in error
    assert "PrestaShopError" not in error
    assert wrong not in out.stderr + out.stdout
    log = Path(error.rsplit(" ", 1)[-1])
    assert log.is_relative_to(tmp_path / "phc")
    assert "STEP_FAILURE" in log.read_text() and "Stack Trace" in log.read_text()
    assert wrong not in log.read_text()


def test_unreachable_dagster_storage_is_one_line_before_any_work(migrated_database, tmp_path):
    env = cli_env(
        migrated_database,
        tmp_path,
        **{settings.ENV_DAGSTER_PG_URL: "postgresql+psycopg2://u:hunter2@127.0.0.1:1/x"},
    )
    for command in ("run", "sync"):
        out = run_cli(command, env=env)
        assert out.returncode == 2, out.stderr[-2000:]
        assert out.stderr.strip().splitlines() == [out.stderr.strip()]
        assert "DAGSTER_PG_URL" in out.stderr and "Dagster's storage" in out.stderr
        assert "hunter2" not in out.stderr + out.stdout
        assert out.stdout == ""


def test_half_configured_shop_and_unknown_entity_are_refused(migrated_database, tmp_path):
    env = cli_env(
        migrated_database, tmp_path, **{settings.ENV_PRESTASHOP_URL: "http://127.0.0.1:9"}
    )
    out = run_cli("sync", env=env)
    assert out.returncode == 2 and "PRESTASHOP_WS_KEY is not set" in out.stderr
    out = run_cli(
        "sync", "--entities", "orders;DROP TABLE x", env=cli_env(migrated_database, tmp_path)
    )
    assert out.returncode == 2 and "unknown entity" in out.stderr


def test_without_a_shop_in_the_environment_sync_reads_the_demo_shop(
    shop_path, migrated_database, tmp_path
):
    # The composition root picks the demo shop; it is served from PHC_HOME's demo_shop.sqlite.
    env = cli_env(
        migrated_database,
        tmp_path,
        **{settings.ENV_PRESTASHOP_URL: "", settings.ENV_PRESTASHOP_WS_KEY: ""},
    )
    home = tmp_path / "phc"
    home.mkdir()
    shop_path.rename(home / "demo_shop.sqlite")
    out = run_cli("sync", "--entities", "order_states", env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "raw_order_states" in out.stdout
    with psycopg.connect(migrated_database) as conn:
        states = conn.execute("SELECT count(DISTINCT id) FROM raw.order_states").fetchone()[0]
    assert states > 0
