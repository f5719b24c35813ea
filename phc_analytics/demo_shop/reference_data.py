"""Fixed reference data of the demo shop: order states, zones, countries, currencies, languages,
carriers, the shop, the category tree names and the configuration keys.

Ids follow a fresh PrestaShop 8 install where it matters to clients (order states 1-13 with
their install flags, country ids, root/home categories 1 and 2).
"""

from __future__ import annotations

from typing import NamedTuple

EN, FR = "1", "2"


def i18n(en: str, fr: str) -> list[dict[str, str]]:
    """A multilingual value as the JSON output renders it with two active languages."""
    return [{"id": EN, "value": en}, {"id": FR, "value": fr}]


class OrderState(NamedTuple):
    id: int
    config_key: str
    en: str
    fr: str
    invoice: int
    logable: int
    paid: int
    shipped: int
    delivery: int
    color: str
    module: str
    template: str
    send_email: int = 1


# Flags from install-dev/data/xml/order_state.xml (reference section 10).
ORDER_STATES = (
    OrderState(1, "PS_OS_CHEQUE", "Awaiting check payment", "En attente du paiement par chèque",
               0, 0, 0, 0, 0, "#34209E", "ps_checkpayment", "cheque"),
    OrderState(2, "PS_OS_PAYMENT", "Payment accepted", "Paiement accepté",
               1, 1, 1, 0, 0, "#3498D8", "", "payment"),
    OrderState(3, "PS_OS_PREPARATION", "Processing in progress", "En cours de préparation",
               1, 1, 1, 0, 1, "#3498D8", "", "preparation"),
    OrderState(4, "PS_OS_SHIPPING", "Shipped", "Expédié",
               1, 1, 1, 1, 1, "#01B887", "", "shipped"),
    OrderState(5, "PS_OS_DELIVERED", "Delivered", "Livré",
               1, 1, 1, 1, 1, "#01B887", "", "", send_email=0),
    OrderState(6, "PS_OS_CANCELED", "Canceled", "Annulé",
               0, 0, 0, 0, 0, "#2C3E50", "", "order_canceled"),
    OrderState(7, "PS_OS_REFUND", "Refunded", "Remboursé",
               1, 0, 0, 0, 0, "#01B887", "", "refund"),
    OrderState(8, "PS_OS_ERROR", "Payment error", "Erreur de paiement",
               0, 0, 0, 0, 0, "#E74C3C", "", "payment_error"),
    OrderState(9, "PS_OS_OUTOFSTOCK_PAID", "On backorder (paid)",
               "En attente de réapprovisionnement (payé)",
               1, 0, 1, 0, 0, "#34209E", "", "outofstock"),
    OrderState(10, "PS_OS_BANKWIRE", "Awaiting bank wire payment",
               "En attente de virement bancaire",
               0, 0, 0, 0, 0, "#34209E", "ps_wirepayment", "bankwire"),
    OrderState(11, "PS_OS_WS_PAYMENT", "Remote payment accepted", "Paiement à distance accepté",
               1, 1, 1, 0, 0, "#3498D8", "", "payment"),
    OrderState(12, "PS_OS_OUTOFSTOCK_UNPAID", "On backorder (not paid)",
               "En attente de réapprovisionnement (non payé)",
               0, 0, 0, 0, 0, "#34209E", "", "outofstock"),
    OrderState(13, "PS_OS_COD_VALIDATION", "Awaiting Cash On Delivery validation",
               "En attente de validation du paiement à la livraison",
               0, 0, 0, 0, 0, "#34209E", "ps_cashondelivery", "cashondelivery"),
)  # fmt: skip
STATE = {s.id: s for s in ORDER_STATES}

ZONES = (
    (1, "Europe"),
    (2, "North America"),
    (3, "Asia"),
    (4, "Africa"),
    (5, "Oceania"),
    (6, "South America"),
    (7, "Europe (non-EU)"),
    (8, "Central America/Antilla"),
)


class Country(NamedTuple):
    id: int
    iso: str
    zone: int
    prefix: str
    en: str
    fr: str
    zip_format: str
    locale: str  # Faker locale for people and places
    eu: bool
    weight: float  # share of customers
    currency: int  # currency a customer there may pay in (1 = EUR)


COUNTRIES = (
    Country(1, "DE", 1, "49", "Germany", "Allemagne", "NNNNN", "de_DE", True, 8, 1),
    Country(2, "AT", 1, "43", "Austria", "Autriche", "NNNN", "de_AT", True, 1.5, 1),
    Country(3, "BE", 1, "32", "Belgium", "Belgique", "NNNN", "fr_BE", True, 7, 1),
    Country(4, "CA", 2, "1", "Canada", "Canada", "LNL NLN", "en_CA", False, 2, 2),
    Country(5, "CN", 3, "86", "China", "Chine", "NNNNNN", "en_US", False, 0, 1),
    Country(6, "ES", 1, "34", "Spain", "Espagne", "NNNNN", "es_ES", True, 5, 1),
    Country(7, "FI", 1, "358", "Finland", "Finlande", "NNNNN", "fi_FI", True, 0.5, 1),
    Country(8, "FR", 1, "33", "France", "France", "NNNNN", "fr_FR", True, 45, 1),
    Country(9, "GR", 1, "30", "Greece", "Grèce", "NNNNN", "el_GR", True, 0.5, 1),
    Country(10, "IT", 1, "39", "Italy", "Italie", "NNNNN", "it_IT", True, 5, 1),
    Country(11, "JP", 3, "81", "Japan", "Japon", "NNN-NNNN", "en_US", False, 0, 1),
    Country(12, "LU", 1, "352", "Luxemburg", "Luxembourg", "NNNN", "fr_FR", True, 1, 1),
    Country(13, "NL", 1, "31", "Netherlands", "Pays-Bas", "NNNN LL", "nl_NL", True, 4, 1),
    Country(14, "PL", 1, "48", "Poland", "Pologne", "NN-NNN", "pl_PL", True, 1, 1),
    Country(15, "PT", 1, "351", "Portugal", "Portugal", "NNNN-NNN", "pt_PT", True, 1, 1),
    Country(
        16, "CZ", 1, "420", "Czech Republic", "République tchèque", "NNN NN", "cs_CZ", True, 0.5, 1
    ),
    Country(17, "GB", 7, "44", "United Kingdom", "Royaume-Uni", "", "en_GB", False, 5, 3),
    Country(18, "SE", 1, "46", "Sweden", "Suède", "NNN NN", "sv_SE", True, 1, 1),
    Country(19, "CH", 7, "41", "Switzerland", "Suisse", "NNNN", "fr_CH", False, 4, 4),
    Country(20, "DK", 1, "45", "Denmark", "Danemark", "NNNN", "da_DK", True, 1, 1),
    Country(21, "US", 2, "1", "United States", "États-Unis", "NNNNN", "en_US", False, 6, 2),
    Country(22, "HK", 3, "852", "Hong Kong", "Hong Kong", "", "en_US", False, 0, 1),
    Country(23, "NO", 7, "47", "Norway", "Norvège", "NNNN", "no_NO", False, 0.5, 1),
    Country(24, "AU", 5, "61", "Australia", "Australie", "NNNN", "en_AU", False, 1, 1),
)
COUNTRY = {c.id: c for c in COUNTRIES}
FRENCH_SPEAKING = {"FR", "BE", "LU", "CH"}


class Currency(NamedTuple):
    id: int
    iso: str
    numeric: str
    en: str
    fr: str
    symbol: str
    rate: float  # units per EUR, the shop's default currency


CURRENCIES = (
    Currency(1, "EUR", "978", "Euro", "Euro", "€", 1.0),
    Currency(2, "USD", "840", "US Dollar", "Dollar des États-Unis", "$", 1.08),
    Currency(3, "GBP", "826", "British Pound", "Livre sterling", "£", 0.86),
    Currency(4, "CHF", "756", "Swiss Franc", "Franc suisse", "CHF", 0.96),
)
CURRENCY = {c.id: c for c in CURRENCIES}

LANGUAGES = (
    ("1", "English (English)", "en", "en-US", "en-us", "m/d/Y", "m/d/Y H:i:s"),
    ("2", "Français (French)", "fr", "fr-FR", "fr-fr", "d/m/Y", "d/m/Y H:i:s"),
)


class Carrier(NamedTuple):
    id: int
    name: str
    share: float
    # Shipping price tax incl in EUR cents: France, rest of the EU, rest of the world.
    prices: tuple[int, int, int]
    free_above: int | None  # products total (tax incl, cents) from which shipping is free
    url: str
    delay_en: str
    delay_fr: str


CARRIERS = (
    Carrier(1, "Click and collect", 0.08, (0, 0, 0), None, "", "Pick up in-store",
            "Retrait en magasin"),
    Carrier(2, "Colissimo", 0.72, (490, 890, 1490), 6000,
            "https://www.laposte.fr/outils/suivre-vos-envois?code=@",
            "Delivery in 2-4 days", "Livraison en 2 à 4 jours"),
    Carrier(3, "DHL Express", 0.20, (990, 1490, 2990), None,
            "https://www.dhl.com/fr-en/home/tracking.html?tracking-id=@",
            "Delivery next day!", "Livraison le lendemain !"),
)  # fmt: skip


class Payment(NamedTuple):
    module: str
    label: str
    share: float
    first_state: int


PAYMENTS = (
    Payment("ps_checkout", "Credit card", 0.52, 2),
    Payment("paypal", "PayPal", 0.14, 11),
    Payment("ps_wirepayment", "Bank transfer", 0.22, 10),
    Payment("ps_checkpayment", "Payments by check", 0.04, 1),
    Payment("ps_cashondelivery", "Cash on delivery (COD)", 0.08, 13),
)

TAX_RATES = {1: 0.20, 2: 0.055}  # id_tax_rules_group -> French VAT rate (standard, reduced)
TAX_IDS = {1: "1", 2: "2"}

# Top-level categories: (en, fr, tax group, [(leaf en, leaf fr, noun en, noun fr, min, max)]).
# Prices are tax-incl EUR bounds.
CATEGORY_TREE = (
    ("Clothing", "Vêtements", 1, (
        ("T-shirts", "T-shirts", "T-shirt", "T-shirt", 19, 39),
        ("Sweaters", "Pulls", "Sweater", "Pull", 39, 89),
        ("Jackets", "Vestes", "Jacket", "Veste", 79, 249),
        ("Trousers", "Pantalons", "Trousers", "Pantalon", 49, 119),
        ("Dresses", "Robes", "Dress", "Robe", 45, 149),
    )),
    ("Accessories", "Accessoires", 1, (
        ("Bags", "Sacs", "Tote bag", "Sac cabas", 25, 129),
        ("Hats", "Chapeaux", "Cap", "Casquette", 19, 49),
        ("Scarves", "Écharpes", "Scarf", "Écharpe", 25, 79),
        ("Watches", "Montres", "Watch", "Montre", 89, 349),
    )),
    ("Home & Living", "Maison", 1, (
        ("Cushions", "Coussins", "Cushion", "Coussin", 19, 59),
        ("Lamps", "Lampes", "Lamp", "Lampe", 39, 189),
        ("Mugs", "Mugs", "Mug", "Mug", 9, 19),
        ("Candles", "Bougies", "Candle", "Bougie", 12, 39),
        ("Rugs", "Tapis", "Rug", "Tapis", 59, 299),
    )),
    ("Stationery", "Papeterie", 1, (
        ("Notebooks", "Carnets", "Notebook", "Carnet", 6, 24),
        ("Posters", "Affiches", "Poster", "Affiche", 15, 59),
        ("Pens", "Stylos", "Pen", "Stylo", 4, 39),
    )),
    ("Beauty", "Beauté", 1, (
        ("Skincare", "Soins", "Face cream", "Crème visage", 15, 69),
        ("Fragrances", "Parfums", "Eau de parfum", "Eau de parfum", 39, 129),
    )),
    ("Books", "Livres", 2, (
        ("Novels", "Romans", "Novel", "Roman", 9, 25),
        ("Cookbooks", "Livres de cuisine", "Cookbook", "Livre de cuisine", 19, 45),
    )),
    ("Grocery", "Épicerie", 2, (
        ("Tea", "Thé", "Tea tin", "Boîte de thé", 6, 19),
        ("Coffee", "Café", "Coffee beans", "Café en grains", 8, 24),
        ("Chocolate", "Chocolat", "Chocolate bar", "Tablette de chocolat", 3, 12),
    )),
    ("Sports", "Sport", 1, (
        ("Yoga", "Yoga", "Yoga mat", "Tapis de yoga", 25, 89),
        ("Running", "Running", "Running shoes", "Chaussures de running", 69, 169),
    )),
)  # fmt: skip

ADJECTIVES = (
    ("Classic", "classique"), ("Vintage", "vintage"), ("Organic", "bio"),
    ("Essential", "essentiel"), ("Premium", "premium"), ("Minimalist", "minimaliste"),
    ("Handmade", "artisanal"), ("Recycled", "recyclé"), ("Nordic", "nordique"),
    ("Urban", "urbain"), ("Colourful", "coloré"), ("Elegant", "élégant"),
    ("Cosy", "douillet"), ("Bold", "audacieux"), ("Soft", "doux"), ("Rustic", "rustique"),
)  # fmt: skip
COLOURS = (
    ("Black", "noir"), ("White", "blanc"), ("Navy", "marine"), ("Red", "rouge"),
    ("Green", "vert"), ("Grey", "gris"), ("Ochre", "ocre"), ("Pink", "rose"),
    ("Sky blue", "bleu ciel"), ("Sand", "sable"), ("Olive", "olive"), ("Burgundy", "bordeaux"),
)  # fmt: skip

SHOP_NAME = "PHC Demo Shop"


def configurations() -> list[tuple[str, str | None]]:
    """Configuration keys clients read (state ids, defaults, rounding), in insertion order."""
    values: list[tuple[str, str | None]] = [
        ("PS_LANG_DEFAULT", "1"),
        ("PS_CURRENCY_DEFAULT", "1"),
        ("PS_COUNTRY_DEFAULT", "8"),
        ("PS_SHOP_DEFAULT", "1"),
        ("PS_TIMEZONE", "Europe/Paris"),
        ("PS_SHOP_NAME", SHOP_NAME),
        ("PS_SHOP_EMAIL", "contact@demo-shop.example"),
        ("PS_SHOP_DETAILS", None),
        ("PS_ROOT_CATEGORY", "1"),
        ("PS_HOME_CATEGORY", "2"),
        ("PS_CUSTOMER_GROUP", "3"),
        ("PS_GUEST_GROUP", "2"),
        ("PS_UNIDENTIFIED_GROUP", "1"),
        ("PS_TAX", "1"),
        ("PS_ROUND_TYPE", "2"),
        ("PS_PRICE_ROUND_MODE", "2"),
        ("PS_WEBSERVICE", "1"),
        ("PS_WEIGHT_UNIT", "kg"),
        ("PS_CONF_AVERAGE_PRODUCT_MARGIN", "40"),
    ]
    values += [(s.config_key, str(s.id)) for s in ORDER_STATES]
    values.append(("PS_OS_OUTOFSTOCK", "9"))
    return values


class CartRule(NamedTuple):
    id: int
    code: str
    en: str
    fr: str
    percent: int = 0
    amount_cents: int = 0  # in the default currency, tax included
    minimum_cents: int = 0
    free_shipping: bool = False


# The discounts orders get (orders.VOUCHER_*): three percentage codes, a fixed amount above a
# minimum, free shipping.
CART_RULES = (
    CartRule(1, "WELCOME10", "Welcome: 10% off", "Bienvenue : -10 %", percent=10),
    CartRule(2, "SEASON15", "Season sale: 15% off", "Soldes : -15 %", percent=15),
    CartRule(3, "VIP20", "VIP: 20% off", "VIP : -20 %", percent=20),
    CartRule(4, "TENOFF", "10 off from 50", "10 de remise dès 50", amount_cents=1000,
             minimum_cents=5000),
    CartRule(5, "FREESHIP", "Free shipping", "Livraison offerte", free_shipping=True),
)  # fmt: skip
CART_RULE = {r.id: r for r in CART_RULES}
CART_RULE_STOCK = 1_000_000  # codes issued per rule: each use takes one
