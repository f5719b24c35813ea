"""The export benchmark's helpers: reading the export's summary, a child's peak RSS."""

import io
import sys
from pathlib import Path

import pytest
from rich.console import Console

from bench.exports import parse_summary, run_measured
from phc_analytics.export.cli import print_summary
from phc_analytics.export.run import MartExport


@pytest.mark.parametrize("encoding", ["utf-8", "ascii"])  # a pipe under LANG=C gets ASCII boxes
def test_the_summary_the_export_prints_is_read_back(encoding):
    results = [
        MartExport("fct_order_lines", Path("x"), 3_141_592, 987_654_321, 71.25),
        MartExport("dim_date", Path("y"), 1_461, 40_000, 0.04),
    ]
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding=encoding, errors="strict", write_through=True)
    print_summary(Console(file=out, width=160, highlight=False), results, "export to /tmp/x")
    text = raw.getvalue().decode(encoding)
    rows, marts, size, per_mart = parse_summary("wrote /tmp/x/a.csv\n" + text)
    assert (rows, marts, size) == (3_143_053, 2, 987_694_321)
    assert per_mart == {"fct_order_lines": (3_141_592, 71.25), "dim_date": (1_461, 0.04)}
    with pytest.raises(ValueError, match="exported"):
        parse_summary("error: something else\n")


def test_a_child_peak_rss_is_its_own_and_failures_raise():
    allocate = (
        "import time; b = bytearray(200 * 1024 * 1024); b[::4096] = b'\\x01' * len(b[::4096]);"
        " del b; time.sleep(0.2); print('done')"
    )
    seconds, peak_mb, stdout = run_measured([sys.executable, "-c", allocate], env={})
    assert stdout.strip() == "done" and seconds > 0.2
    # Freed before it exits: only a high-water mark sees the 200 MB.
    assert 200 < peak_mb < 300
    with pytest.raises(RuntimeError, match="boom"):
        run_measured([sys.executable, "-c", "raise SystemExit('boom')"], env={})
