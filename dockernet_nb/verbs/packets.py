"""A capture's packets in a lesson: the ``with`` block that collects them, their file, their ladder diagram.

``with dnb.capture(target) as cap: ...`` starts a capture (:func:`dockernet_nb.verbs.capture.start_capture`)
before the block and stops it after, leaving the packets in ``cap.packets``; :func:`save_pcap` writes the
capture file behind them for Wireshark and :func:`ladder` draws them as a sequence diagram, both from the
frame alone (no engine). Example::

    >>> with dnb.capture("alice") as cap:                                   # doctest: +SKIP
    ...     dnb.exec("alice", "ping -c 1 web")
    >>> cap.packets[["from", "to", "protocol", "summary"]]                  # doctest: +SKIP
"""

from __future__ import annotations

import base64
from pathlib import Path
from types import TracebackType

import pandas as pd

from dockernet_nb.display.ladder import draw_ladder, ladder_alt
from dockernet_nb.display.picture import Picture
from dockernet_nb.errors import DockernetError, InvalidInput
from dockernet_nb.records import CaptureHandle
from dockernet_nb.verbs.capture import start_capture, stop_capture
from dockernet_nb.verbs.common import Container, name_of

__all__ = ["capture", "save_pcap", "ladder", "Capture"]


class Capture:
    """``with dnb.capture(target) as cap:``: a capture around a block; ``cap.packets`` after it."""

    def __init__(self, target: Container, capture_filter: str, timeout: float) -> None:
        self.target, self.filter, self.timeout = target, capture_filter, timeout
        self.handle: CaptureHandle | None = None
        self.packets: pd.DataFrame | None = None

    def __enter__(self) -> Capture:
        self.handle = start_capture(self.target, filter=self.filter, timeout=self.timeout)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        assert self.handle is not None
        if kind is None:
            self.packets = stop_capture(self.handle)
            return
        try:  # the block failed: take the capture down, and let the block's error be the one shown
            stop_capture(self.handle)
        except DockernetError:
            pass

    def __repr__(self) -> str:
        if self.packets is None:
            return f"Capture of {name_of(self.target)} (no packets yet: they arrive when the with-block ends)"
        return repr(self.packets)

    def _repr_html_(self) -> str | None:
        return None if self.packets is None else self.packets._repr_html_()


def capture(target: Container, *, filter: str = "", timeout: float = 120) -> Capture:  # noqa: A002 - tcpdump's word
    """A capture around a ``with`` block: started before the block, stopped after it, packets in ``.packets``.

    Same options as :func:`start_capture`. If the block raises, the capture is removed and the block's
    error is the one you see. Example::

        >>> with dnb.capture("alice", filter="icmp or arp") as cap:        # doctest: +SKIP
        ...     dnb.exec("alice", "ping -c 1 web")
        >>> cap.packets                                                     # doctest: +SKIP
    """
    return Capture(target, filter, timeout)


def pcap_bytes(packets: pd.DataFrame | Capture) -> bytes:
    """The capture file behind a frame from :func:`stop_capture` (or a filtered part of it)."""
    frame = packets.packets if isinstance(packets, Capture) else packets
    stored = getattr(frame, "attrs", {}).get("pcap")
    if not isinstance(stored, str):
        raise InvalidInput("These packets carry no capture file: pass the frame dnb.stop_capture returned (or cap.packets).")
    return base64.b64decode(stored)


def save_pcap(packets: pd.DataFrame | Capture, path: str | Path) -> Path:
    """Write the capture file (every packet the capture saw, as tcpdump wrote it) to ``path`` for Wireshark.

    A filtered frame still saves the whole capture: the file is what tcpdump wrote. Example::

        >>> dnb.save_pcap(cap, "alice.pcap")                              # doctest: +SKIP
        PosixPath('alice.pcap')
    """
    target = Path(path)
    if target.suffix not in (".pcap", ".cap"):
        raise InvalidInput(
            f"Name the file with .pcap at the end (Wireshark opens it by that), like 'alice.pcap'; got {str(path)!r}."
        )
    target.write_bytes(pcap_bytes(packets))
    return target


def ladder(packets: pd.DataFrame | Capture, *, title: str | None = None, max_packets: int = 40) -> Picture:
    """A sequence ("ladder") diagram of captured packets: one column per host, one arrow per packet, in time order.

    Draws from the frame alone (no engine): its ``from``, ``to``, ``time``, ``protocol`` and the
    per-protocol columns. Pass a filtered frame to draw only some packets; ``max_packets`` caps the
    drawing. Example::

        >>> dnb.ladder(cap.packets[cap.packets.protocol != "DNS"])           # doctest: +SKIP
    """
    frame = packets.packets if isinstance(packets, Capture) else packets
    if frame is None or not isinstance(frame, pd.DataFrame):
        raise InvalidInput("ladder draws the packets of a capture: pass cap.packets, or what dnb.stop_capture returned.")
    figure = draw_ladder(frame, title=title, max_packets=max_packets)
    docker = getattr(frame, "docker", ())
    return Picture(figure, docker=tuple(docker), text=ladder_alt(frame, max_packets=max_packets))
