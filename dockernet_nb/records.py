"""Result records and tables that show themselves readably in a notebook, each with its docker command.

Every verb's answer says how to do the same with Docker itself: ``.docker`` holds the commands
(:class:`DockerCommand`, the essential one to type and the full one with every option the course
adds), and the notebook shows the essential command above the result. Tables are
:class:`CourseFrame`, a DataFrame that shows those commands (and, replayed, where the answer came from)
above itself; ``.raw`` is the text a parsed table came from and ``.summary`` a ping's summary.
"""

from __future__ import annotations

import dataclasses
import html
from typing import Any

import pandas as pd

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

MAX_SHOWN_STEPS = 8


@dataclasses.dataclass(frozen=True)
class DockerCommand:
    """A docker command that does what a verb did: ``essential`` to type, ``full`` with every course option."""

    essential: str
    full: str

    def __str__(self) -> str:
        return self.essential


def command_lines(commands: tuple[DockerCommand, ...] | list[DockerCommand]) -> list[str]:
    """``$ docker ...`` lines for display; a verb of many steps shows the first ones and how many more."""
    lines = [f"$ {c.essential}" for c in commands[:MAX_SHOWN_STEPS]]
    if len(commands) > MAX_SHOWN_STEPS:
        lines.append(f"$ ... and {len(commands) - MAX_SHOWN_STEPS} more (all of them in .docker)")
    return lines


def commands_html(commands: tuple[DockerCommand, ...] | list[DockerCommand]) -> str:
    if not commands:
        return ""
    shown = "<br>".join(f"<code>{html.escape(line)}</code>" for line in command_lines(commands))
    full = "<br>".join(f"<code>$ {html.escape(c.full)}</code>" for c in commands)
    return (
        f'<div class="dnb-docker">{shown}'
        f"<details><summary>with every option the course adds</summary>{full}</details></div>"
    )


@dataclasses.dataclass(frozen=True, repr=False)
class CommandResult:
    """What a command printed and how it ended (like docker-py's ExecResult, but with text)."""

    command: str
    exit_code: int
    stdout: str
    stderr: str
    docker: tuple[DockerCommand, ...] = ()

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def output(self) -> str:
        """stdout and stderr together, stdout first."""
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return self.output

    def _first_line(self) -> str:
        shown = self.docker[-1].essential if len(self.docker) == 1 else self.command
        return f"$ {shown}   (exit code {self.exit_code})"

    def __repr__(self) -> str:
        parts = [*command_lines(self.docker[:-1])] if len(self.docker) > 1 else []
        parts.append(self._first_line())
        if self.stdout:
            parts.append(self.stdout.rstrip("\n"))
        if self.stderr:
            parts.append("stderr:\n" + self.stderr.rstrip("\n"))
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        colour = "#2e7d32" if self.ok else "#c62828"
        body = html.escape(self.stdout.rstrip("\n"))
        err = html.escape(self.stderr.rstrip("\n"))
        return (
            commands_html(self.docker)
            + f"<div><code>{html.escape(self.command)}</code> "
            + f"<span style='color:{colour}'>exit code {self.exit_code}</span>"
            + (f"<pre>{body}</pre>" if body else "")
            + (f"<pre style='color:#c62828'>{err}</pre>" if err else "")
            + "</div>"
        )


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


@dataclasses.dataclass(frozen=True)
class PingSummary:
    """ping's own summary lines, typed (see :mod:`dockernet_nb.parsers.ping` for each field)."""

    dialect: str | None = None
    destination: str | None = None
    resolved: str | None = None
    transmitted: int | None = None
    received: int | None = None
    loss_pct: float | None = None
    rtt_min: float | None = None
    rtt_avg: float | None = None
    rtt_max: float | None = None
    error: str | None = None
    errors: int = 0
    source: str | None = None

    @classmethod
    def from_attrs(cls, data: dict[str, Any]) -> PingSummary:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})


class CourseFrame(pd.DataFrame):
    """A verb's table: the docker command(s) behind it above the rows, and, when replayed, where it came from."""

    @property
    def _constructor(self) -> type[CourseFrame]:
        return CourseFrame

    @property
    def docker(self) -> tuple[DockerCommand, ...]:
        """The docker commands that would do what the verb did (also on frames derived from this one)."""
        return tuple(DockerCommand(**c) for c in self.attrs.get("docker") or ())

    @property
    def raw(self) -> str:
        """The text the table was parsed from ("" when it was not parsed from text)."""
        return str(self.attrs.get("raw") or "")

    @property
    def summary(self) -> PingSummary:
        """A ping's summary (sent, received, loss, round trips, error), typed."""
        return PingSummary.from_attrs(self.attrs.get("summary") or {})

    def _header(self) -> list[str]:
        note = self.attrs.get("replayed")
        return ([note] if note else []) + command_lines(self.docker)

    def __repr__(self) -> str:
        # pandas names the class in an empty frame's repr; say DataFrame, as for any table.
        table = super().__repr__().replace(f"Empty {type(self).__name__}", "Empty DataFrame", 1)
        return "\n".join([*self._header(), table])

    def _repr_html_(self) -> str | None:
        table = super()._repr_html_() or ""
        note = self.attrs.get("replayed")
        shown = f'<p class="dnb-replayed"><i>{html.escape(note)}</i></p>\n' if note else ""
        return shown + commands_html(self.docker) + table


@dataclasses.dataclass(frozen=True)
class NetworkBox:
    """A network in the topology picture: a wide box with its name, subnet and gateway."""

    name: str
    driver: str = "bridge"
    subnet: str | None = None
    gateway: str | None = None
    internal: bool = False
    bridge: str = ""  # the Linux bridge behind a bridge network (docker0, br-<id>); "" when not known


@dataclasses.dataclass(frozen=True)
class ContainerNode:
    """A container in the topology picture; ``network_mode`` is "none", "host", "container:<name>" or a network."""

    name: str
    image: str = ""
    status: str = "running"
    ports: tuple[str, ...] = ()
    network_mode: str = ""


@dataclasses.dataclass(frozen=True)
class Endpoint:
    """A container's address on one network ("" for a stopped container)."""

    container: str
    network: str
    ipv4: str = ""
    prefixlen: int | None = None


@dataclasses.dataclass(frozen=True)
class VethLink:
    """One veth pair: a container's interface (``eth0``) and its other end (``veth...``) plugged into a bridge."""

    container: str
    network: str
    interface: str
    peer: str
    bridge: str = ""


@dataclasses.dataclass(frozen=True)
class TopologySnapshot:
    """What the engine reported about a session's networks and containers, learner-facing names throughout.

    ``links`` (veth pairs) are filled only when the picture should show the plumbing; ``host`` names
    the machine that holds the bridges when it is not the engine's host (a lab container).
    """

    title: str = ""
    networks: tuple[NetworkBox, ...] = ()
    containers: tuple[ContainerNode, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    docker: tuple[DockerCommand, ...] = ()
    links: tuple[VethLink, ...] = ()
    host: str = ""


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


@dataclasses.dataclass(frozen=True)
class HostNode:
    """An engine node in the multi-host picture: a host with an engine of its own.

    ``role`` is "manager", "worker" or "" (not in a swarm); ``state`` what the swarm (or, outside a
    swarm, the node's container) says: "ready", "down", "running", "exited".
    """

    name: str
    address: str = ""  # on the uplink network (eth0 inside the node)
    role: str = ""
    state: str = ""
    engine: str = ""


@dataclasses.dataclass(frozen=True)
class SwarmSnapshot:
    """The nodes of a multi-host lesson, the network joining them, and the overlays and containers on them.

    ``placement`` maps each container to the node it runs on; ``vnis`` each overlay to its VXLAN id.
    """

    title: str = ""
    uplink: NetworkBox = NetworkBox(name="")
    nodes: tuple[HostNode, ...] = ()
    networks: tuple[NetworkBox, ...] = ()
    containers: tuple[ContainerNode, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    placement: dict[str, str] = dataclasses.field(default_factory=dict)
    vnis: dict[str, int] = dataclasses.field(default_factory=dict)
    docker: tuple[DockerCommand, ...] = ()


@dataclasses.dataclass(frozen=True)
class PathStep:
    """One iptables rule the first packet of a connection met: its table, chain, the rule as
    ``iptables-save`` prints it, and what it did ("jump to DOCKER", "return", "DNAT to ...", "no match")."""

    table: str
    chain: str
    rule: str
    outcome: str


@dataclasses.dataclass(frozen=True)
class PacketPath:
    """The way a new connection to a published port takes, as the engine set it up (``dnb.packet_path``).

    ``client`` is "host" (a program on the engine's host), "remote" (another machine: worked out from the
    rules, never sent) or a container's name. ``way`` is "docker-proxy" (a program on the host accepts
    the connection and opens its own), "dnat" (the kernel rewrites the destination) or "none" (nothing
    takes it: ``why`` says what stops it, ``stops`` where: "client" before the host, "host" at the host,
    "filter" in the filter table after DNAT). ``seen_ip`` is the visitor address the server will log;
    ``port_kept``: whether it also sees the client's own port. ``steps`` are the rules that decided.
    """

    server: str
    server_ip: str = ""
    server_port: int | None = None
    server_network: str = ""
    server_bridge: str = ""
    server_gateway: str = ""
    published: str = ""
    client: str = "host"
    client_ip: str = ""
    client_network: str = ""
    client_iface: str = ""
    target: str = ""
    way: str = "none"
    why: str = ""
    stops: str = ""
    proxy: str = ""
    dnat_rule: str = ""
    seen_ip: str = ""
    port_kept: bool = False
    steps: tuple[PathStep, ...] = ()
    engine: str = ""
    where: str = ""
    docker: tuple[DockerCommand, ...] = ()

    def summary(self) -> str:
        """The path in one line: client -> address -> way -> bridge -> server, and what the server sees."""
        who = {"host": "a program on the host", "remote": "another machine"}.get(self.client, f"container {self.client}")
        if self.way == "none":
            return f"{who} -> {self.target}: stops there ({self.why})"
        way = "docker-proxy" if self.way == "docker-proxy" else "kernel DNAT"
        port = "its own port" if self.port_kept else "a port of docker-proxy's own" if self.way == "docker-proxy" else "a new port"
        seen = f"{self.seen_ip} and {port}"
        if self.client == "remote" and self.seen_ip == self.client_ip:
            seen = "the other machine's own address and port"
        return (
            f"{who} -> {self.target} -> {way} -> {self.server_bridge} ({self.server_gateway}) -> "
            f"{self.server} {self.server_ip}:{self.server_port}; {self.server} sees {seen}"
        )


@dataclasses.dataclass(frozen=True)
class EngineNote:
    """A short note about one engine difference, as Markdown."""

    topic: str
    engine: str
    text: str

    def __repr__(self) -> str:
        return f"Note on this engine (Docker {self.engine}): {self.text}"

    def _repr_markdown_(self) -> str:
        return f"> **On this engine (Docker {self.engine}).** {self.text}"

    def _repr_html_(self) -> str:
        return (
            "<div class='dnb-engine-note' style='border-left:4px solid #ef6c00;padding-left:8px'>"
            f"<b>On this engine (Docker {html.escape(self.engine)}).</b> {html.escape(self.text)}</div>"
        )


@dataclasses.dataclass(frozen=True, repr=False)
class FaultLab:
    """A break-fix lab: the seed that chose the fault, which set-up it broke, and what the user reports."""

    seed: int
    fault: str
    setup: str
    symptom: str
    hints: int

    def _lines(self) -> list[str]:
        return [
            f"Break-fix lab, seed {self.seed} (the same seed gives the same fault, on any machine).",
            f"Reported: {self.symptom}",
            "Investigate with the course's verbs and fix it any way you like; then dnb.check_fix(lab). "
            f"Stuck? dnb.fault_hint(lab) gives one of {self.hints} hints at a time.",
        ]

    def __repr__(self) -> str:
        return "\n".join(self._lines())

    def _repr_html_(self) -> str:
        first, reported, rest = self._lines()
        return (
            "<div style='border-left:4px solid #c62828;padding-left:8px'>"
            f"{html.escape(first)}<br><b>{html.escape(reported)}</b><br><i>{html.escape(rest)}</i></div>"
        )


@dataclasses.dataclass(frozen=True)
class CheckResult:
    """An exercise check's verdict: "Correct", or "Not yet" with a hint."""

    ok: bool
    message: str
    hint: str = ""
    exercise: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def __repr__(self) -> str:
        mark = "Correct" if self.ok else "Not yet"
        text = f"{mark}: {self.message}"
        return text + (f"\nHint: {self.hint}" if self.hint and not self.ok else "")

    def _repr_html_(self) -> str:
        colour, mark = ("#2e7d32", "&#10004; Correct") if self.ok else ("#c62828", "&#10008; Not yet")
        hint = f"<br><i>Hint:</i> {html.escape(self.hint)}" if self.hint and not self.ok else ""
        return f"<div style='color:{colour}'><b>{mark}</b>: {html.escape(self.message)}{hint}</div>"


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
