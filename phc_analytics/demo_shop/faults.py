"""Fault injection for the demo server: what a flaky shop behind a proxy does to clients.

Off by default. Decisions come from one seeded RNG in request arrival order, so a test that
sends its requests one after another sees the same faults on every run.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class FaultConfig:
    error_5xx_rate: float = 0.0  # share of requests answered 500 or 503
    drop_rate: float = 0.0  # share of connections closed without any response
    truncate_rate: float = 0.0  # share of bodies cut short (Content-Length says more)
    latency_ms: float = 0.0  # added to every request
    record_latency_ms: float = 0.0  # added per record returned (PrestaShop loads each object)
    seed: int = 0
    # The first this-many requests are served clean: a shop that fails partway through.
    after_requests: int = 0

    @property
    def active(self) -> bool:
        return any(
            (
                self.error_5xx_rate,
                self.drop_rate,
                self.truncate_rate,
                self.latency_ms,
                self.record_latency_ms,
            )
        )


class FaultInjector:
    def __init__(self, config: FaultConfig):
        self.config = config
        self._rng = random.Random(config.seed)  # noqa: S311 - reproducible faults
        self._lock = threading.Lock()
        self._served = 0

    def decide(self) -> str | None:
        """One of None, "500", "503", "drop", "truncate" for the next request."""
        c = self.config
        if not (c.error_5xx_rate or c.drop_rate or c.truncate_rate):
            return None
        with self._lock:
            self._served += 1
            if self._served <= c.after_requests:
                return None
            u = self._rng.random()
            coin = self._rng.random()
        if u < c.drop_rate:
            return "drop"
        u -= c.drop_rate
        if u < c.error_5xx_rate:
            return "500" if coin < 0.5 else "503"
        u -= c.error_5xx_rate
        if u < c.truncate_rate:
            return "truncate"
        return None

    def delay_seconds(self, records: int) -> float:
        return (self.config.latency_ms + self.config.record_latency_ms * records) / 1000.0
