"""Handles: the networks, containers and captures the course made, each standing for its name."""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd

from dockernet_nb.records.commands import DockerCommand, command_lines, commands_html

__all__ = ["NetworkHandle", "ContainerHandle", "CaptureHandle"]


class _Handle:
    """What both handles do: stand for their name, show their docker commands above their fields."""

    name: str
    docker: tuple[DockerCommand, ...]

    def __str__(self) -> str:
        return self.name

    def _row(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "docker"}  # type: ignore[arg-type]

    def __repr__(self) -> str:
        fields = [f"{name}={value!r}" for name, value in self._row().items()]
        return "\n".join([*command_lines(self.docker), f"{type(self).__name__}({', '.join(fields)})"])

    def _shown_row(self) -> dict[str, Any]:
        return self._row()

    def _repr_html_(self) -> str:
        return commands_html(self.docker) + pd.DataFrame([self._shown_row()]).to_html(index=False)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self._row()])


@dataclasses.dataclass(frozen=True, repr=False)
class NetworkHandle(_Handle):
    """A network the course made (or found): use its ``name`` wherever a network is asked for."""

    name: str
    docker_name: str
    id: str
    driver: str
    subnet: str | None
    gateway: str | None
    internal: bool = False
    subnet6: str | None = None
    gateway6: str | None = None
    docker: tuple[DockerCommand, ...] = ()


@dataclasses.dataclass(frozen=True, repr=False)
class ContainerHandle(_Handle):
    """A running container the course started; ``addresses`` maps network name -> IPv4 address."""

    name: str
    docker_name: str
    id: str
    image: str
    status: str
    addresses: dict[str, str]
    ports: dict[str, str] = dataclasses.field(default_factory=dict)
    addresses6: dict[str, str] = dataclasses.field(default_factory=dict)
    docker: tuple[DockerCommand, ...] = ()

    def _shown_row(self) -> dict[str, Any]:
        row = self._row()
        row["addresses"] = ", ".join(f"{net}: {ip}" for net, ip in self.addresses.items()) or "(none)"
        row["ports"] = ", ".join(f"{host} -> {inner}" for inner, host in self.ports.items()) or ""
        return row



@dataclasses.dataclass(frozen=True, repr=False)
class CaptureHandle(_Handle):
    """A packet capture running in a course container's network namespace; ``dnb.stop_capture`` ends it.

    ``target_started`` is when the target container last started: a target started again meanwhile has a
    new network namespace, which the capture does not see.
    """

    name: str
    docker_name: str
    id: str
    target: str
    target_id: str
    target_started: str
    filter: str
    timeout: float
    docker: tuple[DockerCommand, ...] = ()
