from phc_analytics.quality.quarantine_check import label


def test_a_quarantined_record_is_named_by_its_shop_when_there_are_several():
    assert label("default", "orders", 7) == "orders:7"
    assert label("paris", "orders", 7) == "paris/orders:7"
    assert label("paris", "orders", 7) != label("berlin", "orders", 7)
