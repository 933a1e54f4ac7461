"""Running the ledger: in the foreground (``serve``) or in a background
thread on a free loopback port for tests and the demo (``LedgerServer``).
"""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from types import TracebackType

import uvicorn

from ledger.app import create_app
from ledger.context import Settings


def serve(host: str, port: int, data_dir: Path, settings: Settings | None = None) -> None:
    """Serve the ledger until interrupted (Ctrl-C)."""
    uvicorn.run(create_app(data_dir, settings), host=host, port=port, log_level="info")


class LedgerServer:
    """The ledger in a background thread; ``port=0`` picks a free port.

    with LedgerServer(tmp_path) as ledger:
        requests.get(f"{ledger.url}/v1/time", timeout=5)
    """

    def __init__(
        self,
        data_dir: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        settings: Settings | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.app = create_app(data_dir, settings)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.host, self.port = self._socket.getsockname()[:2]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._run, name="ledger-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _run(self) -> None:
        self._server.run(sockets=[self._socket])

    def start(self) -> LedgerServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the ledger server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def __enter__(self) -> LedgerServer:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
