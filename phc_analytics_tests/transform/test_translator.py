"""The automation conditions the translator gives dbt models, evaluated by Dagster on a toy graph
of the same shape (raw -> staging -> mart) in a temporary instance."""

from __future__ import annotations

import dagster as dg

from phc_analytics.transform.translator import ANALYTICS_CONDITION, STAGING_CONDITION


def graph(mart_condition: dg.AutomationCondition) -> list[dg.AssetsDefinition]:
    @dg.asset
    def raw_a(): ...

    @dg.asset
    def raw_b(): ...

    @dg.asset(deps=[raw_a], automation_condition=STAGING_CONDITION)
    def stg_a(): ...

    @dg.asset(deps=[raw_b], automation_condition=STAGING_CONDITION)
    def stg_b(): ...

    @dg.asset(deps=[stg_a, stg_b], automation_condition=mart_condition)
    def mart(): ...

    return [raw_a, raw_b, stg_a, stg_b, mart]


def requested_after_half_a_sync(mart_condition: dg.AutomationCondition) -> set[str]:
    """Everything built once; then a raw sync has landed raw_a and is still writing raw_b."""
    assets = graph(mart_condition)
    with dg.instance_for_test() as instance:
        # The first tick only records the state; nothing is new yet.
        assert dg.materialize(assets, instance=instance).success
        cursor = dg.evaluate_automation_conditions(defs=assets, instance=instance).cursor
        dg.materialize(assets, instance=instance, selection=["raw_a"])
        job = dg.Definitions(assets=assets).resolve_implicit_global_asset_job_def()
        instance.create_run_for_job(
            job_def=job,
            asset_selection=frozenset({dg.AssetKey("raw_b")}),
            status=dg.DagsterRunStatus.STARTED,
        )
        result = dg.evaluate_automation_conditions(defs=assets, instance=instance, cursor=cursor)
        return {a.key.to_user_string() for a in assets if result.get_num_requested(a.key)}


def test_a_mart_waits_while_a_parent_of_its_parents_is_still_syncing():
    assert requested_after_half_a_sync(ANALYTICS_CONDITION) == {"stg_a"}


def test_plain_eager_would_rebuild_the_mart_on_half_the_change():
    # What the extra clause prevents: the toy graph does reproduce the wasted build.
    assert requested_after_half_a_sync(dg.AutomationCondition.eager()) == {"stg_a", "mart"}


def test_a_sync_of_one_shop_by_day_partition_requests_the_staging_build():
    """With several shops the change sensor only syncs (a run per shop-by-day partition): the
    staging build must then be asked for by the automation sensor, although the other shops'
    and days' partitions were never materialized."""
    partitions = dg.MultiPartitionsDefinition(
        {
            "shop": dg.StaticPartitionsDefinition(["paris", "berlin"]),
            "day": dg.DailyPartitionsDefinition(start_date="2026-12-01", end_date="2026-12-05"),
        }
    )

    @dg.asset(partitions_def=partitions)
    def raw_orders(): ...

    @dg.asset(deps=[raw_orders], automation_condition=STAGING_CONDITION)
    def stg_orders(): ...

    assets = [raw_orders, stg_orders]
    with dg.instance_for_test() as instance:
        cursor = dg.evaluate_automation_conditions(defs=assets, instance=instance).cursor
        key = dg.MultiPartitionKey({"shop": "berlin", "day": "2026-12-03"})
        assert dg.materialize([raw_orders], instance=instance, partition_key=key).success
        result = dg.evaluate_automation_conditions(defs=assets, instance=instance, cursor=cursor)
        assert result.get_num_requested(stg_orders.key) == 1
