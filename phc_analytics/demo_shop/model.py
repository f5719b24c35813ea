"""Resource definitions of the PrestaShop 8.2.1 Webservice, as the demo shop serves them.

Field order is the output order (id, webservice-parameter fields, definition fields,
associations), taken from the reference's section 7. Each field is written as a compact spec:

    name:K[>resource][*][!][?]

K is how MySQL compares the column in a filter: ``n`` numeric, ``s`` text, ``t`` datetime,
``d`` date.
``>resource`` adds the XML ``xlink:href`` PrestaShop renders for foreign keys, ``*`` marks an i18n
field, ``!`` a field served by a getter (not filterable, code 34), ``?`` a nullable column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

PSWS_VERSION = "8.2.1"
LANGUAGE_IDS = ("1", "2")  # en, fr: both active, so i18n fields are lists


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # "n" numeric, "s" text, "t" datetime, "d" date
    ref: str | None = None
    i18n: bool = False
    getter: bool = False
    nullable: bool = False


@dataclass(frozen=True)
class Association:
    name: str
    node_type: str  # the XML element name of one item
    ref: str | None  # resource an item id points to, for xlink:href
    fields: tuple[str, ...] = ()  # declared fields besides id
    field_refs: dict[str, str] = field(default_factory=dict)
    virtual_entity: bool = False


@dataclass(frozen=True)
class Resource:
    name: str
    list_key: str
    single_key: str
    fields: tuple[Field, ...]
    associations: tuple[Association, ...] = ()
    # Real SQL columns of the store besides id/json: the filters and sorts the server runs on an
    # index. Every other field is read from the pre-rendered JSON.
    indexed: tuple[str, ...] = ()
    description: str = ""

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def get(self, name: str) -> Field | None:
        return self._by_name.get(name)

    @cached_property
    def _by_name(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def association(self, name: str) -> Association | None:
        return next((a for a in self.associations if a.name == name), None)

    @property
    def date_columns(self) -> tuple[str, ...]:
        """date_add/date_upd columns the table really has (date=1 filters on others give [])."""
        return tuple(n for n in ("date_add", "date_upd") if self.get(n) is not None)


def _parse(spec: str) -> Field:
    name, _, rest = spec.partition(":")
    ref = None
    if ">" in rest:
        rest, _, ref_part = rest.partition(">")
        ref = ref_part.rstrip("*!?")
        rest += ref_part[len(ref) :]
    return Field(
        name=name,
        kind=rest[0],
        ref=ref,
        i18n="*" in rest,
        getter="!" in rest,
        nullable="?" in rest,
    )


def _fields(specs: str) -> tuple[Field, ...]:
    return (Field("id", "n"), *(_parse(s) for s in specs.split()))


ORDER_ROW_FIELDS = (
    "product_id",
    "product_attribute_id",
    "product_quantity",
    "product_name",
    "product_reference",
    "product_ean13",
    "product_isbn",
    "product_upc",
    "product_price",
    "id_customization",
    "unit_price_tax_incl",
    "unit_price_tax_excl",
)

ORDERS = Resource(
    "orders",
    "orders",
    "order",
    _fields(
        "id_address_delivery:n>addresses id_address_invoice:n>addresses id_cart:n>carts "
        "id_currency:n>currencies id_lang:n>languages id_customer:n>customers "
        "id_carrier:n>carriers current_state:n>order_states module:s invoice_number:n "
        "invoice_date:t delivery_number:n delivery_date:t valid:n date_add:t date_upd:t "
        "shipping_number:s! note:s id_shop_group:n id_shop:n secure_key:s payment:s "
        "recyclable:n gift:n gift_message:s mobile_theme:n total_discounts:n "
        "total_discounts_tax_incl:n total_discounts_tax_excl:n total_paid:n "
        "total_paid_tax_incl:n total_paid_tax_excl:n total_paid_real:n total_products:n "
        "total_products_wt:n total_shipping:n total_shipping_tax_incl:n "
        "total_shipping_tax_excl:n carrier_tax_rate:n total_wrapping:n "
        "total_wrapping_tax_incl:n total_wrapping_tax_excl:n round_mode:n round_type:n "
        "conversion_rate:n reference:s"
    ),
    (
        Association(
            "order_rows",
            "order_row",
            None,
            ORDER_ROW_FIELDS,
            {"product_id": "products"},
            virtual_entity=True,
        ),
    ),
    indexed=("date_add", "date_upd", "id_customer", "current_state"),
    description="The Customers orders",
)

ORDER_DETAILS = Resource(
    "order_details",
    "order_details",
    "order_detail",
    _fields(
        "id_order:n>orders product_id:n>products product_attribute_id:n "
        "product_quantity_reinjected:n group_reduction:n discount_quantity_applied:n "
        "download_hash:s download_deadline:t id_order_invoice:n id_warehouse:n id_shop:n "
        "id_customization:n product_name:s product_quantity:n product_quantity_in_stock:n "
        "product_quantity_return:n product_quantity_refunded:n product_price:n "
        "reduction_percent:n reduction_amount:n reduction_amount_tax_incl:n "
        "reduction_amount_tax_excl:n product_quantity_discount:n product_ean13:s "
        "product_isbn:s product_upc:s product_mpn:s product_reference:s "
        "product_supplier_reference:s product_weight:n tax_computation_method:n "
        "id_tax_rules_group:n ecotax:n ecotax_tax_rate:n download_nb:n "
        "unit_price_tax_incl:n unit_price_tax_excl:n total_price_tax_incl:n "
        "total_price_tax_excl:n total_shipping_price_tax_excl:n "
        "total_shipping_price_tax_incl:n purchase_supplier_price:n original_product_price:n "
        "original_wholesale_price:n total_refunded_tax_excl:n total_refunded_tax_incl:n"
    ),
    (Association("taxes", "tax", "taxes"),),
    indexed=("id_order", "product_id"),
    description="Details of an order",
)

ORDER_HISTORIES = Resource(
    "order_histories",
    "order_histories",
    "order_history",
    _fields("id_employee:n>employees id_order_state:n>order_states id_order:n>orders date_add:t"),
    indexed=("id_order", "date_add"),
    description="The Order histories",
)

ORDER_STATES = Resource(
    "order_states",
    "order_states",
    "order_state",
    _fields(
        "unremovable:n delivery:n hidden:n send_email:n module_name:s invoice:n color:s "
        "logable:n shipped:n paid:n pdf_delivery:n pdf_invoice:n deleted:n name:s* template:s*"
    ),
    description="The Order statuses",
)

CUSTOMERS = Resource(
    "customers",
    "customers",
    "customer",
    _fields(
        "id_default_group:n>groups id_lang:n>languages newsletter_date_add:t "
        "ip_registration_newsletter:s last_passwd_gen:t secure_key:s deleted:n passwd:s "
        "lastname:s firstname:s email:s id_gender:n birthday:d newsletter:n optin:n website:s "
        "company:s siret:s ape:s outstanding_allow_amount:n show_public_prices:n id_risk:n "
        "max_payment_days:n active:n note:s is_guest:n id_shop:n>shops "
        "id_shop_group:n>shop_groups date_add:t date_upd:t reset_password_token:s "
        "reset_password_validity:t?"
    ),
    (Association("groups", "group", "groups"),),
    indexed=("date_add", "date_upd"),
    description="The e-shop's customers",
)


def customer_payload(
    *,
    id: int,
    guest: bool,
    lang: str,
    firstname: str,
    lastname: str,
    email: str,
    gender: int,
    secure_key: str,
    passwd: str,
    date_add: str,
    date_upd: str,
    birthday: str,
    newsletter_date_add: str,
    newsletter: bool = False,
    optin: bool = False,
    deleted: bool = False,
) -> dict:
    """A customer as PrestaShop 8 stores it (the fields of CUSTOMERS, in its order); guests are
    in group 2 (Guest), registered customers in group 3 (Customer); deleted ones inactive."""
    group = "2" if guest else "3"
    return {
        "id": id,
        "id_default_group": group,
        "id_lang": lang,
        "newsletter_date_add": newsletter_date_add,
        "ip_registration_newsletter": "",
        "last_passwd_gen": date_add,
        "secure_key": secure_key,
        "deleted": "1" if deleted else "0",
        "passwd": passwd,
        "lastname": lastname,
        "firstname": firstname,
        "email": email,
        "id_gender": str(gender),
        "birthday": birthday,
        "newsletter": "1" if newsletter else "0",
        "optin": "1" if optin else "0",
        "website": "",
        "company": "",
        "siret": "",
        "ape": "",
        "outstanding_allow_amount": "0.000000",
        "show_public_prices": "0",
        "id_risk": "0",
        "max_payment_days": "0",
        "active": "0" if deleted else "1",
        "note": "",
        "is_guest": "1" if guest else "0",
        "id_shop": "1",
        "id_shop_group": "1",
        "date_add": date_add,
        "date_upd": date_upd,
        "reset_password_token": "",
        "reset_password_validity": None,
        "associations": {"groups": [{"id": group}]},
    }


ADDRESSES = Resource(
    "addresses",
    "addresses",
    "address",
    _fields(
        "id_customer:n>customers id_manufacturer:n>manufacturers id_supplier:n>suppliers "
        "id_warehouse:n>warehouses id_country:n>countries id_state:n>states alias:s company:s "
        "lastname:s firstname:s vat_number:s address1:s address2:s postcode:s city:s other:s "
        "phone:s phone_mobile:s dni:s deleted:n date_add:t date_upd:t"
    ),
    indexed=("id_customer", "date_add", "date_upd"),
    description="The Customer, Brand and Customer addresses",
)

PRODUCTS = Resource(
    "products",
    "products",
    "product",
    _fields(
        "id_manufacturer:n>manufacturers id_supplier:n>suppliers "
        "id_category_default:n>categories new:n? cache_default_attribute:n "
        "id_default_image:n>images! id_default_combination:n>combinations! "
        "id_tax_rules_group:n>tax_rule_groups position_in_category:n! manufacturer_name:s! "
        "quantity:n type:s! id_shop_default:n reference:s supplier_reference:s location:s "
        "width:n height:n depth:n weight:n quantity_discount:n ean13:s isbn:s upc:s mpn:s "
        "cache_is_pack:n cache_has_attachments:n is_virtual:n state:n "
        "additional_delivery_times:n delivery_in_stock:s* delivery_out_stock:s* product_type:s "
        "on_sale:n online_only:n ecotax:n minimal_quantity:n low_stock_threshold:n? "
        "low_stock_alert:n price:n wholesale_price:n unity:s unit_price:n unit_price_ratio:n "
        "additional_shipping_cost:n customizable:n text_fields:n uploadable_files:n active:n "
        "redirect_type:s id_type_redirected:n available_for_order:n available_date:d "
        "show_condition:n condition:s show_price:n indexed:n visibility:s "
        "advanced_stock_management:n date_add:t date_upd:t pack_stock_type:n "
        "meta_description:s* meta_keywords:s* meta_title:s* link_rewrite:s* name:s* "
        "description:s* description_short:s* available_now:s* available_later:s*"
    ),
    (
        Association("categories", "category", "categories"),
        Association(
            "stock_availables",
            "stock_available",
            "stock_availables",
            ("id_product_attribute",),
            {"id_product_attribute": "combinations"},
        ),
    ),
    indexed=("date_add", "date_upd"),
    description="The products",
)

CATEGORIES = Resource(
    "categories",
    "categories",
    "category",
    _fields(
        "id_parent:n>categories level_depth:n nb_products_recursive:n! active:n "
        "id_shop_default:n>shops is_root_category:n position:n date_add:t date_upd:t "
        "name:s* link_rewrite:s* description:s* additional_description:s* meta_title:s* "
        "meta_description:s* meta_keywords:s*"
    ),
    (
        Association("categories", "category", "categories"),
        Association("products", "product", "products"),
    ),
    indexed=("id_parent", "date_add", "date_upd"),
    description="The product categories",
)

COUNTRIES = Resource(
    "countries",
    "countries",
    "country",
    _fields(
        "id_zone:n>zones id_currency:n>currencies call_prefix:n iso_code:s active:n "
        "contains_states:n need_identification_number:n need_zip_code:n zip_code_format:s "
        "display_tax_label:n name:s*"
    ),
    description="The countries",
)

ZONES = Resource(
    "zones", "zones", "zone", _fields("name:s active:n"), description="The Countries zones"
)

CURRENCIES = Resource(
    "currencies",
    "currencies",
    "currency",
    _fields(
        "names:s*! name:s! symbol:s*! iso_code:s numeric_iso_code:s precision:n "
        "conversion_rate:n deleted:n active:n unofficial:n modified:n pattern:s*"
    ),
    description="The currencies",
)

CARRIERS = Resource(
    "carriers",
    "carriers",
    "carrier",
    _fields(
        "deleted:n is_module:n id_tax_rules_group:n>tax_rule_groups! id_reference:n name:s "
        "active:n is_free:n url:s shipping_handling:n shipping_external:n range_behavior:n "
        "shipping_method:n max_width:n max_height:n max_depth:n max_weight:n grade:n "
        "external_module_name:s need_range:n position:n delay:s*"
    ),
    description="The Carriers",
)

SHOPS = Resource(
    "shops",
    "shops",
    "shop",
    _fields(
        "id_shop_group:n>shop_groups id_category:n>categories active:n deleted:n name:s "
        "color:s theme_name:s"
    ),
    description="Shops from multi-shop feature",
)

SHOP_GROUPS = Resource(
    "shop_groups",
    "shop_groups",
    "shop_group",
    _fields("name:s color:s active:n share_customer:n share_order:n share_stock:n deleted:n"),
    description="Shop groups from multi-shop feature",
)

SHOP_URLS = Resource(
    "shop_urls",
    "shop_urls",
    "shop_url",
    _fields("active:n main:n domain:s domain_ssl:s id_shop:n>shops physical_uri:s virtual_uri:s"),
    description="Shop URLs from multi-shop feature",
)

LANGUAGES = Resource(
    "languages",
    "languages",
    "language",
    _fields(
        "name:s iso_code:s locale:s language_code:s active:n is_rtl:n date_format_lite:s "
        "date_format_full:s"
    ),
    description="Shop languages",
)

CONFIGURATIONS = Resource(
    "configurations",
    "configurations",
    "configuration",
    _fields("value:s? name:s id_shop_group:n>shop_groups? id_shop:n>shops? date_add:t date_upd:t"),
    indexed=("date_add", "date_upd"),
    description="Shop configuration",
)

ORDER_SLIP = Resource(
    "order_slip",
    "order_slips",  # the resource URL has no "s", its list key has
    "order_slip",
    _fields(
        "id_customer:n>customers id_order:n>orders conversion_rate:n total_products_tax_excl:n "
        "total_products_tax_incl:n total_shipping_tax_excl:n total_shipping_tax_incl:n amount:n "
        "shipping_cost:n shipping_cost_amount:n partial:n date_add:t date_upd:t order_slip_type:n"
    ),
    (
        Association(
            "order_slip_details",
            "order_slip_detail",
            None,
            ("id_order_detail", "product_quantity", "amount_tax_excl", "amount_tax_incl"),
            {"id_order_detail": "order_details"},
            virtual_entity=True,
        ),
    ),
    indexed=("id_order", "date_add", "date_upd"),
    description="The Order slips (used for refund)",
)

ORDER_PAYMENTS = Resource(
    "order_payments",
    "order_payments",
    "order_payment",
    _fields(
        "order_reference:s id_currency:n>currencies amount:n payment_method:s conversion_rate:n "
        "transaction_id:s card_number:s card_brand:s card_expiration:s card_holder:s date_add:t "
        "id_employee:n>employees"
    ),
    indexed=("date_add",),
    description="The Order payments",
)

CART_ROW_FIELDS = (
    "id_product",
    "id_product_attribute",
    "id_address_delivery",
    "id_customization",
    "quantity",
)

CARTS = Resource(
    "carts",
    "carts",
    "cart",
    _fields(
        "id_address_delivery:n>addresses id_address_invoice:n>addresses id_currency:n>currencies "
        "id_customer:n>customers id_guest:n>guests id_lang:n>languages "
        "id_shop_group:n>shop_groups id_shop:n>shops id_carrier:n>carriers recyclable:n gift:n "
        "gift_message:s mobile_theme:n delivery_option:s secure_key:s "
        "allow_seperated_package:n date_add:t date_upd:t"
    ),
    (
        Association(
            "cart_rows",
            "cart_row",
            None,
            CART_ROW_FIELDS,
            {"id_product": "products", "id_address_delivery": "addresses"},
            virtual_entity=True,
        ),
    ),
    indexed=("id_customer", "date_add", "date_upd"),
    description="Customer's carts",
)


def cart_record(
    cart_id: int,
    customer_id: int,
    guest_id: int,
    address_id: int,
    currency: int,
    lang: str,
    carrier: int,
    secure_key: str,
    date_add: str,
    date_upd: str,
    rows: list[tuple[int, int]],
) -> dict:
    """A cart with its rows (product id, quantity), as PrestaShop 8 serves it."""
    return {
        "id": cart_id,
        "id_address_delivery": str(address_id),
        "id_address_invoice": str(address_id),
        "id_currency": str(currency),
        "id_customer": str(customer_id),
        "id_guest": str(guest_id),
        "id_lang": lang,
        "id_shop_group": "1",
        "id_shop": "1",
        "id_carrier": str(carrier),
        "recyclable": "0",
        "gift": "0",
        "gift_message": "",
        "mobile_theme": "0",
        "delivery_option": "",
        "secure_key": secure_key,
        "allow_seperated_package": "0",
        "date_add": date_add,
        "date_upd": date_upd,
        "associations": {
            "cart_rows": [
                {
                    "id_product": str(product_id),
                    "id_product_attribute": "0",
                    "id_address_delivery": str(address_id),
                    "id_customization": "0",
                    "quantity": str(quantity),
                }
                for product_id, quantity in rows
            ]
        },
    }


CART_RULES = Resource(
    "cart_rules",
    "cart_rules",
    "cart_rule",
    _fields(
        "id_customer:n>customers date_from:t date_to:t description:s quantity:n "
        "quantity_per_user:n priority:n partial_use:n code:s minimum_amount:n "
        "minimum_amount_tax:n minimum_amount_currency:n minimum_amount_shipping:n "
        "country_restriction:n carrier_restriction:n group_restriction:n "
        "cart_rule_restriction:n product_restriction:n shop_restriction:n free_shipping:n "
        "reduction_percent:n reduction_amount:n reduction_tax:n reduction_currency:n "
        "reduction_product:n reduction_exclude_special:n gift_product:n "
        "gift_product_attribute:n highlight:n active:n date_add:t date_upd:t name:s*"
    ),
    indexed=("date_add", "date_upd"),
    description="Cart rules management",
)

ORDER_CART_RULES = Resource(
    "order_cart_rules",
    "order_cart_rules",
    "order_cart_rule",
    _fields(
        "id_order:n>orders id_cart_rule:n>cart_rules id_order_invoice:n>order_invoices name:s "
        "value:n value_tax_excl:n free_shipping:n deleted:n"
    ),
    indexed=("id_order",),
    description="The Order cart rules",
)


def cart_rule_record(
    rule_id: int, code: str, en: str, fr: str, quantity: int, date_add: str, date_upd: str,
    percent: int = 0, amount: str = "0.000000", minimum: str = "0.000000",
    free_shipping: bool = False,
) -> dict:  # fmt: skip
    return {
        "id": rule_id,
        "id_customer": "0",
        "date_from": date_add,
        "date_to": "2099-12-31 23:59:59",
        "description": "",
        "quantity": str(quantity),
        "quantity_per_user": "1000",
        "priority": "1",
        "partial_use": "0",
        "code": code,
        "minimum_amount": minimum,
        "minimum_amount_tax": "1",
        "minimum_amount_currency": "1",
        "minimum_amount_shipping": "0",
        "country_restriction": "0",
        "carrier_restriction": "0",
        "group_restriction": "0",
        "cart_rule_restriction": "0",
        "product_restriction": "0",
        "shop_restriction": "0",
        "free_shipping": "1" if free_shipping else "0",
        "reduction_percent": f"{percent}.00",
        "reduction_amount": amount,
        "reduction_tax": "1",
        "reduction_currency": "1",
        "reduction_product": "0",
        "reduction_exclude_special": "0",
        "gift_product": "0",
        "gift_product_attribute": "0",
        "highlight": "0",
        "active": "1",
        "date_add": date_add,
        "date_upd": date_upd,
        "name": [{"id": "1", "value": en}, {"id": "2", "value": fr}],
    }


def order_cart_rule_record(
    row_id: int, order_id: int, rule_id: int, name: str, value: str, value_excl: str,
    free_shipping: bool,
) -> dict:  # fmt: skip
    return {
        "id": row_id,
        "id_order": str(order_id),
        "id_cart_rule": str(rule_id),
        "id_order_invoice": "0",
        "name": name,
        "value": value,
        "value_tax_excl": value_excl,
        "free_shipping": "1" if free_shipping else "0",
        "deleted": "0",
    }


STOCK_AVAILABLES = Resource(
    "stock_availables",
    "stock_availables",
    "stock_available",
    _fields(
        "id_product:n>products id_product_attribute:n>combinations id_shop:n>shops "
        "id_shop_group:n>shop_groups quantity:n depends_on_stock:n out_of_stock:n location:s"
    ),
    indexed=("id_product",),
    description="Available quantities",
)


def stock_record(product_id: int, quantity: int) -> dict:
    """The stock row of a product without combinations: PrestaShop gives it the product's id
    (AB-REC: product 1, attribute 0, stock id 1). ``quantity`` may be read as on hand."""
    return {
        "id": product_id,
        "id_product": str(product_id),
        "id_product_attribute": "0",
        "id_shop": "1",
        "id_shop_group": "0",
        "quantity": str(quantity),
        "depends_on_stock": "0",
        "out_of_stock": "2",
        "location": "",
    }


RESOURCES: dict[str, Resource] = {
    r.name: r
    for r in (
        ADDRESSES,
        CARRIERS,
        CART_RULES,
        CARTS,
        CATEGORIES,
        CONFIGURATIONS,
        COUNTRIES,
        CURRENCIES,
        CUSTOMERS,
        LANGUAGES,
        ORDER_CART_RULES,
        ORDER_DETAILS,
        ORDER_HISTORIES,
        ORDER_PAYMENTS,
        ORDER_SLIP,
        ORDER_STATES,
        ORDERS,
        PRODUCTS,
        SHOP_GROUPS,
        SHOP_URLS,
        SHOPS,
        STOCK_AVAILABLES,
        ZONES,
    )
}

# Resources a PrestaShop 8.2.1 core knows but the demo key is not granted: they answer 401
# code 26, unlike a name PrestaShop does not know at all (400 code 27).
NOT_GRANTED = (
    "attachments",
    "combinations",
    "contacts",
    "content_management_system",
    "customer_messages",
    "customer_threads",
    "customizations",
    "deliveries",
    "employees",
    "groups",
    "guests",
    "image_types",
    "images",
    "manufacturers",
    "messages",
    "order_carriers",
    "order_invoices",
    "price_ranges",
    "product_customization_fields",
    "product_feature_values",
    "product_features",
    "product_option_values",
    "product_options",
    "product_suppliers",
    "search",
    "specific_price_rules",
    "specific_prices",
    "states",
    "stock_movement_reasons",
    "stock_movements",
    "stocks",
    "stores",
    "suppliers",
    "supply_order_details",
    "supply_order_histories",
    "supply_order_receipt_histories",
    "supply_order_states",
    "supply_orders",
    "tags",
    "tax_rule_groups",
    "tax_rules",
    "taxes",
    "translated_configurations",
    "warehouse_product_locations",
    "warehouses",
    "weight_ranges",
)

ALL_PS_RESOURCES = tuple(sorted((*RESOURCES, *NOT_GRANTED)))
