import dagster as dg
import psycopg
import pytest

from phc_analytics.errors import PhcError
from phc_analytics.warehouse.resource import WarehouseResource


def test_resource_migrates_on_start_and_connects(empty_database: str):
    resource = WarehouseResource(database_url=empty_database)
    with dg.build_init_resource_context() as context:
        resource.setup_for_execution(context)
    with resource.connect() as conn:
        assert conn.execute("SELECT count(*) FROM public.schema_migrations").fetchone()[0] >= 4


def test_unreachable_server_is_one_actionable_line():
    resource = WarehouseResource(
        database_url="postgresql://etl:hunter2@127.0.0.1:1/nowhere", migrate_on_start=False
    )
    with pytest.raises(PhcError) as excinfo, resource.connect():
        pass
    message = str(excinfo.value)
    assert message.startswith("cannot reach the warehouse at postgresql://etl:***@127.0.0.1:1/")
    assert "hunter2" not in message and "\n" not in message
    assert not isinstance(excinfo.value, psycopg.Error)
