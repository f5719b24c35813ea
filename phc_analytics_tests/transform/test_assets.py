"""dbt tests as asset checks: each result carries the severity its yml configures."""

from __future__ import annotations

import json

import dagster as dg

from phc_analytics.transform.assets import (
    DbtConfig,
    configured_severity,
    dbt_analytics,
    dbt_build_args,
    dbt_staging,
)
from phc_analytics.transform.project import dbt_project
from phc_analytics_tests.support.built_warehouse import BuiltWarehouse

UNIQUE_ID = "dagster_dbt/unique_id"


def yml_severities() -> dict[dg.AssetCheckKey, str]:
    """Check key -> the severity dbt's manifest gives the test ("ERROR" / "WARN")."""
    nodes = json.loads(dbt_project.manifest_path.read_text())["nodes"]
    return {
        spec.key: nodes[spec.metadata[UNIQUE_ID]]["config"]["severity"].upper()
        for assets in (dbt_staging, dbt_analytics)
        for spec in assets.check_specs
    }


def test_run_config_becomes_dbt_arguments():
    assert dbt_build_args(DbtConfig()) == ["build"]
    assert dbt_build_args(DbtConfig(full_refresh=True)) == ["build", "--full-refresh"]
    every_row = dbt_build_args(DbtConfig(test_every_row=True))
    assert every_row[:2] == ["build", "--vars"]
    assert json.loads(every_row[2]) == {"test_every_row": True}


def test_the_project_has_tests_of_both_severities():
    assert set(yml_severities().values()) == {"ERROR", "WARN"}


def test_a_result_takes_the_configured_severity_pass_or_fail():
    specs = {spec.key: spec for a in (dbt_staging, dbt_analytics) for spec in a.check_specs}
    for key, severity in yml_severities().items():
        for passed in (True, False):
            # What dagster-dbt reports for a test that passed or failed with dbt's `fail`.
            result = dg.AssetCheckResult(
                asset_key=key.asset_key,
                check_name=key.name,
                passed=passed,
                severity=dg.AssetCheckSeverity.ERROR,
            )
            assert configured_severity(result, specs[key]).value == severity, key


def test_passing_warn_tests_are_recorded_as_warn(built_warehouse: BuiltWarehouse):
    expected = yml_severities()
    evaluations = built_warehouse.result.get_asset_check_evaluations()
    recorded = {e.asset_check_key: e.severity.value for e in evaluations}
    assert recorded == expected
