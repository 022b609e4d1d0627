"""Shared set-up for the write tests: tokens, a live server, a busy machine."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import NoReturn

import httpx
import pytest

from registry.auth import create_token
from registry.db import make_engine, make_sessionmaker, write_session


@dataclass
class Tokens:
    admin: str
    editor: str

    def headers(self, role: str = "editor", **extra: str) -> dict[str, str]:
        token = self.admin if role == "admin" else self.editor
        return {"Authorization": f"Bearer {token}", **extra}


def create_tokens(url: str) -> Tokens:
    """An admin token and an editor token (expiring in 30 days) in the database at `url`."""
    engine = make_engine(url)
    try:
        factory = make_sessionmaker(engine)
        with write_session(factory) as session:
            admin = create_token(session, "test-admin", "admin", None)
            editor = create_token(session, "test-editor", "editor", 30)
    finally:
        engine.dispose()
    return Tokens(admin, editor)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(url: str, workers: int, *extra: str, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run the API as users do (uvicorn, several worker processes) until the generator closes.
    `env` adds settings to the server's environment."""
    port = free_port()
    env = {**os.environ, "REGISTRY_DATABASE_URL": url, **(env or {})}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "registry",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            *extra,
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("the API server did not start")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def cpu_burner() -> Iterator[None]:
    """Keep every core busy with spinning processes while the block runs, as a loaded host
    would be: what a test asserts inside must not depend on a quiet machine."""
    spinners = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(os.cpu_count() or 2)
    ]
    try:
        yield
    finally:
        for spinner in spinners:
            spinner.kill()
            spinner.wait()


def missing_tool(check: str, message: str) -> NoReturn:
    """A tool a check needs is not here: skip loudly, or fail under CI, where `make test`
    has installed every tool."""
    if os.environ.get("CI"):
        pytest.fail(f"{check}: {message}", pytrace=False)
    pytest.skip(f"*** {check.upper()} SKIPPED: {message} ***")
