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


def test_the_sync_definitions_hold_the_raw_assets_and_checks_without_dbt():
    """`phc-analytics sync` builds sync_defs: every raw asset and raw check, and no dbt at all
    (loading dagster-dbt and the manifest was over a second of a sync's start-up)."""
    probe = (
        "import sys; from phc_analytics.definitions import sync_defs; d = sync_defs();"
        " print(sorted(k.to_user_string() for a in d.assets for k in a.keys));"
        " print(len({c for c in d.asset_checks for c in c.check_keys}));"
        " print('dagster_dbt' in sys.modules, 'dbt' in d.resources)"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    assets, checks, dbt = out.stdout.strip().splitlines()
    full = defs()
    raw = sorted(k.to_user_string() for k in full.resolve_asset_graph().get_all_asset_keys())
    assert assets == str([k for k in raw if k.startswith("raw_")])
    raw_checks = [k for a in full.asset_checks or [] for k in a.check_keys]
    raw_checks = [k for k in raw_checks if k.asset_key.to_user_string().startswith("raw_")]
    assert int(checks) == len(raw_checks) > 0
    assert dbt == "False False"


def test_a_shop_change_refreshes_raw_staging_and_the_marts_in_one_run():
    from phc_analytics.ingestion.sensors import shop_change_sensor

    code_location = defs()
    assert shop_change_sensor.job_name == "shop_refresh"
    job = code_location.resolve_job_def("shop_refresh")
    layers = {key.path[0].split("_")[0] for key in job.asset_layer.selected_asset_keys}
    assert layers == {"raw", "staging", "analytics"}
