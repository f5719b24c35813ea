"""Start `dagster dev` on a free port against a test database, and talk to it over GraphQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from phc_analytics import settings
from phc_analytics.dagster_env import install_instance_config
from phc_analytics.warehouse.embedded import free_port
from phc_analytics.warehouse.location import to_sqlalchemy

REPOSITORY_NAME = "__repository__"  # the implicit repository of a Definitions object
ASSET_JOB = "__ASSET_JOB"  # the implicit job every asset belongs to
TERMINAL_RUN_STATUSES = {"SUCCESS", "FAILURE", "CANCELED"}
IN_FLIGHT_RUN_STATUSES = {"QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING"}
TERMINAL_BACKFILL_STATUSES = {
    "COMPLETED",
    "COMPLETED_SUCCESS",
    "COMPLETED_FAILED",
    "FAILED",
    "CANCELED",
}

LAUNCH_RUN = """
mutation ($params: ExecutionParams!) {
  launchRun(executionParams: $params) { __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message stack }
    ... on RunConfigValidationInvalid { errors { message } }
    ... on Error { message } } }
"""

LAUNCH_BACKFILL = """
mutation ($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) { __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on Error { message } } }
"""

RUN_STATUS = """
query ($runId: ID!) { runOrError(runId: $runId) { __typename
  ... on Run { status tags { key value } }
  ... on Error { message } } }
"""

BACKFILL_STATUS = """
query ($id: String!) { partitionBackfillOrError(backfillId: $id) { __typename
  ... on PartitionBackfill { status partitionNames runs(limit: 10) { runId status } }
  ... on Error { message } } }
"""

RUN_FAILURES = """
query ($runId: ID!) { logsForRun(runId: $runId, limit: 2000) { __typename
  ... on EventConnection { events { __typename
    ... on ExecutionStepFailureEvent { stepKey error { message } }
    ... on RunFailureEvent { message } } } } }
"""

RECENT_RUNS = """
query ($limit: Int) { runsOrError(limit: $limit) { __typename
  ... on Runs { results { runId jobName status creationTime startTime endTime
    tags { key value } } } } }
"""

LOCATION_QUERY = """
{ workspaceOrError { __typename
    ... on Workspace { locationEntries { name loadStatus
        locationOrLoadError { __typename ... on PythonError { message stack } } } } } }
"""


@dataclass
class DagsterDev:
    url: str
    process: subprocess.Popen
    log_path: Path

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        response = requests.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=60
        )
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def location_entries(self) -> list[dict]:
        return self.graphql(LOCATION_QUERY)["workspaceOrError"]["locationEntries"]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def job_selector(self, asset_keys: list[list[str]] | None = None) -> dict:
        selector = {
            "repositoryLocationName": self.location_entries()[0]["name"],
            "repositoryName": REPOSITORY_NAME,
            "jobName": ASSET_JOB,
        }
        if asset_keys is not None:
            selector["assetSelection"] = [{"path": key} for key in asset_keys]
        return selector

    def launch_run(self, asset_keys: list[list[str]], tags: dict[str, str] | None = None) -> str:
        """Launch one run of ``asset_keys`` (their checks included); returns the run id."""
        params = {
            "selector": self.job_selector(asset_keys),
            "executionMetadata": {
                "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]
            },
        }
        result = self.graphql(LAUNCH_RUN, {"params": params})["launchRun"]
        assert result["__typename"] == "LaunchRunSuccess", result
        return result["run"]["runId"]

    def launch_backfill(
        self, asset_keys: list[list[str]], partitions: list[str], title: str = "backfill"
    ) -> str:
        """An asset backfill of ``partitions`` of ``asset_keys``; returns the backfill id."""
        params = {
            "assetSelection": [{"path": key} for key in asset_keys],
            "partitionNames": partitions,
            "title": title,
        }
        result = self.graphql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
        assert result["__typename"] == "LaunchBackfillSuccess", result
        return result["backfillId"]

    def run_status(self, run_id: str) -> dict:
        result = self.graphql(RUN_STATUS, {"runId": run_id})["runOrError"]
        assert result["__typename"] == "Run", result
        return result

    def wait_for_run(self, run_id: str, timeout_s: float) -> str:
        """The run's final status; fails when it is not final within ``timeout_s``."""
        status = self._wait(
            lambda: self.run_status(run_id)["status"],
            TERMINAL_RUN_STATUSES,
            timeout_s,
            f"run {run_id}",
        )
        return status

    def backfill(self, backfill_id: str) -> dict:
        result = self.graphql(BACKFILL_STATUS, {"id": backfill_id})["partitionBackfillOrError"]
        assert result["__typename"] == "PartitionBackfill", result
        return result

    def wait_for_backfill(self, backfill_id: str, timeout_s: float) -> str:
        return self._wait(
            lambda: self.backfill(backfill_id)["status"],
            TERMINAL_BACKFILL_STATUSES,
            timeout_s,
            f"backfill {backfill_id}",
        )

    def run_failures(self, run_id: str) -> list[str]:
        """The step and run failure messages of a run, for assertion messages."""
        logs = self.graphql(RUN_FAILURES, {"runId": run_id})["logsForRun"]
        events = logs.get("events", [])
        failures = []
        for event in events:
            if event["__typename"] in ("ExecutionStepFailureEvent", "RunFailureEvent"):
                message = (event.get("error") or {}).get("message") or event.get("message")
                failures.append(f"{event.get('stepKey') or 'run'}: {message}")
        return failures

    def recent_runs(self, limit: int = 20, created_after: float | None = None) -> list[dict]:
        """The latest runs, newest first: id, job, status, what launched them and when (epoch
        seconds)."""
        results = self.graphql(RECENT_RUNS, {"limit": limit})["runsOrError"]["results"]
        runs = []
        for run in results:
            if created_after is not None and run["creationTime"] < created_after:
                continue
            tags = {t["key"]: t["value"] for t in run["tags"]}
            by = tags.get("dagster/sensor_name") or tags.get("dagster/schedule_name")
            by = by or ("backfill" if "dagster/backfill" in tags else "manual")
            runs.append(
                {
                    "run_id": run["runId"][:8],
                    "job": run["jobName"],
                    "status": run["status"],
                    "launched_by": by,
                    "created": run["creationTime"],
                    "started": run["startTime"],
                    "ended": run["endTime"],
                }
            )
        return runs

    def wait_until_idle(self, timeout_s: float) -> float:
        """Wait until no run is queued or running (sensors and automation may still launch new
        ones later); returns the seconds waited."""
        started = time.monotonic()
        self._wait(
            lambda: (
                "busy"
                if any(r["status"] in IN_FLIGHT_RUN_STATUSES for r in self.recent_runs(limit=50))
                else "idle"
            ),
            {"idle"},
            timeout_s,
            "the instance to have no run in flight",
        )
        return time.monotonic() - started

    def wait_for_a_run_launched_by(self, launcher: str, timeout_s: float) -> float:
        """Wait until a run launched by ``launcher`` (a sensor or schedule name) exists; returns
        the seconds waited."""
        started = time.monotonic()
        self._wait(
            lambda: (
                "launched"
                if any(r["launched_by"] == launcher for r in self.recent_runs(limit=50))
                else "waiting"
            ),
            {"launched"},
            timeout_s,
            f"a run launched by {launcher}",
        )
        return time.monotonic() - started

    def _wait(self, read, final: set[str], timeout_s: float, what: str) -> str:
        deadline = time.monotonic() + timeout_s
        status = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"dagster dev exited while waiting for {what}")
            status = read()
            if status in final:
                return status
            time.sleep(2)
        raise AssertionError(f"{what} still {status} after {timeout_s:.0f} s")


@contextmanager
def dagster_dev(
    dagster_db_url: str, work_dir: Path, extra_env: dict | None = None, timeout_s: float = 180
) -> Iterator[DagsterDev]:
    """`dagster dev` with its instance in ``dagster_db_url`` and its home in ``work_dir`` (with
    the project's dagster.yaml); started there, so that a developer's .env cannot redirect it."""
    port = free_port()
    env = {
        **os.environ,
        "DAGSTER_HOME": str(install_instance_config(work_dir / "dagster_home").parent),
        "PHC_DAGSTER_STORAGE": str(work_dir / "dagster_storage"),
        settings.ENV_DAGSTER_PG_URL: to_sqlalchemy(dagster_db_url),
        **(extra_env or {}),
    }
    log_path = work_dir / "dagster_dev.log"
    dagster = str(Path(sys.executable).parent / "dagster")
    workspace = str(settings.project_root() / "workspace.yaml")
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [dagster, "dev", "-w", workspace, "-h", "127.0.0.1", "-p", str(port)],
            cwd=work_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    dev = DagsterDev(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise AssertionError(f"dagster dev exited early:\n{dev.log()[-3000:]}")
            try:
                entries = dev.location_entries()
                if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"dagster dev did not load in time:\n{dev.log()[-3000:]}")
            time.sleep(1)
        yield dev
    finally:
        stop_session(process)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def stop_session(process: subprocess.Popen, grace_s: float = 30) -> None:
    """Stop `dagster dev` and everything it started (code server, daemon, run workers): they
    share its process group. A code server busy with a run can outlive the webserver, so what
    is left after the grace period is killed."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _group_alive(process.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    if _group_alive(process.pid):
        os.killpg(process.pid, signal.SIGKILL)
