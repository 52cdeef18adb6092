"""tcp_request: what the worksheet does with ``curl localhost:8000``, from Python."""

from __future__ import annotations

import socket

from dockernet_nb.engine.connection import engine_host
from dockernet_nb.errors import ConnectionRefused, InvalidInput
from dockernet_nb.replay import recordable

__all__ = ["tcp_request"]


@recordable
def tcp_request(port: int, *, host: str | None = None, data: bytes = b"", timeout: float = 3) -> str:
    """Connect to ``port`` on the engine's host, send ``data``, and return what the server sent.

    ``host`` defaults to the engine's host: 127.0.0.1 for a local engine, the DOCKER_HOST's host for a
    remote one. A refused connection raises :class:`ConnectionRefused` with what to check next.
    Example::

        >>> print(dnb.tcp_request(8000))            # doctest: +SKIP
         21:22:52 up 1 day, 10:38,  load average: 0.00, 0.01, 0.00
    """
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidInput(f"port must be a whole number from 1 to 65535, got {port!r}.")
    if not isinstance(data, bytes):
        raise InvalidInput("data must be bytes, e.g. b'PING\\r\\n'.")
    target = host or engine_host()
    try:
        with socket.create_connection((target, port), timeout=timeout) as conn:
            if data:
                conn.sendall(data)
            conn.shutdown(socket.SHUT_WR)
            chunks = []
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
    except ConnectionRefusedError as e:
        raise ConnectionRefused(
            f"Connection to {target}:{port} was refused: nothing listens there. Is the port published "
            f"(ports='{port}:...') and is the container on a network other than 'none'?"
        ) from e
    except ConnectionResetError as e:
        raise ConnectionRefused(
            f"{target}:{port} accepted and then reset the connection: Docker's proxy listens, but the "
            "container behind it did not answer (is it on a network, and is its server running?)."
        ) from e
    except TimeoutError as e:
        raise ConnectionRefused(f"No answer from {target}:{port} within {timeout} s.") from e
    except OSError as e:
        raise ConnectionRefused(f"Could not reach {target}:{port}: {e.strerror or e}.") from e
    if not chunks:
        # Docker's proxy accepts for a published port even when nothing listens behind it yet; the
        # connection then closes without a byte. For a learner that is a refusal, not an empty answer.
        raise ConnectionRefused(
            f"{target}:{port} accepted the connection and closed it without sending anything: Docker's proxy "
            "is there, but the server in the container did not answer (not listening yet? wait a moment and retry)."
        )
    return b"".join(chunks).decode("utf-8", "replace")
