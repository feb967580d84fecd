"""The process bookkeeping every throwaway service shares: its temporary directory, the
server process with its log, readiness polling, and stopping (also at interpreter exit)."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn, Self

HOST = "127.0.0.1"
_running: set[_Service] = set()


class ServiceError(RuntimeError):
    """A throwaway service could not do what was asked of it."""


class ServiceStartError(ServiceError):
    """A service did not come up; the message ends with the tail of its log."""


@atexit.register
def _stop_all() -> None:
    """Stop every service a test forgot to stop, so no process outlives the interpreter."""
    for service in list(_running):
        service.stop()


class _Service:
    """Directory, process and log bookkeeping shared by the service helpers."""

    label = "service"
    stop_signal = signal.SIGTERM

    def __init__(self, base_dir: str | os.PathLike[str] | None, start_timeout: float) -> None:
        self.host = HOST
        self.port: int | None = None
        self.directory: Path | None = None
        self._base_dir = base_dir
        self._start_timeout = start_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """Process id of the running server, or None when it is not running."""
        return self._process.pid if self._process else None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self) -> Self:
        """Create the directory, prepare and launch the server, and wait until it is ready.

        On any failure everything is stopped and removed before the error propagates.
        """
        if self.directory is not None:
            raise ServiceError(f"{self.label} already started")
        self.directory = Path(tempfile.mkdtemp(prefix=f"jiedao-{self.label.lower()}-", dir=self._base_dir))
        _running.add(self)
        try:
            self._prepare()
            self._launch()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop the server if it runs and remove its directory; safe to call more than once."""
        self._halt()
        if self.directory is not None:
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory = None
        _running.discard(self)

    def _prepare(self) -> None:
        """Write what the server needs into ``self.directory`` before its first launch."""
        raise NotImplementedError

    def _launch(self) -> None:
        """Start the server process and wait until it is ready."""
        raise NotImplementedError

    @property
    def _log_path(self) -> Path:
        assert self.directory is not None
        return self.directory / "server.log"

    def _spawn(self, argv: list[str], ready: Callable[[], bool], **popen_args: Any) -> None:
        """Run ``argv`` with its output in the log and poll ``ready`` until it holds."""
        with open(self._log_path, "ab") as log:
            self._process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **popen_args
            )
        deadline = time.monotonic() + self._start_timeout
        while not ready():
            status = self._process.poll()
            if status is not None:
                self._fail(f"exited with status {status} while starting")
            if time.monotonic() > deadline:
                self._fail(f"was not ready after {self._start_timeout:.0f}s")
            time.sleep(0.05)

    def _fail(self, problem: str, output: str | None = None) -> NoReturn:
        """Raise ``ServiceStartError`` with ``output``, or the log's last lines, attached."""
        if output is None:
            try:
                output = "\n".join(self._log_path.read_text(errors="replace").splitlines()[-40:])
            except OSError:
                output = "(no log written)"
        raise ServiceStartError(f"{self.label} {problem}\n--- log tail ---\n{output}")

    def _halt(self, timeout: float = 30.0) -> None:
        """Stop the server process with ``stop_signal``, then kill its process group if it lingers."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(self.stop_signal)
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


