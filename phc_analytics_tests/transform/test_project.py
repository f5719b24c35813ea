"""Loading the code location describes the dbt project; it neither runs dbt nor edits the
environment (every code server, run worker and test imports it)."""

import json
import os
import subprocess
import sys
import textwrap

from phc_analytics.transform.project import dbt_project, manifest_is_stale

PROBE = textwrap.dedent(
    """
    import json, os, sys

    started = []
    def audit(event, args):
        if event in ("subprocess.Popen", "os.exec", "os.posix_spawn"):
            started.append(os.path.basename(str(args[0])))
    sys.addaudithook(audit)
    before = dict(os.environ)
    import phc_analytics.definitions
    changed = sorted(k for k in {*before, *os.environ} if before.get(k) != os.environ.get(k))
    print(json.dumps({"started": started, "changed": changed}))
    """
)


def test_importing_the_definitions_runs_no_dbt_and_leaves_the_environment_alone():
    manifest = dbt_project.manifest_path
    stat = manifest.stat()
    # A manifest older than the models, under `dagster dev`, with dbt off PATH: the conditions
    # in which the import used to parse the project and put the venv on PATH.
    os.utime(manifest, ns=(stat.st_atime_ns, 0))
    try:
        assert manifest_is_stale()
        env = {**os.environ, "PATH": "/usr/bin:/bin", "DAGSTER_IS_DEV_CLI": "1"}
        env.pop("DO_NOT_TRACK", None)
        out = subprocess.run(
            [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=300
        )
    finally:
        os.utime(manifest, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    # (Dagster's vendored croniter runs `file` to learn the architecture: not ours to judge.)
    assert "dbt" not in seen["started"]
    assert seen["changed"] == []
