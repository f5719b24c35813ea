import dagster as dg

from phc_analytics.definitions import defs


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_definitions_bind_every_resource_the_assets_need():
    # The resources are chosen in phc_analytics.resources (see test_resources.py).
    assert set(defs.resources) == {"warehouse", "prestashop", "dbt", "sync_progress"}
