"""Benchmarks of phc_analytics against the limits of the machine (issue 7).

`make bench` (``python -m bench``) generates or reuses demo shops of 10k, 100k and 1M orders,
measures the initial and incremental syncs, the dbt builds, the BI queries and the sync's
memory, and appends a dated table to docs/benchmarks.md. Outside the test suite on purpose.

One module per job: shops (generation cache), database (fresh bench databases), sync_child (the
sync in a child process), limits (bare HTTP fetch and COPY), slow_shop, dbt_bench, queries,
profiling, machine, stats (percentiles, figures, table) and report (docs/benchmarks.md).
"""
