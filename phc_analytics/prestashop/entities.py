"""The PrestaShop resources the warehouse loads, and how each is read incrementally."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Entity:
    """A Webservice resource and its raw table.

    ``cursor`` is the field whose value says when a record last changed (``date_upd``), or when
    it was created for insert-only resources (``date_add``); ``None`` marks small reference
    resources that are read whole every time.
    """

    name: str
    cursor: str | None
    # Whether the delete sweep lists this resource's ids. PrestaShop never deletes an order
    # history row (deleting an order leaves its history orphaned), and the table is the
    # largest of all: sweeping it would find nothing at the highest cost.
    sweep: bool = True
    # The key of the list in a JSON answer, when it is not the resource's name.
    list_name: str | None = None
    # The share of its ids a sweep may find gone at once, when not PHC_SWEEP_MAX_REMOVED_SHARE:
    # a cart clean-up (pscleaner) removes every old cart without an order in one go.
    sweep_max_removed_share: float | None = None

    @property
    def asset_name(self) -> str:
        return f"raw_{self.name}"

    @property
    def incremental(self) -> bool:
        return self.cursor is not None

    @property
    def list_key(self) -> str:
        return self.list_name or self.name


ENTITIES: tuple[Entity, ...] = (
    Entity("orders", "date_upd"),
    Entity("customers", "date_upd"),
    Entity("products", "date_upd"),
    Entity("addresses", "date_upd"),
    Entity("categories", "date_upd"),
    # order_histories has no date_upd: history rows are never edited, only added.
    Entity("order_histories", "date_add", sweep=False),
    # Credit slips: no core path edits one (date_upd = date_add), but reading date_upd costs
    # nothing and would see an edit. The resource has no "s"; its list key has.
    Entity("order_slip", "date_upd", list_name="order_slips"),
    # Payments have only date_add, and the back office may back-date it: a payment added today
    # for last month lands behind the watermark. The delete sweep fetches any id raw lacks.
    Entity("order_payments", "date_add"),
    # Carts: date_upd moves when their contents change, not when a module rewrites them by SQL
    # (psgdpr's move to the anonymous customer, a deleted address or product).
    Entity("carts", "date_upd", sweep_max_removed_share=1.0),
    # Cart rules change on every use (quantity), so date_upd keeps up with them.
    Entity("cart_rules", "date_upd"),
    Entity("order_states", None),
    Entity("countries", None),
    Entity("zones", None),
    Entity("currencies", None),
    Entity("carriers", None),
    Entity("configurations", None),
    # Stock has no date column: read whole (one row per product and combination).
    Entity("stock_availables", None),
    # The vouchers applied to each order have no date column: read whole.
    Entity("order_cart_rules", None),
    # The stores of a multistore installation and their groups: a handful of rows, read whole.
    # A store that has sold is deactivated, never deleted, so the sweep finds nothing there.
    Entity("shops", None, sweep=False),
    Entity("shop_groups", None, sweep=False),
)

BY_NAME = {entity.name: entity for entity in ENTITIES}


def entity(name: str) -> Entity:
    """Look an entity up by name, with an error that lists the valid names."""
    try:
        return BY_NAME[name]
    except KeyError:
        from phc_analytics.errors import PhcError

        raise PhcError(
            f"unknown entity {name!r}; choose among: {', '.join(sorted(BY_NAME))}"
        ) from None
