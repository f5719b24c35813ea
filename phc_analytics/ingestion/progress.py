"""Where a sync reports its progress: nowhere by default (the run log gets a summary), a
progress bar per entity when the CLI runs the assets."""

from __future__ import annotations

from collections.abc import Callable

import dagster as dg

from phc_analytics.ingestion.sync import SyncStats


class SyncProgress(dg.ConfigurableResource):
    def on_batch(self, entity: str) -> Callable[[SyncStats], None] | None:
        return None

    def finished(self, stats: SyncStats) -> None:
        return None


class RichSyncProgress:
    """Bars for `phc-analytics sync` and `run`, which execute the assets in-process.

    Passed as ``ResourceDefinition.hardcoded_resource(...)``: Dagster rebuilds configurable
    resources from their config, which would drop the live progress display.
    """

    def __init__(self, progress):
        self._progress = progress
        self._tasks: dict = {}

    def _task(self, entity: str):
        if entity not in self._tasks:
            self._tasks[entity] = self._progress.add_task(entity, total=None)
        return self._tasks[entity]

    def on_batch(self, entity: str) -> Callable[[SyncStats], None] | None:
        task = self._task(entity)

        def update(stats: SyncStats) -> None:
            self._progress.update(
                task, completed=stats.rows_read, description=f"{entity} ({stats.pages} pages)"
            )

        return update

    def finished(self, stats: SyncStats) -> None:
        task = self._task(stats.entity)
        self._progress.update(
            task,
            total=max(stats.rows_read, 1),
            completed=max(stats.rows_read, 1),
            description=f"{stats.entity}: {stats.rows_read} read, {stats.new_versions} new",
        )
