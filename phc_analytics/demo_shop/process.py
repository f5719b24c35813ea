"""The demo shop served by a separate process, as a real shop would be.

In-process (``DemoShopServer``) the server shares the client's interpreter lock; in its own
process it uses the second core, and a sync measures the client, not the contention.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from phc_analytics.demo_shop import store
from phc_analytics.demo_shop.faults import FaultConfig
from phc_analytics.errors import PhcError

START_TIMEOUT_S = 30.0


def _free_port(host: str) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _fault_flags(faults: FaultConfig) -> list[str]:
    return [
        f"--fault-5xx-rate={faults.error_5xx_rate}",
        f"--fault-drop-rate={faults.drop_rate}",
        f"--fault-truncate-rate={faults.truncate_rate}",
        f"--latency-ms={faults.latency_ms}",
        f"--record-latency-ms={faults.record_latency_ms}",
        f"--fault-seed={faults.seed}",
    ]


@contextmanager
def serve_in_subprocess(
    shop_path: str | Path, faults: FaultConfig | None = None, host: str = "127.0.0.1"
) -> Iterator[tuple[str, str]]:
    """Yield ``(base_url, ws_key)`` of the shop served by a child process until exit."""
    shop_path = Path(shop_path)
    if not shop_path.exists():
        raise PhcError(f"No demo shop at {shop_path}: run `phc-analytics shop generate`.")
    conn = store.connect(shop_path)
    try:
        ws_key = store.get_meta(conn)["ws_key"]
    finally:
        conn.close()
    port = _free_port(host)
    command = [sys.executable, "-m", "phc_analytics.cli", "shop", "serve", "--shop", str(shop_path)]
    command += ["--host", host, "--port", str(port), *_fault_flags(faults or FaultConfig())]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if process.poll() is not None:
                reason = process.stderr.read().decode(errors="replace").strip().splitlines()
                raise PhcError(
                    f"the demo shop did not start: {reason[-1] if reason else 'it exited'}"
                )
            try:
                with socket.create_connection((host, port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise PhcError(f"the demo shop did not answer on {host}:{port}") from None
                time.sleep(0.05)
        yield f"http://{host}:{port}", ws_key
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        process.stderr.close()
