from decimal import Decimal

from phc_analytics.reporting.reconcile import Figures, compare, order_revenue


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
