"""deploy/: the configurations that run the project across machines, parsed and checked against
the run launchers' own config schemas (no Docker engine or cluster here)."""

from __future__ import annotations

import re

import yaml
from dagster._config import process_config
from dagster._core.instance.config import dagster_instance_config
from dagster._core.launcher import RunLauncher
from dagster._serdes.config_class import ConfigurableClassData
from dagster_k8s import K8sRunLauncher

from phc_analytics import settings

ROOT = settings.project_root()
DOCKER = ROOT / "deploy" / "docker"
HELM = ROOT / "deploy" / "helm" / "values.yaml"
# Variables Dagster itself reads, beside the project's registry.
DAGSTER_VARIABLES = {"DAGSTER_HOME", "DAGSTER_PG_URL", "DAGSTER_CURRENT_IMAGE"}


def known(name: str) -> bool:
    return name in settings.BY_NAME or name in DAGSTER_VARIABLES


def test_the_docker_instance_launches_each_run_in_a_container_on_the_compose_network():
    config, _custom = dagster_instance_config(str(DOCKER), "dagster.yaml")
    launcher_config = config["run_launcher"]
    launcher = ConfigurableClassData(
        launcher_config["module"],
        launcher_config["class"],
        yaml.safe_dump(launcher_config["config"]),
    ).rehydrate(as_type=RunLauncher)
    assert type(launcher).__name__ == "DockerRunLauncher"
    compose = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    assert launcher.networks == [compose["networks"]["phc"]["name"]]
    # Names only, each one a variable the project or Dagster reads: no secret in the file.
    assert all(known(name) for name in launcher.env_vars), launcher.env_vars
    for name in ("PHC_DATABASE_URL", "DAGSTER_PG_URL", "PRESTASHOP_WS_KEY", "PHC_SHOPS_FILE"):
        assert name in launcher.env_vars
    # The same queues as on one machine: one run per pool, pools limited by default.
    assert config["concurrency"]["pools"] == {"granularity": "run", "default_limit": 1}


def test_the_compose_file_serves_the_code_location_over_grpc():
    compose = yaml.safe_load((DOCKER / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {
        "postgres", "user_code", "dagster-webserver", "dagster-daemon", "dashboard",
    }  # fmt: skip
    command = services["user_code"]["command"]
    assert command[:3] == ["dagster", "code-server", "start"]
    assert command[command.index("-m") + 1] == "phc_analytics.definitions"
    port = command[command.index("-p") + 1]
    workspace = yaml.safe_load((DOCKER / "workspace.yaml").read_text())
    grpc = workspace["load_from"][0]["grpc_server"]
    assert (grpc["host"], str(grpc["port"])) == ("user_code", port)
    assert (
        services["user_code"]["environment"]["DAGSTER_CURRENT_IMAGE"]
        == (services["user_code"]["image"])
    )
    # Only the daemon launches runs, so only it gets the Docker socket.
    sockets = [
        name
        for name, service in services.items()
        if any("docker.sock" in volume for volume in service.get("volumes", []))
    ]
    assert sockets == ["dagster-daemon"]
    environment = compose["x-phc-environment"]
    assert all(known(name) for name in environment), sorted(environment)
    # Every value is a reference to the operator's environment or a fixed path: no secret.
    for name, value in environment.items():
        if settings.BY_NAME.get(name) and settings.BY_NAME[name].secret:
            assert "${" in str(value), name


def test_the_helm_values_run_the_code_location_and_each_run_as_a_job():
    values = yaml.safe_load(HELM.read_text())
    deployment = values["dagster-user-deployments"]["deployments"][0]
    args = deployment["dagsterApiGrpcArgs"]
    assert args[args.index("--module-name") + 1] == "phc_analytics.definitions"
    assert values["runLauncher"]["type"] == "K8sRunLauncher"
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    # The run Jobs get the code location's secret, and the variables it sets.
    assert k8s["envSecrets"] == deployment["envSecrets"]
    assert {e.split("=", 1)[0] for e in k8s["envVars"]} <= {e["name"] for e in deployment["env"]}
    assert all(known(e["name"]) for e in deployment["env"])
    # What the chart renders from these values, checked against dagster-k8s's own schema.
    rendered = {
        "instance_config_map": "phc-dagster-instance",
        "dagster_home": "/opt/dagster/dagster_home",
        "postgres_password_secret": values["global"]["postgresqlSecretName"],
        "env_secrets": [s["name"] for s in k8s["envSecrets"]],
        "env_vars": k8s["envVars"],
        "run_k8s_config": {"container_config": k8s["runK8sConfig"]["containerConfig"]},
    }
    result = process_config(K8sRunLauncher.config_type(), rendered)
    assert result.success, result.errors
    # Dagster's storage is the managed server, over TLS; no password in the values.
    assert values["postgresql"]["enabled"] is False
    assert values["postgresql"]["postgresqlParams"]["sslmode"] == "require"
    assert not re.search(r"password\s*:", HELM.read_text(), re.IGNORECASE)


def test_every_instance_allows_one_run_per_shop_and_a_few_shops_at_once():
    """Several shops: the limits on the tag Dagster gives a shop-by-day partition's runs, the
    same on one machine, on Docker hosts and in the Helm chart (docs/deploy.md)."""
    from phc_analytics.ingestion.shop_partitions import SHOP_TAG

    per_shop = {"key": SHOP_TAG, "value": {"applyLimitPerUniqueValue": True}, "limit": 1}
    at_once = {"key": SHOP_TAG, "limit": 4}
    for folder in (ROOT, DOCKER):
        # Validated by Dagster's own instance schema (a run_coordinator-level copy is refused).
        config, _custom = dagster_instance_config(str(folder), "dagster.yaml")
        limits = config["concurrency"]["runs"]["tag_concurrency_limits"]
        assert per_shop in limits and at_once in limits, folder
    helm = yaml.safe_load(HELM.read_text())["dagsterDaemon"]["runCoordinator"]["config"]
    limits = helm["queuedRunCoordinator"]["tagConcurrencyLimits"]
    assert per_shop in limits and at_once in limits
