from phc_analytics.ingestion.raw_store import needs_analyze


def test_a_table_never_analyzed_is_analyzed_after_its_first_rows():
    assert needs_analyze(1, -1)
    assert not needs_analyze(0, -1)


def test_an_analyzed_table_waits_for_autovacuums_threshold():
    assert not needs_analyze(149, 1000)
    assert needs_analyze(150, 1000)  # 50 rows + 10 % of 1,000
    assert not needs_analyze(0, 0)
    assert needs_analyze(50, 0)
