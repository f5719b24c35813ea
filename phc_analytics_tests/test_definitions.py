import subprocess
import sys

import dagster as dg

from phc_analytics.definitions import defs


def test_definitions_load():
    dg.Definitions.validate_loadable(defs())


def test_definitions_bind_every_resource_the_assets_need():
    # The resources are chosen in phc_analytics.resources (see test_resources.py).
    assert set(defs().resources) == {"warehouse", "prestashop", "dbt", "sync_progress"}


def test_importing_the_code_location_loads_neither_dbt_nor_the_demo_shop():
    """Only loading the definitions (Dagster calls ``defs``) pays for dagster-dbt and the
    manifest; a command that imports the module for anything else does not."""
    probe = (
        "import sys, phc_analytics.definitions as d;"
        " print(sorted(m for m in ('dagster_dbt', 'dbt', 'phc_analytics.demo_shop',"
        " 'phc_analytics.transform.assets') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"
