"""The files a newcomer and an operator rely on: docker-compose.yml, dagster.yaml, workspace."""

import re

import dagster as dg
import yaml

from phc_analytics import settings

ROOT = settings.project_root()
REQUIRED_ENV = {
    "PHC_DATABASE_URL",
    "DAGSTER_PG_URL",
    "DAGSTER_HOME",
    "PHC_DAGSTER_STORAGE",
    "PRESTASHOP_URL",
    "PRESTASHOP_WS_KEY",
}


def test_docker_compose_services_and_variables():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "dagster-webserver", "dagster-daemon", "dashboard"}
    assert services["postgres"]["image"] == "postgres:16"
    assert "POSTGRES_PASSWORD" in services["postgres"]["environment"]
    webserver, daemon = services["dagster-webserver"], services["dagster-daemon"]
    assert webserver["command"][0] == "dagster-webserver"
    assert daemon["command"][:2] == ["dagster-daemon", "run"]
    dashboard = services["dashboard"]
    assert dashboard["command"][:2] == ["phc-analytics", "dashboard"]
    assert dashboard["ports"] == ["127.0.0.1:8501:8501"]
    assert dashboard["environment"]["PHC_BI_PASSWORD"].startswith("${PHC_BI_PASSWORD:?")
    for service in (webserver, daemon, dashboard):
        env = service["environment"]
        assert set(env) >= REQUIRED_ENV
        assert env["DAGSTER_PG_URL"].startswith("postgresql+psycopg2://")
        assert env["PHC_DATABASE_URL"].startswith("postgresql://")
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    # No secret is written in the file: passwords come from the caller's environment.
    text = (ROOT / "docker-compose.yml").read_text()
    for url in re.findall(r"postgresql[+a-z0-9]*://[^\s]+", text):
        assert ":${POSTGRES_PASSWORD" in url


def test_dagster_yaml_keeps_storage_in_postgres_from_the_environment():
    config = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    assert config["storage"]["postgres"]["postgres_url"] == {"env": "DAGSTER_PG_URL"}
    assert config["telemetry"]["enabled"] is False


def test_workspace_loads_the_definitions_module():
    workspace = yaml.safe_load((ROOT / "workspace.yaml").read_text())
    modules = [entry["python_module"]["module_name"] for entry in workspace["load_from"]]
    assert modules == ["phc_analytics.definitions"]


def test_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    commands = re.findall(r"^make \w+$", readme, flags=re.MULTILINE)
    assert commands[:2] == ["make demo", "make test"]


def test_dagster_yaml_runs_one_shop_sync_and_one_dbt_build_at_a_time():
    from dagster._core.instance.config import PoolGranularity

    from phc_analytics.definitions import defs
    from phc_analytics.ingestion.assets import RAW_GROUP, RAW_POOL
    from phc_analytics.transform.assets import DBT_POOL

    config = yaml.safe_load((ROOT / "dagster.yaml").read_text())
    overrides = {key: config[key] for key in ("run_coordinator", "concurrency")}
    with dg.instance_for_test(overrides=overrides) as instance:
        pools = instance.get_concurrency_config().pool_config
        assert pools.pool_granularity == PoolGranularity.RUN
        assert pools.default_pool_limit == 1
    graph = defs().resolve_asset_graph()
    pool_of = {key: graph.get(key).pools for key in graph.materializable_asset_keys}
    by_group = {}
    for key in pool_of:
        by_group.setdefault(graph.get(key).group_name, set()).add(key)
    raw, dbt = by_group[RAW_GROUP], by_group["staging"] | by_group["analytics"]
    assert raw and all(pool_of[key] == {RAW_POOL} for key in raw)
    assert dbt and all(pool_of[key] == {DBT_POOL} for key in dbt)
    # Two pools, so a sync and a dbt build may run side by side; the quality report has none.
    assert not any(pool_of[key] for key in set(pool_of) - raw - dbt)


def test_the_external_pass_lists_existing_modules_of_the_server_tier():
    """.ci/run's second pass runs these files: a renamed or unmarked one would drop silently."""
    listed = (ROOT / ".ci" / "external-tests").read_text().split()
    assert len(listed) >= 10 and len(set(listed)) == len(listed)
    for path in listed:
        text = (ROOT / path).read_text()
        assert "pytest.mark.server" in text, path
