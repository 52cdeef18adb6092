"""Packet captures: tcpdump in a course container's network namespace, every packet as a row.

:func:`start_capture` starts a capture container that joins the target's network namespace
(``--network container:<target>``) and runs ``tcpdump -i any`` writing a capture file; it returns once
tcpdump says it is listening, so the next cell's first packet is caught. :func:`stop_capture` takes
the file, removes the capture container and returns a frame: one row per packet, the columns of
:mod:`dockernet_nb.parsers.pcap` plus ``from`` and ``to``, the hosts of the topology that sent and
received it (a container's name, ``host`` for a network's gateway, ``Docker DNS`` for 127.0.0.11).
The capture file itself stays with the frame (``frame.attrs["pcap"]``, base64, so a recording holds
it as plain data). What a lesson does with the packets is in :mod:`.packets`: ``with dnb.capture(target)
as cap: ...`` does both steps around a block, :func:`save_pcap` writes the file for Wireshark and
:func:`ladder` draws the packets as a sequence diagram.

The capture container has no capabilities but two: ``NET_RAW`` (tcpdump's raw socket) and
``SETGID``. Debian's tcpdump switches to another user once its socket is open; ``-Z root`` keeps it
root (the container's root, with nothing but these two), which still calls ``setgroups`` and so needs
SETGID. Staying the same user as the rest of the container matters: a process of that user needs no
CAP_KILL to signal tcpdump, so ``timeout -s KILL`` (the container's first process) can end a capture
that outlives its ``timeout`` even if nobody calls :func:`stop_capture`, and tcpdump can be asked
for its statistics.

Example::

    >>> cap = dnb.start_capture("alice")                                    # doctest: +SKIP
    >>> dnb.exec("alice", "ping -c 1 web")                                  # doctest: +SKIP
    >>> dnb.stop_capture(cap)[["from", "to", "protocol", "summary"]]        # doctest: +SKIP
"""

from __future__ import annotations

import base64
import io
import re
import tarfile
import time
from typing import Any

import pandas as pd

from dockernet_nb.engine import labels
from dockernet_nb.engine.connection import client, engine_errors
from dockernet_nb.engine.objects import find_container
from dockernet_nb.errors import (
    CaptureError,
    CaptureTargetGone,
    CaptureTimeout,
    ContainerNotFound,
    DockernetError,
    InvalidInput,
    NotFound,
    NothingCaptured,
)
from dockernet_nb.parsers import pcap
from dockernet_nb.records import CaptureHandle
from dockernet_nb.replay import recordable
from dockernet_nb.verbs import containers
from dockernet_nb.verbs.common import Container, name_of, remove_quietly

__all__ = ["start_capture", "stop_capture", "DOCKER_DNS", "HOST"]

CAPTURE_FILE = "/tmp/capture.pcap"
READY = "listening on"
READY_WITHIN_S = 20.0  # a loaded machine; tcpdump itself is ready in a tenth of that
CAPABILITIES = ["NET_RAW", "SETGID"]
DOCKER_DNS = "Docker DNS"
HOST = "host"
# ``timeout -s KILL`` ends a capture nobody stopped: 137 (128 + KILL) is how it says so.
_TIMED_OUT = (124, 137)
_SETTLE_S = 0.1  # the file must stop growing this long before it is read for the last time
_SETTLE_MAX_S = 2.0


def _capture_command(timeout: float, capture_filter: str) -> list[str]:
    words = ["-Z", "root", "-i", "any", "-n", "-U", "--immediate-mode", "-w", "-"]
    # The filter is one argument (tcpdump joins its arguments); sh only redirects, it never reads the filter.
    script = f'exec tcpdump {" ".join(words)} "$@" > {CAPTURE_FILE}'
    return ["timeout", "-s", "KILL", f"{timeout:g}", "sh", "-c", script, "tcpdump", *([capture_filter] if capture_filter else [])]


def _checked_filter(capture_filter: str) -> str:
    if not isinstance(capture_filter, str):
        raise InvalidInput(f"filter must be tcpdump's filter as text, like 'icmp or arp'; got {capture_filter!r}.")
    return capture_filter.strip()


def _target(target: Container) -> Any:
    found = find_container(target, docker_command=f"docker run --network container:{target} ... tcpdump")
    with engine_errors(f"looking at {found.name}", missing=ContainerNotFound, what=found.name):
        found.reload()
    mode = str((found.attrs.get("HostConfig") or {}).get("NetworkMode") or "")
    if found.status != "running":
        raise InvalidInput(f"{name_of(target)} is {found.status}: a capture needs a running container. Start it again first.")
    if mode == "host":
        raise InvalidInput(
            f"{name_of(target)} runs on the host's network (net='host'): capturing there would show every packet of "
            "this machine. Capture in a container on a course network instead."
        )
    return found


def _stderr(container_id: str) -> str:
    try:
        with engine_errors("reading the capture's messages"):
            return client().api.logs(container_id, stdout=False, stderr=True).decode("utf-8", "replace")
    except NotFound:
        return ""


def _state(container_id: str) -> dict[str, Any] | None:
    try:
        with engine_errors("looking at the capture container"):
            return client().api.inspect_container(container_id).get("State") or {}
    except NotFound:
        return None


def _wait_until_listening(handle: Any, target: str) -> None:
    """Until tcpdump prints "listening on"; a tcpdump that stopped instead says why (a bad filter)."""
    deadline = time.monotonic() + READY_WITHIN_S
    pause = 0.01
    while True:
        said = _stderr(handle.id)
        if READY in said:
            return
        state = _state(handle.id)
        if state is None or not state.get("Running"):
            remove_quietly(handle.docker_name)
            text = said.strip() or "it printed nothing"
            if "syntax error" in text or "can't parse filter" in text or "illegal" in text:
                raise InvalidInput(f"tcpdump does not understand the filter: {text.splitlines()[-1]}")
            raise CaptureError(f"The capture in {target} stopped before it was ready: {text[-300:]}")
        if time.monotonic() > deadline:
            remove_quietly(handle.docker_name)
            raise CaptureError(
                f"tcpdump in {target} was not ready after {READY_WITHIN_S:g} s (the machine may be very busy), "
                "so the capture was removed. Run the cell again."
            )
        time.sleep(pause)
        pause = min(pause * 1.5, 0.1)


@recordable
def start_capture(target: Container, *, filter: str = "", timeout: float = 120) -> CaptureHandle:  # noqa: A002 - tcpdump's word
    """Start capturing every packet in ``target``'s network namespace (all its interfaces, ``lo`` too).

    ``filter``: tcpdump's filter language (``"icmp or arp"``, ``"tcp port 8000"``); empty keeps every
    packet. ``timeout``: the capture stops by itself after that many seconds, and :func:`stop_capture`
    then says so. Returns when tcpdump is listening. Starting a capture of the same target again
    replaces the running one. Example::

        >>> cap = dnb.start_capture("alice", filter="not ip6")              # doctest: +SKIP
    """
    capture_filter = _checked_filter(filter)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 3600:
        raise InvalidInput(f"timeout must be a number of seconds between 1 and 3600, like timeout=120; got {timeout!r}.")
    found = _target(target)
    short = labels.short_name(found.name, found.labels)
    handle = containers.run_helper(
        "debian",
        _capture_command(float(timeout), capture_filter),
        name=f"capture-{short}",
        detach=True,
        network_mode=f"container:{found.name}",
        cap_drop=["ALL"],
        cap_add=CAPABILITIES,
    )
    _wait_until_listening(handle, short)
    return CaptureHandle(
        name=handle.name,
        docker_name=handle.docker_name,
        id=handle.id,
        target=short,
        target_id=found.id[:12],
        target_started=str((found.attrs.get("State") or {}).get("StartedAt") or ""),
        filter=capture_filter,
        timeout=float(timeout),
    )


def _read_file(container: Any) -> bytes:
    """The capture file's bytes, copied out of the capture container (running or stopped)."""
    with engine_errors("copying the capture file"):
        stream, _ = container.get_archive(CAPTURE_FILE)
        with tarfile.open(fileobj=io.BytesIO(b"".join(stream))) as archive:
            member = archive.extractfile(archive.getmembers()[0])
            return member.read() if member is not None else b""


def _settled(container: Any) -> bytes:
    """The file once it stops growing: packets sent just before the stop are written by then."""
    data, last_change = _read_file(container), time.monotonic()
    deadline = last_change + _SETTLE_MAX_S
    while time.monotonic() < deadline:
        time.sleep(_SETTLE_S / 3)
        newer = _read_file(container)
        if len(newer) != len(data):
            data, last_change = newer, time.monotonic()
        elif time.monotonic() - last_change >= _SETTLE_S:
            break
    return data


_STATS = re.compile(r"(?P<captured>\d+) packets? captured.*?(?P<dropped>\d+) packets? dropped by kernel", re.DOTALL)


def _statistics(container: Any) -> dict[str, int]:
    """tcpdump's own count of what it captured and what the kernel dropped (asked with SIGUSR1).

    ``kill -1`` signals every process it may except the container's first one (``timeout``): tcpdump.
    """
    try:
        with engine_errors("asking tcpdump for its statistics"):
            container.exec_run(["kill", "-USR1", "-1"])
    except (NotFound, DockernetError):
        return {}
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        found = _STATS.search(_stderr(container.id))
        if found:
            return {key: int(value) for key, value in found.groupdict().items()}
        time.sleep(0.03)
    return {}


def _target_gone(handle: CaptureHandle) -> str | None:
    """Why the capture no longer watches its target's network, or None while it does."""
    try:
        found = find_container(handle.target)
        with engine_errors(f"looking at {found.name}", missing=ContainerNotFound, what=found.name):
            found.reload()
    except NotFound:
        return f"{handle.target} was removed"
    started = str((found.attrs.get("State") or {}).get("StartedAt") or "")
    if found.id[:12] != handle.target_id:
        return f"{handle.target} was replaced by a new container of the same name"
    if found.status != "running":
        return f"{handle.target} stopped"
    if started != handle.target_started:
        return f"{handle.target} was started again (with a new network namespace)"
    return None


def _address_book(target: str) -> dict[str, str]:
    """address -> host name for this session's containers, their networks' gateways and Docker's DNS."""
    api = client().api
    book = {"127.0.0.11": DOCKER_DNS, "127.0.0.1": target, "::1": target}
    selector = f"{labels.SESSION}={labels.session_id()}"
    with engine_errors("listing this session's containers"):
        listed = api.containers(all=True, filters={"label": selector})
    for entry in listed:
        name = (entry.get("Labels") or {}).get(labels.NAME) or entry["Names"][0].lstrip("/")
        if name.startswith("capture-"):
            continue
        for endpoint in ((entry.get("NetworkSettings") or {}).get("Networks") or {}).values():
            for key in ("IPAddress", "GlobalIPv6Address"):
                if endpoint.get(key):
                    book[str(endpoint[key])] = name
            if endpoint.get("MacAddress"):
                book[str(endpoint["MacAddress"]).lower()] = name
            for key in ("Gateway", "IPv6Gateway"):
                if endpoint.get(key):
                    book.setdefault(str(endpoint[key]), HOST)
    return book


def _arp_addresses(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series, dict[str, str]]:
    """For ARP rows: (sender IP, asked-for IP) from the summary, and MAC -> IP learned from them."""
    summary = frame["summary"].fillna("")
    request = summary.str.extract(r"^Request who-has (?P<asked>\S+) tell (?P<sender>[^,\s]+)")
    reply = summary.str.extract(r"^Reply (?P<sender>\S+) is-at (?P<mac>[0-9a-f:]+)")
    sender = request["sender"].fillna(reply["sender"])
    macs = {}
    for mac, ip in zip(frame["source"], sender, strict=True):
        if isinstance(mac, str) and isinstance(ip, str):
            macs[mac] = ip
    return sender, request["asked"], macs


def name_hosts(frame: pd.DataFrame, book: dict[str, str]) -> pd.DataFrame:
    """``frame`` (rows of :mod:`dockernet_nb.parsers.pcap`) with ``from`` and ``to`` columns: host names.

    An address the ``book`` does not name stays as it is. ARP rows are named by the IP addresses they
    carry: a request goes from the asker to the owner of the address it asks about (it is broadcast),
    a reply back to the asker. Pure: no engine.
    """
    named = frame.copy()
    arp = named["protocol"] == "ARP"
    sender, asked, macs = _arp_addresses(named)
    source = named["source"].where(~arp, sender)
    destination = named["destination"].where(~arp, asked)
    # An ARP reply goes to the asker's MAC address: its IP is known from the request.
    replied_to = named["destination"].map(macs)
    destination = destination.where(~(arp & asked.isna()), replied_to)

    def shown(addresses: pd.Series, raw: pd.Series) -> pd.Series:
        resolved = addresses.map(lambda a: book.get(a, a) if isinstance(a, str) else a)
        return resolved.fillna(raw.map(lambda a: book.get(a, a) if isinstance(a, str) else a)).astype("string")

    at = list(named.columns).index("destination") + 1
    named.insert(at, "from", shown(source, named["source"]))
    named.insert(at + 1, "to", shown(destination, named["destination"]))
    named.attrs.update(frame.attrs)
    return named


def packets_frame(data: bytes, book: dict[str, str]) -> pd.DataFrame:
    """The frame :func:`stop_capture` returns for a capture file's bytes (see the module docstring)."""
    frame = name_hosts(pcap.parse(data), book)
    frame.attrs["pcap"] = base64.b64encode(data).decode("ascii")
    return frame


@recordable
def stop_capture(capture: CaptureHandle) -> pd.DataFrame:
    """Stop a capture and return its packets, one row per packet (see the module docstring for the columns).

    The capture container is removed whatever happens. A capture that saw nothing raises
    :class:`NothingCaptured`, one that outlived its timeout :class:`CaptureTimeout`, one whose target
    stopped or was removed meanwhile :class:`CaptureTargetGone`. Example::

        >>> packets = dnb.stop_capture(cap)                                  # doctest: +SKIP
    """
    if not isinstance(capture, CaptureHandle):
        raise InvalidInput(f"stop_capture takes what dnb.start_capture returned, got {capture!r}.")
    try:
        container = find_container(capture.docker_name)
    except ContainerNotFound as e:
        raise CaptureError(
            f"The capture of {capture.target} is not there any more (removed by dnb.cleanup, or stopped already). "
            f"Start a new one with dnb.start_capture({capture.target!r})."
        ) from e
    try:
        state = _state(container.id) or {}
        timed_out = not state.get("Running") and state.get("ExitCode") in _TIMED_OUT
        gone = _target_gone(capture)
        data = b"" if timed_out or gone else _settled(container)
        counted = {} if timed_out or gone else _statistics(container)
    finally:
        remove_quietly(capture.docker_name)
    if timed_out:
        raise CaptureTimeout(
            f"The capture of {capture.target} ran past its timeout ({capture.timeout:g} s) and stopped by itself; its "
            f"packets were discarded with it. Start it again, right before what you want to see, and stop it sooner, "
            f"or pass a larger timeout= to dnb.start_capture."
        )
    if gone:
        raise CaptureTargetGone(
            f"{gone} while the capture ran, so the capture no longer saw its network; it was removed. "
            f"Start {capture.target} (if needed), then start a new capture."
        )
    frame = packets_frame(data, _address_book(capture.target))
    # "dropped" counts packets the kernel had no room for (a very busy machine): they are missing above.
    frame.attrs.update({key: value for key, value in counted.items() if key == "dropped"})
    if frame.empty:
        also = f" matching the filter {capture.filter!r}" if capture.filter else ""
        raise NothingCaptured(
            f"The capture in {capture.target} saw no packet{also}. Did the cells between start and stop send anything "
            f"to or from {capture.target}? Start it again, then run the cell that makes traffic, then stop it."
        )
    return frame
