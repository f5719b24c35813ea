"""The benchmark's pure helpers (the benchmark itself runs with `make bench`, not here)."""

import statistics
import subprocess
import sys

import pytest

from bench.__main__ import parse_scales
from bench.profiling import summarise
from bench.stats import Figure, percentile, render_table
from phc_analytics import settings


def test_percentile_interpolates_like_the_inclusive_quantiles():
    values = [5.0, 1.0, 3.0, 2.0, 4.0, 10.0, 7.0]
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    assert percentile(values, 50) == pytest.approx(statistics.median(values))
    assert percentile(values, 95) == pytest.approx(cuts[94])
    assert percentile([3.0], 95) == 3.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_table_has_one_row_per_figure_and_escapes_pipes():
    table = render_table(
        [
            Figure("sync", "10 s", "< 90 s", 0.11, True, 1.5),
            Figure("a | b", "x", met=False),
            Figure("info", "y"),
        ]
    ).splitlines()
    assert len(table) == 5
    assert table[2] == "| sync | 10 s | < 90 s | 0.11 | yes | 1.50 |"
    assert "a \\| b" in table[3] and "**no**" in table[3]
    assert table[4] == "| info | y |  |  |  |  |"


def test_scales_are_parsed_case_insensitively_and_unknown_ones_refused():
    assert parse_scales("10k, 1m") == [("10k", 10_000), ("1M", 1_000_000)]
    with pytest.raises(SystemExit):
        parse_scales("5k")


def test_profile_summary_counts_threads_self_and_inclusive_samples():
    collapsed = (
        "thread (1): MainThread;main (x.py:1);write (raw_store.py:9) 3\n"
        "thread (2): ps-fetch_0;run (thread.py:1);parse_list (parsing.py:2) 1\n"
    )
    total, threads, own, inclusive = summarise(collapsed)
    assert total == 4
    assert dict(threads) == {"writer (main thread)": 0.75, "fetch threads": 0.25}
    assert own[0] == ("write (raw_store.py)", 0.75)
    assert ("parse_list (parsing.py)", 0.25) in inclusive
    assert all("thread.py" not in name for name, _ in inclusive)


def test_a_child_reports_its_own_peak_rss_not_its_parents():
    # The sync child is spawned by the benchmark process, which grows with the shop. Its
    # ru_maxrss (os.wait4) would include that parent's image; VmHWM after exec does not.
    ballast = bytearray(300 * 1024 * 1024)
    ballast[::4096] = b"\x01" * len(ballast[::4096])  # touch every page: it is resident
    child = subprocess.run(
        [sys.executable, "-c", "from bench.sync_child import peak_rss_mb; print(peak_rss_mb())"],
        cwd=settings.project_root(),
        capture_output=True,
        text=True,
        check=True,
    )
    del ballast
    assert 1 < float(child.stdout) < 150
