"""Serve throughput, display=full: `python bench/demo_shop_serve.py [shop_path] [orders]`.

Starts `phc-analytics`'s demo server in a child process (so client and server do not share
a GIL) and pages through every order twice: keyset paging on id, then date_upd windows.
"""

from __future__ import annotations

import json
import multiprocessing
import re
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import requests

from phc_analytics.demo_shop import DemoShopServer, generate_shop

PAGE = 500


def _serve(path: str, queue) -> None:
    server = DemoShopServer(path)
    queue.put((server.url, server.ws_key))
    server.serve_forever()


ORDER_ID = re.compile(rb'\{"id":(\d+)')  # entity ids are ints; order_rows ids are strings


def get(session: requests.Session, url: str, parse: bool):
    """The page's orders: fully parsed, or only their ids (what the server costs, without
    Python's JSON decoding, about 50 us per order, on the client's side of the 2 cores)."""
    content = session.get(url).content
    if parse:
        body = json.loads(content)
        return body["orders"] if body else []
    return [{"id": int(i)} for i in ORDER_ID.findall(content)]


def keyset(session: requests.Session, api: str, parse: bool) -> int:
    count, next_id = 0, 1
    while True:
        page = get(
            session,
            f"{api}orders?output_format=JSON&display=full&sort=[id_ASC]&limit={PAGE}"
            f"&filter[id]=[{next_id},999999999]",
            parse,
        )
        if not page:
            return count
        count += len(page)
        next_id = page[-1]["id"] + 1


def date_windows(session: requests.Session, api: str, parse: bool) -> int:
    count = 0
    for year in (2022, 2023, 2024, 2025):
        for month in range(1, 13):
            window = f"[{year}-{month:02d}-01 00:00:00,{year}-{month:02d}-31 23:59:59]"
            offset = 0
            while True:
                page = get(
                    session,
                    f"{api}orders?output_format=JSON&display=full&date=1"
                    f"&sort=[date_upd_ASC,id_ASC]&filter[date_upd]={window}&limit={offset},{PAGE}",
                    parse,
                )
                count += len(page)
                if len(page) < PAGE:
                    break
                offset += PAGE
    return count


def main() -> None:
    if len(sys.argv) > 1:
        path = Path(sys.argv[1])
    else:
        orders = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
        path = Path(tempfile.mkdtemp()) / "bench.sqlite"
        generate_shop(path, orders=orders, seed=1, end=datetime(2025, 6, 1))
    queue = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_serve, args=(str(path), queue), daemon=True)
    proc.start()
    url, key = queue.get(timeout=60)
    try:
        with requests.Session() as session:
            session.auth = (key, "")
            for name, run in (("keyset id", keyset), ("date_upd windows", date_windows)):
                for parse in (False, True):
                    started = time.perf_counter()
                    n = run(session, f"{url}/api/", parse)
                    seconds = time.perf_counter() - started
                    how = "json.loads" if parse else "ids only"
                    rate = n / seconds
                    print(f"{name} ({how}): {n} orders in {seconds:.1f} s: {rate:,.0f} orders/s")
    finally:
        proc.terminate()
        proc.join()


if __name__ == "__main__":
    main()
