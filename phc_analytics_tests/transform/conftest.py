"""The transform tests read the session's built warehouse (support/built_warehouse.py): a
demo shop with edge cases, synced over HTTP and built through Dagster. Tests that run dbt or
change data take a copy of their own (``built_copy``)."""
