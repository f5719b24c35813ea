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

    @property
    def asset_name(self) -> str:
        return f"raw_{self.name}"

    @property
    def incremental(self) -> bool:
        return self.cursor is not None

    @property
    def list_key(self) -> str:
        # True for every resource loaded here; order_slip (list key order_slips) is not one.
        return self.name


ENTITIES: tuple[Entity, ...] = (
    Entity("orders", "date_upd"),
    Entity("customers", "date_upd"),
    Entity("products", "date_upd"),
    Entity("addresses", "date_upd"),
    Entity("categories", "date_upd"),
    # order_histories has no date_upd: history rows are never edited, only added.
    Entity("order_histories", "date_add", sweep=False),
    Entity("order_states", None),
    Entity("countries", None),
    Entity("zones", None),
    Entity("currencies", None),
    Entity("carriers", None),
    Entity("configurations", None),
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
