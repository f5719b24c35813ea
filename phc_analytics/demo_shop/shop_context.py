"""PrestaShop's shop context for one Webservice request, and which rows it lets a list show.

Pure functions over the installation's shops and groups, following
``reference/prestashop-multistore.md`` section 1: ``Shop::initialize`` picks the context shop
(the URL's, ``id_shop=N``, or the default one for ``id_shop=all``) before any Webservice code
runs, then ``WebserviceRequest`` sets the static context and the ``shopIDs`` from
``id_shop_group`` (which beats ``id_shop``) or ``id_shop``.
"""

from __future__ import annotations

from dataclasses import dataclass

from phc_analytics.demo_shop.query import WsError, php_is_numeric

# Resources whose lists join ``{table}_shop`` on the context shop (one shop, whatever the
# shopIDs), with the class name PrestaShop puts in its 404 code 131 message.
SHOP_ASSOCIATED = {
    "products": "Product",
    "categories": "Category",
    "countries": "Country",
    "currencies": "Currency",
    "carriers": "Carrier",
    "zones": "Zone",
    "languages": "Language",
}


@dataclass(frozen=True)
class Store:
    id: int
    group: int
    active: bool = True


@dataclass(frozen=True)
class Group:
    id: int
    share_customer: bool
    share_order: bool
    share_stock: bool
    active: bool = True


@dataclass(frozen=True)
class Installation:
    stores: dict[int, Store]
    groups: dict[int, Group]
    default: int  # PS_SHOP_DEFAULT

    @property
    def multistore(self) -> bool:
        return len(self.stores) > 1

    def active_ids(self, group: int | None = None) -> tuple[int, ...]:
        return tuple(
            s.id
            for s in sorted(self.stores.values(), key=lambda s: s.id)
            if s.active and (group is None or s.group == group)
        )

    def group_of(self, shop: int) -> Group:
        return self.groups[self.stores[shop].group]


@dataclass(frozen=True)
class Context:
    shop: int  # Context::getContext()->shop: the values of multishop fields come from it
    kind: str  # "shop", "group" or "all": Shop's static context
    ids: tuple[int, ...]  # WebserviceRequest's shopIDs
    group: int | None = None


class Redirect(Exception):
    """Shop::initialize could not use the requested shop: it redirects to the default shop's
    front page with the same query minus ``id_shop``, and the Webservice never runs."""


def resolve(params: dict, url_shop: int, inst: Installation) -> Context:
    requested = params.get("id_shop")
    if requested is None:
        shop = url_shop
    elif requested == "all":
        shop = inst.default  # 8.1+; 8.0 redirected here
    elif isinstance(requested, str) and requested.isdigit() and _active(inst, int(requested)):
        shop = int(requested)
    else:
        raise Redirect
    group = params.get("id_shop_group", params.get("id_group_shop"))
    if isinstance(group, str) and php_is_numeric(group):
        ids = inst.active_ids(int(float(group)))
        if not ids:
            raise WsError(500, [(999, "This shop group doesn't have shops")])
        return Context(shop, "group", ids, int(float(group)))
    if requested == "all":
        return Context(shop, "all", inst.active_ids())
    return Context(shop, "shop", (shop,), inst.stores[shop].group)


def _active(inst: Installation, shop: int) -> bool:
    store = inst.stores.get(shop)
    return store is not None and store.active and inst.groups[store.group].active


def shared_shops(ctx: Context, inst: Installation, share: str) -> tuple[int, ...]:
    """``Shop::addSqlRestriction(share)``'s shops: in a shop context the whole group (its
    inactive shops too) when the group shares that data, else the shop alone; in a group or
    all context the active shops the request named."""
    if ctx.kind != "shop":
        return ctx.ids
    group = inst.group_of(ctx.shop)
    if getattr(group, share):
        return tuple(sorted(s.id for s in inst.stores.values() if s.group == group.id))
    return (ctx.shop,)


def order_shops(ctx: Context, inst: Installation) -> tuple[int, ...]:
    return shared_shops(ctx, inst, "share_order")


def customer_restriction(ctx: Context, inst: Installation) -> tuple[str, tuple[int, ...]]:
    """("id_shop_group", (G,)) in a shop context of a group sharing customers, else
    ("id_shop", shops)."""
    if ctx.kind == "shop" and inst.group_of(ctx.shop).share_customer:
        return "id_shop_group", (inst.stores[ctx.shop].group,)
    return "id_shop", shared_shops(ctx, inst, "share_customer")


def stock_restriction(ctx: Context, inst: Installation) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """``StockAvailable::addSqlShopParams``: rows of the shopIDs, or group rows (``id_shop``
    0) of those shops' groups."""
    groups = tuple(sorted({inst.stores[i].group for i in ctx.ids}))
    return ctx.ids, groups
