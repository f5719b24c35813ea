from decimal import Decimal

from phc_analytics.reporting.reconcile import (
    Figures,
    by_store,
    compare,
    order_revenue,
    store_currency,
)


def figures(**overrides) -> Figures:
    base = {
        "orders_by_month": {"2026-01": 3, "2026-02": 1},
        "revenue_by_month": {"2026-01": Decimal("100.00"), "2026-02": Decimal("5.50")},
        "orders_by_state": {2: 3, 6: 1},
        "customers": 2,
    }
    return Figures(**{**base, **overrides})


def test_identical_figures_reconcile():
    assert compare(figures(), figures()) == []


def test_each_kind_of_drift_is_reported_with_both_sides():
    drifted = figures(
        orders_by_month={"2026-01": 3},
        revenue_by_month={"2026-01": Decimal("100.02"), "2026-02": Decimal("5.50")},
        orders_by_state={2: 4, 6: 1},
        customers=3,
    )
    found = {(d.metric, d.key, d.shop, d.warehouse) for d in compare(figures(), drifted)}
    assert ("orders", "2026-02", 1, 0) in found
    assert ("revenue", "2026-01", Decimal("100.00"), Decimal("100.02")) in found
    assert ("orders by state", "2", 3, 4) in found
    assert ("customers", "all", 2, 3) in found


def test_a_cent_of_rounding_is_not_a_difference():
    close = figures(revenue_by_month={"2026-01": Decimal("100.01"), "2026-02": Decimal("5.50")})
    assert compare(figures(), close) == []


def test_order_revenue_follows_prestashop_and_survives_bad_values():
    order = {"total_paid_tax_excl": "110.000000", "total_shipping_tax_excl": "10.000000",
             "conversion_rate": "0.800000"}  # fmt: skip
    assert order_revenue(order) == Decimal("125")
    assert order_revenue({**order, "conversion_rate": "0.000000"}) == Decimal("100")
    assert order_revenue({**order, "total_paid_tax_excl": "n/a"}) == Decimal("-12.5")


def test_deletes_one_side_has_not_seen_are_reported_both_ways():
    shop = figures(live_ids={"customers": frozenset({1, 2, 3}), "products": frozenset({7})})
    same = figures(live_ids={"customers": frozenset({1, 2, 3}), "products": frozenset({7})})
    assert compare(shop, same) == []
    # Customer 4 was deleted in the shop (the marts still show it live); product 8 is new in
    # the shop, or the marts marked it removed wrongly.
    warehouse = figures(live_ids={"customers": frozenset({1, 2, 3, 4}), "products": frozenset()})
    found = {(d.metric, d.shop, d.warehouse, d.key) for d in compare(shop, warehouse)}
    assert (
        "deleted ids",
        0,
        1,
        "customers gone from the shop, live in the marts (e.g. 4)",
    ) in found
    assert ("deleted ids", 1, 0, "products in the shop, not live in the marts (e.g. 7)") in found


def test_refunds_per_month_are_compared_to_the_cent():
    shop = figures(refunds_by_month={"2026-01": Decimal("12.30")})
    assert compare(shop, figures(refunds_by_month={"2026-01": Decimal("12.31")})) == []
    found = {
        (d.metric, d.key, d.shop, d.warehouse)
        for d in compare(shop, figures(refunds_by_month={"2026-02": Decimal("12.30")}))
    }
    assert found == {
        ("refunds", "2026-01", Decimal("12.30"), 0),
        ("refunds", "2026-02", 0, Decimal("12.30")),
    }


def test_carts_per_month_are_compared():
    shop = figures(carts_by_month={"2026-01": 40, "2026-02": 7})
    assert compare(shop, figures(carts_by_month={"2026-01": 40, "2026-02": 7})) == []
    drifted = figures(carts_by_month={"2026-01": 41, "2026-02": 7})
    found = {(d.metric, d.key, d.shop, d.warehouse) for d in compare(shop, drifted)}
    assert found == {("carts", "2026-01", 40, 41)}


def test_revenue_is_keyed_by_store_only_when_orders_span_several():
    one = {("2026-01", 1): Decimal("10.004"), ("2026-02", 1): Decimal("0")}
    assert by_store(one) == {"2026-01": Decimal("10.00")}
    two = {("2026-01", 1): Decimal("10"), ("2026-01", 3): Decimal("7.5")}
    assert by_store(two) == {
        "2026-01 store 1": Decimal("10.00"),
        "2026-01 store 3": Decimal("7.50"),
    }


def test_a_stores_currency_is_its_own_then_its_groups_then_the_global_one():
    rows = [
        {"id": 1, "name": "PS_CURRENCY_DEFAULT", "value": "1", "id_shop": "", "id_shop_group": ""},
        {
            "id": 40,
            "name": "PS_CURRENCY_DEFAULT",
            "value": "2",
            "id_shop": "",
            "id_shop_group": "2",
        },
        {
            "id": 41,
            "name": "PS_CURRENCY_DEFAULT",
            "value": "3",
            "id_shop": "3",
            "id_shop_group": "2",
        },
        {"id": 42, "name": "PS_TIMEZONE", "value": "4", "id_shop": "4", "id_shop_group": "2"},
    ]
    assert store_currency(rows, None, None) == 1
    assert store_currency(rows, 1, 1) == 1
    assert store_currency(rows, 3, 2) == 3
    assert store_currency(rows, 4, 2) == 2
