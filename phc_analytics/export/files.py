"""Writing an output file whole or not at all."""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path next to ``target``, renamed to it when the block succeeds and deleted
    when it fails: an export that stops half way (an error, Ctrl-C, a full disk) leaves the
    previous file, or none, never a truncated one a BI tool would read as complete."""
    target.parent.mkdir(parents=True, exist_ok=True)
    # Same folder, so the rename is atomic; hidden, so a folder watcher skips it. Named, not
    # created (as mkstemp would, with mode 0600): the writer creates it, with the umask's mode
    # the file should have.
    temporary = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.part")
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
