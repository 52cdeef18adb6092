"""Result records and tables that show themselves readably in a notebook, each with its docker command.

Every verb's answer says how to do the same with Docker itself: ``.docker`` holds the commands
(:class:`DockerCommand`, the essential one to type and the full one with every option the course
adds), and the notebook shows the essential command above the result. Tables are
:class:`CourseFrame`, a DataFrame that shows those commands (and, replayed, where the answer came from)
above itself; ``.raw`` is the text a parsed table came from and ``.summary`` a ping's summary.

The records live in modules named for what they hold (:mod:`.commands`, :mod:`.handles`,
:mod:`.frames`, :mod:`.topology`, :mod:`.packet_path`, :mod:`.lessons`); import them from here.
"""

from __future__ import annotations

from dockernet_nb.records.commands import CommandResult, DockerCommand, command_lines, commands_html
from dockernet_nb.records.frames import CourseFrame, PingSummary
from dockernet_nb.records.handles import CaptureHandle, ContainerHandle, NetworkHandle
from dockernet_nb.records.lessons import CheckResult, EngineNote, FaultLab
from dockernet_nb.records.packet_path import PacketPath, PathStep
from dockernet_nb.records.topology import (
    ContainerNode,
    Endpoint,
    HostNode,
    NetworkBox,
    SwarmSnapshot,
    TopologySnapshot,
    VethLink,
)

__all__ = [
    "DockerCommand",
    "CommandResult",
    "NetworkHandle",
    "ContainerHandle",
    "PingSummary",
    "CourseFrame",
    "NetworkBox",
    "ContainerNode",
    "Endpoint",
    "VethLink",
    "TopologySnapshot",
    "HostNode",
    "SwarmSnapshot",
    "PathStep",
    "PacketPath",
    "CaptureHandle",
    "EngineNote",
    "FaultLab",
    "CheckResult",
    "RECORD_TYPES",
    "command_lines",
    "commands_html",
]

# The records a recording may hold, by name: replay rebuilds answers only from this table.
RECORD_TYPES: dict[str, type] = {
    "CommandResult": CommandResult,
    "NetworkHandle": NetworkHandle,
    "ContainerHandle": ContainerHandle,
    "DockerCommand": DockerCommand,
    "NetworkBox": NetworkBox,
    "ContainerNode": ContainerNode,
    "Endpoint": Endpoint,
    "VethLink": VethLink,
    "TopologySnapshot": TopologySnapshot,
    "HostNode": HostNode,
    "SwarmSnapshot": SwarmSnapshot,
    "PathStep": PathStep,
    "PacketPath": PacketPath,
    "CaptureHandle": CaptureHandle,
    "EngineNote": EngineNote,
    "FaultLab": FaultLab,
}
