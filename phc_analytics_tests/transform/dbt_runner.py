"""Run dbt from a test, through the project's resource, against a given database."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dagster_dbt import DbtCliInvocation

ENV_NAME = "PHC_TEST_TRANSFORM_SCRATCH_URL"


def run_dbt(url: str, args: Sequence[str], env_name: str = ENV_NAME) -> DbtCliInvocation:
    """Run one dbt command to completion (raises when it fails); the finished invocation gives
    access to its artifacts, e.g. ``get_artifact("run_results.json")``."""
    from phc_analytics.transform.project import dbt_project
    from phc_analytics.transform.resources import dbt_resource

    previous = os.environ.get(env_name)
    os.environ[env_name] = url
    try:
        return dbt_resource(env_name).cli(list(args), manifest=dbt_project.manifest_path).wait()
    finally:
        if previous is None:
            os.environ.pop(env_name, None)
        else:
            os.environ[env_name] = previous
