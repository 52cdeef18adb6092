"""One exception family for the whole course.

Every error a learner can meet derives from :class:`DockernetError`. Errors from the Docker SDK are
translated at the engine boundary (``raise ... from e``) so a notebook shows one readable message that
says what happened and what to do next.
"""

from __future__ import annotations

__all__ = [
    "DockernetError",
    "EngineUnavailable",
    "ImageMissing",
    "NotFound",
    "NetworkNotFound",
    "ContainerNotFound",
    "NameInUse",
    "CommandTimeout",
    "ParseError",
    "InvalidInput",
    "ConnectionRefused",
    "EngineError",
    "NotRecorded",
    "RecordingError",
    "SetupError",
    "CaptureError",
    "NothingCaptured",
    "CaptureTimeout",
    "CaptureTargetGone",
]


class DockernetError(Exception):
    """Base of every error raised by dockernet_nb."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing the full chained traceback: a learner sees one message.
        return [f"{type(self).__name__}: {self}"]


class EngineUnavailable(DockernetError):
    """No Docker engine answers (or it stopped answering)."""


class ImageMissing(DockernetError):
    """The image is not on the engine; the course never pulls behind your back."""


class NotFound(DockernetError):
    """A network or container the call names does not exist."""


class NetworkNotFound(NotFound):
    """No network by that name."""


class ContainerNotFound(NotFound):
    """No container by that name."""


class NameInUse(DockernetError):
    """The name belongs to something the course did not create; the course will not touch it."""


class CommandTimeout(DockernetError):
    """A command ran past its timeout; its one-off container was killed and removed."""


class ParseError(DockernetError):
    """Command output did not look like any dialect the parser knows."""


class InvalidInput(DockernetError):
    """An argument the engine would reject, caught before anything was created."""


class ConnectionRefused(DockernetError):
    """Nothing accepted a TCP connection on that host and port."""


class EngineError(DockernetError):
    """The engine refused a request for a reason not covered by a more specific class."""


class NotRecorded(DockernetError):
    """Replay mode met a call that the recorded live run never made."""


class RecordingError(DockernetError):
    """A recording file is unreadable or holds something that is not a recorded answer; nothing of it is used."""


class SetupError(DockernetError):
    """Installing or building something the course needs (packages, an engine, images) failed."""


class CaptureError(DockernetError):
    """A packet capture could not hand over its packets; its capture container is gone either way."""


class NothingCaptured(CaptureError):
    """The capture saw no packet at all."""


class CaptureTimeout(CaptureError):
    """The capture ran past its own timeout and stopped by itself before it was stopped."""


class CaptureTargetGone(CaptureError):
    """The container whose network the capture watched stopped, was removed or started again meanwhile."""
