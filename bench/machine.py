"""What the figures were measured on: cores, RAM, load, git sha."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime

from phc_analytics import settings


def load() -> float:
    """The one-minute load average: other work on the machine slows every figure."""
    return os.getloadavg()[0]


def ram_gib() -> float:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def git_sha() -> str:
    def git(*args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=settings.project_root(), capture_output=True, text=True
        )
        return result.stdout.strip()

    sha = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no", "--", "phc_analytics", "sql")
    return f"{sha}{' (uncommitted changes in phc_analytics/ or sql/)' if dirty else ''}"


def describe() -> dict[str, str]:
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": (
            f"{os.cpu_count()} cores, {ram_gib():.0f} GiB RAM, {platform.system()}"
            f" {platform.machine()}, Python {platform.python_version()}"
        ),
        "git": git_sha(),
    }
