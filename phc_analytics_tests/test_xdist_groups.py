"""`make test`'s workers keep an xdist group on one worker (docs/testing.md): the expensive
session fixtures are built once only if they do. pytest-xdist 3.8 under pytest 9 ignored the
groups without a word, which doubled the UI tests and the built warehouse."""

import subprocess
import sys
import textwrap
from pathlib import Path


def test_tests_of_one_group_run_on_one_worker(tmp_path: Path):
    (tmp_path / "test_grouped.py").write_text(
        textwrap.dedent(
            """
            import os
            import pytest

            @pytest.mark.parametrize("n", range(6))
            @pytest.mark.xdist_group("one")
            def test_member(n):
                with open("workers.txt", "a") as out:
                    out.write(os.environ["PYTEST_XDIST_WORKER"] + "\\n")
            """
        )
    )
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup", "-q", "-p",
         "no:cacheprovider", "test_grouped.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0, out.stdout[-2000:]
    workers = (tmp_path / "workers.txt").read_text().split()
    assert len(workers) == 6
    assert len(set(workers)) == 1, workers
