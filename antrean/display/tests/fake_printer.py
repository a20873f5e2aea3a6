"""A network thermal printer for tests: a TCP server on 127.0.0.1 that records each job.

Real ESC/POS network printers take raw bytes on port 9100 and print as they arrive; this
one keeps the bytes of every connection until the client closes it.
"""

import socket
import threading


class FakePrinter:
    def __init__(self):
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.host, self.port = self._server.getsockname()
        self.jobs: list[bytes] = []
        self._job_done = threading.Condition()
        self._running = True
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while self._running:
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                chunks = []
                try:
                    while chunk := conn.recv(65536):
                        chunks.append(chunk)
                except OSError:
                    pass
            with self._job_done:
                self.jobs.append(b"".join(chunks))
                self._job_done.notify_all()

    def wait_for_job(self, n: int = 1, timeout: float = 5) -> bytes:
        with self._job_done:
            if not self._job_done.wait_for(lambda: len(self.jobs) >= n, timeout=timeout):
                raise AssertionError(f"the printer received {len(self.jobs)} job(s), not {n}")
            return self.jobs[n - 1]

    def close(self) -> None:
        self._running = False
        self._server.close()
        self._thread.join(timeout=2)


def closed_port() -> int:
    """A local port where nothing listens: connecting is refused at once."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]
