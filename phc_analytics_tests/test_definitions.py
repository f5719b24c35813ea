import dagster as dg

from phc_analytics.definitions import defs


def test_definitions_load():
    dg.Definitions.validate_loadable(defs)


def test_warehouse_resource_is_configured_by_variable_name_not_value():
    resources = defs.resources
    assert "warehouse" in resources
    # The URL (which carries a password) is never part of the resource config shown in the UI.
    assert resources["warehouse"].database_url_env == "PHC_DATABASE_URL"
