"""What the raw layer expects of the shop's payloads (the fields staging reads).

A PrestaShop list with ``display=full`` always sends every field of the resource, so a missing
one is schema drift: a module, an override or a version change. New fields are reported only.
"""

REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "orders": (
        "id", "id_customer", "id_address_delivery", "id_address_invoice", "id_currency",
        "id_carrier", "current_state", "valid", "date_add", "date_upd", "total_paid_tax_excl",
        "total_paid_tax_incl", "total_products", "total_products_wt", "total_discounts_tax_excl",
        "total_shipping_tax_excl", "conversion_rate", "reference", "payment", "module", "id_shop",
    ),
    "customers": ("id", "email", "is_guest", "deleted", "active", "date_add", "date_upd"),
    "products": (
        "id", "id_category_default", "price", "wholesale_price", "reference", "active",
        "name", "date_add", "date_upd",
    ),
    "addresses": ("id", "id_customer", "id_country", "city", "postcode", "deleted", "date_upd"),
    "categories": ("id", "id_parent", "level_depth", "name", "active", "date_upd"),
    "order_histories": ("id", "id_order", "id_order_state", "date_add"),
    "order_slip": (
        "id", "id_customer", "id_order", "conversion_rate", "total_products_tax_excl",
        "total_products_tax_incl", "total_shipping_tax_excl", "total_shipping_tax_incl",
        "amount", "shipping_cost_amount", "order_slip_type", "date_add", "date_upd",
    ),
    "order_payments": (
        "id", "order_reference", "id_currency", "amount", "payment_method", "conversion_rate",
        "date_add",
    ),
    "order_states": ("id", "logable", "paid", "shipped", "delivery", "name"),
    "countries": ("id", "id_zone", "iso_code", "name"),
    "zones": ("id", "name"),
    "currencies": ("id", "iso_code", "conversion_rate"),
    "carriers": ("id", "name"),
    "configurations": ("id", "name", "value"),
    "stock_availables": ("id", "id_product", "id_product_attribute", "quantity"),
    "carts": ("id", "id_customer", "id_currency", "date_add", "date_upd"),
    "cart_rules": ("id", "code", "name", "reduction_percent", "reduction_amount", "date_upd"),
    "order_cart_rules": ("id", "id_order", "id_cart_rule", "value", "value_tax_excl", "deleted"),
    "shops": ("id", "id_shop_group", "name", "active", "deleted"),
    "shop_groups": ("id", "name", "share_customer", "share_order", "share_stock", "active"),
}  # fmt: skip

# Below this many distinct ids a core table is suspicious (an empty shop, a key without rights).
MIN_IDS: dict[str, int] = {"orders": 1, "customers": 1, "products": 1, "order_states": 1}

EXAMPLES = 10
