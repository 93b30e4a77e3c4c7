"""A real service process: the entrypoint script (migrate, then uvicorn) on a loopback port."""

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.databases import fresh_postgres_database

ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "inv_live-admin-token"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Service:
    url: str
    process: "subprocess.Popen[bytes]"  # uvicorn itself: the entrypoint execs it
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


@contextmanager
def running_service(
    database_url: str, *, timeout: float = 30.0, **environment: str
) -> Iterator[Service]:
    """Start the service as the container would, yield it, stop it afterwards. Its output
    goes to a file (a pipe nobody reads would fill up and stall the server)."""
    port = free_port()
    env = {
        **os.environ,
        "INVENTORY_DATABASE_URL": database_url,
        "INVENTORY_HOST": "127.0.0.1",
        "INVENTORY_PORT": str(port),
        # The scripts find alembic and uvicorn next to the running interpreter.
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "INVENTORY_ADMIN_TOKEN": ADMIN_TOKEN,
        **environment,
    }
    with tempfile.TemporaryDirectory(prefix="inventory-service-") as directory:
        log = Path(directory) / "service.log"
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(ROOT / "scripts" / "entrypoint.sh")],
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise RuntimeError(
                        f"the service exited with {process.returncode}:\n{log.read_text()}"
                    )
                try:
                    httpx.get(f"{base_url}/openapi.json", timeout=1).raise_for_status()
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            yield Service(url=base_url, process=process, log=log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def service_on(kind: str, directory: Path, **environment: str) -> Iterator[Service]:
    """A running service on a fresh database: ``sqlite`` (a file in *directory*) or
    ``postgresql`` (a new database on the test server)."""
    if kind == "sqlite":
        url = f"sqlite+aiosqlite:///{directory / 'inventory.db'}"
        with running_service(url, timeout=30.0, **environment) as service:
            yield service
        return
    with (
        fresh_postgres_database() as url,
        running_service(url, timeout=30.0, **environment) as service,
    ):
        yield service
