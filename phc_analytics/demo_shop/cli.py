"""`phc-analytics shop ...`: generate, serve and advance the built-in demo PrestaShop."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import click

from phc_analytics.demo_shop.advance import advance_shop
from phc_analytics.demo_shop.faults import FaultConfig
from phc_analytics.demo_shop.generator import generate_shop
from phc_analytics.demo_shop.multistore import MAX_STORES, stores_in
from phc_analytics.demo_shop.server import DemoShopServer
from phc_analytics.errors import PhcError
from phc_analytics.settings import default_shop_path

stores_help = (
    "Stores in the installation (PrestaShop multistore, 1-8): 1-2 share customers, orders "
    "and stock; 3 on sell in their own currency and time zone. See docs/demo_shop.md."
)

shop_option = click.option(
    "--shop",
    "shop_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Shop file (SQLite). Default: .phc/demo_shop.sqlite.",
)


def _path(shop_path: Path | None) -> Path:
    return shop_path or default_shop_path()


@click.group(name="shop")
def shop() -> None:
    """The built-in demo PrestaShop: generate, serve, advance."""


@shop.command()
@shop_option
@click.option("--orders", type=click.IntRange(min=1), default=2000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option(
    "--end",
    type=click.DateTime(formats=["%Y-%m-%d", "%Y-%m-%d %H:%M:%S"]),
    default=None,
    help="End of the history (shop clock). Default: today 00:00.",
)
@click.option("--stores", type=click.IntRange(1, MAX_STORES), default=1, show_default=True,
              help=stores_help)  # fmt: skip
def generate(
    shop_path: Path | None, orders: int, seed: int, end: datetime | None, stores: int
) -> None:
    """Generate a new shop (replaces the file). Same seed, orders and end: same shop."""
    path = _path(shop_path)
    started = time.perf_counter()
    info = generate_shop(path, orders=orders, seed=seed, end=end, stores=stores)
    elapsed = time.perf_counter() - started
    in_stores = f" in {stores} stores" if stores > 1 else ""
    click.echo(
        f"Generated {orders} orders{in_stores} in {elapsed:.1f}s at {info.path} "
        f"(clock {info.clock})."
    )


@shop.command()
@shop_option
@click.option("--hours", type=click.FloatRange(min=0, min_open=True), required=True)
@click.option("--seed", type=int, default=None, help="Override the seed derived from the shop.")
def advance(shop_path: Path | None, hours: float, seed: int | None) -> None:
    """Add what a real shop sees in N hours: orders, status changes, refunds, edits."""
    r = advance_shop(_path(shop_path), hours=hours, seed=seed)
    click.echo(
        f"Shop clock now {r.clock}: {r.new_orders} new orders, {r.state_changes} status "
        f"changes, {r.late_refunds} late refunds, {r.customer_edits} customer edits, "
        f"{r.address_edits} address edits, {r.product_edits} product edits,"
        f" {r.partial_refunds} partial refunds."
    )
    removed = ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in r.deletions.items() if n)
    click.echo(f"Deleted: {removed or 'nothing'}.")


@shop.command()
@shop_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True)
@click.option("--orders", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Orders to generate if the shop file does not exist.")  # fmt: skip
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--stores", type=click.IntRange(1, MAX_STORES), default=None,
              help=stores_help + " Used when the shop is generated; default 1.")  # fmt: skip
@click.option("--fault-5xx-rate", type=click.FloatRange(0, 1), default=0.0)
@click.option("--fault-drop-rate", type=click.FloatRange(0, 1), default=0.0)
@click.option("--fault-truncate-rate", type=click.FloatRange(0, 1), default=0.0)
@click.option("--latency-ms", type=click.FloatRange(min=0), default=0.0)
@click.option("--record-latency-ms", type=click.FloatRange(min=0), default=0.0)
@click.option("--fault-seed", type=int, default=0)
def serve(
    shop_path: Path | None,
    host: str,
    port: int,
    orders: int,
    seed: int,
    stores: int | None,
    fault_5xx_rate: float,
    fault_drop_rate: float,
    fault_truncate_rate: float,
    latency_ms: float,
    record_latency_ms: float,
    fault_seed: int,
) -> None:
    """Serve the shop's Webservice API (generating the shop first if needed)."""
    path = _path(shop_path)
    if not path.exists():
        click.echo(f"No shop at {path}: generating {orders} orders (seed {seed})...")
        generate_shop(path, orders=orders, seed=seed, stores=stores or 1)
    elif stores is not None and (has := stores_in(path)) != stores:
        raise PhcError(
            f"The shop at {path} has {has} store(s), not {stores}: generate it again with "
            f"`phc-analytics shop generate --shop {path} --stores {stores}`, or drop --stores."
        )
    faults = FaultConfig(
        error_5xx_rate=fault_5xx_rate,
        drop_rate=fault_drop_rate,
        truncate_rate=fault_truncate_rate,
        latency_ms=latency_ms,
        record_latency_ms=record_latency_ms,
        seed=fault_seed,
    )
    if fault_5xx_rate + fault_drop_rate + fault_truncate_rate > 1:
        raise PhcError("The fault rates add up to more than 1; lower them.")
    server = DemoShopServer(path, host=host, port=port, faults=faults)
    click.echo(f"Demo PrestaShop at {server.url} (API under {server.url}/api/)")
    click.echo(f"Webservice key: {server.ws_key}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.")
