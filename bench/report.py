"""docs/benchmarks.md: an explanatory header once, then one dated section per `make bench`."""

from __future__ import annotations

from pathlib import Path

from phc_analytics import settings

HEADER = """# Benchmarks

`make bench` (`python -m bench`, code in `bench/`, outside the test suite) measures the
platform at 10k, 100k and 1M demo-shop orders against the limits of the machine it runs on
(issue 7), and appends a dated section below. Each section records the machine, its load
average, the git sha and a table of figures:

- **value**: what was measured; **limit / target**: what it is compared with; **ratio**: value
  divided by that limit or target (a throughput ratio should be high, a time ratio low);
  **met?**: whether the target holds (blank: informative figure); **load**: the one-minute load
  average just after the measurement (2 cores: above 2 means something else competed for CPU).
- **Initial sync**: the project's `sync_entity` for every resource into an empty raw schema, in a
  child process (which reports its own peak RSS, VmHWM), against the demo shop served by its
  own process. Its two limits are measured in the same run: the shop alone (every page of the same
  windows fetched with a bare HTTP client and discarded) and PostgreSQL alone (COPY of the same
  payloads into a raw-shaped table). The ratio is against the lower of the two.
- **Slow shop**: the demo shop with 2 ms of latency per record returned, orders only, on the 10k
  shop: one window at a time versus four in flight.
- **Incremental sync**: after advancing the shop by about 1% of its orders (new orders, state
  changes, edits), the same sync reads from the watermarks.
- **dbt**: `dbt build` (models and tests) through the project's dbt resource: the full build on
  the initial load, then staging and marts after the 1% change; each mart's refresh time comes
  from `analytics.refresh_log`.
- **BI queries**: ten dashboard queries on the marts, 50 timed runs each after 5 warm-up runs,
  p50 and p95 client-side; `EXPLAIN (ANALYZE, BUFFERS)` checks that the selective ones use an
  index.

Every database is created fresh on the embedded PostgreSQL and dropped at the end. Shops are
cached under `.phc/bench/` by (orders, seed); a run works on a copy.
"""


def benchmarks_file() -> Path:
    return settings.project_root() / "docs" / "benchmarks.md"


def append_section(section: str, path: Path | None = None) -> Path:
    path = path or benchmarks_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(HEADER)
    with path.open("a") as out:
        out.write("\n" + section.rstrip() + "\n")
    return path
