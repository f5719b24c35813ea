"""Run dbt from a test, through the project's resource, against a given database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dagster_dbt import DbtCliInvocation


def run_dbt(url: str, args: Sequence[str]) -> DbtCliInvocation:
    """Run one dbt command to completion (raises when it fails); the finished invocation gives
    access to its artifacts, e.g. ``get_artifact("run_results.json")``."""
    from phc_analytics.transform.project import dbt_project
    from phc_analytics.transform.resources import dbt_resource

    return dbt_resource(url).cli(list(args), manifest=dbt_project.manifest_path).wait()
