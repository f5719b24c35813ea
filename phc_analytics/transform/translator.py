"""How dbt nodes become Dagster assets: group by folder, refresh when upstream data lands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

# Folder under models/ -> Dagster group (same names as the PostgreSQL schemas).
GROUPS = {"staging": "staging", "analytics": "analytics"}

# Staging sits downstream of the daily-partitioned raw assets. Plain eager() never fires for an
# unpartitioned asset while any historical upstream partition is missing (it contains
# ~any_deps_missing), so staging would wait for a backfill of every day since the partitions'
# start. Dropping that clause refreshes it whenever raw lands.
STAGING_CONDITION = dg.AutomationCondition.eager().without(
    ~dg.AutomationCondition.any_deps_missing()
)
# The marts: eager(), and not while a parent's own parents are still in progress. A raw sync
# lands its entities one step at a time; a tick that falls between two steps refreshes the
# staging tables whose raw is done, and plain eager() would then rebuild every mart on half the
# change and again on the rest (measured: three queued mart builds, 182 s from a shop change to
# fct_orders; one build and 68 s with this clause). It looks two levels up, raw -> staging ->
# mart. A mart built on another mart sees the raw sync three levels up, so it can still be
# rebuilt once too early: wasted work, never a wrong number, since the final refresh follows.
ANALYTICS_CONDITION = dg.AutomationCondition.eager() & ~dg.AutomationCondition.any_deps_match(
    dg.AutomationCondition.any_deps_in_progress()
).with_label("no grandparent in progress")


def model_folder(resource_props: Mapping[str, Any]) -> str | None:
    """'staging' / 'analytics' for models/<folder>/..., from the node's fqn."""
    fqn = resource_props.get("fqn") or []
    return fqn[1] if len(fqn) > 2 else None


class PhcDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props.get("resource_type") != "model":
            return spec  # sources keep the raw asset keys from meta.dagster.asset_key
        folder = model_folder(props)
        group = GROUPS.get(folder or "")
        if group is None:
            return spec
        condition = STAGING_CONDITION if folder == "staging" else ANALYTICS_CONDITION
        return spec.replace_attributes(group_name=group, automation_condition=condition)
