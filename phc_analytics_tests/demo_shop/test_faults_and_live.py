"""Fault injection, serving what advance writes, and concurrency."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from phc_analytics.demo_shop import DemoShopServer, FaultConfig, advance_shop


def outcomes(server: DemoShopServer, n: int) -> list[str]:
    result = []
    for _ in range(n):
        try:
            r = requests.get(f"{server.url}/api/orders?output_format=JSON&display=full&limit=20",
                             auth=(server.ws_key, ""), timeout=10)  # fmt: skip
            if r.status_code == 200:
                r.json()
            result.append(str(r.status_code))
        except requests.exceptions.JSONDecodeError:
            result.append("truncated")
        except requests.exceptions.ChunkedEncodingError:
            result.append("truncated")
        except requests.exceptions.ConnectionError:
            result.append("dropped")
    return result


def test_faults_are_seeded_and_reproducible(shop_path):
    config = FaultConfig(error_5xx_rate=0.2, drop_rate=0.1, truncate_rate=0.1, seed=3)
    runs = []
    for _ in range(2):
        with DemoShopServer(shop_path, faults=config) as server:
            runs.append(outcomes(server, 60))
    assert runs[0] == runs[1]
    kinds = set(runs[0])
    assert {"200", "dropped", "truncated"} <= kinds
    assert {"500", "503"} & kinds


def test_latency_per_request_and_per_record(shop_path):
    config = FaultConfig(latency_ms=30, record_latency_ms=2)
    with DemoShopServer(shop_path, faults=config) as server:
        r = requests.get(f"{server.url}/api/orders?output_format=JSON&display=full&limit=50",
                         auth=(server.ws_key, ""), timeout=10)  # fmt: skip
    assert r.elapsed.total_seconds() >= 0.03 + 0.1


def test_running_server_serves_what_advance_writes(shop_path, tmp_path):
    path = tmp_path / "live.sqlite"
    shutil.copy(shop_path, path)
    with DemoShopServer(path) as server, requests.Session() as s:
        s.auth = (server.ws_key, "")
        url = f"{server.url}/api/orders?output_format=JSON&sort=[id_DESC]&limit=1"
        before = s.get(url).json()["orders"][0]["id"]
        advance_shop(path, hours=24 * 7)
        after = s.get(url).json()["orders"][0]["id"]
    assert after > before


def test_concurrent_clients(server):
    def page(offset: int) -> int:
        with requests.Session() as s:
            s.auth = (server.ws_key, "")
            total = 0
            for start in range(offset, 1500, 400):
                body = s.get(f"{server.url}/api/orders?output_format=JSON&display=full"
                             f"&limit={start},100").json()  # fmt: skip
                total += len(body["orders"]) if body else 0
            return total

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert sum(pool.map(page, (0, 100, 200, 300))) == 1500


def test_missing_shop_file_is_a_phc_error(tmp_path):
    from phc_analytics.errors import PhcError

    with pytest.raises(PhcError, match="No demo shop"):
        DemoShopServer(tmp_path / "nope.sqlite")
