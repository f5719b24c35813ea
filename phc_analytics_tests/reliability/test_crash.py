"""A sync killed with SIGKILL at a random point loses nothing and converges on restart."""

import random
import signal
import subprocess
import sys
import time
from datetime import datetime

import psycopg

from phc_analytics import settings
from phc_analytics.demo_shop import DemoShopServer, FaultConfig
from phc_analytics.prestashop.entities import BY_NAME
from phc_analytics.warehouse.migrations import apply_migrations
from phc_analytics_tests.conftest import create_database, drop_database, with_database
from phc_analytics_tests.support.shop import raw_latest, shop_truth

ORDERS = BY_NAME["orders"]
TRIALS = 5

SYNC = """
import sys, psycopg
from phc_analytics.ingestion.sync import sync_entity
from phc_analytics.ingestion.windows import SyncRequest
from phc_analytics.prestashop.client import PrestaShopClient
from phc_analytics.prestashop.entities import BY_NAME
url, shop_url, key = sys.argv[1:4]
client = PrestaShopClient(shop_url, key, page_size=50)
with psycopg.connect(url) as conn:
    sync_entity(client, conn, BY_NAME["orders"], SyncRequest.everything(), batch_rows=50)
"""


def sync_process(url: str, server) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", SYNC, url, server.url, server.ws_key],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for_first_commit(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    with psycopg.connect(url, autocommit=True) as conn:
        while conn.execute("SELECT count(*) FROM raw.orders").fetchone()[0] == 0:
            assert process.poll() is None, process.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the sync never committed a batch"
            time.sleep(0.05)


def test_sigkill_at_random_points(shop_path, pg_admin_url):
    rng = random.Random(7)
    # A slow shop (per-record latency, like a real PrestaShop) so the kill lands mid-sync.
    with DemoShopServer(shop_path, faults=FaultConfig(record_latency_ms=2.0)) as server:
        truth = shop_truth(server.url, server.ws_key, ORDERS)
        for trial in range(TRIALS):
            name = create_database(pg_admin_url, prefix="phc_crash")
            url = with_database(pg_admin_url, name)
            try:
                apply_migrations(url, settings.migrations_dir())
                victim = sync_process(url, server)
                wait_for_first_commit(url, victim)
                time.sleep(rng.uniform(0.0, 1.0))
                victim.send_signal(signal.SIGKILL)
                victim.wait(timeout=30)
                with psycopg.connect(url) as conn:
                    loaded = raw_latest(conn, ORDERS)
                    mark = conn.execute(
                        "SELECT cursor_value FROM staging.etl_watermarks WHERE entity='orders'"
                    ).fetchone()[0]
                    duplicates = conn.execute(
                        "SELECT count(*) - count(DISTINCT (id, payload_hash)) FROM raw.orders"
                    ).fetchone()[0]
                assert len(loaded) < len(truth), f"trial {trial}: the kill came too late"
                assert duplicates == 0
                # Never ahead: every shop record at or below the watermark is in raw.
                behind = [i for i, c in truth.items() if datetime.fromisoformat(c) <= mark]
                assert all(i in loaded for i in behind), f"trial {trial}: watermark ahead"

                restart = sync_process(url, server)
                assert restart.wait(timeout=300) == 0, restart.stderr.read().decode()[-2000:]
                with psycopg.connect(url) as conn:
                    assert raw_latest(conn, ORDERS) == truth, f"trial {trial}"
                    duplicates = conn.execute(
                        "SELECT count(*) - count(DISTINCT (id, payload_hash)) FROM raw.orders"
                    ).fetchone()[0]
                assert duplicates == 0
            finally:
                drop_database(pg_admin_url, name)
