from phc_analytics.runner import partitions_to_load

KEYS = [f"2026-01-{d:02d}" for d in range(1, 32)] + [f"2026-02-{d:02d}" for d in range(1, 11)]


def test_first_run_records_only_recent_partitions():
    assert partitions_to_load(KEYS, [set(), set()], max_partitions=5) == (KEYS[-5], KEYS[-1])


def test_later_runs_start_at_the_first_recent_gap_and_always_include_today():
    loaded = set(KEYS[:-3])
    assert partitions_to_load(KEYS, [loaded, set(KEYS)], max_partitions=10) == (KEYS[-3], KEYS[-1])
    assert partitions_to_load(KEYS, [set(KEYS)], max_partitions=10) == (KEYS[-1], KEYS[-1])
    assert partitions_to_load([], [set()]) is None
