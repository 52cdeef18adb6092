"""Small result records that show themselves readably in a notebook."""

from __future__ import annotations

import dataclasses
import html

import pandas as pd

__all__ = ["CommandResult", "NetworkHandle", "ContainerHandle", "RECORD_TYPES"]


@dataclasses.dataclass(frozen=True)
class CommandResult:
    """What a command printed and how it ended (like docker-py's ExecResult, but with text)."""

    command: str
    exit_code: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def output(self) -> str:
        """stdout and stderr together, stdout first."""
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return self.output

    def __repr__(self) -> str:
        parts = [f"$ {self.command}   (exit code {self.exit_code})"]
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
            f"<div><code>$ {html.escape(self.command)}</code> "
            f"<span style='color:{colour}'>exit code {self.exit_code}</span>"
            + (f"<pre>{body}</pre>" if body else "")
            + (f"<pre style='color:#c62828'>{err}</pre>" if err else "")
            + "</div>"
        )


def _table_html(record: NetworkHandle | ContainerHandle) -> str:
    return pd.DataFrame([dataclasses.asdict(record)]).to_html(index=False)


@dataclasses.dataclass(frozen=True)
class NetworkHandle:
    """A network the course made (or found): use its ``name`` wherever a network is asked for."""

    name: str
    docker_name: str
    id: str
    driver: str
    subnet: str | None
    gateway: str | None
    internal: bool = False

    def __str__(self) -> str:
        return self.name

    def _repr_html_(self) -> str:
        return _table_html(self)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([dataclasses.asdict(self)])


@dataclasses.dataclass(frozen=True)
class ContainerHandle:
    """A running container the course started; ``addresses`` maps network name -> IPv4 address."""

    name: str
    docker_name: str
    id: str
    image: str
    status: str
    addresses: dict[str, str]
    ports: dict[str, str] = dataclasses.field(default_factory=dict)

    def __str__(self) -> str:
        return self.name

    def _repr_html_(self) -> str:
        row = dataclasses.asdict(self)
        row["addresses"] = ", ".join(f"{net}: {ip}" for net, ip in self.addresses.items()) or "(none)"
        row["ports"] = ", ".join(f"{host} -> {inner}" for inner, host in self.ports.items()) or ""
        return pd.DataFrame([row]).to_html(index=False)

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([dataclasses.asdict(self)])


# The records a recording may hold, by name: replay rebuilds answers only from this table.
RECORD_TYPES: dict[str, type] = {
    "CommandResult": CommandResult,
    "NetworkHandle": NetworkHandle,
    "ContainerHandle": ContainerHandle,
}
