"""Real servers for the service tests: uvicorn on a loopback port, in a thread of the test
process (shared by a session) or as a separate ``mcem serve`` process (for restarts and
crashes)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from mcem_kg.service import create_app
from mcem_kg.service.state import Service
from mcem_kg.settings import Settings

TOKEN = "test-token"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "pipeline.json"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the service at {base} did not become ready")


@contextmanager
def threaded_server(settings: Settings, service: Service | None = None) -> Iterator[str]:
    """uvicorn serving ``create_app(settings)`` in a thread; yields the base URL."""
    port = free_port()
    config = uvicorn.Config(
        create_app(settings, service), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class ServeProcess:
    """``mcem serve`` in a process of its own, on a store folder, restartable and killable."""

    def __init__(self, store: Path, env: Mapping[str, str] | None = None) -> None:
        self.store = store
        self.env = {**os.environ, "MCEM_TOKEN": TOKEN, **(env or {})}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, seed: Path | None = EXAMPLES) -> ServeProcess:
        args = [sys.executable, "-m", "mcem_kg", "serve", "--port", str(self.port)]
        args += ["--store", str(self.store)]
        if seed is not None:
            args += ["--seed", str(seed)]
        self.process = subprocess.Popen(
            args, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_ready(self.base)
        except TimeoutError:
            self.kill()
            raise
        return self

    def stop(self) -> None:
        """A clean shutdown (SIGTERM)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=30)
            self.process = None

    def kill(self) -> None:
        """A crash: SIGKILL, no shutdown code runs."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=30)
            self.process = None
