"""Declarative automation: raw landing refreshes staging, staging refreshes the marts.

Dagster's implicit automation sensor starts STOPPED; this one starts RUNNING, so a fresh
`dagster dev` keeps the marts fresh with nobody pressing a button. The sensor evaluates each
tick's conditions together, so a burst of raw runs gives one refresh, not one per run.
"""

import dagster as dg

automation_sensor = dg.AutomationConditionSensorDefinition(
    name="phc_automation",
    target=dg.AssetSelection.groups("staging", "analytics", "quality"),
    default_status=dg.DefaultSensorStatus.RUNNING,
    # Each hop of raw -> staging -> marts waits for a tick: 15 s keeps a shop change within
    # about two minutes of the marts on a small machine, and a tick still batches a burst.
    minimum_interval_seconds=15,
    description="Refreshes staging when raw lands and the marts when staging changes.",
)
