"""Runs `overblik serve` as a real subprocess on a free local port (crash tests, benchmarks)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def overblik_command() -> list[str]:
    """The installed console script when there is one, so the test runs what users run."""
    script = Path(sys.executable).parent / "overblik"
    return [str(script)] if script.exists() else [sys.executable, "-m", "api.cli"]


def server_env(database_url: str, pseudonym_key: str, **extra: str) -> dict[str, str]:
    # Settings of the developer's shell must not leak into the server under test.
    env = {k: v for k, v in os.environ.items() if not k.startswith("OVERBLIK_")}
    env.update(
        OVERBLIK_DATABASE_URL=database_url,
        OVERBLIK_PSEUDONYM_KEY=pseudonym_key,
        OVERBLIK_SCHEDULER="false",
        **extra,
    )
    return env


def create_token(env: dict[str, str], role: str, cwd: Path) -> str:
    done = subprocess.run(
        [*overblik_command(), "token", "create", "--role", role, "--name", f"{role} (test)"],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=60, check=True,
    )
    return done.stdout.strip().splitlines()[-1]


class Server:
    """One `overblik serve` process; `start` waits until /api/v1/health answers."""

    def __init__(self, env: dict[str, str], cwd: Path, log_path: Path, command: list[str] | None = None):
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self.command = command
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        self.port = free_port()
        command = self.command or [*overblik_command(), "serve"]
        log = open(self.log_path, "ab")  # noqa: SIM115 (the child holds it; closed on stop)
        # A session of its own, so SIGKILL reaches the server and nothing else of the test.
        self.process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(self.port)],
            env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"overblik serve exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/api/v1/health", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"overblik serve did not answer within {timeout} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handler, no flush, no rollback — a crash."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        """SIGINT, as Ctrl-C: uvicorn shuts down cleanly (profilers write their report)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *_exc) -> None:
        self.kill()
