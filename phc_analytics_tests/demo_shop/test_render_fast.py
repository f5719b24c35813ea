"""The generator's straight-to-JSON rendering against the record dicts advance builds, and
determinism across processes."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from copy import deepcopy

from phc_analytics.demo_shop import clock, store
from phc_analytics.demo_shop.model import ORDER_DETAILS, ORDERS
from phc_analytics.demo_shop.orders import (
    Buyer,
    Catalog,
    Counters,
    apply_state,
    draw_order,
    initial_state,
    order_records,
    refund_details,
    render_order,
)
from phc_analytics.demo_shop.reference_data import COUNTRIES
from phc_analytics_tests.demo_shop.conftest import END, SEED


def _catalog(rng: random.Random, n: int) -> Catalog:
    """A small catalogue with awkward strings: slashes, quotes, accents, a backslash."""
    products, popularity = [], {}
    for pid in range(1, n + 1):
        products.append(
            {
                "id": pid,
                "name": [
                    {"id": "1", "value": f'Mug 1/2 "{pid}" \\ back'},
                    {"id": "2", "value": f"Tasse été n°{pid} / 2"},
                ],
                "reference": f"demo_{pid}",
                "ean13": f"{rng.randrange(10**13):013d}",
                "price": f"{rng.uniform(1, 300):.6f}",
                "wholesale_price": f"{rng.uniform(0.5, 100):.6f}",
                "id_tax_rules_group": str(rng.choice((1, 2))),
                "weight": f"{rng.uniform(0.05, 3):.6f}",
                "date_add": clock.fmt(clock.DAY * (8000 + pid)),
                "date_upd": clock.fmt(clock.DAY * (9000 + pid)),
                "active": "1" if pid % 7 else "0",
            }
        )
        popularity[pid] = rng.paretovariate(1.1)
    return Catalog.from_records(products, popularity)


def test_render_order_is_php_json_of_the_records():
    rng = random.Random(5)
    catalog = _catalog(rng, 60)
    counters_fast, counters_dict = Counters(), Counters()
    end = clock.DAY * 9400
    refunds = gifts = foreign = 0
    for order_id in range(1, 1500):
        at = clock.DAY * 9100 + rng.randrange(300 * clock.DAY)
        country = rng.choice(COUNTRIES)
        buyer = Buyer(
            order_id % 97 + 1,
            rng.choice(("1", "2")),
            country,
            f"{rng.getrandbits(128):032x}",
            order_id + 3,
            order_id + (3 if order_id % 5 else 4),
            big_spender=order_id % 11 == 0,
        )
        seed = rng.random()
        first_detail = order_id * 20
        # The dict path (advance) ...
        draft = draw_order(random.Random(seed), at, buyer, catalog, counters_dict)
        order, details = order_records(draft, order_id, at, buyer, catalog, first_detail)
        # ... and the fast path (generate), from the same draws.
        fast = draw_order(random.Random(seed), at, buyer, catalog, counters_fast)
        date = clock.fmt(at)
        state = initial_state(order_id, date, fast.paid_incl)
        refunded = False
        for state_id, when, _ in draft.plan:
            if when <= end:
                apply_state(order, state_id, when, counters_dict)
                apply_state(state, state_id, when, counters_fast)
                if state_id == 7:
                    refund_details(details)
                    refunded = True
        order_json, detail_rows = render_order(
            fast, order_id, date, buyer, catalog, first_detail, state, refunded
        )
        assert order_json == store.php_json(order)
        assert detail_rows == [store.row_for(ORDER_DETAILS, d) for d in details]
        assert store.row_for(ORDERS, order)[-1] == order_json
        refunds += refunded
        gifts += order["gift"] == "1"
        foreign += order["id_currency"] != "1"
    assert refunds and gifts and foreign  # the rare branches were exercised
    assert counters_fast == counters_dict


def test_refund_details_does_not_leak_between_orders():
    rng = random.Random(1)
    catalog = _catalog(rng, 10)
    buyer = Buyer(1, "1", COUNTRIES[0], "abc", 1, 1)
    draft = draw_order(rng, clock.DAY * 9200, buyer, catalog, Counters())
    order, details = order_records(draft, 1, clock.DAY * 9200, buyer, catalog, 1)
    before = deepcopy(details)
    refund_details(details)
    again, _ = order_records(draft, 1, clock.DAY * 9200, buyer, catalog, 1)
    assert again == order
    assert details != before


def _generate_in_subprocess(path, hash_seed: str) -> None:
    code = (
        "import sys; from datetime import datetime; "
        "from phc_analytics.demo_shop import generate_shop; "
        f"generate_shop(sys.argv[1], orders=400, seed={SEED}, "
        f"end=datetime({END.year}, {END.month}, {END.day}))"
    )
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, env=env, timeout=120)


def test_same_shop_in_every_process(tmp_path):
    """String hashing differs between processes; the shop must not (Faker's it_IT cities
    come from a set)."""
    from phc_analytics_tests.demo_shop.test_generator import checksum

    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _generate_in_subprocess(a, "1")
    _generate_in_subprocess(b, "2")
    assert checksum(a) == checksum(b)
