"""What kind of engine the course talks to: its version, and whether it is Docker Desktop, rootless or remote.

Lessons that look at "the host" (its iptables, its docker-proxy processes, ``net="host"``) mean
different things on each: on Docker Desktop the host is Desktop's Linux VM, not the laptop; on a
remote engine it is that machine; rootless engines publish ports through their own user-space network.
:func:`classify` is pure (recorded ``docker info`` answers are enough to test it).
"""

from __future__ import annotations

import dataclasses
import os
import re
from typing import Any

from dockernet_nb.engine.connection import client, engine_errors

__all__ = ["EngineKind", "classify", "engine_kind"]


@dataclasses.dataclass(frozen=True)
class EngineKind:
    """The engine's version and where it runs."""

    version: str
    major: int
    minor: int
    desktop: bool
    rootless: bool
    remote: bool
    operating_system: str
    cgroup_version: str

    @property
    def where(self) -> str:
        if self.desktop:
            return "Docker Desktop (its engine runs in a Linux VM)"
        if self.remote:
            return "a remote engine (DOCKER_HOST)"
        return "a rootless engine on this machine" if self.rootless else "an engine on this machine"

    def at_least(self, major: int, minor: int = 0) -> bool:
        return (self.major, self.minor) >= (major, minor)


def classify(version: dict[str, Any], info: dict[str, Any], docker_host: str = "") -> EngineKind:
    """An :class:`EngineKind` from the engine's ``/version`` and ``/info`` answers and DOCKER_HOST."""
    text = str(version.get("Version") or info.get("ServerVersion") or "0.0")
    numbers = re.match(r"(\d+)\.(\d+)", text)
    major, minor = (int(numbers.group(1)), int(numbers.group(2))) if numbers else (0, 0)
    operating_system = str(info.get("OperatingSystem") or "")
    security = " ".join(str(option) for option in info.get("SecurityOptions") or [])
    return EngineKind(
        version=text,
        major=major,
        minor=minor,
        desktop="docker desktop" in operating_system.lower(),
        rootless="name=rootless" in security,
        remote=docker_host.startswith(("tcp://", "ssh://", "http://", "https://")),
        operating_system=operating_system,
        cgroup_version=str(info.get("CgroupVersion") or ""),
    )


def engine_kind() -> EngineKind:
    """The engine the course talks to now."""
    with engine_errors("asking the engine what it is"):
        return classify(client().version(), client().info(), os.environ.get("DOCKER_HOST", ""))
