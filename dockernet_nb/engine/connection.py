"""The engine boundary: finding the Docker engine and translating its errors.

Everything that talks to Docker goes through :func:`client`, and every SDK call is wrapped in
:func:`engine_errors`, so the rest of the package only ever sees :mod:`dockernet_nb.errors`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import urllib.parse
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import docker

from dockernet_nb.errors import (
    ContainerNotFound,
    DockernetError,
    EngineError,
    EngineUnavailable,
    ImageMissing,
    NetworkNotFound,
    NotFound,
)

__all__ = ["client", "engine_errors", "engine_host", "engine_version", "how_to_get_an_engine", "answers"]

# Long enough for a slow `docker network create`, short enough that a dead engine is noticed quickly.
API_TIMEOUT = 60


def how_to_get_an_engine() -> str:
    """The exact next step for someone with no engine, whatever their machine."""
    where = os.environ.get("DOCKER_HOST") or "the local socket (/var/run/docker.sock)"
    return (
        f"No Docker engine answered at {where}.\n"
        "To get one:\n"
        "  - macOS or Windows: install and start Docker Desktop, then re-run this.\n"
        "  - Linux: install Docker Engine (Debian/Ubuntu as root: `dockernet-nb engine` does it), "
        "or `sudo systemctl start docker` if it is installed but stopped.\n"
        "  - A classroom engine: set DOCKER_HOST (for example tcp://engine.example:2375 or "
        "ssh://you@host) before starting JupyterLab.\n"
        "Without an engine, the notebooks can still replay recorded runs (DOCKERNET_NB_MODE=replay)."
    )


# The Docker SDK is imported on first use, not with this module: replay mode (Binder) never needs it,
# and importing it (with paramiko for ssh:// engines) costs about half a second per kernel.
@functools.lru_cache(maxsize=1)
def _cached_client() -> docker.DockerClient:
    import docker

    try:
        return docker.from_env(timeout=API_TIMEOUT)
    except docker.errors.DockerException as e:
        if _is_connection_error(e):
            raise EngineUnavailable(how_to_get_an_engine()) from e
        raise EngineError(f"Could not set up the Docker client: {e}") from e


def client() -> docker.DockerClient:
    """The shared Docker SDK client for DOCKER_HOST (or the local socket)."""
    return _cached_client()


def reset_client() -> None:
    """Forget the cached client, e.g. after DOCKER_HOST changed or the engine restarted."""
    _cached_client.cache_clear()


def answers(timeout: float = 3) -> bool:
    """True when an engine answers a ping within ``timeout`` seconds."""
    import docker
    import requests.exceptions

    try:
        probe = docker.from_env(timeout=timeout)
    except docker.errors.DockerException:
        return False
    try:
        return bool(probe.ping())
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError):
        return False
    finally:
        probe.close()


def engine_version() -> str:
    """The engine's version, e.g. '20.10.24+dfsg1'."""
    with engine_errors("asking the engine for its version"):
        return client().version().get("Version", "unknown")


def engine_host() -> str:
    """The host where published ports of this engine can be reached."""
    url = os.environ.get("DOCKER_HOST", "")
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("tcp", "ssh", "http", "https") and parsed.hostname:
        return parsed.hostname
    return "127.0.0.1"


def _is_connection_error(e: BaseException) -> bool:
    import requests.exceptions

    text = str(e)
    return isinstance(e, (requests.exceptions.ConnectionError, ConnectionError)) or any(
        s in text
        for s in ("Connection aborted", "Connection refused", "No such file or directory", "Error while fetching server API version")
    )


@contextlib.contextmanager
def engine_errors(action: str, *, missing: type[NotFound] | None = None, what: str = "") -> Iterator[None]:
    """Translate Docker SDK and transport errors raised while doing ``action``.

    ``missing`` is the class to raise for a 404 (a network or a container), ``what`` its name.
    """
    try:
        yield
    except DockernetError:
        raise
    except Exception as e:
        raise _translated(e, action, missing, what) from e


def _translated(e: Exception, action: str, missing: type[NotFound] | None, what: str) -> Exception:
    """The course error for an SDK or transport error (the SDK is loaded by now: it raised ``e``)."""
    import docker.errors
    import requests.exceptions

    if isinstance(e, docker.errors.ImageNotFound):
        return ImageMissing(
            f"The image is not on this engine ({_explanation(e)}). Run `dockernet-nb images` in a terminal "
            "(or the setup notebook) to build or pull the course images."
        )
    if isinstance(e, docker.errors.NotFound):
        cls = missing or NotFound
        kind = {NetworkNotFound: "network", ContainerNotFound: "container"}.get(cls, "object")
        return cls(
            f"No {kind} named {what!r} on this engine while {action}. "
            f"List what exists with dnb.{'networks' if kind == 'network' else 'containers'}()."
        )
    if isinstance(e, docker.errors.APIError):
        return EngineError(f"The engine refused {action}: {_explanation(e)}")
    if isinstance(e, (requests.exceptions.ConnectionError, ConnectionError)):
        reset_client()
        return EngineUnavailable(f"Lost the Docker engine while {action}.\n" + how_to_get_an_engine())
    if isinstance(e, requests.exceptions.ReadTimeout):
        reset_client()
        return EngineUnavailable(
            f"The Docker engine stopped answering while {action} (no reply in {API_TIMEOUT} s). "
            "Check that it still runs (`docker info`), then re-run the cell."
        )
    if isinstance(e, docker.errors.DockerException):
        if _is_connection_error(e):
            reset_client()
            return EngineUnavailable(how_to_get_an_engine())
        return EngineError(f"Docker said, while {action}: {e}")
    raise e  # not an engine error: a bug to see whole, not to translate


def _explanation(e: Any) -> str:
    return (getattr(e, "explanation", None) or str(e)).strip()
